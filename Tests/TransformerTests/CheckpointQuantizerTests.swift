import Foundation
import Testing

@testable import Transformer

/// Quantized checkpoints (`CheckpointQuantizer`) on the committed tiny QA model: the written file loads in its
/// precision without converting and computes exactly what the original computes in that precision, because both
/// quantize (or round) the same weights with the same function; at another precision its weights are widened.
@Suite("Quantized checkpoints")
struct CheckpointQuantizerTests {
    static let source = Fixture.model("tiny-xlmr-qa")

    /// A copy of the fixture folder with its weights stored in `precision` (`bits` for int8).
    static func quantized(_ precision: Precision, bits: Int = Precision.int8WeightBits) throws -> URL {
        let folder = try temporaryDirectory()
        try copyModelFolder(source, to: folder, includingWeights: false)
        let directory = try ModelDirectory(url: source)
        _ = try CheckpointQuantizer(precision: precision, int8WeightBits: bits).write(
            directory.checkpoint(), configuration: directory.config,
            to: folder.appendingPathComponent("model.safetensors"))
        return folder
    }

    static func logits(_ folder: URL, _ precision: Precision) throws -> [SpanLogits] {
        let sequences = try #require(Fixture.goldens.qa["tiny-xlmr-qa"]).map(\.ids)
        let model = try QuestionAnsweringModel(directory: ModelDirectory(url: folder), precision: precision)
        return try model.logits(for: sequences, maxBatchSize: 4)
    }

    @Test(
        "a bf16 or int8 checkpoint run in its precision gives bit-identical logits to the original",
        arguments: [
            Precision.bf16, .int8,
        ])
    func identicalInItsPrecision(precision: Precision) throws {
        let folder = try Self.quantized(precision)
        defer { try? FileManager.default.removeItem(at: folder) }
        #expect(try Self.logits(folder, precision) == Self.logits(Self.source, precision))
    }

    @Test("the file stores the dense weights as BF16, or I8 with F32 scales, and everything else as it was")
    func storedTypes() throws {
        for precision in [Precision.bf16, .int8] {
            let folder = try Self.quantized(precision)
            defer { try? FileManager.default.removeItem(at: folder) }
            let written = try SafetensorsFile(url: folder.appendingPathComponent("model.safetensors"))
            let original = try SafetensorsFile(url: Self.source.appendingPathComponent("model.safetensors"))
            let directory = try ModelDirectory(url: Self.source)
            let dense = Set(
                try CheckpointQuantizer.denseWeightNames(directory.checkpoint(), configuration: directory.config))
            #expect(dense.count == 6 * directory.config.layerCount)
            #expect(written.metadata[CheckpointQuantizer.precisionKey] == precision.rawValue)
            for (name, info) in original.tensors {
                let stored = try #require(written.tensors[name], "\(name) missing")
                #expect(stored.shape == info.shape)
                // int8 with 7-bit weights (no VNNI) keeps the feed-forward output projections fp32: copied.
                let kept =
                    precision.feedForwardOutputPrecision != precision && CheckpointQuantizer.isFeedForwardOutput(name)
                if dense.contains(name) && !kept {
                    #expect(stored.dtype == (precision == .int8 ? .i8 : .bf16), "\(name)")
                    if precision == .int8 { #expect(written.tensors[name + "_scale"]?.shape == [info.shape[0]]) }
                } else {
                    #expect(stored.dtype == info.dtype)
                    #expect(try written.floatTensor(name).scalars == original.floatTensor(name).scalars, "\(name)")
                }
                // Aligned to the element size, so F32 maps without a copy.
                #expect(stored.byteRange.lowerBound % stored.dtype.byteSize == 0, "\(name) misaligned")
            }
            let quantizedPerLayer = precision.feedForwardOutputPrecision == precision ? 6 : 5
            let scales =
                precision == .int8
                ? dense.filter {
                    precision.feedForwardOutputPrecision == precision || !CheckpointQuantizer.isFeedForwardOutput($0)
                }
                .count : 0
            #expect(scales == (precision == .int8 ? quantizedPerLayer * directory.config.layerCount : 0))
            #expect(written.tensors.count == original.tensors.count + scales)
            let bytes = try FileManager.default.attributesOfItem(atPath: written.url.path)[.size] as? Int ?? 0
            let originalBytes =
                try FileManager.default.attributesOfItem(atPath: original.url.path)[.size] as? Int ?? 0
            #expect(bytes < originalBytes, "\(precision): \(bytes) bytes, original \(originalBytes)")
        }
    }

    @Test("int8 weights of the other bit width load too (8 bits re-quantized where the kernel takes 7)")
    func otherBitWidth() throws {
        let other = Precision.int8WeightBits == 8 ? 7 : 8
        let folder = try Self.quantized(.int8, bits: other)
        defer { try? FileManager.default.removeItem(at: folder) }
        let reference = try Self.logits(Self.source, .fp32)
        let error = EncoderModelPrecisionTests.relativeError(try Self.logits(folder, .int8), reference)
        // The int8 error model of EncoderModelPrecisionTests (a re-quantization adds at most one more rounding).
        #expect(error <= 0.25, "relative error \(error)")
    }

    @Test("at fp32 an int8 checkpoint runs its dequantized weights: close to fp32, and not the int8 kernel")
    func int8CheckpointAtFP32() throws {
        let folder = try Self.quantized(.int8)
        defer { try? FileManager.default.removeItem(at: folder) }
        let reference = try Self.logits(Self.source, .fp32)
        let widened = try Self.logits(folder, .fp32)
        let error = EncoderModelPrecisionTests.relativeError(widened, reference)
        #expect(error <= 0.25 && error > 0, "relative error \(error)")
        #expect(widened != (try Self.logits(folder, .int8)))
    }

    @Test("an int8 checkpoint is not quantized again, and fp32 is not a quantization")
    func refusals() throws {
        let folder = try Self.quantized(.int8)
        defer { try? FileManager.default.removeItem(at: folder) }
        let directory = try ModelDirectory(url: folder)
        let target = folder.appendingPathComponent("again.safetensors")
        #expect(throws: TransformerError.self) {
            _ = try CheckpointQuantizer(precision: .bf16).write(
                directory.checkpoint(), configuration: directory.config, to: target)
        }
        #expect(throws: TransformerError.self) { _ = try CheckpointQuantizer(precision: .fp32) }
        #expect(throws: TransformerError.self) { _ = try CheckpointQuantizer(precision: .int8, int8WeightBits: 4) }
    }

    @Test("an I8 weight without its scale is a one-line error naming the missing tensor")
    func missingScale() throws {
        let folder = try Self.quantized(.int8)
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = try SafetensorsFile(url: folder.appendingPathComponent("model.safetensors"))
        let scale = try #require(file.tensors.keys.first { $0.hasSuffix(".weight_scale") })
        var writer = SafetensorsWriter()
        for name in file.tensors.keys.sorted() where name != scale {
            let raw = try file.rawTensor(name)
            let bytes = raw.withBytes { Array($0) }
            writer.entries.append(.init(name: name, dtype: raw.info.dtype.rawValue, shape: raw.shape, bytes: bytes))
        }
        // Replaced by a rename: `file` still maps the old one.
        let replacement = folder.appendingPathComponent("replacement.safetensors")
        try writer.write(to: replacement)
        try FileManager.default.removeItem(at: file.url)
        try FileManager.default.moveItem(at: replacement, to: file.url)
        #expect(throws: TransformerError.missingTensor(name: scale, checkpoint: file.url.path)) {
            _ = try QuestionAnsweringModel(directory: ModelDirectory(url: folder), precision: .int8)
        }
    }
}
