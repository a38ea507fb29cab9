import DocumentStore
import Foundation

/// The files and folders an index was built from, with the globs they were walked with, as the database records
/// them: what `reindex` walks when it is given no paths.
public struct IndexRoot: Sendable, Equatable, Codable {
    /// The absolute path of a file or folder.
    public var path: String
    /// Include globs it was walked with.
    public var include: [String]
    /// Exclude globs.
    public var exclude: [String]
}

/// Reads and records `IndexRoot`s.
public enum IndexRoots {
    /// The setting holding the roots as JSON.
    public static let setting = "roots"

    /// The recorded roots, in the order first indexed (empty for a database that records none).
    public static func read(from store: DocumentStore) throws -> [IndexRoot] {
        guard let text = try store.setting(setting) else { return [] }
        do {
            return try JSONDecoder().decode([IndexRoot].self, from: Data(text.utf8))
        } catch {
            throw PipelineError.unreadableDatabase(
                path: store.path, reason: "the recorded roots ('\(setting)' setting) are not valid JSON")
        }
    }

    /// Adds the roots of `requests` to those recorded (a root indexed again takes the new globs).
    static func record(_ requests: [IndexRequest], in store: DocumentStore) throws {
        var roots = try read(from: store)
        for request in requests {
            for path in request.paths {
                let root = IndexRoot(
                    path: FileWalker.absolutePath(path), include: request.include, exclude: request.exclude)
                if let index = roots.firstIndex(where: { $0.path == root.path }) {
                    roots[index] = root
                } else {
                    roots.append(root)
                }
            }
        }
        // Sorted keys: the same roots must make the same text, or an unchanged run would have a change to publish.
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(roots)
        try store.setSetting(setting, to: String(decoding: data, as: UTF8.self))
    }

    /// Requests that walk `roots` again, one per set of globs, pruning vanished files.
    public static func requests(for roots: [IndexRoot]) -> [IndexRequest] {
        var requests: [IndexRequest] = []
        for root in roots {
            if let index = requests.firstIndex(where: { $0.include == root.include && $0.exclude == root.exclude }) {
                requests[index].paths.append(root.path)
            } else {
                requests.append(
                    IndexRequest(paths: [root.path], include: root.include, exclude: root.exclude, prune: true))
            }
        }
        return requests
    }
}
