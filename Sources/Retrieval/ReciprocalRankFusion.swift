/// Reciprocal-rank fusion: merges ranked lists (dense, BM25, ...) by summing `weight / (k + rank)`.
///
/// Ranks count from 1. An id repeated inside one list counts once, at its best rank. Ties are
/// broken deterministically: higher score, then the better (smaller) best rank in any list, then
/// the smaller id.
public struct ReciprocalRankFusion: Sendable, Equatable {
    /// One fused result.
    public struct Result<ID: Hashable & Comparable & Sendable>: Hashable, Sendable {
        /// The fused id.
        public var id: ID
        /// Its fused score.
        public var score: Double
    }

    /// The smoothing constant; 60 is the value from Cormack et al. (2009) that most systems use.
    public var k: Double

    /// Creates a fusion with smoothing constant `k` (positive).
    public init(k: Double = 60) {
        self.k = k
    }

    /// Fuses ranked lists, best first; `weights` (one per list, default all 1) scale each list's votes.
    public func fuse<ID: Hashable & Comparable & Sendable>(
        _ lists: [[ID]], weights: [Double]? = nil, limit: Int? = nil
    ) -> [Result<ID>] {
        precondition(weights == nil || weights?.count == lists.count, "one weight per ranked list")
        var scores: [ID: Double] = [:]
        var bestRank: [ID: Int] = [:]
        for (listIndex, list) in lists.enumerated() {
            let weight = weights?[listIndex] ?? 1
            var seen = Set<ID>()
            for (offset, id) in list.enumerated() where seen.insert(id).inserted {
                let rank = offset + 1
                scores[id, default: 0] += weight / (k + Double(rank))
                bestRank[id] = min(bestRank[id] ?? rank, rank)
            }
        }
        let ordered = scores.sorted { a, b in
            if a.value != b.value { return a.value > b.value }
            let rankA = bestRank[a.key] ?? .max
            let rankB = bestRank[b.key] ?? .max
            if rankA != rankB { return rankA < rankB }
            return a.key < b.key
        }
        let results = ordered.map { Result(id: $0.key, score: $0.value) }
        return limit.map { Array(results.prefix($0)) } ?? results
    }
}
