import Foundation
import Testing

/// `askdocs tokenize` end to end with the real XLM-R tokenizer in `../shared/models/xlmr-tokenizer`.
@Suite("askdocs tokenize")
struct TokenizeCommandTests {
    static let model = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("shared/models/xlmr-tokenizer")

    private func lines(_ output: String) throws -> [[String: Any]] {
        try output.split(separator: "\n").map {
            try #require(try JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any])
        }
    }

    @Test("a text line gives ids, offsets and tokens with special tokens at [0,0]")
    func text() throws {
        let input = Data("{\"text\":\"Hello world\"}\n{\"text\":\"\"}\n".utf8)
        let result = try AskDocsProcess.run(["tokenize", "--model", Self.model.path], input: input)
        #expect(result.status == 0, "\(result.standardError)")
        let out = try lines(result.standardOutput)
        try #require(out.count == 2)
        #expect(out[0]["ids"] as? [Int] == [0, 35378, 8999, 2])
        #expect(out[0]["offsets"] as? [[Int]] == [[0, 0], [0, 5], [5, 11], [0, 0]])
        #expect(out[0]["tokens"] as? [String] == ["<s>", "▁Hello", "▁world", "</s>"])
        #expect(out[1]["ids"] as? [Int] == [0, 2])
    }

    @Test("a leading U+FEFF in a text is kept, so offsets match Python's str indices")
    func byteOrderMark() throws {
        let input = Data("{\"text\":\"\u{FEFF}Los\"}\n".utf8)
        let result = try AskDocsProcess.run(["tokenize", "--model", Self.model.path], input: input)
        let out = try lines(result.standardOutput)
        #expect(out.first?["offsets"] as? [[Int]] == [[0, 0], [0, 4], [0, 0]])
    }

    @Test("a question/context line gives overlapping windows with sequence ids")
    func pair() throws {
        let context = String(repeating: "The Panthers won the game in Santa Clara. ", count: 40)
        let line = try JSONSerialization.data(withJSONObject: ["question": "Who won?", "context": context])
        let result = try AskDocsProcess.run(
            ["tokenize", "--model", Self.model.path, "--max-length", "64", "--stride", "16"],
            input: line + Data("\n".utf8))
        #expect(result.status == 0, "\(result.standardError)")
        let out = try lines(result.standardOutput)
        let windows = try #require(out.first?["windows"] as? [[String: Any]])
        #expect(windows.count > 5)
        for window in windows {
            let ids = try #require(window["ids"] as? [Int])
            let sequenceIds = try #require(window["sequence_ids"] as? [Any])
            #expect(ids.count <= 64 && ids.count == sequenceIds.count)
            #expect(Array(ids.prefix(4)) == [0, 40469, 23742, 32])  // <s> ▁Who ▁won ?
            #expect(sequenceIds.first is NSNull && sequenceIds[1] as? Int == 0)
        }
        // Consecutive windows share 16 context tokens.
        let first = try #require(windows[0]["ids"] as? [Int])
        let second = try #require(windows[1]["ids"] as? [Int])
        #expect(Array(first.suffix(17).dropLast()) == Array(second[6..<22]))
    }

    @Test("a bad JSON line names its line number and exits non-zero")
    func badLine() throws {
        let input = Data("{\"text\":\"ok\"}\nnot json\n".utf8)
        let result = try AskDocsProcess.run(["tokenize", "--model", Self.model.path], input: input)
        #expect(result.status != 0)
        #expect(result.standardError.contains("line 2"))
        #expect(result.standardOutput.split(separator: "\n").count == 1)
    }

    @Test("a missing model directory is rejected before reading input")
    func missingModel() throws {
        let result = try AskDocsProcess.run(["tokenize", "--model", "/nonexistent/model"], input: Data())
        #expect(result.status != 0)
        #expect(result.standardError.contains("/nonexistent/model"))
    }
}
