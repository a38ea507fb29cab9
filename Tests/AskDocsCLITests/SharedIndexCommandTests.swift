import Foundation
import TestSupport
import Testing

@testable import PostgresStore

#if canImport(Glibc)
    import Glibc
#endif

/// `--db postgres://…` through the built executable: the writer indexes into its working index and publishes to
/// PostgreSQL; readers search and ask PostgreSQL (primary or replica) and get what the working index gives.
@Suite("askdocs with a shared PostgreSQL index", .serialized)
struct SharedIndexCommandTests {
    /// A changing corpus with a PostgreSQL index of its own and a state folder for the writer's working index.
    struct Shared {
        let corpus: ChangingCorpus
        let primary: String
        let replica: String
        var state: String

        init(files: Int = 8) throws {
            corpus = try ChangingCorpus(files: files)
            (primary, replica) = try PostgresTestCluster.freshSchema("cli")
            state = corpus.workspace.path("state")
        }

        var environment: [String: String] { ["XDG_STATE_HOME": state] }

        /// The writer's working index (`SharedStore.workingDatabase`).
        var working: String {
            let schema = primary.split(separator: "=").last.map(String.init) ?? ""
            let url = primary.split(separator: "?").first.map(String.init) ?? primary
            let name = url.replacingOccurrences(of: "postgres://askdocs@", with: "")
                .replacingOccurrences(of: ":", with: "-").replacingOccurrences(of: "/", with: "-")
            return "\(state)/askdocs/shared/\(name)-\(schema)/index.sqlite"
        }

        func run(_ arguments: [String], db: String? = nil, extra: [String: String] = [:]) throws
            -> AskDocsProcess.Result
        {
            try AskDocsProcess.run(
                arguments + ["--db", db ?? primary], environment: environment.merging(extra) { $1 })
        }

        func index(_ extra: [String] = [], environment: [String: String] = [:]) throws -> AskDocsProcess.Result {
            try run(["index", corpus.docs, "--retriever", corpus.model.path] + extra, extra: environment)
        }

        /// `search --json` results as (document, chunk id, score) for `query` on `db`.
        func search(_ query: String, mode: String, db: String) throws -> [(String, Int, Double)] {
            let result = try run(["search", query, "--json", "--mode", mode, "--retriever", corpus.model.path], db: db)
            #expect(result.status == 0, "\(result.standardError)")
            let json = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
            return (json?["results"] as? [[String: Any]] ?? []).map {
                ($0["document"] as? String ?? "", $0["chunk_id"] as? Int ?? -1, $0["score"] as? Double ?? .nan)
            }
        }

        /// Whether every mode ranks the same on PostgreSQL (`db`) as on the working index.
        func agrees(on db: String, queries: [String] = ["rivers and ferries", "bridges note line 2", "edit"]) throws
            -> Bool
        {
            for query in queries {
                for mode in ["bm25", "dense", "hybrid"] {
                    let shared = try search(query, mode: mode, db: db)
                    let local = try search(query, mode: mode, db: working)
                    // Dense scores are float32 inner products of unit vectors, summed in another order by
                    // pgvector and FAISS: each within γ_d = d·u/(1 − d·u) of the exact value (Σ|xᵢyᵢ| ≤ 1), so
                    // they differ by at most 2γ_d, d ≤ 384. BM25 (float64) and RRF scores are far inside that.
                    let d = 384.0
                    let u = RoundingTolerance.unitRoundoff
                    let bound = 2 * d * u / (1 - d * u)
                    guard shared.map(\.1) == local.map(\.1), shared.map(\.0) == local.map(\.0),
                        zip(shared, local).allSatisfy({ abs($0.2 - $1.2) <= bound * max(1, abs($1.2)) })
                    else {
                        Issue.record("\(mode) '\(query)': \(shared.prefix(3)) vs \(local.prefix(3))")
                        return false
                    }
                }
            }
            return true
        }
    }

    @Test("index and reindex publish to PostgreSQL; search there equals the working index, on the replica too")
    func indexSearchReindex() throws {
        let shared = try Shared()
        let first = try shared.index(["--json"])
        #expect(first.status == 0, "\(first.standardError)")
        #expect(FileManager.default.fileExists(atPath: shared.working))
        #expect(try shared.agrees(on: shared.primary))
        for _ in 0..<2 {
            try shared.corpus.change()
            let result = try shared.run(["reindex", "--json"])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(try shared.agrees(on: shared.primary))
        }
        // The replica catches up with the last publish and answers the same.
        var agreed = false
        for _ in 0..<50 where !agreed {
            agreed = (try? shared.agrees(on: shared.replica, queries: ["edit"])) ?? false
            if !agreed { Thread.sleep(forTimeInterval: 0.1) }
        }
        #expect(agreed)
        let deleted = try shared.search("rivers", mode: "bm25", db: shared.primary).map(\.0)
        let present = Set(try FileManager.default.contentsOfDirectory(atPath: shared.corpus.docs))
        #expect(deleted.allSatisfy { present.contains(URL(fileURLWithPath: $0).lastPathComponent) })
    }

    @Test(
        "a writer killed after its local publish or inside the PostgreSQL one leaves the previous generation served; the next run publishes"
    )
    func killedWriter() throws {
        let shared = try Shared(files: 4)
        #expect(try shared.index().status == 0)
        let before = try shared.search("rivers", mode: "bm25", db: shared.primary)
        for phase in ["published:1", "sharing:1"] {
            try shared.corpus.change(added: 2)
            let killed = try shared.run(["reindex"], extra: ["ASKDOCS_FAULT_INJECTION": phase])
            #expect(killed.status != 0, "\(phase): the run was not killed")
            // PostgreSQL still serves a whole generation: the one before, which the working index no longer is.
            let served = try shared.search("rivers", mode: "bm25", db: shared.primary)
            #expect(!served.isEmpty)
            if phase == "published:1" { #expect(served.map(\.1) == before.map(\.1)) }
            let next = try shared.run(["reindex"])
            #expect(next.status == 0, "\(phase): \(next.standardError)")
            #expect(try shared.agrees(on: shared.primary), "\(phase)")
        }
    }

    @Test(
        "check verifies PostgreSQL's side (statistics, one vector per chunk, the generation published); --repair rewrites it"
    )
    func checkShared() throws {
        let shared = try Shared(files: 4)
        #expect(try shared.index().status == 0)
        func check(_ extra: [String] = []) throws -> (status: Int32, json: [String: Any]) {
            let result = try shared.run(["check", "--json"] + extra)
            let json = try? JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
            return (result.status, json ?? ["stderr": result.standardError])
        }
        func messages(_ json: [String: Any], _ key: String = "problems") -> [String] {
            (json[key] as? [[String: Any]] ?? []).filter { $0["kind"] as? String == "shared" }
                .compactMap { $0["message"] as? String }
        }
        let clean = try check()
        #expect(clean.status == 0 && messages(clean.json).isEmpty, "\(clean.json)")
        // Damage as a hand-made change or a bug would: a document frequency off by one, a vector gone.
        try PostgresIndex(shared.primary).pool.withSession { session in
            try session.execute(
                """
                UPDATE askdocs_terms SET df = df + 1 WHERE term = (SELECT min(term) FROM askdocs_terms);
                DELETE FROM askdocs_embeddings WHERE chunk_id = (SELECT min(chunk_id) FROM askdocs_embeddings)
                """)
        }
        let damaged = try check()
        #expect(damaged.status == 1)
        let found = messages(damaged.json)
        #expect(found.contains { $0.contains("1 terms whose document frequency disagrees") }, "\(found)")
        #expect(found.contains { $0.contains("1 chunks without a vector") }, "\(found)")
        let repaired = try check(["--repair"])
        #expect(repaired.status == 0, "\(repaired.json)")
        #expect(repaired.json["republished"] as? Int == 4 && messages(repaired.json, "remaining").isEmpty)
        #expect(try shared.agrees(on: shared.primary))
        // A writer killed between its own publish and the shared one leaves PostgreSQL a generation behind.
        try shared.corpus.change()
        #expect(try shared.run(["reindex"], extra: ["ASKDOCS_FAULT_INJECTION": "published:1"]).status != 0)
        let behind = try check()
        #expect(behind.status == 1)
        #expect(messages(behind.json).contains { $0.contains("publishes working generation") }, "\(behind.json)")
        #expect(try check(["--repair"]).status == 0)
        #expect(try check().status == 0)
        #expect(try shared.agrees(on: shared.primary))
    }

    @Test("eval retrieval on PostgreSQL: BM25 metrics equal SQLite's, dense (HNSW) and hybrid within 0.005 of exact")
    func evalRetrieval() throws {
        let shared = try Shared(files: 1)
        let fixtures = EmbedCommandTests.packageRoot.appendingPathComponent("Tests/AskDocsCLITests/Fixtures")
        var runs: [[String: [String: Double]]] = []
        for db in [nil, shared.primary] {
            var arguments = ["eval", "retrieval", "--retriever", shared.corpus.model.path, "--json"]
            for language in ["en", "de"] {
                arguments += ["--data", fixtures.appendingPathComponent("retrieval.\(language).json").path]
            }
            if let db { arguments += ["--db", db] }
            let result = try AskDocsProcess.run(arguments)
            #expect(result.status == 0, "\(result.standardError)")
            let json = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
            var rows: [String: [String: Double]] = [:]
            for run in json?["runs"] as? [[String: Any]] ?? [] {
                let key = "\(run["language"] ?? "")/\(run["mode"] ?? "")"
                rows[key] = run.compactMapValues { $0 as? Double }
            }
            runs.append(rows)
        }
        let (exact, postgres) = (runs[0], runs[1])
        #expect(exact.count == 9 && Set(exact.keys) == Set(postgres.keys))
        for (key, metrics) in exact {
            for (name, value) in metrics where name.hasPrefix("recall") || name.hasPrefix("mrr") {
                let other = postgres[key]?[name] ?? .nan
                let bound = key.hasSuffix("/bm25") ? 1e-12 : 0.005
                #expect(abs(other - value) <= bound, "\(key) \(name): \(other) vs \(value)")
            }
        }
    }
}

extension SharedIndexCommandTests {
    /// An ask response without what differs between two equal indexes (timings, generation numbers).
    static func comparable(_ json: Any?) -> NSDictionary? {
        guard var object = json as? [String: Any] else { return nil }
        object.removeValue(forKey: "timings")
        object.removeValue(forKey: "generation")
        return object as NSDictionary
    }

    @Test("serve started before the first publish waits for it, not ready meanwhile, then answers")
    func serveBeforeFirstPublish() async throws {
        let ask = try AskCorpus()
        let (primary, replica) = try PostgresTestCluster.freshSchema("wait")
        let server = try ServeProcess(["--reader", AskCorpus.reader, "--db", replica], waitUntilReady: false)
        try await server.waitForLog("waiting for the index")
        let early = try await server.send(.GET, "/readyz")
        #expect(early.status == 503, "\(early.text)")
        #expect(early.text.contains("holds no published AskDocs index yet"), "\(early.text)")
        #expect(server.process.isRunning)
        let indexed = try AskDocsProcess.run(
            ["index", ask.corpus.docs, "--db", primary, "--retriever", ask.corpus.model.path],
            environment: ["XDG_STATE_HOME": ask.corpus.workspace.path("state")])
        #expect(indexed.status == 0, "\(indexed.standardError)")
        try await server.waitForLog("ready: reader", within: 60)
        let question = try #require(ask.questions.first?.1)
        let reply = try await server.post("/v1/ask", json: ["question": question, "passages": 3])
        #expect(reply.status == 200, "\(reply.text)")
        #expect(server.log.components(separatedBy: "waiting for the index").count == 2, "one line per reason")
        #expect(server.terminate() == 0)
    }

    @Test("serve over the streaming replica answers as ask over the primary, and picks up a new generation")
    func serveFromReplica() async throws {
        let ask = try AskCorpus()
        let (primary, replica) = try PostgresTestCluster.freshSchema("serve")
        let state = ["XDG_STATE_HOME": ask.corpus.workspace.path("state")]
        let indexed = try AskDocsProcess.run(
            ["index", ask.corpus.docs, "--db", primary, "--retriever", ask.corpus.model.path], environment: state)
        #expect(indexed.status == 0, "\(indexed.standardError)")
        func askJSON(_ question: String, db: String) throws -> Any? {
            let result = try AskDocsProcess.run(
                ["ask", question, "--json", "--passages", "3", "--db", db, "--reader", AskCorpus.reader])
            #expect(result.status == 0, "\(result.standardError)")
            return try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8))
        }
        // The replica has replayed the publish once it answers at all (the index is one generation old at most).
        let server = try ServeProcess(["--reader", AskCorpus.reader, "--db", replica])
        for (_, question) in ask.questions.prefix(3) {
            let shared = try askJSON(question, db: primary)
            #expect(Self.comparable(shared) == Self.comparable(try askJSON(question, db: ask.corpus.db)), "\(question)")
            let reply = try await server.post("/v1/ask", json: ["question": question, "passages": 3])
            #expect(reply.status == 200, "\(reply.text)")
            #expect(Self.comparable(reply.json) == Self.comparable(shared), "\(question): \(reply.text)")
        }
        let question =
            ["question": "Where is the zebrafish laboratory?", "mode": "bm25", "passages": 5] as [String: Any]
        let before = try #require(try await server.post("/v1/ask", json: question).json as? [String: Any])
        try ask.corpus.workspace.write("docs/zebrafish.txt", "The zebrafish laboratory is in Uppsala, near the castle.")
        let reindexed = try AskDocsProcess.run(["reindex", "--db", primary], environment: state)
        #expect(reindexed.status == 0, "\(reindexed.standardError)")
        var found = false
        for _ in 0..<50 where !found {
            let after = try await server.post("/v1/ask", json: question).json as? [String: Any]
            let passages = after?["passages"] as? [[String: Any]] ?? []
            found =
                (after?["generation"] as? Int ?? 0) > (before["generation"] as? Int ?? 0)
                && passages.contains { ($0["text"] as? String)?.contains("zebrafish") == true }
            if !found { try await Task.sleep(for: .milliseconds(100)) }
        }
        #expect(found, "the server never saw the new generation")
        #expect(server.terminate() == 0)
    }
}
