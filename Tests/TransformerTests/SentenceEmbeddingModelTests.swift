import Foundation
import TestSupport
import Testing

@testable import Transformer

@Suite("Sentence embeddings")
struct SentenceEmbeddingModelTests {
    @Test("pooled embeddings match PyTorch within rounding", arguments: ["tiny-bert-mean", "tiny-bert-cls"])
    func embeddingsMatchPyTorch(name: String) throws {
        let goldens = try #require(Fixture.goldens.embeddings[name])
        let model = try SentenceEmbeddingModel(directory: ModelDirectory(url: Fixture.model(name)))
        let embeddings = try model.embed(goldens.map(\.ids), maxBatchSize: 5)
        #expect(embeddings.count == goldens.count)
        for (embedding, golden) in zip(embeddings, goldens) {
            #expect(embedding.count == model.dimension)
            // Another order of sums, then pooling over the tokens and normalising over the hidden size.
            let h = model.encoder.configuration.hiddenSize
            let bound = RoundingTolerance.encoder(model.encoder.configuration, tokens: golden.ids.count)
                .then(golden.ids.count).then(h).absolute(around: golden.embedding)
            let difference = maxAbsDifference(embedding, golden.embedding)
            #expect(difference <= bound, "\(difference) > \(bound)")
        }
    }

    @Test("sentence-transformers settings: pooling, Normalize module, prompts")
    func settings() throws {
        let mean = try SentenceEmbeddingModel(directory: ModelDirectory(url: Fixture.model("tiny-bert-mean")))
        #expect(mean.settings.pooling.modes == [.mean])
        #expect(mean.settings.normalize)
        #expect(mean.prompts == ["query": "query: ", "passage": "passage: "])
        let cls = try SentenceEmbeddingModel(directory: ModelDirectory(url: Fixture.model("tiny-bert-cls")))
        #expect(cls.settings.pooling.modes == [.cls])
        #expect(!cls.settings.normalize)
        #expect(cls.encoder.configuration.activation == .geluTanh)
        let normalized = try mean.embed([[0, 5, 6, 2]])[0]
        let norm = normalized.reduce(0) { $0 + $1 * $1 }.squareRoot()
        // A sum of h squares of values ≤ 1: 2·γ_h of the rounded normalisation plus γ_h of this check, far below
        // 1e-5 for h = 32 (γ₃₂ ≈ 1.9e-6), while an unnormalised vector misses 1 by its whole length.
        #expect(abs(norm - 1) < 1e-5)
    }

    @Test("a folder without sentence-transformers files pools by mean without normalising")
    func defaults() throws {
        let settings = try SentenceTransformersConfiguration(
            directory: ModelDirectory(url: Fixture.model("tiny-xlmr-qa")))
        #expect(settings.pooling.modes == [.mean])
        #expect(!settings.normalize)
        #expect(settings.prompts.isEmpty)
    }
}
