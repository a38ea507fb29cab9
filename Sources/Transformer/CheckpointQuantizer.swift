import CDNNL
import Foundation

/// Writes a model's weights with the encoder's dense layers stored in bf16 or int8, which `EncoderModel` loads in
/// that precision without converting: bf16 as BF16 tensors (round to nearest even), int8 as `NAME.weight` (I8)
/// with `NAME.weight_scale` (F32, one scale per output), except the feed-forward output projections where int8
/// runs them in fp32 (7-bit weights: `Precision.feedForwardOutputPrecision`), copied as stored; quantized exactly
/// as the engine quantizes fp32 weights when it loads them, so the written model computes the same logits as the
/// original run in that precision.
/// Every other tensor (embeddings, biases, LayerNorms, heads) is copied as stored.
public struct CheckpointQuantizer: Sendable {
    /// The `__metadata__` key naming the precision a checkpoint's dense layers are stored in.
    public static let precisionKey = "askdocs.precision"
    /// The `__metadata__` key giving the bits int8 weights use (7 or 8).
    public static let weightBitsKey = "askdocs.int8_weight_bits"

    /// bf16 or int8.
    public let precision: Precision
    /// The bits of int8 weights: 8 uses the full range but runs only on CPUs with VNNI (it is re-quantized to 7
    /// bits at load elsewhere); 7 runs as stored everywhere.
    public let int8WeightBits: Int

    /// What a write did.
    public struct Report: Sendable, Equatable {
        /// Dense-layer weights converted (int8: all but the feed-forward output projections).
        public var convertedTensors: Int
        /// Tensors copied as stored.
        public var copiedTensors: Int
        /// Bytes of the written file.
        public var bytes: Int
    }

    /// A quantizer to `precision` (bf16 or int8), int8 weights with `int8WeightBits` bits (this CPU's by default).
    public init(precision: Precision, int8WeightBits: Int = Precision.int8WeightBits) throws {
        guard precision != .fp32 else {
            throw TransformerError.invalidInput(reason: "a checkpoint is quantized to bf16 or int8, not fp32")
        }
        guard int8WeightBits == 7 || int8WeightBits == 8 else {
            throw TransformerError.invalidInput(reason: "int8 weights use 7 or 8 bits, not \(int8WeightBits)")
        }
        self.precision = precision
        self.int8WeightBits = int8WeightBits
    }

    /// The names of the dense-layer weights quantization converts: Q, K, V, attention output, intermediate and
    /// output of every layer, each checked to be the `[outputs, inputs]` matrix the configuration implies.
    public static func denseWeightNames(_ checkpoint: Checkpoint, configuration c: EncoderConfiguration) throws
        -> [String]
    {
        let prefix = try checkpoint.encoderPrefix()
        let (h, i) = (c.hiddenSize, c.intermediateSize)
        let layers: [(String, [Int])] = [
            ("attention.self.query", [h, h]), ("attention.self.key", [h, h]), ("attention.self.value", [h, h]),
            ("attention.output.dense", [h, h]), ("intermediate.dense", [i, h]), ("output.dense", [h, i]),
        ]
        var names: [String] = []
        for layer in 0..<c.layerCount {
            for (suffix, shape) in layers {
                let name = "\(prefix)encoder.layer.\(layer).\(suffix).weight"
                _ = try checkpoint.rawTensor(name, shape: shape)
                names.append(name)
            }
        }
        return names
    }

    /// Writes `checkpoint` (its model's `configuration`) to the safetensors file `url`, fsynced; `progress` gets
    /// (tensors written, tensors in all).
    public func write(
        _ checkpoint: Checkpoint, configuration: EncoderConfiguration, to url: URL,
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> Report {
        let dense = Set(try Self.denseWeightNames(checkpoint, configuration: configuration))
        for name in dense where try checkpoint.dtype(of: name) == .i8 {
            throw TransformerError.invalidInput(
                reason: "\(checkpoint.url.path) already stores int8 weights ('\(name)'); quantize the original model")
        }
        var entries: [SafetensorsStreamWriter.Entry] = []
        var report = Report(convertedTensors: 0, copiedTensors: 0, bytes: 0)
        for name in checkpoint.tensorNames {
            // A layer this CPU runs outside the precision (int8's feed-forward output with 7-bit weights) is
            // copied as stored, as the engine reads it.
            let keptOut = Self.isFeedForwardOutput(name) && precision.feedForwardOutputPrecision != precision
            if dense.contains(name) && !keptOut {
                entries += try converted(checkpoint, name)
                report.convertedTensors += 1
            } else {
                let raw = try checkpoint.rawTensor(name)
                entries.append(
                    SafetensorsStreamWriter.Entry(name: name, dtype: raw.info.dtype, shape: raw.shape) { put in
                        try raw.withBytes { bytes in
                            // Pieces of 64 MiB, releasing each once written, so copying a large embedding matrix
                            // does not keep the whole source resident.
                            var start = 0
                            while start < bytes.count {
                                let piece = UnsafeRawBufferPointer(
                                    rebasing: bytes[start..<min(start + 1 << 26, bytes.count)])
                                try put(piece)
                                MappedPages.release(piece.baseAddress!, count: piece.count)
                                start += piece.count
                            }
                        }
                    })
                report.copiedTensors += 1
            }
        }
        var metadata = checkpoint.metadata
        metadata["format"] = metadata["format"] ?? "pt"
        metadata[Self.precisionKey] = precision.rawValue
        if precision == .int8 { metadata[Self.weightBitsKey] = String(int8WeightBits) }
        let total = entries.count
        try SafetensorsStreamWriter.write(entries, metadata: metadata, to: url) { progress($0, total) }
        report.bytes = (try? FileManager.default.attributesOfItem(atPath: url.path)[.size] as? Int) ?? 0
        return report
    }

    /// The entries that store dense weight `name` in this precision (int8: values and scales).
    private func converted(_ checkpoint: Checkpoint, _ name: String) throws -> [SafetensorsStreamWriter.Entry] {
        let dtype = try checkpoint.dtype(of: name)
        let shape = try checkpoint.rawTensor(name).shape
        let (outputs, inputs) = (shape[0], shape[1])
        switch precision {
        case .bf16 where dtype == .bf16:
            let raw = try checkpoint.rawTensor(name)
            return [
                SafetensorsStreamWriter.Entry(name: name, dtype: .bf16, shape: shape) { put in try raw.withBytes(put) }
            ]
        case .bf16, .fp32:
            return [
                SafetensorsStreamWriter.Entry(name: name, dtype: .bf16, shape: shape) { put in
                    let weight = try checkpoint.tensor(name)
                    var bits = [UInt16](repeating: 0, count: outputs * inputs)
                    weight.withUnsafeBufferPointer { values in
                        bits.withUnsafeMutableBufferPointer {
                            cdnnl_rows_to_bf16(
                                values.baseAddress!, Int64(outputs), Int64(inputs), Int64(inputs), $0.baseAddress!)
                        }
                    }
                    weight.releaseResidentPages()
                    try bits.withUnsafeBytes(put)
                }
            ]
        case .int8:
            // The writer lays out the F32 scales before every I8 tensor, so each entry quantizes the weight itself
            // (deterministically, the same both times) rather than holding every layer's values until written.
            let limit: Int32 = int8WeightBits == 8 ? 127 : 63
            return [
                SafetensorsStreamWriter.Entry(name: name, dtype: .i8, shape: shape) { put in
                    try Self.quantize(checkpoint, name, limit: limit).values.withUnsafeBytes(put)
                },
                SafetensorsStreamWriter.Entry(name: name + "_scale", dtype: .f32, shape: [outputs]) { put in
                    try Self.quantize(checkpoint, name, limit: limit).scales.withUnsafeBytes(put)
                },
            ]
        }
    }

    /// Whether `name` is a block's feed-forward output projection (`…encoder.layer.N.output.dense.weight`).
    static func isFeedForwardOutput(_ name: String) -> Bool {
        name.hasSuffix(".output.dense.weight") && !name.hasSuffix(".attention.output.dense.weight")
    }

    /// `name`'s int8 values and per-output scales, as the engine quantizes fp32 weights at load.
    private static func quantize(_ checkpoint: Checkpoint, _ name: String, limit: Int32) throws
        -> (values: [Int8], scales: [Float])
    {
        let weight = try checkpoint.tensor(name)
        let (outputs, inputs) = (weight.shape[0], weight.shape[1])
        var values = [Int8](repeating: 0, count: outputs * inputs)
        var scales = [Float](repeating: 0, count: outputs)
        weight.withUnsafeBufferPointer { w in
            values.withUnsafeMutableBufferPointer { v in
                scales.withUnsafeMutableBufferPointer { s in
                    cdnnl_quantize_weights(
                        w.baseAddress!, Int64(outputs), Int64(inputs), Int64(inputs), limit, v.baseAddress!,
                        s.baseAddress!)
                }
            }
        }
        weight.releaseResidentPages()
        return (values, scales)
    }
}
