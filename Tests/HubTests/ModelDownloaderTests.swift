import Foundation
import Testing

@testable import Hub

/// Pulls over real HTTP from the local Hub stand-in into a fresh cache.
@Suite("ModelDownloader")
struct ModelDownloaderTests {
    static let fixture = HubStandIn.fixtures.appendingPathComponent("tiny-xlmr-qa")
    static let neededFiles = [
        "config.json", "model.safetensors", "special_tokens_map.json", "tokenizer.json", "tokenizer_config.json",
    ]

    static func environment(_ standIn: HubStandIn, cache: URL, token: String? = nil) -> HubEnvironment {
        HubEnvironment(endpoint: standIn.endpoint, token: token, offline: false, cache: HubCache(root: cache))
    }

    @Test("a fresh pull fetches only the needed files, verified, in huggingface_hub's layout")
    func freshPull() async throws {
        let temporary = try TemporaryFolder()
        let standIn = try HubStandIn(repos: ["tests/tiny-qa": TestRepos.questionAnswering(in: temporary.url)])
        let cacheRoot = temporary.url.appendingPathComponent("hub")
        let downloader = ModelDownloader(environment: Self.environment(standIn, cache: cacheRoot))
        let seen = ProgressLog()
        let model = try await downloader.pull("tests/tiny-qa") { seen.append($0) }

        let entry = cacheRoot.appendingPathComponent("models--tests--tiny-qa")
        #expect(model.files == Self.neededFiles)
        #expect(model.commit.count == 40)
        #expect(model.snapshot.path == entry.appendingPathComponent("snapshots/\(model.commit)").path)
        #expect(try String(contentsOf: entry.appendingPathComponent("refs/main"), encoding: .utf8) == model.commit)
        let fixtureBytes = try Self.neededFiles.reduce(Int64(0)) {
            $0 + Int64(try Data(contentsOf: Self.fixture.appendingPathComponent($1)).count)
        }
        #expect(model.totalBytes == fixtureBytes)
        #expect(model.downloadedBytes == fixtureBytes)
        for file in Self.neededFiles {
            let link = model.snapshot.appendingPathComponent(file)
            let target = try FileManager.default.destinationOfSymbolicLink(atPath: link.path)
            #expect(target.hasPrefix("../../blobs/"), "\(file) -> \(target)")
            #expect(try Data(contentsOf: link) == Data(contentsOf: Self.fixture.appendingPathComponent(file)))
        }
        // Blob names: the SHA-256 for the LFS file, the git blob id for small ones.
        let weights = try FileManager.default.destinationOfSymbolicLink(
            atPath: model.snapshot.appendingPathComponent("model.safetensors").path)
        let config = try FileManager.default.destinationOfSymbolicLink(
            atPath: model.snapshot.appendingPathComponent("config.json").path)
        let weightsBytes = try Data(contentsOf: Self.fixture.appendingPathComponent("model.safetensors"))
        #expect((weights as NSString).lastPathComponent == Self.sha256(weightsBytes))
        #expect((config as NSString).lastPathComponent == "afe80236fff99edf1a1e444f170b95bd6f5613e8")
        let blobs = try FileManager.default.contentsOfDirectory(atPath: entry.appendingPathComponent("blobs").path)
        #expect(blobs.count == 5 && !blobs.contains { $0.hasSuffix(".incomplete") })
        #expect(
            FileManager.default.fileExists(
                atPath: cacheRoot.appendingPathComponent(".locks/models--tests--tiny-qa").path))
        #expect(seen.last == HubProgress(file: "", completedBytes: fixtureBytes, totalBytes: fixtureBytes))
        #expect(seen.isMonotonic)

        // The snapshot is what the rest of AskDocs resolves the repo id to.
        #expect(try HubCache(root: cacheRoot).locate("tests/tiny-qa") == model.snapshot)
        let again = try await downloader.pull("tests/tiny-qa")
        #expect(again.downloadedBytes == 0 && again.snapshot == model.snapshot)
    }

    @Test("nested files get deeper relative links (../../../blobs/…) and a commit pulls like a branch")
    func nestedFilesAndCommitRevision() async throws {
        let temporary = try TemporaryFolder()
        let standIn = try HubStandIn(repos: ["tests/tiny-mean": TestRepos.sentenceEmbedding])
        let cacheRoot = temporary.url.appendingPathComponent("hub")
        let downloader = ModelDownloader(environment: Self.environment(standIn, cache: cacheRoot))
        let model = try await downloader.pull("tests/tiny-mean")
        #expect(model.files.contains("1_Pooling/config.json") && model.files.contains("modules.json"))
        let pooling = try FileManager.default.destinationOfSymbolicLink(
            atPath: model.snapshot.appendingPathComponent("1_Pooling/config.json").path)
        #expect(pooling.hasPrefix("../../../blobs/"))
        #expect(
            try Data(contentsOf: model.snapshot.appendingPathComponent("1_Pooling/config.json"))
                == Data(contentsOf: TestRepos.sentenceEmbedding.appendingPathComponent("1_Pooling/config.json")))
        let byCommit = try await downloader.pull("tests/tiny-mean", revision: model.commit)
        #expect(byCommit.snapshot == model.snapshot && byCommit.downloadedBytes == 0)
        let refs = try FileManager.default.contentsOfDirectory(
            atPath: cacheRoot.appendingPathComponent("models--tests--tiny-mean/refs").path)
        #expect(refs == ["main"])
    }

    @Test("a repo with only pytorch_model.bin is refused, naming the file")
    func pickleOnly() async throws {
        let temporary = try TemporaryFolder()
        let standIn = try HubStandIn(repos: ["tests/pickle": TestRepos.pickleOnly(in: temporary.url)])
        let downloader = ModelDownloader(
            environment: Self.environment(standIn, cache: temporary.url.appendingPathComponent("hub")))
        let error = await #expect(throws: HubError.self) { try await downloader.pull("tests/pickle") }
        #expect(error == .noSafetensors(repo: "tests/pickle", found: ["config.json", "pytorch_model.bin"]))
        #expect(error?.localizedDescription.contains("pytorch_model.bin") == true)
        #expect(
            !FileManager.default.fileExists(
                atPath: temporary.url.appendingPathComponent("hub/models--tests--pickle").path))
    }

    @Test("file selection keeps config, safetensors, tokenizer and module files only")
    func selection() {
        let needed = [
            "config.json", "model.safetensors", "model-00001-of-00002.safetensors", "model.safetensors.index.json",
            "tokenizer.json", "sentencepiece.bpe.model", "vocab.txt", "modules.json", "1_Pooling/config.json",
            "sentence_bert_config.json", "config_sentence_transformers.json", "special_tokens_map.json",
        ]
        let skipped = [
            "README.md", ".gitattributes", "pytorch_model.bin", "onnx/model.onnx", "onnx/config.json",
            "tf_model.h5", "flax_model.msgpack", "openvino/openvino_model.xml", "checkpoint-5/model.safetensors",
        ]
        for file in needed { #expect(ModelFileSelection.isNeeded(file), "\(file)") }
        for file in skipped { #expect(!ModelFileSelection.isNeeded(file), "\(file)") }
    }

    static func sha256(_ data: Data) -> String {
        var hasher = BlobHasher(for: .sha256(""), size: Int64(data.count))
        data.withUnsafeBytes { hasher.update($0) }
        return hasher.finalize()
    }
}

/// Progress reports collected from the download task.
final class ProgressLog: @unchecked Sendable {
    // @unchecked: guarded by `lock`.
    private let lock = NSLock()
    private var reports: [HubProgress] = []

    func append(_ progress: HubProgress) {
        lock.lock()
        reports.append(progress)
        lock.unlock()
    }

    var last: HubProgress? {
        lock.lock()
        defer { lock.unlock() }
        return reports.last
    }

    var isMonotonic: Bool {
        lock.lock()
        defer { lock.unlock() }
        return zip(reports, reports.dropFirst()).allSatisfy { $0.completedBytes <= $1.completedBytes }
    }
}
