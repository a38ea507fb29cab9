import DocumentStore
import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A file found by the walker.
public struct SourceFile: Sendable, Equatable {
    /// The path as the user reaches it (the root they named plus the relative path below it).
    public var path: String
    /// The absolute path with symbolic links resolved: the document key.
    public var realPath: String
    /// Size in bytes when found.
    public var size: Int64
}

/// A file or folder that was left out, and why.
public struct FileIssue: Sendable, Equatable, Codable {
    /// The path as the user reaches it.
    public var path: String
    /// One line.
    public var reason: String

    /// Creates an issue.
    public init(path: String, reason: String) {
        self.path = path
        self.reason = reason
    }
}

/// Walks files and folders: nested folders, include and exclude globs, symbolic links followed without loops,
/// hidden entries (names starting with `.`) left out, special files and broken links reported.
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
    }

    /// Walks `roots` (files or folders).
    public func walk(_ roots: [String]) -> Result {
        var result = Result()
        var visitedDirectories = Set<String>()
        var seenFiles: [String: String] = [:]
        for root in roots {
            var info = stat()
            guard stat(root, &info) == 0 else {
                let reason = errno == ENOENT ? "no such file or directory" : String(cString: strerror(errno))
                result.failed.append(FileIssue(path: root, reason: reason))
                continue
            }
            if info.st_mode & S_IFMT == S_IFDIR {
                visit(directory: root, relative: "", result: &result, visited: &visitedDirectories, seen: &seenFiles)
            } else {
                // A file named on the command line is taken even if the include globs would not match it.
                consider(
                    file: root, relative: (root as NSString).lastPathComponent, info: info, explicit: true,
                    result: &result, seen: &seenFiles)
            }
        }
        return result
    }

    private func visit(
        directory: String, relative: String, result: inout Result, visited: inout Set<String>,
        seen: inout [String: String]
    ) {
        guard let real = Self.realPath(directory) else {
            result.failed.append(FileIssue(path: directory, reason: "cannot resolve path"))
            return
        }
        guard visited.insert(real).inserted else {
            result.skipped.append(
                FileIssue(
                    path: directory, reason: "folder already visited (symbolic link loop or second link to \(real))"))
            return
        }
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
        } catch {
            result.failed.append(FileIssue(path: directory, reason: "cannot list folder: \(Self.describe(error))"))
            return
        }
        for name in names where !name.hasPrefix(".") {
            let path = directory.hasSuffix("/") ? directory + name : directory + "/" + name
            let childRelative = relative.isEmpty ? name : relative + "/" + name
            if matches(exclude, path: path) { continue }
            var info = stat()
            guard lstat(path, &info) == 0 else {
                result.failed.append(FileIssue(path: path, reason: String(cString: strerror(errno))))
                continue
            }
            if info.st_mode & S_IFMT == S_IFLNK {
                guard stat(path, &info) == 0 else {
                    result.skipped.append(FileIssue(path: path, reason: "broken symbolic link"))
                    continue
                }
            }
            if info.st_mode & S_IFMT == S_IFDIR {
                visit(directory: path, relative: childRelative, result: &result, visited: &visited, seen: &seen)
            } else {
                consider(file: path, relative: childRelative, info: info, explicit: false, result: &result, seen: &seen)
            }
        }
    }

    private func consider(
        file path: String, relative: String, info: stat, explicit: Bool, result: inout Result,
        seen: inout [String: String]
    ) {
        guard explicit || include.isEmpty || matches(include, path: path) else { return }
        guard info.st_mode & S_IFMT == S_IFREG else {
            result.skipped.append(FileIssue(path: path, reason: "not a regular file (\(Self.kind(info.st_mode)))"))
            return
        }
        guard let real = Self.realPath(path) else {
            result.failed.append(FileIssue(path: path, reason: "cannot resolve path"))
            return
        }
        if excludedRealPaths.contains(real) { return }
        if let first = seen[real] {
            // The same path named twice (a file and its folder on the command line) is no news; a second link is.
            if (first as NSString).standardizingPath != (path as NSString).standardizingPath {
                result.skipped.append(FileIssue(path: path, reason: "same file as \(first)"))
            }
            return
        }
        seen[real] = path
        result.files.append(SourceFile(path: path, realPath: real, size: Int64(info.st_size)))
    }

    /// Whether a pattern matches the file or folder at `path` (as the user reaches it, made absolute): `PathGlob`,
    /// the meaning `search` filters stored paths by.
    func matches(_ patterns: [String], path: String) -> Bool {
        guard !patterns.isEmpty else { return false }
        let absolute = path.hasPrefix("/") ? path : FileManager.default.currentDirectoryPath + "/" + path
        return PathGlob.any(patterns, match: (absolute as NSString).standardizingPath)
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
