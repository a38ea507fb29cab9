import CFaiss
import Foundation
import Testing

@Suite("FAISS shim")
struct FaissTests {
    static let dimension: Int32 = 8

    /// Unit vectors along each axis, so every search result is known exactly.
    static func axisVectors(_ count: Int) -> [Float] {
        var vectors = [Float](repeating: 0, count: count * Int(dimension))
        for i in 0..<count { vectors[i * Int(dimension) + i % Int(dimension)] = 1 + Float(i / Int(dimension)) }
        return vectors
    }

    static func lastError() -> String { String(cString: cfaiss_last_error()) }

    @Test("Flat index: add with ids, search, remove by id, write and read back")
    func flatRoundTripThroughFile() throws {
        var index: OpaquePointer?
        #expect(
            cfaiss_index_new("Flat", Self.dimension, CFAISS_METRIC_INNER_PRODUCT, &index) == 0, "\(Self.lastError())")
        defer { cfaiss_index_free(index) }
        let ids: [Int64] = [100, 101, 102, 103]
        #expect(cfaiss_index_add_with_ids(index, 4, Self.axisVectors(4), ids) == 0)
        #expect(cfaiss_index_ntotal(index) == 4)
        #expect(cfaiss_index_can_remove(index) == 1)

        var query = [Float](repeating: 0, count: Int(Self.dimension))
        query[2] = 1
        var scores = [Float](repeating: 0, count: 2)
        var labels = [Int64](repeating: 0, count: 2)
        #expect(cfaiss_index_search(index, 1, query, 2, &scores, &labels) == 0)
        #expect(labels[0] == 102)
        #expect(scores[0] == 1)

        var removed: Int64 = 0
        #expect(cfaiss_index_remove_ids(index, 1, [102], &removed) == 0)
        #expect(removed == 1)
        #expect(cfaiss_index_ntotal(index) == 3)

        let path = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-faiss-\(UUID()).index").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(cfaiss_index_write(index, path) == 0, "\(Self.lastError())")
        var loaded: OpaquePointer?
        #expect(cfaiss_index_read(path, &loaded) == 0, "\(Self.lastError())")
        defer { cfaiss_index_free(loaded) }
        #expect(cfaiss_index_ntotal(loaded) == 3)
        #expect(cfaiss_index_dimension(loaded) == Self.dimension)
        query = [Float](repeating: 0, count: Int(Self.dimension))
        query[3] = 1
        #expect(cfaiss_index_search(loaded, 1, query, 1, &scores, &labels) == 0)
        #expect(labels[0] == 103)
    }

    @Test("HNSW refuses removal with an error instead of crashing; efSearch is settable")
    func hnswCannotRemove() {
        var index: OpaquePointer?
        #expect(cfaiss_index_new("HNSW8", Self.dimension, CFAISS_METRIC_INNER_PRODUCT, &index) == 0)
        defer { cfaiss_index_free(index) }
        #expect(cfaiss_index_add_with_ids(index, 8, Self.axisVectors(8), Array(0..<8)) == 0)
        #expect(cfaiss_index_set_parameter(index, "efSearch", 32) == 0, "\(Self.lastError())")
        #expect(cfaiss_index_can_remove(index) == 0)
        var removed: Int64 = 0
        #expect(cfaiss_index_remove_ids(index, 1, [3], &removed) != 0)
        #expect(Self.lastError().contains("cannot remove"))
    }

    @Test("IVF needs training; adding before training fails cleanly")
    func ivfTraining() {
        var index: OpaquePointer?
        #expect(cfaiss_index_new("IVF2,Flat", Self.dimension, CFAISS_METRIC_L2, &index) == 0)
        defer { cfaiss_index_free(index) }
        #expect(cfaiss_index_is_trained(index) == 0)
        let vectors = Self.axisVectors(64)
        #expect(cfaiss_index_add_with_ids(index, 64, vectors, Array(0..<64)) != 0)
        #expect(cfaiss_index_train(index, 64, vectors) == 0, "\(Self.lastError())")
        #expect(cfaiss_index_add_with_ids(index, 64, vectors, Array(0..<64)) == 0)
        #expect(cfaiss_index_ntotal(index) == 64)
    }

    @Test("reconstruct returns stored vectors by id (Flat and HNSW), and fails for absent ids and IVF")
    func reconstruct() {
        for factory in ["Flat", "HNSW8"] {
            var index: OpaquePointer?
            #expect(cfaiss_index_new(factory, Self.dimension, CFAISS_METRIC_INNER_PRODUCT, &index) == 0)
            defer { cfaiss_index_free(index) }
            let vectors = Self.axisVectors(12)
            #expect(cfaiss_index_add_with_ids(index, 12, vectors, Array(100..<112)) == 0)
            var out = [Float](repeating: 0, count: 2 * Int(Self.dimension))
            #expect(cfaiss_index_reconstruct(index, 2, [111, 100], &out) == 0, "\(Self.lastError())")
            #expect(Array(out[0..<8]) == Array(vectors[88..<96]))
            #expect(Array(out[8..<16]) == Array(vectors[0..<8]))
            #expect(cfaiss_index_reconstruct(index, 1, [5], &out) != 0)
            #expect(Self.lastError().contains("not in the index"))
        }
        var ivf: OpaquePointer?
        #expect(cfaiss_index_new("IVF1,Flat", Self.dimension, CFAISS_METRIC_L2, &ivf) == 0)
        defer { cfaiss_index_free(ivf) }
        var out = [Float](repeating: 0, count: Int(Self.dimension))
        #expect(cfaiss_index_reconstruct(ivf, 1, [0], &out) != 0)
    }

    @Test("a bad factory string and a missing file are errors, not crashes")
    func errors() {
        var index: OpaquePointer?
        #expect(cfaiss_index_new("NoSuchIndex", Self.dimension, CFAISS_METRIC_L2, &index) != 0)
        #expect(!Self.lastError().isEmpty)
        #expect(cfaiss_index_read("/nonexistent/askdocs.index", &index) != 0)
        #expect(!Self.lastError().isEmpty)
    }
}
