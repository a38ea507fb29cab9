import Foundation
import Retrieval
import Testing

@Suite("RetrievalEvaluation")
struct RetrievalEvaluationTests {
    /// Two articles with 2 and 1 paragraphs; each paragraph has one question.
    static func corpus(_ language: String) throws -> SQuADRetrievalCorpus {
        let words = [["red apple orchard", "blue ocean whale"], ["green forest owl"]]
        let articles = words.enumerated().map { a, paragraphs in
            [
                "title": "t\(a)",
                "paragraphs": paragraphs.enumerated().map { p, text in
                    [
                        "context": "\(language) \(text)",
                        "qas": [["id": "\(a)-\(p)", "question": "\(language) \(text.split(separator: " ")[1])?"]],
                    ]
                },
            ] as [String: Any]
        }
        return try SQuADRetrievalCorpus(data: JSONSerialization.data(withJSONObject: ["data": articles]))
    }

    static func evaluation() throws -> RetrievalEvaluation {
        RetrievalEvaluation(corpora: [("en", try corpus("en")), ("de", try corpus("de"))])
    }

    @Test("passages get unique chunk ids per language and share paragraph keys across languages")
    func chunkIDs() throws {
        let evaluation = try Self.evaluation()
        #expect(evaluation.passages.count == 6)
        #expect(evaluation.questions.count == 6)
        #expect(Set(evaluation.passages.map(\.chunkID)).count == 6)
        #expect(evaluation.passages(language: 1).map(\.chunkID) == [1 << 32, 1 << 32 | 1, 1 << 32 | 2])
        #expect(evaluation.passages(language: 0).map(\.key) == evaluation.passages(language: 1).map(\.key))
        #expect(evaluation.questions(language: 1)[2].key == ParagraphKey(article: 1, paragraph: 0))
    }

    @Test("scoring: per-language hits, cross-lingual hits through another language's copy, unknown ids are misses")
    func scoring() throws {
        let evaluation = try Self.evaluation()
        let en = evaluation.questions(language: 0)
        let english = evaluation.passages(language: 0).map(\.chunkID)
        let german = evaluation.passages(language: 1).map(\.chunkID)
        // Question 0 finds its paragraph first, question 1 second, question 2 only after an unknown id.
        let perLanguage = evaluation.score(
            [[english[0], english[1]], [english[0], english[1]], [99, english[2]]], for: en)
        #expect(perLanguage.recall(at: 1) == 1.0 / 3)
        #expect(abs(perLanguage.meanReciprocalRank - (1 + 0.5 + 0.5) / 3) < 1e-12)
        // Cross-lingual: the German copy of the right paragraph counts.
        let cross = evaluation.score([[german[0]], [german[0], german[1]], [english[0]]], for: en)
        #expect(cross.recall(at: 1) == 1.0 / 3)
        #expect(cross.recall(at: 5) == 2.0 / 3)
    }

    @Test("dense search in a VectorIndex plus hybrid fusion, end to end with a toy bag-of-words embedder")
    func pipeline() throws {
        let evaluation = try Self.evaluation()
        let vocabulary = ["apple", "ocean", "forest", "red", "blue", "green", "whale", "owl", "orchard"]
        func embed(_ text: String) -> [Float] {
            let vector = vocabulary.map { text.contains($0) ? Float(1) : 0 }
            let norm = max(vector.reduce(0) { $0 + $1 * $1 }.squareRoot(), 1)
            return vector.map { $0 / norm }
        }
        let index = try VectorIndex(model: e5Small, dimension: vocabulary.count)
        try index.add(evaluation.passages.map { embed($0.text) }, ids: evaluation.passages.map(\.chunkID))
        let questions = evaluation.questions
        let dense = try index.search(questions.map { embed($0.text) }, k: 6).map { $0.map(\.chunkID) }
        let cross = evaluation.score(dense, for: questions)
        #expect(cross.recall(at: 1) == 1)
        // A lexical ranking that is always wrong first cannot push the right paragraph out of the top 5.
        let lexical = dense.map { Array($0.reversed()) }
        let hybrid = evaluation.score(evaluation.hybrid(dense: dense, lexical: lexical), for: questions)
        #expect(hybrid.recall(at: 5) == 1)
    }
}
