import Foundation
import Testing

@testable import Hub

/// Pulls that go wrong: dropped connections, corrupt bytes, missing repos, tokens, offline mode, locks.
@Suite("ModelDownloader faults")
struct ModelDownloaderFaultTests {
    typealias Base = ModelDownloaderTests

    static func snapshotEntries(_ cache: URL, _ repo: String) -> [String] {
        let snapshots = cache.appendingPathComponent(
            "models--\(repo.replacingOccurrences(of: "/", with: "--"))/snapshots")
        return (FileManager.default.enumerator(atPath: snapshots.path)?.allObjects as? [String]) ?? []
    }

    @Test("a pull whose connection drops mid-file keeps the partial blob; the next pull resumes it with Range")
    func resumeAfterDrop() async throws {
        let temporary = try TemporaryFolder()
        let log = temporary.url.appendingPathComponent("requests.log")
        let standIn = try HubStandIn(
            repos: ["tests/tiny-qa": TestRepos.questionAnswering(in: temporary.url)],
            options: ["--drop-after", "300000", "--log", log.path])
        let cache = temporary.url.appendingPathComponent("hub")
        let once = ModelDownloader(
            environment: Base.environment(standIn, cache: cache), options: HubDownloadOptions(attempts: 1))
        let error = await #expect(throws: HubError.self) { try await once.pull("tests/tiny-qa") }
        guard case .interrupted(let file, let received, let total, _) = error else {
            Issue.record("expected an interruption, got \(String(describing: error))")
            return
        }
        #expect(received > 0 && received < total, "\(file): \(received) of \(total)")
        #expect(Self.snapshotEntries(cache, "tests/tiny-qa").isEmpty)
        let blobs = cache.appendingPathComponent("models--tests--tiny-qa/blobs")
        let partial = try FileManager.default.contentsOfDirectory(atPath: blobs.path).filter {
            $0.hasSuffix(".incomplete")
        }
        #expect(partial.count == 1)

        let model = try await ModelDownloader(environment: Base.environment(standIn, cache: cache)).pull(
            "tests/tiny-qa")
        let requests = try String(contentsOf: log, encoding: .utf8)
        #expect(requests.contains(" bytes=\(received)-"), "no resume request in:\n\(requests)")
        #expect(model.downloadedBytes < model.totalBytes)
        for file in Base.neededFiles {
            #expect(
                try Data(contentsOf: model.snapshot.appendingPathComponent(file))
                    == Data(contentsOf: Base.fixture.appendingPathComponent(file)), "\(file)")
        }
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: blobs.path).allSatisfy { !$0.hasSuffix(".incomplete") })
    }

    @Test("with retries, one pull survives drops of both an LFS and a small file by resuming")
    func retriesResume() async throws {
        let temporary = try TemporaryFolder()
        let log = temporary.url.appendingPathComponent("requests.log")
        let standIn = try HubStandIn(
            repos: ["tests/tiny-qa": TestRepos.questionAnswering(in: temporary.url)],
            options: ["--drop-after", "200000", "--log", log.path])
        let model = try await ModelDownloader(
            environment: Base.environment(standIn, cache: temporary.url.appendingPathComponent("hub"))
        ).pull("tests/tiny-qa")
        let ranged = try String(contentsOf: log, encoding: .utf8).split(separator: "\n").filter {
            $0.contains("bytes=")
        }
        #expect(ranged.count == 2, "\(ranged)")  // model.safetensors (via the CDN) and tokenizer.json
        #expect(model.downloadedBytes == model.totalBytes)
        #expect(
            try HubCache(root: temporary.url.appendingPathComponent("hub")).verify("tests/tiny-qa").allSatisfy {
                $0.status == .ok
            })
    }

    @Test("a corrupted byte fails the checksum: the bad file is removed and nothing reaches snapshots/ or refs/")
    func corruptByte() async throws {
        let temporary = try TemporaryFolder()
        let standIn = try HubStandIn(
            repos: ["tests/tiny-qa": TestRepos.questionAnswering(in: temporary.url)],
            options: ["--corrupt", "model.safetensors"])
        let cache = temporary.url.appendingPathComponent("hub")
        let downloader = ModelDownloader(environment: Base.environment(standIn, cache: cache))
        let error = await #expect(throws: HubError.self) { try await downloader.pull("tests/tiny-qa") }
        guard case .checksumMismatch(let file, let expected, _) = error else {
            Issue.record("expected a checksum mismatch, got \(String(describing: error))")
            return
        }
        #expect(file == "model.safetensors")
        #expect(expected == Base.sha256(try Data(contentsOf: Base.fixture.appendingPathComponent("model.safetensors"))))
        #expect(error?.localizedDescription.contains("removed") == true)
        let entry = cache.appendingPathComponent("models--tests--tiny-qa")
        #expect(Self.snapshotEntries(cache, "tests/tiny-qa").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: entry.appendingPathComponent("refs/main").path))
        let blobs = try FileManager.default.contentsOfDirectory(atPath: entry.appendingPathComponent("blobs").path)
        #expect(!blobs.contains { $0.hasPrefix(expected) })
    }

    @Test("a disk without room for the files is refused before anything is written")
    func diskTooSmall() async throws {
        let temporary = try TemporaryFolder()
        // The repo info claims a petabyte per weights file: more than any disk here has free.
        let standIn = try HubStandIn(
            repos: ["tests/tiny-qa": TestRepos.questionAnswering(in: temporary.url)],
            options: ["--claim-size", "1000000000000000"])
        let cache = temporary.url.appendingPathComponent("hub")
        let error = await #expect(throws: HubError.self) {
            try await ModelDownloader(environment: Base.environment(standIn, cache: cache)).pull("tests/tiny-qa")
        }
        guard case .diskFull(_, let needed) = error else {
            Issue.record("expected a full disk, got \(String(describing: error))")
            return
        }
        #expect((needed ?? 0) >= 1_000_000_000_000_000)
        #expect(error?.localizedDescription.contains("HF_HUB_CACHE") == true)
        #expect(Self.snapshotEntries(cache, "tests/tiny-qa").isEmpty)
        let blobs = cache.appendingPathComponent("models--tests--tiny-qa/blobs")
        #expect(((try? FileManager.default.contentsOfDirectory(atPath: blobs.path)) ?? []).isEmpty)
    }

    @Test("the disk filling up mid-file (ENOSPC from /dev/full) is a full-disk error; nothing reaches snapshots/")
    func diskFillsUp() async throws {
        let temporary = try TemporaryFolder()
        let repo = try TestRepos.questionAnswering(in: temporary.url)
        let standIn = try HubStandIn(repos: ["tests/tiny-qa": repo])
        let cache = temporary.url.appendingPathComponent("hub")
        // The weights' partial blob is the kernel's always-full device: every write to it fails with ENOSPC.
        let weights = try Data(contentsOf: repo.appendingPathComponent("model.safetensors"))
        let blobs = cache.appendingPathComponent("models--tests--tiny-qa/blobs")
        try FileManager.default.createDirectory(at: blobs, withIntermediateDirectories: true)
        let incomplete = blobs.appendingPathComponent(Base.sha256(weights) + ".incomplete")
        try FileManager.default.createSymbolicLink(
            at: incomplete, withDestinationURL: URL(fileURLWithPath: "/dev/full"))
        let once = ModelDownloader(
            environment: Base.environment(standIn, cache: cache), options: HubDownloadOptions(attempts: 1))
        let error = await #expect(throws: HubError.self) { try await once.pull("tests/tiny-qa") }
        guard case .diskFull = error else {
            Issue.record("expected a full disk, got \(String(describing: error))")
            return
        }
        #expect(error?.localizedDescription.contains("no space left") == true)
        #expect(Self.snapshotEntries(cache, "tests/tiny-qa").isEmpty)
        #expect(!FileManager.default.fileExists(atPath: blobs.appendingPathComponent(Base.sha256(weights)).path))
    }

    @Test("404s name the repo, the revision or the file")
    func notFound() async throws {
        let temporary = try TemporaryFolder()
        let standIn = try HubStandIn(repos: ["tests/tiny-qa": TestRepos.questionAnswering(in: temporary.url)])
        let environment = Base.environment(standIn, cache: temporary.url.appendingPathComponent("hub"))
        let downloader = ModelDownloader(environment: environment)
        await #expect(throws: HubError.repoNotFound(repo: "tests/nope")) { try await downloader.pull("tests/nope") }
        await #expect(throws: HubError.revisionNotFound(repo: "tests/tiny-qa", revision: "v9")) {
            try await downloader.pull("tests/tiny-qa", revision: "v9")
        }
        let commit = try await HubClient.with(environment) {
            try await $0.repoInfo("tests/tiny-qa", revision: "main").sha
        }
        await #expect(throws: HubError.fileNotFound(repo: "tests/tiny-qa", file: "missing.json", commit: commit)) {
            _ = try await HubClient.with(environment) {
                try await $0.metadata("missing.json", of: "tests/tiny-qa", commit: commit)
            }
        }
    }

    @Test("401 without a token, 403 with a wrong one, success with HF_TOKEN or the saved token file")
    func tokens() async throws {
        let temporary = try TemporaryFolder()
        let standIn = try HubStandIn(
            repos: ["tests/gated": TestRepos.questionAnswering(in: temporary.url)], options: ["--token", "hf_secret"])
        let cache = temporary.url.appendingPathComponent("hub")
        let anonymous = ModelDownloader(environment: Base.environment(standIn, cache: cache))
        let error = await #expect(throws: HubError.unauthorized(repo: "tests/gated", tokenGiven: false)) {
            try await anonymous.pull("tests/gated")
        }
        #expect(error?.localizedDescription.contains("HF_TOKEN") == true)
        let wrong = ModelDownloader(environment: Base.environment(standIn, cache: cache, token: "hf_other"))
        await #expect(throws: HubError.forbidden(repo: "tests/gated", endpoint: standIn.endpoint)) {
            try await wrong.pull("tests/gated")
        }
        let fromVariable = HubEnvironment(environment: [
            "HF_ENDPOINT": standIn.endpoint, "HF_TOKEN": "hf_secret", "HF_HUB_CACHE": cache.path,
            "HOME": temporary.url.path,
        ])
        _ = try await ModelDownloader(environment: fromVariable).pull("tests/gated")

        let home = temporary.url.appendingPathComponent("hf-home")
        try FileManager.default.createDirectory(at: home, withIntermediateDirectories: true)
        try Data("hf_secret\n".utf8).write(to: home.appendingPathComponent("token"))
        let fromFile = HubEnvironment(environment: ["HF_ENDPOINT": standIn.endpoint, "HF_HOME": home.path])
        #expect(fromFile.token == "hf_secret" && fromFile.cache.root.path == home.appendingPathComponent("hub").path)
        let model = try await ModelDownloader(environment: fromFile).pull("tests/gated")
        #expect(model.downloadedBytes == model.totalBytes)
    }

    @Test("offline mode answers from the cache without the network, and says so when the model is missing")
    func offline() async throws {
        let temporary = try TemporaryFolder()
        let cache = temporary.url.appendingPathComponent("hub")
        let dead = HubEnvironment(endpoint: "http://127.0.0.1:9", offline: true, cache: HubCache(root: cache))
        let error = await #expect(
            throws: HubError.offlineNotCached(repo: "tests/tiny-qa", revision: "main", cache: cache.path)
        ) {
            try await ModelDownloader(environment: dead).pull("tests/tiny-qa")
        }
        #expect(error?.localizedDescription.contains("HF_HUB_OFFLINE") == true)

        let standIn = try HubStandIn(repos: ["tests/tiny-qa": TestRepos.questionAnswering(in: temporary.url)])
        let online = try await ModelDownloader(environment: Base.environment(standIn, cache: cache)).pull(
            "tests/tiny-qa")
        standIn.stop()
        let offline = try await ModelDownloader(environment: dead).pull("tests/tiny-qa")
        #expect(offline.snapshot == online.snapshot && offline.commit == online.commit)
        #expect(
            offline.files == online.files && offline.downloadedBytes == 0 && offline.totalBytes == online.totalBytes)
        #expect(HubEnvironment(environment: ["HF_HUB_OFFLINE": "1"]).offline)
        #expect(!HubEnvironment(environment: ["HF_HUB_OFFLINE": "0"]).offline)
    }

    @Test("no network: a one-line error that suggests offline mode")
    func noNetwork() async throws {
        let temporary = try TemporaryFolder()
        // Port 9 (discard): nothing listens there. (A port freed by a stopped stand-in may be reused at once by
        // another test's stand-in running in parallel.)
        let endpoint = "http://127.0.0.1:9"
        let environment = HubEnvironment(endpoint: endpoint, cache: HubCache(root: temporary.url))
        let error = await #expect(throws: HubError.self) {
            try await ModelDownloader(environment: environment).pull("a/b")
        }
        guard case .noNetwork(let reported, _) = error else {
            Issue.record("expected no network, got \(String(describing: error))")
            return
        }
        #expect(reported == endpoint)
        #expect(error?.localizedDescription.contains("HF_HUB_OFFLINE=1") == true)
    }
}
