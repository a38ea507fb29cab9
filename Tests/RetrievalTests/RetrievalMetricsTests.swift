import Retrieval
import Testing

@Suite("RetrievalMetrics")
struct RetrievalMetricsTests {
    @Test("known answer: Recall@1/5/20 and MRR@20 over four queries")
    func knownAnswer() {
        var metrics = RetrievalMetrics(ks: [1, 5, 20], mrrCutoff: 20)
        metrics.record(ranking: [7, 8, 9], relevant: 7)  // rank 1
        metrics.record(ranking: [1, 2, 3, 4], relevant: 4)  // rank 4
        metrics.record(ranking: Array(100..<130), relevant: 110)  // rank 11
        metrics.record(ranking: Array(100..<130), relevant: 125)  // rank 26: beyond every cut-off
        #expect(metrics.queryCount == 4)
        #expect(metrics.recall(at: 1) == 0.25)
        #expect(metrics.recall(at: 5) == 0.5)
        #expect(metrics.recall(at: 20) == 0.75)
        #expect(abs(metrics.meanReciprocalRank - (1 + 0.25 + 1.0 / 11) / 4) < 1e-12)
        #expect(metrics.summary["recall@5"] == 0.5)
        #expect(metrics.summary.keys.sorted() == ["mrr@20", "recall@1", "recall@20", "recall@5"])
    }

    @Test("several relevant ids: the first one retrieved counts (cross-lingual paragraph keys)")
    func anyRelevant() {
        var metrics = RetrievalMetrics(ks: [1, 3], mrrCutoff: 3)
        metrics.record(ranking: ["de:4", "en:2", "fr:2"], relevant: ["en:2", "fr:2"])
        metrics.record(ranking: ["x", "y", "z", "en:9"], relevant: ["en:9"])
        #expect(metrics.recall(at: 1) == 0)
        #expect(metrics.recall(at: 3) == 0.5)
        #expect(metrics.meanReciprocalRank == 0.25)
    }

    @Test("MRR cut-off below the largest k ignores ranks past it; no queries gives zeros")
    func cutoffs() {
        var metrics = RetrievalMetrics(ks: [10], mrrCutoff: 2)
        metrics.record(ranking: [1, 2, 3], relevant: 3)
        #expect(metrics.recall(at: 10) == 1)
        #expect(metrics.meanReciprocalRank == 0)
        let empty = RetrievalMetrics()
        #expect(empty.recall(at: 5) == 0)
        #expect(empty.meanReciprocalRank == 0)
    }
}
