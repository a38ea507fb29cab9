import DocumentStore
import Foundation

extension SearchFilter {
    /// A path prefix as stored paths are written: absolute, `.` and `..` removed, links not resolved (documents are
    /// stored under the path they were indexed by).
    public static func absolutePrefix(_ prefix: String) -> String {
        let absolute = FileWalker.absolutePath(prefix)
        let keepSlash = prefix.hasSuffix("/") && !absolute.hasSuffix("/")
        return keepSlash ? absolute + "/" : absolute
    }

    /// `YYYY-MM-DD` (midnight UTC) or a full ISO 8601 date and time, as the `modified after` filter takes it.
    public static func date(_ text: String) -> Date? {
        let full = ISO8601DateFormatter()
        if let date = full.date(from: text) { return date }
        let day = ISO8601DateFormatter()
        day.formatOptions = [.withFullDate]
        return day.date(from: text)
    }
}
