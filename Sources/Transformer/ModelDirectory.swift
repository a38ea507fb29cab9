import Foundation

/// A model folder: a plain Hugging Face model directory or a Hugging Face cache entry.
///
/// Accepts `…/models--org--name/snapshots/<rev>/` (files are symlinks into `blobs/`, which the
/// file system follows) and the `…/models--org--name` root, which resolves `refs/main`.
public struct ModelDirectory: Sendable {
    /// The folder that holds `config.json` (the snapshot folder for cache entries).
    public let url: URL
    /// The parsed `config.json`.
    public let config: EncoderConfiguration

    /// Opens the model folder at `path` (see the type's documentation for accepted layouts).
    public init(path: String) throws {
        try self.init(url: URL(fileURLWithPath: path))
    }

    /// Opens the model folder at `url`.
    public init(url: URL) throws {
        let resolved = try Self.resolve(url)
        self.url = resolved
        self.config = try EncoderConfiguration(contentsOf: resolved.appendingPathComponent("config.json"))
    }

    /// The URL of `name` inside the folder, or nil when it does not exist.
    public func file(_ name: String) -> URL? {
        let candidate = url.appendingPathComponent(name)
        return FileManager.default.fileExists(atPath: candidate.path) ? candidate : nil
    }

    /// Maps the folder's safetensors weights.
    public func checkpoint() throws -> Checkpoint {
        try Checkpoint(directory: url)
    }

    /// The folder holding `config.json`: `url` itself, or the snapshot a cache entry's `refs/main` names.
    static func resolve(_ url: URL) throws -> URL {
        let manager = FileManager.default
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw TransformerError.notAModelDirectory(path: url.path, reason: "no such folder")
        }
        if manager.fileExists(atPath: url.appendingPathComponent("config.json").path) {
            return url
        }
        let snapshots = url.appendingPathComponent("snapshots")
        guard manager.fileExists(atPath: snapshots.path) else {
            throw TransformerError.notAModelDirectory(
                path: url.path, reason: "no config.json and no snapshots/ folder (Hugging Face cache entry)")
        }
        let revision: String
        let refsMain = url.appendingPathComponent("refs").appendingPathComponent("main")
        if let text = try? String(contentsOf: refsMain, encoding: .utf8) {
            revision = text.trimmingCharacters(in: .whitespacesAndNewlines)
        } else {
            let names = ((try? manager.contentsOfDirectory(atPath: snapshots.path)) ?? []).filter { !$0.hasPrefix(".") }
            guard names.count == 1, let only = names.first else {
                throw TransformerError.notAModelDirectory(
                    path: url.path,
                    reason: "no refs/main and \(names.count) snapshots; pass a snapshots/<revision> folder")
            }
            revision = only
        }
        guard !revision.isEmpty, !revision.contains("/") else {
            throw TransformerError.notAModelDirectory(path: url.path, reason: "refs/main does not name a revision")
        }
        let snapshot = snapshots.appendingPathComponent(revision)
        guard manager.fileExists(atPath: snapshot.appendingPathComponent("config.json").path) else {
            throw TransformerError.notAModelDirectory(
                path: url.path, reason: "snapshot \(revision) (from refs/main) has no config.json")
        }
        return snapshot
    }
}
