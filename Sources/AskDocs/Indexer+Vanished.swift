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

    /// The vanished sources by content hash: where a new file with that hash is the same file renamed.
    func renameCandidates(_ vanished: [String]) throws -> [String: [String]] {
        var candidates: [String: [String]] = [:]
        for path in vanished.reversed() {
            if let state = try store.sourceState(path) { candidates[state.contentHash, default: []].append(path) }
        }
        return candidates
    }

    /// Moves the documents of the vanished source `old` to the new file `file` with the same content: ids, chunks
    /// and vectors stay; the documents' keys, paths and modification time change.
    func move(_ old: String, to file: PreparedFile, into report: inout IndexReport) throws {
        let moved = try store.write { writer in
            try writer.moveSource(old, to: file.file.documentPath, modifiedAt: file.modifiedAt)
        }
        report.bytesRead += file.size
        report.filesMoved += 1
        report.documentsMoved += moved
        report.moved.append(IndexReport.Move(from: old, to: file.file.documentPath))
    }

    /// Removes the documents, chunks and search terms of `sources` in one transaction; returns the documents removed.
    /// Their vectors go at the next publish (`VectorSync` drops vectors whose chunk is gone).
    func removeSources(_ sources: [String]) throws -> Int {
        try store.write { writer in
            try sources.reduce(0) { $0 + (try writer.deleteSource($1)) }
        }
    }
}

extension SourceState {
    /// Whether `file` is the one stored without reading it: same size and modification time, and that time more
    /// than a second before the documents were stored (a file written again within one clock tick of being read
    /// keeps its time; such a file is read and hashed, as git does with "racily clean" files).
    func isUnchanged(by file: SourceFile) -> Bool {
        guard let size, let modifiedAt, let stored = storedAt, let now = file.modifiedAt else { return false }
        return size == file.size && modifiedAt == now && stored.timeIntervalSince(modifiedAt) > 1
    }
}
