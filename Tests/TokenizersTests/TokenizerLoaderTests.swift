import Foundation
import Testing
import Tokenizers

@Suite("Tokenizer loading errors")
struct TokenizerLoaderTests {
    private func temporaryDirectory() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("tok-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    @Test("a directory without tokenizer files is named in the error")
    func noFiles() throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(throws: TokenizerError.noTokenizerFile(directory: directory.path)) {
            try TokenizerLoader.load(directory: directory)
        }
        #expect(TokenizerError.noTokenizerFile(directory: "/m").errorDescription?.contains("/m") == true)
    }

    @Test(
        "malformed tokenizer.json and sentencepiece.bpe.model name the file",
        arguments: [
            ("tokenizer.json", "{\"model\": "), ("tokenizer.json", "{\"model\": {\"type\": \"BPE\"}}"),
            ("tokenizer.json", "{\"model\": {\"type\": \"Unigram\", \"vocab\": [[\"a\", 0]], \"unk_id\": 5}}"),
            ("sentencepiece.bpe.model", "\u{0A}\u{7F}abc"),
        ])
    func malformed(file: String, contents: String) throws {
        let directory = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent(file)
        try Data(contents.utf8).write(to: url)
        do {
            _ = try TokenizerLoader.load(directory: directory)
            Issue.record("loading \(file) should fail")
        } catch {
            #expect(error.errorDescription?.contains(url.path) == true, "\(error)")
        }
    }

    @Test("a missing tokenizer.json is unreadable, naming the file")
    func unreadable() {
        let url = URL(fileURLWithPath: "/nonexistent/tokenizer.json")
        #expect {
            try TokenizerLoader.load(tokenizerJSON: url)
        } throws: { error in
            (error as? TokenizerError)?.errorDescription?.contains("/nonexistent/tokenizer.json") == true
        }
    }
}
