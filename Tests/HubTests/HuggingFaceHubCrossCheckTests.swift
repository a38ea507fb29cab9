import Foundation
import Testing

@testable import Hub

/// The real client, `huggingface_hub` (in its own venv, `scripts/hub-venv`), against the same stand-in and cache.
@Suite("huggingface_hub cross-check")
struct HuggingFaceHubCrossCheckTests {
    typealias Base = ModelDownloaderTests

    @Test("a cache huggingface_hub filled is read, verified and reused by AskDocs")
    func pythonFillsAskDocsReads() async throws {
        let temporary = try TemporaryFolder()
        let standIn = try HubStandIn(
            repos: [
                "tests/tiny-qa": TestRepos.questionAnswering(in: temporary.url),
                "tests/tiny-mean": TestRepos.sentenceEmbedding,
            ])
        let cache = temporary.url.appendingPathComponent("hub")
        let output = try HuggingFaceHubPython.run(
            """
            from huggingface_hub import snapshot_download
            print(snapshot_download("tests/tiny-qa"))
            print(snapshot_download("tests/tiny-mean"))
            """, environment: ["HF_ENDPOINT": standIn.endpoint, "HF_HUB_CACHE": cache.path])
        let paths = output.split(separator: "\n").map(String.init)
        let hubCache = HubCache(root: cache)
        #expect(try hubCache.locate("tests/tiny-qa").path == paths.first)
        #expect(try hubCache.locate("tests/tiny-mean").path == paths.last)
        let verified = try hubCache.verify("tests/tiny-mean") + hubCache.verify("tests/tiny-qa")
        #expect(!verified.isEmpty && verified.allSatisfy { $0.status == .ok }, "\(verified)")
        #expect(hubCache.models().map(\.repo) == ["tests/tiny-mean", "tests/tiny-qa"])
        // AskDocs names its blobs exactly as huggingface_hub did, so nothing is fetched again.
        let model = try await ModelDownloader(environment: Base.environment(standIn, cache: cache)).pull(
            "tests/tiny-qa")
        #expect(model.downloadedBytes == 0 && model.snapshot.path == paths.first)
        let offline = HubEnvironment(endpoint: standIn.endpoint, offline: true, cache: hubCache)
        #expect(try await ModelDownloader(environment: offline).pull("tests/tiny-mean").snapshot.path == paths.last)
    }

    @Test("a cache AskDocs filled is read by huggingface_hub with HF_HUB_OFFLINE=1")
    func askDocsFillsPythonReads() async throws {
        let temporary = try TemporaryFolder()
        let standIn = try HubStandIn(repos: [
            "tests/tiny-qa": TestRepos.questionAnswering(in: temporary.url),
            "tests/tiny-mean": TestRepos.sentenceEmbedding,
        ])
        let cache = temporary.url.appendingPathComponent("hub")
        let environment = Base.environment(standIn, cache: cache)
        let qa = try await ModelDownloader(environment: environment).pull("tests/tiny-qa")
        let mean = try await ModelDownloader(environment: environment).pull("tests/tiny-mean")
        standIn.stop()
        let output = try HuggingFaceHubPython.run(
            """
            import hashlib
            from huggingface_hub import hf_hub_download, snapshot_download, scan_cache_dir
            print(snapshot_download("tests/tiny-qa", local_files_only=True))
            print(snapshot_download("tests/tiny-mean", local_files_only=True))
            path = hf_hub_download("tests/tiny-qa", "model.safetensors", local_files_only=True)
            print(hashlib.sha256(open(path, "rb").read()).hexdigest())
            path = hf_hub_download("tests/tiny-mean", "1_Pooling/config.json", local_files_only=True)
            print(hashlib.sha256(open(path, "rb").read()).hexdigest())
            info = {r.repo_id: r for r in scan_cache_dir().repos}
            print(info["tests/tiny-qa"].size_on_disk, sorted(f.file_name for r in info["tests/tiny-qa"].revisions for f in r.files))
            print(sorted(ref for r in info["tests/tiny-qa"].revisions for ref in r.refs))
            """, environment: ["HF_HUB_OFFLINE": "1", "HF_HUB_CACHE": cache.path, "HF_ENDPOINT": standIn.endpoint])
        let lines = output.split(separator: "\n").map(String.init)
        #expect(lines.count == 6, "\(output)")
        guard lines.count == 6 else { return }
        #expect(lines[0] == qa.snapshot.path)
        #expect(lines[1] == mean.snapshot.path)
        #expect(lines[2] == Base.sha256(try Data(contentsOf: Base.fixture.appendingPathComponent("model.safetensors"))))
        let pooling = try Data(contentsOf: TestRepos.sentenceEmbedding.appendingPathComponent("1_Pooling/config.json"))
        #expect(lines[3] == Base.sha256(pooling))
        let names = Base.neededFiles.map { "'\($0)'" }.joined(separator: ", ")
        #expect(lines[4] == "\(qa.totalBytes) [\(names)]")
        #expect(lines[5] == "['main']")
    }
}
