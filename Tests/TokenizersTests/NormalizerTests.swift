import Foundation
import TestSupport
import Testing
import Tokenizers

@Suite("Normalizers and alignments")
struct NormalizerTests {
    static let charsMap: PrecompiledCharsMap? = {
        guard
            let data = try? Gzip.decompress(
                Data(contentsOf: Fixtures.directory.appendingPathComponent("spm-tiny/sentencepiece.bpe.model.gz"))),
            let model = try? SentencePieceModel(data: [UInt8](data))
        else { return nil }
        return try? PrecompiledCharsMap(data: model.precompiledCharsmap)
    }()

    private func normalized(_ text: String, _ normalizer: Normalizer) -> (String, [Range<Int>]) {
        let scalars = text.unicodeScalars.map(\.value)
        var n = NormalizedText(original: scalars, range: 0..<scalars.count)
        normalizer.apply(&n)
        var s = ""
        s.unicodeScalars.append(contentsOf: n.scalars.compactMap(Unicode.Scalar.init))
        return (s, (0..<n.count).map { Int(n.starts[$0])..<Int(n.ends[$0]) })
    }

    @Test("precompiled charsmap: NFKC rules, expansions aligned to their source character")
    func precompiled() throws {
        let map = try #require(Self.charsMap)
        let (text, alignments) = normalized("™x Ａ", .precompiled(map))
        #expect(text == "TMx A")
        #expect(alignments == [0..<1, 0..<1, 1..<2, 2..<3, 3..<4])
    }

    @Test("a removed character is charged to the previous output character, as in the reference")
    func removal() throws {
        let map = try #require(Self.charsMap)
        // U+001E is removed; at the start there is no previous character, so alignments shift (reference quirk).
        #expect(normalized("a\u{1E}\u{1E}b", .precompiled(map)).1 == [0..<1, 3..<4])
        #expect(normalized("\u{1E}abc", .precompiled(map)).1 == [0..<1, 1..<2, 2..<3])
    }

    @Test("Replace on runs of spaces keeps the alignment of the run's last space")
    func replaceRuns() throws {
        let pattern = try #require(ReplacePattern.parse(string: nil, regex: " {2,}"))
        let (text, alignments) = normalized("a   b", .replace(pattern, content: [0x2581]))
        #expect(text == "a▁b")
        #expect(alignments == [0..<1, 3..<4, 4..<5])
        #expect(ReplacePattern.parse(string: nil, regex: "\\s+") == nil)
        #expect(ReplacePattern.parse(string: nil, regex: "x+") == .repeated(0x78, minimum: 1))
    }

    @Test("BERT: clean text, CJK spacing, accents stripped, lowercase")
    func bert() {
        let (text, alignments) = normalized(
            "Café\u{0}日\tX", .bert(cleanText: true, handleChineseChars: true, stripAccents: true, lowercase: true))
        #expect(text == "cafe 日  x")
        #expect(alignments[3] == 3..<4)
        #expect(alignments[4] == 5..<6 && alignments[5] == 5..<6 && alignments[6] == 5..<6)
    }

    @Test("strip removes whitespace at the ends only")
    func strip() {
        #expect(normalized("  a b \u{3000}", .strip(left: false, right: true)).0 == "  a b")
        #expect(normalized("  a b \u{3000}", .strip(left: true, right: true)).1 == [2..<3, 3..<4, 4..<5])
    }
}
