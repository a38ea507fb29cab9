import DocumentStore
import Ingest
import Foundation
@testable import PostgresStore
import Retrieval
import TestSupport
import Testing
import Tokenizers

@testable import AskDocs

/// The PostgreSQL backend against the embedded one on real multilingual text: the same chunks published from a
/// SQLite index rank the same by BM25.
@Suite("SharedStore", .serialized)
struct SharedStoreTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    static let languages = ["ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh"]

    /// A language's XQuAD paragraphs and the first `questions` questions.
    static func xquad(_ language: String, questions: Int) throws -> (paragraphs: [String], questions: [String])? {
        let url = root.deletingLastPathComponent().appendingPathComponent("shared/data/xquad/xquad.\(language).json")
        guard let data = try? Data(contentsOf: url) else { return nil }
        let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let paragraphs = (json?["data"] as? [[String: Any]] ?? []).flatMap {
            $0["paragraphs"] as? [[String: Any]] ?? []
        }
        let texts = paragraphs.compactMap { $0["context"] as? String }
        let asked = paragraphs.flatMap {
            ($0["qas"] as? [[String: Any]] ?? []).compactMap { $0["question"] as? String }
        }
        return (texts, Array(asked.prefix(questions)))
    }

    /// Whether two rankings are equal but for the order of results whose scores tie (to 1e-9 relative), and for
    /// which of the tied results made the cut at the end. Both sides sum the same float64 terms (a question's few
    /// dozen distinct terms) in different orders: n·2⁻⁵³ relative, under 1e-14, so 1e-9 only merges true ties.
    static func sameRanking(_ a: [SearchHit], _ b: [SearchHit]) -> Bool {
        guard a.count == b.count else { return false }
        func tied(_ x: Double, _ y: Double) -> Bool { abs(x - y) <= 1e-9 * max(abs(x), abs(y), 1e-300) }
        var start = 0
        while start < a.count {
            guard tied(a[start].score, b[start].score) else { return false }
            var end = start + 1
            while end < a.count && tied(a[end].score, a[start].score) { end += 1 }
            let last = end == a.count
            if !last && Set(a[start..<end].map(\.chunkID)) != Set(b[start..<end].map(\.chunkID)) { return false }
            start = end
        }
        return true
    }

    @Test("BM25 from PostgreSQL posting tables ranks as SQLite FTS5 does, XLM-R pieces and words, 11 languages")
    func bm25EqualsFTS5() throws {
        let (primary, _) = try PostgresTestCluster.freshSchema("bm25")
        let tokenizer = try TokenizerLoader.load(
            tokenizerJSON: Self.root.deletingLastPathComponent().appendingPathComponent(
                "shared/models/xlmr-tokenizer/tokenizer.json"))
        let termizers: [any SearchTermizer] = [PieceTermizer(tokenizer: tokenizer), WordTermizer()]
        var languagesChecked = 0
        var queries = 0
        var phrases = 0
        var differences: [String] = []
        for language
            in (ProcessInfo.processInfo.environment["ASKDOCS_TEST_LANGUAGES"].map {
                $0.split(separator: ",").map(String.init)
            } ?? Self.languages)
        {
            guard let (paragraphs, questions) = try Self.xquad(language, questions: 60) else { continue }
            languagesChecked += 1
            for termizer in termizers {
                let folder = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-bm25-\(UUID())")
                defer { try? FileManager.default.removeItem(at: folder) }
                let store = try DocumentStore(path: folder.appendingPathComponent("index.sqlite").path)
                try store.write { writer in
                    for (number, text) in paragraphs.enumerated() {
                        let id = try writer.insertDocument(
                            NewDocument(
                                key: "\(language)-\(number)", sourcePath: "/xquad/\(language)/\(number).txt",
                                contentHash: "", size: 0, modifiedAt: Date(timeIntervalSince1970: 0), format: "text",
                                language: language, text: text))
                        _ = try writer.insertChunk(
                            NewChunk(
                                ordinal: 0, text: text, startOffset: 0, endOffset: text.unicodeScalars.count,
                                tokenCount: 0, terms: termizer.terms(text).joined(separator: " ")),
                            documentID: id)
                        try writer.finishDocument(id, chunkCount: 1)
                    }
                }
                let shared = try #require(try SharedStore.resolve(primary))
                let index = try PostgresIndex(url: shared.url)
                defer { try? index.drop() }
                try shared.publish(store: store, vectors: nil, model: nil, dimension: nil, force: true)
                try index.read { snapshot in
                    #expect(try snapshot.counts() == (paragraphs.count, paragraphs.count))
                    for question in questions {
                        let terms = termizer.terms(question)
                        // A query word FTS5 splits (inner punctuation, combining marks) is a phrase there; the
                        // posting tables count its tokens as terms (a documented difference): left out here.
                        if terms.contains(where: { FTS5Terms.tokens($0).count != 1 }) {
                            phrases += 1
                            continue
                        }
                        let sqlite = try store.search(terms: terms, limit: 100)
                        let postgres = try snapshot.lexical(terms: terms, limit: 100, filter: .none)
                        queries += 1
                        if !Self.sameRanking(sqlite, postgres) {
                            differences.append(
                                "\(language) \(termizer.identifier) '\(question)': \(sqlite.prefix(3).map { ($0.chunkID, $0.score) }) "
                                    + "vs \(postgres.prefix(3).map { ($0.chunkID, $0.score) }) terms \(terms)")
                        }
                    }
                }
                try index.drop()
            }
        }
        #expect(languagesChecked == 11)
        #expect(queries + phrases == 11 * 2 * 60)
        #expect(phrases < 11 * 60 / 2, "\(phrases) questions hold words FTS5 reads as phrases")
        print("SharedStore BM25: \(queries) rankings compared, \(phrases) with phrase words left out")
        #expect(differences.isEmpty, "\(differences.count) rankings differ; first: \(differences.prefix(3))")
    }
}
