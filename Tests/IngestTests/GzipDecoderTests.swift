import Foundation
import Testing

@testable import Ingest

@Suite("Gzip documents")
struct GzipDecoderTests {
    static func fixture(_ name: String) throws -> (path: String, data: Data) {
        let path = IngestFixtures.fixturePath(name)
        return (path, try Data(contentsOf: URL(fileURLWithPath: path)))
    }

    @Test("a gzip-compressed Debian changelog is decompressed and read as text")
    func changelog() throws {
        let (path, data) = try Self.fixture("changelog.Debian.gz")
        let document = try #require(try DocumentReader().read(data, path: path).documents.first)
        #expect(document.format == .text)
        #expect(
            document.text.hasPrefix("askdocs (1.2-1) unstable; urgency=medium\n\n  * Read gzip-compressed changelogs."))
    }

    @Test("the inner extension picks the format: README.md.gz is Markdown with its title")
    func innerFormat() throws {
        let (path, data) = try Self.fixture("guide.md.gz")
        #expect(DocumentFormat(path: path) == .markdown)
        let document = try #require(try DocumentReader().read(data, path: path).documents.first)
        #expect(document.format == .markdown)
        #expect(document.title == "Gzipped guide")
        #expect(document.text == "Gzipped guide\n\nThe guide is compressed.\n")
    }

    @Test("concatenated members are one stream, as gunzip reads them")
    func members() throws {
        let (_, data) = try Self.fixture("members.txt.gz")
        #expect(try GzipDecoder.decompress(data, limit: 1 << 20) == Data("First member. Second member.\n".utf8))
    }

    @Test("a truncated or damaged stream fails with one line; output past the bound is refused")
    func damagedAndBombs() throws {
        let (_, changelog) = try Self.fixture("changelog.Debian.gz")
        let truncated = changelog.prefix(changelog.count - 12)
        #expect(throws: IngestError.damagedCompression("the stream ends early (truncated file)")) {
            try DocumentReader().read(truncated, path: "/d/changelog.gz")
        }
        var corrupt = changelog
        corrupt[20] ^= 0xFF
        #expect(throws: IngestError.self) { try GzipDecoder.decompress(corrupt, limit: 1 << 20) }
        #expect(throws: IngestError.damagedCompression("incorrect header check")) {
            try DocumentReader().read(Data("plain text, not gzip".utf8), path: "/d/notes.txt.gz")
        }
        // 1 MiB of zeros in 1 KiB: with a 64 KiB bound it is refused before it is all in memory.
        let (_, zeros) = try Self.fixture("zeros.txt.gz")
        let reader = DocumentReader(decompressedLimit: 64 << 10)
        #expect(throws: IngestError.decompressedTooLarge(limit: 64 << 10)) { try reader.read(zeros, path: "z.txt.gz") }
        #expect(!IngestError.decompressedTooLarge(limit: 64 << 10).isSkip)
        let message = IngestError.decompressedTooLarge(limit: 256 << 20).localizedDescription
        #expect(message == "expands past 256 MB when decompressed (a compression bomb?); not read")
        #expect(!message.contains("\n"))
    }
}
