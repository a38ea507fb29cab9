import Foundation
import Transformer

/// The element-wise and row-wise steps of the forward and backward passes, on raw rows; callers guarantee sizes.
enum TrainingKernels {
    /// `out = LayerNorm(z)` row by row, keeping `xhat = (z - mean)·rstd` and `rstd` for the backward pass.
    /// Statistics from the inference kernel's `Kernels.layerNormStatistics`, so both give the same values.
    static func layerNormForward(
        _ z: UnsafePointer<Float>, rows: Int, width: Int, gamma: UnsafePointer<Float>, beta: UnsafePointer<Float>,
        epsilon: Float, xhat: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>,
        output: UnsafeMutablePointer<Float>
    ) {
        let source = UncheckedSendable(z)
        let normalized = SharedPointer(xhat)
        let deviations = SharedPointer(rstd)
        let out = SharedPointer(output)
        Parallel.forEachChunk(count: rows, grain: 16) { range in
            for row in range {
                let v = source.value + row * width
                let x = normalized.base + row * width
                let o = out.base + row * width
                let (m, r) = Kernels.layerNormStatistics(v, width: width, epsilon: epsilon)
                deviations.base[row] = r
                for i in 0..<width {
                    let n = (v[i] - m) * r
                    x[i] = n
                    o[i] = n * gamma[i] + beta[i]
                }
            }
        }
    }

    /// The backward pass of LayerNorm: `dz = rstd·(g - mean(g) - xhat·mean(g·xhat))` with `g = dy·gamma`, and
    /// `dGamma += Σ dy·xhat`, `dBeta += Σ dy` over the rows (when those gradients exist).
    static func layerNormBackward(
        _ dy: UnsafePointer<Float>, xhat: UnsafePointer<Float>, rstd: UnsafePointer<Float>, gamma: UnsafePointer<Float>,
        rows: Int, width: Int, dz: UnsafeMutablePointer<Float>, dGamma: UnsafeMutablePointer<Float>?,
        dBeta: UnsafeMutablePointer<Float>?
    ) {
        if let dGamma, let dBeta {
            columnReduction(rows: rows, width: width) { row, columns, gammaSums, betaSums in
                let g = dy + row * width
                let x = xhat + row * width
                for j in columns {
                    gammaSums[j - columns.lowerBound] += Double(g[j] * x[j])
                    betaSums[j - columns.lowerBound] += Double(g[j])
                }
            } finish: { columns, gammaSums, betaSums in
                for j in columns {
                    dGamma[j] += Float(gammaSums[j - columns.lowerBound])
                    dBeta[j] += Float(betaSums[j - columns.lowerBound])
                }
            }
        }
        let source = UncheckedSendable((dy, xhat, rstd, gamma))
        let target = SharedPointer(dz)
        Parallel.forEachChunk(count: rows, grain: 16) { range in
            let (dy, xhat, rstd, gamma) = source.value
            for row in range {
                let d = dy + row * width
                let x = xhat + row * width
                let out = target.base + row * width
                var sumG: Double = 0
                var sumGX: Double = 0
                for j in 0..<width {
                    let g = d[j] * gamma[j]
                    sumG += Double(g)
                    sumGX += Double(g * x[j])
                }
                let meanG = Float(sumG / Double(width))
                let meanGX = Float(sumGX / Double(width))
                let r = rstd[row]
                for j in 0..<width { out[j] = r * ((d[j] * gamma[j] - meanG) - x[j] * meanGX) }
            }
        }
    }

    /// Runs `accumulate(row, columns, a, b)` for every row over column blocks spread across the cores (each block
    /// with its own Double sums `a` and `b`), then `finish(columns, a, b)` once per block: reductions over rows
    /// without two workers ever writing one column.
    private static func columnReduction(
        rows: Int, width: Int,
        accumulate: (Int, Range<Int>, inout [Double], inout [Double]) -> Void,
        finish: (Range<Int>, [Double], [Double]) -> Void
    ) {
        let blocks = max(1, min(Parallel.workerCount * 2, width / 32))
        withoutActuallyEscaping(accumulate) { accumulate in
            withoutActuallyEscaping(finish) { finish in
                let work = UncheckedSendable((accumulate, finish))
                DispatchQueue.concurrentPerform(iterations: blocks) { block in
                    let columns = (width * block / blocks)..<(width * (block + 1) / blocks)
                    guard !columns.isEmpty else { return }
                    var a = [Double](repeating: 0, count: columns.count)
                    var b = [Double](repeating: 0, count: columns.count)
                    for row in 0..<rows { work.value.0(row, columns, &a, &b) }
                    work.value.1(columns, a, b)
                }
            }
        }
    }

    /// `sums[j] += Σ_rows x[row·ld + j]` for `j < width` (bias gradients), in Double.
    static func addColumnSums(
        _ x: UnsafePointer<Float>, rows: Int, width: Int, ld: Int, into sums: UnsafeMutablePointer<Float>
    ) {
        columnReduction(rows: rows, width: width) { row, columns, a, _ in
            let r = x + row * ld
            for j in columns { a[j - columns.lowerBound] += Double(r[j]) }
        } finish: { columns, a, _ in
            for j in columns { sums[j] += Float(a[j - columns.lowerBound]) }
        }
    }

    /// `a = act(u)` element-wise over `count` values (u is the pre-activation the backward pass keeps).
    static func activate(
        _ u: UnsafePointer<Float>, count: Int, activation: EncoderConfiguration.Activation,
        into a: UnsafeMutablePointer<Float>
    ) {
        let source = UncheckedSendable(u)
        let target = SharedPointer(a)
        Parallel.forEachChunk(count: count, grain: 4096) { range in
            let u = source.value
            let a = target.base
            switch activation {
            case .gelu:
                for i in range { a[i] = 0.5 * u[i] * (1 + FastMath.erf(u[i] * 0.707_106_781_186_547_5)) }
            case .geluTanh:
                for i in range {
                    let x = u[i]
                    a[i] = 0.5 * x * (1 + FastMath.tanh(0.797_884_560_802_865_4 * (x + 0.044_715 * x * x * x)))
                }
            case .relu:
                for i in range { a[i] = u[i] > 0 ? u[i] : 0 }
            case .silu:
                for i in range { a[i] = u[i] / (1 + FastMath.exp(-u[i])) }
            }
        }
    }

    /// In place: `da[i] *= act'(u[i])`.
    static func activationBackward(
        _ da: UnsafeMutablePointer<Float>, u: UnsafePointer<Float>, count: Int,
        activation: EncoderConfiguration.Activation
    ) {
        let source = UncheckedSendable(u)
        let target = SharedPointer(da)
        Parallel.forEachChunk(count: count, grain: 4096) { range in
            let u = source.value
            let d = target.base
            switch activation {
            case .gelu:
                for i in range {
                    let x = u[i]
                    let cdf = 0.5 * (1 + FastMath.erf(x * 0.707_106_781_186_547_5))
                    let pdf = 0.398_942_280_401_432_7 * FastMath.exp(-0.5 * x * x)
                    d[i] *= cdf + x * pdf
                }
            case .geluTanh:
                for i in range {
                    let x = u[i]
                    let k: Float = 0.797_884_560_802_865_4
                    let t = FastMath.tanh(k * (x + 0.044_715 * x * x * x))
                    d[i] *= 0.5 * (1 + t) + 0.5 * x * (1 - t * t) * k * (1 + 3 * 0.044_715 * x * x)
                }
            case .relu:
                for i in range where u[i] <= 0 { d[i] = 0 }
            case .silu:
                for i in range {
                    let s = 1 / (1 + FastMath.exp(-u[i]))
                    d[i] *= s * (1 + u[i] * (1 - s))
                }
            }
        }
    }
}
