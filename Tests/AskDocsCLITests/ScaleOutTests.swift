import Foundation
import PostgresStore
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// The scale-out deployment as README describes it, every part a real process: a PostgreSQL primary and streaming
/// replica, a writer (`index`, `reindex`) on the primary, two `serve` replicas reading the replica, and haproxy
/// (`scripts/deploy/haproxy.cfg`) in front of them, with questions flowing through it the whole time.
@Suite("askdocs serve replicas behind haproxy over a shared PostgreSQL index", .serialized)
struct ScaleOutTests {
    /// The corpus's files (path, text) as the writer read them for one published generation.
    typealias Files = [String: String]

    static func files(in folder: String) throws -> Files {
        var files: Files = [:]
        for name in try FileManager.default.contentsOfDirectory(atPath: folder) where name.hasSuffix(".txt") {
            files[folder + "/" + name] = try String(contentsOfFile: folder + "/" + name, encoding: .utf8)
        }
        return files
    }

    /// The generation PostgreSQL publishes now.
    static func published(_ url: String) throws -> Int {
        Int(try PostgresIndex(url).read { try $0.generation() } ?? -1)
    }

    /// The generation an answer names, nil for one that names none.
    static func generation(of outcome: QuestionLoad.Outcome) -> Int? {
        (try? JSONSerialization.jsonObject(with: outcome.body) as? [String: Any])?["generation"] as? Int
    }

    /// Successful answers `/v1/ask` replied to `/metrics` of one replica.
    static func answered(_ server: ServeProcess) throws -> Int {
        let text = try server.blockingSend("GET", "/metrics").text
        return text.split(separator: "\n").filter {
            $0.hasPrefix("askdocs_http_requests_total{") && $0.contains("route=\"/v1/ask\"")
                && $0.contains("status=\"200\"")
        }.reduce(0) { $0 + (Int(Double($1.split(separator: " ").last ?? "") ?? 0)) }
    }

    /// Why an answer is not wholly of the generation it names, or nil when it is: every passage must be the slice
    /// its offsets name of its file as that generation's writer read it.
    static func mismatch(_ outcome: QuestionLoad.Outcome, generations: [Int: Files]) -> String? {
        guard outcome.status == 200 else {
            return "HTTP \(outcome.status) \(outcome.failure ?? String(decoding: outcome.body, as: UTF8.self))"
        }
        guard let object = try? JSONSerialization.jsonObject(with: outcome.body) as? [String: Any],
            let generation = object["generation"] as? Int
        else { return "no generation in \(String(decoding: outcome.body, as: UTF8.self))" }
        guard let files = generations[generation] else { return "generation \(generation) was never published" }
        let passages = object["passages"] as? [[String: Any]] ?? []
        if passages.isEmpty { return "generation \(generation): no passages" }
        for passage in passages {
            let path = (passage["document"] as? [String: Any])?["path"] as? String ?? ""
            let (start, end) = (passage["start"] as? Int ?? -1, passage["end"] as? Int ?? -1)
            guard let text = files[path] else { return "generation \(generation) has no file \(path)" }
            let scalars = Array(text.unicodeScalars)
            guard 0 <= start, start <= end, end <= scalars.count,
                String(String.UnicodeScalarView(scalars[start..<end])) == passage["text"] as? String
            else { return "generation \(generation): \(path) \(start)..<\(end) is not that generation's text" }
        }
        return nil
    }

    /// Whether process `pid` is stopped (SIGSTOP).
    static func isStopped(_ pid: Int32) -> Bool {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
            let close = stat.lastIndex(of: ")")
        else { return false }
        return stat[stat.index(close, offsetBy: 2)] == "T"
    }

    @Test(
        "reindexes publish while questions flow through haproxy; a replica killed, then the primary mid-publish: no error, no mixed generation"
    )
    func replicasBehindBalancer() throws {
        let cluster = try DedicatedPostgres()
        let corpus = try ChangingCorpus(files: 8)
        let state = ["XDG_STATE_HOME": corpus.workspace.path("state")]
        func write(_ arguments: [String], _ environment: [String: String] = [:]) throws -> AskDocsProcess.Result {
            try AskDocsProcess.run(
                arguments + ["--db", cluster.primary], environment: state.merging(environment) { $1 })
        }
        var generations: [Int: Files] = [:]
        func recordPublished() throws {
            generations[try Self.published(cluster.primary)] = try Self.files(in: corpus.docs)
        }

        let indexed = try write(["index", corpus.docs, "--retriever", corpus.model.path])
        #expect(indexed.status == 0, "\(indexed.standardError)")
        try recordPublished()
        let replicas = try (0..<2).map { _ in
            try ServeProcess(["--reader", ServeProcess.tinyReader, "--db", cluster.replica])
        }
        let balancer = try Balancer(
            replicas: (replicas[0].port, replicas[1].port), log: corpus.workspace.path("haproxy.log"))
        let questions = ["Which note tells of rivers?", "What did the edit say?", "Where are the ferries?"]
        let load = QuestionLoad(port: balancer.port, questions: questions, threads: 3)
        try load.waitFor(10, after: 0)

        // Reindexes publish new generations on the primary while questions flow.
        for _ in 0..<2 {
            try corpus.change()
            let result = try write(["reindex"])
            #expect(result.status == 0, "\(result.standardError)")
            try recordPublished()
            try load.waitFor(5, after: load.count)
        }
        #expect(try replicas.map(Self.answered).allSatisfy { $0 > 0 }, "the balancer sent questions to both replicas")

        // One replica killed under load: the balancer resends what it dropped, the other answers everything.
        let beforeKill = load.count
        kill(replicas[0].process.processIdentifier, SIGKILL)
        try corpus.change()
        let alone = try write(["reindex"])
        #expect(alone.status == 0, "\(alone.standardError)")
        try recordPublished()
        try load.waitFor(10, after: load.count)
        let servedAlone = load.outcomes(from: beforeKill)

        // The primary killed inside the writer's PostgreSQL transaction: the writer fails with one line, and the
        // replica keeps serving the generation published before.
        let lastPublished = try Self.published(cluster.primary)
        try corpus.change(added: 2)
        let writerErrors = corpus.workspace.path("writer.err")
        let writer = try ChildProcess(
            AskDocsProcess.executable.path, ["reindex", "--db", cluster.primary],
            environment: ChildProcess.environment(
                adding: state.merging(["ASKDOCS_FAULT_INJECTION": "sharing:1:stop"]) { $1 }),
            error: .file(writerErrors))
        let deadline = Date().addingTimeInterval(60)
        while !Self.isStopped(writer.processIdentifier) && writer.isRunning && Date() < deadline { usleep(10_000) }
        #expect(Self.isStopped(writer.processIdentifier), "the writer never reached its PostgreSQL publish")
        try cluster.killPrimary()
        writer.signal(SIGCONT)
        let exitBy = Date().addingTimeInterval(60)
        while writer.isRunning && Date() < exitBy { usleep(10_000) }
        if writer.isRunning {
            Issue.record("the writer still waits a minute after its server died")
            writer.signal(SIGKILL)
        }
        try writer.waitUntilExit()
        let message = try String(contentsOfFile: writerErrors, encoding: .utf8)
        #expect(writer.terminationStatus == 1, "\(message)")
        let errorLines = message.split(separator: "\n").filter { $0.hasPrefix("Error:") }
        #expect(errorLines.count == 1, "\(message)")
        let afterPrimary = load.count
        try load.waitFor(10, after: afterPrimary)
        let servedWithoutPrimary = load.outcomes(from: afterPrimary)

        // The primary back: the next run publishes what the killed one could not, and the replicas pick it up.
        try cluster.restart()
        let resumed = try write(["reindex"])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        try recordPublished()
        let final = try Self.published(cluster.primary)
        var seenFinal = false
        let resumedAt = load.count
        let until = Date().addingTimeInterval(60)
        while !seenFinal && Date() < until {
            usleep(100_000)
            seenFinal = load.outcomes(from: resumedAt).contains { Self.generation(of: $0) == final }
        }
        let outcomes = load.stop()
        balancer.stop()

        #expect(seenFinal, "the replicas never answered from generation \(final)")
        #expect(!servedAlone.isEmpty && servedWithoutPrimary.count >= 10)
        let stale = servedWithoutPrimary.compactMap(Self.generation(of:))
        #expect(stale.allSatisfy { $0 == lastPublished }, "without the primary: \(Set(stale)) vs \(lastPublished)")
        let failures = outcomes.compactMap { Self.mismatch($0, generations: generations) }
        #expect(failures.isEmpty, "\(failures.count) of \(outcomes.count): \(failures.prefix(5))")
        let seen = Set(
            outcomes.compactMap(Self.generation(of:)))
        #expect(seen.count >= 4, "answers came from generations \(seen.sorted()) of \(generations.keys.sorted())")
        #expect(replicas[1].terminate() == 0)
    }
}
