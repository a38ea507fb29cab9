import Foundation
import Testing

/// `askdocs read` and `askdocs eval squad` run as a user would, on the committed tiny QA model.
@Suite("askdocs read and eval squad")
struct ReadCommandTests {
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    static var model: String {
        packageRoot.appendingPathComponent("Tests/TransformerTests/Fixtures/tiny-xlmr-qa").path
    }

    static let question = "Where does the reader look for answers?"
    static let context =
        "The reader looks for answers in the passages you give it. It splits long passages into overlapping "
        + "windows, scores every span and returns the best ones with their character offsets."

    struct Answer: Decodable, Equatable {
        var answer: String
        var score: Double
        var start: Int
        var end: Int
    }

    /// Same text and offsets, score within 1e-4 relative.
    static func expectMatches(_ answers: [Answer], _ expected: [Answer]) {
        #expect(answers.count == expected.count)
        for (answer, gold) in zip(answers, expected) {
            #expect(answer.answer == gold.answer && answer.start == gold.start && answer.end == gold.end)
            #expect(abs(answer.score - gold.score) <= 1e-4 * gold.score, "\(answer.score) vs \(gold.score)")
        }
    }

    @Test("without flags the answer is the pipeline's (transformers 4.57.6, same model)")
    func defaultsArePipelineDefaults() throws {
        let result = try AskDocsProcess.run([
            "read", "--model", Self.model, "--question", Self.question, "--context", Self.context, "--json",
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let answer = try JSONDecoder().decode(Answer.self, from: Data(result.standardOutput.utf8))
        // pipe(question=..., context=...)
        Self.expectMatches(
            [answer],
            [Answer(answer: " long passages into overlapping", score: 0.009210527641698718, start: 67, end: 98)])
    }

    @Test("flags map to the pipeline's parameters: several windows, top_k, handle_impossible_answer")
    func flagsArePipelineParameters() throws {
        let result = try AskDocsProcess.run([
            "read", "--model", Self.model, "--question", Self.question, "--context", Self.context, "--json",
            "--top-k", "3", "--handle-impossible-answer", "--max-seq-len", "48", "--doc-stride", "8",
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let answers = try JSONDecoder().decode([Answer].self, from: Data(result.standardOutput.utf8))
        // pipe(..., top_k=3, handle_impossible_answer=True, max_seq_len=48, doc_stride=8)
        Self.expectMatches(
            answers,
            [
                Answer(answer: "acter offsets.", score: 0.5136834429576993, start: 167, end: 181),
                Answer(answer: " offsets.", score: 0.136873594019562, start: 172, end: 181),
                Answer(answer: "cores every", score: 0.12396789039485157, start: 109, end: 120),
            ])
    }

    @Test("human output shows the answer, its score, its character span and a highlighted snippet")
    func humanOutput() throws {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent(
            "askdocs-read-\(UUID().uuidString).txt")
        try Self.context.write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try AskDocsProcess.run([
            "read", "--model", Self.model, "--question", Self.question, "--context-file", file.path,
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let lines = result.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first?.trimmingCharacters(in: .whitespaces) == "long passages into overlapping")
        #expect(result.standardOutput.contains("score 0.0092"))
        #expect(result.standardOutput.contains("characters 67..<98"))
        #expect(result.standardOutput.contains("It splits« long passages into overlapping» windows"))
    }

    @Test("--logits adds each window's raw start and end logits")
    func logits() throws {
        let result = try AskDocsProcess.run([
            "read", "--model", Self.model, "--question", Self.question, "--context", Self.context, "--logits",
            "--max-seq-len", "48", "--doc-stride", "8",
        ])
        #expect(result.status == 0, "\(result.standardError)")
        struct Output: Decodable {
            struct Window: Decodable { var start: [Float]; var end: [Float] }
            var answers: [Answer]
            var logits: [Window]
        }
        let output = try JSONDecoder().decode(Output.self, from: Data(result.standardOutput.utf8))
        #expect(output.answers.count == 1)
        #expect(output.logits.count > 1)
        #expect(output.logits.allSatisfy { $0.start.count == $0.end.count && $0.start.count <= 48 })
    }

    @Test("--input reads JSON Lines in batches and writes one {id, answers} line per input, in order")
    func jsonLines() throws {
        let lines = [
            #"{"id": "q1", "question": "\#(Self.question)", "context": "\#(Self.context)"}"#,
            "",
            #"{"id": 7, "question": "Wer schreibt?", "context": "Anna schreibt einen langen Brief an ihre Schwester."}"#,
            #"{"id": "q3", "question": "\#(Self.question)", "context": "\#(Self.context)"}"#,
        ]
        let result = try AskDocsProcess.run(
            ["read", "--model", Self.model, "--input", "-", "--batch-size", "2"],
            input: Data(lines.joined(separator: "\n").utf8))
        #expect(result.status == 0, "\(result.standardError)")
        struct Record: Decodable { var id: String; var answers: [Answer] }
        let records = try result.standardOutput.split(separator: "\n").map {
            try JSONDecoder().decode(Record.self, from: Data($0.utf8))
        }
        #expect(records.map(\.id) == ["q1", "7", "q3"])
        let expected = Answer(
            answer: " long passages into overlapping", score: 0.009210527641698718, start: 67, end: 98)
        Self.expectMatches(records[0].answers, [expected])
        Self.expectMatches(records[2].answers, [expected])
        #expect(records[1].answers.count == 1)
    }

    @Test("--input keeps a leading byte-order mark, so offsets equal those of --context")
    func byteOrderMarkKeepsOffsets() throws {
        let context = "\u{FEFF}" + Self.context
        let single = try AskDocsProcess.run([
            "read", "--model", Self.model, "--question", Self.question, "--context", context, "--json",
        ])
        #expect(single.status == 0, "\(single.standardError)")
        let expected = try JSONDecoder().decode(Answer.self, from: Data(single.standardOutput.utf8))
        #expect(expected.start > 0)
        let line = String(
            decoding: try JSONEncoder().encode(["id": "bom", "question": Self.question, "context": context]),
            as: UTF8.self)
        #expect(line.unicodeScalars.contains("\u{FEFF}"), "the line must hold the raw character, not an escape")
        let batch = try AskDocsProcess.run(["read", "--model", Self.model, "--input", "-"], input: Data(line.utf8))
        #expect(batch.status == 0, "\(batch.standardError)")
        struct Record: Decodable { var id: String; var answers: [Answer] }
        let record = try JSONDecoder().decode(Record.self, from: Data(batch.standardOutput.utf8))
        Self.expectMatches(record.answers, [expected])
    }

    @Test("a bad JSON Lines line fails with one line naming its number")
    func badLine() throws {
        let input = #"{"id": "a", "question": "Who?", "context": "Anna."}"# + "\n" + #"{"id": "b", "question": "Who?"}"#
        let result = try AskDocsProcess.run(["read", "--model", Self.model, "--input", "-"], input: Data(input.utf8))
        #expect(result.status != 0)
        let error = result.standardError.trimmingCharacters(in: .whitespacesAndNewlines)
        #expect(error.contains("line 2"))
        #expect(!error.contains("\n"))
        let notJSON = try AskDocsProcess.run(
            ["read", "--model", Self.model, "--input", "-"], input: Data("nope\n".utf8))
        #expect(notJSON.status != 0)
        #expect(notJSON.standardError.contains("line 1: not a JSON object"))
    }

    @Test(
        "invalid arguments are refused before the model loads",
        arguments: [
            ["--question", "Who?"],
            ["--context", "Anna."],
            ["--question", "", "--context", "Anna."],
            ["--question", "Who?", "--context", "Anna.", "--top-k", "0"],
            ["--question", "Who?", "--context", "Anna.", "--max-seq-len", "64", "--doc-stride", "65"],
            ["--question", "Who?", "--context", "Anna.", "--context-file", "/nonexistent"],
            ["--input", "/nonexistent.jsonl"],
        ])
    func invalidArguments(_ arguments: [String]) throws {
        let result = try AskDocsProcess.run(["read", "--model", Self.model] + arguments)
        #expect(result.status != 0)
        #expect(result.standardError.hasPrefix("Error: "))
        #expect(result.standardOutput.isEmpty)
    }

    @Test("eval squad prints every official metric and writes the predictions and no-answer files")
    func evalSquad() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-eval-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let dataset = #"""
            {"version": "v2.0", "data": [{"title": "t", "paragraphs": [{"context": "\#(Self.context)", "qas": [
              {"id": "has", "question": "\#(Self.question)", "answers": [{"text": "in the passages you give it", "answer_start": 29}], "is_impossible": false},
              {"id": "none", "question": "Who wrote it?", "answers": [], "is_impossible": true},
              {"id": "late", "question": "What does it return?", "answers": [{"text": "the best ones", "answer_start": 129}], "is_impossible": false}
            ]}]}]}
            """#
        let data = folder.appendingPathComponent("data.json")
        try dataset.write(to: data, atomically: true, encoding: .utf8)
        let predictions = folder.appendingPathComponent("predictions.json")
        let naProbs = folder.appendingPathComponent("na.json")
        let result = try AskDocsProcess.run([
            "eval", "squad", "--model", Self.model, "--data", data.path, "--predictions", predictions.path,
            "--na-probs", naProbs.path, "--json",
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let metrics = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        for key in [
            "exact", "f1", "total", "HasAns_exact", "HasAns_f1", "HasAns_total", "NoAns_exact", "NoAns_f1",
            "NoAns_total",
            "best_exact", "best_exact_thresh", "best_f1", "best_f1_thresh",
        ] {
            #expect(metrics[key] != nil, "missing \(key)")
        }
        #expect(metrics["total"] as? Int == 3)
        let written = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: predictions)) as? [String: String])
        #expect(Set(written.keys) == ["has", "none", "late"])
        let probabilities = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: naProbs)) as? [String: Double])
        #expect(probabilities.values.allSatisfy { $0 >= 0 && $0 <= 1 })

        let human = try AskDocsProcess.run([
            "eval", "squad", "--model", Self.model, "--data", data.path, "--limit", "2",
        ])
        #expect(human.status == 0, "\(human.standardError)")
        #expect(human.standardOutput.contains("best_f1_thresh"))
        #expect(human.standardOutput.contains("(2 questions"))
        #expect(human.standardError.isEmpty, "no progress bar when stderr is not a terminal")
    }
}
