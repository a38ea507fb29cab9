import Foundation
import TestSupport

/// The local Hub stand-in (`hub_standin.py`) on 127.0.0.1, on a port the system picks; stopped on `deinit`.
final class HubStandIn: @unchecked Sendable {
    // @unchecked: `process` is set once in init; ChildProcess is safe to share.
    /// Its standard input is held open while the stand-in should run: it exits when that closes, even if the test
    /// process dies.
    private let process: ChildProcess
    let port: Int
    var endpoint: String { "http://127.0.0.1:\(port)" }

    /// Serves `repos` (id → folder) with these extra stand-in options (`--drop-after`, `--corrupt`, `--token`...).
    init(repos: [String: URL], options: [String] = []) throws {
        (process, port) = try ChildProcess.standIn(
            Self.script.path,
            repos.sorted { $0.key < $1.key }.flatMap { ["--repo", "\($0)=\($1.path)"] } + options)
    }

    deinit { stop() }

    func stop() {
        try? process.standardInput?.close()
        process.terminate()
    }

    struct StandInError: Error { var message: String }

    static let tests = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
    static let script = tests.appendingPathComponent("Support/hub_standin.py")
    /// The repository root.
    static let repository = tests.deletingLastPathComponent().deletingLastPathComponent()
    /// The committed tiny models.
    static let fixtures = repository.appendingPathComponent("Tests/TransformerTests/Fixtures")
}

/// A throw-away folder, removed on deinit.
final class TemporaryFolder: @unchecked Sendable {
    let url: URL

    init() throws {
        url = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-hub-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: url) }
}

/// Test repos: copies of the committed fixtures, plus files a pull must skip.
enum TestRepos {
    /// `tiny-xlmr-qa` with a README, pickled weights and an ONNX export beside it.
    static func questionAnswering(in folder: URL) throws -> URL {
        let repo = folder.appendingPathComponent("repo-qa")
        try FileManager.default.copyItem(at: HubStandIn.fixtures.appendingPathComponent("tiny-xlmr-qa"), to: repo)
        try Data("# tiny\n".utf8).write(to: repo.appendingPathComponent("README.md"))
        try Data(repeating: 7, count: 1000).write(to: repo.appendingPathComponent("pytorch_model.bin"))
        try FileManager.default.createDirectory(
            at: repo.appendingPathComponent("onnx"), withIntermediateDirectories: true)
        try Data(repeating: 9, count: 100).write(to: repo.appendingPathComponent("onnx/model.onnx"))
        return repo
    }

    /// A repo with only `pytorch_model.bin` weights.
    static func pickleOnly(in folder: URL) throws -> URL {
        let repo = folder.appendingPathComponent("repo-pickle")
        try FileManager.default.createDirectory(at: repo, withIntermediateDirectories: true)
        try Data("{}".utf8).write(to: repo.appendingPathComponent("config.json"))
        try Data(repeating: 7, count: 1000).write(to: repo.appendingPathComponent("pytorch_model.bin"))
        return repo
    }

    /// The sentence-transformers fixture (with the nested `1_Pooling/config.json`).
    static var sentenceEmbedding: URL { HubStandIn.fixtures.appendingPathComponent("tiny-bert-mean") }
}

/// The `huggingface_hub`-only venv of `scripts/hub-venv` (created on first use, reused after).
enum HuggingFaceHubPython {
    /// Runs `code` with the venv's python and `environment`; returns stdout, or throws with stderr.
    static func run(_ code: String, environment: [String: String]) throws -> String {
        let python = try interpreter()
        var added = ["HF_HUB_DISABLE_TELEMETRY": "1", "HF_HUB_DISABLE_PROGRESS_BARS": "1"]
        added.merge(environment) { $1 }
        let result = try ChildProcess.run(
            python, ["-c", code], environment: ChildProcess.environment(adding: added) { $0.hasPrefix("HF_") })
        guard result.status == 0 else {
            throw HubStandIn.StandInError(
                message: "huggingface_hub failed: " + String(decoding: result.standardError, as: UTF8.self))
        }
        return String(decoding: result.standardOutput, as: UTF8.self)
    }

    private static func interpreter() throws -> String {
        let result = try ChildProcess.run(
            HubStandIn.repository.appendingPathComponent("scripts/hub-venv").path, [])
        guard result.status == 0 else {
            throw HubStandIn.StandInError(message: "scripts/hub-venv failed")
        }
        return String(decoding: result.standardOutput, as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
    }
}
