import Foundation
import Retrieval
import Testing

@Suite("VectorIndex")
struct VectorIndexTests {
    static let dimension = 16

    @Test("Flat search returns exact inner-product order with chunk ids and no -1 padding")
    func flatSearch() throws {
        var random = TestVectors(seed: 1)
        let vectors = random.unitVectors(50, dimension: Self.dimension)
        let ids = (0..<50).map { Int64(1000 + $0 * 7) }
        let index = try VectorIndex(model: e5Small, dimension: Self.dimension)
        try index.add(vectors, ids: ids)
        #expect(index.count == 50)
        let query = random.unitVectors(1, dimension: Self.dimension)[0]
        let hits = try index.search(query, k: 10)
        #expect(hits.map(\.chunkID) == bruteForce(query, vectors, ids: ids, k: 10))
        #expect(zip(hits, hits.dropFirst()).allSatisfy { $0.score >= $1.score })
        // Asking for more than exist returns what exists, never FAISS's -1 padding.
        #expect(try index.search(query, k: 80).count == 50)
    }

    @Test("removal by id keeps every other id searchable and ranked right")
    func removalKeepsOtherIDs() throws {
        var random = TestVectors(seed: 2)
        let vectors = random.unitVectors(40, dimension: Self.dimension)
        let ids = (0..<40).map { Int64($0 * 3 + 5) }
        let index = try VectorIndex(model: e5Small, dimension: Self.dimension)
        try index.add(vectors, ids: ids)
        let removed: Set<Int64> = [ids[3], ids[17], ids[39], 999_999]
        #expect(try index.remove(ids: removed) == 3)
        #expect(index.count == 37)
        #expect(index.tombstoneCount == 0)
        #expect(!index.contains(ids[3]))
        for (vector, id) in zip(vectors, ids) {
            let top = try index.search(vector, k: 1)
            if removed.contains(id) {
                #expect(top.first?.chunkID != id)
            } else {
                #expect(top.first?.chunkID == id)
            }
        }
        let query = random.unitVectors(1, dimension: Self.dimension)[0]
        let expected = bruteForce(query, vectors, ids: ids, k: 37) { !removed.contains($0) }
        #expect(try index.search(query, k: 37).map(\.chunkID) == expected)
        // A removed id can be added again.
        try index.add([vectors[3]], ids: [ids[3]])
        #expect(try index.search(vectors[3], k: 1).first?.chunkID == ids[3])
    }

    @Test("adding an id twice, a wrong dimension or mismatched counts is an error")
    func invalidAdds() throws {
        let index = try VectorIndex(model: e5Small, dimension: 4)
        try index.add([[1, 0, 0, 0]], ids: [7])
        #expect(throws: VectorIndexError.duplicateID(7)) { try index.add([[0, 1, 0, 0]], ids: [7]) }
        #expect(throws: VectorIndexError.duplicateID(8)) {
            try index.add([[0, 1, 0, 0], [0, 0, 1, 0]], ids: [8, 8])
        }
        #expect(throws: VectorIndexError.dimensionMismatch(expected: 4, got: 3)) {
            try index.add([[1, 0, 0]], ids: [9])
        }
        #expect(throws: VectorIndexError.self) { try index.add([[1, 0, 0, 0]], ids: [1, 2]) }
        #expect(throws: VectorIndexError.dimensionMismatch(expected: 4, got: 2)) { try index.search([1, 0], k: 1) }
        #expect(index.count == 1)
    }

    @Test("HNSW: removal leaves tombstones, searches skip them and still return k, rebuild drops them")
    func hnswTombstonesAndRebuild() throws {
        var random = TestVectors(seed: 3)
        let vectors = random.unitVectors(200, dimension: Self.dimension)
        let ids = (0..<200).map { Int64($0) }
        let index = try VectorIndex(model: e5Small, dimension: Self.dimension, kind: .hnsw(neighbors: 16))
        // HNSW is built by several threads and is approximate; efSearch above the vector count makes the
        // search visit the whole graph, so results are exact and the test deterministic.
        index.searchBreadth = 256
        try index.add(vectors, ids: ids)
        let query = vectors[10]
        let before = try index.search(query, k: 10).map(\.chunkID)
        #expect(before.first == 10)

        // Delete the 30 nearest neighbours of the query: all of the current top 10 among them.
        let nearest = bruteForce(query, vectors, ids: ids, k: 30)
        #expect(try index.remove(ids: nearest) == 30)
        #expect(index.tombstoneCount == 30)
        #expect(index.count == 170)
        #expect(!index.needsRebuild)  // 30 / 200 = 0.15 <= 0.2
        let after = try index.search(query, k: 10)
        #expect(after.count == 10)
        #expect(Set(after.map(\.chunkID)).isDisjoint(with: nearest))
        let expected = bruteForce(query, vectors, ids: ids, k: 10) { !nearest.contains($0) }
        #expect(after.map(\.chunkID) == expected)

        let more = Set(ids.filter { !nearest.contains($0) }.suffix(20))
        #expect(try index.remove(ids: more) == 20)
        #expect(try index.remove(ids: more) == 0)  // already gone
        #expect(index.needsRebuild)  // 50 / 200 = 0.25
        try index.rebuild()
        #expect(index.tombstoneCount == 0)
        #expect(index.count == 150)
        #expect(!index.needsRebuild)
        let gone = Set(nearest).union(more)
        #expect(
            try index.search(query, k: 10).map(\.chunkID)
                == bruteForce(query, vectors, ids: ids, k: 10) { !gone.contains($0) })
        #expect(try index.search(vectors[199], k: 150).allSatisfy { !gone.contains($0.chunkID) })
    }

    @Test("HNSW: re-adding a tombstoned id (a reused SQLite rowid) replaces the old vector")
    func hnswReusedID() throws {
        var random = TestVectors(seed: 4)
        let vectors = random.unitVectors(20, dimension: Self.dimension)
        let index = try VectorIndex(model: e5Small, dimension: Self.dimension, kind: .hnsw(neighbors: 8))
        index.searchBreadth = 64  // above the vector count: exact, see hnswTombstonesAndRebuild
        try index.add(vectors, ids: Array(0..<20))
        try index.remove(ids: [5])
        let replacement = random.unitVectors(1, dimension: Self.dimension)[0]
        try index.add([replacement], ids: [5])
        #expect(index.tombstoneCount == 0)
        #expect(index.count == 20)
        #expect(try index.search(replacement, k: 1).first?.chunkID == 5)
        #expect(try index.search(vectors[5], k: 1).first?.chunkID != 5)
    }

    @Test("IVF: adding before training fails, training picks a list count, too few vectors is a clear error")
    func ivfTraining() throws {
        var random = TestVectors(seed: 5)
        let vectors = random.unitVectors(400, dimension: Self.dimension)
        let ids = (0..<400).map { Int64($0 + 1) }

        let automatic = try VectorIndex(model: e5Small, dimension: Self.dimension, kind: .ivfFlat(lists: nil))
        #expect(!automatic.isTrained)
        #expect(throws: VectorIndexError.notTrained(factory: "IVF,Flat")) { try automatic.add(vectors, ids: ids) }
        try automatic.train(on: vectors)
        #expect(automatic.isTrained)
        // 4·√400 = 80, capped at 400 / 39 = 10 lists.
        #expect(automatic.kind == .ivfFlat(lists: 10))
        try automatic.add(vectors, ids: ids)
        #expect(automatic.count == 400)
        for probe in [0, 77, 399] {
            #expect(try automatic.search(vectors[probe], k: 1).first?.chunkID == ids[probe])
        }
        // Only 5 ids pass (80, 160, ... 400), so the search grows to an exhaustive last round and
        // returns exactly what brute force finds, although nprobe is below the list count.
        let query = vectors[3]
        let allowed: (Int64) -> Bool = { $0 % 80 == 0 }
        #expect(
            try automatic.search(query, k: 5, where: allowed).map(\.chunkID)
                == bruteForce(query, vectors, ids: ids, k: 5, allowed: allowed))
        // IVF can delete.
        #expect(try automatic.remove(ids: [ids[77]]) == 1)
        #expect(automatic.tombstoneCount == 0)

        let tooBig = try VectorIndex(
            model: e5Small, dimension: Self.dimension, kind: try VectorIndexKind(factory: "IVF64,Flat"))
        #expect(
            throws: VectorIndexError.tooFewTrainingVectors(
                factory: "IVF64,Flat", have: 400, need: 2496, suggestion: "Flat or IVF10,Flat")
        ) {
            try tooBig.train(on: vectors)
        }
        let message = VectorIndexError.tooFewTrainingVectors(
            factory: "IVF64,Flat", have: 400, need: 2496, suggestion: "Flat or IVF10,Flat"
        ).localizedDescription
        #expect(message == "IVF64,Flat needs at least 2496 training vectors, got 400; use Flat or IVF10,Flat")
    }

    @Test("IVF-PQ trains on 256+ vectors and finds each stored vector first")
    func ivfPQ() throws {
        var random = TestVectors(seed: 6)
        let vectors = random.unitVectors(300, dimension: Self.dimension)
        let index = try VectorIndex(
            model: e5Small, dimension: Self.dimension, kind: try VectorIndexKind(factory: "IVF4,PQ4"))
        #expect(throws: VectorIndexError.self) { try index.train(on: Array(vectors.prefix(100))) }
        try index.train(on: vectors)
        try index.add(vectors, ids: (0..<300).map { Int64($0) })
        let hits = try index.search(vectors[42], k: 5)
        #expect(hits.count == 5)
        #expect(hits.map(\.chunkID).contains(42))
        #expect(throws: VectorIndexError.self) {
            try VectorIndex(model: e5Small, dimension: 16, kind: .ivfPQ(lists: 4, subquantizers: 5))
        }
    }

    @Test(
        "filtered search returns k results whenever k allowed vectors exist",
        arguments: [
            VectorIndexKind.flat, .hnsw(neighbors: 16),
        ])
    func filteredSearchReturnsK(kind: VectorIndexKind) throws {
        var random = TestVectors(seed: 7)
        let vectors = random.unitVectors(300, dimension: Self.dimension)
        let ids = (0..<300).map { Int64($0) }
        let index = try VectorIndex(model: e5Small, dimension: Self.dimension, kind: kind)
        index.searchBreadth = 512  // HNSW: above the vector count, exact (see hnswTombstonesAndRebuild)
        try index.add(vectors, ids: ids)
        let query = random.unitVectors(1, dimension: Self.dimension)[0]
        // Allowed ids are rare (every 25th: 12 of 300), so the first rounds of 2k, 4k... find too few.
        let allowed: (Int64) -> Bool = { $0 % 25 == 0 }
        let hits = try index.search(query, k: 10, where: allowed)
        #expect(hits.count == 10)
        #expect(hits.allSatisfy { allowed($0.chunkID) })
        #expect(hits.map(\.chunkID) == bruteForce(query, vectors, ids: ids, k: 10, allowed: allowed))
        // Fewer allowed than k: all of them, then exhausted.
        #expect(try index.search(query, k: 20, where: allowed).count == 12)
        // Tombstoned or removed ids never pass the filter.
        try index.remove(ids: [0, 25])
        let remaining = try index.search(query, k: 20, where: allowed)
        #expect(remaining.count == 10)
        #expect(!remaining.contains { $0.chunkID == 0 || $0.chunkID == 25 })
    }

    @Test("build trains when needed; concurrent searches from many tasks agree with serial ones")
    func buildAndConcurrentSearch() async throws {
        var random = TestVectors(seed: 8)
        let vectors = random.unitVectors(200, dimension: Self.dimension)
        let ids = (0..<200).map { Int64($0) }
        let index = try VectorIndex.build(
            model: e5Small, dimension: Self.dimension, kind: .ivfFlat(lists: nil), vectors: vectors, ids: ids)
        #expect(index.kind == .ivfFlat(lists: 5))
        index.searchBreadth = 5
        let queries = random.unitVectors(16, dimension: Self.dimension)
        let serial = try queries.map { try index.search($0, k: 5) }
        let concurrent = try await withThrowingTaskGroup(of: (Int, [VectorHit]).self) { group in
            for (i, query) in queries.enumerated() {
                group.addTask { (i, try index.search(query, k: 5)) }
            }
            var results = [[VectorHit]](repeating: [], count: queries.count)
            for try await (i, hits) in group { results[i] = hits }
            return results
        }
        #expect(concurrent == serial)
        #expect(serial.map { $0.map(\.chunkID) } == queries.map { bruteForce($0, vectors, ids: ids, k: 5) })
    }

    @Test("an empty index searches to nothing")
    func emptyIndex() throws {
        let index = try VectorIndex(model: e5Small, dimension: 4)
        #expect(try index.search([1, 0, 0, 0], k: 3).isEmpty)
        #expect(try index.search([1, 0, 0, 0], k: 3) { _ in true }.isEmpty)
        #expect(throws: VectorIndexError.self) { try index.search([1, 0, 0, 0], k: 0) }
    }
}
