import Foundation
import Testing

@testable import Transformer

@Suite("config.json")
struct EncoderConfigurationTests {
    static func decode(_ json: String) throws -> EncoderConfiguration {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("config.json")
        try Data(json.utf8).write(to: url)
        return try EncoderConfiguration(contentsOf: url)
    }

    static let base =
        #""hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 2, "intermediate_size": 16, "max_position_embeddings": 20, "vocab_size": 50"#

    @Test("XLM-R, RoBERTa and BERT configurations parse with their defaults")
    func parses() throws {
        let xlmr = try Self.decode(
            #"{"model_type": "xlm-roberta", \#(Self.base), "layer_norm_eps": 1e-5, "pad_token_id": 1}"#)
        #expect(xlmr.modelType == .xlmRoberta)
        #expect(xlmr.maxSequenceLength == 18)
        #expect(xlmr.activation == .gelu)
        let bert = try Self.decode(#"{"model_type": "bert", \#(Self.base), "hidden_act": "relu"}"#)
        #expect(bert.padTokenID == 0)
        #expect(bert.layerNormEpsilon == 1e-12)
        #expect(bert.maxSequenceLength == 20)
        #expect(bert.activation == .relu)
        let roberta = try Self.decode(#"{"model_type": "roberta", \#(Self.base), "hidden_act": "gelu_new"}"#)
        #expect(roberta.activation == .geluTanh)
    }

    @Test(
        "unsupported or inconsistent configurations give one-line errors",
        arguments: [
            (#"{"model_type": "gpt2", \#(base)}"#, "gpt2"),
            (#"{"model_type": "bert", \#(base), "hidden_act": "mish"}"#, "mish"),
            (#"{"model_type": "bert", "hidden_size": 8}"#, "missing key"),
            (
                #"{"model_type": "bert", "hidden_size": 8, "num_hidden_layers": 1, "num_attention_heads": 3, "intermediate_size": 16, "max_position_embeddings": 20, "vocab_size": 50}"#,
                "multiple"
            ),
            (#"{"model_type": "bert", \#(base), "position_embedding_type": "relative_key"}"#, "relative_key"),
            ("{not json", "JSON"),
        ])
    func rejects(json: String, expected: String) throws {
        do {
            _ = try Self.decode(json)
            Issue.record("accepted \(json)")
        } catch let error as TransformerError {
            let message = try #require(error.errorDescription)
            #expect(message.contains(expected))
            #expect(message.contains("config.json"))
            #expect(!message.contains("\n"))
        }
    }
}
