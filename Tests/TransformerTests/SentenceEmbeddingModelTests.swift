import Foundation
import Testing

@testable import Transformer

@Suite("Sentence embeddings")
struct SentenceEmbeddingModelTests {
    @Test("pooled embeddings match PyTorch within 1e-5", arguments: ["tiny-bert-mean", "tiny-bert-cls"])
    func embeddingsMatchPyTorch(name: String) throws {
        let goldens = try #require(Fixture.goldens.embeddings[name])
        let model = try SentenceEmbeddingModel(directory: ModelDirectory(url: Fixture.model(name)))
        let embeddings = try model.embed(goldens.map(\.ids), maxBatchSize: 5)
        #expect(embeddings.count == goldens.count)
        for (embedding, golden) in zip(embeddings, goldens) {
            #expect(embedding.count == model.dimension)
            #expect(maxAbsDifference(embedding, golden.embedding) <= 1e-5)
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
