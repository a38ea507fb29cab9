import Foundation
import TestSupport
import Testing
import Tokenizers

/// The real XLM-R tokenizer as transformers 5 saves it (bare `Precompiled` normalizer, pre-tokenizer
/// `Sequence[WhitespaceSplit, Metaspace(always, split)]`, `<mask>` without lstrip) against the Python fast tokenizer.
/// The committed fixture (`xlmr-tf5/`, made by `scripts/reference/tf5_fixtures.py`) lacks the 250,002 vocabulary
/// entries, which equal those of `../shared`'s file; they are put back here.
@Suite("XLM-R tokenizer.json saved by transformers 5: parity with Hugging Face tokenizers")
struct XLMRobertaTF5GoldenTests {
    static let tokenizer: UnigramTokenizer? = try? loadTokenizer()
    static let goldens = GoldenFile("xlmr-tf5-goldens.json.gz")
    /// The goldens hold the first contexts of each language (and every question).
    static let contextsPerLanguage = 60

    static func loadTokenizer() throws -> UnigramTokenizer? {
        let frameData = try Gzip.decompress(
            Data(contentsOf: Fixtures.directory.appendingPathComponent("xlmr-tf5/tokenizer-without-vocab.json.gz")))
        let sharedData = try Data(contentsOf: Fixtures.xlmrDirectory.appendingPathComponent("tokenizer.json"))
        guard var frame = try JSONSerialization.jsonObject(with: frameData) as? [String: Any],
            var model = frame["model"] as? [String: Any],
            let shared = try JSONSerialization.jsonObject(with: sharedData) as? [String: Any],
            let vocab = (shared["model"] as? [String: Any])?["vocab"]
        else { return nil }
        model["vocab"] = vocab
        frame["model"] = model
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("xlmr-tf5-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = directory.appendingPathComponent("tokenizer.json")
        try JSONSerialization.data(withJSONObject: frame).write(to: url)
        return try TokenizerLoader.load(tokenizerJSON: url) as? UnigramTokenizer
    }

    var checker: GoldenChecker? {
        Self.tokenizer.map {
            GoldenChecker(tokenizer: $0, pipeline: $0.pipeline, prefix: [0], middle: [2, 2], suffix: [2])
        }
    }

    @Test("the fixture is the transformers 5 format")
    func format() throws {
        let tokenizer = try #require(Self.tokenizer)
        guard case .sequence(let stages) = tokenizer.pipeline.preTokenizer else {
            Issue.record("pre-tokenizer is not a sequence")
            return
        }
        #expect(stages.count == 2)
        #expect(tokenizer.vocabularySize == 250_002)
    }

    @Test("XQuAD contexts, questions and their (question, context) windows", arguments: Fixtures.languages)
    func xquad(language: String) throws {
        let checker = try #require(checker)
        let languages = try #require(Self.goldens["languages"] as? [String: Any])
        let golden = try #require(languages[language] as? [String: Any])
        let (contexts, questions, _) = try Fixtures.xquad(language)
        let goldenContexts = FlatGoldens(golden["contexts"])
        let goldenQuestions = FlatGoldens(golden["questions"])
        let contextEncodings = checker.checkSingles(
            Array(contexts.prefix(Self.contextsPerLanguage)), goldenContexts, label: "tf5 \(language) contexts")
        let questionEncodings = checker.checkSingles(questions, goldenQuestions, label: "tf5 \(language) questions")
        let windows = checker.checkPairs(
            golden["pairs"] as? [Int] ?? [], questions: questionEncodings, contexts: contextEncodings,
            goldenQuestions: goldenQuestions, goldenContexts: goldenContexts, label: "tf5 \(language)")
        #expect(windows >= 200)
    }

    @Test("hard set and its pair windows")
    func hardSet() throws {
        let checker = try #require(checker)
        let hard = try #require(Self.goldens["hard"] as? [String: Any])
        #expect(checker.checkHard(hard, label: "tf5") > 400)
        let pairs = try #require(Self.goldens["hard_pairs"] as? [Any])
        #expect(checker.checkHardPairs(pairs, label: "tf5") > pairs.count)
    }

    @Test("normalizer hard set (zero-width, bidi, soft hyphen, NBSP, full-width) and its pair windows")
    func normalizerHardSet() throws {
        let checker = try #require(checker)
        let hard = try #require(Self.goldens["hard_normalizer"] as? [String: Any])
        #expect(checker.checkHard(hard, label: "tf5 normalizer") > 250)
        let pairs = try #require(Self.goldens["hard_normalizer_pairs"] as? [Any])
        #expect(checker.checkHardPairs(pairs, label: "tf5 normalizer") > pairs.count)
    }
}
