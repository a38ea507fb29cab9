import Foundation
import TestSupport
import Testing
import Tokenizers

/// A tiny SentencePiece model trained by the golden script, loaded from `sentencepiece.bpe.model` (protobuf) and
/// compared with `XLMRobertaTokenizerFast(vocab_file:)`, which converts the same model.
@Suite("sentencepiece.bpe.model parity with XLMRobertaTokenizerFast")
struct SentencePieceModelTests {
    /// The model directory, unpacked from the gzip'd fixture into a temporary directory.
    static let tokenizer: UnigramTokenizer? = {
        guard
            let model = try? Gzip.decompress(
                Data(contentsOf: Fixtures.directory.appendingPathComponent("spm-tiny/sentencepiece.bpe.model.gz")))
        else { return nil }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("spm-tiny-\(UUID().uuidString)")
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        try? model.write(to: directory.appendingPathComponent("sentencepiece.bpe.model"))
        return try? TokenizerLoader.load(directory: directory) as? UnigramTokenizer
    }()
    static let goldens = GoldenFile("spm-goldens.json.gz")

    @Test("fairseq id layout: <s> 0, <pad> 1, </s> 2, <unk> 3, pieces shifted by one, <mask> last")
    func idLayout() throws {
        let tokenizer = try #require(Self.tokenizer)
        let model = try #require(tokenizer.model)
        #expect(Array(model.pieces.prefix(4)) == ["<s>", "<pad>", "</s>", "<unk>"])
        #expect(model.pieces.last == "<mask>")
        #expect(tokenizer.vocabularySize == 3002)
        #expect(tokenizer.padTokenId == 1)
    }

    @Test("XQuAD sample in 11 languages", arguments: Fixtures.languages)
    func xquad(language: String) throws {
        let tokenizer = try #require(Self.tokenizer)
        let languages = try #require(Self.goldens["languages"] as? [String: Any])
        let golden = try #require(languages[language] as? [String: Any])
        let (contexts, questions, _) = try Fixtures.xquad(language)
        let checker = GoldenChecker(
            tokenizer: tokenizer, pipeline: tokenizer.pipeline, prefix: [0], middle: [2, 2], suffix: [2])
        _ = checker.checkSingles(
            Array(contexts.prefix(40)) + Array(questions.prefix(100)), FlatGoldens(golden["texts"]),
            label: "spm \(language)")
    }

    @Test("hard set (includes <mask> with lstrip matched after normalization)")
    func hardSet() throws {
        let tokenizer = try #require(Self.tokenizer)
        let checker = GoldenChecker(
            tokenizer: tokenizer, pipeline: tokenizer.pipeline, prefix: [0], middle: [2, 2], suffix: [2])
        let hard = try #require(Self.goldens["hard"] as? [String: Any])
        #expect(checker.checkHard(hard, label: "spm") > 400)
    }

    @Test("normalizer hard set (zero-width, bidi, soft hyphen, NBSP, full-width) and its pair windows")
    func normalizerHardSet() throws {
        let tokenizer = try #require(Self.tokenizer)
        let checker = GoldenChecker(
            tokenizer: tokenizer, pipeline: tokenizer.pipeline, prefix: [0], middle: [2, 2], suffix: [2])
        let hard = try #require(Self.goldens["hard_normalizer"] as? [String: Any])
        #expect(checker.checkHard(hard, label: "spm normalizer") > 250)
        let pairs = try #require(Self.goldens["hard_normalizer_pairs"] as? [Any])
        #expect(checker.checkHardPairs(pairs, label: "spm normalizer") > pairs.count)
    }
}

/// `Sequence[WhitespaceSplit, Metaspace]` pre-tokenization (older `tokenizer.json` conversions), on the same
/// tiny model: every word is its own split, so its `▁` aligns to the word's first character.
@Suite("WhitespaceSplit + Metaspace pre-tokenizer sequence")
struct PreTokenizerSequenceTests {
    @Test("hard set and XQuAD sample match the reference", arguments: ["always", "first"])
    func sequence(scheme: String) throws {
        let base = try #require(SentencePieceModelTests.tokenizer)
        var pipeline = base.pipeline
        pipeline.preTokenizer = .sequence([
            .whitespaceSplit,
            .metaspace(replacement: 0x2581, prependScheme: scheme == "first" ? .first : .always, split: true),
        ])
        let tokenizer = UnigramTokenizer(pipeline: pipeline)
        let hard = try #require(SentencePieceModelTests.goldens["hard"] as? [String: Any])
        var texts = hard["texts"] as? [String] ?? []
        for language in Fixtures.languages { texts += try Fixtures.xquad(language).contexts.prefix(5) }
        let checker = GoldenChecker(tokenizer: tokenizer, pipeline: pipeline, prefix: [0], middle: [2, 2], suffix: [2])
        _ = checker.checkSingles(
            texts, FlatGoldens(SentencePieceModelTests.goldens["whitespace_split_\(scheme)"]),
            label: "sequence \(scheme)")
    }
}
