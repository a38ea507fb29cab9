import Foundation
import Testing

@testable import Transformer

@Suite("Kernels")
struct KernelsTests {
    @Test("fast exp is within 2 ulp of Foundation's exp on the softmax range")
    func exp() {
        var worst: Float = 0
        for step in 0...20_000 {
            let x = -87 + Float(step) * 0.00875
            let expected = Foundation.exp(Double(x))
            worst = max(worst, Float(abs(Double(FastMath.exp(x)) - expected) / expected))
        }
        #expect(worst < 2.5e-7)
    }

    /// A&S 7.1.26 is accurate to 1.5e-7; float rounding inside brings it to ~5e-7, below PyTorch's own
    /// float32 GELU error (~1.2e-6 against float64 on [-10, 10]).
    @Test("fast erf is within 6e-7 of Foundation's erf, so GELU matches the exact (erf) form")
    func erf() {
        var worst: Double = 0
        for step in 0...20_000 {
            let x = -6 + Float(step) * 0.0006
            worst = max(worst, abs(Double(FastMath.erf(x)) - Foundation.erf(Double(x))))
        }
        #expect(worst < 6e-7)
    }

    @Test("the C GELU kernel (this CPU's variant) gives the Swift reference's bits on every kind of input")
    func geluKernelBits() {
        // Widths past every vector width with a tail; values over the whole range, the saturated ends, ±0,
        // subnormals and the exp cut-off, each shifted by a bias.
        let width = 1024 + 13
        var inputs: [Float] = (0..<(3 * width)).map { i in -12 + Float(i) * (24 / Float(3 * width)) }
        inputs[0] = 0
        inputs[1] = -0.0
        inputs[2] = .leastNonzeroMagnitude
        inputs[3] = -200
        inputs[4] = 200
        inputs[5] = -13.2  // -a·a just past exp's cut-off (-87.34)
        let bias: [Float] = (0..<width).map { Float($0 % 7) * 0.03 - 0.09 }
        var y = inputs
        Kernels.biasActivation(&y, rows: 3, width: width, bias: bias, activation: .gelu)
        var mismatches = 0
        for (i, x) in inputs.enumerated() {
            let expected = Kernels.geluReference(x + bias[i % width])
            if expected.bitPattern != y[i].bitPattern { mismatches += 1 }
        }
        #expect(mismatches == 0, "\(mismatches) of \(inputs.count) values differ from FastMath's GELU")
    }

    @Test("the C softmax kernel gives the Swift reference's bits, for widths with and without a tail")
    func softmaxKernelBits() {
        for width in [1, 3, 4, 17, 384, 509] {
            let rows = 5
            var scores = (0..<(rows * width)).map { i in Float((i * 7919) % 1000) * 0.037 - 18 }
            scores[0] = -1e30  // a masked position: exp gives exactly 0
            var expected = scores
            Kernels.softmaxRowsSerial(&scores, rows: 0..<rows, width: width)
            Kernels.softmaxRowsReference(&expected, rows: 0..<rows, width: width)
            #expect(scores.map(\.bitPattern) == expected.map(\.bitPattern), "width \(width)")
        }
    }

    @Test("activations: exact GELU, tanh GELU, ReLU and SiLU against their formulas")
    func activations() {
        let inputs: [Float] = [-5, -1.5, -0.25, 0, 0.3, 1, 2.5, 7]
        let bias = [Float](repeating: 0, count: inputs.count)
        let cases: [(EncoderConfiguration.Activation, (Double) -> Double)] = [
            (.gelu, { 0.5 * $0 * (1 + Foundation.erf($0 / 2.0.squareRoot())) }),
            (
                .geluTanh,
                { 0.5 * $0 * (1 + Foundation.tanh((2 / Double.pi).squareRoot() * ($0 + 0.044715 * $0 * $0 * $0))) }
            ),
            (.relu, { max(0, $0) }),
            (.silu, { $0 / (1 + Foundation.exp(-$0)) }),
        ]
        for (activation, formula) in cases {
            var values = inputs
            values.withUnsafeMutableBufferPointer { buffer in
                bias.withUnsafeBufferPointer { biasBuffer in
                    guard let base = buffer.baseAddress, let biasBase = biasBuffer.baseAddress else { return }
                    Kernels.biasActivation(base, rows: 1, width: inputs.count, bias: biasBase, activation: activation)
                }
            }
            // Deterministic (no BLAS): float32 rounding of values ≤ 7 (half an ulp is 2.4e-7) plus x/2 times the
            // erf error above (≤ 7.5e-7 at x = 2.5; at x = 7 erf(x/√2) is 1 in float32).
            for (value, input) in zip(values, inputs) {
                #expect(abs(Double(value) - formula(Double(input))) < 1e-6, "\(activation) at \(input)")
            }
        }
    }

    @Test("softmax rows sum to one and keep order")
    func softmax() {
        var scores: [Float] = [1, 2, 3, 4, 5, -1000, 0, 1000, 3, 3]
        scores.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress else { return }
            Kernels.softmaxRows(base, rows: 2, width: 5)
        }
        // Five exps within 2.5e-7 relative each, a sum of five (γ₅ ≈ 3e-7) and a division: ≤ ~8e-7 in all.
        #expect(abs(scores[0..<5].reduce(0, +) - 1) < 1e-6)
        #expect(scores[0] < scores[1] && scores[3] < scores[4])
        #expect(scores[5] == 0 && scores[6] == 0 && scores[7] == 1)
    }
}
