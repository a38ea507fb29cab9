import Foundation

/// Why a model could not be found on this machine.
public enum HubCacheError: LocalizedError, Equatable, Sendable {
    /// Neither a folder at that path nor a Hugging Face cache entry for that id exists.
    case notAvailable(model: String, cache: String)
    /// `models verify`/`models rm` named a model (or revision) the cache does not hold.
    case notCached(model: String, revision: String?)

    /// One actionable line.
    public var errorDescription: String? {
        switch self {
        case .notAvailable(let model, let cache):
            if HubCache.isModelID(model) {
                return "model \(model) is not available locally (no folder of that name, nothing in \(cache)); "
                    + "download it with `askdocs models pull \(model)` or pass a model folder"
            }
            return "model folder \(model) does not exist; pass a model folder or a Hugging Face id in \(cache)"
        case .notCached(let model, let revision):
            let at = revision.map { " at \($0)" } ?? ""
            return "\(model)\(at) is not in the Hugging Face cache; `askdocs models list` shows what is"
        }
    }
}

/// The local Hugging Face hub cache (`models--org--name/{refs,snapshots,blobs}`), found the way `huggingface_hub`
/// finds it: `$HF_HUB_CACHE`, else `$HF_HOME/hub`, else `~/.cache/huggingface/hub`. Looks up only; never downloads.
public struct HubCache: Sendable, Equatable {
    /// The cache folder holding `models--org--name` entries.
    public var root: URL

    /// A cache at an explicit folder.
    public init(root: URL) {
        self.root = root
    }

    /// The cache the environment names (`HF_HUB_CACHE`, `HF_HOME`, `HOME`).
    public init(environment: [String: String] = ProcessInfo.processInfo.environment) {
        if let hub = environment["HF_HUB_CACHE"], !hub.isEmpty {
            root = URL(fileURLWithPath: hub, isDirectory: true)
        } else if let home = environment["HF_HOME"], !home.isEmpty {
            root = URL(fileURLWithPath: home, isDirectory: true).appendingPathComponent("hub", isDirectory: true)
        } else {
            let home = environment["HOME"].flatMap { $0.isEmpty ? nil : $0 } ?? NSHomeDirectory()
            root = URL(fileURLWithPath: home, isDirectory: true)
                .appendingPathComponent(".cache/huggingface/hub", isDirectory: true)
        }
    }

    /// Whether `name` has the shape of a Hugging Face model id (`org/name`, no leading `/` or `.`).
    public static func isModelID(_ name: String) -> Bool {
        let parts = name.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2 else { return false }
        return parts.allSatisfy { part in
            !part.isEmpty && part != "." && part != ".."
                && part.unicodeScalars.allSatisfy { idCharacters.contains($0) }
        }
    }

    private static let idCharacters = Set(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.".unicodeScalars)

    /// The cache entry folder for `modelID` (`models--org--name`), whether or not it exists.
    public func entry(for modelID: String) -> URL {
        root.appendingPathComponent("models--" + modelID.replacingOccurrences(of: "/", with: "--"), isDirectory: true)
    }

    /// The snapshot folder of `modelID` at `revision` (a branch or tag named in `refs/`, or a commit hash), or nil
    /// when the cache does not hold it. Without `refs/<revision>`, a cache with exactly one snapshot uses that one.
    public func snapshot(for modelID: String, revision: String = "main") -> URL? {
        let entry = entry(for: modelID)
        let snapshots = entry.appendingPathComponent("snapshots", isDirectory: true)
        let manager = FileManager.default
        var commit: String?
        let ref = entry.appendingPathComponent("refs").appendingPathComponent(revision)
        if let text = try? String(contentsOf: ref, encoding: .utf8) {
            commit = text.trimmingCharacters(in: .whitespacesAndNewlines)
        } else if manager.fileExists(atPath: snapshots.appendingPathComponent(revision).path) {
            commit = revision
        } else if revision == "main" {
            let names = ((try? manager.contentsOfDirectory(atPath: snapshots.path)) ?? []).filter { !$0.hasPrefix(".") }
            if names.count == 1 { commit = names[0] }
        }
        guard let commit, !commit.isEmpty, !commit.contains("/") else { return nil }
        let folder = snapshots.appendingPathComponent(commit, isDirectory: true)
        var isDirectory: ObjCBool = false
        guard manager.fileExists(atPath: folder.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            return nil
        }
        return folder
    }

    /// The local folder for `model`: an existing folder at that path, else the cache snapshot of that model id.
    public func locate(_ model: String) throws -> URL {
        var isDirectory: ObjCBool = false
        let expanded = (model as NSString).expandingTildeInPath
        if FileManager.default.fileExists(atPath: expanded, isDirectory: &isDirectory), isDirectory.boolValue {
            return URL(fileURLWithPath: expanded, isDirectory: true).standardizedFileURL
        }
        if Self.isModelID(model), let snapshot = snapshot(for: model) {
            return snapshot
        }
        throw HubCacheError.notAvailable(model: model, cache: root.path)
    }
}
