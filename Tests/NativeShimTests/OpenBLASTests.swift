import COpenBLAS
import Testing

@Suite("OpenBLAS")
struct OpenBLASTests {
    /// A deterministic pseudo-random matrix, so failures reproduce.
    static func matrix(rows: Int, columns: Int, seed: UInt64) -> [Float] {
        var state = seed
        return (0..<(rows * columns)).map { _ in
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Float(Int64(bitPattern: state >> 33) % 2001 - 1000) / 1000
        }
    }

    @Test("cblas_sgemm agrees with a naive triple loop", arguments: [(1, 1, 1), (7, 5, 3), (64, 96, 33)])
    func sgemmMatchesNaiveLoop(m: Int, n: Int, k: Int) {
        let a = Self.matrix(rows: m, columns: k, seed: 1)
        let b = Self.matrix(rows: k, columns: n, seed: 2)
        var c = [Float](repeating: 0, count: m * n)
        cblas_sgemm(
            CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(m), Int32(n), Int32(k),
            1, a, Int32(k), b, Int32(n), 0, &c, Int32(n))
        for i in 0..<m {
            for j in 0..<n {
                var expected: Double = 0
                for p in 0..<k { expected += Double(a[i * k + p]) * Double(b[p * n + j]) }
                // γₖ·Σ|aᵢbᵢ| at worst for k ≤ 33 terms of size ≤ 1: 33·6e-8·33 ≈ 6.5e-5, whatever the kernel.
                #expect(abs(Double(c[i * n + j]) - expected) < 1e-4)
            }
        }
    }

    @Test("the OpenBLAS core and thread count are readable")
    func coreName() {
        let name = String(cString: openblas_get_corename())
        #expect(!name.isEmpty)
        #expect(openblas_get_num_threads() >= 1)
    }
}
