import Foundation
import Testing

@testable import Ingest

/// The fixtures are written by scripts/reference/office_fixtures.py with python-docx, odfpy and ebooklib.
@Suite("DOCX, ODT and EPUB")
struct OfficeReaderTests {
    static func read(_ name: String, reader: DocumentReader = DocumentReader()) throws -> IngestedDocument {
        let path = IngestFixtures.fixturePath(name)
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        return try #require(try reader.read(data, path: path).documents.first)
    }

    @Test("DOCX: paragraphs and headings as lines, runs joined, the core-properties title and language")
    func docx() throws {
        let document = try Self.read("rhine.docx")
        #expect(document.format == .docx)
        #expect(document.title == "The Rhine Handbook")
        #expect(document.language == "en")
        #expect(
            document.text == """
                Course of the river
                The Rhine rises in the Swiss Alps and flows into the North Sea.
                Basel lies on the Rhine, where the river turns north.
                Shipping
                Barges carry coal, grain and containers between Rotterdam and Basel.
                """)
        let data = try Data(contentsOf: URL(fileURLWithPath: IngestFixtures.fixturePath("rhine.docx")))
        let office = try OfficeReader.read(data, format: .docx, limit: 64 << 20)
        #expect(office.headings == ["Course of the river", "Shipping"])
    }

    @Test("ODT: text:h headings, text:s spaces, the meta.xml title and language")
    func odt() throws {
        let document = try Self.read("donau.odt")
        #expect(document.format == .odt)
        #expect(document.title == "Die Donau")
        #expect(document.language == "de")
        #expect(
            document.text == """
                Verlauf
                Die Donau entspringt im Schwarzwald und mündet ins Schwarze Meer.
                Wien liegt an der Donau, ebenso Budapest.
                Schifffahrt
                Schiffe fahren von Regensburg bis zum Delta.
                """)
    }

    @Test("EPUB: chapters in spine order through the HTML reader, headings from every chapter, the OPF title")
    func epub() throws {
        let document = try Self.read("nile.epub")
        #expect(document.format == .epub)
        #expect(document.title == "The Nile")
        #expect(document.language == "en")
        #expect(
            document.text
                == "Sources\n\nThe White Nile rises near Lake Victoria.\n\nThe delta\n\nCairo\n\n"
                + "The Nile reaches the sea north of Cairo.")
        let data = try Data(contentsOf: URL(fileURLWithPath: IngestFixtures.fixturePath("nile.epub")))
        #expect(
            try OfficeReader.read(data, format: .epub, limit: 64 << 20).headings == ["Sources", "The delta", "Cairo"])
    }

    @Test("truncated and damaged archives fail with one line naming the format; parts past the bound are refused")
    func damaged() throws {
        for name in ["rhine.docx", "donau.odt", "nile.epub"] {
            let path = IngestFixtures.fixturePath(name)
            let data = try Data(contentsOf: URL(fileURLWithPath: path))
            let kind = (name as NSString).pathExtension.uppercased()
            #expect(throws: IngestError.damagedArchive("not a readable \(kind) (ZIP archive truncated or damaged)")) {
                try DocumentReader().read(data.prefix(data.count / 2), path: path)
            }
            #expect(throws: IngestError.decompressedTooLarge(limit: 512)) {
                try DocumentReader(decompressedLimit: 512).read(data, path: path)
            }
        }
        #expect(throws: IngestError.damagedArchive("not a readable DOCX (ZIP archive truncated or damaged)")) {
            try DocumentReader().read(Data("not a zip".utf8), path: "/x/report.docx")
        }
        #expect(!IngestError.damagedArchive("x").isSkip)
    }

    @Test("an archive whose entries point outside it (a fuzzer's find) is a damaged file, not a crash")
    func entriesOutsideTheArchive() throws {
        // A DOCX with bytes erased from its middle: the central directory's offsets and sizes run past the data.
        let path = IngestFixtures.fixturePath("damaged-offsets.docx")
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        #expect(throws: IngestError.self) { try DocumentReader().read(data, path: path) }
    }
}
