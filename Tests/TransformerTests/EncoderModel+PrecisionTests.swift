import Foundation
import Testing

@testable import Transformer

/// Whole models in bf16 and int8 against fp32 on the committed fixtures. The layer-level error models are in
/// PackedLinearTests; here the bounds are those errors carried through three blocks (LayerNorm keeps them
/// relative), with a safety factor of about 4 over a per-product estimate: bf16 rounds each input by ≤ 2^-9
/// (≈ 3e-3 on a product), int8 quantizes weights to 7 or 8 bits and activations to 8 (≈ 2e-2 on a product).
@Suite("Encoder in bf16 and int8")
struct EncoderModelPrecisionTests {
    static func model(_ precision: Precision) throws -> QuestionAnsweringModel {
        try QuestionAnsweringModel(directory: ModelDirectory(url: Fixture.model("tiny-xlmr-qa")), precision: precision)
    }

    /// ‖a − b‖ / ‖b‖ over every logit of every sequence.
    static func relativeError(_ got: [SpanLogits], _ want: [SpanLogits]) -> Double {
        var difference = 0.0
        var norm = 0.0
        for (g, w) in zip(got, want) {
            for (x, y) in zip(g.start + g.end, w.start + w.end) {
                difference += Double(x - y) * Double(x - y)
                norm += Double(y) * Double(y)
            }
        }
        return (difference / norm).squareRoot()
    }

    @Test(
        "bf16 and int8 logits stay within their error model of fp32",
        arguments: [(Precision.bf16, 0.05), (.int8, 0.25)])
    func closeToFP32(precision: Precision, bound: Double) throws {
        let goldens = try #require(Fixture.goldens.qa["tiny-xlmr-qa"])
        let sequences = goldens.map(\.ids)
        let reference = try Self.model(.fp32).logits(for: sequences, maxBatchSize: 4)
        let model = try Self.model(precision)
        #expect(model.encoder.precision == precision)
        let error = Self.relativeError(try model.logits(for: sequences, maxBatchSize: 4), reference)
        #expect(error <= bound, "\(precision): relative error \(error) > \(bound)")
        #expect(error > 0, "\(precision) must not silently run fp32")
    }

    /// Per-token scales and exact int32 sums make the int8 products row-independent; only the fp32 feed-forward
    /// output projection (OpenBLAS, blocked by the number of rows) sums in a batch-dependent order.
    @Test("int8 gives a sequence the same logits in any batch, to fp32 summation order")
    func int8BatchIndependent() throws {
        let goldens = try #require(Fixture.goldens.qa["tiny-xlmr-qa"])
        let sequences = goldens.map(\.ids).filter { $0.count < 200 }
        let model = try Self.model(.int8)
        let batched = try model.logits(for: sequences, maxBatchSize: 4)
        for (sequence, result) in zip(sequences, batched) {
            let alone = try model.logits(for: [sequence], maxBatchSize: 1)
            // The fp32 projection summed in another order differs by ≈ 2^-24 relative; where that moves an
            // activation across a u8 rounding boundary of the next block, that element changes by one step
            // (1/255 of its row's range), ≈ 1e-3 relative at most on these 64-wide rows; a sequence quantized
            // with its batch (a per-tensor scale) would differ by ~1e-2.
            let error = Self.relativeError(alone, [result])
            #expect(error <= 2e-3, "relative error \(error) between a sequence alone and in a batch")
        }
    }

    @Test("concurrent int8 forward passes agree with sequential ones")
    func concurrentInt8() async throws {
        let goldens = try #require(Fixture.goldens.qa["tiny-xlmr-qa"])
        let sequences = goldens.map(\.ids).filter { $0.count < 200 }
        let model = try Self.model(.int8)
        let sequential = try sequences.map { try model.logits(for: [$0])[0] }
        let concurrent = try await withThrowingTaskGroup(of: (Int, SpanLogits).self) { group in
            for (index, sequence) in sequences.enumerated() {
                group.addTask { (index, try model.logits(for: [sequence])[0]) }
            }
            var results = [SpanLogits?](repeating: nil, count: sequences.count)
            for try await (index, logits) in group { results[index] = logits }
            return results
        }
        #expect(concurrent == sequential.map { $0 })
    }
}
