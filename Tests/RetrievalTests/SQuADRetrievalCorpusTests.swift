import Foundation
import Retrieval
import Testing

@Suite("SQuADRetrievalCorpus")
struct SQuADRetrievalCorpusTests {
    static func squad(_ context: (Int, Int) -> String, question: (Int, Int) -> String) throws -> Data {
        let articles = (0..<2).map { a in
            [
                "title": "Article \(a)",
                "paragraphs": (0..<(a + 1)).map { p in
                    [
                        "context": context(a, p),
                        "qas": [["id": "q\(a)\(p)", "question": question(a, p), "answers": []]],
                    ]
                },
            ] as [String: Any]
        }
        return try JSONSerialization.data(withJSONObject: ["version": "1.1", "data": articles])
    }

    @Test("each paragraph is one passage keyed by (article, paragraph); questions point at it")
    func keys() throws {
        let corpus = try SQuADRetrievalCorpus(
            data: try Self.squad({ "context \($0).\($1)" }, question: { "question \($0).\($1)?" }))
        #expect(
            corpus.passages.map(\.key) == [
                ParagraphKey(article: 0, paragraph: 0), ParagraphKey(article: 1, paragraph: 0),
                ParagraphKey(article: 1, paragraph: 1),
            ])
        #expect(corpus.passages[2].text == "context 1.1")
        #expect(corpus.passages[2].title == "Article 1")
        #expect(corpus.questions.map(\.id) == ["q00", "q10", "q11"])
        #expect(corpus.questions[2].key == ParagraphKey(article: 1, paragraph: 1))
        #expect(corpus.questions[2].text == "question 1.1?")
    }

    @Test("parallel files in two languages share paragraph keys")
    func parallelLanguages() throws {
        let english = try SQuADRetrievalCorpus(
            data: try Self.squad({ "text \($0) \($1)" }, question: { "Where \($0) \($1)?" }))
        let german = try SQuADRetrievalCorpus(
            data: try Self.squad({ "Text \($0) \($1)" }, question: { "Wo \($0) \($1)?" }))
        #expect(english.passages.map(\.key) == german.passages.map(\.key))
        #expect(english.questions.map(\.key) == german.questions.map(\.key))
    }

    @Test("the real XQuAD files: 240 paragraphs and 1190 questions per language, same keys")
    func xquad() throws {
        let folder = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent(
            "../../../shared/data/xquad")
        let en = try SQuADRetrievalCorpus(contentsOf: folder.appendingPathComponent("xquad.en.json"))
        let th = try SQuADRetrievalCorpus(contentsOf: folder.appendingPathComponent("xquad.th.json"))
        #expect(en.passages.count == 240)
        #expect(en.questions.count == 1190)
        #expect(en.passages.map(\.key) == th.passages.map(\.key))
        #expect(en.questions.map(\.id) == th.questions.map(\.id))
        #expect(en.questions.map(\.key) == th.questions.map(\.key))
    }

    @Test("unreadable and malformed files are one-line errors")
    func errors() {
        #expect(throws: SQuADCorpusError.unreadable(path: "/nonexistent/x.json")) {
            try SQuADRetrievalCorpus(contentsOf: URL(fileURLWithPath: "/nonexistent/x.json"))
        }
        #expect(throws: SQuADCorpusError.malformed(path: "SQuAD data")) {
            try SQuADRetrievalCorpus(data: Data("{\"data\": [{\"paragraphs\": [{}]}]}".utf8))
        }
    }
}
