import Testing

@testable import Transformer

@Suite("Batch planner")
struct BatchPlannerTests {
    @Test("sorts by length and cuts at the batch size")
    func batchSize() {
        let planner = BatchPlanner(maxBatchSize: 2)
        #expect(planner.batches(forLengths: [3, 10, 5, 10, 1]) == [[1, 3], [2, 0], [4]])
    }

    @Test("cuts when the padded size would exceed the token budget; an oversized sequence stands alone")
    func tokenBudget() {
        let planner = BatchPlanner(maxBatchSize: 100, maxPaddedTokens: 20)
        #expect(planner.batches(forLengths: [5, 30, 5, 10, 4]) == [[1], [3, 0], [2, 4]])
    }

    @Test("map returns results in the caller's order", arguments: [1, 2, 3, 7])
    func mapOrder(size: Int) {
        let items = ["ccc", "a", "eeeee", "bb", "dddd", "", "ffffff"]
        let planner = BatchPlanner(maxBatchSize: size)
        var batchSizes: [Int] = []
        let result = planner.map(items, length: \.count) { batch in
            batchSizes.append(batch.count)
            return batch.map { $0.uppercased() }
        }
        #expect(result == items.map { $0.uppercased() })
        #expect(batchSizes.allSatisfy { $0 <= size })
    }
}
