import Foundation
import Testing

@testable import Hub

/// `models list`, `verify` and `rm` over a cache a real pull filled.
@Suite("HubCache inventory")
struct HubCacheInventoryTests {
    typealias Base = ModelDownloaderTests

    static func pulledCache(_ temporary: TemporaryFolder) async throws -> (HubCache, PulledModel) {
        let standIn = try HubStandIn(repos: ["tests/tiny-qa": TestRepos.questionAnswering(in: temporary.url)])
        let cache = temporary.url.appendingPathComponent("hub")
        let model = try await ModelDownloader(environment: Base.environment(standIn, cache: cache)).pull(
            "tests/tiny-qa")
        return (HubCache(root: cache), model)
    }

    @Test("list shows the repo, its ref, size and that AskDocs runs it")
    func list() async throws {
        let temporary = try TemporaryFolder()
        let (cache, model) = try await Self.pulledCache(temporary)
        let models = cache.models()
        #expect(models.count == 1)
        #expect(models.first?.repo == "tests/tiny-qa")
        #expect(models.first?.sizeOnDisk == model.totalBytes)
        #expect(
            models.first?.snapshots == [
                CachedSnapshot(
                    commit: model.commit, refs: ["main"], files: Base.neededFiles, size: model.totalBytes,
                    isRunnable: true)
            ])
        #expect(!HubCache.isRunnable(["config.json", "pytorch_model.bin", "tokenizer.json"]))
    }

    @Test("verify re-hashes every file and finds one flipped byte")
    func verify() async throws {
        let temporary = try TemporaryFolder()
        let (cache, model) = try await Self.pulledCache(temporary)
        #expect(try cache.verify("tests/tiny-qa").allSatisfy { $0.status == .ok })
        let weights = model.snapshot.appendingPathComponent("model.safetensors").resolvingSymlinksInPath()
        var bytes = try Data(contentsOf: weights)
        bytes[bytes.count / 2] ^= 0x01
        try bytes.write(to: weights)
        let damaged = try cache.verify("tests/tiny-qa").filter { $0.status != .ok }
        #expect(damaged.map(\.file) == ["model.safetensors"])
        #expect(throws: HubCacheError.notCached(model: "tests/none", revision: nil)) { try cache.verify("tests/none") }
    }

    @Test("rm --revision drops that snapshot, its refs and unshared blobs; rm drops the whole entry")
    func remove() async throws {
        let temporary = try TemporaryFolder()
        let (cache, model) = try await Self.pulledCache(temporary)
        // A second snapshot sharing every blob but config.json.
        let other = cache.snapshotFolder(of: "tests/tiny-qa", commit: String(repeating: "b", count: 40))
        try FileManager.default.createDirectory(at: other, withIntermediateDirectories: true)
        for file in Base.neededFiles where file != "config.json" {
            let target = try FileManager.default.destinationOfSymbolicLink(
                atPath: model.snapshot.appendingPathComponent(file).path)
            try FileManager.default.createSymbolicLink(
                atPath: other.appendingPathComponent(file).path, withDestinationPath: target)
        }
        let freed = try cache.remove("tests/tiny-qa", revision: "main")
        #expect(freed == Int64(try Data(contentsOf: Base.fixture.appendingPathComponent("config.json")).count))
        #expect(!FileManager.default.fileExists(atPath: model.snapshot.path))
        #expect(cache.model("tests/tiny-qa")?.snapshots.map(\.commit) == [other.lastPathComponent])
        #expect(try cache.verify("tests/tiny-qa").allSatisfy { $0.status == .ok })
        #expect(try cache.remove("tests/tiny-qa") > 0)
        #expect(cache.models().isEmpty)
        #expect(throws: HubCacheError.notCached(model: "tests/tiny-qa", revision: nil)) {
            try cache.remove("tests/tiny-qa")
        }
    }
}
