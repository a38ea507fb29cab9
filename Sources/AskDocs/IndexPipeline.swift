import DocumentStore
import Foundation
import Hub
import Ingest
import Retrieval

/// What to index and how.
public struct IndexPipelineRequest: Sendable {
    /// The database file (created with its folder when absent).
    public var database: String
    /// Which files.
    public var files: IndexRequest
    /// The retriever named by the user (nil: the one the database records, else the default unless `embed` is off).
    public var retriever: String?
    /// Whether to embed chunks into the vector index (false: a BM25-only index).
    public var embed: Bool
    /// The retriever when neither the request nor the database names one (the configured one).
    public var defaultRetriever: String

    /// Creates a request.
    public init(
        database: String, files: IndexRequest, retriever: String? = nil, embed: Bool = true,
        defaultRetriever: String = Configuration.default.retrieverModel
    ) {
        self.database = database
        self.files = files
        self.retriever = retriever
        self.embed = embed
        self.defaultRetriever = defaultRetriever
    }
}

/// What an index pipeline run did.
public struct IndexPipelineReport: Sendable, Equatable {
    /// Files and documents stored.
    public var documents: IndexReport
    /// Vectors embedded and removed (nil when nothing was embedded).
    public var vectors: VectorSyncReport?
    /// The retriever used, as recorded in the database (nil: ICU word terms, no model).
    public var retriever: String?
    /// The vector index folder beside the database.
    public var vectorIndex: VectorIndexLocation
}

/// Where an index pipeline run is.
public enum IndexPipelineProgress: Sendable, Equatable {
    /// Storing files: called after every file.
    case storing(IndexProgress)
    /// Embedding chunks: `done` of `total` chunks.
    case embedding(done: Int, total: Int)
}

/// The whole `index` pipeline: choose the retriever, refuse one the existing vector index was not built with
/// before anything is stored, store documents with the retriever's chunker and search terms, then bring the vector
/// index in line with the database.
public struct IndexPipeline: Sendable {
    /// What to do.
    public var request: IndexPipelineRequest
    /// Where Hugging Face ids are looked up.
    public var cache: HubCache

    /// Creates a pipeline.
    public init(_ request: IndexPipelineRequest, cache: HubCache = HubCache()) {
        self.request = request
        self.cache = cache
    }

    /// Runs it; errors are `PipelineError`s, or the store's when the database itself cannot be used.
    ///
    /// Everything that can be refused is refused before the database is created or written: a retriever that
    /// cannot be loaded, one the vector index was not built with, and a change of the index's vector state (adding
    /// chunks without vectors to an index that has them, or with vectors to a BM25-only one).
    public func run(progress: (IndexPipelineProgress) -> Void = { _ in }) throws -> IndexPipelineReport {
        // Before the database is created: a run that can read nothing must not leave an empty index behind.
        if let problem = FileWalker.unreadableRoots(request.files.paths) {
            throw IndexerError.nothingReadable(path: problem.path, reason: problem.reason)
        }
        let location = VectorIndexLocation(databaseURL: URL(fileURLWithPath: request.database))
        let isNew = !FileManager.default.fileExists(atPath: request.database)
        // A new database is created only once its retriever loaded: a failed first run leaves nothing behind.
        let existing = try isNew ? nil : DocumentStore.open(path: request.database)
        let stored = try existing?.setting(RetrieverModel.setting)
        let name = request.retriever ?? stored ?? (request.embed ? request.defaultRetriever : nil)
        if let existing { try Self.refuseStateChange(of: existing, at: location, embedding: request.embed) }
        let model = try name.map { name throws(PipelineError) in try RetrieverModel.load(name, cache: cache) }
        if let model, request.embed { try Self.refuseOtherModel(model, at: location) }
        let store = try existing ?? DocumentStore.open(path: request.database)
        var indexer = Indexer(store: store)
        if let model {
            indexer.chunker = Chunker(counter: model.tokenCounter)
            // An index made with word terms keeps them (a converted BM25-only index): queries are made the same way.
            let terms = try store.setting(Indexer.termsSetting)
            if terms != WordTermizer().identifier { indexer.termizer = model.termizer }
        }
        if try isNew || store.counts().chunks == 0 {
            try (request.embed ? VectorState.dense : .none).record(in: store)
        }
        var report = IndexPipelineReport(documents: IndexReport(), retriever: stored, vectorIndex: location)
        do {
            report.documents = try indexer.run(request.files) { progress(.storing($0)) }
        } catch let error as IndexerError {
            throw error
        } catch {
            throw PipelineError.indexingStopped(reason: error.localizedDescription)
        }
        if report.documents.documentsRemoved > 0, !request.embed, location.exists {
            do {
                report.vectors = try Self.removeStaleVectors(store: store, location: location)
            } catch {
                throw PipelineError.embeddingStopped(reason: error.localizedDescription)
            }
        }
        guard let model else { return report }
        if request.embed || stored == nil {
            try store.setSetting(RetrieverModel.setting, to: model.reference)
            report.retriever = model.reference
        }
        guard request.embed else { return report }
        do {
            report.vectors = try VectorSync(store: store, retriever: model, location: location).run { done, total in
                progress(.embedding(done: done, total: total))
            }
        } catch {
            throw PipelineError.embeddingStopped(reason: error.localizedDescription)
        }
        return report
    }

    /// Throws when storing chunks with (`embedding`) or without vectors would change what the index in `store`
    /// holds: an index with vectors would silently miss the new chunks in dense and hybrid results, and a BM25-only
    /// one would hold vectors for some chunks only. An empty index takes whichever comes.
    static func refuseStateChange(
        of store: DocumentStore, at location: VectorIndexLocation, embedding: Bool
    ) throws(PipelineError) {
        let state: VectorState
        let chunks: Int
        do {
            state = try VectorState.of(store, location: location)
            chunks = try store.counts().chunks
        } catch {
            throw .unreadableDatabase(path: store.path, reason: error.localizedDescription)
        }
        guard chunks > 0 else { return }
        if state == .dense && !embedding {
            throw .embeddingRequired(database: store.path, retriever: try? store.setting(RetrieverModel.setting))
        }
        if state == .none && embedding { throw .notEmbedding(database: store.path) }
    }

    /// Removes the vectors whose chunk is gone (documents pruned in a run that embeds nothing), without the model:
    /// the index is opened as its manifest describes it and saved atomically.
    static func removeStaleVectors(store: DocumentStore, location: VectorIndexLocation) throws -> VectorSyncReport {
        let start = Date()
        let manifest = try VectorIndex.readManifest(at: location)
        let index = try VectorIndex.open(at: location, expecting: manifest.model, dimension: manifest.dimension)
        let stale = Set(index.chunkIDs).subtracting(try store.chunkIDs(matching: .none))
        var report = VectorSyncReport()
        if !stale.isEmpty {
            report.vectorsRemoved = try index.remove(ids: stale)
            try index.save(to: location)
        }
        report.vectorCount = index.count
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    /// Throws when the vector index at `location` was built with another model: new chunks could not be embedded
    /// into it.
    static func refuseOtherModel(_ model: RetrieverModel, at location: VectorIndexLocation) throws(PipelineError) {
        guard location.exists else { return }
        let manifest: VectorIndexManifest
        do {
            manifest = try VectorIndex.readManifest(at: location)
        } catch {
            throw .unreadableVectorIndex(reason: error.localizedDescription)
        }
        guard manifest.model.isCompatible(with: model.embedder.identity) else {
            throw .vectorIndexModelMismatch(
                built: manifest.model.description, requested: model.embedder.identity.description)
        }
    }
}
