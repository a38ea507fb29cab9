import Foundation

/// Why a pipeline over a database (index, search, check, ask) cannot start or stopped, in the library's terms; a
/// front end adds its own advice (flags, commands) when it shows one.
public enum PipelineError: LocalizedError, Equatable, Sendable {
    /// No database file at the path (searching never creates one).
    case noDatabase(path: String)
    /// The database file exists but cannot be opened.
    case unreadableDatabase(path: String, reason: String)
    /// Dense or hybrid search over a database meant to have vectors whose vector index is missing (embedding was
    /// interrupted before the first save, or the folder was removed).
    case noVectorIndex(database: String)
    /// Dense search over a BM25-only index (built without embeddings).
    case lexicalOnly(database: String)
    /// Storing chunks without embedding them in an index that has vectors.
    case embeddingRequired(database: String, retriever: String?)
    /// Embedding new chunks into a BM25-only index, whose other chunks have no vectors.
    case notEmbedding(database: String)
    /// The database's chunks carry search terms another retriever's tokenizer made.
    case retrieverMismatch(database: String, indexedWith: String, retrieverMakes: String)
    /// The retriever model is neither a folder nor in the local Hugging Face cache.
    case modelNotFound(model: String, reason: String)
    /// The retriever model was found but cannot be loaded.
    case unloadableModel(model: String, reason: String)
    /// The vector index was built with another embedding model than the one asked for.
    case vectorIndexModelMismatch(built: String, requested: String)
    /// The vector index exists but cannot be opened.
    case unreadableVectorIndex(reason: String)
    /// Storing documents failed part-way (whole documents stay stored).
    case indexingStopped(reason: String)
    /// Embedding chunks failed part-way (the vectors saved so far stay).
    case embeddingStopped(reason: String)
    /// Another process (`pid` when known) is writing the database: indexing, reindexing or repairing it.
    case indexBusy(database: String, pid: Int?)
    /// A vector index structure the pipeline cannot build.
    case unsupportedIndexFactory(factory: String, reason: String)
    /// The published vector index has another structure than the one asked for.
    case indexFactoryMismatch(built: String, requested: String)
    /// The database records no files or folders it was built from (built before roots were recorded).
    case noRoots(database: String)
    /// A vector of the published generation has no chunk row in it: the index was changed outside a publish.
    case inconsistentGeneration(database: String, chunkID: Int64)
    /// The shared (PostgreSQL) store could not be reached, read or published to; the working index keeps its work.
    case sharedStoreFailed(reason: String)
    /// The shared store has no published index yet or cannot be reached now: a later try may succeed.
    case sharedStoreUnavailable(reason: String)

    /// One line.
    public var errorDescription: String? {
        switch self {
        case .noDatabase(let path):
            "no database at \(path); build it with the index command first"
        case .unreadableDatabase(let path, let reason):
            "cannot open \(path): \(reason)"
        case .noVectorIndex(let database):
            "the vector index of \(database) is missing (embedding was interrupted before its first save, or the "
                + "folder was removed); rebuild it from the database"
        case .lexicalOnly(let database):
            "\(database) is a BM25-only index (built without embeddings), so it has no vectors for dense search"
        case .embeddingRequired(let database, let retriever):
            "\(database) has vectors\(retriever.map { " (retriever \($0))" } ?? ""): chunks stored without embedding "
                + "would be missing from dense and hybrid results; embed the new files too"
        case .notEmbedding(let database):
            "\(database) is a BM25-only index (built without embeddings); add files without embedding them, or "
                + "convert it to a dense index first"
        case .retrieverMismatch(let database, let stored, let current):
            "\(database) was indexed with search terms '\(stored)' but this retriever makes '\(current)'; "
                + "search with the retriever it was built with"
        case .modelNotFound(_, let reason):
            reason
        case .unloadableModel(let model, let reason):
            "cannot load retriever \(model): \(reason)"
        case .vectorIndexModelMismatch(let built, let requested):
            "the vector index was built with \(built), not \(requested)"
        case .unreadableVectorIndex(let reason):
            reason
        case .indexingStopped(let reason):
            "indexing stopped: \(reason)"
        case .embeddingStopped(let reason):
            "embedding stopped: \(reason)"
        case .indexBusy(let database, let pid):
            "another run\(pid.map { " (pid \($0))" } ?? "") is writing \(database); try again when it has finished"
        case .unsupportedIndexFactory(let factory, let reason):
            "cannot build a '\(factory)' vector index: \(reason)"
        case .indexFactoryMismatch(let built, let requested):
            "the vector index is a '\(built)' index, not '\(requested)'; reindexing with the new factory rebuilds it"
        case .noRoots(let database):
            "\(database) records no files or folders it was indexed from; name them once, and they are recorded"
        case .inconsistentGeneration(let database, let chunkID):
            "the vector index of \(database) names chunk \(chunkID), which its database does not hold; check and "
                + "repair the index"
        case .sharedStoreFailed(let reason), .sharedStoreUnavailable(let reason):
            reason
        }
    }
}
