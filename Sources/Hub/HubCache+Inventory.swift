import Foundation

/// A model in the cache: its snapshots, the refs naming them, and the disk its blobs use.
public struct CachedModel: Sendable, Equatable {
    /// The repo id (`OWNER/NAME`).
    public var repo: String
    /// Its snapshots, by commit.
    public var snapshots: [CachedSnapshot]
    /// Bytes of its `blobs/` (each blob once, however many snapshots share it).
    public var sizeOnDisk: Int64
}

/// One snapshot of a cached model.
public struct CachedSnapshot: Sendable, Equatable {
    /// The commit (the folder name under `snapshots/`).
    public var commit: String
    /// The refs (branches, tags) that point at it.
    public var refs: [String]
    /// Its files (repo-relative), sorted.
    public var files: [String]
    /// Bytes of its files.
    public var size: Int64
    /// Whether it has what AskDocs loads: `config.json`, safetensors weights and a tokenizer.
    public var isRunnable: Bool
}

/// The result of re-hashing one snapshot file against the hash its blob is named by.
public struct VerifiedFile: Sendable, Equatable {
    /// What re-hashing found.
    public enum Status: Sendable, Equatable {
        /// The content hashes to the blob's name.
        case ok
        /// The content hashes to something else.
        case corrupt(actual: String)
        /// The entry points at no blob.
        case missing
        /// The blob's name is not a hash AskDocs knows (not a symlink into `blobs/`), so nothing to compare.
        case unverifiable
    }

    /// The snapshot's commit.
    public var commit: String
    /// The repo-relative file.
    public var file: String
    /// What re-hashing found.
    public var status: Status
}

extension HubCache {
    /// The models in the cache, sorted by repo id.
    public func models() -> [CachedModel] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        return names.filter { $0.hasPrefix("models--") }.sorted().compactMap { name in
            let parts = name.dropFirst("models--".count).components(separatedBy: "--")
            guard parts.count >= 2 else { return nil }
            return model(parts[0] + "/" + parts.dropFirst().joined(separator: "--"))
        }
    }

    /// The cached model `repo`, or nil when the cache has no entry for it.
    public func model(_ repo: String) -> CachedModel? {
        let entry = entry(for: repo)
        let manager = FileManager.default
        guard manager.fileExists(atPath: entry.path) else { return nil }
        let refs = self.refs(of: repo)
        let commits = ((try? manager.contentsOfDirectory(atPath: entry.appendingPathComponent("snapshots").path)) ?? [])
            .filter { !$0.hasPrefix(".") }.sorted()
        let snapshots = commits.map { commit -> CachedSnapshot in
            let folder = snapshotFolder(of: repo, commit: commit)
            let files = self.files(in: folder)
            return CachedSnapshot(
                commit: commit, refs: refs.filter { $0.value == commit }.map(\.key).sorted(), files: files,
                size: files.reduce(0) { $0 + size(of: folder.appendingPathComponent($1)) },
                isRunnable: Self.isRunnable(files))
        }
        let blobs = entry.appendingPathComponent("blobs")
        let blobSize = ((try? manager.contentsOfDirectory(atPath: blobs.path)) ?? [])
            .reduce(Int64(0)) { $0 + size(of: blobs.appendingPathComponent($1)) }
        return CachedModel(repo: repo, snapshots: snapshots, sizeOnDisk: blobSize)
    }

    /// Re-hashes the files of `repo`'s snapshots (all, or the one `revision` names) against their blob names.
    public func verify(_ repo: String, revision: String? = nil) throws -> [VerifiedFile] {
        let commits = try selectedCommits(of: repo, revision: revision)
        var results: [VerifiedFile] = []
        for commit in commits {
            let folder = snapshotFolder(of: repo, commit: commit)
            for file in files(in: folder) {
                let path = folder.appendingPathComponent(file)
                let destination = (try? FileManager.default.destinationOfSymbolicLink(atPath: path.path)) ?? ""
                let name = (destination as NSString).lastPathComponent
                guard let digest = BlobDigest(name: name) else {
                    results.append(VerifiedFile(commit: commit, file: file, status: .unverifiable))
                    continue
                }
                let blob = blob(name, of: repo)
                guard FileManager.default.fileExists(atPath: blob.path) else {
                    results.append(VerifiedFile(commit: commit, file: file, status: .missing))
                    continue
                }
                let actual = try BlobFile.digest(of: blob, like: digest, size: size(of: blob))
                results.append(
                    VerifiedFile(
                        commit: commit, file: file, status: actual == digest.hex ? .ok : .corrupt(actual: actual)))
            }
        }
        return results
    }

    /// Removes `repo` from the cache (all of it, or the snapshot `revision` names with its refs and the blobs no
    /// other snapshot uses); returns the bytes freed.
    @discardableResult
    public func remove(_ repo: String, revision: String? = nil) throws -> Int64 {
        guard let before = model(repo) else { throw HubCacheError.notCached(model: repo, revision: revision) }
        let manager = FileManager.default
        guard let revision else {
            do {
                try manager.removeItem(at: entry(for: repo))
                let locks = root.appendingPathComponent(".locks").appendingPathComponent(
                    entry(for: repo).lastPathComponent)
                try? manager.removeItem(at: locks)
            } catch {
                throw HubError.fileSystem(path: entry(for: repo).path, reason: error.localizedDescription)
            }
            return before.sizeOnDisk
        }
        let commits = try selectedCommits(of: repo, revision: revision)
        let refsFolder = entry(for: repo).appendingPathComponent("refs")
        for (ref, commit) in refs(of: repo) where commits.contains(commit) {
            try? manager.removeItem(at: refsFolder.appendingPathComponent(ref))
        }
        for commit in commits {
            try? manager.removeItem(at: snapshotFolder(of: repo, commit: commit))
        }
        var used = Set<String>()
        for snapshot in model(repo)?.snapshots ?? [] {
            let folder = snapshotFolder(of: repo, commit: snapshot.commit)
            for file in snapshot.files {
                let target = try? manager.destinationOfSymbolicLink(atPath: folder.appendingPathComponent(file).path)
                if let target { used.insert((target as NSString).lastPathComponent) }
            }
        }
        let blobs = entry(for: repo).appendingPathComponent("blobs")
        for name in (try? manager.contentsOfDirectory(atPath: blobs.path)) ?? [] where !used.contains(name) {
            try? manager.removeItem(at: blobs.appendingPathComponent(name))
        }
        return before.sizeOnDisk - (model(repo)?.sizeOnDisk ?? 0)
    }

    /// The repo-relative paths of the files in a snapshot folder, sorted (symlinks or plain files).
    public func files(in folder: URL) -> [String] {
        guard let walker = FileManager.default.enumerator(atPath: folder.path) else { return [] }
        var files: [String] = []
        while let path = walker.nextObject() as? String {
            let type = walker.fileAttributes?[.type] as? FileAttributeType
            if type == .typeSymbolicLink || type == .typeRegular,
                !path.split(separator: "/").contains(where: { $0.hasPrefix(".") })
            {
                files.append(path)
            }
        }
        return files.sorted()
    }

    /// The size of the file at `url` after following symlinks (0 when absent).
    func size(of url: URL) -> Int64 {
        let path = url.resolvingSymlinksInPath().path
        return (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? NSNumber)?.int64Value ?? 0
    }

    /// Every ref of `repo` (`main`, `refs/pr/1`) and its commit.
    func refs(of repo: String) -> [String: String] {
        let folder = entry(for: repo).appendingPathComponent("refs")
        var refs: [String: String] = [:]
        for path in files(in: folder) {
            let text = (try? String(contentsOf: folder.appendingPathComponent(path), encoding: .utf8)) ?? ""
            refs[path] = text.trimmingCharacters(in: .whitespacesAndNewlines)
        }
        return refs
    }

    private func selectedCommits(of repo: String, revision: String?) throws -> [String] {
        guard let model = model(repo) else { throw HubCacheError.notCached(model: repo, revision: revision) }
        guard let revision else { return model.snapshots.map(\.commit) }
        guard let commit = commit(for: repo, revision: revision) else {
            throw HubCacheError.notCached(model: repo, revision: revision)
        }
        return [commit]
    }

    /// Whether a snapshot with these files is one AskDocs loads.
    static func isRunnable(_ files: [String]) -> Bool {
        let names = Set(files)
        let weights = files.contains { !$0.contains("/") && $0.hasSuffix(".safetensors") }
        let tokenizer = !names.isDisjoint(with: ["tokenizer.json", "sentencepiece.bpe.model", "vocab.txt"])
        return names.contains("config.json") && weights && tokenizer
    }
}
