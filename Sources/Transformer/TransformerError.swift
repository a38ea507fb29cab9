import Foundation

/// Everything that can go wrong while loading or running an encoder, each with a one-line message.
public enum TransformerError: LocalizedError, Equatable, Sendable {
    /// A file could not be opened, read or memory-mapped.
    case unreadableFile(path: String, reason: String)
    /// A file could not be created or written (full disk, no permission).
    case unwritableFile(path: String, reason: String)
    /// A safetensors file's header or layout is invalid (`tensor` is nil when the problem is file-wide).
    case invalidSafetensors(path: String, tensor: String?, reason: String)
    /// A tensor the model needs is not in the checkpoint.
    case missingTensor(name: String, checkpoint: String)
    /// A tensor has a shape other than the configuration implies.
    case shapeMismatch(name: String, expected: [Int], actual: [Int], checkpoint: String)
    /// A tensor's element type cannot be turned into 32-bit floats.
    case unsupportedDType(name: String, dtype: String, path: String)
    /// A JSON configuration file is missing, malformed or describes something unsupported.
    case invalidConfiguration(path: String, reason: String)
    /// A folder is neither a model folder nor a Hugging Face cache entry.
    case notAModelDirectory(path: String, reason: String)
    /// The caller's token ids cannot be run through this model.
    case invalidInput(reason: String)
    /// A lower-precision product could not be set up or run (oneDNN refused the shape, or ran out of memory).
    case precisionUnavailable(precision: String, tensor: String?, reason: String)

    /// The one-line message shown to the user.
    public var errorDescription: String? {
        switch self {
        case .unreadableFile(let path, let reason):
            return "cannot read \(path): \(reason)"
        case .unwritableFile(let path, let reason):
            return "cannot write \(path): \(reason)"
        case .invalidSafetensors(let path, let tensor?, let reason):
            return "invalid safetensors file \(path): tensor '\(tensor)': \(reason)"
        case .invalidSafetensors(let path, nil, let reason):
            return "invalid safetensors file \(path): \(reason)"
        case .missingTensor(let name, let checkpoint):
            return "tensor '\(name)' is missing from the checkpoint \(checkpoint)"
        case .shapeMismatch(let name, let expected, let actual, let checkpoint):
            return "tensor '\(name)' in \(checkpoint) has shape \(actual), expected \(expected) from config.json"
        case .unsupportedDType(let name, let dtype, let path):
            return "tensor '\(name)' in \(path) has dtype \(dtype); only F32, F16 and BF16 weights are supported "
                + "(and I8 dense-layer weights with a '.weight_scale', as AskDocs' int8 checkpoints store them)"
        case .invalidConfiguration(let path, let reason):
            return "invalid configuration \(path): \(reason)"
        case .notAModelDirectory(let path, let reason):
            return "\(path) is not a model folder: \(reason)"
        case .invalidInput(let reason):
            return "invalid encoder input: \(reason)"
        case .precisionUnavailable(let precision, let tensor?, let reason):
            return "cannot run '\(tensor)' in \(precision): \(reason); use precision fp32"
        case .precisionUnavailable(let precision, nil, let reason):
            return "cannot run the model in \(precision): \(reason); use precision fp32"
        }
    }
}
