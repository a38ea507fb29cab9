import Foundation

/// The arithmetic of the encoder's dense layers (attention scores, LayerNorm, softmax and GELU stay fp32).
public enum Precision: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// fp32 products through OpenBLAS: the reference the parity tests hold to `transformers`.
    case fp32
    /// bf16 inputs and weights with fp32 accumulation, through oneDNN (weights converted once at load).
    case bf16
    /// Dynamic int8 quantization as ONNX Runtime's `quantize_dynamic`: s8 weights with a scale per output,
    /// u8 activations with a scale and zero point per token computed at run time, int32 accumulation (oneDNN);
    /// on a CPU without VNNI the feed-forward output projection in fp32 (`feedForwardOutputPrecision`).
    case int8

    /// The name used on the command line and in `askdocs.toml`.
    public var description: String { rawValue }

    /// The accepted names, for messages.
    public static var names: String { allCases.map(\.rawValue).joined(separator: ", ") }
}
