import DocumentStore
import Foundation
import Retrieval
import Testing
import Transformer

/// A corpus (a copy of corpora/sample) indexed with the tiny sentence-embedding model, for search and check tests.
final class IndexedCorpus {
    let workspace: CommandWorkspace
    let model: URL
    var db: String { workspace.path("index/db.sqlite") }
    var docs: String { workspace.path("docs") }

    init() throws {
        workspace = try CommandWorkspace()
        model = try EmbedCommandTests.modelFolder()
        try FileManager.default.copyItem(
            atPath: URL(fileURLWithPath: IndexCommandTests.sample).path, toPath: workspace.path("docs"))
    }

    deinit { try? FileManager.default.removeItem(at: model) }

    @discardableResult
    func index(_ extra: [String] = []) throws -> AskDocsProcess.Result {
        let result = try AskDocsProcess.run(["index", docs, "--db", db, "--retriever", model.path, "--json"] + extra)
        #expect(result.status == 0, "\(result.standardError)")
        return result
    }

    func run(_ arguments: [String]) throws -> AskDocsProcess.Result {
        try AskDocsProcess.run(arguments + ["--db", db])
    }

    struct Hit: Decodable, Equatable {
        var document: String
        var chunk_id: Int64
        var start: Int
        var end: Int
        var text: String
        var score: Double
    }

    func search(_ query: String, _ options: [String] = []) throws -> [Hit] {
        let result = try run(["search", query, "--json"] + options)
        #expect(result.status == 0, "\(result.standardError)")
        struct Output: Decodable { var results: [Hit] }
        return try JSONDecoder().decode(Output.self, from: Data(result.standardOutput.utf8)).results
    }
}

@Suite("askdocs index, search and check with the tiny retriever")
struct SearchCommandTests {
    @Test("index embeds every chunk; dense results are the exact cosine ranking of the stored chunks")
    func denseRoundTrip() throws {
        let corpus = try IndexedCorpus()
        let output = try corpus.index()
        let summary = try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any]
        #expect(summary?["chunks_added"] as? Int == 9)
        #expect(summary?["vectors_added"] as? Int == 9)

        let store = try DocumentStore(path: corpus.db)
        let chunks = try store.chunks(afterID: 0, limit: 100)
        let embedder = try TextEmbedder(directory: ModelDirectory(url: corpus.model))
        let vectors = try embedder.embed(chunks.map(\.text), prompt: "passage: ")
        let query = "Wie lang ist der Rhein?"
        let q = try embedder.embed([query], prompt: "query: ")[0]
        let expected = zip(chunks, vectors).map { chunk, v in
            (chunk.id, Double(zip(q, v).map { $0 * $1 }.reduce(0, +)))
        }.sorted { $0.1 > $1.1 }

        let hits = try corpus.search(query, ["--mode", "dense", "--k", "5"])
        #expect(hits.map(\.chunk_id) == expected.prefix(5).map(\.0))
        // Same model, other batches (so other orders of sums in every layer): unit vectors within ~1e-5 of each
        // other under TestSupport's RoundingTolerance model for this tiny encoder; their cosine within 1e-4.
        for (hit, want) in zip(hits, expected) { #expect(abs(hit.score - want.1) < 1e-4) }
        // Offsets slice the document's text to the chunk text.
        for hit in hits {
            let chunk = try #require(try store.chunks(ids: [hit.chunk_id]).first)
            let text = try #require(try store.text(ofDocument: chunk.documentID))
            let scalars = Array(text.unicodeScalars)[hit.start..<hit.end]
            #expect(String(String.UnicodeScalarView(scalars)) == hit.text)
            #expect(hit.document == chunk.sourcePath)
        }
        let human = try corpus.run(["search", query, "--mode", "dense", "--k", "2"])
        #expect(human.status == 0)
        #expect(human.standardOutput.contains(" 1. "))
        #expect(human.standardOutput.contains("[\(hits[0].start)..<\(hits[0].end)]"))
    }

    @Test("BM25 over XLM-R pieces finds words in scripts without spaces; hybrid is the RRF of both rankings")
    func bm25AndHybrid() throws {
        let corpus = try IndexedCorpus()
        try corpus.index()
        for (query, file) in [("长江", "changjiang.txt"), ("Kaffeehaus", "kaffee.html"), ("เจ้าพระยา", "chaophraya.txt")] {
            let hits = try corpus.search(query, ["--mode", "bm25", "--k", "3"])
            #expect(hits.first?.document.hasSuffix("/" + file) == true, "\(query): \(hits.map(\.document))")
        }
        let query = "Rhein Basel Nordsee"
        let dense = try corpus.search(query, ["--mode", "dense", "--k", "20"]).map(\.chunk_id)
        let bm25 = try corpus.search(query, ["--mode", "bm25", "--k", "20"]).map(\.chunk_id)
        let hybrid = try corpus.search(query, ["--k", "20", "--rrf-k", "10"])
        var expected: [Int64: Double] = [:]
        for list in [dense, bm25] {
            for (rank, id) in list.enumerated() { expected[id, default: 0] += 1 / (10 + Double(rank + 1)) }
        }
        #expect(hybrid.count == expected.count)
        // Two Double terms of size ≤ 1/11 per id: rounding ≤ 2·2⁻⁵³, so 1e-12 only absorbs a JSON round trip.
        for hit in hybrid { #expect(abs(hit.score - (expected[hit.chunk_id] ?? -1)) < 1e-12) }
        #expect(hybrid.map(\.score) == hybrid.map(\.score).sorted(by: >))
    }

    @Test("--queries runs many searches with one model load and gives the same results as single searches")
    func batchQueries() throws {
        let corpus = try IndexedCorpus()
        try corpus.index()
        try corpus.workspace.write("queries.jsonl", "{\"query\": \"长江\"}\n{\"query\": \"Rhein Basel\"}\n")
        let result = try corpus.run(["search", "--queries", corpus.workspace.path("queries.jsonl"), "--k", "3"])
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n")
        try #require(lines.count == 2)
        for (line, query) in zip(lines, ["长江", "Rhein Basel"]) {
            struct Line: Decodable {
                var query: String
                var results: [IndexedCorpus.Hit]
                var seconds: Double
            }
            let parsed = try JSONDecoder().decode(Line.self, from: Data(line.utf8))
            #expect(parsed.query == query)
            #expect(parsed.seconds >= 0)
            #expect(parsed.results == (try corpus.search(query, ["--k", "3"])))
        }
    }

    @Test("filters apply to every mode and still return k results when k pass", arguments: ["dense", "bm25", "hybrid"])
    func filters(mode: String) throws {
        let corpus = try IndexedCorpus()
        try corpus.index()
        let spanish = try corpus.search("río", ["--mode", mode, "--k", "2", "--lang", "es"])
        // bm25 can only return chunks that share a term; the two Spanish records both mention "río".
        #expect(spanish.count == 2)
        #expect(spanish.allSatisfy { $0.document.hasSuffix("rios.jsonl") })
        if mode != "bm25" {
            let texts = try corpus.search("river", ["--mode", mode, "--k", "4", "--glob", "*.txt"])
            #expect(texts.count == 4)
            #expect(texts.allSatisfy { $0.document.hasSuffix(".txt") })
            let prefix = try corpus.search("river", ["--mode", mode, "--k", "3", "--path-prefix", corpus.docs + "/r"])
            #expect(Set(prefix.map { ($0.document as NSString).lastPathComponent }) == ["rhine.md", "rios.jsonl"])
            #expect(prefix.count == 3)
            #expect(try corpus.search("river", ["--mode", mode, "--modified-after", "2000-01-01"]).count == 9)
        }
        #expect(try corpus.search("río", ["--mode", mode, "--modified-after", "2999-01-01"]).isEmpty)
    }

    @Test("an index built with one retriever refuses another one for indexing and search")
    func manifestMismatch() throws {
        let corpus = try IndexedCorpus()
        try corpus.index()
        let other = try EmbedCommandTests.modelFolder()
        defer { try? FileManager.default.removeItem(at: other) }
        let index = try AskDocsProcess.run(["index", corpus.docs, "--db", corpus.db, "--retriever", other.path])
        #expect(index.status != 0)
        #expect(index.standardError.contains("was built with"), "\(index.standardError)")
        #expect(index.standardError.split(separator: "\n").count == 1)
        let search = try corpus.run(["search", "Rhein", "--retriever", other.path])
        #expect(search.status != 0)
        #expect(search.standardError.contains("was built with"), "\(search.standardError)")
        let check = try corpus.run(["check", "--retriever", other.path])
        #expect(check.status != 0)
        #expect(check.standardOutput.contains("was built with"))
    }

    @Test("check finds vectors without chunks and chunks without vectors; --repair and index fix them")
    func checkAndRepair() throws {
        let corpus = try IndexedCorpus()
        try corpus.index()
        #expect(try corpus.run(["check"]).status == 0)

        // A document removed behind the index's back leaves vectors for chunks that no longer exist; vectors lost
        // from the index (as an embedding stopped between saves loses them) leave chunks without vectors.
        let store = try DocumentStore(path: corpus.db)
        let volga = try #require(try store.allDocuments().first { $0.sourcePath.hasSuffix("volga.txt") })
        let removed = try store.chunks(documentID: volga.id).map(\.id)
        try store.deleteDocument(id: volga.id)
        let location = VectorIndexLocation(databaseURL: URL(fileURLWithPath: corpus.db))
        let rhine = try #require(try store.allDocuments().first { $0.sourcePath.hasSuffix("rhine.md") })
        let lost = try store.chunks(documentID: rhine.id).map(\.id)
        let vectors = try VectorIndex.open(at: location, expecting: VectorIndex.readManifest(at: location).model)
        _ = try vectors.remove(ids: Set(lost))
        // Published as a writer that lost them would publish it: the database names the generation readers use.
        let damaged = try vectors.writeGeneration(to: location)
        try store.setSetting("vector_manifest", to: String(decoding: try damaged.encoded(), as: UTF8.self))
        let found = try corpus.run(["check", "--json"])
        #expect(found.status == 1)
        struct Report: Decodable {
            struct Problem: Decodable {
                var kind: String
                var chunk_ids: [Int64]
            }
            var problems: [Problem]
            var remaining: [Problem]
        }
        let report = try JSONDecoder().decode(Report.self, from: Data(found.standardOutput.utf8))
        let orphans = report.problems.first { $0.kind == "orphan_vectors" }
        let missing = report.problems.first { $0.kind == "missing_vectors" }
        #expect(orphans?.chunk_ids == removed.sorted())
        #expect(missing?.chunk_ids == lost.sorted())
        let human = try corpus.run(["check"])
        #expect(human.standardOutput.contains("no longer exist"))
        #expect(human.standardOutput.contains("without a vector"))

        let repaired = try corpus.run(["check", "--repair"])
        #expect(repaired.status == 0, "\(repaired.standardOutput)\(repaired.standardError)")
        #expect(
            repaired.standardOutput.contains(
                "repaired: \(lost.count) chunks embedded, \(removed.count) stale vectors removed"))
        #expect(try corpus.run(["check"]).status == 0)

        // The same damage, repaired by indexing again.
        let rhineAgain = try #require(try store.allDocuments().first { $0.sourcePath.hasSuffix("rhine.md") })
        try store.deleteDocument(id: rhineAgain.id)
        #expect(try corpus.run(["check"]).status == 1)
        try corpus.index()
        #expect(try corpus.run(["check"]).status == 0, "index did not repair")
        #expect(try VectorIndex.readManifest(at: location).chunkCount == (try store.counts().chunks))
    }

    @Test("a changed document's chunks get fresh ids (never the old chunk's) and fresh vectors")
    func changedDocumentReusingIDs() throws {
        let corpus = try IndexedCorpus()
        try corpus.index()
        let store = try DocumentStore(path: corpus.db)
        // volga.txt is indexed last, so its chunk has the highest id: the one a plain rowid table would hand out again.
        let before = try #require(try store.allDocuments().last)
        #expect(before.sourcePath.hasSuffix("volga.txt"))
        let oldIDs = try store.chunks(documentID: before.id).map(\.id)
        try corpus.workspace.write("docs/volga.txt", "Die Wolga ist der längste Fluss Europas.")
        let output = try corpus.index()
        let summary = try JSONSerialization.jsonObject(with: Data(output.standardOutput.utf8)) as? [String: Any]
        let after = try #require(try store.allDocuments().last)
        let newIDs = try store.chunks(documentID: after.id).map(\.id)
        #expect(!newIDs.isEmpty && newIDs.allSatisfy { id in oldIDs.allSatisfy { id > $0 } })
        #expect(summary?["vectors_added"] as? Int == 1)
        #expect(summary?["vectors_removed"] as? Int == 1)
        #expect(try corpus.run(["check"]).status == 0)
        let hits = try corpus.search("Wolga", ["--mode", "bm25", "--k", "1"])
        #expect(hits.first?.text == "Die Wolga ist der längste Fluss Europas.")
    }

    @Test("a missing retriever is one line that says how to get it; --no-embed indexes for BM25 only")
    func missingModel() throws {
        let workspace = try CommandWorkspace()
        try workspace.write("docs/a.txt", "Ein kurzer Text über den Rhein.")
        let result = try AskDocsProcess.run([
            "index", workspace.path("docs"), "--db", workspace.path("db.sqlite"), "--retriever", "org/not-downloaded",
        ])
        #expect(result.status != 0)
        #expect(result.standardError.contains("askdocs models pull org/not-downloaded"))
        #expect(result.standardError.split(separator: "\n").count == 1)
        let bm25Only = try AskDocsProcess.run([
            "index", workspace.path("docs"), "--db", workspace.path("db.sqlite"), "--no-embed",
        ])
        #expect(bm25Only.status == 0, "\(bm25Only.standardError)")
        let search = try AskDocsProcess.run([
            "search", "Rhein", "--db", workspace.path("db.sqlite"), "--mode", "bm25", "--json",
        ])
        #expect(search.status == 0, "\(search.standardError)")
        #expect(search.standardOutput.contains("a.txt"))
        // Hybrid on a BM25-only index ranks by BM25 and loads no retriever; dense is refused.
        let hybrid = try AskDocsProcess.run([
            "search", "Rhein", "--db", workspace.path("db.sqlite"), "--retriever", "/no/model",
        ])
        #expect(hybrid.status == 0, "\(hybrid.standardError)")
        #expect(hybrid.standardError.contains("BM25-only"))
        let dense = try AskDocsProcess.run([
            "search", "Rhein", "--db", workspace.path("db.sqlite"), "--retriever", "/no/model", "--mode", "dense",
        ])
        #expect(dense.status != 0)
    }
}
