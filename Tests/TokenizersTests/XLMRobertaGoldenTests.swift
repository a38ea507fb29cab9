import Foundation
import Testing
import Tokenizers

/// The real XLM-R tokenizer (`../shared/models/xlmr-tokenizer/tokenizer.json`) against the Python fast tokenizer.
@Suite("XLM-R tokenizer.json parity with Hugging Face tokenizers")
struct XLMRobertaGoldenTests {
    /// Loaded once for the whole suite (a 17 MB file).
    static let tokenizer: UnigramTokenizer? =
        try? TokenizerLoader.load(directory: Fixtures.xlmrDirectory) as? UnigramTokenizer
    static let goldens = GoldenFile("xlmr-goldens.json.gz")

    var checker: GoldenChecker? {
        Self.tokenizer.map {
            GoldenChecker(tokenizer: $0, pipeline: $0.pipeline, prefix: [0], middle: [2, 2], suffix: [2])
        }
    }

    @Test("loads tokenizer.json with 250,002 ids")
    func loads() throws {
        let tokenizer = try #require(Self.tokenizer)
        #expect(tokenizer.vocabularySize == 250_002)
        #expect(tokenizer.padTokenId == 1)
        #expect(tokenizer.model?.unknownId == 3)
    }

    @Test("every XQuAD context and question, and every (question, context) window", arguments: Fixtures.languages)
    func xquad(language: String) throws {
        let checker = try #require(checker)
        let languages = try #require(Self.goldens["languages"] as? [String: Any])
        let golden = try #require(languages[language] as? [String: Any])
        let (contexts, questions, _) = try Fixtures.xquad(language)
        let goldenContexts = FlatGoldens(golden["contexts"])
        let goldenQuestions = FlatGoldens(golden["questions"])
        let contextEncodings = checker.checkSingles(contexts, goldenContexts, label: "\(language) contexts")
        let questionEncodings = checker.checkSingles(questions, goldenQuestions, label: "\(language) questions")
        let windows = checker.checkPairs(
            golden["pairs"] as? [Int] ?? [], questions: questionEncodings, contexts: contextEncodings,
            goldenQuestions: goldenQuestions, goldenContexts: goldenContexts, label: language)
        #expect(windows >= questions.count)
        // The public pair API on a sample, end to end.
        let tokenizer = try #require(Self.tokenizer)
        for (qi, ci) in try Fixtures.xquad(language).pairs.prefix(5) {
            let windows = tokenizer.encodePair(questions[qi], contexts[ci], maxLength: 384, stride: 128)
            let cached = checker.pipeline.windows(
                first: questionEncodings[qi], second: contextEncodings[ci], maxLength: 384, stride: 128)
            #expect(windows.map(\.ids) == cached.map(\.ids) && windows.map(\.offsets) == cached.map(\.offsets))
        }
    }

    @Test("hard set: emoji, combining marks, compatibility chars, spaces, controls, RTL, long word, surrogates")
    func hardSet() throws {
        let checker = try #require(checker)
        let hard = try #require(Self.goldens["hard"] as? [String: Any])
        #expect(checker.checkHard(hard, label: "xlmr") > 400)
    }

    @Test("invalid UTF-8 decodes in Swift to the same text as Python's errors='replace' (what the goldens hold)")
    func invalidBytes() throws {
        let texts = try #require((Self.goldens["hard"] as? [String: Any])?["texts"] as? [String])
        let surrogates: [UInt8] = [0xED, 0xA0, 0x80] + Array("abc".utf8) + [0xED, 0xBF, 0xBF] + Array("def".utf8)
        let broken: [UInt8] = [0xFF, 0xFE] + Array(" broken ".utf8) + [0xC3] + Array(" bytes ".utf8) + [0xE2, 0x82]
        #expect(texts.contains(String(decoding: surrogates, as: UTF8.self)))
        #expect(texts.contains(String(decoding: broken, as: UTF8.self)))
    }

    @Test("hard pairs with small windows and strides")
    func hardPairs() throws {
        let checker = try #require(checker)
        let pairs = try #require(Self.goldens["hard_pairs"] as? [Any])
        #expect(checker.checkHardPairs(pairs, label: "xlmr") > pairs.count)
    }

    @Test("normalizer hard set (zero-width, bidi, soft hyphen, NBSP, full-width) and its pair windows")
    func normalizerHardSet() throws {
        let checker = try #require(checker)
        let hard = try #require(Self.goldens["hard_normalizer"] as? [String: Any])
        #expect(checker.checkHard(hard, label: "xlmr normalizer") > 250)
        let pairs = try #require(Self.goldens["hard_normalizer_pairs"] as? [Any])
        #expect(checker.checkHardPairs(pairs, label: "xlmr normalizer") > pairs.count)
    }

    @Test("decode inverts encode on plain text and skips special tokens")
    func decode() throws {
        let tokenizer = try #require(Self.tokenizer)
        let encoding = tokenizer.encode("Hello world, 東京!", addSpecialTokens: true)
        #expect(tokenizer.decode(encoding.ids, skipSpecialTokens: true) == "Hello world, 東京!")
        #expect(tokenizer.decode(encoding.ids, skipSpecialTokens: false) == "<s> Hello world, 東京!</s>")
    }
}
