import Foundation
import Testing

@testable import Reader

@Suite("Span decoding per window")
struct SpanDecoderTests {
    /// `<s> q </s></s> c0 c1 c2 </s>`
    func window(start: [Float], end: [Float]) -> ReaderWindow {
        ReaderWindow(
            offsets: [0..<0, 0..<1, 0..<0, 0..<0, 0..<2, 2..<5, 5..<9, 0..<0],
            sequenceIds: [nil, 0, nil, nil, 1, 1, 1, nil], wordIds: [nil, 0, nil, nil, 0, 0, 1, nil],
            startLogits: start, endLogits: end)
    }

    @Test("hand-computed probabilities, null score, order and max answer length")
    func handComputed() throws {
        let w = window(start: [1, 9, 9, 9, 0, 1, 2, 9], end: [1, 9, 9, 9, 2, 0, 1, 9])
        let decoder = try SpanDecoder(maxAnswerLength: 2)
        let (start, end) = try decoder.probabilities(of: w)
        // Masked tokens (question, separators) get exactly 0; selectable ones e^x / Σ e^x over {1, 0, 1, 2}.
        let denominator = Foundation.exp(Float(1)) + 1 + Foundation.exp(Float(1)) + Foundation.exp(Float(2))
        #expect(start[1] == 0 && start[2] == 0 && start[7] == 0)
        // Four float32 exps and a sum of four (a few u each, u = 6e-8) on a probability below 1.
        #expect(abs(start[6] - Foundation.exp(Float(2)) / denominator) < 1e-6)
        #expect(abs(end[4] - Foundation.exp(Float(2)) / denominator) < 1e-6)
        let decoded = try decoder.decode(w, topK: 10)
        #expect(decoded.nullScore == start[0] * end[0])
        // Spans with start ≤ end < start + 2 among tokens 4...6: (4,4) (4,5) (5,5) (5,6) (6,6).
        #expect(
            Set(decoded.candidates.map { [$0.startToken, $0.endToken] }) == [
                [4, 4], [4, 5], [5, 5], [5, 6], [6, 6],
            ])
        #expect(decoded.candidates.map(\.score) == decoded.candidates.map(\.score).sorted(by: >))
        #expect(decoded.candidates.first.map { [$0.startToken, $0.endToken] } == [6, 6])
        #expect(try decoder.decode(w, topK: 2).candidates.count == 2)
    }

    @Test("equal scores keep the lower (start, end) first, as np.argmax does")
    func ties() throws {
        let w = window(start: [0, 0, 0, 0, 1, 1, 1, 0], end: [0, 0, 0, 0, 1, 1, 1, 0])
        let decoded = try SpanDecoder().decode(w, topK: 6)
        #expect(
            decoded.candidates.map { [$0.startToken, $0.endToken] } == [
                [4, 4], [4, 5], [4, 6], [5, 5], [5, 6], [6, 6],
            ])
    }

    @Test("NumPy's float32 pairwise sum, bit for bit")
    func pairwiseSum() {
        // float32 sums NumPy 2.4 returns for a = ((arange(n) * 7919 % 1000) / 1000)^2 * 3.7.
        let expected: [Int: UInt32] = [
            5: 1_092_127_840, 8: 1_095_253_778, 100: 1_123_092_752, 128: 1_126_000_022, 129: 1_126_096_874,
            300: 1_136_248_923, 1000: 1_150_939_004, 4099: 1_167_955_749,
        ]
        for (n, bits) in expected {
            let values = (0..<n).map { index -> Float in
                let x = Float((index * 7919) % 1000) / Float(1000)
                return x * x * Float(3.7)
            }
            #expect(NumPyFloat32.pairwiseSum(values).bitPattern == bits, "n = \(n)")
        }
    }

    @Test("invalid options and shapes are rejected")
    func validation() throws {
        #expect(throws: ReaderError.invalidOption(name: "maxAnswerLength", value: 0, minimum: 1)) {
            try SpanDecoder(maxAnswerLength: 0)
        }
        #expect(throws: ReaderError.emptyWindow) {
            try SpanDecoder().decode(
                ReaderWindow(offsets: [], sequenceIds: [], wordIds: [], startLogits: [], endLogits: []), topK: 1)
        }
        #expect(throws: ReaderError.invalidOption(name: "topK", value: 0, minimum: 1)) {
            try PipelinePostprocessor(options: PipelineOptions(topK: 0))
        }
    }

    @Test("pipeline window parameters")
    func windowing() throws {
        let defaults = try PipelineWindowing(modelMaxLength: 512)
        #expect(defaults.maxSeqLen == 384 && defaults.stride == 128)
        let small = try PipelineWindowing(modelMaxLength: 512, maxSeqLen: 128)
        #expect(small.stride == 64)
        #expect(throws: ReaderError.strideLargerThanWindow(stride: 200, maxSeqLen: 128)) {
            try PipelineWindowing(modelMaxLength: 512, maxSeqLen: 128, docStride: 200)
        }
    }
}
