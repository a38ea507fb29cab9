import Foundation
import Testing

/// `askdocs models quantize` run as a user would, on the committed tiny QA model.
@Suite("askdocs models quantize")
struct QuantizeCommandTests {
    static let model = ReadCommandTests.model

    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("quantize-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }

    static func read(_ model: String, precision: String) throws -> String {
        let result = try AskDocsProcess.run([
            "read", "--model", model, "--question", ReadCommandTests.question, "--context", ReadCommandTests.context,
            "--top-k", "3", "--precision", precision, "--json",
        ])
        #expect(result.status == 0, "\(result.standardError)")
        return result.standardOutput
    }

    @Test("the quantized copy answers exactly as the original does in that precision", arguments: ["bf16", "int8"])
    func sameAnswers(precision: String) throws {
        let work = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let out = work.appendingPathComponent("copy")
        let result = try AskDocsProcess.run([
            "models", "quantize", Self.model, "--to", precision, "--out", out.path, "--json",
        ])
        #expect(result.status == 0, "\(result.standardError)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        #expect(report["precision"] as? String == precision)
        // 3 layers × Q, K, V, attention output, FFN in and out; int8 with 7-bit weights (a CPU without VNNI)
        // keeps the FFN out projections fp32.
        let keepsOutputFP32 = precision == "int8" && report["int8_weight_bits"] as? Int == 7
        #expect(report["converted_tensors"] as? Int == (keepsOutputFP32 ? 15 : 18))
        #expect((report["bytes"] as? Int ?? .max) < (report["source_bytes"] as? Int ?? 0))
        for name in ["config.json", "tokenizer.json", "tokenizer_config.json", "model.safetensors"] {
            #expect(FileManager.default.fileExists(atPath: out.appendingPathComponent(name).path), "\(name)")
        }
        let config = try #require(
            try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("config.json")))
                as? [String: Any])
        if precision == "bf16" {
            #expect(config["torch_dtype"] as? String == "bfloat16")
        } else {
            let quantization = try #require(config["quantization_config"] as? [String: Any])
            #expect(quantization["quant_method"] as? String == "askdocs-int8")
        }
        #expect(try Self.read(out.path, precision: precision) == Self.read(Self.model, precision: precision))
        // Nothing but the output is left beside it.
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path) == ["copy"])
    }

    @Test("an existing output is never overwritten; bad requests fail in one line and leave nothing")
    func refusals() throws {
        let work = try Self.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: work) }
        let existing = work.appendingPathComponent("existing")
        try FileManager.default.createDirectory(at: existing, withIntermediateDirectories: true)
        try Data("keep me".utf8).write(to: existing.appendingPathComponent("notes.txt"))
        let taken = try AskDocsProcess.run(["models", "quantize", Self.model, "--to", "int8", "--out", existing.path])
        #expect(taken.status != 0)
        #expect(taken.standardError.contains("already exists"), "\(taken.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: existing.path) == ["notes.txt"])

        let missing = try AskDocsProcess.run([
            "models", "quantize", work.appendingPathComponent("no-model").path, "--to", "int8", "--out",
            work.appendingPathComponent("out").path,
        ])
        #expect(missing.status != 0)
        #expect(missing.standardError.contains("no-model"), "\(missing.standardError)")

        // A folder with a config but broken weights: the failure removes its half-written copy.
        let broken = work.appendingPathComponent("broken")
        try FileManager.default.createDirectory(at: broken, withIntermediateDirectories: true)
        for name in ["config.json", "tokenizer.json"] {
            try FileManager.default.copyItem(
                atPath: Self.model + "/" + name, toPath: broken.appendingPathComponent(name).path)
        }
        try Data(repeating: 7, count: 100).write(to: broken.appendingPathComponent("model.safetensors"))
        let damaged = try AskDocsProcess.run([
            "models", "quantize", broken.path, "--to", "bf16", "--out", work.appendingPathComponent("out").path,
        ])
        #expect(damaged.status != 0)
        #expect(damaged.standardError.contains("nothing was written"), "\(damaged.standardError)")
        #expect(damaged.standardError.split(separator: "\n").count == 1, "\(damaged.standardError)")

        let fp32 = try AskDocsProcess.run(["models", "quantize", Self.model, "--to", "fp32", "--out", "x"])
        #expect(fp32.status != 0 && fp32.standardError.contains("bf16 or int8"), "\(fp32.standardError)")
        let bits = try AskDocsProcess.run([
            "models", "quantize", Self.model, "--to", "bf16", "--weight-bits", "7",
            "--out", "x",
        ])
        #expect(bits.status != 0 && bits.standardError.contains("int8 only"), "\(bits.standardError)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: work.path).sorted() == ["broken", "existing"])
    }
}
