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
        arguments: ["", "flat", "HNSW", "IVF0,Flat", "IVF16,PQ", "IVF16,SQ8", "PQ16", "LSH"])
    func refused(factory: String) {
        #expect(throws: VectorIndexError.unsupportedFactory(factory)) { try VectorIndexKind(factory: factory) }
    }

    @Test("suggested list count: 4·√n, at most n / 39, at least 1")
    func suggestedLists() {
        #expect(VectorIndexKind.suggestedLists(forVectorCount: 0) == 1)
        #expect(VectorIndexKind.suggestedLists(forVectorCount: 100) == 2)
        #expect(VectorIndexKind.suggestedLists(forVectorCount: 10_000) == 256)
        #expect(VectorIndexKind.suggestedLists(forVectorCount: 1_000_000) == 4000)
    }
}
