import Retrieval
import Testing

@Suite("VectorIndexKind")
struct VectorIndexKindTests {
    @Test(
        "factory strings parse and print back",
        arguments: ["Flat", "HNSW32", "IVF256,Flat", "IVF,Flat", "IVF1024,PQ16", "IVF,PQ8"])
    func roundTrip(factory: String) throws {
        #expect(try VectorIndexKind(factory: factory).factory == factory)
    }

    @Test(
        "unsupported factory strings are refused",
        arguments: [
            "", "flat", "HNSW", "IVF0,Flat", "IVF16,PQ", "IVF16,SQ8", "PQ16", "LSH",
            // Numbers FAISS would allocate by (or that overflow `lists × 39` and trap): bounded.
            "IVF9223372036854775807,Flat", "IVF1048577,PQ8", "HNSW1025", "HNSW4294967296", "IVF16,PQ65537",
        ])
    func refused(factory: String) {
        #expect(throws: VectorIndexError.unsupportedFactory(factory)) { try VectorIndexKind(factory: factory) }
    }

    @Test("the largest accepted numbers parse")
    func limits() throws {
        #expect(try VectorIndexKind(factory: "IVF1048576,Flat") == .ivfFlat(lists: 1 << 20))
        #expect(try VectorIndexKind(factory: "HNSW1024") == .hnsw(neighbors: 1024))
        #expect(try VectorIndexKind(factory: "IVF,PQ65536") == .ivfPQ(lists: nil, subquantizers: 1 << 16))
    }

    @Test("an index over a kind beyond the limits, or a dimension beyond FAISS's int, is refused, not trapped")
    func refusedIndexes() {
        #expect(throws: VectorIndexError.unsupportedFactory("IVF9223372036854775807,Flat")) {
            try VectorIndex(model: e5Small, dimension: 8, kind: .ivfFlat(lists: .max))
        }
        // Int32(dimension) trapped in makeHandle.
        #expect(throws: VectorIndexError.self) { try VectorIndex(model: e5Small, dimension: 1 << 31) }
    }

    @Test("suggested list count: 4·√n, at most n / 39, at least 1")
    func suggestedLists() {
        #expect(VectorIndexKind.suggestedLists(forVectorCount: 0) == 1)
        #expect(VectorIndexKind.suggestedLists(forVectorCount: 100) == 2)
        #expect(VectorIndexKind.suggestedLists(forVectorCount: 10_000) == 256)
        #expect(VectorIndexKind.suggestedLists(forVectorCount: 1_000_000) == 4000)
    }
}
