import Foundation

#if canImport(Glibc)
    import Glibc
#elseif canImport(Darwin)
    import Darwin
#endif

/// A `--glob` pattern, with the one meaning `index` (choosing files) and `search` (filtering documents) share.
///
/// Wildcards are fnmatch's (`*`, `?`, `[...]`), and `*` also crosses `/`. A pattern without `/` matches the file
/// name (`copyright`, `*.md`); one starting with `/` matches the whole absolute path (`/usr/share/doc/*`); any
/// other pattern with `/` matches the path's last components (`doc/*.html` matches `/a/doc/x.html` and
/// `/a/doc/api/y.html`), and a `**/` in it may also match no folder.
public struct PathGlob: Sendable, Equatable {
    /// The pattern as given.
    public var pattern: String

    /// Wraps a pattern.
    public init(_ pattern: String) { self.pattern = pattern }

    /// Whether the file or folder at absolute `path` matches.
    public func matches(_ path: String) -> Bool {
        guard pattern.contains("/") else {
            let name = path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
            return fnmatch(pattern, name, 0) == 0
        }
        let variants =
            pattern.contains("**/") ? [pattern, pattern.replacingOccurrences(of: "**/", with: "")] : [pattern]
        if pattern.hasPrefix("/") { return variants.contains { fnmatch($0, path, 0) == 0 } }
        // Every tail of the path that starts at a component: the path relative to each of its folders.
        var tails = [Substring(path)]
        var index = path.startIndex
        while let slash = path[index...].firstIndex(of: "/") {
            index = path.index(after: slash)
            if index < path.endIndex { tails.append(path[index...]) }
        }
        return tails.contains { tail in variants.contains { fnmatch($0, String(tail), 0) == 0 } }
    }

    /// Whether any of `patterns` matches `path`.
    public static func any(_ patterns: [String], match path: String) -> Bool {
        patterns.contains { PathGlob($0).matches(path) }
    }
}
