import Foundation
import TestSupport
import Testing

@testable import Transformer

@Suite("Question answering")
struct QuestionAnsweringModelTests {
    static func model() throws -> QuestionAnsweringModel {
        try QuestionAnsweringModel(directory: ModelDirectory(url: Fixture.model("tiny-xlmr-qa")))
    }

    @Test("start/end logits match PyTorch within rounding (padded batches of 4 in PyTorch)")
    func logitsMatchPyTorch() throws {
        let goldens = try #require(Fixture.goldens.qa["tiny-xlmr-qa"])
        #expect(goldens.contains { $0.ids.count == 384 })
        let model = try Self.model()
        let results = try model.logits(for: goldens.map(\.ids), maxBatchSize: 4)
        #expect(results.count == goldens.count)
        for (result, golden) in zip(results, goldens) {
            #expect(result.start.count == golden.ids.count)
            // Another order of sums, and other exp/erf approximations (a few u each, within the safety factor).
            let path = RoundingTolerance.encoder(model.encoder.configuration, tokens: golden.ids.count)
                .then(model.encoder.configuration.hiddenSize)
            for (got, want) in [(result.start, golden.start), (result.end, golden.end)] {
                let bound = path.absolute(around: want)
                let difference = maxAbsDifference(got, want)
                #expect(difference <= bound, "\(difference) > \(bound)")
            }
        }
    }

    @Test("batched results come back in the caller's order and equal one-by-one results")
    func batchingKeepsOrder() throws {
        let goldens = try #require(Fixture.goldens.qa["tiny-xlmr-qa"])
        // Short ones only, shuffled so sorting by length must be undone.
        let sequences = goldens.map(\.ids).filter { $0.count < 200 }.reversed().map { $0 }
        let model = try Self.model()
        let batched = try model.logits(for: sequences, planner: BatchPlanner(maxBatchSize: 3, maxPaddedTokens: 400))
        for (sequence, result) in zip(sequences, batched) {
            let single = try model.logits(for: [sequence], maxBatchSize: 1)[0]
            #expect(result.start.count == sequence.count)
            // Batching changes only the order of sums (rows per matrix product, BLAS kernel); the head adds one
            // reduction over the hidden size.
            let path = RoundingTolerance.encoder(model.encoder.configuration, tokens: sequence.count)
                .then(model.encoder.configuration.hiddenSize)
            for (got, want) in [(result.start, single.start), (result.end, single.end)] {
                let bound = path.absolute(around: want)
                let difference = maxAbsDifference(got, want)
                #expect(difference <= bound, "\(difference) > \(bound)")
            }
        }
    }

    @Test("a checkpoint without qa_outputs is rejected with a one-line error")
    func missingHead() throws {
        let directory = try ModelDirectory(url: Fixture.model("tiny-bert-cls"))
        #expect(throws: TransformerError.self) { try QuestionAnsweringModel(directory: directory) }
        do {
            _ = try QuestionAnsweringModel(directory: directory)
        } catch {
            #expect(error.localizedDescription.contains("qa_outputs.weight"))
            #expect(!error.localizedDescription.contains("\n"))
        }
    }
}
