import Foundation

/// The paths and atomic writes of the cache layout `huggingface_hub` uses:
/// `models--OWNER--NAME/blobs/<hash>`, `snapshots/<commit>/<file>` (relative symlinks to the blobs),
/// `refs/<revision>` (the commit, no newline), and `.locks/models--OWNER--NAME/<hash>.lock`.
extension HubCache {
    /// The blob named `hash` of `repo`.
    public func blob(_ hash: String, of repo: String) -> URL {
        entry(for: repo).appendingPathComponent("blobs", isDirectory: true).appendingPathComponent(hash)
    }

    /// Where the blob named `hash` is written while it downloads.
    func incompleteBlob(_ hash: String, of repo: String) -> URL {
        entry(for: repo).appendingPathComponent("blobs", isDirectory: true)
            .appendingPathComponent(hash + ".incomplete")
    }

    /// The lock file guarding the blob named `hash`.
    func lock(for hash: String, of repo: String) -> URL {
        root.appendingPathComponent(".locks", isDirectory: true)
            .appendingPathComponent(entry(for: repo).lastPathComponent, isDirectory: true)
            .appendingPathComponent(hash + ".lock")
    }

    /// The snapshot folder of `repo` at `commit`, whether or not it exists.
    public func snapshotFolder(of repo: String, commit: String) -> URL {
        entry(for: repo).appendingPathComponent("snapshots", isDirectory: true)
            .appendingPathComponent(commit, isDirectory: true)
    }

    /// Points `snapshots/<commit>/<file>` at `blobs/<hash>` with a relative symlink (`../../blobs/<hash>`, one
    /// `../` more per folder in `file`), replacing any older entry atomically.
    func link(_ file: String, of repo: String, commit: String, to hash: String) throws {
        let target = snapshotFolder(of: repo, commit: commit).appendingPathComponent(file)
        let depth = file.split(separator: "/").count + 1
        let relative = String(repeating: "../", count: depth) + "blobs/" + hash
        let folder = target.deletingLastPathComponent()
        let temporary = folder.appendingPathComponent(".\(target.lastPathComponent).\(UUID().uuidString).tmp")
        do {
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try FileManager.default.createSymbolicLink(atPath: temporary.path, withDestinationPath: relative)
        } catch {
            throw HubError.fileSystem(path: target.path, reason: error.localizedDescription)
        }
        guard rename(temporary.path, target.path) == 0 else {
            let reason = String(cString: strerror(errno))
            try? FileManager.default.removeItem(at: temporary)
            throw HubError.fileSystem(path: target.path, reason: reason)
        }
    }

    /// Records that `revision` of `repo` is `commit` (`refs/<revision>`, written atomically, no newline).
    func writeRef(_ revision: String, of repo: String, commit: String) throws {
        guard revision != commit else { return }
        let ref = entry(for: repo).appendingPathComponent("refs", isDirectory: true).appendingPathComponent(revision)
        do {
            try FileManager.default.createDirectory(
                at: ref.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(commit.utf8).write(to: ref, options: .atomic)
        } catch {
            throw HubError.fileSystem(path: ref.path, reason: error.localizedDescription)
        }
    }

    /// Moves a verified download into place as `blobs/<hash>` (same folder, so the rename is atomic).
    func publish(_ incomplete: URL, as hash: String, of repo: String) throws {
        let destination = blob(hash, of: repo)
        guard rename(incomplete.path, destination.path) == 0 else {
            throw HubError.fileSystem(path: destination.path, reason: String(cString: strerror(errno)))
        }
    }

    /// The commit `revision` names in the cache (`refs/<revision>`, or the revision itself if it is a snapshot).
    public func commit(for repo: String, revision: String) -> String? {
        snapshot(for: repo, revision: revision)?.lastPathComponent
    }
}
