import Foundation

/// Everything that can stop a training run, each with a one-line message.
public enum TrainingError: LocalizedError, Equatable, Sendable {
    /// A training example cannot be turned into windows (empty question or context, question too long, an answer
    /// outside its context).
    case invalidExample(id: String, reason: String)
    /// A hyperparameter is out of range.
    case invalidOption(name: String, reason: String)
    /// The model cannot be trained (unsupported architecture, missing tensors).
    case unsupportedModel(reason: String)
    /// The loss or a gradient became NaN or infinite.
    case diverged(step: Int, reason: String)
    /// A checkpoint or training state could not be read or written.
    case checkpointFailed(path: String, reason: String)

    /// The one-line message shown to the user.
    public var errorDescription: String? {
        switch self {
        case .invalidExample(let id, let reason): return "training example '\(id)': \(reason)"
        case .invalidOption(let name, let reason): return "invalid training option \(name): \(reason)"
        case .unsupportedModel(let reason): return "cannot train this model: \(reason)"
        case .diverged(let step, let reason):
            return "training diverged at step \(step): \(reason); lower the learning rate or clip gradients"
        case .checkpointFailed(let path, let reason): return "training checkpoint \(path): \(reason)"
        }
    }
}
