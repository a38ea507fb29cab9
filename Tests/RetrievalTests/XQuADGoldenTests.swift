import Foundation
import Retrieval
import TestSupport
import Testing

/// Swift's VectorIndex, RRF and metrics against the Python reference (faiss IndexFlatIP, the same
/// RRF, Python BM25 lists) on real multilingual-e5-small embeddings of XQuAD English.
@Suite("XQuAD golden (e5-small embeddings)")
struct XQuADGoldenTests {
    struct Golden: Decodable {
        struct Metrics: Decodable, Equatable {
            var recall1: Double
            var recall5: Double
            var recall20: Double
            var mrr20: Double
            enum CodingKeys: String, CodingKey {
                case recall1 = "recall@1", recall5 = "recall@5", recall20 = "recall@20", mrr20 = "mrr@20"
            }
        }
        var dimension: Int
        var passageKeys: [[Int]]
        var questionKeys: [[Int]]
        var denseTop20Ids: [[Int64]]
        var denseTop20Scores: [[Float]]
        var bm25Ids: [[Int64]]
        var hybridTop20Ids: [[Int64]]
        var rrfK: Double
        var expected: [String: Metrics]
    }

    struct Fixture {
        var golden: Golden
        var passages: [[Float]]
        var questions: [[Float]]
    }

    static func load() throws -> Fixture {
        let folder = try #require(Bundle.module.url(forResource: "Fixtures", withExtension: nil))
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let golden = try decoder.decode(
            Golden.self, from: Data(contentsOf: folder.appendingPathComponent("xquad-en-e5-small.json")))
        let halves = try Data(contentsOf: folder.appendingPathComponent("xquad-en-e5-small.f16"))
        let floats = halves.withUnsafeBytes { buffer in
            stride(from: 0, to: buffer.count, by: 2).map {
                floatFromHalf(UInt16(littleEndian: buffer.loadUnaligned(fromByteOffset: $0, as: UInt16.self)))
            }
        }
        let d = golden.dimension
        let rows = (0..<(floats.count / d)).map { Array(floats[$0 * d..<($0 + 1) * d]) }
        let passageCount = golden.passageKeys.count
        return Fixture(golden: golden, passages: Array(rows[..<passageCount]), questions: Array(rows[passageCount...]))
    }

    /// IEEE binary16 to Float, written out so the test does not depend on the platform's Float16 support.
    static func floatFromHalf(_ bits: UInt16) -> Float {
        let sign: Float = bits & 0x8000 == 0 ? 1 : -1
        let exponent = Int((bits >> 10) & 0x1F)
        let mantissa = Float(bits & 0x3FF)
        if exponent == 0 { return sign * mantissa * 0x1p-24 }
        if exponent == 31 { return mantissa == 0 ? sign * .infinity : .nan }
        return sign * (1 + mantissa / 1024) * Float(sign: .plus, exponent: exponent - 15, significand: 1)
    }

    static func metrics(_ rankings: [[Int64]], _ fixture: Fixture) -> Golden.Metrics {
        var metrics = RetrievalMetrics(ks: [1, 5, 20], mrrCutoff: 20)
        for (ranking, key) in zip(rankings, fixture.golden.questionKeys) {
            metrics.record(ranking: ranking.map { fixture.golden.passageKeys[Int($0)] }, relevant: key)
        }
        func rounded(_ value: Double) -> Double { (value * 10_000).rounded() / 10_000 }
        return .init(
            recall1: rounded(metrics.recall(at: 1)), recall5: rounded(metrics.recall(at: 5)),
            recall20: rounded(metrics.recall(at: 20)), mrr20: rounded(metrics.meanReciprocalRank))
    }

    @Test("dense Flat search, BM25 lists and RRF hybrid reproduce Python's rankings and metrics")
    func denseBM25Hybrid() throws {
        let fixture = try Self.load()
        let golden = fixture.golden
        #expect(fixture.passages.count == 240)
        #expect(fixture.questions.count == golden.questionKeys.count)
        let index = try VectorIndex.build(
            model: e5Small, dimension: golden.dimension, vectors: fixture.passages,
            ids: (0..<fixture.passages.count).map(Int64.init))
        let dense = try index.search(fixture.questions, k: 100).map { $0.map(\.chunkID) }
        let denseHits = try index.search(fixture.questions, k: 20)

        // Scores agree to float precision; ids agree except where two scores tie within that precision. Both sides
        // take float32 dot products of the same unit vectors in other orders: one reduction of length n under
        // RoundingTolerance's model, with Σ|qᵢpᵢ| ≤ ‖q‖‖p‖ = 1 as the magnitude: 4·2·√n·u ≈ 9.3e-6 for n = 384
        // (the worst case 2·γₙ is 4.6e-5).
        let bound = RoundingTolerance(reductionLengths: [golden.dimension]).absolute(magnitude: 1)
        var reordered = 0
        for (q, hits) in denseHits.enumerated() {
            for (j, hit) in hits.enumerated() {
                #expect(abs(hit.score - golden.denseTop20Scores[q][j]) <= bound)
                if hit.chunkID != golden.denseTop20Ids[q][j] { reordered += 1 }
            }
        }
        #expect(reordered <= 2)
        #expect(Self.metrics(dense, fixture) == golden.expected["dense"])
        #expect(Self.metrics(golden.bm25Ids, fixture) == golden.expected["bm25"])

        let fusion = ReciprocalRankFusion(k: golden.rrfK)
        let hybrid = zip(dense, golden.bm25Ids).map { fusion.fuse([$0, $1]).map(\.id) }
        #expect(Self.metrics(hybrid, fixture) == golden.expected["hybrid"])
        let sameTop20 = zip(hybrid, golden.hybridTop20Ids).filter { Array($0.prefix(20)) == $1 }.count
        #expect(sameTop20 >= hybrid.count - 2)
    }
}
