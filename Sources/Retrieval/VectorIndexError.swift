import Foundation

/// Why a vector index operation failed; every message is one actionable line.
public enum VectorIndexError: LocalizedError, Equatable, Sendable {
    /// FAISS reported a failure; `message` is `cfaiss_last_error()` at the time.
    case faiss(operation: String, message: String)
    /// The factory string is not one AskDocs supports.
    case unsupportedFactory(String)
    /// A vector's length differs from the index dimension.
    case dimensionMismatch(expected: Int, got: Int)
    /// The number of vectors and ids differ, or a flat buffer is not a multiple of the dimension.
    case malformedInput(String)
    /// An id is already in the index (FAISS would silently keep both).
    case duplicateID(Int64)
    /// An approximate index must be trained before vectors are added.
    case notTrained(factory: String)
    /// Too few vectors to train the requested index type.
    case tooFewTrainingVectors(factory: String, have: Int, need: Int, suggestion: String)
    /// The index on disk was built with another embedding model (or dimension).
    case modelMismatch(built: String, requested: String)
    /// No index exists at the location.
    case missing(path: String)
    /// A file of the index is unreadable, truncated or inconsistent with the manifest.
    case corrupt(path: String, reason: String)
    /// The manifest was written by a newer AskDocs.
    case unsupportedFormat(path: String, version: Int)
    /// A file operation failed while saving.
    case writeFailed(path: String, reason: String)
    /// The index cannot return its own vectors, so `rebuild()` needs them from the caller.
    case cannotReconstruct(factory: String)

    /// The one-line message shown to the user.
    public var errorDescription: String? {
        switch self {
        case .faiss(let operation, let message):
            return "FAISS \(operation) failed: \(message.isEmpty ? "unknown error" : message)"
        case .unsupportedFactory(let factory):
            return "unsupported index type '\(factory)'; use Flat, HNSW32, IVF<lists>,Flat or IVF<lists>,PQ<m>"
        case .dimensionMismatch(let expected, let got):
            return "vector has \(got) dimensions but the index holds \(expected)-dimensional vectors"
        case .malformedInput(let reason):
            return "malformed vectors: \(reason)"
        case .duplicateID(let id):
            return "chunk \(id) is already in the vector index; remove it before adding it again"
        case .notTrained(let factory):
            return "the \(factory) index must be trained before vectors are added"
        case .tooFewTrainingVectors(let factory, let have, let need, let suggestion):
            return "\(factory) needs at least \(need) training vectors, got \(have); use \(suggestion)"
        case .modelMismatch(let built, let requested):
            return "index was built with \(built); this query uses \(requested); rebuild the index with "
                + "\(requested) or use \(built)"
        case .missing(let path):
            return "no vector index at \(path); build it by indexing with a retriever"
        case .corrupt(let path, let reason):
            return "vector index at \(path) is damaged (\(reason)); rebuild it from the database"
        case .unsupportedFormat(let path, let version):
            return "vector index at \(path) has format version \(version), newer than this askdocs "
                + "understands (\(VectorIndexManifest.currentFormatVersion)); upgrade askdocs, or rebuild the vectors "
                + "from the database"
        case .writeFailed(let path, let reason):
            return "could not write vector index file \(path): \(reason)"
        case .cannotReconstruct(let factory):
            return "the \(factory) index cannot return its vectors; rebuild it from the chunk embeddings"
        }
    }
}
