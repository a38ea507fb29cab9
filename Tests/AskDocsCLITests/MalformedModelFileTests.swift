import Foundation
import Testing

/// A model folder whose tokenizer file is damaged: every command that loads it prints one actionable line on
/// stderr (naming the file and what is wrong) and exits non-zero, never a trap, a Swift error dump or usage text.
@Suite("malformed tokenizer files in a model folder")
struct MalformedModelFileTests {
    /// A temporary model folder: the tiny QA model's config and weights (linked) plus `file` with `contents`.
    private static func modelFolder(file: String, contents: Data) throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("badmodel-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let source = URL(fileURLWithPath: ReadCommandTests.model)
        for name in ["config.json", "model.safetensors"] {
            try FileManager.default.createSymbolicLink(
                at: folder.appendingPathComponent(name), withDestinationURL: source.appendingPathComponent(name))
        }
        try contents.write(to: folder.appendingPathComponent(file))
        return folder
    }

    /// The tiny model's tokenizer.json with `edit` applied to its parsed object.
    private static func editedTokenizerJSON(_ edit: (inout [String: Any]) -> Void) throws -> Data {
        let url = URL(fileURLWithPath: ReadCommandTests.model).appendingPathComponent("tokenizer.json")
        var object = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        edit(&object)
        return try JSONSerialization.data(withJSONObject: object)
    }

    /// Expects exactly one non-empty stderr line containing every string of `expected`, and a failing status.
    private static func expectOneLineFailure(
        _ result: AskDocsProcess.Result, _ expected: [String], sourceLocation: SourceLocation = #_sourceLocation
    ) {
        #expect(result.status != 0, sourceLocation: sourceLocation)
        let lines = result.standardError.split(separator: "\n", omittingEmptySubsequences: true)
        #expect(lines.count == 1, "\(result.standardError)", sourceLocation: sourceLocation)
        for text in expected {
            #expect(result.standardError.contains(text), "\(result.standardError)", sourceLocation: sourceLocation)
        }
        #expect(!result.standardError.contains("Usage:"), sourceLocation: sourceLocation)
        #expect(result.standardOutput.isEmpty, sourceLocation: sourceLocation)
    }

    @Test(
        "a truncated or non-protobuf sentencepiece.bpe.model: one line saying what is wrong",
        arguments: [
            ([0x0A, 0x7F, 0x61, 0x62, 0x63], "the data ends inside a field"),
            ([0x0B, 0x01], "protobuf wire type 3 is not valid"),
            ([0x10, 0x01], "the model has no vocabulary pieces"),
        ] as [([UInt8], String)])
    func sentencePiece(bytes: [UInt8], expected: String) throws {
        let folder = try Self.modelFolder(file: "sentencepiece.bpe.model", contents: Data(bytes))
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try AskDocsProcess.run(
            ["tokenize", "--model", folder.path], input: Data("{\"text\":\"a\"}\n".utf8))
        Self.expectOneLineFailure(
            result,
            [folder.appendingPathComponent("sentencepiece.bpe.model").path, "invalid SentencePiece model", expected])
    }

    @Test("a tokenizer.json whose added token id is beyond Int32: askdocs read prints one line (it used to trap)")
    func addedTokenIdOutOfRange() throws {
        let data = try Self.editedTokenizerJSON { object in
            var added = object["added_tokens"] as? [[String: Any]] ?? []
            added.append(["id": 4_294_967_296, "content": "<huge>", "special": true])
            object["added_tokens"] = added
        }
        let folder = try Self.modelFolder(file: "tokenizer.json", contents: data)
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try AskDocsProcess.run(["read", "--model", folder.path, "--question", "Who?", "--context", "Me."])
        Self.expectOneLineFailure(
            result, [folder.appendingPathComponent("tokenizer.json").path, "added token \"<huge>\" id is 4294967296"])
    }

    @Test("a tokenizer.json whose precompiled_charsmap is not base64: askdocs tokenize prints one line")
    func charsmapNotBase64() throws {
        let data = try Self.editedTokenizerJSON { object in
            object["normalizer"] = ["type": "Precompiled", "precompiled_charsmap": "not base64!"]
        }
        let folder = try Self.modelFolder(file: "tokenizer.json", contents: data)
        defer { try? FileManager.default.removeItem(at: folder) }
        let result = try AskDocsProcess.run(
            ["tokenize", "--model", folder.path], input: Data("{\"text\":\"a\"}\n".utf8))
        Self.expectOneLineFailure(result, ["tokenizer.json", "precompiled_charsmap is not valid base64"])
    }
}
