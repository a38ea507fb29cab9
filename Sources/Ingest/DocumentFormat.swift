import Foundation

/// The reader a file goes through, chosen by its extension.
public enum DocumentFormat: String, Sendable, CaseIterable, Equatable {
    /// Plain text in any detected encoding.
    case text
    /// Markdown.
    case markdown
    /// HTML or XHTML.
    case html
    /// JSON Lines: one document per line.
    case jsonLines = "jsonl"
    /// PDF through `pdftotext`.
    case pdf
    /// Word (Office Open XML) documents.
    case docx
    /// OpenDocument text.
    case odt
    /// EPUB books.
    case epub

    /// The format for a file name (a trailing `.gz` is looked through): `.md`/`.markdown`, `.html`/`.htm`/`.xhtml`,
    /// `.jsonl`/`.ndjson`, `.pdf`, `.docx`, `.odt`, `.epub`; anything else is read as plain text (and skipped if it
    /// turns out to be binary).
    public init(path: String) {
        self = Self.byExtension[Self.innerExtension(of: path)] ?? .text
    }

    /// The format of a file AskDocs indexes without being asked: a document extension (`.txt`, `.text`, `.rst`,
    /// `.adoc`, `.org` and the formats above), no extension (`README`, `copyright`; a version such as `GPL-2.0` or
    /// `Apache-2.0` is no extension), or a conventional documentation name with any extension or as the extension
    /// (`README.Debian`, `changelog.Debian`, `NEWS.source`, `git-p4.README`), each also gzip-compressed (`changelog.gz`); nil for code, data and the
    /// rest (`searchindex.js`, `.css`, `.png`), which are indexed only when asked for by name.
    public init?(recognizing path: String) {
        let name = Self.innerName(of: path)
        let ext = Self.innerExtension(of: path)
        if let format = Self.byExtension[ext] {
            self = format
        } else if ext.isEmpty || ext.allSatisfy(\.isNumber) || Self.textExtensions.contains(ext)
            || Self.documentationNames.contains(ext)
        {
            self = .text
        } else if let stem = name.split(separator: ".").first, Self.documentationNames.contains(stem.lowercased()) {
            self = .text
        } else {
            return nil
        }
    }

    /// Whether `path` names a gzip-compressed file (`.gz`), read through `GzipDecoder`.
    public static func isCompressed(_ path: String) -> Bool {
        (path as NSString).pathExtension.lowercased() == "gz"
    }

    /// The file name without a trailing `.gz`.
    static func innerName(of path: String) -> String {
        let name = (path as NSString).lastPathComponent
        return isCompressed(name) ? (name as NSString).deletingPathExtension : name
    }

    /// The lowercased extension of the name without `.gz` ("" when it has none).
    static func innerExtension(of path: String) -> String {
        (innerName(of: path) as NSString).pathExtension.lowercased()
    }

    static let byExtension: [String: DocumentFormat] = [
        "md": .markdown, "markdown": .markdown, "mdown": .markdown, "mkd": .markdown,
        "html": .html, "htm": .html, "xhtml": .html, "jsonl": .jsonLines, "ndjson": .jsonLines,
        "pdf": .pdf, "docx": .docx, "odt": .odt, "epub": .epub, "txt": .text, "text": .text,
    ]

    /// Plain-text markup read as text.
    static let textExtensions: Set<String> = ["rst", "adoc", "asciidoc", "org"]

    /// Names that are documentation whatever their extension says (Debian's `README.Debian`, `NEWS.Debian.gz`).
    static let documentationNames: Set<String> = [
        "readme", "news", "changelog", "changes", "history", "todo", "authors", "copying", "copyright", "license",
        "licence", "install", "thanks", "bugs", "faq", "credits", "contributors", "notice", "maintainers", "hacking",
    ]
}
