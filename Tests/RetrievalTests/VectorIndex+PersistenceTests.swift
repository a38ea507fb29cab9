import Foundation
import Retrieval
import Testing

@Suite("VectorIndex persistence")
struct VectorIndexPersistenceTests {
    static let dimension = 8

    static func sampleIndex(kind: VectorIndexKind = .flat, seed: UInt64 = 11, count: Int = 30) throws -> (
        VectorIndex, [[Float]], [Int64]
    ) {
        var random = TestVectors(seed: seed)
        let vectors = random.unitVectors(count, dimension: dimension)
        let ids = (0..<count).map { Int64(500 + $0) }
        let index = try VectorIndex(model: e5Small, dimension: dimension, kind: kind)
        index.searchBreadth = 64  // HNSW: above the vector count, so searches are exact
        try index.add(vectors, ids: ids)
        return (index, vectors, ids)
    }

    @Test("the folder sits next to the database: indexes/askdocs.sqlite → indexes/askdocs.vectors")
    func locationBesideDatabase() {
        let location = VectorIndexLocation(databaseURL: URL(fileURLWithPath: "/data/indexes/askdocs.sqlite"))
        #expect(location.directory.path == "/data/indexes/askdocs.vectors")
        #expect(location.manifestURL.path == "/data/indexes/askdocs.vectors/manifest.json")
    }

    @Test(
        "save and open round-trips vectors, ids, tombstones and the manifest",
        arguments: [
            VectorIndexKind.flat, .hnsw(neighbors: 8),
        ])
    func roundTrip(kind: VectorIndexKind) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let location = VectorIndexLocation(databaseURL: folder.appendingPathComponent("askdocs.sqlite"))
        let (index, vectors, ids) = try Self.sampleIndex(kind: kind)
        try index.remove(ids: [ids[4]])
        try index.save(to: location)

        let manifest = try VectorIndex.readManifest(at: location)
        #expect(manifest.formatVersion == VectorIndexManifest.currentFormatVersion)
        #expect(manifest.model == e5Small)
        #expect(manifest.dimension == Self.dimension)
        #expect(manifest.metric == .innerProduct)
        #expect(manifest.factory == kind.factory)
        #expect(manifest.chunkCount == (kind == .flat ? 29 : 30))
        #expect(manifest.tombstones == (kind == .flat ? [] : [ids[4]]))

        let reopened = try VectorIndex.open(at: location, expecting: e5Small, dimension: Self.dimension)
        reopened.searchBreadth = 64
        #expect(reopened.count == 29)
        #expect(reopened.kind == kind)
        #expect(reopened.chunkIDs == index.chunkIDs)
        for (vector, id) in zip(vectors, ids) where id != ids[4] {
            #expect(try reopened.search(vector, k: 1).first?.chunkID == id)
        }
        #expect(try reopened.search(vectors[4], k: 29).allSatisfy { $0.chunkID != ids[4] })

        // A reopened index still knows its vectors by id, so HNSW can be rebuilt from disk.
        try reopened.rebuild()
        #expect(reopened.tombstoneCount == 0)
        #expect(reopened.count == 29)
        #expect(try reopened.search(vectors[5], k: 1).first?.chunkID == ids[5])

        // Saving again replaces the generation and leaves exactly one set of files.
        try reopened.add([vectors[4]], ids: [9999])
        try reopened.save(to: location)
        let files = try FileManager.default.contentsOfDirectory(atPath: location.directory.path).sorted()
        #expect(files.count == 3)
        #expect(files.contains("manifest.json"))
        #expect(try VectorIndex.open(at: location, expecting: e5Small).contains(9999))
    }

    @Test("opening with another model or dimension is refused with the reindex hint")
    func modelMismatchRefused() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let location = VectorIndexLocation(directory: folder.appendingPathComponent("askdocs.vectors"))
        try Self.sampleIndex().0.save(to: location)

        let other = EmbeddingModelIdentity(id: "BAAI/bge-m3")
        let error = VectorIndexError.modelMismatch(built: e5Small.description, requested: "BAAI/bge-m3")
        #expect(throws: error) { try VectorIndex.open(at: location, expecting: other) }
        #expect(
            error.localizedDescription
                == "index was built with intfloat/multilingual-e5-small@fd1525a; this query uses BAAI/bge-m3; rebuild the "
                + "index with BAAI/bge-m3 or use intfloat/multilingual-e5-small@fd1525a"
        )

        let otherRevision = EmbeddingModelIdentity(id: e5Small.id, revision: "0000000")
        #expect(throws: VectorIndexError.self) { try VectorIndex.open(at: location, expecting: otherRevision) }
        #expect(
            throws: VectorIndexError.modelMismatch(
                built: "\(e5Small) (8 dimensions)", requested: "\(e5Small) (384 dimensions)")
        ) {
            try VectorIndex.open(at: location, expecting: e5Small, dimension: 384)
        }
        // Same id with an unknown revision is accepted.
        #expect(try VectorIndex.open(at: location, expecting: EmbeddingModelIdentity(id: e5Small.id)).count == 30)
    }

    @Test("a save stopped before the manifest leaves the previous index intact and readable")
    func interruptedSaveKeepsPreviousIndex() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let location = VectorIndexLocation(directory: folder.appendingPathComponent("askdocs.vectors"))
        let (index, vectors, ids) = try Self.sampleIndex()
        try index.save(to: location)
        let before = try VectorIndex.readManifest(at: location)

        try index.remove(ids: ids[0..<10])
        var random = TestVectors(seed: 99)
        try index.add(random.unitVectors(5, dimension: Self.dimension), ids: [1, 2, 3, 4, 5])
        #expect(throws: VectorIndexError.self) { try index.save(to: location, stoppingAt: .beforeManifest) }

        #expect(try VectorIndex.readManifest(at: location) == before)
        let reopened = try VectorIndex.open(at: location, expecting: e5Small)
        #expect(reopened.count == 30)
        #expect(reopened.chunkIDs == ids)
        #expect(try reopened.search(vectors[0], k: 1).first?.chunkID == ids[0])

        // The next successful save switches over and cleans up the orphaned generation.
        try index.save(to: location)
        let files = try FileManager.default.contentsOfDirectory(atPath: location.directory.path)
        #expect(files.count == 3)
        #expect(try VectorIndex.open(at: location, expecting: e5Small).chunkIDs == [1, 2, 3, 4, 5] + Array(ids[10...]))
    }

    @Test("a failing file write removes its temporary file and leaves the target untouched")
    func atomicFileFailure() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let location = VectorIndexLocation(directory: folder.appendingPathComponent("askdocs.vectors"))
        let (index, _, _) = try Self.sampleIndex()
        try index.save(to: location)
        let manifestBefore = try Data(contentsOf: location.manifestURL)
        // Make the manifest's folder entry a directory the rename cannot replace.
        let blocked = VectorIndexLocation(directory: folder.appendingPathComponent("blocked.vectors"))
        try FileManager.default.createDirectory(
            at: blocked.manifestURL.appendingPathComponent("x"), withIntermediateDirectories: true)
        #expect(throws: VectorIndexError.self) { try index.save(to: blocked) }
        let leftovers = try FileManager.default.contentsOfDirectory(atPath: blocked.directory.path)
        #expect(!leftovers.contains { $0.hasSuffix(".tmp") })
        #expect(try Data(contentsOf: location.manifestURL) == manifestBefore)
    }

    @Test("missing, corrupt, truncated and future-format indexes give one-line errors")
    func damagedIndexes() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let location = VectorIndexLocation(directory: folder.appendingPathComponent("askdocs.vectors"))
        #expect(throws: VectorIndexError.missing(path: location.directory.path)) {
            try VectorIndex.open(at: location, expecting: e5Small)
        }

        try Self.sampleIndex().0.save(to: location)
        let manifest = try VectorIndex.readManifest(at: location)
        let indexURL = location.directory.appendingPathComponent(manifest.indexFile)
        let original = try Data(contentsOf: indexURL)

        func openError() -> String? {
            do {
                _ = try VectorIndex.open(at: location, expecting: e5Small)
                return nil
            } catch {
                return error.localizedDescription
            }
        }

        // Truncated FAISS file: caught by the size check before FAISS reads it.
        try original.prefix(original.count / 2).write(to: indexURL)
        #expect(openError()?.contains("bytes, manifest says") == true)

        // Same size but garbage: FAISS's own error, wrapped.
        try Data(repeating: 0x5A, count: original.count).write(to: indexURL)
        let garbage = openError()
        #expect(garbage?.hasPrefix("vector index at \(indexURL.path) is damaged (FAISS cannot read it") == true)
        #expect(garbage?.contains("\n") == false)

        try FileManager.default.removeItem(at: indexURL)
        #expect(openError()?.contains("file named by the manifest is missing") == true)
        try original.write(to: indexURL)
        #expect(openError() == nil)

        // Manifest that is not JSON, and one from a future format.
        let manifestData = try Data(contentsOf: location.manifestURL)
        try Data("{ not json".utf8).write(to: location.manifestURL)
        #expect(openError()?.contains("manifest is not valid JSON") == true)
        let future = String(decoding: manifestData, as: UTF8.self)
            .replacingOccurrences(of: "\"formatVersion\" : 1", with: "\"formatVersion\" : 7")
        try Data(future.utf8).write(to: location.manifestURL)
        #expect(throws: VectorIndexError.unsupportedFormat(path: location.manifestURL.path, version: 7)) {
            try VectorIndex.open(at: location, expecting: e5Small)
        }
    }

    @Test(
        "a manifest with numbers no saved index has is damaged, naming the field",
        arguments: [
            ("dimension", "-8", "dimension -8 is outside 1...2147483647"),
            ("dimension", "4294967296", "dimension 4294967296 is outside"),
            ("chunkCount", "-1", "chunkCount -1 is negative"), ("idsBytes", "-240", "idsBytes -240 is negative"),
            ("formatVersion", "0", "formatVersion 0 is not a version"),
            ("factory", "\"IVF9223372036854775807,Flat\"", "unknown factory 'IVF9223372036854775807,Flat'"),
        ])
    func manifestNumbersOutOfRange(field: String, value: String, expected: String) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let location = VectorIndexLocation(directory: folder.appendingPathComponent("askdocs.vectors"))
        try Self.sampleIndex().0.save(to: location)
        var object = try #require(
            JSONSerialization.jsonObject(with: Data(contentsOf: location.manifestURL)) as? [String: Any])
        object[field] = try JSONSerialization.jsonObject(with: Data(value.utf8), options: .fragmentsAllowed)
        try JSONSerialization.data(withJSONObject: object).write(to: location.manifestURL)
        #expect {
            try VectorIndex.readManifest(at: location)
        } throws: { error in
            guard case .corrupt(let path, let reason) = error as? VectorIndexError else { return false }
            return path == location.manifestURL.path && reason.hasPrefix(expected)
        }
    }
}
