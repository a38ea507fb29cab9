import DocumentStore
import Foundation
import Retrieval
import Testing

/// `check --json` as printed.
struct CheckJSON {
    let object: [String: Any]

    init(_ output: String) throws {
        object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
    }

    var keys: Set<String> { Set(object.keys) }
}

@Suite("BM25-only indexes, check advice and failed runs")
struct CheckCommandTests {
    /// corpora/sample indexed without embeddings and without a retriever (ICU word terms), as the issue's user did.
    static func bm25Only() throws -> IndexedCorpus {
        let corpus = try IndexedCorpus()
        let result = try AskDocsProcess.run(["index", corpus.docs, "--db", corpus.db, "--no-embed"])
        #expect(result.status == 0, "\(result.standardError)")
        return corpus
    }

    static func lines(_ text: String) -> [Substring] { text.split(separator: "\n") }

    @Test("a BM25-only index passes check; hybrid search falls back to BM25 with one notice; dense says how to convert")
    func bm25OnlyIsAState() throws {
        let corpus = try Self.bm25Only()
        let check = try corpus.run(["check"])
        #expect(check.status == 0, "\(check.standardOutput)\(check.standardError)")
        #expect(check.standardOutput.contains("BM25 only"))
        let json = try CheckJSON(try corpus.run(["check", "--json"]).standardOutput)
        #expect(json.object["vectors"] as? String == "none")
        #expect((json.object["remaining"] as? [Any])?.isEmpty == true)
        // --repair has nothing to repair and needs no model.
        #expect(try corpus.run(["check", "--repair"]).status == 0)

        let hybrid = try corpus.run(["search", "Rhein Basel", "--json"])
        #expect(hybrid.status == 0, "\(hybrid.standardError)")
        #expect(Self.lines(hybrid.standardError).count == 1)
        #expect(hybrid.standardError.hasPrefix("note: ") && hybrid.standardError.contains("BM25-only"))
        let bm25 = try corpus.run(["search", "Rhein Basel", "--json", "--mode", "bm25"])
        #expect(bm25.standardError.isEmpty)
        #expect(hybrid.standardOutput == bm25.standardOutput)
        #expect(!bm25.standardOutput.contains("\"results\":[]"))

        // ask retrieves the same way (hybrid by default) and says so the same way.
        let ask = try corpus.run(["ask", "Wie lang ist der Rhein?", "--reader", AskCorpus.reader, "--json"])
        #expect(ask.status == 0, "\(ask.standardError)")
        #expect(Self.lines(ask.standardError).count == 1 && ask.standardError.contains("BM25-only"))

        let dense = try corpus.run(["search", "Rhein", "--mode", "dense"])
        #expect(dense.status != 0)
        #expect(Self.lines(dense.standardError).count == 1, "\(dense.standardError)")
        #expect(dense.standardError.contains("BM25-only"))
        #expect(dense.standardError.contains("askdocs check --repair --retriever MODEL"))
    }

    @Test("check --repair --retriever converts a BM25-only index: the model is recorded, hybrid and index work after")
    func conversion() throws {
        let corpus = try Self.bm25Only()
        // Embedding into a BM25-only index is refused before anything is stored.
        try corpus.workspace.write("more/a.txt", "The Danube flows through Vienna and Budapest.")
        let mixed = try AskDocsProcess.run([
            "index", corpus.workspace.path("more"), "--db", corpus.db, "--retriever", corpus.model.path,
        ])
        #expect(mixed.status != 0)
        #expect(Self.lines(mixed.standardError).count == 1, "\(mixed.standardError)")
        #expect(mixed.standardError.contains("--no-embed") && mixed.standardError.contains("check --repair"))
        let store = try DocumentStore(path: corpus.db)
        #expect(try store.counts().documents == 9)

        let converted = try corpus.run(["check", "--repair", "--retriever", corpus.model.path, "--json"])
        #expect(converted.status == 0, "\(converted.standardOutput)\(converted.standardError)")
        let json = try CheckJSON(converted.standardOutput)
        #expect(json.keys == ["problems", "repaired", "remaining", "vectors"])
        #expect(json.object["vectors"] as? String == "dense")
        #expect((json.object["repaired"] as? [String: Any])?["vectors_added"] as? Int == (try store.counts().chunks))
        #expect(try store.setting("retriever") == corpus.model.path)
        let check = try corpus.run(["check"])
        #expect(check.status == 0)
        #expect(check.standardOutput.contains("a vector for each chunk"))

        // Hybrid search uses the recorded model without being told, and fuses both rankings.
        let hybrid = try corpus.run(["search", "Rhein Basel", "--json"])
        #expect(hybrid.status == 0, "\(hybrid.standardError)")
        #expect(hybrid.standardError.isEmpty)
        #expect(try corpus.search("Rhein", ["--mode", "dense", "--k", "3"]).count == 3)
        // Indexing more files with the model embeds them; the check stays clean.
        let more = try AskDocsProcess.run([
            "index", corpus.workspace.path("more"), "--db", corpus.db, "--retriever", corpus.model.path, "--json",
        ])
        #expect(more.status == 0, "\(more.standardError)")
        #expect(try IndexJSON(more.standardOutput).int("vectors_added") == 1)
        #expect(try corpus.run(["check"]).status == 0)
        let vectors = try VectorIndex.readManifest(
            at: VectorIndexLocation(databaseURL: URL(fileURLWithPath: corpus.db)))
        #expect(vectors.chunkCount == (try store.counts().chunks))
    }

    @Test("files added with --no-embed to an index with vectors are refused before anything is stored")
    func noEmbedIntoDenseIndex() throws {
        let corpus = try IndexedCorpus()
        try corpus.index()
        try corpus.workspace.write("more/a.txt", "The Danube flows through Vienna and Budapest.")
        let result = try AskDocsProcess.run([
            "index", corpus.workspace.path("more"), "--db", corpus.db, "--no-embed",
        ])
        #expect(result.status != 0)
        #expect(Self.lines(result.standardError).count == 1, "\(result.standardError)")
        #expect(result.standardError.contains("would be missing from dense and hybrid results"))
        #expect(result.standardError.contains("leave out --no-embed"))
        #expect(try DocumentStore(path: corpus.db).counts().documents == 9)
        #expect(try corpus.run(["check"]).status == 0)
    }

    @Test("after embedding stopped before its first save, search says what fixes it (check --repair), which does")
    func interruptedEmbedding() throws {
        let corpus = try IndexedCorpus()
        try corpus.index()
        // What Ctrl-C during the first embedding batch leaves: the chunks stored, the retriever recorded, no vectors.
        let location = VectorIndexLocation(databaseURL: URL(fileURLWithPath: corpus.db))
        try FileManager.default.removeItem(at: location.directory)
        let search = try corpus.run(["search", "Rhein"])
        #expect(search.status != 0)
        #expect(Self.lines(search.standardError).count == 1, "\(search.standardError)")
        #expect(!search.standardError.contains("with a retriever"), "\(search.standardError)")
        #expect(search.standardError.contains("askdocs check --repair"), "\(search.standardError)")
        let check = try corpus.run(["check"])
        #expect(check.status == 1)
        #expect(check.standardOutput.contains("askdocs check --repair"))
        #expect(try corpus.run(["check", "--repair"]).status == 0)
        #expect(try corpus.search("Rhein", ["--k", "2"]).count == 2)
    }

    @Test(
        "a damaged manifest gets advice that exists (check --repair, never the unbuilt reindex), and repair works",
        arguments: ["{\"formatVersion\": 99}", "not json"])
    func damagedManifest(manifest: String) throws {
        let corpus = try IndexedCorpus()
        try corpus.index()
        let location = VectorIndexLocation(databaseURL: URL(fileURLWithPath: corpus.db))
        // The folder's manifest.json is a mirror no reader uses: damaging it is no problem.
        try Data(manifest.utf8).write(to: location.manifestURL)
        #expect(try corpus.run(["check"]).status == 0)
        #expect(try corpus.search("Rhein", ["--k", "2"]).count == 2)
        // The manifest the database publishes is the one readers use.
        try DocumentStore(path: corpus.db).setSetting("vector_manifest", to: manifest)
        let check = try corpus.run(["check"])
        #expect(check.status == 1)
        #expect(!check.standardOutput.contains("reindex"), "\(check.standardOutput)")
        #expect(check.standardOutput.contains("askdocs check --repair"))
        let search = try corpus.run(["search", "Rhein"])
        #expect(!search.standardError.contains("reindex"), "\(search.standardError)")
        #expect(try corpus.run(["check", "--repair"]).status == 0)
        #expect(try corpus.run(["check"]).status == 0)
    }

    @Test(
        "check --help documents the keys --json prints: remaining always, repaired only when --repair changed something"
    )
    func helpMatchesJSON() throws {
        let help = try AskDocsProcess.run(["check", "--help"]).standardOutput
        let flat = help.split(whereSeparator: \.isWhitespace).joined(separator: " ")
        for key in ["\"problems\"", "\"remaining\"", "\"vectors\"", "\"repaired\""] {
            #expect(flat.contains(key), "\(key) not documented")
        }
        #expect(
            flat.contains(
                "\"repaired\": {\"vectors_added\", \"vectors_reused\", \"vectors_removed\", \"vectors\", \"embed_seconds\"} when --repair repaired or converted something"
            ))
        let corpus = try IndexedCorpus()
        try corpus.index()
        #expect(
            try CheckJSON(try corpus.run(["check", "--json"]).standardOutput).keys == [
                "problems", "remaining", "vectors",
            ])
        #expect(
            try CheckJSON(try corpus.run(["check", "--repair", "--json"]).standardOutput).keys == [
                "problems", "remaining", "vectors",
            ])
        let store = try DocumentStore(path: corpus.db)
        try store.deleteDocument(id: try #require(try store.allDocuments().first).id)
        let repaired = try CheckJSON(try corpus.run(["check", "--repair", "--json"]).standardOutput)
        #expect(repaired.keys == ["problems", "repaired", "remaining", "vectors"])
        let report = try #require(repaired.object["repaired"] as? [String: Any])
        #expect(Set(report.keys) == ["vectors_added", "vectors_reused", "vectors_removed", "vectors", "embed_seconds"])
    }

    @Test("search without a query asks for one (not 'not both'); a missing database names the command that builds it")
    func searchArguments() throws {
        let workspace = try CommandWorkspace()
        let noQuery = try AskDocsProcess.run(["search", "--k", "3", "--db", workspace.path("db.sqlite")])
        #expect(noQuery.status != 0)
        #expect(noQuery.standardError.contains("give a query (or --queries FILE)"), "\(noQuery.standardError)")
        #expect(!noQuery.standardError.contains("not both"))
        let missing = try AskDocsProcess.run(["search", "Rhein", "--db", workspace.path("db.sqlite")])
        #expect(missing.status != 0)
        #expect(Self.lines(missing.standardError).count == 1)
        #expect(missing.standardError.contains("askdocs index PATH... --db \(workspace.path("db.sqlite"))"))
    }

    @Test("a failed first index (bad --retriever) leaves no database behind for check to call OK")
    func failedIndexLeavesNothing() throws {
        let workspace = try CommandWorkspace()
        try workspace.write("docs/a.txt", "Ein kurzer Text über den Rhein.")
        let db = workspace.path("new/db.sqlite")
        let index = try AskDocsProcess.run(["index", workspace.path("docs"), "--db", db, "--retriever", "/no/model"])
        #expect(index.status != 0)
        #expect(Self.lines(index.standardError).count == 1, "\(index.standardError)")
        #expect(!FileManager.default.fileExists(atPath: db))
        let check = try AskDocsProcess.run(["check", "--db", db])
        #expect(check.status != 0)
        #expect(check.standardError.contains("no database at \(db)"), "\(check.standardOutput)\(check.standardError)")
    }
}
