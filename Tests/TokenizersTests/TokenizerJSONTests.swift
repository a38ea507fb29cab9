import Foundation
import Testing
import Tokenizers

/// Ids and type ids of a user's `tokenizer.json` that do not fit `Int32` (or index a table) are malformed files:
/// one-line `TokenizerError`s, where `Int32(_:)` used to trap and a huge WordPiece id allocated a table that size.
@Suite("tokenizer.json ids out of range")
struct TokenizerJSONTests {
    /// A minimal Unigram tokenizer.json with `patch` applied to its top-level object.
    private static func unigram(_ patch: [String: Any] = [:]) -> [String: Any] {
        var root: [String: Any] = [
            "added_tokens": [["id": 0, "content": "<unk>", "special": true]],
            "model": ["type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0], ["▁a", -1.0], ["a", -2.0]]],
            "pre_tokenizer": ["type": "Metaspace", "replacement": "▁", "prepend_scheme": "always"],
        ]
        root.merge(patch) { $1 }
        return root
    }

    /// A minimal WordPiece tokenizer.json over `vocab`.
    private static func wordPiece(_ vocab: [String: Int]) -> [String: Any] {
        [
            "model": ["type": "WordPiece", "unk_token": "[UNK]", "vocab": vocab],
            "pre_tokenizer": ["type": "BertPreTokenizer"],
        ]
    }

    /// Loads `json` (an object, or raw text) from a temporary tokenizer.json.
    private static func load(_ json: Any) throws -> any Tokenizer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tokjson-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("tokenizer.json")
        let data = try (json as? String).map { Data($0.utf8) } ?? JSONSerialization.data(withJSONObject: json)
        try data.write(to: url)
        return try TokenizerLoader.load(tokenizerJSON: url)
    }

    /// Expects a malformed-file error whose one-line message contains `expected`.
    private static func expectMalformed(
        _ json: Any, _ expected: String, sourceLocation: SourceLocation = #_sourceLocation
    ) {
        do {
            _ = try load(json)
            Issue.record("loaded a tokenizer.json that should be refused", sourceLocation: sourceLocation)
        } catch {
            let message = (error as? any LocalizedError)?.errorDescription ?? "\(error)"
            #expect(message.contains(expected), "\(message)", sourceLocation: sourceLocation)
            #expect(!message.contains("\n"), sourceLocation: sourceLocation)
            #expect(message.hasPrefix("Malformed tokenizer file"), "\(message)", sourceLocation: sourceLocation)
        }
    }

    @Test("the minimal fixtures load and encode")
    func fixturesLoad() throws {
        #expect(try Self.load(Self.unigram()).encode("a", addSpecialTokens: false).ids == [1])
        let bert = try Self.load(Self.wordPiece(["[UNK]": 0, "a": 1, "##b": 2]))
        #expect(bert.encode("ab", addSpecialTokens: false).ids == [1, 2])
    }

    @Test("an added token id beyond Int32 or negative")
    func addedTokenIds() {
        for id in [4_294_967_296, 2_147_483_648, -1] {
            Self.expectMalformed(
                Self.unigram(["added_tokens": [["id": id, "content": "<big>", "special": true]]]),
                "added token \"<big>\" id is \(id)")
        }
    }

    @Test("padding.pad_id beyond Int32")
    func padId() {
        Self.expectMalformed(Self.unigram(["padding": ["pad_id": 3_000_000_000]]), "padding.pad_id is 3000000000")
    }

    @Test("a RobertaProcessing special token id beyond Int32")
    func robertaIds() {
        let processor: [String: Any] = ["type": "RobertaProcessing", "cls": ["<s>", 0], "sep": ["</s>", 1 << 40]]
        Self.expectMalformed(Self.unigram(["post_processor": processor]), "special token \"</s>\" id is \(1 << 40)")
    }

    @Test("TemplateProcessing special ids and type ids beyond Int32, or not integers")
    func templateIds() {
        func template(ids: [Any], typeId: Any) -> [String: Any] {
            [
                "type": "TemplateProcessing",
                "single": [
                    ["SpecialToken": ["id": "<s>", "type_id": typeId]], ["Sequence": ["id": "A", "type_id": 0]],
                ],
                "pair": [["Sequence": ["id": "A", "type_id": 0]], ["Sequence": ["id": "B", "type_id": typeId]]],
                "special_tokens": ["<s>": ["id": "<s>", "ids": ids, "tokens": ["<s>"]]],
            ]
        }
        Self.expectMalformed(Self.unigram(["post_processor": template(ids: [1 << 33], typeId: 0)]), "\(1 << 33)")
        Self.expectMalformed(Self.unigram(["post_processor": template(ids: ["x"], typeId: 0)]), "not an integer")
        Self.expectMalformed(
            Self.unigram(["post_processor": template(ids: [0], typeId: 2_147_483_648)]), "type_id is 2147483648")
    }

    @Test("WordPiece vocab ids beyond Int32, negative, or past the vocabulary's size")
    func wordPieceIds() {
        Self.expectMalformed(Self.wordPiece(["[UNK]": 0, "a": 2_147_483_648]), "WordPiece vocab id 2147483648")
        // Used to load, then trap on the first unknown word (pieces[-1]).
        Self.expectMalformed(Self.wordPiece(["[UNK]": -1, "a": 0]), "WordPiece vocab id -1")
        // Used to size the piece table by the largest id: 2^31 − 1 strings, 32 GiB.
        Self.expectMalformed(Self.wordPiece(["[UNK]": 0, "a": 2_147_483_647]), "outside 0..<2")
    }

    @Test("a WordPiece unk_token missing from the vocabulary says which token")
    func wordPieceUnknown() {
        Self.expectMalformed(
            ["model": ["type": "WordPiece", "unk_token": "[NOPE]", "vocab": ["a": 0]]],
            "WordPiece unk_token \"[NOPE]\" is not in the vocabulary")
    }

    @Test("a 25-digit id is not an integer id (parsing it used to overflow Int and trap)")
    func longNumber() {
        let text = """
            {"added_tokens": [{"id": 1234567890123456789012345, "content": "<x>"}],
             "model": {"type": "Unigram", "unk_id": 0, "vocab": [["<unk>", 0.0]]}}
            """
        Self.expectMalformed(text, "added token without content or id")
    }
}
