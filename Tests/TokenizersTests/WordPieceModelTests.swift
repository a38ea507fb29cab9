import Testing
import Tokenizers

@Suite("WordPiece")
struct WordPieceModelTests {
    let model: WordPieceModel? = try? WordPieceModel(
        vocabulary: [("[UNK]", 0), ("un", 1), ("##aff", 2), ("##able", 3), ("a", 4), ("##b", 5)], unknownToken: "[UNK]",
        continuingSubwordPrefix: "##", maxInputCharsPerWord: 8)

    private func pieces(_ word: String) throws -> [String] {
        let model = try #require(model)
        return model.tokenize(ArraySlice(word.unicodeScalars.map(\.value))).map(\.1)
    }

    @Test("greedy longest match with ## continuations")
    func greedy() throws {
        #expect(try pieces("unaffable") == ["[UNK]"])  // 9 scalars > maxInputCharsPerWord
        #expect(try pieces("unaff") == ["un", "##aff"])
        #expect(try pieces("abb") == ["a", "##b", "##b"])
    }

    @Test("a word with an unmatched piece is one unknown token")
    func unknown() throws {
        #expect(try pieces("abc") == ["[UNK]"])
    }

    @Test("a missing unknown token is an error")
    func missingUnknown() {
        #expect(throws: WordPieceError.self) {
            try WordPieceModel(
                vocabulary: [("a", 0)], unknownToken: "[UNK]", continuingSubwordPrefix: "##", maxInputCharsPerWord: 100)
        }
    }
}
