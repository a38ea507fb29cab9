import Foundation
import Testing

@testable import Ingest

@Suite("What counts as a document")
struct DocumentFormatTests {
    @Test(
        "document extensions, extension-less names, versions and documentation names count (also gzipped)",
        arguments: [
            ("a/notes.txt", DocumentFormat.text), ("guide.rst", .text), ("README", .text), ("copyright", .text),
            ("/usr/share/common-licenses/GPL-3", .text), ("Apache-2.0", .text), ("LGPL-2.1", .text),
            ("README.Debian", .text), ("NEWS.Debian.gz", .text), ("changelog.Debian.gz", .text),
            ("changelog.gz", .text),
            ("README.source", .text), ("FAQ.gz", .text), ("git-p4.README", .text), ("index.html", .html),
            ("manual.pdf", .pdf),
            ("report.docx", .docx), ("thesis.odt", .odt), ("book.epub", .epub), ("README.md.gz", .markdown),
            ("records.jsonl", .jsonLines),
        ])
    func documents(path: String, format: DocumentFormat) {
        #expect(DocumentFormat(recognizing: path) == format)
    }

    @Test(
        "code, data, stylesheets and images do not",
        arguments: [
            "searchindex-abc.js", "style.css", "logo.png", "data.csv", "tool.py", "lib.so", "x.json", "a.js.gz",
        ])
    func notDocuments(path: String) {
        #expect(DocumentFormat(recognizing: path) == nil)
    }

    @Test("the PDF text comes from the bytes handed over, not from the path (which may have changed since)")
    func pdfFromBytes() throws {
        let reader = DocumentReader()
        #expect(reader.pdftotextPath != nil, "scripts/setup installs poppler-utils")
        let data = PDFReaderTests.pdf(pages: ["Read from the bytes."])
        let result = try reader.read(data, path: "/nonexistent/folder/gone.pdf")
        #expect(result.documents.first?.text.trimmingCharacters(in: .whitespacesAndNewlines) == "Read from the bytes.")
    }
}
