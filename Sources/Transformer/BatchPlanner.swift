/// Groups sequences of different lengths into batches with little padding.
///
/// Sequences are sorted by length (longest first, ties in caller order) and cut greedily whenever a
/// batch reaches `maxBatchSize` sequences or its padded size (`count × longest`) would exceed
/// `maxPaddedTokens`. A single sequence longer than `maxPaddedTokens` still gets its own batch.
public struct BatchPlanner: Sendable, Equatable {
    /// The most sequences in one batch.
    public var maxBatchSize: Int
    /// The most padded tokens (`sequences × longest length`) in one batch, or nil for no limit.
    public var maxPaddedTokens: Int?

    /// A planner with the given limits (`maxBatchSize` below 1 counts as 1).
    public init(maxBatchSize: Int = 8, maxPaddedTokens: Int? = nil) {
        self.maxBatchSize = max(1, maxBatchSize)
        self.maxPaddedTokens = maxPaddedTokens
    }

    /// Batches of indices into `lengths`; every index appears exactly once.
    public func batches(forLengths lengths: [Int]) -> [[Int]] {
        let order = lengths.indices.sorted { (lengths[$1], $0) < (lengths[$0], $1) }
        var batches: [[Int]] = []
        var current: [Int] = []
        var longest = 0
        for index in order {
            let width = max(longest, lengths[index])
            let tooMany = current.count + 1 > maxBatchSize
            let tooLarge = maxPaddedTokens.map { (current.count + 1) * width > $0 } ?? false
            if !current.isEmpty && (tooMany || tooLarge) {
                batches.append(current)
                current = []
                longest = 0
            }
            current.append(index)
            longest = max(longest, lengths[index])
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    /// Runs `body` on each planned batch of `items` and returns its per-item results in the caller's order.
    public func map<Item, Result>(
        _ items: [Item], length: (Item) -> Int, _ body: ([Item]) throws -> [Result]
    ) rethrows -> [Result] {
        var results = [Result?](repeating: nil, count: items.count)
        for batch in batches(forLengths: items.map(length)) {
            let outputs = try body(batch.map { items[$0] })
            precondition(outputs.count == batch.count, "a batch must produce one result per item")
            for (index, output) in zip(batch, outputs) { results[index] = output }
        }
        let ordered = results.compactMap { $0 }
        precondition(ordered.count == items.count, "every item belongs to exactly one batch")
        return ordered
    }
}
