import DocumentStore
import Foundation
import Hub
import Retrieval
import Transformer

/// What to bring up to date.
public struct ReindexRequest: Sendable {
    /// The database (it must exist: reindexing never creates an index).
    public var database: String
    /// Files and folders to walk instead of the roots the database records.
    public var paths: [String]
    /// The retriever (nil: the one the index was built with); another one rebuilds the index.
    public var retriever: String?
    /// The retriever when neither the request nor the database names one.
    public var defaultRetriever: String
    /// The vector index structure (nil: the one it has); another one rebuilds the index from its own vectors.
    public var factory: String?
    /// Chunks stored between published checkpoints.
    public var checkpointChunks = IndexPublisher.defaultCheckpointChunks
    /// The arithmetic of the retriever's dense layers while embedding.
    public var precision: Precision = .fp32
    /// Seconds between published checkpoints at most.
    public var checkpointSeconds = 300.0

    /// Creates a request.
    public init(
        database: String, paths: [String] = [], retriever: String? = nil,
        defaultRetriever: String = Configuration.default.retrieverModel
    ) {
        self.database = database
        self.paths = paths
        self.retriever = retriever
        self.defaultRetriever = defaultRetriever
    }
}

/// What a reindex did.
public struct ReindexReport: Sendable, Equatable {
    /// The index run over the roots.
    public var index: IndexPipelineReport
    /// The roots walked.
    public var roots: [IndexRoot]
    /// Why every file was read and embedded again (the retriever changed), or nil for an incremental run.
    public var rebuildReason: String?
}

/// The nightly job: walks the roots an index was built from (or the given paths), stores added and changed files,
/// moves renamed ones, removes vanished ones, embeds only the chunks that changed and publishes the result in
/// checkpoints, so readers always see a complete generation and a killed run loses at most one checkpoint. A new
/// retriever (another model or revision) makes it a rebuild, announced through `announce` before it starts.
public struct Reindexer: Sendable {
    /// What to do.
    public var request: ReindexRequest
    /// Where Hugging Face ids are looked up.
    public var cache: HubCache
    /// Test hook: runs at each phase of every publish.
    package var onPhase: (@Sendable (PublishPhase) -> Void)?

    /// Creates a reindexer.
    public init(_ request: ReindexRequest, cache: HubCache = HubCache()) {
        self.request = request
        self.cache = cache
    }

    /// Runs it; `announce` receives one line when the run is a rebuild.
    public func run(
        announce: (String) -> Void = { _ in }, progress: (IndexPipelineProgress) -> Void = { _ in }
    ) throws -> ReindexReport {
        // A shared index is reindexed through its working index (see `SharedStore`).
        let database = try IndexPipeline.sharedStore(request.database)?.workingDatabase ?? request.database
        let store = try DocumentStore.openExisting(path: database)
        let roots = try request.paths.isEmpty ? IndexRoots.read(from: store) : givenRoots(store)
        guard !roots.isEmpty else { throw PipelineError.noRoots(database: request.database) }
        let location = VectorIndexLocation(databaseURL: URL(fileURLWithPath: database))
        let state = try VectorState.of(store, location: location)
        let stored = try store.setting(RetrieverModel.setting)
        let name = request.retriever ?? stored
        var pipeline = IndexPipelineRequest(
            database: request.database, files: IndexRoots.requests(for: roots), retriever: name,
            embed: state == .dense, defaultRetriever: request.defaultRetriever)
        pipeline.checkpointChunks = request.checkpointChunks
        pipeline.precision = request.precision
        pipeline.checkpointSeconds = request.checkpointSeconds
        pipeline.factory = request.factory
        pipeline.convertsFactory = true
        var reason: String?
        if state == .dense, let name,
            let manifest = try? PublishedGeneration.vectorManifest(of: store, at: location)
        {
            let model = try RetrieverModel.load(name, precision: request.precision, cache: cache)
            if !manifest.model.isCompatible(with: model.embedder.identity) {
                reason = "the index was built with \(manifest.model), the retriever is now \(model.embedder.identity)"
            }
        }
        if let reason {
            pipeline.rebuild = true
            announce("rebuilding every document and vector: \(reason)")
        } else if let kind = try IndexPipeline.kind(request.factory),
            let manifest = try? PublishedGeneration.vectorManifest(of: store, at: location),
            manifest.factory != kind.factory
        {
            reason = "the vector index is '\(manifest.factory)', the factory is now '\(kind.factory)'"
            announce("rebuilding the vector index from its vectors: \(reason ?? "")")
        }
        var runner = IndexPipeline(pipeline, cache: cache)
        runner.onPhase = onPhase
        return ReindexReport(index: try runner.run(progress: progress), roots: roots, rebuildReason: reason)
    }

    /// The given paths as roots, with the globs recorded for them (none for a new one).
    func givenRoots(_ store: DocumentStore) throws -> [IndexRoot] {
        let recorded = try IndexRoots.read(from: store)
        return request.paths.map { path in
            let absolute = FileWalker.absolutePath(path)
            return recorded.first { $0.path == absolute } ?? IndexRoot(path: absolute, include: [], exclude: [])
        }
    }
}
