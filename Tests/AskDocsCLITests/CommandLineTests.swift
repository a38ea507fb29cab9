import Foundation
import TestSupport
import Testing

@testable import AskDocsCLI

/// Runs the built `askdocs` executable, as a user would.
struct AskDocsProcess {
    /// The `askdocs` binary next to the test bundle in the build folder.
    static var executable: URL {
        var directory = Bundle.main.bundleURL
        for _ in 0..<4 where !FileManager.default.fileExists(atPath: directory.appendingPathComponent("askdocs").path) {
            directory.deleteLastPathComponent()
        }
        return directory.appendingPathComponent("askdocs")
    }

    struct Result {
        var status: Int32
        var standardOutput: String
        var standardError: String
    }

    /// Runs `askdocs arguments` with exactly `environment`.
    static func run(_ arguments: [String], fullEnvironment environment: [String: String]) throws -> Result {
        Result(try ChildProcess.run(executable.path, arguments, environment: environment))
    }

    /// Runs `askdocs arguments` in `directory` (nil: the test's working directory), with `input` on its stdin and
    /// `environment` added to the test's.
    static func run(
        _ arguments: [String], input: Data? = nil, directory: URL? = nil, environment: [String: String] = [:]
    ) throws -> Result {
        try runTool(executable.path, arguments: arguments, input: input, directory: directory, environment: environment)
    }

    /// Runs another program (a script, Python) the same way.
    static func runTool(
        _ path: String, arguments: [String], input: Data? = nil, directory: URL? = nil,
        environment: [String: String] = [:]
    ) throws -> Result {
        Result(
            try ChildProcess.run(
                path, arguments, environment: ChildProcess.environment(adding: environment), directory: directory?.path,
                input: input))
    }
}

extension AskDocsProcess.Result {
    /// A run's output as text.
    init(_ result: ChildProcess.Result) {
        self.init(
            status: result.status, standardOutput: String(decoding: result.standardOutput, as: UTF8.self),
            standardError: String(decoding: result.standardError, as: UTF8.self))
    }
}

@Suite("askdocs command line")
struct CommandLineTests {
    @Test("--help lists every planned subcommand")
    func helpListsSubcommands() throws {
        let result = try AskDocsProcess.run(["--help"])
        #expect(result.status == 0)
        for name in [
            "index", "ask", "search", "read", "tokenize", "embed", "eval", "reindex", "check", "models", "serve",
        ] {
            #expect(result.standardOutput.contains("  \(name) "), "missing \(name)")
        }
    }

    @Test("serve with a reader folder that does not exist exits 1 with one actionable line")
    func serveWithMissingReaderFails() throws {
        let result = try AskDocsProcess.run(
            ["serve", "--port", "0", "--reader", "/nonexistent/reader"],
            environment: ["HF_HUB_CACHE": "/nonexistent/cache"])
        #expect(result.status == 1)
        let last = result.standardError.split(separator: "\n").last.map(String.init) ?? ""
        #expect(
            last == "Error: reader model folder /nonexistent/reader does not exist; "
                + "give a reader model folder or a Hugging Face id in /nonexistent/cache", "\(result.standardError)")
    }

    @Test(
        "help discussions join their lines without stray backslashes",
        arguments: [
            ["search"], ["check"], ["eval", "retrieval"], ["index"], ["read"], ["eval", "squad"], ["reindex"],
        ])
    func helpHasNoStrayBackslashes(command: [String]) throws {
        let result = try AskDocsProcess.run(command + ["--help"])
        #expect(result.status == 0)
        #expect(result.standardOutput.contains("OVERVIEW"))
        for line in result.standardOutput.split(separator: "\n") {
            #expect(!line.hasSuffix("\\"), "\(command.joined(separator: " ")): \(line)")
        }
    }
}

@Suite("terminal progress")
struct TerminalProgressTests {
    @Test(
        "ETAs read in seconds, minutes and hours",
        arguments: [
            (0.0, "0s"), (42.4, "42s"), (59.6, "1m00s"), (934, "15m34s"), (3599, "59m59s"), (3600, "1h00m"),
            (7530, "2h05m"),
        ])
    func durations(seconds: Double, expected: String) {
        #expect(TerminalProgress.duration(seconds) == expected)
    }

    @Test("a count line has the label, the count, the rate and the ETA")
    func countLine() {
        #expect(
            TerminalProgress.countDetails(3, 10, "chunks embedded", rate: 1.5, secondsLeft: 934)
                == "chunks embedded 3/10  1.5/s ETA 15m34s")
        #expect(TerminalProgress.line(fraction: 0.5, details: "x", width: 4) == "[##--] x")
    }

    @Test("progress stays off when stderr is a pipe")
    func quietWhenPiped() throws {
        let workspace = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-quiet-\(UUID())")
        try FileManager.default.createDirectory(at: workspace, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: workspace) }
        try Data("Ein kurzer Text.".utf8).write(to: workspace.appendingPathComponent("a.txt"))
        let result = try AskDocsProcess.run([
            "index", "--no-embed", workspace.appendingPathComponent("a.txt").path, "--db",
            workspace.appendingPathComponent("db.sqlite").path,
        ])
        #expect(result.status == 0, "\(result.standardError)")
        #expect(result.standardError.isEmpty)
    }
}
