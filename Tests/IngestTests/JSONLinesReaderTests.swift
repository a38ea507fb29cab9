import Foundation
import Testing

@testable import Ingest

@Suite("JSON Lines reader")
struct JSONLinesReaderTests {
    @Test("each line is a document; bad lines are reported with their line number and the rest still count")
    func badLines() {
        let lines = """
            {"id": "a", "title": "First", "text": "Alpha text.", "lang": "en", "url": "https://x/a"}
            {"id": 7, "text": "Numeric id."}

            not json at all
            ["an", "array"]
            {"id": "b", "title": "no text"}
            {"id": "a", "text": "Duplicate id."}
            {"text": "No id at all."}
            {"id": "c", "text": "   "}
            """
        let result = JSONLinesReader.read(Data(lines.utf8))
        #expect(result.documents.map(\.identifier) == ["a", "7", "line-8"])
        #expect(
            result.documents[0]
                == IngestedDocument(
                    identifier: "a", title: "First", url: "https://x/a", text: "Alpha text.", language: "en",
                    format: .jsonLines))
        #expect(
            result.warnings == [
                "line 4: not valid JSON; line skipped",
                "line 5: not a JSON object; line skipped",
                "line 6: no \"text\" string; line skipped",
                "line 7: duplicate id \"a\"; line skipped",
                "line 9: empty \"text\"; line skipped",
            ])
    }

    @Test("CRLF line ends, a BOM and a missing final newline are fine")
    func lineEnds() {
        let data = Data(
            [0xEF, 0xBB, 0xBF] + Array("{\"id\":\"x\",\"text\":\"one\"}\r\n{\"id\":\"y\",\"text\":\"two\"}".utf8))
        let result = JSONLinesReader.read(data)
        #expect(result.documents.map(\.text) == ["one", "two"])
        #expect(result.warnings.isEmpty)
    }

    @Test("a U+FEFF inside a text is kept, so offsets match the text the user gave")
    func byteOrderMarkInsideText() throws {
        let result = JSONLinesReader.read(Data("{\"id\": 1, \"text\": \"\u{FEFF}Basel am Rhein\"}\n".utf8))
        let document = try #require(result.documents.first)
        #expect(document.text.unicodeScalars.first == "\u{FEFF}")
        #expect(document.text.unicodeScalars.count == 15)
    }

    @Test("the sample file through the document reader: two Spanish documents with titles")
    func sample() throws {
        let path = IngestFixtures.samplePath("rios.jsonl")
        let result = try DocumentReader().read(try Data(contentsOf: URL(fileURLWithPath: path)), path: path)
        #expect(result.documents.map(\.identifier) == ["amazonas", "ebro"])
        #expect(result.documents.map(\.title) == ["El río Amazonas", "El río Ebro"])
        #expect(result.documents.allSatisfy { $0.language == "es" && $0.script == .latin })
    }

    @Test("a file with no valid record fails with the first problem")
    func noValidRecord() {
        #expect(throws: IngestError.noValidRecords(firstProblem: "line 1: not valid JSON; line skipped")) {
            try DocumentReader().read(Data("{oops\n".utf8), path: "x.jsonl")
        }
    }
}
