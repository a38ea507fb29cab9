import Foundation

/// Why a tokenizer could not be loaded.
public enum TokenizerError: LocalizedError, Sendable, Equatable {
    /// The directory has neither `tokenizer.json` nor `sentencepiece.bpe.model`.
    case noTokenizerFile(directory: String)
    /// The file could not be read.
    case unreadable(file: String, reason: String)
    /// The file is not valid JSON / protobuf, or misses a required field.
    case malformed(file: String, reason: String)
    /// The file uses a component this module does not implement.
    case unsupported(file: String, component: String)

    /// A one-line message naming the file.
    public var errorDescription: String? {
        switch self {
        case .noTokenizerFile(let directory):
            "No tokenizer in \(directory): expected tokenizer.json or sentencepiece.bpe.model."
        case .unreadable(let file, let reason):
            "Cannot read tokenizer file \(file): \(reason)."
        case .malformed(let file, let reason):
            "Malformed tokenizer file \(file): \(reason). Re-download the model or replace the file."
        case .unsupported(let file, let component):
            "Unsupported tokenizer component in \(file): \(component)."
        }
    }
}
