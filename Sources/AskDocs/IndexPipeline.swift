import DocumentStore
import Foundation
import Hub
import Ingest
import Retrieval
import Transformer

/// What to index and how.
public struct IndexPipelineRequest: Sendable {
    /// The database file (created with its folder when absent).
    public var database: String
    /// Which files: one request per set of globs (the roots `reindex` finds recorded may have several).
    public var files: [IndexRequest]
    /// The retriever named by the user (nil: the one the database records, else the default unless `embed` is off).
    public var retriever: String?
    /// Whether to embed chunks into the vector index (false: a BM25-only index).
    public var embed: Bool
    /// The retriever when neither the request nor the database names one (the configured one).
    public var defaultRetriever: String
    /// Chunks stored between published checkpoints (each embeds them and publishes a generation).
    public var checkpointChunks = IndexPublisher.defaultCheckpointChunks
    /// The arithmetic of the retriever's dense layers while embedding.
    public var precision: Precision = .fp32
    /// Seconds between published checkpoints at most.
    public var checkpointSeconds = 300.0
    /// The FAISS structure of the vector index: `Flat` (exact, the default) or `HNSW<m>`; nil keeps what the index
    /// was built with. Another one than the published index's is refused unless `convertsFactory`.
    public var factory: String?
    /// Whether a published index of another factory is rebuilt as `factory` from its own vectors (reindex).
    public var convertsFactory = false
    /// Whether the run replaces an index built with another retriever: every file is read and embedded again and
    /// the old vectors are dropped, in one batch published at the end (readers keep the old index until then).
    public var rebuild = false

    /// Creates a request.
    public init(
        database: String, files: IndexRequest, retriever: String? = nil, embed: Bool = true,
        defaultRetriever: String = Configuration.default.retrieverModel
    ) {
        self.init(
            database: database, files: [files], retriever: retriever, embed: embed, defaultRetriever: defaultRetriever)
    }

    /// Creates a request over several sets of files.
    public init(
        database: String, files: [IndexRequest], retriever: String? = nil, embed: Bool = true,
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
    /// The generation published at the end (nil: none, the run changed nothing in a database written before
    /// generations).
    public var generation: Int?
    /// Generations this run published (checkpoints included).
    public var publishes = 0
}

/// Where an index pipeline run is.
public enum IndexPipelineProgress: Sendable, Equatable {
    /// Storing files: called after every file.
    case storing(IndexProgress)
    /// Embedding chunks: `done` of `total` chunks.
    case embedding(done: Int, total: Int)
    /// A generation was published: readers see everything stored so far.
    case published(generation: Int, chunks: Int, vectors: Int?)
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

    /// Test hook: runs at each phase of every publish.
    package var onPhase: (@Sendable (PublishPhase) -> Void)?

    /// Runs it; errors are `PipelineError`s, or the store's when the database itself cannot be used.
    ///
    /// Everything that can be refused is refused before the database is created or written: a retriever that
    /// cannot be loaded, one the vector index was not built with, and a change of the index's vector state (adding
    /// chunks without vectors to an index that has them, or with vectors to a BM25-only one). The run holds the
    /// database's `IndexLock`, and stores, embeds and publishes in checkpoints (`IndexPublisher`): a killed run
    /// keeps every published checkpoint and readers only ever see published ones.
    public func run(progress: (IndexPipelineProgress) -> Void = { _ in }) throws -> IndexPipelineReport {
        // Before the database is created: a run that can read nothing must not leave an empty index behind.
        for files in request.files {
            if let problem = FileWalker.unreadableRoots(files.paths) {
                throw IndexerError.nothingReadable(path: problem.path, reason: problem.reason)
            }
        }
        // A shared (PostgreSQL) index is written through its working index, which publishes to it.
        let shared = try Self.sharedStore(request.database)
        let database = shared?.workingDatabase ?? request.database
        let location = VectorIndexLocation(databaseURL: URL(fileURLWithPath: database))
        let isNew = !FileManager.default.fileExists(atPath: database)
        if shared != nil {
            try? FileManager.default.createDirectory(
                atPath: (database as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        }
        let lock = try IndexLock.acquire(database: database)
        defer { lock.release() }
        do {
            return try run(database: database, shared: shared, location: location, isNew: isNew, progress: progress)
        } catch {
            // A first run that failed leaves nothing behind, its lock file neither.
            if isNew && !FileManager.default.fileExists(atPath: database) {
                try? FileManager.default.removeItem(atPath: lock.path)
            }
            throw error
        }
    }

    /// The shared store `database` names (nil: a file), its URL errors as `PipelineError`s.
    static func sharedStore(_ database: String) throws(PipelineError) -> SharedStore? {
        do {
            return try SharedStore.resolve(database)
        } catch {
            throw .sharedStoreFailed(reason: error.localizedDescription)
        }
    }

    private func run(
        database: String, shared: SharedStore?, location: VectorIndexLocation, isNew: Bool,
        progress: (IndexPipelineProgress) -> Void
    ) throws -> IndexPipelineReport {
        // A new database is created only once its retriever loaded: a failed first run leaves nothing behind.
        let existing = try isNew ? nil : DocumentStore.open(path: database)
        let stored = try existing?.setting(RetrieverModel.setting)
        let name = request.retriever ?? stored ?? (request.embed ? request.defaultRetriever : nil)
        if let existing { try Self.refuseStateChange(of: existing, at: location, embedding: request.embed) }
        let model = try name.map { name throws(PipelineError) in
            try RetrieverModel.load(name, precision: request.precision, cache: cache)
        }
        if let model, let existing, request.embed, !request.rebuild {
            try Self.refuseOtherModel(model, store: existing, at: location)
        }
        let store = try existing ?? DocumentStore.open(path: database)
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
        let kind = try Self.kind(request.factory)
        if let kind, !request.convertsFactory, !request.rebuild,
            let built = try? PublishedGeneration.vectorManifest(of: store, at: location), built.factory != kind.factory
        {
            throw PipelineError.indexFactoryMismatch(built: built.factory, requested: kind.factory)
        }
        let publisher: IndexPublisher
        do {
            publisher = try IndexPublisher(
                store: store, location: location, retriever: request.embed ? model : nil, embedding: request.embed,
                replacing: request.rebuild, kind: kind)
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError.unreadableVectorIndex(reason: error.localizedDescription)
        }
        publisher.checkpointChunks = request.checkpointChunks
        publisher.onPhase = onPhase
        if request.embed, let model {
            // Embedding is journaled until published, so a run killed inside one checkpoint (one huge file, or a
            // rebuild, which publishes once at its end) resumes instead of embedding again.
            publisher.journal = try? EmbeddingJournal(
                folder: location.directory, identity: model.embedder.identity, dimension: model.embedder.dimension,
                prompt: model.passagePrompt)
        }
        var report = IndexPipelineReport(documents: IndexReport(), retriever: stored, vectorIndex: location)
        func embedding(_ done: Int, _ total: Int) { progress(.embedding(done: done, total: total)) }
        var announced = publisher.published?.number
        func mirror() throws {
            guard let shared else { return }
            do {
                try shared.publish(
                    store: store, vectors: publisher.index, model: model?.embedder.identity,
                    dimension: model?.embedder.dimension, force: false, onPhase: onPhase)
            } catch {
                throw PipelineError.sharedStoreFailed(reason: error.localizedDescription)
            }
        }
        func announce() throws {
            guard let generation = publisher.published, generation.number != announced else { return }
            announced = generation.number
            // Each local generation is published to the shared store before it is announced.
            try mirror()
            progress(
                .published(
                    generation: generation.number, chunks: try store.counts().chunks,
                    vectors: publisher.index?.count))
        }
        try publisher.begin()
        do {
            if request.rebuild {
                // The search terms and the retriever change with the chunks, in the same batch.
                try store.setSetting(Indexer.termsSetting, to: indexer.termizer.identifier)
            }
            var lastCheckpoint = (chunks: 0, time: Date())
            var chunksBefore = 0
            for files in request.files {
                var files = files
                files.force = files.force || request.rebuild
                let part = try indexer.run(files, progress: { progress(.storing($0)) }) { sofar in
                    let chunks = chunksBefore + sofar.chunksAdded
                    // A rebuild publishes once, at the end: a checkpoint would mix two retrievers' vectors.
                    guard !request.rebuild,
                        chunks - lastCheckpoint.chunks >= request.checkpointChunks
                            || Date().timeIntervalSince(lastCheckpoint.time) >= request.checkpointSeconds
                    else { return }
                    try Self.publishing { try publisher.publish(continuing: true, progress: embedding) }
                    try announce()
                    lastCheckpoint = (chunks, Date())
                }
                chunksBefore += part.chunksAdded
                report.documents.absorb(part)
            }
            try IndexRoots.record(request.files, in: store)
            if let model, request.embed || stored == nil {
                try store.setSetting(RetrieverModel.setting, to: model.reference)
                report.retriever = model.reference
            }
            if request.rebuild { try store.setSetting(VectorState.setting, to: VectorState.dense.rawValue) }
            try Self.publishing { try publisher.publish(continuing: false, progress: embedding) }
            try announce()
        } catch {
            store.rollbackBatch()
            switch error {
            case let error as IndexerError: throw error
            case let error as PipelineError: throw error
            default: throw PipelineError.indexingStopped(reason: error.localizedDescription)
            }
        }
        // A run that published nothing new still brings a shared store up to date (a writer killed between its
        // local publish and the shared one).
        try mirror()
        if publisher.index != nil { report.vectors = publisher.report }
        report.generation = publisher.published?.number
        report.publishes = publisher.publishes
        return report
    }

    /// The vector index structure `factory` names; those that must be trained on the whole corpus first (IVF) are
    /// refused: checkpoints add vectors to the index as they come.
    static func kind(_ factory: String?) throws(PipelineError) -> VectorIndexKind? {
        guard let factory else { return nil }
        let kind: VectorIndexKind
        do {
            kind = try VectorIndexKind(factory: factory)
        } catch {
            throw .unsupportedIndexFactory(factory: factory, reason: "not a factory AskDocs builds (Flat, HNSW<m>)")
        }
        guard !kind.needsTraining else {
            throw .unsupportedIndexFactory(
                factory: factory,
                reason: "IVF indexes are trained on the whole corpus, and an index grows by checkpoints")
        }
        return kind
    }

    /// Runs a publish, its failures as `PipelineError.embeddingStopped`.
    static func publishing(_ body: () throws -> Void) throws {
        do {
            try body()
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError.embeddingStopped(reason: error.localizedDescription)
        }
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

    /// Throws when the published vector index of `store` was built with another model: new chunks could not be
    /// embedded into it.
    static func refuseOtherModel(
        _ model: RetrieverModel, store: DocumentStore, at location: VectorIndexLocation
    ) throws(PipelineError) {
        let manifest: VectorIndexManifest
        do {
            guard let published = try PublishedGeneration.vectorManifest(of: store, at: location) else { return }
            manifest = published
        } catch {
            throw .unreadableVectorIndex(reason: error.localizedDescription)
        }
        guard manifest.model.isCompatible(with: model.embedder.identity) else {
            throw .vectorIndexModelMismatch(
                built: manifest.model.description, requested: model.embedder.identity.description)
        }
    }
}
