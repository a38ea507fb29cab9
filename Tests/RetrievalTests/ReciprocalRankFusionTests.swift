import Retrieval
import Testing

@Suite("ReciprocalRankFusion")
struct ReciprocalRankFusionTests {
    @Test("known answer: scores are sums of 1/(60 + rank)")
    func knownScores() {
        let fused = ReciprocalRankFusion().fuse([[Int64(1), 2, 3], [3, 1, 4]])
        #expect(fused.map(\.id) == [1, 3, 2, 4])
        #expect(abs(fused[0].score - (1.0 / 61 + 1.0 / 62)) < 1e-12)
        #expect(abs(fused[1].score - (1.0 / 63 + 1.0 / 61)) < 1e-12)
        #expect(abs(fused[2].score - 1.0 / 62) < 1e-12)
        #expect(abs(fused[3].score - 1.0 / 63) < 1e-12)
    }

    @Test("ties: equal scores order by best rank, then by smaller id, whatever the list order")
    func deterministicTies() {
        let fusion = ReciprocalRankFusion(k: 60)
        // 10 and 20 both score 1/61 + 1/62; both have best rank 1, so the smaller id wins.
        #expect(fusion.fuse([[Int64(10), 20], [20, 10]]).map(\.id) == [10, 20])
        #expect(fusion.fuse([[Int64(20), 10], [10, 20]]).map(\.id) == [10, 20])
        // Equal single votes at the same rank in different lists: smaller id first.
        #expect(fusion.fuse([[Int64(7)], [3]]).map(\.id) == [3, 7])
    }

    @Test("weights scale each list; k changes how much rank matters")
    func weightsAndK() {
        let lists: [[Int64]] = [[1, 2], [2, 1]]
        #expect(ReciprocalRankFusion().fuse(lists, weights: [2, 1]).map(\.id) == [1, 2])
        #expect(ReciprocalRankFusion().fuse(lists, weights: [1, 2]).map(\.id) == [2, 1])
        // A document ranked 1st in one list vs one ranked 2nd in both: with small k the first wins.
        let spread: [[Int64]] = [[5, 6], [7, 6]]
        #expect(ReciprocalRankFusion(k: 1).fuse(spread).first?.id == 6)  // 1/3 + 1/3 > 1/2
        #expect(ReciprocalRankFusion(k: 60).fuse(spread).first?.id == 6)
        // Agreement beats one first place at k 60: 6 = 1/62 + 1/64 > 1/61; 5 and 7 tie at 1/61, smaller id first.
        #expect(ReciprocalRankFusion(k: 60).fuse([[5, 6], [7, 8, 9, 6]]).map(\.id) == [6, 5, 7, 8, 9])
    }

    @Test("duplicates in one list count once; empty lists and limits are fine")
    func edgeCases() {
        let fused = ReciprocalRankFusion().fuse([[Int64(4), 4, 5], []])
        #expect(fused.map(\.id) == [4, 5])
        #expect(abs(fused[0].score - 1.0 / 61) < 1e-12)
        #expect(abs(fused[1].score - 1.0 / 63) < 1e-12)
        #expect(ReciprocalRankFusion().fuse([[Int64]]()).isEmpty)
        #expect(ReciprocalRankFusion().fuse([[Int64(1), 2, 3]], limit: 2).map(\.id) == [1, 2])
    }
}
