import Foundation

/// Errors of embedding and retrieval that are not about the vector index's files.
public enum RetrievalError: Error, LocalizedError, Equatable {
    /// The caller named a prompt the model does not define.
    case unknownPrompt(name: String, available: [String])

    /// A one-line message that says what to do.
    public var errorDescription: String? {
        switch self {
        case .unknownPrompt(let name, let available):
            let known =
                available.isEmpty ? "the model defines no prompts" : "known: \(available.joined(separator: ", "))"
            return "unknown prompt name '\(name)' (\(known)); give the prefix itself instead"
        }
    }
}
