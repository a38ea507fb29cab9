import DocumentStore
import Foundation
import Ingest

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file found by the walker.
public struct SourceFile: Sendable, Equatable {
    /// The path as the user reaches it (the root they named plus the relative path below it).
    public var path: String
    /// The absolute path with symbolic links resolved: where the bytes are read.
    public var realPath: String
    /// Size in bytes when found.
    public var size: Int64
    /// Modification time when found (nil: not known, so the file is read to tell whether it changed).
    public var modifiedAt: Date? = nil

    /// The absolute path the user reached the file by (links not resolved, `.` and `..` removed): the document key,
    /// so a folder's documents stay under that folder even when some are links to files elsewhere.
    public var documentPath: String { FileWalker.absolutePath(path) }
}

/// A file or folder that was left out, and why.
public struct FileIssue: Sendable, Equatable, Codable {
    /// The path as the user reaches it.
    public var path: String
    /// One line.
    public var reason: String
    /// The reason without what is particular to this path (the other path of a duplicate), for grouping.
    public var group: String

    /// Creates an issue; `group` defaults to the reason.
    public init(path: String, reason: String, group: String? = nil) {
        self.path = path
        self.reason = reason
        self.group = group ?? reason
    }

    enum CodingKeys: String, CodingKey { case path, reason }

    /// Decodes `{path, reason}`.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        self.init(
            path: try container.decode(String.self, forKey: .path),
            reason: try container.decode(String.self, forKey: .reason))
    }

    /// Encodes `{path, reason}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(path, forKey: .path)
        try container.encode(reason, forKey: .reason)
    }
}

/// Walks files and folders: nested folders, include and exclude globs, symbolic links followed without loops,
/// hidden entries (names starting with `.`) left out, special files and broken links reported.
///
/// Without include globs only documents are taken: the formats AskDocs reads and extension-less text files
/// (`DocumentFormat(recognizing:)`); other files are skipped as not documents. Of several paths to one file the
/// real one is kept (a link is the duplicate), and links to folders are followed after every real folder, so a
/// folder reached both ways is indexed under its own path.
public struct FileWalker: Sendable {
    /// Include patterns; a file must match one (none: every file).
    public var include: [String]
    /// Exclude patterns, for files and folders.
    public var exclude: [String]
    /// Absolute real paths never to index (the database and its journal files).
    public var excludedRealPaths: Set<String>

    /// Creates a walker.
    public init(include: [String] = [], exclude: [String] = [], excludedRealPaths: Set<String> = []) {
        self.include = include
        self.exclude = exclude
        self.excludedRealPaths = excludedRealPaths
    }

    /// What a walk found.
    public struct Result: Sendable {
        /// Regular files to read, in walk order (sorted names within each folder).
        public var files: [SourceFile] = []
        /// Entries left out with a reason (special files, broken links, loops, duplicates).
        public var skipped: [FileIssue] = []
        /// Entries that could not be examined (missing roots, unreadable folders).
        public var failed: [FileIssue] = []
        /// Roots (paths given) that could not be examined at all.
        public var failedRoots: [FileIssue] = []
        /// Every entry looked at: files taken, skipped and failed.
        public var entriesSeen: Int { files.count + skipped.count + failed.count }
    }

    /// The walk's state: what was found, and where each folder and file was first reached.
    private struct State {
        var result = Result()
        var visitedDirectories: [String: String] = [:]
        var fileIndex: [String: Int] = [:]
        var deferredLinks: [(path: String, relative: String)] = []
    }

    /// The reason given for files that are not documents.
    public static let notADocument = "not a document format AskDocs reads (an include glob can ask for it)"

    /// Walks `roots` (files or folders).
    public func walk(_ roots: [String]) -> Result {
        var state = State()
        for root in roots {
            var info = stat()
            guard stat(root, &info) == 0 else {
                let reason = errno == ENOENT ? "no such file or directory" : String(cString: strerror(errno))
                state.result.failed.append(FileIssue(path: root, reason: reason))
                state.result.failedRoots.append(FileIssue(path: root, reason: reason))
                continue
            }
            if info.st_mode & S_IFMT == S_IFDIR {
                let failures = state.result.failed.count
                visit(directory: root, relative: "", state: &state)
                // A root whose own listing failed yields nothing at all.
                if state.result.failed.count > failures, state.result.failed[failures].path == root {
                    state.result.failedRoots.append(state.result.failed[failures])
                }
            } else {
                // A file named on the command line is taken even if the include globs would not match it.
                consider(
                    file: root, relative: (root as NSString).lastPathComponent, info: info, explicit: true,
                    state: &state)
            }
        }
        // Links to folders last: a folder inside the roots is then reached by its own path first.
        while !state.deferredLinks.isEmpty {
            let link = state.deferredLinks.removeFirst()
            visit(directory: link.path, relative: link.relative, state: &state)
        }
        return state.result
    }

    private func visit(directory: String, relative: String, state: inout State) {
        guard let real = Self.realPath(directory) else {
            state.result.failed.append(FileIssue(path: directory, reason: "cannot resolve path"))
            return
        }
        if let first = state.visitedDirectories[real] {
            // The same folder named twice is no news; a link to a folder already walked is.
            if Self.absolutePath(first) != Self.absolutePath(directory) {
                state.result.skipped.append(
                    FileIssue(
                        path: directory, reason: "link to a folder already indexed as \(first)",
                        group: "link to a folder already indexed"))
            }
            return
        }
        state.visitedDirectories[real] = directory
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            state.result.failed.append(
                FileIssue(path: directory, reason: "cannot list folder: \(Self.describe(error))"))
            return
        }
        for name in names where !name.hasPrefix(".") {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            let childRelative = relative.isEmpty ? name : relative + "/" + name
            if matches(exclude, path: path) { continue }
            var info = stat()
            guard lstat(path, &info) == 0 else {
                state.result.failed.append(FileIssue(path: path, reason: String(cString: strerror(errno))))
                continue
            }
            var isLink = false
            if info.st_mode & S_IFMT == S_IFLNK {
                isLink = true
                guard stat(path, &info) == 0 else {
                    state.result.skipped.append(FileIssue(path: path, reason: "broken symbolic link"))
                    continue
                }
            }
            if info.st_mode & S_IFMT == S_IFDIR {
                if isLink {
                    state.deferredLinks.append((path, childRelative))
                } else {
                    visit(directory: path, relative: childRelative, state: &state)
                }
            } else {
                consider(file: path, relative: childRelative, info: info, explicit: false, state: &state)
            }
        }
    }

    private func consider(file path: String, relative: String, info: stat, explicit: Bool, state: inout State) {
        guard explicit || include.isEmpty || matches(include, path: path) else { return }
        guard info.st_mode & S_IFMT == S_IFREG else {
            state.result.skipped.append(
                FileIssue(path: path, reason: "not a regular file (\(Self.kind(info.st_mode)))"))
            return
        }
        guard let real = Self.realPath(path) else {
            state.result.failed.append(FileIssue(path: path, reason: "cannot resolve path"))
            return
        }
        if excludedRealPaths.contains(real) { return }
        // Without include globs, a folder's files count only when they are documents.
        if !explicit, include.isEmpty, DocumentFormat(recognizing: relative) == nil {
            state.result.skipped.append(FileIssue(path: path, reason: Self.notADocument))
            return
        }
        let file = SourceFile(
            path: path, realPath: real, size: Int64(info.st_size),
            modifiedAt: Date(
                timeIntervalSince1970: Double(info.st_mtim.tv_sec) + Double(info.st_mtim.tv_nsec) / 1e9))
        guard let index = state.fileIndex[real] else {
            state.fileIndex[real] = state.result.files.count
            state.result.files.append(file)
            return
        }
        let first = state.result.files[index]
        // The same path named twice (a file and its folder on the command line) is no news; a second link is.
        guard first.documentPath != file.documentPath else { return }
        // Keep the file's own path over a link to it; of two links, the first found.
        var (kept, dropped) = (first, file)
        if file.documentPath == real, first.documentPath != real {
            (kept, dropped) = (file, first)
            state.result.files[index] = file
        }
        state.result.skipped.append(
            FileIssue(
                path: dropped.path, reason: "same file as \(kept.path)", group: "another path to a file already indexed"
            ))
    }

    /// Whether a pattern matches the file or folder at `path` (as the user reaches it, made absolute): `PathGlob`,
    /// the meaning `search` filters stored paths by.
    func matches(_ patterns: [String], path: String) -> Bool {
        guard !patterns.isEmpty else { return false }
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return PathGlob.any(patterns, match: (absolute as NSString).standardizingPath)
    }

    /// The first problem when none of `roots` can be read (missing, or a folder that cannot be listed); nil when
    /// at least one can.
    public static func unreadableRoots(_ roots: [String]) -> FileIssue? {
        var first: FileIssue?
        for root in roots {
            var info = stat()
            guard stat(root, &info) == 0 else {
                let reason = errno == ENOENT ? "no such file or directory" : String(cString: strerror(errno))
                first = first ?? FileIssue(path: root, reason: reason)
                continue
            }
            guard info.st_mode & S_IFMT == S_IFDIR else { return nil }
            guard let directory = opendir(root) else {
                let code = errno
                let message = code == EACCES ? "permission denied" : String(cString: strerror(code))
                first = first ?? FileIssue(path: root, reason: "cannot list folder: \(message)")
                continue
            }
            closedir(directory)
            return nil
        }
        return first
    }

    /// `path` made absolute against the working folder, with `.`, `..` and repeated slashes removed lexically
    /// (links are not resolved).
    public static func absolutePath(_ path: String) -> String {
        let full = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        var parts: [Substring] = []
        for part in full.split(separator: "/") {
            if part == "." { continue }
            if part == ".." {
                _ = parts.popLast()
            } else {
                parts.append(part)
            }
        }
        return "/" + parts.joined(separator: "/")
    }

    /// The absolute path with links resolved, or nil.
    static func realPath(_ path: String) -> String? {
        guard let resolved = realpath(path, nil) else { return nil }
        defer { free(resolved) }
        return String(cString: resolved)
    }

    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFIFO: "named pipe"
        case S_IFSOCK: "socket"
        case S_IFCHR: "character device"
        case S_IFBLK: "block device"
        default: "special file"
        }
    }

    static func describe(_ error: any Error) -> String {
        let nsError = error as NSError
        if let underlying = nsError.userInfo[NSUnderlyingErrorKey] as? NSError, underlying.domain == NSPOSIXErrorDomain
        {
            return String(cString: strerror(Int32(underlying.code)))
        }
        if nsError.domain == NSCocoaErrorDomain, nsError.code == NSFileReadNoPermissionError {
            return "permission denied"
        }
        return nsError.localizedDescription
    }
}
