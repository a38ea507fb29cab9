import Foundation
import Testing

@Suite("askdocs embed")
struct EmbedCommandTests {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    struct Golden: Decodable {
        struct Case: Decodable {
            var text: String
            var prompt_name: String?
            var embedding: [Float]
        }
        var cases: [Case]
    }

    /// A tiny sentence-transformers BERT (`tiny-bert-mean` by default) next to the tiny tokenizer, as one model
    /// folder.
    static func modelFolder(_ name: String = "tiny-bert-mean") throws -> URL {
        let fixtures = packageRoot.appendingPathComponent("Tests/TransformerTests/Fixtures")
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-embed-\(UUID())")
        let manager = FileManager.default
        try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        let model = fixtures.appendingPathComponent(name)
        for name in try manager.contentsOfDirectory(atPath: model.path) {
            try manager.createSymbolicLink(
                at: folder.appendingPathComponent(name), withDestinationURL: model.appendingPathComponent(name))
        }
        try manager.createSymbolicLink(
            at: folder.appendingPathComponent("tokenizer.json"),
            withDestinationURL: fixtures.appendingPathComponent("tiny-tokenizer/tokenizer.json"))
        return folder
    }

    @Test("embeddings equal PyTorch mean pooling + normalisation, with and without the query prompt")
    func matchesReference() throws {
        let data = try Data(
            contentsOf: Self.packageRoot.appendingPathComponent("Tests/AskDocsCLITests/Fixtures/embed-goldens.json"))
        let golden = try JSONDecoder().decode(Golden.self, from: data)
        let folder = try Self.modelFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        for promptName in [nil, "query"] as [String?] {
            let cases = golden.cases.filter { $0.prompt_name == promptName }
            let input = try cases.map { String(decoding: try JSONEncoder().encode(["text": $0.text]), as: UTF8.self) }
                .joined(separator: "\n")
            var arguments = ["embed", "--model", folder.path, "--batch-size", "2"]
            if let promptName { arguments += ["--prompt-name", promptName] }
            let result = try AskDocsProcess.run(arguments, input: Data(input.utf8))
            #expect(result.status == 0, "\(result.standardError)")
            let lines = result.standardOutput.split(separator: "\n")
            try #require(lines.count == cases.count)
            for (line, expected) in zip(lines, cases) {
                let vector = try JSONDecoder().decode([String: [Float]].self, from: Data(line.utf8))["embedding"] ?? []
                try #require(vector.count == expected.embedding.count)
                let difference = zip(vector, expected.embedding).map { abs($0 - $1) }.max() ?? 0
                // Unit vectors of the two-layer test encoder vs PyTorch: 4.4e-6 to 2.9e-5 under TestSupport's
                // RoundingTolerance (measured ≤ 1.9e-6 on the same model there, Zen and Haswell kernels alike);
                // the bound is the model's largest, not one machine's measurement.
                #expect(difference <= 2.9e-5, "\(expected.text.prefix(20)) prompt \(promptName ?? "none"): \(difference)")
            }
        }
    }

    @Test("a bad line and an unknown prompt name are one-line errors")
    func errors() throws {
        let folder = try Self.modelFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let bad = try AskDocsProcess.run(
            ["embed", "--model", folder.path], input: Data("{\"text\":\"a\"}\nnot json\n".utf8))
        #expect(bad.status != 0)
        #expect(bad.standardError.contains("line 2"))
        // One line, not argument-parser's usage text: the input is wrong, not the command line.
        #expect(bad.standardError.split(separator: "\n").count == 1, "\(bad.standardError)")
        #expect(!bad.standardError.lowercased().contains("usage"))
        let prompt = try AskDocsProcess.run(["embed", "--model", folder.path, "--prompt-name", "nope"], input: Data())
        #expect(prompt.status != 0)
        #expect(prompt.standardError.contains("unknown prompt name 'nope'"))
    }
}
