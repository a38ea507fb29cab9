import Foundation
import Retrieval
import Testing
import Transformer

@Suite("askdocs eval retrieval")
struct EvalRetrievalCommandTests {
    static let fixtures = EmbedCommandTests.packageRoot.appendingPathComponent("Tests/AskDocsCLITests/Fixtures")
    static var english: String { fixtures.appendingPathComponent("retrieval.en.json").path }
    static var german: String { fixtures.appendingPathComponent("retrieval.de.json").path }

    static func json(_ result: AskDocsProcess.Result) throws -> [String: Any] {
        #expect(result.status == 0, "\(result.standardError)")
        return try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any] ?? [:]
    }

    @Test("BM25 over pieces scores what the Python reference BM25 gives on the same terms")
    func bm25KnownAnswers() throws {
        let model = try EmbedCommandTests.modelFolder()
        defer { try? FileManager.default.removeItem(at: model) }
        // scripts/reference/retrieval_reference.py's BM25 over the tiny tokenizer's casefolded pieces ranks every
        // question's paragraph first except one per file, which it ranks second ("Where does the Rhine rise?",
        // "In welches Meer fließt der Rhein nach Köln?").
        for file in [Self.english, Self.german] {
            for chunked in [false, true] {
                let output = try Self.json(
                    AskDocsProcess.run(
                        ["eval", "retrieval", "--data", file, "--mode", "bm25", "--retriever", model.path, "--json"]
                            + (chunked ? ["--chunked"] : [])))
                #expect(output["recall@1"] as? Double == 0.875)
                #expect(output["recall@5"] as? Double == 1)
                #expect(output["recall@20"] as? Double == 1)
                #expect(output["mrr@20"] as? Double == 0.9375)
                #expect(output["queries"] as? Int == 8)
            }
        }
        let cutoffs = try Self.json(
            AskDocsProcess.run([
                "eval", "retrieval", "--data", Self.english, "--mode", "bm25", "--k", "1,3", "--retriever", model.path,
                "--json",
            ]))
        #expect(Set(cutoffs.keys) == ["recall@1", "recall@3", "mrr@3", "queries"])
    }

    @Test("dense numbers equal a brute-force cosine ranking of the model's own embeddings")
    func denseMatchesBruteForce() throws {
        let model = try EmbedCommandTests.modelFolder()
        defer { try? FileManager.default.removeItem(at: model) }
        let corpus = try SQuADRetrievalCorpus(contentsOf: URL(fileURLWithPath: Self.english))
        let embedder = try TextEmbedder(directory: ModelDirectory(url: model))
        let passages = try embedder.embed(corpus.passages.map(\.text), prompt: "passage: ")
        let questions = try embedder.embed(corpus.questions.map(\.text), prompt: "query: ")
        var metrics = RetrievalMetrics(ks: [1, 5, 20], mrrCutoff: 20)
        for (question, vector) in zip(corpus.questions, questions) {
            let scores = passages.map { zip($0, vector).map { $0 * $1 }.reduce(0, +) }
            let ranking = scores.indices.sorted { scores[$0] > scores[$1] }.map { corpus.passages[$0].key }
            metrics.record(ranking: ranking, relevant: question.key)
        }
        let output = try Self.json(
            AskDocsProcess.run([
                "eval", "retrieval", "--data", Self.english, "--mode", "dense", "--retriever", model.path, "--json",
            ]))
        for (key, value) in metrics.summary { #expect(abs((output[key] as? Double ?? -1) - value) < 1e-9, "\(key)") }
    }

    @Test("several files give per-language, mean and cross-lingual rows for every mode")
    func crossLingual() throws {
        let model = try EmbedCommandTests.modelFolder()
        defer { try? FileManager.default.removeItem(at: model) }
        let output = try Self.json(
            AskDocsProcess.run([
                "eval", "retrieval", "--data", Self.english, "--data", Self.german, "--cross-lingual",
                "--retriever", model.path, "--json",
            ]))
        let runs = try #require(output["runs"] as? [[String: Any]])
        #expect(runs.count == 12)  // 3 modes × (en, de, mean, all)
        let cross = runs.filter { $0["cross_lingual"] as? Bool == true }
        #expect(cross.count == 3)
        #expect(cross.allSatisfy { $0["queries"] as? Int == 16 && $0["language"] as? String == "all" })
        let bm25 = runs.filter { $0["mode"] as? String == "bm25" && $0["language"] as? String == "mean" }
        #expect(bm25.first?["recall@1"] as? Double == 0.875)
        let table = try AskDocsProcess.run([
            "eval", "retrieval", "--data", Self.english, "--data", Self.german, "--retriever", model.path,
        ])
        #expect(table.status == 0)
        #expect(table.standardOutput.contains("hybrid  mean"))
    }

    @Test("bad arguments are one-line errors")
    func errors() throws {
        let missing = try AskDocsProcess.run(["eval", "retrieval"])
        #expect(missing.status != 0)
        let mode = try AskDocsProcess.run(["eval", "retrieval", "--data", Self.english, "--mode", "sparse"])
        #expect(mode.status != 0)
        #expect(mode.standardError.contains("--mode"))
        let k = try AskDocsProcess.run(["eval", "retrieval", "--data", Self.english, "--k", "0,5"])
        #expect(k.status != 0)
    }
}
