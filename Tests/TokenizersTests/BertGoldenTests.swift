import Foundation
import Testing
import Tokenizers

/// A BERT WordPiece tokenizer trained on English XQuAD (committed fixture) against the Python fast tokenizer.
@Suite("BERT WordPiece tokenizer.json parity with Hugging Face tokenizers")
struct BertGoldenTests {
    static let tokenizer: WordPieceTokenizer? =
        try? TokenizerLoader.load(
            tokenizerJSON: Fixtures.directory.appendingPathComponent("bert-xquad-en/tokenizer.json"))
        as? WordPieceTokenizer
    static let goldens = GoldenFile("bert-goldens.json.gz")

    var checker: GoldenChecker? {
        guard let tokenizer = Self.tokenizer, let cls = tokenizer.pipeline.model.id(of: "[CLS]"),
            let sep = tokenizer.pipeline.model.id(of: "[SEP]")
        else { return nil }
        return GoldenChecker(
            tokenizer: tokenizer, pipeline: tokenizer.pipeline, prefix: [cls], middle: [sep], suffix: [sep])
    }

    @Test("English XQuAD contexts, questions and every (question, context) window")
    func xquad() throws {
        let checker = try #require(checker)
        let languages = try #require(Self.goldens["languages"] as? [String: Any])
        let golden = try #require(languages["en"] as? [String: Any])
        let (contexts, questions, _) = try Fixtures.xquad("en")
        let goldenContexts = FlatGoldens(golden["contexts"])
        let goldenQuestions = FlatGoldens(golden["questions"])
        let contextEncodings = checker.checkSingles(contexts, goldenContexts, label: "bert contexts")
        let questionEncodings = checker.checkSingles(questions, goldenQuestions, label: "bert questions")
        let windows = checker.checkPairs(
            golden["pairs"] as? [Int] ?? [], questions: questionEncodings, contexts: contextEncodings,
            goldenQuestions: goldenQuestions, goldenContexts: goldenContexts, label: "bert")
        #expect(windows >= questions.count)
    }

    @Test("hard set")
    func hardSet() throws {
        let checker = try #require(checker)
        let hard = try #require(Self.goldens["hard"] as? [String: Any])
        #expect(checker.checkHard(hard, label: "bert") > 400)
    }

    @Test("hard pairs with small windows and strides")
    func hardPairs() throws {
        let checker = try #require(checker)
        let pairs = try #require(Self.goldens["hard_pairs"] as? [Any])
        #expect(checker.checkHardPairs(pairs, label: "bert") >= pairs.count)
    }

    @Test("normalizer hard set (zero-width, bidi, soft hyphen, NBSP, full-width) and its pair windows")
    func normalizerHardSet() throws {
        let checker = try #require(checker)
        let hard = try #require(Self.goldens["hard_normalizer"] as? [String: Any])
        #expect(checker.checkHard(hard, label: "bert normalizer") > 250)
        let pairs = try #require(Self.goldens["hard_normalizer_pairs"] as? [Any])
        #expect(checker.checkHardPairs(pairs, label: "bert normalizer") > pairs.count)
    }

    @Test("token type ids are 0 for the question and 1 for the context")
    func typeIds() throws {
        let tokenizer = try #require(Self.tokenizer)
        let window = try #require(
            tokenizer.encodePair("who won?", "the panthers won.", maxLength: nil, stride: 0).first)
        let firstSep = try #require(window.sequenceIds.firstIndex(of: 1))
        #expect(window.typeIds.prefix(firstSep).allSatisfy { $0 == 0 })
        #expect(window.typeIds.suffix(from: firstSep).allSatisfy { $0 == 1 })
        #expect(tokenizer.decode(window.ids, skipSpecialTokens: true) == "who won? the panthers won.")
    }
}
