import CFaiss
import Foundation

extension VectorIndex {
    /// The FAISS search parameter and its value for `kind` when fetching `fetch` results.
    static func breadth(for kind: VectorIndexKind, fetch: Int, override: Int?, exhaustive: Bool) -> (
        name: String, value: Int
    )? {
        switch kind {
        case .flat, .ivfFlat(nil), .ivfPQ(nil, _):
            return nil
        case .hnsw:
            return ("efSearch", max(override ?? 64, fetch))
        case .ivfFlat(let lists?), .ivfPQ(let lists?, _):
            return ("nprobe", exhaustive ? lists : min(lists, override ?? max(8, lists / 8)))
        }
    }

    /// The `k` nearest live vectors to `query`, best first, without FAISS's -1 padding.
    public func search(_ query: [Float], k: Int) throws -> [VectorHit] {
        try search([query], k: k)[0]
    }

    /// Searches several queries in one FAISS call; one ranked list per query.
    public func search(_ queries: [[Float]], k: Int) throws -> [[VectorHit]] {
        guard k > 0 else { throw VectorIndexError.malformedInput("k must be positive, got \(k)") }
        return try locked {
            guard !queries.isEmpty else { return [] }
            // Tombstoned vectors still come back from FAISS, so ask for that many more.
            let fetch = min(storedIDs.count, k + tombstoneSet.count)
            let flat = try flatten(queries)
            guard fetch > 0, handle != nil else { return Array(repeating: [], count: queries.count) }
            let rows = try rawSearch(flat, count: queries.count, fetch: fetch, exhaustive: false)
            return rows.map { row in Array(row.lazy.filter { !self.tombstoneSet.contains($0.chunkID) }.prefix(k)) }
        }
    }

    /// The `k` nearest live vectors whose chunk id `isAllowed` accepts (a metadata filter).
    ///
    /// FAISS cannot filter here, so this searches for 2k, 4k, ... results and filters them, until
    /// k pass or the whole index was searched (the last round searches approximate indexes
    /// exhaustively), so it returns k results whenever k allowed vectors exist (HNSW: approximately).
    public func search(_ query: [Float], k: Int, where isAllowed: (Int64) -> Bool) throws -> [VectorHit] {
        guard k > 0 else { throw VectorIndexError.malformedInput("k must be positive, got \(k)") }
        return try locked {
            let total = storedIDs.count
            let flat = try flatten([query])
            guard total > 0, handle != nil else { return [] }
            var fetch = min(total, max(2 * k, k + tombstoneSet.count))
            while true {
                let exhaustive = fetch >= total
                let row = try rawSearch(flat, count: 1, fetch: fetch, exhaustive: exhaustive)[0]
                let passing = row.filter { !tombstoneSet.contains($0.chunkID) && isAllowed($0.chunkID) }
                if passing.count >= k || exhaustive { return Array(passing.prefix(k)) }
                fetch = min(total, fetch * 2)
            }
        }
    }

    /// One FAISS search (lock held): `fetch` results per query, -1 padding dropped.
    func rawSearch(_ flat: [Float], count: Int, fetch: Int, exhaustive: Bool) throws -> [[VectorHit]] {
        guard let handle else { return Array(repeating: [], count: count) }
        if let (name, value) = Self.breadth(
            for: kindStorage, fetch: fetch, override: breadthOverride, exhaustive: exhaustive)
        {
            try check(cfaiss_index_set_parameter(handle, name, Double(value)), "set \(name)")
        }
        var scores = [Float](repeating: 0, count: count * fetch)
        var labels = [Int64](repeating: -1, count: count * fetch)
        try check(cfaiss_index_search(handle, Int64(count), flat, Int64(fetch), &scores, &labels), "search")
        return (0..<count).map { q in
            (0..<fetch).compactMap { j in
                let label = labels[q * fetch + j]
                return label < 0 ? nil : VectorHit(chunkID: label, score: scores[q * fetch + j])
            }
        }
    }
}
