import Foundation
import Reader
import Testing
import Tokenizers

@testable import Training

/// Training windows against transformers' run_qa.py `prepare_train_features` with the real XLM-R tokenizer
/// (`scripts/reference/train_goldens.py`; the XQuAD texts are read from ../shared, not stored in the golden).
@Suite struct TrainingFeatureBuilderTests {
    static let tokenizer: (any Tokenizer)? = try? TokenizerLoader.load(
        tokenizerJSON: Fixture.shared.appendingPathComponent("models/xlmr-tokenizer/tokenizer.json"))

    /// The paragraphs of one language's XQuAD file, by article.
    static func xquad(_ language: String) throws -> [[[String: Any]]] {
        let url = Fixture.shared.appendingPathComponent("data/xquad/xquad.\(language).json")
        let root = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any])
        let articles = try #require(root["data"] as? [[String: Any]])
        return try articles.map { try #require($0["paragraphs"] as? [[String: Any]]) }
    }

    @Test("windows and answer positions equal run_qa's on 270 XQuAD examples in 5 languages")
    func matchesRunQA() throws {
        let tokenizer = try #require(Self.tokenizer, "the real XLM-R tokenizer is missing from ../shared")
        let golden = try #require(Fixture.golden("features.json.gz") as? [String: Any])
        let examples = try #require(golden["examples"] as? [[String: Any]])
        var files: [String: [[[String: Any]]]] = [:]
        var windows = 0
        var answered = 0
        for example in examples {
            let language = try #require(example["lang"] as? String)
            if files[language] == nil { files[language] = try Self.xquad(language) }
            let articles = try #require(files[language])
            let paragraph = articles[try #require(example["article"] as? Int)][
                try #require(example["paragraph"] as? Int)]
            let questions = try #require(paragraph["qas"] as? [[String: Any]])
            let qa = questions[try #require(example["question"] as? Int)]
            var context = try #require(paragraph["context"] as? String)
            var answers: [SQuADAnswer] = []
            if let other = example["context_from"] as? [String: Int] {
                context = try #require(articles[other["article"]!][other["paragraph"]!]["context"] as? String)
            } else {
                let first = try #require((qa["answers"] as? [[String: Any]])?.first)
                answers = [
                    SQuADAnswer(
                        text: try #require(first["text"] as? String),
                        answerStart: try #require(first["answer_start"] as? Int))
                ]
            }
            let question = SQuADQuestion(
                id: "\(language)-\(windows)", title: "", context: context,
                question: try #require(qa["question"] as? String),
                answers: answers, isImpossible: answers.isEmpty)
            let builder = try TrainingFeatureBuilder(
                tokenizer: tokenizer, maxSeqLen: try #require(example["max_length"] as? Int),
                docStride: try #require(example["stride"] as? Int))
            let ours = try builder.features(question)
            let reference = try #require(example["features"] as? [[String: Any]])
            #expect(
                ours.count == reference.count, "\(question.id): \(ours.count) windows, run_qa has \(reference.count)")
            for (window, expected) in zip(ours, reference) {
                #expect(window.ids == (expected["input_ids"] as? [Int])?.map(Int32.init))
                #expect(window.startPosition == expected["start_position"] as? Int, "\(question.id) start")
                #expect(window.endPosition == expected["end_position"] as? Int, "\(question.id) end")
                if window.startPosition > 0 { answered += 1 }
                windows += 1
            }
        }
        #expect(windows > 1000)
        #expect(answered > 200)
    }

    @Test("bad examples and options get one-line errors")
    func refusals() throws {
        let tokenizer = try #require(Self.tokenizer, "the real XLM-R tokenizer is missing from ../shared")
        #expect(throws: TrainingError.self) {
            try TrainingFeatureBuilder(tokenizer: tokenizer, maxSeqLen: 64, docStride: 64)
        }
        let builder = try TrainingFeatureBuilder(tokenizer: tokenizer, maxSeqLen: 64, docStride: 16)
        let outside = SQuADQuestion(
            id: "q", title: "", context: "short", question: "what?",
            answers: [SQuADAnswer(text: "long answer", answerStart: 3)],
            isImpossible: false)
        #expect(
            throws: TrainingError.invalidExample(
                id: "q", reason: "answer_start 3 is outside the context (5 characters)")
        ) {
            try builder.features(outside)
        }
        let long = SQuADQuestion(
            id: "l", title: "", context: "context", question: String(repeating: "word ", count: 100), answers: [],
            isImpossible: true)
        #expect(throws: TrainingError.self) { try builder.features(long) }
    }
}
