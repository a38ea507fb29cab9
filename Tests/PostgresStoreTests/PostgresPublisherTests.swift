import DocumentStore
import Foundation
import Testing

@testable import PostgresStore
@testable import TestSupport

/// An in-memory generation: documents of one chunk per sentence, word terms, 4-dimensional vectors.
struct MemorySource: GenerationSource, @unchecked Sendable {
    // @unchecked: the tests' hooks only touch semaphores and locked boxes.
    var documents: [Int64: (text: String, vectors: [[Float]]?)] = [:]
    var settings: [String: String] = ["search_terms": "words"]
    var vectorModel: String? = "test-model"
    var dimension: Int? = 4
    /// Called before each document is handed out (tests stop or fail a publish there).
    var onDocument: @Sendable (Int64) throws -> Void = { _ in }

    func documentFingerprints() throws -> [Int64: String] {
        documents.mapValues { String($0.text.hashValue) + String(describing: $0.vectors) }
    }

    func document(id: Int64) throws -> GenerationDocument? {
        try onDocument(id)
        guard let (text, vectors) = documents[id] else { return nil }
        let epoch = Date(timeIntervalSince1970: 0)
        var chunks: [GenerationChunk] = []
        var offset = 0
        for (ordinal, sentence) in text.split(separator: "|").enumerated() {
            let length = sentence.unicodeScalars.count
            let chunk = StoredChunk(
                id: id * 100 + Int64(ordinal), documentID: id, ordinal: ordinal, text: String(sentence),
                startOffset: offset, endOffset: offset + length, tokenCount: length, documentKey: "doc\(id)",
                sourcePath: "/docs/\(id).txt", title: nil, language: "en")
            chunks.append(GenerationChunk(chunk: chunk, terms: sentence.lowercased(), vector: vectors?[ordinal]))
            offset += length + 1
        }
        let metadata = StoredDocument(
            id: id, key: "doc\(id)", sourcePath: "/docs/\(id).txt", contentHash: "h\(id)", size: 1, modifiedAt: epoch,
            format: "text", language: "en", script: nil, title: nil, ingestedAt: epoch, chunkCount: chunks.count)
        return GenerationDocument(
            metadata: metadata, text: text, fingerprint: try documentFingerprints()[id] ?? "", chunks: chunks)
    }
}

@Suite("PostgresPublisher", .serialized)
struct PostgresPublisherTests {
    static func unit(_ values: [Float]) -> [Float] {
        let norm = values.map { $0 * $0 }.reduce(0, +).squareRoot()
        return values.map { $0 / norm }
    }

    static var corpus: MemorySource {
        var source = MemorySource()
        source.documents[1] = ("the cat sat|on the mat", [unit([1, 0, 0, 0]), unit([1, 1, 0, 0])])
        source.documents[2] = (
            "a dog barked|at the 🐈 cat|東京 の 猫", [unit([0, 1, 0, 0]), unit([0, 1, 1, 0]), unit([0, 0, 1, 1])]
        )
        source.documents[3] = ("birds sing", [unit([0, 0, 0, 1])])
        return source
    }

    @Test("a publish is read back whole: counts, chunks, scalar-offset text, BM25 and dense rankings")
    func publishAndRead() throws {
        let (primary, _) = try PostgresTestCluster.freshSchema()
        let index = try PostgresIndex(primary)
        defer { try? index.drop() }
        let report = try PostgresPublisher(index: index).publish(Self.corpus)
        #expect(report.generation == 1 && report.documentsWritten == 3 && report.chunksWritten == 6)
        try index.read { snapshot in
            #expect(try snapshot.generation() == 1)
            #expect(try snapshot.counts() == (3, 6))
            #expect(try snapshot.setting("search_terms") == "words")
            #expect(try snapshot.chunks(ids: [201, 999, 100]).map(\.id) == [201, 100])
            #expect(try snapshot.text(ofDocument: 2, from: 13, to: 18) == "at th")
            #expect(try snapshot.text(ofDocument: 2, from: 20, to: 25) == "🐈 cat")
            #expect(try snapshot.chunks(documentID: 2, ordinals: 1...5).map(\.ordinal) == [1, 2])
            let cat = try snapshot.lexical(terms: ["cat"], limit: 10, filter: .none)
            #expect(Set(cat.map(\.chunkID)) == [100, 201])
            // BM25 by hand (FTS5's formula): N = 6 chunks of 17 tokens (the emoji separates); "cat" in 2 chunks of 3.
            let idf = log((6.0 - 2 + 0.5) / (2 + 0.5))
            func bm25(_ tf: Double, _ length: Double) -> Double {
                idf * (tf * 2.2) / (tf + 1.2 * (0.25 + 0.75 * length / (17.0 / 6)))
            }
            #expect(abs(cat[0].score - bm25(1, 3)) < 1e-12 && cat[0].chunkID == 100)
            #expect(abs(cat[1].score - bm25(1, 3)) < 1e-12 && cat[1].chunkID == 201)
            let near = try snapshot.dense(Self.unit([1, 0.1, 0, 0]), limit: 2, filter: .none)
            #expect(near.map(\.chunkID) == [100, 101])
            let filtered = try snapshot.dense(
                Self.unit([1, 0.1, 0, 0]), limit: 2, filter: SearchFilter(pathPrefix: "/docs/3"))
            #expect(filtered.map(\.chunkID) == [300])
        }
    }

    @Test("an update rewrites changed documents only and leaves the same BM25 statistics as a fresh publish")
    func incrementalEqualsFresh() throws {
        let (first, _) = try PostgresTestCluster.freshSchema()
        let (second, _) = try PostgresTestCluster.freshSchema()
        let updated = try PostgresIndex(first)
        let fresh = try PostgresIndex(second)
        defer {
            try? updated.drop()
            try? fresh.drop()
        }
        try PostgresPublisher(index: updated).publish(Self.corpus)
        var next = Self.corpus
        next.documents[2] = ("a dog slept|near the cat", [Self.unit([0, 1, 0, 0]), Self.unit([0, 1, 1, 0])])
        next.documents[3] = nil
        next.documents[4] = ("cat cat cat|the end", [Self.unit([1, 0, 0, 1]), Self.unit([0, 0, 1, 0])])
        let report = try PostgresPublisher(index: updated).publish(next)
        #expect(report.generation == 2 && report.documentsWritten == 2 && report.documentsRemoved == 2)
        try PostgresPublisher(index: fresh).publish(next)
        for query in [["cat"], ["the", "cat"], ["dog", "end", "mat"], ["birds"]] {
            let a = try updated.read { try $0.lexical(terms: query, limit: 10, filter: .none) }
            let b = try fresh.read { try $0.lexical(terms: query, limit: 10, filter: .none) }
            #expect(a.map(\.chunkID) == b.map(\.chunkID), "\(query)")
            #expect(zip(a, b).allSatisfy { abs($0.score - $1.score) < 1e-12 }, "\(query)")
        }
        #expect(try updated.read { try $0.counts() } == (3, 6))
    }

    @Test("readers keep their generation while a publish commits; a failed publish leaves the previous one")
    func generations() throws {
        let (primary, _) = try PostgresTestCluster.freshSchema()
        let index = try PostgresIndex(primary)
        defer { try? index.drop() }
        try PostgresPublisher(index: index).publish(Self.corpus)
        var failing = Self.corpus
        failing.documents[5] = ("new words", [Self.unit([1, 1, 1, 1])])
        failing.documents[6] = ("more words", [Self.unit([1, 1, 1, 0])])
        failing.onDocument = { id in if id == 6 { throw CancellationError() } }
        #expect(throws: CancellationError.self) { try PostgresPublisher(index: index).publish(failing) }
        #expect(try index.read { try ($0.generation(), $0.counts().chunks) } == (1, 6))

        // A read that began before the publish sees generation 1 to its end.
        let inside = DispatchSemaphore(value: 0)
        let published = DispatchSemaphore(value: 0)
        let seen = LockedBox<[Int64?]>([])
        let reader = Thread {
            try? index.read { snapshot in
                seen.mutate { $0.append(try? snapshot.generation()) }
                inside.signal()
                published.wait()
                seen.mutate { $0.append(try? snapshot.generation()) }
                _ = try snapshot.counts()
            }
            inside.signal()
        }
        reader.start()
        inside.wait()
        failing.onDocument = { _ in }
        try PostgresPublisher(index: index).publish(failing)
        published.signal()
        inside.wait()
        #expect(seen.value == [1, 1])
        #expect(try index.read { try ($0.generation(), $0.counts().chunks) } == (2, 8))
    }

    @Test("one writer at a time: a second publisher is refused while one publishes")
    func oneWriter() throws {
        let (primary, _) = try PostgresTestCluster.freshSchema()
        let index = try PostgresIndex(primary)
        defer { try? index.drop() }
        let started = DispatchSemaphore(value: 0)
        let release = DispatchSemaphore(value: 0)
        var slow = Self.corpus
        slow.onDocument = { id in
            if id == 1 {
                started.signal()
                release.wait()
            }
        }
        let source = slow
        let failure = LockedBox<String?>(nil)
        let writer = Thread {
            do {
                try PostgresPublisher(index: index).publish(source)
            } catch {
                failure.mutate { $0 = "\(error)" }
                started.signal()
            }
        }
        writer.start()
        started.wait()
        try #require(failure.value == nil, "the first writer failed: \(failure.value ?? "")")
        do {
            try PostgresPublisher(index: index).publish(Self.corpus)
            Issue.record("a second writer published")
        } catch let error as PostgresStoreError {
            #expect(error == .writerBusy(url: index.location))
        }
        release.signal()
        var generation: Int64?
        for _ in 0..<100 {
            generation = try index.read { try $0.generation() }
            if generation == 1 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(generation == 1)
    }

    @Test("a streaming replica serves the published generation, and the next one once it is replayed")
    func replica() throws {
        let (primary, replica) = try PostgresTestCluster.freshSchema()
        let index = try PostgresIndex(primary)
        defer { try? index.drop() }
        try PostgresPublisher(index: index).publish(Self.corpus)
        let follower = try PostgresIndex(replica)
        var seen: (Int64?, Int)?
        for _ in 0..<200 {
            seen = try? follower.read { try ($0.generation(), $0.counts().chunks) }
            if seen?.0 == 1 { break }
            Thread.sleep(forTimeInterval: 0.05)
        }
        #expect(seen?.0 == 1 && seen?.1 == 6)
        #expect(
            try follower.read { try $0.lexical(terms: ["cat"], limit: 5, filter: .none).map(\.chunkID) } == [100, 201])
        // A replica is read-only: publishing there is refused by the server, in one line.
        #expect(throws: PostgresStoreError.self) { try PostgresPublisher(index: follower).publish(Self.corpus) }
    }
}

/// A value shared between a test and its threads.
final class LockedBox<Value>: @unchecked Sendable {
    private let lock = NSLock()
    private var stored: Value
    init(_ value: Value) { stored = value }
    var value: Value { lock.withLock { stored } }
    func mutate(_ body: (inout Value) throws -> Void) rethrows { try lock.withLock { try body(&stored) } }
}
