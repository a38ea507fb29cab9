import CKernels
import COpenBLAS
import Foundation

/// Runs row ranges on every core with `DispatchQueue.concurrentPerform`.
package enum Parallel {
    package static let workerCount = max(1, ProcessInfo.processInfo.activeProcessorCount)

    /// Whether the engine spreads matrix products over the cores itself: when OpenBLAS runs single-threaded
    /// (`OPENBLAS_NUM_THREADS=1` or `BLASInfo.setThreadCount(1)`). Otherwise OpenBLAS's own threads do it.
    package static var splitsProducts: Bool { workerCount > 1 && openblas_get_num_threads() == 1 }

    /// Splits `0..<count` into contiguous chunks of at least `grain` items and runs them concurrently.
    package static func forEachChunk(count: Int, grain: Int, _ body: (Range<Int>) -> Void) {
        guard count > 0 else { return }
        let chunks = min(max(1, count / max(grain, 1)), workerCount * 4)
        if chunks == 1 || workerCount == 1 {
            body(0..<count)
            return
        }
        // Chunks write disjoint rows and concurrentPerform returns only after all finished, so handing the
        // non-escaping, non-Sendable body to the workers is safe.
        withoutActuallyEscaping(body) { escapable in
            let work = UncheckedSendable(escapable)
            DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
                let start = count * chunk / chunks
                let end = count * (chunk + 1) / chunks
                if start < end { work.value(start..<end) }
            }
        }
    }
}

/// A value the compiler cannot prove Sendable but that is only used within one structured parallel loop.
package struct UncheckedSendable<Value>: @unchecked Sendable {
    package let value: Value
    package init(_ value: Value) { self.value = value }
}

/// Pointer wrapper that lets row-parallel loops write disjoint rows of one buffer.
package struct SharedPointer: @unchecked Sendable {
    package let base: UnsafeMutablePointer<Float>
    package init(_ base: UnsafeMutablePointer<Float>) { self.base = base }
}

/// Vectorisable float approximations (no libm calls, so loops using them auto-vectorise in release builds).
package enum FastMath {
    /// `exp(x)`, Cephes-style range reduction and polynomial; relative error about 1 ulp, 0 below -87.3.
    @inline(__always)
    package static func exp(_ value: Float) -> Float {
        let x = value < -87.33654 ? -87.33654 : (value > 88.3762 ? 88.3762 : value)
        let magic: Float = 12_582_912  // 1.5 × 2^23: adding it rounds to an integer kept in the low mantissa bits
        let shifted = x * 1.442_695_04 + magic
        let n = shifted - magic
        var r = x - n * 0.693_359_375
        r = r - n * -2.121_944_4e-4
        var p: Float = 1.987_569_15e-4
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let y = p * (r * r) + r + 1
        let exponent = (shifted.bitPattern &- magic.bitPattern) &+ 127
        let result = y * Float(bitPattern: exponent &<< 23)
        // Below the normal range the true value is (almost) 0; return exactly 0 as a masked score needs.
        return value < -87.33654 ? 0 : result
    }

    /// `erf(x)` (Abramowitz–Stegun 7.1.26, absolute error below 1.5e-7).
    @inline(__always)
    package static func erf(_ x: Float) -> Float {
        let a = x < 0 ? -x : x
        let t = 1 / (1 + 0.327_591_1 * a)
        let poly =
            ((((1.061_405_429 * t - 1.453_152_027) * t + 1.421_413_741) * t - 0.284_496_736) * t + 0.254_829_592) * t
        let y = 1 - poly * exp(-a * a)
        return x < 0 ? -y : y
    }

    /// `tanh(x)` via `exp`, for the tanh approximation of GELU.
    @inline(__always)
    package static func tanh(_ x: Float) -> Float {
        let e = exp(-2 * (x < 0 ? -x : x))
        let y = (1 - e) / (1 + e)
        return x < 0 ? -y : y
    }
}

/// The hot loops of the encoder on raw rows; callers guarantee sizes.
package enum Kernels {
    /// `y[rows×n] = beta·y + x[rows×k] · Wᵀ` with `W` stored `[n, k]` as PyTorch's Linear keeps it.
    package static func multiplyTransposed(
        _ x: UnsafePointer<Float>, rows: Int, inner: Int, ldx: Int,
        weight: UnsafePointer<Float>, outputs: Int,
        into y: UnsafeMutablePointer<Float>, ldy: Int, beta: Float = 0, alpha: Float = 1
    ) {
        let split = Parallel.splitsProducts ? Parallel.workerCount : 1
        guard split > 1, rows * outputs * inner >= 1 << 20, outputs >= 64 * split else {
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outputs), Int32(inner),
                alpha, x, Int32(ldx), weight, Int32(inner), beta, y, Int32(ldy))
            return
        }
        // Each worker multiplies by its own contiguous block of weight rows (output features), so no
        // packed weight panel is shared or repacked, and single-threaded OpenBLAS needs no spinning pool.
        let target = SharedPointer(y)
        let source = UncheckedSendable(x)
        let weights = UncheckedSendable(weight)
        DispatchQueue.concurrentPerform(iterations: split) { part in
            let start = (outputs * part / split) / 16 * 16
            let end = part == split - 1 ? outputs : (outputs * (part + 1) / split) / 16 * 16
            guard start < end else { return }
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(end - start), Int32(inner),
                alpha, source.value, Int32(ldx), weights.value + start * inner, Int32(inner), beta, target.base + start,
                Int32(ldy))
        }
    }

    /// Copies `bias` into every row of `y` (so a following sgemm with beta 1 adds the product).
    package static func broadcastRows(
        _ bias: UnsafePointer<Float>, width: Int, rows: Int, into y: UnsafeMutablePointer<Float>, ldy: Int
    ) {
        let shared = SharedPointer(y)
        Parallel.forEachChunk(count: rows, grain: 64) { range in
            for row in range { (shared.base + row * ldy).update(from: bias, count: width) }
        }
    }

    /// In place: `y = act(y + bias)` on a dense `rows × width` block.
    package static func biasActivation(
        _ y: UnsafeMutablePointer<Float>, rows: Int, width: Int, bias: UnsafePointer<Float>,
        activation: EncoderConfiguration.Activation
    ) {
        let shared = SharedPointer(y)
        Parallel.forEachChunk(count: rows, grain: 16) { range in
            for row in range {
                let r = shared.base + row * width
                switch activation {
                case .gelu:
                    // `geluReference` in C, compiled per instruction set (AVX-512 where there is one): the same bits.
                    ckernels_bias_gelu(r, 1, Int64(width), bias)
                case .geluTanh:
                    for i in 0..<width {
                        let x = r[i] + bias[i]
                        r[i] = 0.5 * x * (1 + FastMath.tanh(0.797_884_560_802_865_4 * (x + 0.044_715 * x * x * x)))
                    }
                case .relu:
                    for i in 0..<width {
                        let x = r[i] + bias[i]
                        r[i] = x > 0 ? x : 0
                    }
                case .silu:
                    for i in 0..<width {
                        let x = r[i] + bias[i]
                        r[i] = x / (1 + FastMath.exp(-x))
                    }
                }
            }
        }
    }

    /// `gelu(x)` as `biasActivation` computes it (erf form, `FastMath`); the C kernel must equal it bit for bit.
    @inline(__always)
    package static func geluReference(_ x: Float) -> Float {
        0.5 * x * (1 + FastMath.erf(x * 0.707_106_781_186_547_5))
    }

    /// Normalises one row in place: `(v - mean) / sqrt(var + eps) · gamma + beta`, statistics in Double.
    @inline(__always)
    package static func layerNormRow(
        _ v: UnsafeMutablePointer<Float>, width: Int, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        epsilon: Float, output: UnsafeMutablePointer<Float>
    ) {
        let (m, rstd) = layerNormStatistics(v, width: width, epsilon: epsilon)
        for i in 0..<width { output[i] = (v[i] - m) * rstd * gamma[i] + beta[i] }
    }

    /// A row's mean and `1 / sqrt(variance + eps)`, computed in Double and rounded to Float: what inference and
    /// training both normalise with, so their LayerNorms give the same values.
    @inline(__always)
    package static func layerNormStatistics(_ v: UnsafePointer<Float>, width: Int, epsilon: Float) -> (
        mean: Float, rstd: Float
    ) {
        var sum: Double = 0
        for i in 0..<width { sum += Double(v[i]) }
        let mean = sum / Double(width)
        var squares: Double = 0
        for i in 0..<width {
            let d = Double(v[i]) - mean
            squares += d * d
        }
        return (Float(mean), Float(1 / (squares / Double(width) + Double(epsilon)).squareRoot()))
    }

    /// `hidden = LayerNorm(y + bias + hidden)` row by row (y is used as scratch).
    package static func biasResidualLayerNorm(
        _ y: UnsafeMutablePointer<Float>, bias: UnsafePointer<Float>, residual hidden: UnsafeMutablePointer<Float>,
        rows: Int, width: Int, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>, epsilon: Float
    ) {
        let sharedY = SharedPointer(y)
        let sharedHidden = SharedPointer(hidden)
        Parallel.forEachChunk(count: rows, grain: 16) { range in
            for row in range {
                let v = sharedY.base + row * width
                let h = sharedHidden.base + row * width
                for i in 0..<width { v[i] = (v[i] + bias[i]) + h[i] }
                layerNormRow(v, width: width, gamma: gamma, beta: beta, epsilon: epsilon, output: h)
            }
        }
    }

    /// Softmax of each `width`-long row in place, rows spread over the cores.
    package static func softmaxRows(_ scores: UnsafeMutablePointer<Float>, rows: Int, width: Int) {
        let shared = SharedPointer(scores)
        Parallel.forEachChunk(count: rows, grain: 8) { range in
            softmaxRowsSerial(shared.base, rows: range, width: width)
        }
    }

    /// Softmax of rows `rows` (each `width` long) in place, on the calling thread: `softmaxRowsReference` in C,
    /// compiled per instruction set (AVX-512 where there is one), the same bits.
    package static func softmaxRowsSerial(_ scores: UnsafeMutablePointer<Float>, rows: Range<Int>, width: Int) {
        ckernels_softmax_rows(scores + rows.lowerBound * width, Int64(rows.count), Int64(width))
    }

    /// The softmax `softmaxRowsSerial` computes, in Swift: what the C kernel is tested against.
    package static func softmaxRowsReference(_ scores: UnsafeMutablePointer<Float>, rows: Range<Int>, width: Int) {
        for row in rows {
            let r = scores + row * width
            var m0 = -Float.infinity, m1 = -Float.infinity, m2 = -Float.infinity, m3 = -Float.infinity
            var i = 0
            while i + 4 <= width {
                m0 = r[i] > m0 ? r[i] : m0
                m1 = r[i + 1] > m1 ? r[i + 1] : m1
                m2 = r[i + 2] > m2 ? r[i + 2] : m2
                m3 = r[i + 3] > m3 ? r[i + 3] : m3
                i += 4
            }
            while i < width {
                m0 = r[i] > m0 ? r[i] : m0
                i += 1
            }
            let maximum = Swift.max(Swift.max(m0, m1), Swift.max(m2, m3))
            // Four independent lanes so the exp-and-sum pass vectorises without reassociating a reduction.
            var s0: Float = 0, s1: Float = 0, s2: Float = 0, s3: Float = 0
            i = 0
            while i + 4 <= width {
                let e0 = FastMath.exp(r[i] - maximum)
                let e1 = FastMath.exp(r[i + 1] - maximum)
                let e2 = FastMath.exp(r[i + 2] - maximum)
                let e3 = FastMath.exp(r[i + 3] - maximum)
                r[i] = e0
                r[i + 1] = e1
                r[i + 2] = e2
                r[i + 3] = e3
                s0 += e0
                s1 += e1
                s2 += e2
                s3 += e3
                i += 4
            }
            while i < width {
                let e = FastMath.exp(r[i] - maximum)
                r[i] = e
                s0 += e
                i += 1
            }
            let inverse = 1 / ((s0 + s1) + (s2 + s3))
            for j in 0..<width { r[j] *= inverse }
        }
    }
}
