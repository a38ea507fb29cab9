import Foundation
import Testing

@testable import DocumentStore

@Suite("DocumentStore")
struct DocumentStoreTests {
    let folder: TemporaryDirectory
    let store: DocumentStore

    init() throws {
        folder = try TemporaryDirectory()
        store = try DocumentStore(path: folder.path("nested/folder/store.sqlite"))
    }

    @Test("creates the database folder, stores a document with its chunks, and reads them back")
    func roundTrip() throws {
        #expect(FileManager.default.fileExists(atPath: folder.path("nested/folder/store.sqlite")))
        let ids = try store.replaceSource(
            "/docs/a.txt", with: [StoreFixtures.entry("/docs/a.txt", ["Ünïcode 😀 text", "second chunk"])])
        let document = try #require(try store.document(id: ids[0]))
        #expect(document.key == "/docs/a.txt")
        #expect(document.chunkCount == 2)
        #expect(document.language == "en")
        #expect(document.modifiedAt == Date(timeIntervalSince1970: 1000))
        #expect(try store.text(ofDocument: ids[0]) == "Ünïcode 😀 text second chunk")
        let chunks = try store.chunks(documentID: ids[0])
        #expect(chunks.map(\.text) == ["Ünïcode 😀 text", "second chunk"])
        // Scalar offsets: 😀 counts once (UTF-16 would say 16).
        #expect(chunks.map(\.startOffset) == [0, 15])
        #expect(chunks[0].sourcePath == "/docs/a.txt")
        #expect(chunks[0].title == "Title of /docs/a.txt")
        #expect(try store.integrityProblems().isEmpty)
        #expect(try store.counts() == (1, 2))
    }

    @Test("lookups by key, source path and content hash")
    func lookups() throws {
        try store.replaceSource(
            "/docs/r.jsonl",
            with: [
                StoreFixtures.entry("/docs/r.jsonl", ["one"], key: "/docs/r.jsonl#1", hash: "abc"),
                StoreFixtures.entry("/docs/r.jsonl", ["two"], key: "/docs/r.jsonl#2", hash: "abc"),
            ])
        try store.replaceSource("/docs/b.txt", with: [StoreFixtures.entry("/docs/b.txt", ["three"], hash: "def")])
        #expect(try store.document(key: "/docs/r.jsonl#2")?.sourcePath == "/docs/r.jsonl")
        #expect(try store.documents(sourcePath: "/docs/r.jsonl").map(\.key) == ["/docs/r.jsonl#1", "/docs/r.jsonl#2"])
        #expect(try store.documents(contentHash: "def").map(\.key) == ["/docs/b.txt"])
        let state = try #require(try store.sourceState("/docs/r.jsonl"))
        #expect(state.contentHash == "abc" && state.documentCount == 2)
        let stored = try #require(try store.document(key: "/docs/r.jsonl#1"))
        #expect(state.size == stored.size && state.modifiedAt == stored.modifiedAt)
        #expect(try store.sourceState("/docs/missing") == nil)
        #expect(try store.allDocuments().count == 3)
    }

    @Test("replacing a source removes its old chunks from the table and the BM25 index")
    func replaceRemovesOldChunks() throws {
        try store.replaceSource("/a.txt", with: [StoreFixtures.entry("/a.txt", ["old words here", "more old"])])
        #expect(try store.search(terms: ["old"], limit: 10).count == 2)
        try store.replaceSource("/a.txt", with: [StoreFixtures.entry("/a.txt", ["new words"], hash: "h2")])
        #expect(try store.search(terms: ["old"], limit: 10).isEmpty)
        #expect(try store.search(terms: ["new"], limit: 10).count == 1)
        #expect(try store.counts() == (1, 1))
        #expect(try store.sourceState("/a.txt")?.contentHash == "h2")
    }

    @Test("deleting a document cascades to its chunks and index rows")
    func deleteCascades() throws {
        let ids = try store.replaceSource("/a.txt", with: [StoreFixtures.entry("/a.txt", ["alpha beta", "gamma"])])
        try store.replaceSource("/b.txt", with: [StoreFixtures.entry("/b.txt", ["alpha"])])
        #expect(try store.deleteDocument(id: ids[0]))
        #expect(try !store.deleteDocument(id: ids[0]))
        #expect(try store.counts() == (1, 1))
        let hits = try store.search(terms: ["alpha"], limit: 10)
        #expect(try store.chunks(ids: hits.map(\.chunkID)).map(\.sourcePath) == ["/b.txt"])
        #expect(try store.deleteSource("/b.txt") == 1)
        #expect(try store.counts() == (0, 0))
        #expect(try store.search(terms: ["alpha"], limit: 10).isEmpty)
    }

    @Test("a write that fails mid-document leaves the previous version whole")
    func rollbackMidDocument() throws {
        try store.replaceSource("/a.txt", with: [StoreFixtures.entry("/a.txt", ["first version", "kept"])])
        struct Interrupted: Error {}
        #expect(throws: Interrupted.self) {
            try store.write { writer in
                try writer.deleteSource("/a.txt")
                let entry = StoreFixtures.entry("/a.txt", ["second version", "lost", "never"], hash: "h2")
                let id = try writer.insertDocument(entry.document)
                try writer.insertChunk(entry.chunks[0], documentID: id)
                try writer.insertChunk(entry.chunks[1], documentID: id)
                throw Interrupted()
            }
        }
        let documents = try store.documents(sourcePath: "/a.txt")
        #expect(documents.count == 1)
        #expect(documents[0].contentHash == "h1")
        #expect(try store.chunks(documentID: documents[0].id).map(\.text) == ["first version", "kept"])
        #expect(try store.search(terms: ["second"], limit: 5).isEmpty)
        #expect(try store.integrityProblems().isEmpty)
    }

    @Test("invalid chunk offsets are refused")
    func invalidOffsets() throws {
        var entry = StoreFixtures.entry("/a.txt", ["x"])
        entry.chunks[0].startOffset = 5
        entry.chunks[0].endOffset = 2
        #expect(throws: DocumentStoreError.self) { try store.replaceSource("/a.txt", with: [entry]) }
        #expect(try store.counts() == (0, 0))
    }

    @Test("chunks by ids come back in the order asked, missing ids left out; paging visits every chunk once")
    func chunksByIDs() throws {
        try store.replaceSource("/a.txt", with: [StoreFixtures.entry("/a.txt", (0..<7).map { "chunk \($0)" })])
        let all = try store.chunks(afterID: 0, limit: 100)
        #expect(all.count == 7)
        let ids = [all[5].id, 999_999, all[1].id, all[3].id]
        #expect(try store.chunks(ids: ids).map(\.text) == ["chunk 5", "chunk 1", "chunk 3"])
        var paged: [String] = []
        var last: Int64 = 0
        while case let page = try store.chunks(afterID: last, limit: 3), let end = page.last {
            paged += page.map(\.text)
            last = end.id
        }
        #expect(paged == all.map(\.text))
        // More ids than one SQL batch.
        let many = Array(repeating: all[2].id, count: 1200)
        #expect(try store.chunks(ids: many).count == 1200)
    }

    @Test("BM25 ranks by term weight, deduplicates query terms and ignores empty ones")
    func bm25Ranking() throws {
        try store.replaceSource("/a.txt", with: [StoreFixtures.entry("/a.txt", ["p1 p2 p3", "p1 p1 p1 p9", "p7 p8"])])
        let hits = try store.search(terms: ["p1", "p1", "", "p9"], limit: 10)
        let texts = try store.chunks(ids: hits.map(\.chunkID)).map(\.text)
        #expect(texts == ["p1 p1 p1 p9", "p1 p2 p3"])
        #expect(hits[0].score > hits[1].score)
        #expect(hits.allSatisfy { $0.score > 0 })
        #expect(try store.search(terms: [], limit: 10).isEmpty)
        #expect(try store.search(terms: ["p1"], limit: 0).isEmpty)
        #expect(try store.search(terms: ["p1"], limit: 1).count == 1)
    }

    @Test("query terms with quotes and FTS syntax are matched literally")
    func quoting() throws {
        try store.replaceSource("/a.txt", with: [StoreFixtures.entry("/a.txt", ["and or not near", "plain"])])
        #expect(try store.search(terms: ["NOT", "\"", "AND", "*"], limit: 10).count == 1)
        #expect(try store.search(terms: ["pla\"in"], limit: 10).isEmpty)
    }

    @Test("filters run in SQL: k results come back when k matching chunks exist beyond better excluded ones")
    func filters() throws {
        // The English documents rank higher (more occurrences), but the filter asks for German ones.
        for index in 0..<5 {
            try store.replaceSource(
                "/docs/en/\(index).txt",
                with: [
                    StoreFixtures.entry("/docs/en/\(index).txt", ["river river river"], language: "en", modified: 1000)
                ])
            try store.replaceSource(
                "/docs/de/\(index).md",
                with: [
                    StoreFixtures.entry(
                        "/docs/de/\(index).md", ["river fluss"], language: "de", modified: 2000 + Double(index))
                ])
        }
        func paths(_ filter: SearchFilter, limit: Int = 3) throws -> [String] {
            try store.chunks(ids: store.search(terms: ["river"], limit: limit, filter: filter).map(\.chunkID)).map(
                \.sourcePath)
        }
        let german = try paths(SearchFilter(languages: ["de"]))
        #expect(german.count == 3)
        #expect(german.allSatisfy { $0.hasPrefix("/docs/de/") })
        #expect(try paths(SearchFilter(pathPrefix: "/docs/de/")).count == 3)
        #expect(try paths(SearchFilter(pathPrefix: "/docs/de/")).allSatisfy { $0.hasPrefix("/docs/de/") })
        #expect(try paths(SearchFilter(pathGlob: "*.md"), limit: 10).count == 5)
        #expect(
            try paths(SearchFilter(pathGlob: "/docs/en/[12].txt"), limit: 10).sorted() == [
                "/docs/en/1.txt", "/docs/en/2.txt",
            ])
        #expect(
            try paths(SearchFilter(modifiedAfter: Date(timeIntervalSince1970: 2002)), limit: 10).sorted() == [
                "/docs/de/3.md", "/docs/de/4.md",
            ])
        #expect(try paths(SearchFilter(languages: ["de", "en"]), limit: 10).count == 10)
        #expect(try paths(SearchFilter(pathPrefix: "/docs/de/", languages: ["en"])).isEmpty)
        // A prefix with GLOB or LIKE characters is a plain prefix.
        #expect(try paths(SearchFilter(pathPrefix: "/docs/%")).isEmpty)
        // The same filter as a set of chunk ids, for dense search.
        let germanIDs = try store.chunkIDs(matching: SearchFilter(languages: ["de"]))
        #expect(germanIDs.count == 5)
        #expect(try store.chunks(ids: Array(germanIDs)).allSatisfy { $0.language == "de" })
        #expect(try store.chunkIDs(matching: .none).count == 10)
    }

    @Test("settings are stored once and read back")
    func settings() throws {
        #expect(try store.setting("search_terms") == nil)
        #expect(try store.settingStoringIfAbsent("search_terms", "xlmr-pieces") == "xlmr-pieces")
        #expect(try store.settingStoringIfAbsent("search_terms", "words") == "xlmr-pieces")
        try store.setSetting("search_terms", to: "words")
        #expect(try store.setting("search_terms") == "words")
    }

    @Test("the store can be shared across concurrent tasks")
    func concurrentUse() async throws {
        let store = self.store
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<8 {
                group.addTask {
                    try store.replaceSource(
                        "/t/\(index).txt", with: [StoreFixtures.entry("/t/\(index).txt", ["word \(index)", "word"])])
                    _ = try store.search(terms: ["word"], limit: 5)
                }
            }
            try await group.waitForAll()
        }
        #expect(try store.counts() == (8, 16))
        #expect(try store.integrityProblems().isEmpty)
    }

    @Test("integrity check finds a document whose chunks do not add up")
    func integrityCheck() throws {
        let ids = try store.replaceSource("/a.txt", with: [StoreFixtures.entry("/a.txt", ["one two", "three"])])
        let database = try Database(path: store.path)
        try database.run("DELETE FROM chunks WHERE ordinal = 0 AND document_id = ?", [.integer(ids[0])])
        try database.run("UPDATE chunks SET start_offset = 0 WHERE document_id = ?", [.integer(ids[0])])
        let problems = try store.integrityProblems().map(\.problem)
        #expect(problems.contains("has 1 chunks, 2 were written"))
        #expect(problems.contains("chunk ordinals are not 0..<1"))
        #expect(problems.contains("chunk 1 text differs from its offsets"))
    }
}
