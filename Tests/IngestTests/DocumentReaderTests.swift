import Foundation
import Testing

@testable import Ingest

@Suite("Document reader")
struct DocumentReaderTests {
    @Test(
        "every sample file reads with the right format, title and language",
        arguments: [
            ("changjiang.txt", DocumentFormat.text, nil as String?, "zh"),
            ("kaffee.html", .html, "Kaffee in Wien", "de"),
            ("rhine.md", .markdown, "The Rhine", "en"), ("volga.txt", .text, nil, "ru"),
            ("chaophraya.txt", .text, nil, "th"),
        ])
    func samples(name: String, format: DocumentFormat, title: String?, language: String) throws {
        let path = IngestFixtures.samplePath(name)
        let result = try DocumentReader().read(try Data(contentsOf: URL(fileURLWithPath: path)), path: path)
        #expect(result.documents.count == 1)
        #expect(result.warnings.isEmpty)
        let document = try #require(result.documents.first)
        #expect(document.format == format)
        #expect(document.title == title)
        #expect(document.language == language)
        #expect(!document.text.isEmpty)
    }

    @Test("format by extension; unknown extensions are read as text")
    func formats() {
        #expect(DocumentFormat(path: "a/B.MD") == .markdown)
        #expect(DocumentFormat(path: "x.htm") == .html)
        #expect(DocumentFormat(path: "x.ndjson") == .jsonLines)
        #expect(DocumentFormat(path: "x.pdf") == .pdf)
        #expect(DocumentFormat(path: "README") == .text)
    }

    @Test("empty and whitespace-only files yield no text; binary files are binary")
    func skips() {
        let reader = DocumentReader()
        #expect(throws: IngestError.noText) { try reader.read(Data(), path: "empty.txt") }
        #expect(throws: IngestError.noText) { try reader.read(Data(" \n\t\n".utf8), path: "blank.md") }
        #expect(throws: IngestError.noText) { try reader.read(Data("<script>x()</script>".utf8), path: "s.html") }
        #expect(throws: IngestError.binary) {
            try reader.read(Data([0x89, 0x50, 0x4E, 0x47, 0, 0, 0, 0x0D]), path: "img.txt")
        }
        #expect(IngestError.binary.isSkip && IngestError.noText.isSkip)
    }

    @Test("an HTML page in Latin-1 that declares it decodes with the declaration")
    func htmlDeclaredCharset() throws {
        let bytes =
            Array("<html><head><meta charset=\"iso-8859-1\"><title>Caf".utf8) + [0xE9]
            + Array("</title></head><body><p>Cr".utf8)
            + [0xE8] + Array("me br".utf8) + [0xFB] + Array("l".utf8) + [0xE9] + Array("e</p></body></html>".utf8)
        let result = try DocumentReader().read(Data(bytes), path: "cafe.html")
        #expect(result.documents.first?.title == "Café")
        #expect(result.documents.first?.text == "Crème brûlée")
        #expect(result.warnings == ["decoded as Windows-1252 (declared charset iso-8859-1)"])
    }

    @Test("invalid UTF-8 in a text file is repaired and the warning travels with the result")
    func warningTravels() throws {
        let result = try DocumentReader().read(Data(Array("Grüße ".utf8) + [0xFF] + Array(" Welt".utf8)), path: "x.txt")
        #expect(result.documents.first?.text == "Grüße \u{FFFD} Welt")
        #expect(result.warnings.count == 1)
    }
}
