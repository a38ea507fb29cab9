import Foundation
import Retrieval

/// Deterministic unit vectors for index tests (SplitMix64, so every run and platform sees the same data).
struct TestVectors {
    private var state: UInt64

    init(seed: UInt64) {
        state = seed
    }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform value in [-1, 1).
    mutating func uniform() -> Float {
        Float(Double(next() >> 11) / Double(1 << 53) * 2 - 1)
    }

    /// `count` L2-normalised vectors of `dimension` components.
    mutating func unitVectors(_ count: Int, dimension: Int) -> [[Float]] {
        (0..<count).map { _ in
            let raw = (0..<dimension).map { _ in uniform() }
            let norm = raw.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return raw.map { $0 / norm }
        }
    }
}

/// Exact inner-product ranking, the ground truth the FAISS results are checked against.
func bruteForce(_ query: [Float], _ vectors: [[Float]], ids: [Int64], k: Int, allowed: (Int64) -> Bool = { _ in true })
    -> [Int64]
{
    let scored = zip(vectors, ids).filter { allowed($0.1) }.map { vector, id in
        (id, zip(query, vector).reduce(Float(0)) { $0 + $1.0 * $1.1 })
    }
    return scored.sorted { $0.1 != $1.1 ? $0.1 > $1.1 : $0.0 < $1.0 }.prefix(k).map(\.0)
}

/// A fresh empty folder under the temporary directory.
func temporaryFolder() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-retrieval-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// The model identity the index tests build with.
let e5Small = EmbeddingModelIdentity(id: "intfloat/multilingual-e5-small", revision: "fd1525a")
