import Foundation

/// How far a pull is: bytes of the model's files present so far, of all of them.
public struct HubProgress: Sendable, Equatable {
    /// The file being fetched (repo-relative).
    public var file: String
    /// Bytes of all selected files that are on disk (cached before, or downloaded).
    public var completedBytes: Int64
    /// Bytes of all selected files.
    public var totalBytes: Int64
}

/// What a pull left in the cache.
public struct PulledModel: Sendable, Equatable {
    /// The repo id.
    public var repo: String
    /// The revision asked for.
    public var revision: String
    /// The commit it resolved to.
    public var commit: String
    /// `snapshots/<commit>`, a model folder AskDocs (and `transformers`) load.
    public var snapshot: URL
    /// The files of the snapshot (repo-relative).
    public var files: [String]
    /// Bytes of those files.
    public var totalBytes: Int64
    /// Bytes fetched over the network by this pull (0 when everything was cached).
    public var downloadedBytes: Int64
}

/// Limits of a pull.
public struct HubDownloadOptions: Sendable, Equatable {
    /// How long to wait for another download of the same blob to finish.
    public var lockTimeout: Double
    /// Tries per file when the connection drops; each retry resumes where the last stopped.
    public var attempts: Int

    /// The defaults: wait 10 minutes for a lock, try a file 5 times.
    public init(lockTimeout: Double = 600, attempts: Int = 5) {
        self.lockTimeout = lockTimeout
        self.attempts = max(1, attempts)
    }
}

/// Downloads the files inference needs of a Hub model into the cache, as `huggingface_hub` lays them out.
/// Every blob is verified before it is renamed into `blobs/`; `snapshots/` and `refs/` are written only when all
/// blobs are in place, so a failed pull leaves nothing half-written there.
public struct ModelDownloader: Sendable {
    /// Endpoint, token, offline mode and cache.
    public var environment: HubEnvironment
    /// Lock and retry limits.
    public var options: HubDownloadOptions

    /// A downloader for these settings.
    public init(environment: HubEnvironment = HubEnvironment(), options: HubDownloadOptions = HubDownloadOptions()) {
        self.environment = environment
        self.options = options
    }

    /// Pulls `repo` at `revision`, calling `progress` as bytes arrive.
    public func pull(
        _ repo: String, revision: String = "main", progress: @escaping @Sendable (HubProgress) -> Void = { _ in }
    ) async throws -> PulledModel {
        guard HubCache.isModelID(repo) else { throw HubError.repoNotFound(repo: repo) }
        let cache = environment.cache
        if environment.offline {
            guard let snapshot = cache.snapshot(for: repo, revision: revision) else {
                throw HubError.offlineNotCached(repo: repo, revision: revision, cache: cache.root.path)
            }
            let files = cache.files(in: snapshot)
            let size = files.reduce(Int64(0)) { $0 + cache.size(of: snapshot.appendingPathComponent($1)) }
            return PulledModel(
                repo: repo, revision: revision, commit: snapshot.lastPathComponent, snapshot: snapshot,
                files: files, totalBytes: size, downloadedBytes: 0)
        }
        return try await HubClient.with(environment) { client in
            let info = try await client.repoInfo(repo, revision: revision)
            let selected = try ModelFileSelection.select(info.siblings, repo: repo)
            let commit = info.sha
            var plans: [BlobPlan] = []
            for file in selected {
                let metadata = try await client.metadata(file.rfilename, of: repo, commit: commit)
                plans.append(BlobPlan(file: file, metadata: metadata))
            }
            let total = plans.reduce(Int64(0)) { $0 + $1.size }
            let missing = plans.filter { !FileManager.default.fileExists(atPath: cache.blob($0.hash, of: repo).path) }
            try DiskSpace.require(missing.reduce(Int64(0)) { $0 + $1.size }, at: cache.root)
            var completed = total - missing.reduce(Int64(0)) { $0 + $1.size }
            var downloaded: Int64 = 0
            for plan in missing {
                let base = completed
                let fetched = try await fetch(plan, of: repo, client: client) { bytes in
                    progress(HubProgress(file: plan.file.rfilename, completedBytes: base + bytes, totalBytes: total))
                }
                downloaded += fetched
                completed += plan.size
            }
            progress(HubProgress(file: "", completedBytes: total, totalBytes: total))
            for plan in plans {
                try cache.link(plan.file.rfilename, of: repo, commit: commit, to: plan.hash)
            }
            try cache.writeRef(revision, of: repo, commit: commit)
            return PulledModel(
                repo: repo, revision: revision, commit: commit,
                snapshot: cache.snapshotFolder(of: repo, commit: commit),
                files: plans.map(\.file.rfilename), totalBytes: total, downloadedBytes: downloaded)
        }
    }
}

/// One file to fetch: what the repo info and the `HEAD` said about it.
struct BlobPlan: Sendable {
    var file: HubRepoFile
    var metadata: HubFileMetadata

    /// The blob name (the normalised ETag, as `huggingface_hub` names blobs).
    var hash: String { metadata.etag }
    /// The content size.
    var size: Int64 { metadata.size ?? file.size ?? 0 }
    /// The digest the content must have: the repo info's, else the one the ETag stands for.
    var digest: BlobDigest? { file.expectedDigest ?? BlobDigest(name: metadata.etag) }
}
