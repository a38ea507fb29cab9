/// Recall@k and MRR@k over a set of queries, accumulated one ranked list at a time.
///
/// A query is found at the first rank whose id is one of its relevant ids. Recall@k is the fraction
/// of queries found within the top k (with one relevant id per query, as in SQuAD, this is recall;
/// with several, e.g. one paragraph in 11 languages, it is "any relevant retrieved"). MRR@k averages
/// 1/rank over queries, counting 0 for those not found within k.
public struct RetrievalMetrics: Equatable, Sendable {
    /// The cut-offs Recall is reported at.
    public let ks: [Int]
    /// The cut-off MRR is computed at.
    public let mrrCutoff: Int
    /// Queries recorded so far.
    public private(set) var queryCount = 0
    private var foundWithin: [Int]
    private var reciprocalRankSum = 0.0

    /// Creates an empty accumulator for Recall at `ks` and MRR at `mrrCutoff`.
    public init(ks: [Int] = [1, 5, 20], mrrCutoff: Int = 20) {
        precondition(ks.allSatisfy { $0 > 0 } && mrrCutoff > 0, "cut-offs must be positive")
        self.ks = ks
        self.mrrCutoff = mrrCutoff
        self.foundWithin = Array(repeating: 0, count: ks.count)
    }

    /// Records one query's ranking (best first) against its relevant ids.
    public mutating func record<ID: Hashable>(ranking: [ID], relevant: Set<ID>) {
        queryCount += 1
        let depth = max(ks.max() ?? 0, mrrCutoff)
        guard let index = ranking.prefix(depth).firstIndex(where: relevant.contains) else { return }
        let rank = index + 1
        for (i, k) in ks.enumerated() where rank <= k { foundWithin[i] += 1 }
        if rank <= mrrCutoff { reciprocalRankSum += 1 / Double(rank) }
    }

    /// Records a query with a single relevant id.
    public mutating func record<ID: Hashable>(ranking: [ID], relevant: ID) {
        record(ranking: ranking, relevant: [relevant])
    }

    /// Fraction of queries found within the top `k`; `k` must be one of `ks`.
    public func recall(at k: Int) -> Double {
        guard let index = ks.firstIndex(of: k) else { preconditionFailure("Recall@\(k) was not requested") }
        return queryCount == 0 ? 0 : Double(foundWithin[index]) / Double(queryCount)
    }

    /// Mean reciprocal rank at `mrrCutoff`.
    public var meanReciprocalRank: Double { queryCount == 0 ? 0 : reciprocalRankSum / Double(queryCount) }

    /// A plain summary for JSON output: "recall@k" and "mrr@k" keys.
    public var summary: [String: Double] {
        var result = ["mrr@\(mrrCutoff)": meanReciprocalRank]
        for k in ks { result["recall@\(k)"] = recall(at: k) }
        return result
    }
}
