import DocumentStore
import Foundation
import Retrieval

/// What bringing the vector index in line with the database did.
public struct VectorSyncReport: Sendable, Equatable, Encodable {
    /// Chunks embedded and added.
    public var vectorsAdded = 0
    /// Of those, vectors taken from a killed rebuild's journal instead of embedded again.
    public var vectorsReused = 0
    /// Vectors removed because their chunk no longer exists (deleted or changed documents).
    public var vectorsRemoved = 0
    /// Vectors in the index afterwards.
    public var vectorCount = 0
    /// Wall-clock seconds.
    public var seconds = 0.0

    /// An empty report.
    public init() {}

    /// Adds up two parts of one run (`vectorCount` is the later one's).
    mutating func add(_ other: VectorSyncReport) {
        vectorsAdded += other.vectorsAdded
        vectorsReused += other.vectorsReused
        vectorsRemoved += other.vectorsRemoved
        vectorCount = other.vectorCount
        seconds += other.seconds
    }

    enum CodingKeys: String, CodingKey {
        case vectorsAdded = "vectors_added", vectorsReused = "vectors_reused", vectorsRemoved = "vectors_removed"
        case vectorCount = "vectors"
        case seconds = "embed_seconds"
    }
}

/// Makes a vector index hold exactly one vector per chunk of the rows a store shows: embeds chunks that have none
/// and removes vectors whose chunk is gone. Vectors are keyed by chunk id, so a changed document (new chunk ids)
/// loses its old vectors and gains new ones. It changes the index in memory only: `IndexPublisher` writes it and
/// publishes it with the rows it matches.
public struct VectorSync: Sendable {
    /// The database.
    public var store: DocumentStore
    /// The embedding model.
    public var retriever: RetrieverModel
    /// Where the index lives.
    public var location: VectorIndexLocation
    /// Texts per forward pass.
    public var batchSize = 32
    /// Vectors embedded per published generation: a killed run loses at most this many.
    public var checkpointChunks = IndexPublisher.defaultCheckpointChunks

    /// Creates a synchroniser.
    public init(store: DocumentStore, retriever: RetrieverModel, location: VectorIndexLocation) {
        self.store = store
        self.retriever = retriever
        self.location = location
    }

    /// Opens the published index (refusing one built with another model) or creates an empty exact one.
    public func openOrCreateIndex() throws -> VectorIndex {
        let embedder = retriever.embedder
        if let manifest = try PublishedGeneration.vectorManifest(of: store, at: location) {
            return try VectorIndex.open(
                at: location, manifest: manifest, expecting: embedder.identity, dimension: embedder.dimension)
        }
        return try VectorIndex(model: embedder.identity, dimension: embedder.dimension)
    }

    /// Synchronises the published index and publishes the result, a generation every `checkpointChunks` vectors;
    /// `progress(done, total)` is called after each embedded batch.
    public func run(progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> VectorSyncReport {
        let publisher = try IndexPublisher(store: store, location: location, retriever: retriever, embedding: true)
        publisher.checkpointChunks = checkpointChunks
        try publisher.begin()
        do {
            // The rows are published already; their vectors are published as they come.
            try publisher.publish(continuing: false, sliced: true, progress: progress)
        } catch {
            store.rollbackBatch()
            throw error
        }
        return publisher.report
    }

    /// Removes `index`'s stale vectors and embeds at most `limit` of the missing ones (all when nil), in chunk-id
    /// order; returns what it did and how many chunks still lack a vector. With a `journal`, texts it holds take
    /// its vectors, and every embedded batch is appended to it before `embedded` is called.
    func synchronise(
        _ index: VectorIndex, limit: Int?, journal: EmbeddingJournal? = nil, embedded: () -> Void = {},
        progress: (_ done: Int, _ total: Int) -> Void
    ) throws -> (report: VectorSyncReport, remaining: Int) {
        let start = Date()
        var report = VectorSyncReport()
        let live = try store.chunkIDs(matching: .none)
        let indexed = Set(index.chunkIDs)
        let valid = try Self.validVectorIDs(indexed: indexed, store: store)
        let stale = indexed.subtracting(valid)
        if !stale.isEmpty { report.vectorsRemoved = try index.remove(ids: stale) }
        let allMissing = live.subtracting(valid).sorted()
        let missing = limit.map { Array(allMissing.prefix($0)) } ?? allMissing
        // HNSW keeps removed ids as tombstones; one that comes back needs them dropped first.
        if index.needsRebuild || !Set(index.tombstones).isDisjoint(with: missing) { try index.rebuild() }
        progress(0, missing.count)
        for begin in stride(from: 0, to: missing.count, by: batchSize) {
            let ids = Array(missing[begin..<min(begin + batchSize, missing.count)])
            let chunks = try store.chunks(ids: ids)
            let vectors = try embed(chunks.map(\.text), journal: journal, report: &report)
            try index.add(vectors, ids: chunks.map(\.id))
            report.vectorsAdded += chunks.count
            if journal != nil { embedded() }
            progress(begin + ids.count, missing.count)
        }
        report.vectorCount = index.count
        report.seconds = Date().timeIntervalSince(start)
        return (report, allMissing.count - missing.count)
    }

    /// The vectors of `texts`: the journal's where it has them, the others embedded (and journaled).
    private func embed(_ texts: [String], journal: EmbeddingJournal?, report: inout VectorSyncReport) throws
        -> [[Float]]
    {
        guard let journal else {
            return try retriever.embedder.embed(texts, prompt: retriever.passagePrompt, batchSize: batchSize)
        }
        var vectors = texts.map { journal.vector(for: $0) }
        let missing = vectors.indices.filter { vectors[$0] == nil }
        report.vectorsReused += texts.count - missing.count
        if !missing.isEmpty {
            let texts = missing.map { texts[$0] }
            let fresh = try retriever.embedder.embed(texts, prompt: retriever.passagePrompt, batchSize: batchSize)
            try journal.append(fresh, for: texts)
            for (slot, vector) in zip(missing, fresh) { vectors[slot] = vector }
        }
        return vectors.map { $0 ?? [] }
    }

    /// Removes the vectors of `index` whose chunk is gone, without a model (documents pruned in a run that
    /// embeds nothing).
    static func removeStale(from index: VectorIndex, store: DocumentStore) throws -> VectorSyncReport {
        var report = VectorSyncReport()
        let stale = Set(index.chunkIDs).subtracting(try validVectorIDs(indexed: Set(index.chunkIDs), store: store))
        if !stale.isEmpty { report.vectorsRemoved = try index.remove(ids: stale) }
        report.vectorCount = index.count
        return report
    }

    /// The database setting holding when the vectors were last brought in line (seconds since 1970, as text).
    public static let syncedAtSetting = "vectors_synced_at"

    /// The vectors among `indexed` that belong to the chunk now stored under their id.
    ///
    /// SQLite may give a new chunk the id of a deleted one (chunk ids are rowids without AUTOINCREMENT), so an id
    /// alone does not prove the vector is the chunk's: chunks of documents stored after the last synchronisation
    /// are treated as having no vector, whatever ids they got.
    public static func validVectorIDs(indexed: Set<Int64>, store: DocumentStore) throws -> Set<Int64> {
        let live = try store.chunkIDs(matching: .none)
        var valid = indexed.intersection(live)
        let syncedAt = try store.setting(syncedAtSetting).flatMap(Double.init)
        for document in try store.allDocuments()
        where syncedAt.map({ document.ingestedAt.timeIntervalSince1970 >= $0 }) ?? true {
            for chunk in try store.chunks(documentID: document.id) { valid.remove(chunk.id) }
        }
        return valid
    }

}
