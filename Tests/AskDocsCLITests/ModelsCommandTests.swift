import Foundation
import TestSupport
import Testing

/// `askdocs models pull|list|verify|rm` end to end: the built executable over real pipes, against the local Hub
/// stand-in (`Tests/HubTests/Support/hub_standin.py`) serving the committed tiny QA model.
@Suite("askdocs models")
struct ModelsCommandTests {
    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()

    /// Runs `askdocs` with `environment` added to (HF_ variables replaced in) this process's environment.
    static func run(_ arguments: [String], environment: [String: String]) throws -> AskDocsProcess.Result {
        try AskDocsProcess.run(
            arguments, fullEnvironment: ChildProcess.environment(adding: environment) { $0.hasPrefix("HF_") })
    }

    /// Starts the stand-in serving `tests/tiny-qa`; returns it and its endpoint.
    static func startStandIn() throws -> (ChildProcess, String) {
        // The stand-in exits when its stdin closes: when the returned process is released or this test process
        // ends, whatever happens.
        let (process, port) = try ChildProcess.standIn(
            tests.appendingPathComponent("HubTests/Support/hub_standin.py").path,
            ["--repo", "tests/tiny-qa=" + tests.appendingPathComponent("TransformerTests/Fixtures/tiny-xlmr-qa").path])
        return (process, "http://127.0.0.1:\(port)")
    }

    @Test("pull (quiet when piped), list, verify and rm over a fresh cache")
    func lifecycle() throws {
        let (server, endpoint) = try Self.startStandIn()
        defer { server.terminate() }
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-models-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cache) }
        let env = ["HF_ENDPOINT": endpoint, "HF_HUB_CACHE": cache.path]

        let pull = try Self.run(["models", "pull", "tests/tiny-qa"], environment: env)
        #expect(pull.status == 0, "\(pull.standardError)")
        let snapshot = pull.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(snapshot.hasPrefix(cache.appendingPathComponent("models--tests--tiny-qa/snapshots/").path))
        #expect(FileManager.default.fileExists(atPath: snapshot + "/model.safetensors"))
        #expect(!pull.standardError.contains("\r"), "a progress bar on a pipe")
        #expect(pull.standardError.contains("5 files"))

        let list = try Self.run(["models", "list"], environment: env)
        #expect(list.status == 0)
        #expect(list.standardOutput.contains("tests/tiny-qa\tmain\t"))
        #expect(list.standardOutput.contains("\tyes"))

        let verify = try Self.run(["models", "verify", "tests/tiny-qa"], environment: env)
        #expect(verify.status == 0)
        #expect(verify.standardOutput.split(separator: "\n").count == 5)

        let offline = try Self.run(
            ["models", "pull", "tests/tiny-qa"], environment: env.merging(["HF_HUB_OFFLINE": "1"]) { $1 })
        #expect(
            offline.status == 0 && offline.standardOutput.trimmingCharacters(in: .whitespacesAndNewlines) == snapshot)

        let rm = try Self.run(["models", "rm", "tests/tiny-qa"], environment: env)
        #expect(rm.status == 0 && rm.standardError.contains("removed tests/tiny-qa"))
        let empty = try Self.run(["models", "list"], environment: env)
        #expect(empty.standardError.contains("no models"))
    }

    @Test("errors are one line: a bad id, a missing repo, offline without the model")
    func errors() throws {
        let (server, endpoint) = try Self.startStandIn()
        defer { server.terminate() }
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-models-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cache) }
        let env = ["HF_ENDPOINT": endpoint, "HF_HUB_CACHE": cache.path]
        let bad = try Self.run(["models", "pull", "not-an-id"], environment: env)
        #expect(bad.status != 0 && bad.standardError.contains("OWNER/NAME"))
        let missing = try Self.run(["models", "pull", "tests/missing"], environment: env)
        #expect(missing.status != 0 && missing.standardError.contains("no model tests/missing on the Hub"))
        let offline = try Self.run(
            ["models", "pull", "tests/tiny-qa"], environment: env.merging(["HF_HUB_OFFLINE": "1"]) { $1 })
        #expect(offline.status != 0 && offline.standardError.contains("offline mode"))
        #expect(offline.standardError.split(separator: "\n").count == 1)
    }

    @Test("a missing model names the pull that fetches it and its download size; offline, no size and no wait")
    func missingModelSize() throws {
        let (server, endpoint) = try Self.startStandIn()
        defer { server.terminate() }
        let cache = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-models-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: cache) }
        let env = ["HF_ENDPOINT": endpoint, "HF_HUB_CACHE": cache.path]
        let read = ["read", "--model", "tests/tiny-qa", "--question", "Who?", "--context", "Clara."]
        let missing = try Self.run(read, environment: env)
        #expect(missing.status == 1 && missing.standardError.split(separator: "\n").count == 1, "\(missing)")
        #expect(missing.standardError.contains("`askdocs models pull tests/tiny-qa`"), "\(missing.standardError)")
        // The size is what the pull then reports for the same files.
        let pull = try Self.run(["models", "pull", "tests/tiny-qa"], environment: env)
        #expect(pull.status == 0, "\(pull.standardError)")
        let pulled = try #require(pull.standardError.firstMatch(of: /5 files, ([0-9.]+ [kMG]?B) \(/)).output.1
        #expect(
            missing.standardError.contains("(tests/tiny-qa is a \(pulled) download)"),
            "\(missing.standardError) vs \(pull.standardError)")
        // Offline (and for a folder path) the message says nothing of a size and does not touch the network.
        let empty = cache.appendingPathComponent("empty")
        let offline = try Self.run(
            read, environment: ["HF_ENDPOINT": endpoint, "HF_HUB_CACHE": empty.path, "HF_HUB_OFFLINE": "1"])
        #expect(offline.status == 1 && offline.standardError.contains("models pull tests/tiny-qa"))
        #expect(!offline.standardError.contains("download)"), "\(offline.standardError)")
        let unreachable = try Self.run(
            read, environment: ["HF_ENDPOINT": "http://127.0.0.1:9", "HF_HUB_CACHE": empty.path])
        #expect(unreachable.status == 1 && unreachable.standardError.split(separator: "\n").count == 1)
        #expect(!unreachable.standardError.contains("download)"), "\(unreachable.standardError)")
    }
}
