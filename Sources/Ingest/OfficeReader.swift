import Foundation

/// Text, title and headings of the ZIP + XML document formats: DOCX (Office Open XML), ODT (OpenDocument text) and
/// EPUB. Paragraphs and headings become lines of the text (a heading is its own line, so it is its own sentence);
/// the title is the document's metadata title, else its first heading.
public enum OfficeReader {
    /// What a document holds.
    public struct Result: Sendable, Equatable {
        /// Paragraphs, one a line.
        public var text: String
        /// The metadata title, else the first heading (EPUB: the first chapter's).
        public var title: String?
        /// Heading texts in document order.
        public var headings: [String]
        /// The declared language (`dc:language`), if any.
        public var language: String?
    }

    /// Reads a document of `format` (`.docx`, `.odt` or `.epub`); parts may expand to `limit` bytes in all.
    public static func read(_ data: Data, format: DocumentFormat, limit: Int) throws -> Result {
        switch format {
        case .docx: return try docx(data, limit: limit)
        case .odt: return try odt(data, limit: limit)
        default: return try epub(data, limit: limit)
        }
    }

    static func docx(_ data: Data, limit: Int) throws -> Result {
        var zip = try ZIPContainer(data, kind: "DOCX", limit: limit)
        let body = try XMLEvents.parse(try zip.part("word/document.xml"), part: "word/document.xml")
        var paragraphs = Paragraphs()
        var style: String?
        var inText = false
        var inRun = false
        for event in body {
            switch event {
            case .start("p", _):
                paragraphs.open()
                style = nil
            case .start("pStyle", let attributes): style = attributes["w:val"]
            case .start("r", _): inRun = true
            case .end("r"): inRun = false
            case .start("t", _): inText = true
            case .end("t"): inText = false
            // Only inside a run: `w:tab` also defines tab stops in paragraph properties.
            case .start("tab", _) where inRun: paragraphs.append("\t")
            case .start("br", _) where inRun, .start("cr", _) where inRun: paragraphs.append("\n")
            case .text(let text) where inText: paragraphs.append(text)
            case .end("p"):
                let lowered = style?.lowercased().replacingOccurrences(of: " ", with: "") ?? ""
                paragraphs.close(heading: lowered.hasPrefix("heading") || lowered == "title", title: lowered == "title")
            default: break
            }
        }
        let core = try zip.optionalPart("docProps/core.xml").map { data throws in
            try XMLEvents.parse(data, part: "docProps/core.xml")
        }
        let metadata = core.map(Self.dublinCore) ?? [:]
        return paragraphs.result(title: metadata["title"], language: metadata["language"])
    }

    static func odt(_ data: Data, limit: Int) throws -> Result {
        var zip = try ZIPContainer(data, kind: "ODT", limit: limit)
        let content = try XMLEvents.parse(try zip.part("content.xml"), part: "content.xml")
        var paragraphs = Paragraphs()
        var inBody = false
        for event in content {
            switch event {
            case .start("body", _): inBody = true
            case .end("body"): inBody = false
            case .start("p", _) where inBody, .start("h", _) where inBody: paragraphs.open()
            case .end("p") where inBody: paragraphs.close(heading: false)
            case .end("h") where inBody: paragraphs.close(heading: true)
            // Runs of spaces collapse to one in the text, so `text:c` (the count) needs no honouring.
            case .start("s", _): paragraphs.append(" ")
            case .start("tab", _): paragraphs.append("\t")
            case .start("line-break", _): paragraphs.append("\n")
            case .text(let text) where inBody: paragraphs.append(text)
            default: break
            }
        }
        let meta = try zip.optionalPart("meta.xml").map { data throws in
            try XMLEvents.parse(data, part: "meta.xml")
        }
        let metadata = meta.map(Self.dublinCore) ?? [:]
        return paragraphs.result(title: metadata["title"], language: metadata["language"])
    }

    static func epub(_ data: Data, limit: Int) throws -> Result {
        var zip = try ZIPContainer(data, kind: "EPUB", limit: limit)
        let container = try XMLEvents.parse(try zip.part("META-INF/container.xml"), part: "META-INF/container.xml")
        let rootPath = container.lazy.compactMap { event -> String? in
            if case .start("rootfile", let attributes) = event { return attributes["full-path"] }
            return nil
        }.first
        guard let rootPath else { throw IngestError.damagedArchive("EPUB container.xml names no package file") }
        let package = try XMLEvents.parse(try zip.part(rootPath), part: rootPath)
        let metadata = dublinCore(package)
        var items: [String: (href: String, type: String)] = [:]
        var spine: [String] = []
        for event in package {
            if case .start("item", let attributes) = event, let id = attributes["id"], let href = attributes["href"] {
                items[id] = (href, attributes["media-type"] ?? "")
            } else if case .start("itemref", let attributes) = event, let id = attributes["idref"] {
                spine.append(id)
            }
        }
        let folder = (rootPath as NSString).deletingLastPathComponent
        var chapters: [String] = []
        var headings: [String] = []
        var firstTitle: String?
        for id in spine {
            guard let item = items[id], item.type.contains("html") else { continue }
            let href = item.href.removingPercentEncoding ?? item.href
            let path = folder.isEmpty ? href : folder + "/" + href
            guard let bytes = try zip.optionalPart(Self.normalized(path)) else { continue }
            let html = HTMLReader.read(TextDecoder.decode(bytes, declaredCharset: "utf-8").text)
            if firstTitle == nil { firstTitle = html.title }
            headings += Self.xhtmlHeadings(bytes)
            if !html.text.isEmpty { chapters.append(html.text) }
        }
        let title = metadata["title"] ?? firstTitle ?? headings.first
        return Result(
            text: chapters.joined(separator: "\n\n"), title: title, headings: headings, language: metadata["language"])
    }

    /// The texts of `h1`…`h6` in an XHTML chapter (none when it is not well-formed XML).
    static func xhtmlHeadings(_ data: Data) -> [String] {
        guard let events = try? XMLEvents.parse(data, part: "chapter") else { return [] }
        var headings: [String] = []
        var current: String?
        for event in events {
            switch event {
            case .start(let name, _) where ["h1", "h2", "h3", "h4", "h5", "h6"].contains(name): current = ""
            case .text(let text): current? += text
            case .end(let name) where ["h1", "h2", "h3", "h4", "h5", "h6"].contains(name):
                let heading = current?.split(whereSeparator: \.isWhitespace).joined(separator: " ") ?? ""
                if !heading.isEmpty { headings.append(heading) }
                current = nil
            default: break
            }
        }
        return headings
    }

    /// The first `dc:title` and `dc:language` (non-empty, trimmed) of a metadata part.
    static func dublinCore(_ events: [XMLEvent]) -> [String: String] {
        var values: [String: String] = [:]
        var current: String?
        for event in events {
            switch event {
            case .start(let name, _) where name == "title" || name == "language": current = name
            case .text(let text):
                let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
                if let name = current, values[name] == nil, !trimmed.isEmpty { values[name] = trimmed }
            case .end: current = nil
            default: break
            }
        }
        return values
    }

    /// `a/./b/../c` → `a/c` (EPUB hrefs are relative to the package file).
    static func normalized(_ path: String) -> String {
        var parts: [Substring] = []
        for part in path.split(separator: "/") {
            if part == "." { continue }
            if part == "..", !parts.isEmpty {
                parts.removeLast()
            } else {
                parts.append(part)
            }
        }
        return parts.joined(separator: "/")
    }

    /// Paragraphs being built: nested ones (a footnote inside a paragraph) become lines of their own.
    struct Paragraphs {
        private var stack: [String] = []
        private var lines: [String] = []
        private(set) var headings: [String] = []
        private var titleParagraph: String?

        mutating func open() { stack.append("") }

        mutating func append(_ text: String) {
            guard !stack.isEmpty else { return }
            stack[stack.count - 1] += text
        }

        mutating func close(heading: Bool, title: Bool = false) {
            guard let paragraph = stack.popLast() else { return }
            let line = paragraph.split(separator: " ").joined(separator: " ").trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { return }
            lines.append(line)
            if title, titleParagraph == nil { titleParagraph = line }
            if heading { headings.append(line) }
        }

        func result(title: String?, language: String?) -> Result {
            Result(
                text: lines.joined(separator: "\n"), title: title ?? titleParagraph ?? headings.first,
                headings: headings, language: language)
        }
    }
}
