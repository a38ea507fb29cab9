import Foundation

/// Float32 arithmetic in the order NumPy performs it, so probabilities match the pipeline's bit for bit
/// where the platform's `expf` agrees with NumPy's.
enum NumPyFloat32 {
    /// NumPy's pairwise summation (`FLOAT_pairwise_sum`): 8 accumulators over blocks of at most 128
    /// values, halves above that. `ndarray.sum()` of a contiguous float32 array adds in exactly this order.
    static func pairwiseSum(_ values: [Float]) -> Float {
        values.withUnsafeBufferPointer { pairwiseSum($0[...]) }
    }

    private static func pairwiseSum(_ a: Slice<UnsafeBufferPointer<Float>>) -> Float {
        let n = a.count
        let base = a.startIndex
        if n < 8 {
            var result: Float = -0.0
            for i in 0..<n { result += a[base + i] }
            return result
        }
        if n <= 128 {
            var r = (0..<8).map { a[base + $0] }
            var i = 8
            while i < n - (n % 8) {
                for j in 0..<8 { r[j] += a[base + i + j] }
                i += 8
            }
            var result = ((r[0] + r[1]) + (r[2] + r[3])) + ((r[4] + r[5]) + (r[6] + r[7]))
            while i < n {
                result += a[base + i]
                i += 1
            }
            return result
        }
        var half = n / 2
        half -= half % 8
        return pairwiseSum(a[base..<(base + half)]) + pairwiseSum(a[(base + half)..<(base + n)])
    }

    /// `exp(x - x.max()) / sum` in float32, as `select_starts_ends` normalises start and end logits.
    static func softmax(_ logits: [Float]) -> [Float] {
        guard let maximum = logits.max() else { return [] }
        let exps = logits.map { Foundation.exp($0 - maximum) }
        let total = pairwiseSum(exps)
        return exps.map { $0 / total }
    }
}
