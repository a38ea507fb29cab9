import Foundation

/// One document read from a file (a JSON Lines file yields several).
public struct IngestedDocument: Sendable, Equatable {
    /// The record id inside a multi-document file (JSON Lines `id`); nil for a whole-file document.
    public var identifier: String?
    /// The title, when the format has one.
    public var title: String?
    /// The URL, when the record has one.
    public var url: String?
    /// The extracted text.
    public var text: String
    /// Language code: from the document's own declaration, else guessed (see `LanguageDetector`).
    public var language: String?
    /// Dominant script.
    public var script: Script?
    /// The reader that produced it.
    public var format: DocumentFormat

    /// Creates a document.
    public init(
        identifier: String? = nil, title: String? = nil, url: String? = nil, text: String, language: String? = nil,
        script: Script? = nil, format: DocumentFormat
    ) {
        self.identifier = identifier
        self.title = title
        self.url = url
        self.text = text
        self.language = language
        self.script = script
        self.format = format
    }
}

/// What reading one file produced.
public struct ReadResult: Sendable, Equatable {
    /// The documents, in file order; empty text is left out.
    public var documents: [IngestedDocument]
    /// What was repaired or left out (invalid UTF-8, bad JSON lines with their line numbers), one line each.
    public var warnings: [String]
}

/// Why a file yields no documents.
public enum IngestError: LocalizedError, Equatable, Sendable {
    /// The bytes are not text (a NUL byte or many control characters).
    case binary
    /// The file has no text after extraction.
    case noText
    /// A PDF, but `pdftotext` is not installed.
    case pdftotextMissing
    /// `pdftotext` failed.
    case pdftotextFailed(status: Int32, message: String)
    /// `pdftotext` was still running at its time limit and was stopped.
    case pdftotextTimedOut(seconds: Int)
    /// Every line of a JSON Lines file was bad.
    case noValidRecords(firstProblem: String)
    /// A gzip stream that is damaged or truncated.
    case damagedCompression(String)
    /// A compressed file or archive part that expands past the bound.
    case decompressedTooLarge(limit: Int)
    /// A DOCX, ODT or EPUB whose ZIP archive or XML parts cannot be read.
    case damagedArchive(String)

    /// One actionable line.
    public var errorDescription: String? {
        switch self {
        case .binary: "binary file (not text)"
        case .noText: "no text"
        case .pdftotextMissing: "PDF needs pdftotext, which is not installed (apt install poppler-utils)"
        case .pdftotextFailed(let status, let message): "pdftotext failed with status \(status): \(message)"
        case .pdftotextTimedOut(let seconds):
            "pdftotext did not finish within \(seconds) s and was stopped (a damaged PDF?); not read"
        case .noValidRecords(let first): "no valid JSON Lines record (\(first))"
        case .damagedCompression(let reason): "damaged gzip file: \(reason)"
        case .decompressedTooLarge(let limit):
            "expands past \(limit >> 20) MB when decompressed (a compression bomb?); not read"
        case .damagedArchive(let reason): reason
        }
    }

    /// True for files that are not documents (skipped), false for documents that could not be read (failed).
    public var isSkip: Bool {
        switch self {
        case .binary, .noText, .pdftotextMissing: true
        case .pdftotextFailed, .pdftotextTimedOut, .noValidRecords, .damagedCompression, .decompressedTooLarge,
            .damagedArchive:
            false
        }
    }
}

/// Reads a file's bytes into documents: picks the reader by format, decodes text, fills in language and script.
public struct DocumentReader: Sendable {
    /// Path of `pdftotext`, or nil when it is not installed.
    public var pdftotextPath: String?

    /// Seconds `pdftotext` may take for a PDF of `bytes` before it is stopped: far beyond what poppler needs (it
    /// reads tens of MB a second), so only a program that loops or waits stops.
    public var pdfTimeLimit: @Sendable (_ bytes: Int) -> Double = { bytes in 60 + Double(bytes >> 20) * 2 }

    /// Bytes a compressed file or a DOCX/ODT/EPUB may expand to; past it the file is not read.
    public var decompressedLimit: Int

    /// A reader that finds `pdftotext` on `PATH`.
    public init(
        pdftotextPath: String? = DocumentReader.findExecutable("pdftotext"), decompressedLimit: Int = 256 << 20
    ) {
        self.pdftotextPath = pdftotextPath
        self.decompressedLimit = decompressedLimit
    }

    /// Reads `data`, the contents of the file at `path` (whose name picks the format; a `.gz` file is decompressed
    /// and read by the format of its inner name). Only `data` is read, never the file again, so what is stored is
    /// exactly the bytes that were hashed.
    public func read(_ data: Data, path: String, format: DocumentFormat? = nil) throws -> ReadResult {
        var data = data
        if DocumentFormat.isCompressed(path) {
            data = try GzipDecoder.decompress(data, limit: decompressedLimit)
        }
        let format = format ?? DocumentFormat(path: path)
        switch format {
        case .pdf:
            let text = try PDFReader.text(of: data, pdftotext: pdftotextPath, limit: pdfTimeLimit(data.count))
            return try single(IngestedDocument(text: text, format: .pdf), warnings: [])
        case .docx, .odt, .epub:
            let office = try OfficeReader.read(data, format: format, limit: decompressedLimit)
            return try single(
                IngestedDocument(title: office.title, text: office.text, language: office.language, format: format),
                warnings: [])
        case .jsonLines:
            let result = JSONLinesReader.read(data)
            if result.documents.isEmpty {
                if let first = result.warnings.first { throw IngestError.noValidRecords(firstProblem: first) }
                throw IngestError.noText
            }
            return ReadResult(documents: result.documents.map(Self.detect), warnings: result.warnings)
        case .text, .markdown, .html:
            if TextDecoder.looksBinary(data) { throw IngestError.binary }
            let declared = format == .html ? HTMLReader.declaredCharset(in: data) : nil
            let decoded = TextDecoder.decode(data, declaredCharset: declared)
            switch format {
            case .markdown:
                let (text, title) = MarkdownReader.read(decoded.text)
                return try single(
                    IngestedDocument(title: title, text: text, format: .markdown), warnings: decoded.warnings)
            case .html:
                let html = HTMLReader.read(decoded.text)
                return try single(
                    IngestedDocument(
                        title: html.title, text: Boilerplate.removingNavigation(html.text), language: html.language,
                        format: .html),
                    warnings: decoded.warnings)
            default:
                let text = Boilerplate.removingSeparators(decoded.text)
                return try single(IngestedDocument(text: text, format: .text), warnings: decoded.warnings)
            }
        }
    }

    private func single(_ document: IngestedDocument, warnings: [String]) throws -> ReadResult {
        guard document.text.contains(where: { !$0.isWhitespace }) else { throw IngestError.noText }
        return ReadResult(documents: [Self.detect(document)], warnings: warnings)
    }

    /// Fills in script and language (keeping a declared language, normalised).
    static func detect(_ document: IngestedDocument) -> IngestedDocument {
        var document = document
        let script = LanguageDetector.script(of: document.text)
        document.script = script
        document.language = LanguageDetector.language(of: document.text, hint: document.language, script: script)
        return document
    }

    /// The first executable called `name` on `PATH`.
    public static func findExecutable(_ name: String) -> String? {
        let path = ProcessInfo.processInfo.environment["PATH"] ?? "/usr/local/bin:/usr/bin:/bin"
        for folder in path.split(separator: ":") {
            let candidate = "\(folder)/\(name)"
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}
