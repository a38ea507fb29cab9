import Foundation
import Testing

@Suite("askdocs eval ask with the tiny retriever and reader")
struct EvalAskCommandTests {
    static let data = AskCorpus.root.appendingPathComponent("Tests/AskDocsCLITests/Fixtures/retrieval.en.json").path

    @Test("--json reports open-domain and closed-book metrics; closed book equals eval squad on the same file")
    func openAndClosedBook() throws {
        let retriever = try EmbedCommandTests.modelFolder()
        defer { try? FileManager.default.removeItem(at: retriever) }
        let result = try AskDocsProcess.run([
            "eval", "ask", "--data", Self.data, "--reader", AskCorpus.reader, "--retriever", retriever.path,
            "--passages", "4", "--json",
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(object["questions"] as? Int == 8)
        #expect(object["paragraphs"] as? Int == 4)
        #expect(object["passages"] as? Int == 4)
        // Four passages of a four-paragraph corpus: the gold paragraph is always read.
        #expect(object["recall"] as? Double == 1)
        let squad = try AskDocsProcess.run([
            "eval", "squad", "--model", AskCorpus.reader, "--data", Self.data, "--json",
        ])
        #expect(squad.status == 0, "\(squad.standardError)")
        let closedBook = try #require(
            try JSONSerialization.jsonObject(with: Data(squad.standardOutput.utf8)) as? [String: Any])
        let reported = try #require(object["closed_book"] as? [String: Any])
        #expect(reported["f1"] as? Double == closedBook["f1"] as? Double)
        #expect(reported["exact"] as? Double == closedBook["exact"] as? Double)
        #expect((object["open_domain"] as? [String: Any])?["total"] as? Int == 8)

        let one = try AskDocsProcess.run([
            "eval", "ask", "--data", Self.data, "--reader", AskCorpus.reader, "--retriever", retriever.path,
            "--articles", "1..1", "--passages", "1", "--json",
        ])
        #expect(one.status == 0, "\(one.standardError)")
        let subset = try #require(
            try JSONSerialization.jsonObject(with: Data(one.standardOutput.utf8)) as? [String: Any])
        #expect(subset["questions"] as? Int == 4, "article 1 holds 4 of the 8 questions")
        #expect(subset["paragraphs"] as? Int == 4, "every paragraph is in the index, not only the chosen articles'")

        let outside = try AskDocsProcess.run([
            "eval", "ask", "--data", Self.data, "--reader", AskCorpus.reader, "--retriever", retriever.path,
            "--articles", "0..5",
        ])
        #expect(outside.status != 0)
        #expect(outside.standardError.contains("outside the file's 0...1"), "\(outside.standardError)")
    }
}
