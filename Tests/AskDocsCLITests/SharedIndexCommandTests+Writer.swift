import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The one writer of a shared index is its working index, a folder of state on one machine: moved with it, the
/// writer goes on where it stopped; lost, the next run rebuilds it from the files and publishes a consistent
/// generation over the old one.
extension SharedIndexCommandTests {
    /// The JSON object a `--json` run printed.
    static func report(_ result: AskDocsProcess.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
    }

    @Test("a writer's state folder moved to another machine goes on incrementally: nothing embedded or republished")
    func movedWriter() throws {
        let shared = try Shared(files: 6)
        #expect(try shared.index().status == 0)
        var moved = shared
        moved.state = shared.corpus.workspace.path("other-machine-state")
        try FileManager.default.copyItem(atPath: shared.state, toPath: moved.state)
        let unchanged = try moved.run(["reindex", "--json"])
        #expect(unchanged.status == 0, "\(unchanged.standardError)")
        let quiet = try Self.report(unchanged)
        #expect(quiet["chunks_added"] as? Int == 0 && quiet["files_unchanged"] as? Int == 6, "\(quiet)")
        #expect(!unchanged.standardError.contains("published generation"), "\(unchanged.standardError)")
        try shared.corpus.change()
        let changed = try moved.run(["reindex", "--json"])
        #expect(changed.status == 0, "\(changed.standardError)")
        #expect(try moved.agrees(on: shared.primary))
        #expect(try moved.run(["check"]).status == 0)
    }

    @Test("a writer whose state was lost rebuilds it from the files and publishes a consistent generation")
    func lostWriterState() throws {
        let shared = try Shared(files: 6)
        #expect(try shared.index().status == 0)
        try shared.corpus.change()
        var rebuilt = shared
        rebuilt.state = shared.corpus.workspace.path("fresh-state")
        let result = try rebuilt.index()
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try rebuilt.agrees(on: shared.primary))
        let check = try rebuilt.run(["check", "--json"])
        #expect(check.status == 0, "\(check.standardOutput) \(check.standardError)")
        // The old writer's state is no longer what the database publishes: its check says so, and its next run
        // publishes it over the other (whole, from nothing), not mixed into it.
        let stale = try shared.run(["check"])
        #expect(stale.status == 1, "\(stale.standardOutput)")
        #expect(stale.standardOutput.contains("last published by another working index"), "\(stale.standardOutput)")
        let returned = try shared.run(["reindex"])
        #expect(returned.status == 0, "\(returned.standardError)")
        #expect(try shared.agrees(on: shared.primary))
        #expect(try shared.run(["check"]).status == 0)
        #expect(try rebuilt.run(["check"]).status == 1)
    }

    @Test("a publish replacing every vector (another retriever) keeps dense searches answering until its commit")
    func retrieverChangeKeepsReaders() async throws {
        let shared = try Shared(files: 6)
        #expect(try shared.index().status == 0)
        // A server that loaded the retriever the index was built with, before the rebuild.
        let server = try ServeProcess(["--reader", AskCorpus.reader, "--db", shared.primary])
        let question = ["question": "Where are the rivers?", "mode": "dense", "passages": 3] as [String: Any]
        let served = try await server.post("/v1/ask", json: question)
        #expect(served.status == 200, "\(served.text)")
        let before = try shared.search("rivers", mode: "dense", db: shared.primary)
        #expect(!before.isEmpty)
        let other = try EmbedCommandTests.modelFolder("tiny-bert-cls")
        defer { try? FileManager.default.removeItem(at: other) }
        // The writer stopped inside its PostgreSQL transaction, after its first batch of new vectors.
        let writer = try ChildProcess(
            AskDocsProcess.executable.path, ["reindex", "--retriever", other.path, "--db", shared.primary],
            environment: ChildProcess.environment(
                adding: shared.environment.merging(["ASKDOCS_FAULT_INJECTION": "sharing:1:stop"]) { $1 }),
            error: .file(shared.corpus.workspace.path("writer.err")))
        let deadline = Date().addingTimeInterval(60)
        while !ScaleOutTests.isStopped(writer.processIdentifier) && writer.isRunning && Date() < deadline {
            usleep(10_000)
        }
        #expect(ScaleOutTests.isStopped(writer.processIdentifier), "the writer never reached its PostgreSQL publish")
        // Readers go on with the published generation: its vectors, at once. (Before, the publish dropped their
        // table first, and every dense search waited for the commit: here, failed at its 3 s lock_timeout.)
        let during = try shared.search("rivers", mode: "dense", db: shared.primary + "&lock_timeout=3s")
        #expect(during.map(\.1) == before.map(\.1))
        #expect(try await server.post("/v1/ask", json: question).status == 200)
        writer.signal(SIGCONT)
        try writer.waitUntilExit(timeout: 120)
        #expect(writer.terminationStatus == 0)
        // After the commit: the new retriever's vectors, ranking as the working index does.
        func dense(_ db: String) throws -> [Int] {
            let result = try shared.run(
                ["search", "rivers", "--json", "--mode", "dense", "--retriever", other.path], db: db)
            #expect(result.status == 0, "\(result.standardError)")
            let json = try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any]
            return (json?["results"] as? [[String: Any]] ?? []).compactMap { $0["chunk_id"] as? Int }
        }
        let published = try dense(shared.primary)
        let local = try dense(shared.working)
        #expect(!published.isEmpty && published == local)
        #expect(try shared.run(["check"]).status == 0)
        // The server's retriever is not the new vectors' model: it says so, never ranks by another model's vectors.
        let mismatched = try await server.post("/v1/ask", json: question)
        #expect(mismatched.status == 500 && mismatched.error?.contains("built with") == true, "\(mismatched.text)")
        #expect(server.terminate() == 0)
    }
}
