import Foundation
import Testing

@testable import Transformer

@Suite("Checkpoints")
struct CheckpointTests {
    @Test("a sharded checkpoint (model.safetensors.index.json) gives the same outputs as the single file")
    func sharded() throws {
        let source = Fixture.model("tiny-bert-mean")
        let original = try SafetensorsFile(url: source.appendingPathComponent("model.safetensors"))
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try copyModelFolder(source, to: folder, includingWeights: false)
        let names = original.tensors.keys.sorted()
        let halves = [Array(names[..<(names.count / 2)]), Array(names[(names.count / 2)...])]
        var weightMap: [String: String] = [:]
        for (index, half) in halves.enumerated() {
            let shard = "model-0000\(index + 1)-of-00002.safetensors"
            try SafetensorsWriter.copying(original, names: half).write(to: folder.appendingPathComponent(shard))
            for name in half { weightMap[name] = shard }
        }
        let index = try JSONSerialization.data(withJSONObject: ["metadata": ["total_size": 0], "weight_map": weightMap])
        try index.write(to: folder.appendingPathComponent("model.safetensors.index.json"))

        let shardedModel = try SentenceEmbeddingModel(directory: ModelDirectory(url: folder))
        #expect(shardedModel.encoder.checkpoint.files.count == 2)
        let single = try SentenceEmbeddingModel(directory: ModelDirectory(url: source))
        let ids: [[Int32]] = [[0, 100, 200, 300, 2], [0, 5, 2]]
        #expect(try shardedModel.embed(ids) == single.embed(ids))
    }

    @Test("an index naming a shard without the tensor is rejected")
    func badIndex() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var writer = SafetensorsWriter()
        writer.add("x", shape: [1], floats: [1])
        try writer.write(to: folder.appendingPathComponent("a.safetensors"))
        let index = folder.appendingPathComponent("model.safetensors.index.json")
        try Data(#"{"weight_map": {"y": "a.safetensors"}}"#.utf8).write(to: index)
        #expect(throws: TransformerError.self) { try Checkpoint(index: index) }
        try Data(#"{"weight_map": {"x": "missing.safetensors"}}"#.utf8).write(to: index)
        #expect(throws: TransformerError.self) { try Checkpoint(index: index) }
    }

    @Test("prefixed (roberta.) and bare (BertModel) tensor names are both accepted")
    func prefixes() throws {
        let qa = try ModelDirectory(url: Fixture.model("tiny-xlmr-qa")).checkpoint()
        #expect(try qa.encoderPrefix() == "roberta.")
        let bert = try ModelDirectory(url: Fixture.model("tiny-bert-cls")).checkpoint()
        #expect(try bert.encoderPrefix() == "")
    }

    @Test("a missing tensor and a wrong shape are reported by name")
    func missingAndWrongShape() throws {
        let source = Fixture.model("tiny-bert-cls")
        let original = try SafetensorsFile(url: source.appendingPathComponent("model.safetensors"))
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        try copyModelFolder(source, to: folder, includingWeights: false)
        let weights = folder.appendingPathComponent("model.safetensors")

        let dropped = "encoder.layer.1.output.dense.bias"
        try SafetensorsWriter.copying(original, names: original.tensors.keys.filter { $0 != dropped }).write(
            to: weights)
        do {
            _ = try EncoderModel(directory: ModelDirectory(url: folder))
            Issue.record("a checkpoint without \(dropped) loaded")
        } catch let error as TransformerError {
            #expect(error.errorDescription?.contains(dropped) == true)
        }

        var wrong = try SafetensorsWriter.copying(original, names: original.tensors.keys.filter { $0 != dropped })
        wrong.add(dropped, shape: [31], floats: Array(repeating: 0, count: 31))
        try wrong.write(to: weights)
        do {
            _ = try EncoderModel(directory: ModelDirectory(url: folder))
            Issue.record("a checkpoint with a wrongly shaped \(dropped) loaded")
        } catch let error as TransformerError {
            #expect(error == .shapeMismatch(name: dropped, expected: [32], actual: [31], checkpoint: weights.path))
        }
    }
}
