import Foundation
import TestSupport
import Testing

/// `askdocs train` run as a user would, on the committed tiny XLM-R QA model and a small SQuAD v2 file.
@Suite("askdocs train")
struct TrainCommandTests {
    static let model = ReadCommandTests.model

    /// Twelve questions over three paragraphs, two of them unanswerable (SQuAD v2.0).
    static func squad() -> [String: Any] {
        let paragraphs: [(String, [(String, String?)])] = [
            (
                "The Thames is a river that flows through southern England, including London. It is 346 kilometres long.",
                [
                    ("Which river flows through London?", "The Thames"), ("How long is the Thames?", "346 kilometres"),
                    ("What is the capital of Peru?", nil), ("Where does the Thames flow?", "southern England"),
                ]
            ),
            (
                "AskDocs reads text, Markdown, HTML and PDF files and stores their sentences in SQLite with exact offsets.",
                [
                    ("Where are sentences stored?", "SQLite"),
                    ("What does AskDocs read?", "text, Markdown, HTML and PDF files"),
                    ("Who wrote Hamlet?", nil), ("What offsets are stored?", "exact offsets"),
                ]
            ),
            (
                "The reader extracts answer spans and ranks them across passages by span confidence.",
                [
                    ("What does the reader extract?", "answer spans"), ("How are spans ranked?", "by span confidence"),
                    ("Across what are answers ranked?", "passages"), ("What does the reader rank?", "them"),
                ]
            ),
        ]
        var number = 0
        let data = paragraphs.map { context, questions in
            [
                "title": "t",
                "paragraphs": [
                    [
                        "context": context,
                        "qas": questions.map { question, answer -> [String: Any] in
                            number += 1
                            guard let answer, let range = context.range(of: answer) else {
                                return ["id": "q\(number)", "question": question, "answers": [], "is_impossible": true]
                            }
                            let start = context.unicodeScalars.distance(
                                from: context.unicodeScalars.startIndex, to: range.lowerBound)
                            return [
                                "id": "q\(number)", "question": question, "is_impossible": false,
                                "answers": [["text": answer, "answer_start": start]],
                            ]
                        },
                    ]
                ],
            ] as [String: Any]
        }
        return ["version": "v2.0", "data": data]
    }

    static func workspace() throws -> (folder: URL, data: URL) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("train-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let data = folder.appendingPathComponent("train.json")
        try JSONSerialization.data(withJSONObject: squad()).write(to: data)
        return (folder, data)
    }

    static func train(_ arguments: [String], environment: [String: String] = [:]) throws -> AskDocsProcess.Result {
        try AskDocsProcess.run(
            [
                "train", "--model", model, "--batch-size", "4", "--max-seq-len", "64", "--doc-stride", "16",
                "--learning-rate", "1e-3", "--json",
            ] + arguments,
            environment: environment)
    }

    /// The tensor names and shapes of a safetensors file's header.
    static func header(_ url: URL) throws -> [String: [Int]] {
        let data = try Data(contentsOf: url)
        let length = data.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        let object = try #require(
            try JSONSerialization.jsonObject(with: data.subdata(in: 8..<(8 + length))) as? [String: Any])
        var shapes: [String: [Int]] = [:]
        for (name, entry) in object where name != "__metadata__" {
            shapes[name] = (entry as? [String: Any])?["shape"] as? [Int]
        }
        return shapes
    }

    @Test("a run writes a model folder under transformers' names that askdocs reads, with the metrics in --json")
    func trainsAndSaves() throws {
        let (work, data) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: work) }
        let out = work.appendingPathComponent("out")
        let result = try Self.train(
            ["--data", data.path, "--eval", data.path, "--steps", "6", "--checkpoint-every", "2", "--out", out.path])
        #expect(result.status == 0, "\(result.standardError)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(report["steps"] as? Int == 6)
        #expect((report["losses"] as? [Double])?.count == 6)
        #expect((report["windows"] as? Int ?? 0) >= 12)
        #expect((report["eval"] as? [String: Any])?["total"] as? Int == 12)
        let config = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json")))
                as? [String: Any])
        #expect(config["architectures"] as? [String] == ["XLMRobertaForQuestionAnswering"])
        // The names and shapes transformers' XLMRobertaForQuestionAnswering has (its named_parameters, from the
        // PyTorch goldens of the Training suite).
        let goldens = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("TrainingTests/Fixtures/gradients.json.gz")
        let root = try #require(
            try JSONSerialization.jsonObject(with: Gzip.decompress(Data(contentsOf: goldens))) as? [String: Any])
        let models = try #require(root["models"] as? [String: Any])
        let gradients = try #require((models["tiny-xlmr-qa"] as? [String: Any])?["gradients"] as? [String: Any])
        let expected = gradients.mapValues { ($0 as? [String: Any])?["shape"] as? [Int] ?? [] }
        #expect(try Self.header(out.appendingPathComponent("model.safetensors")) == expected)
        // Complete: no checkpoints or staging left, and the model answers.
        #expect(
            try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
                == [
                    "config.json", "model.safetensors", "special_tokens_map.json", "tokenizer.json",
                    "tokenizer_config.json",
                ])
        let read = try AskDocsProcess.run([
            "read", "--model", out.path, "--question", "Which river flows through London?", "--context",
            "The Thames is a river that flows through southern England, including London.", "--json",
        ])
        #expect(read.status == 0, "\(read.standardError)")
    }

    @Test("a run killed between checkpoints resumes to the bit-identical model of an uninterrupted run (dropout on)")
    func resumesAfterKill() throws {
        let (work, data) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: work) }
        let straight = work.appendingPathComponent("straight")
        let killed = work.appendingPathComponent("killed")
        let common = ["--data", data.path, "--steps", "12", "--checkpoint-every", "4", "--seed", "5"]
        let whole = try Self.train(common + ["--out", straight.path])
        #expect(whole.status == 0, "\(whole.standardError)")
        let crash = try Self.train(
            common + ["--out", killed.path], environment: ["ASKDOCS_FAULT_INJECTION": "trained:6"])
        #expect(crash.status != 0)
        #expect(
            FileManager.default.fileExists(atPath: killed.appendingPathComponent("checkpoint-4/model.safetensors").path)
        )
        #expect(!FileManager.default.fileExists(atPath: killed.appendingPathComponent("model.safetensors").path))
        let resumed = try Self.train(common + ["--out", killed.path, "--resume"])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(resumed.standardOutput.utf8)) as? [String: Any])
        #expect(report["resumed_from"] as? Int == 4)
        #expect((report["losses"] as? [Double])?.count == 12)
        let a = try Data(contentsOf: straight.appendingPathComponent("model.safetensors"))
        let b = try Data(contentsOf: killed.appendingPathComponent("model.safetensors"))
        #expect(a == b, "the resumed model differs from the uninterrupted one")
        let wholeReport = try #require(
            try JSONSerialization.jsonObject(with: Data(whole.standardOutput.utf8)) as? [String: Any])
        #expect(wholeReport["losses"] as? [Double] == report["losses"] as? [Double])
    }

    @Test("bad requests fail in one line and leave the output as it was")
    func refusals() throws {
        let (work, data) = try Self.workspace()
        defer { try? FileManager.default.removeItem(at: work) }
        let out = work.appendingPathComponent("out")
        let both = try Self.train(["--data", data.path, "--steps", "2", "--epochs", "1", "--out", out.path])
        #expect(both.status == 64)
        #expect(both.standardError.contains("--steps or --epochs"))
        let malformed = work.appendingPathComponent("bad.json")
        try Data("{\"data\": [".utf8).write(to: malformed)
        let bad = try Self.train(["--data", malformed.path, "--steps", "2", "--out", out.path])
        #expect(bad.status == 1)
        #expect(bad.standardError.split(separator: "\n").count == 1, "\(bad.standardError)")
        #expect(!FileManager.default.fileExists(atPath: out.path))
        // A folder holding another run's checkpoints is not overwritten without resuming.
        let killed = try Self.train(
            ["--data", data.path, "--steps", "8", "--checkpoint-every", "2", "--out", out.path],
            environment: ["ASKDOCS_FAULT_INJECTION": "trained:3"])
        #expect(killed.status != 0)
        let again = try Self.train(["--data", data.path, "--steps", "8", "--out", out.path])
        #expect(again.status == 1)
        #expect(again.standardError.contains("resume"), "\(again.standardError)")
        #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent("checkpoint-2").path))
        // Resuming with other hyperparameters is refused rather than mixing two runs.
        let other = try Self.train(["--data", data.path, "--steps", "9", "--out", out.path, "--resume"])
        #expect(other.status == 1)
        #expect(other.standardError.contains("other data, batch size, seed or steps"), "\(other.standardError)")
    }
}
