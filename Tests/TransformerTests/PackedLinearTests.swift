import CDNNL
import Foundation
import Testing

@testable import Transformer

/// oneDNN products against references computed here in exact integer or double arithmetic, so each bound is
/// the error model of the precision, not a reading of one machine.
@Suite("Packed linear layers (oneDNN)")
struct PackedLinearTests {
    /// Deterministic values in [-1, 1) from a 64-bit LCG.
    static func values(_ count: Int, seed: UInt64, scale: Float = 1) -> [Float] {
        var state = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return (0..<count).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return (Float(state >> 40) / Float(1 << 24) * 2 - 1) * scale
        }
    }

    static func tensor(_ values: [Float], rows: Int, columns: Int) -> FloatTensor {
        FloatTensor.converting(shape: [rows, columns], count: rows * columns) { target in
            values.withUnsafeBufferPointer { target.update(from: $0.baseAddress!, count: values.count) }
        }
    }

    /// `y = x · Wᵀ` through a packed layer, the activations prepared as the engine prepares them.
    static func apply(
        _ layer: PackedLinear, _ x: [Float], rows: Int, into initial: [Float]? = nil, ldy: Int? = nil
    ) throws -> [Float] {
        let ldy = ldy ?? layer.outputs
        var y = initial ?? [Float](repeating: 0, count: rows * ldy)
        let buffer = ActivationBuffer(rows: rows, columns: layer.inputs)
        try x.withUnsafeBufferPointer { input in
            let prepared = buffer.prepare(
                input.baseAddress!, rows: rows, columns: layer.inputs, ldx: layer.inputs, for: layer.precision)
            try y.withUnsafeMutableBufferPointer {
                try layer.apply(prepared, into: $0.baseAddress!, ldy: ldy, beta: initial == nil ? 0 : 1)
            }
        }
        return y
    }

    /// Round to nearest bf16, ties to even, written independently of the shim.
    static func bf16(_ value: Float) -> Float {
        let bits = value.bitPattern
        let rounded = (bits &+ 0x7fff &+ ((bits >> 16) & 1)) & 0xffff_0000
        return Float(bitPattern: rounded)
    }

    @Test("int8: the product equals exact integer arithmetic on the same quantization, saturation-free")
    func int8MatchesIntegerReference() throws {
        let (rows, inputs, outputs) = (7, 300, 200)  // 200 outputs: two slices, one not a multiple of 64
        let weight = Self.values(outputs * inputs, seed: 1, scale: 0.05)
        // Large, mostly positive activations push u8 codes towards 255: the inputs that saturate an int16 pair sum.
        let x = Self.values(rows * inputs, seed: 2, scale: 4).map { $0 + 3 }
        let layer = try PackedLinear(
            Self.tensor(weight, rows: outputs, columns: inputs), name: "test", precision: .int8, parts: 2)
        let got = try Self.apply(layer, x, rows: rows)

        let limit = Int32(cdnnl_int8_weight_bits() == 8 ? 127 : 63)
        var q = [Int8](repeating: 0, count: outputs * inputs)
        var weightScales = [Float](repeating: 0, count: outputs)
        cdnnl_quantize_weights(weight, Int64(outputs), Int64(inputs), Int64(inputs), limit, &q, &weightScales)
        #expect(q.allSatisfy { abs(Int32($0)) <= limit })
        var u = [UInt8](repeating: 0, count: rows * inputs)
        var scales = [Float](repeating: 0, count: rows)
        var zeros = [Int32](repeating: 0, count: rows)
        cdnnl_rows_to_u8(x, Int64(rows), Int64(inputs), Int64(inputs), &u, &scales, &zeros)
        for m in 0..<rows {
            for n in 0..<outputs {
                var exact: Int64 = 0
                for k in 0..<inputs { exact += (Int64(u[m * inputs + k]) - Int64(zeros[m])) * Int64(q[n * inputs + k]) }
                let want = Double(scales[m]) * Double(weightScales[n]) * Double(exact)
                // The integer part is exact; three fp32 roundings (int → float, two products) remain.
                let bound = 4 * Double(Float.ulpOfOne) * abs(want) + 1e-30
                #expect(abs(Double(got[m * outputs + n]) - want) <= bound, "row \(m) column \(n)")
            }
        }
    }

    @Test("int8 activations: 0 stays exact, each row gets its own scale and zero point")
    func activationQuantization() {
        let rows: [[Float]] = [[0, 0, 0], [-2, -1, 0], [0, 1, 2], [-1, 0, 3]]
        var u = [UInt8](repeating: 0, count: 12)
        var scales = [Float](repeating: 0, count: 4)
        var zeros = [Int32](repeating: 0, count: 4)
        cdnnl_rows_to_u8(rows.flatMap { $0 }, 4, 3, 3, &u, &scales, &zeros)
        #expect(scales[0] == 1 && zeros[0] == 0 && u[0..<3].allSatisfy { $0 == 0 })
        #expect(zeros[1] == 255 && u[3] == 0 && u[5] == 255)  // all ≤ 0: the top code is 0
        #expect(zeros[2] == 0 && u[6] == 0 && u[8] == 255)
        #expect(u[9] == 0 && u[11] == 255 && u[10] == UInt8(zeros[3]))  // 0 is the zero point exactly
        for row in 0..<4 {
            for column in 0..<3 {
                let back = Float(Int32(u[row * 3 + column]) - zeros[row]) * scales[row]
                #expect(abs(back - rows[row][column]) <= scales[row] / 2 * 1.0001)
            }
        }
    }

    @Test("int8 activations: long strided rows (the vectorised path) equal a scalar round-half-to-even reference")
    func activationQuantizationLongRows() {
        let (rows, columns, ldx) = (3, 4096 + 7, 4096 + 10)
        var x = [Float](repeating: 0, count: rows * ldx)
        let noise = Self.values(rows * columns, seed: 11)
        for column in 0..<columns {
            // Row 0: multiples of 1/16 over [-16, 15.875], so scale is exactly 1/8 and half the values are ties.
            x[column] = Float((column * 37) % 511 - 256) * 0.0625
            x[ldx + column] = noise[columns + column]
            x[2 * ldx + column] = noise[2 * columns + column]
        }
        x[columns - 1] = -16
        x[ldx + columns - 1] = 5  // extremes in the tail, past the last full block of lanes
        x[2 * ldx + columns - 2] = -7
        var u = [UInt8](repeating: 0, count: rows * columns)
        var scales = [Float](repeating: 0, count: rows)
        var zeros = [Int32](repeating: 0, count: rows)
        cdnnl_rows_to_u8(x, Int64(rows), Int64(columns), Int64(ldx), &u, &scales, &zeros)
        for row in 0..<rows {
            let values = x[(row * ldx)..<(row * ldx + columns)]
            let (lo, hi) = (min(0, values.min()!), max(0, values.max()!))
            let scale = (hi - lo) / 255
            let zero = min(max((-lo / scale).rounded(.toNearestOrEven), 0), 255)
            let expected = values.map { UInt8(min(max(($0 / scale).rounded(.toNearestOrEven) + zero, 0), 255)) }
            #expect(scales[row] == scale && zeros[row] == Int32(zero))
            #expect(Array(u[(row * columns)..<((row + 1) * columns)]) == expected, "row \(row)")
        }
        #expect(scales[0] == 0.125)
    }

    @Test("bf16: the product equals the exact product of bf16-rounded inputs within fp32 summation error")
    func bf16MatchesRoundedReference() throws {
        let (rows, inputs, outputs) = (5, 257, 130)
        let weight = Self.values(outputs * inputs, seed: 3, scale: 0.1)
        let x = Self.values(rows * inputs, seed: 4, scale: 2)
        let layer = try PackedLinear(
            Self.tensor(weight, rows: outputs, columns: inputs), name: "test", precision: .bf16, parts: 2)
        let got = try Self.apply(layer, x, rows: rows)
        for m in 0..<rows {
            for n in 0..<outputs {
                var exact = 0.0
                var magnitude = 0.0
                for k in 0..<inputs {
                    let term = Double(Self.bf16(x[m * inputs + k])) * Double(Self.bf16(weight[n * inputs + k]))
                    exact += term
                    magnitude += abs(term)
                }
                // Products of bf16 values are exact in fp32; K fp32 additions each round by at most u = 2^-24.
                let bound = Double(inputs) * Double(Float.ulpOfOne) / 2 * magnitude + 1e-30
                #expect(abs(Double(got[m * outputs + n]) - exact) <= bound, "row \(m) column \(n)")
            }
        }
    }

    @Test("bf16 rounding is to nearest, ties to even, and NaN stays NaN")
    func bf16Rounding() {
        let ties: [Float] = [
            Float(bitPattern: 0x3f80_8000),  // halfway, even below: down
            Float(bitPattern: 0x3f81_8000),  // halfway, odd below: up
            Float(bitPattern: 0x3f80_8001),  // above halfway: up
            .nan, -.infinity,
        ]
        var out = [UInt16](repeating: 0, count: ties.count)
        cdnnl_rows_to_bf16(ties, 1, Int64(ties.count), Int64(ties.count), &out)
        #expect(out[0] == 0x3f80 && out[1] == 0x3f82 && out[2] == 0x3f81)
        #expect(Float(bitPattern: UInt32(out[3]) << 16).isNaN && out[4] == 0xff80)
    }

    @Test("accumulating (beta 1) adds to y, and a row stride wider than the outputs leaves the gap untouched")
    func accumulateIntoStridedRows() throws {
        let (rows, inputs, outputs, ldy) = (3, 64, 96, 100)
        let weight = Self.values(outputs * inputs, seed: 5, scale: 0.1)
        let x = Self.values(rows * inputs, seed: 6)
        for precision in [Precision.bf16, .int8] {
            let layer = try PackedLinear(
                Self.tensor(weight, rows: outputs, columns: inputs), name: "test", precision: precision, parts: 2)
            let alone = try Self.apply(layer, x, rows: rows)
            let initial = (0..<(rows * ldy)).map { Float($0 % 7) }
            let added = try Self.apply(layer, x, rows: rows, into: initial, ldy: ldy)
            for m in 0..<rows {
                for n in 0..<ldy {
                    let want = n < outputs ? initial[m * ldy + n] + alone[m * outputs + n] : initial[m * ldy + n]
                    #expect(added[m * ldy + n] == want, "\(precision) row \(m) column \(n)")
                }
            }
        }
    }

    @Test("already quantized weights past this CPU's kernel range are refused with the reason")
    func saturatingWeightsRefused() throws {
        let weight: [Int8] = Array(repeating: 127, count: 64 * 64)
        let scales = [Float](repeating: 0.01, count: 64)
        var error = [CChar](repeating: 0, count: 256)
        let handle = cdnnl_linear_create_s8(weight, scales, 64, 64, 64, &error, 256)
        defer { cdnnl_linear_destroy(handle) }
        if cdnnl_int8_weight_bits() == 8 {
            #expect(handle != nil, "VNNI takes the full s8 range")
        } else {
            #expect(handle == nil)
            #expect(PackedLinear.message(error).contains("saturate"))
        }
    }

    @Test("bf16 reports whether it is emulated, as oneDNN's kernels on this CPU decide")
    func bf16EmulationMatchesCPU() throws {
        let layer = try PackedLinear(
            Self.tensor(Self.values(64 * 64, seed: 7), rows: 64, columns: 64), name: "test", precision: .bf16)
        #expect(layer.isEmulated == (cdnnl_bf16_is_native() == 0))
        #expect((Precision.bf16.hardwareNote != nil) == layer.isEmulated)
    }

    @Test("an empty weight is refused with a one-line reason naming the tensor")
    func badShape() throws {
        let empty = FloatTensor.converting(shape: [0, 8], count: 0) { _ in }
        #expect {
            try PackedLinear(empty, name: "encoder.layer.0.output.dense", precision: .int8)
        } throws: { error in
            let message = (error as? any LocalizedError)?.errorDescription ?? ""
            return message.contains("encoder.layer.0.output.dense") && !message.contains("\n")
        }
    }
}
