import DocumentStore
import Foundation
import Retrieval

/// What bringing the vector index in line with the database did.
public struct VectorSyncReport: Sendable, Equatable, Encodable {
    /// Chunks embedded and added.
    public var vectorsAdded = 0
    /// Vectors removed because their chunk no longer exists (deleted or changed documents).
    public var vectorsRemoved = 0
    /// Vectors in the index afterwards.
    public var vectorCount = 0
    /// Wall-clock seconds.
    public var seconds = 0.0

    /// An empty report.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case vectorsAdded = "vectors_added", vectorsRemoved = "vectors_removed", vectorCount = "vectors"
        case seconds = "embed_seconds"
    }
}

/// Makes the vector index beside a database hold exactly one vector per chunk: embeds chunks that have none and
/// removes vectors whose chunk is gone. Vectors are keyed by chunk id, so a changed document (new chunk ids) loses
/// its old vectors and gains new ones. Saves atomically every `saveInterval` vectors, so a killed run keeps most of
/// its work and the next run finishes it.
public struct VectorSync: Sendable {
    /// The database.
    public var store: DocumentStore
    /// The embedding model.
    public var retriever: RetrieverModel
    /// Where the index lives.
    public var location: VectorIndexLocation
    /// Texts per forward pass.
    public var batchSize = 32
    /// Vectors added between intermediate saves.
    public var saveInterval = 4096

    /// Creates a synchroniser.
    public init(store: DocumentStore, retriever: RetrieverModel, location: VectorIndexLocation) {
        self.store = store
        self.retriever = retriever
        self.location = location
    }

    /// Opens the saved index (refusing one built with another model) or creates an empty exact one.
    public func openOrCreateIndex() throws -> VectorIndex {
        let embedder = retriever.embedder
        if location.exists {
            return try VectorIndex.open(at: location, expecting: embedder.identity, dimension: embedder.dimension)
        }
        return try VectorIndex(model: embedder.identity, dimension: embedder.dimension)
    }

    /// Synchronises; `progress(done, total)` is called after each embedded batch.
    public func run(progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws -> VectorSyncReport {
        let start = Date()
        var report = VectorSyncReport()
        let index = try openOrCreateIndex()
        let live = try store.chunkIDs(matching: .none)
        let indexed = Set(index.chunkIDs)
        let valid = try Self.validVectorIDs(indexed: indexed, store: store)
        let stale = indexed.subtracting(valid)
        var changed = false
        if !stale.isEmpty {
            report.vectorsRemoved = try index.remove(ids: stale)
            changed = true
        }
        let missing = live.subtracting(valid).sorted()
        // HNSW keeps removed ids as tombstones; one that comes back needs them dropped first.
        if index.needsRebuild || !Set(index.tombstones).isDisjoint(with: missing) { try index.rebuild() }
        progress(0, missing.count)
        var sinceSave = 0
        for begin in stride(from: 0, to: missing.count, by: batchSize) {
            let ids = Array(missing[begin..<min(begin + batchSize, missing.count)])
            let chunks = try store.chunks(ids: ids)
            let vectors = try retriever.embedder.embed(
                chunks.map(\.text), prompt: retriever.passagePrompt, batchSize: batchSize)
            try index.add(vectors, ids: chunks.map(\.id))
            report.vectorsAdded += chunks.count
            sinceSave += chunks.count
            changed = true
            progress(begin + ids.count, missing.count)
            if sinceSave >= saveInterval {
                try index.save(to: location)
                sinceSave = 0
            }
        }
        if changed || !location.exists { try index.save(to: location) }
        // Only after the save: a crash before it leaves the older time, and the next run re-embeds a little more.
        try store.setSetting(Self.syncedAtSetting, to: String(start.timeIntervalSince1970))
        report.vectorCount = index.count
        report.seconds = Date().timeIntervalSince(start)
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
