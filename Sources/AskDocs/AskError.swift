import Foundation
import PostgresStore

/// Why a question cannot be asked; every message is one actionable line that names no command-line flag.
public enum AskError: LocalizedError, Equatable, Sendable {
    /// No database at the path yet.
    case noIndex(database: String)
    /// The database exists but holds no chunks.
    case emptyIndex(database: String)
    /// The reader is neither a folder nor a Hugging Face id in the local cache.
    case readerNotAvailable(model: String, cache: String)
    /// The reader folder exists but does not load as a question-answering model.
    case unloadableReader(model: String, reason: String)
    /// The retriever is neither a folder nor in the local Hugging Face cache.
    case retrieverMissing(model: String, reason: String)
    /// The retriever could not be loaded.
    case retrieverNotAvailable(model: String, reason: String)
    /// The vector index was built with another retriever than the one asked with.
    case retrieverMismatch(built: String, requested: String)
    /// The question is empty or only whitespace.
    case emptyQuestion
    /// The question leaves the reader no room for passages.
    case questionTooLong(tokens: Int, limit: Int)
    /// A request option is out of range.
    case invalidRequest(String)
    /// The shared index has no published generation yet or cannot be reached now; a later try may succeed.
    case indexUnavailable(reason: String)
    /// Search or reading failed for another reason.
    case failed(stage: String, reason: String)

    /// Whether the same request may succeed later without anything changed here (a server that waits for its
    /// index retries these).
    public var isTransient: Bool {
        if case .indexUnavailable = self { return true }
        return false
    }

    /// One actionable line.
    public var errorDescription: String? {
        switch self {
        case .noIndex(let database):
            "no index at \(database) yet; build one with `askdocs index PATH...`"
        case .emptyIndex(let database):
            "the index at \(database) holds no passages; add documents with `askdocs index PATH...`"
        case .readerNotAvailable(let model, let cache):
            if model.hasPrefix("/") || model.hasPrefix(".") || !model.contains("/") {
                "reader model folder \(model) does not exist; give a reader model folder or a Hugging Face id in \(cache)"
            } else {
                "reader \(model) is not available locally (no folder of that name, nothing in \(cache)); "
                    + "download it with `askdocs models pull \(model)` or give a reader model folder"
            }
        case .unloadableReader(let model, let reason):
            "cannot load the reader \(model): \(reason)"
        case .retrieverMissing(_, let reason):
            reason
        case .retrieverNotAvailable(let model, let reason):
            "cannot load the retriever \(model): \(reason)"
        case .retrieverMismatch(let built, let requested):
            "the index was built with the retriever \(built), not \(requested); ask with the retriever it was "
                + "built with, or index the documents again into a new database with the other retriever"
        case .emptyQuestion:
            "the question is empty; ask a question"
        case .questionTooLong(let tokens, let limit):
            "the question has \(tokens) tokens; the reader accepts at most \(limit); shorten the question"
        case .invalidRequest(let reason):
            reason
        case .indexUnavailable(let reason):
            "the shared index is not available: \(reason)"
        case .failed(let stage, let reason):
            "\(stage) failed: \(reason)"
        }
    }
}

extension AskError {
    /// A failure of `stage`: one the shared index may not repeat (it was unreachable, or too slow this time) is
    /// `indexUnavailable`, so that a server says 503 and a balancer tries another replica; anything else `failed`.
    static func failure(_ error: any Error, stage: String) -> AskError {
        if let error = error as? AskError { return error }
        if let error = error as? PipelineError, case .vectorIndexModelMismatch = error {
            return AskError(opening: error)
        }
        if let error = error as? PostgresStoreError, error.isTransient {
            return .indexUnavailable(reason: error.localizedDescription)
        }
        return .failed(stage: stage, reason: error.localizedDescription)
    }

    /// The question-answering view of a failure to open the index and its retriever.
    init(opening error: PipelineError) {
        switch error {
        case .noDatabase(let path):
            self = .noIndex(database: path)
        case .unreadableDatabase(let path, let reason):
            self = .failed(stage: "opening \(path)", reason: reason)
        case .modelNotFound(let model, let reason):
            self = .retrieverMissing(model: model, reason: reason)
        case .unloadableModel(let model, let reason):
            self = .retrieverNotAvailable(model: model, reason: reason)
        case .retrieverMismatch(_, let indexedWith, let retrieverMakes):
            self = .retrieverMismatch(
                built: "a retriever whose search terms are '\(indexedWith)'",
                requested: "one making '\(retrieverMakes)'")
        case .vectorIndexModelMismatch(let built, let requested):
            self = .retrieverMismatch(built: built, requested: requested)
        case .noVectorIndex, .lexicalOnly:
            self = .failed(stage: "dense search", reason: error.localizedDescription)
        case .unreadableVectorIndex(let reason):
            self = .failed(stage: "opening the vector index", reason: reason)
        case .indexingStopped(let reason), .embeddingStopped(let reason):
            self = .failed(stage: "opening the index", reason: reason)
        case .sharedStoreFailed(let reason):
            self = .failed(stage: "opening the shared index", reason: reason)
        case .sharedStoreUnavailable(let reason):
            self = .indexUnavailable(reason: reason)
        case .embeddingRequired, .notEmbedding, .indexBusy, .noRoots, .inconsistentGeneration,
            .unsupportedIndexFactory, .indexFactoryMismatch:
            self = .failed(stage: "opening the index", reason: error.localizedDescription)
        }
    }
}
