import Foundation

/// Lines that are layout, not content, removed before a document is stored (so chunks, snippets and offsets all
/// refer to the cleaned text): texinfo's navigation lines in HTML and the separator lines of plain text.
public enum Boilerplate {
    /// `text` without navigation lines such as texinfo's "Next: A, Previous: B, Up: C [Contents][Index]": a line
    /// that starts with one of those keywords and has a second one or ends in a `[...]` link (a sentence that only
    /// starts with "Next:" stays).
    public static func removingNavigation(_ text: String) -> String {
        mapLines(text) { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard navigationKeywords.contains(where: { trimmed.hasPrefix($0) }), trimmed.count < 500 else {
                return line
            }
            let keywords = navigationKeywords.reduce(0) { $0 + trimmed.components(separatedBy: $1).count - 1 }
            return keywords >= 2 || trimmed.hasSuffix("]") ? nil : line
        }
    }

    /// `text` with separator lines emptied: Debian control-file paragraph dots (a line that is only `.`) and rules
    /// made of one repeated character (`----`, `====`, `****`, at least four).
    public static func removingSeparators(_ text: String) -> String {
        mapLines(text) { line in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed == "." { return "" }
            if trimmed.count >= 4, let first = trimmed.first, "-=*_~#+".contains(first),
                trimmed.allSatisfy({ $0 == first })
            {
                return ""
            }
            return line
        }
    }

    static let navigationKeywords = ["Next:", "Previous:", "Prev:", "Up:"]

    /// Applies `transform` to every line (nil drops the line with its break); text without changes is returned as is.
    static func mapLines(_ text: String, _ transform: (Substring) -> Substring?) -> String {
        var output: [Substring] = []
        var changed = false
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let kept = transform(line)
            if kept != line { changed = true }
            if let kept { output.append(kept) }
        }
        return changed ? output.joined(separator: "\n") : text
    }
}
