import COpenBLAS
import Foundation
import Transformer

/// Row-major `C = alpha·op(A)·op(B) + beta·C` through OpenBLAS, split over the cores by blocks of C's rows when the
/// engine runs OpenBLAS single-threaded (see `BLASInfo.preferEngineParallelism`), as the encoder's products are.
enum MatrixProduct {
    /// `C[m×n] = alpha·op(A)·op(B) + beta·C`; `transposeA` means A is stored `[k, m]`, `transposeB` that B is
    /// stored `[n, k]` (a PyTorch Linear weight).
    static func gemm(
        transposeA: Bool, transposeB: Bool, m: Int, n: Int, k: Int, alpha: Float = 1,
        _ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int, beta: Float,
        _ c: UnsafeMutablePointer<Float>, ldc: Int
    ) {
        guard m > 0, n > 0 else { return }
        guard k > 0 else {
            // op(A)·op(B) is zero: C = beta·C (OpenBLAS would do the same; spelled out for k = 0 batches).
            for row in 0..<m {
                let r = c + row * ldc
                for column in 0..<n { r[column] = beta == 0 ? 0 : beta * r[column] }
            }
            return
        }
        let split = Parallel.splitsProducts ? Parallel.workerCount : 1
        let ta = transposeA ? CblasTrans : CblasNoTrans
        let tb = transposeB ? CblasTrans : CblasNoTrans
        guard split > 1, m * n * k >= 1 << 20, m >= 32 * split else {
            cblas_sgemm(
                CblasRowMajor, ta, tb, Int32(m), Int32(n), Int32(k), alpha, a, Int32(lda), b, Int32(ldb), beta, c,
                Int32(ldc))
            return
        }
        let source = UncheckedSendable(a)
        let other = UncheckedSendable(b)
        let target = SharedPointer(c)
        // Each worker owns a contiguous block of C's rows: op(A)'s rows are A's rows (or columns when transposed).
        DispatchQueue.concurrentPerform(iterations: split) { part in
            let start = (m * part / split) / 8 * 8
            let end = part == split - 1 ? m : (m * (part + 1) / split) / 8 * 8
            guard start < end else { return }
            let block = transposeA ? source.value + start : source.value + start * lda
            cblas_sgemm(
                CblasRowMajor, ta, tb, Int32(end - start), Int32(n), Int32(k), alpha, block, Int32(lda), other.value,
                Int32(ldb), beta, target.base + start * ldc, Int32(ldc))
        }
    }
}
