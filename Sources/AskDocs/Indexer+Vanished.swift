import DocumentStore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

extension Indexer {
    /// Source paths stored from below the folders in `roots` whose file no longer exists (a file that only fell
    /// out of the globs, or is hidden now, still exists and is not counted), sorted.
    func vanishedSources(under roots: [String], walked: [SourceFile]) throws -> [String] {
        let folders = roots.compactMap { root -> String? in
            var info = stat()
            guard stat(root, &info) == 0, info.st_mode & S_IFMT == S_IFDIR else { return nil }
            let folder = FileWalker.absolutePath(root)
            return folder.hasSuffix("/") ? folder : folder + "/"
        }
        guard !folders.isEmpty else { return [] }
        let found = Set(walked.map(\.documentPath))
        let stored = Set(try store.allDocuments().map(\.sourcePath))
        return stored.filter { path in
            guard !found.contains(path), folders.contains(where: { path.hasPrefix($0) }) else { return false }
            var info = stat()
            return lstat(path, &info) != 0 && errno == ENOENT
        }.sorted()
    }

    /// Removes the documents, chunks and search terms of `sources` in one transaction; returns the documents removed.
    /// Their vectors go at the next vector synchronisation (`VectorSync` drops vectors whose chunk is gone).
    func removeSources(_ sources: [String]) throws -> Int {
        try store.write { writer in
            try sources.reduce(0) { $0 + (try writer.deleteSource($1)) }
        }
    }
}
