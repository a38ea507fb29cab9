import Foundation

/// Errors of the Reader module; each message is one actionable line.
public enum ReaderError: Error, Equatable, Sendable {
    /// A window's per-token arrays have different lengths.
    case windowShapeMismatch(field: String, expected: Int, actual: Int)
    /// A window has no tokens.
    case emptyWindow
    /// An option is outside its valid range.
    case invalidOption(name: String, value: Int, minimum: Int)
    /// The window overlap is larger than the window.
    case strideLargerThanWindow(stride: Int, maxSeqLen: Int)
    /// A SQuAD file could not be read or parsed.
    case unreadableDataset(path: String, reason: String)
    /// A predictions or probabilities file could not be read or parsed.
    case unreadablePredictions(path: String, reason: String)
    /// A language code the evaluator has no normalisation rules for.
    case unknownLanguage(String)
    /// The question or the context is empty (the pipeline refuses both).
    case emptyInput(field: String)
    /// The question and the special tokens leave no room for context in a window.
    case questionTooLong(questionTokens: Int, maxSeqLen: Int)
    /// The question leaves room for `room` context tokens per window, not more than the stride.
    case strideTooLargeForQuestion(stride: Int, room: Int)
    /// One input of a batch failed; `index` is its position in the batch.
    case inputFailed(index: Int, reason: String)
    /// The model folder could not be loaded.
    case unloadableModel(path: String, reason: String)
    /// The model failed while computing logits.
    case modelFailed(reason: String)
}

extension ReaderError: LocalizedError {
    /// One-line description that says what to fix.
    public var errorDescription: String? {
        switch self {
        case .windowShapeMismatch(let field, let expected, let actual):
            return "reader window field '\(field)' has \(actual) entries but the window has \(expected) tokens"
        case .emptyWindow:
            return "reader window has no tokens; encode the question and context before decoding"
        case .invalidOption(let name, let value, let minimum):
            return "\(name) must be at least \(minimum) (got \(value))"
        case .strideLargerThanWindow(let stride, let maxSeqLen):
            return "doc stride \(stride) is larger than the window length \(maxSeqLen); lower the doc stride"
        case .unreadableDataset(let path, let reason):
            return "cannot read SQuAD dataset \(path): \(reason)"
        case .unreadablePredictions(let path, let reason):
            return "cannot read predictions \(path): \(reason)"
        case .unknownLanguage(let code):
            return "unknown evaluation language '\(code)'; use one of \(SQuADNormalizer.Language.allCodes)"
        case .emptyInput(let field):
            return "the \(field) is empty; give a non-empty \(field)"
        case .questionTooLong(let questionTokens, let maxSeqLen):
            return "the question has \(questionTokens) tokens and leaves no room for context in windows of "
                + "\(maxSeqLen) tokens; shorten the question or raise the window length"
        case .strideTooLargeForQuestion(let stride, let room):
            return "the question leaves \(room) context tokens per window, not more than the doc stride \(stride); "
                + "lower the doc stride or raise the window length"
        case .inputFailed(let index, let reason):
            return "input \(index + 1): \(reason)"
        case .unloadableModel(let path, let reason):
            return "cannot load reader model \(path): \(reason)"
        case .modelFailed(let reason):
            return "the reader model failed: \(reason)"
        }
    }
}
