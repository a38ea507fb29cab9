import Foundation
import Testing

@testable import Hub

/// Two pulls of one model at once, and a lock another pull holds too long.
@Suite("ModelDownloader locks")
struct ModelDownloaderConcurrencyTests {
    typealias Base = ModelDownloaderTests

    @Test("two pulls of the same model at once both succeed and leave verified blobs")
    func concurrentPulls() async throws {
        let temporary = try TemporaryFolder()
        let log = temporary.url.appendingPathComponent("requests.log")
        // Slow chunks so that the two pulls overlap on the same blobs.
        let standIn = try HubStandIn(
            repos: ["tests/tiny-qa": TestRepos.questionAnswering(in: temporary.url)],
            options: ["--chunk-delay", "0.005", "--log", log.path])
        let cache = temporary.url.appendingPathComponent("hub")
        let downloader = ModelDownloader(environment: Base.environment(standIn, cache: cache))
        async let first = downloader.pull("tests/tiny-qa")
        async let second = downloader.pull("tests/tiny-qa")
        let (a, b) = try await (first, second)
        #expect(a.snapshot == b.snapshot)
        // Each blob crossed the network once: the second pull waited on the lock, then found it.
        #expect(a.downloadedBytes + b.downloadedBytes == a.totalBytes)
        let gets = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").filter {
            $0.hasPrefix("GET /cdn/")
        }
        #expect(gets.count == 1)
        let results = try HubCache(root: cache).verify("tests/tiny-qa")
        #expect(results.count == Base.neededFiles.count && results.allSatisfy { $0.status == .ok })
        let blobs = try FileManager.default.contentsOfDirectory(
            atPath: cache.appendingPathComponent("models--tests--tiny-qa/blobs").path)
        #expect(!blobs.contains { $0.hasSuffix(".incomplete") })
    }

    @Test("a lock held longer than the wait fails with a one-line error and writes nothing")
    func lockHeld() async throws {
        let temporary = try TemporaryFolder()
        let standIn = try HubStandIn(repos: ["tests/tiny-qa": TestRepos.questionAnswering(in: temporary.url)])
        let cache = HubCache(root: temporary.url.appendingPathComponent("hub"))
        let weights = Base.sha256(try Data(contentsOf: Base.fixture.appendingPathComponent("model.safetensors")))
        let held = try await FileLock.acquire(cache.lock(for: weights, of: "tests/tiny-qa"), timeout: 1)
        let downloader = ModelDownloader(
            environment: Base.environment(standIn, cache: cache.root), options: HubDownloadOptions(lockTimeout: 0.3))
        let error = await #expect(throws: HubError.self) { try await downloader.pull("tests/tiny-qa") }
        guard case .lockHeld(let path, _) = error else {
            Issue.record("expected a held lock, got \(String(describing: error))")
            return
        }
        #expect(path == cache.lock(for: weights, of: "tests/tiny-qa").path)
        #expect(error?.localizedDescription.contains("another download") == true)
        #expect(ModelDownloaderFaultTests.snapshotEntries(cache.root, "tests/tiny-qa").isEmpty)
        held.release()
        let model = try await downloader.pull("tests/tiny-qa")
        #expect(model.files == Base.neededFiles)
    }
}
