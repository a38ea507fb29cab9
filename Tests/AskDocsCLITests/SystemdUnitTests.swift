import AskDocs
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// `scripts/systemd/askdocs-reindex.{service,timer}` as systemd reads them (`systemd-analyze verify`, which needs no
/// running systemd), and the service's command run where and as the unit runs it. Only starting them under a live
/// systemd (PID 1, which these machines do not run) is left out.
@Suite("systemd units", .serialized)
struct SystemdUnitTests {
    static let folder = PostgresTestCluster.packageRoot.appendingPathComponent("scripts/systemd")

    /// The `Key=value` lines of `section` in `unit`, in order (a key may repeat).
    static func settings(_ unit: String, section: String) throws -> [(key: String, value: String)] {
        let text = try String(contentsOf: folder.appendingPathComponent(unit), encoding: .utf8)
        var current = ""
        var result: [(String, String)] = []
        for line in text.split(separator: "\n").map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("[") { current = line }
            guard current == "[\(section)]", !line.hasPrefix("#"), let equals = line.firstIndex(of: "=") else {
                continue
            }
            result.append((String(line[..<equals]), String(line[line.index(after: equals)...])))
        }
        return result
    }

    /// Copies of the units in a new folder, the service's `/usr/local/bin/askdocs` replaced by the built one (verify
    /// checks that the command exists), with `extra` appended to the service.
    static func installedCopies(extra: String = "") throws -> URL {
        let copies = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: copies, withIntermediateDirectories: true)
        for unit in ["askdocs-reindex.service", "askdocs-reindex.timer"] {
            var text = try String(contentsOf: folder.appendingPathComponent(unit), encoding: .utf8)
            if unit.hasSuffix(".service") {
                text = text.replacingOccurrences(of: "/usr/local/bin/askdocs", with: AskDocsProcess.executable.path)
                text += extra
            }
            try Data(text.utf8).write(to: copies.appendingPathComponent(unit))
        }
        return copies
    }

    /// `systemd-analyze verify` of the copies: its status and everything it said.
    static func verify(_ copies: URL) throws -> (status: Int32, said: String) {
        let result = try ChildProcess.run(
            "/usr/bin/env",
            ["systemd-analyze", "verify"]
                + ["askdocs-reindex.service", "askdocs-reindex.timer"].map {
                    copies.appendingPathComponent($0).path
                }, timeout: 60)
        let said = String(decoding: result.standardOutput + result.standardError, as: UTF8.self)
        return (result.status, said.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    @Test("the service and the timer verify without a word from systemd; a unit it would warn about does not")
    func verifies() throws {
        let copies = try Self.installedCopies()
        defer { try? FileManager.default.removeItem(at: copies) }
        let clean = try Self.verify(copies)
        #expect(clean.status == 0 && clean.said.isEmpty, "\(clean.said)")
        // The check can fail: systemd ignores an unknown key with a warning (and status 0).
        let warned = try Self.installedCopies(extra: "Nicenes=10\n")
        defer { try? FileManager.default.removeItem(at: warned) }
        #expect(try Self.verify(warned).said.contains("Unknown key"))
        // The timer's calendar is one systemd parses; it catches up missed runs.
        let timer = try Self.settings("askdocs-reindex.timer", section: "Timer")
        let calendar = try #require(timer.first { $0.key == "OnCalendar" }?.value)
        let parsed = try ChildProcess.run("/usr/bin/env", ["systemd-analyze", "calendar", calendar], timeout: 60)
        #expect(parsed.status == 0, "\(String(decoding: parsed.standardError, as: UTF8.self))")
        #expect(timer.contains { $0 == ("Persistent", "true") })
        #expect(try Self.settings("askdocs-reindex.timer", section: "Install").contains { $0.value == "timers.target" })
    }

    @Test("the service's command, run in its working directory under journald, reindexes; a refused run is success")
    func runsAsTheUnitDoes() throws {
        let service = try Self.settings("askdocs-reindex.service", section: "Service")
        #expect(service.contains { $0 == ("Type", "oneshot") })
        let command = try #require(service.first { $0.key == "ExecStart" }?.value).split(separator: " ").map(
            String.init)
        let workingDirectory = try #require(service.first { $0.key == "WorkingDirectory" }?.value)
        let success = Set(
            service.filter { $0.key == "SuccessExitStatus" }.flatMap { $0.value.split(separator: " ") }
                .compactMap { Int32($0) } + [0])
        #expect(command.first == "/usr/local/bin/askdocs" && command.dropFirst() == ["reindex"])
        // A user's home as the unit expects it: an index and its askdocs.toml in ~/askdocs.
        let corpus = try ChangingCorpus(files: 3)
        #expect(try corpus.index().status == 0)
        let home = corpus.workspace.path("home")
        let directory = workingDirectory.replacingOccurrences(of: "%h", with: home)
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data("database = \"\(corpus.db)\"\n".utf8).write(
            to: URL(fileURLWithPath: directory).appendingPathComponent(Configuration.fileName))
        try corpus.change()
        // systemd gives the service's output to journald and says so in JOURNAL_STREAM.
        let environment = ["HOME": home, "JOURNAL_STREAM": "8:1234"]
        func runUnit() throws -> AskDocsProcess.Result {
            try AskDocsProcess.run(
                Array(command.dropFirst()), directory: URL(fileURLWithPath: directory), environment: environment)
        }
        let run = try runUnit()
        #expect(run.status == 0, "\(run.standardError)")
        #expect(run.standardError.contains("<6>info: published generation"), "\(run.standardError)")
        #expect(try corpus.contents().matches(try corpus.fromScratch()))
        // Another writer holds the index: the refusal's status is one the unit counts as success (no failed unit
        // for a run that the next night catches up), a status 1 would be a failure.
        let lock = try IndexLock.acquire(database: corpus.db)
        defer { lock.release() }
        let refused = try runUnit()
        #expect(refused.status == 75, "\(refused.standardError)")
        #expect(success.contains(refused.status) && !success.contains(1))
    }
}
