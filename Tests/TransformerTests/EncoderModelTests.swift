import Foundation
import TestSupport
import Testing

@testable import Transformer

@Suite("Encoder")
struct EncoderModelTests {
    @Test("RoBERTa positions start after padding_idx and skip pads; BERT counts from 0")
    func positionIDs() throws {
        let roberta = try EncoderModel(directory: ModelDirectory(url: Fixture.model("tiny-xlmr-qa")))
        #expect(roberta.configuration.padTokenID == 1)
        #expect(roberta.positionIDs(for: [0, 7, 8, 2]) == [2, 3, 4, 5])
        #expect(roberta.positionIDs(for: [0, 7, 1, 8, 2, 1]) == [2, 3, 1, 4, 5, 1])
        let bert = try EncoderModel(directory: ModelDirectory(url: Fixture.model("tiny-bert-cls")))
        #expect(bert.positionIDs(for: [0, 7, 1, 8]) == [0, 1, 2, 3])
    }

    @Test("hidden states of a batch equal those of each sequence alone, in the caller's order")
    func batchEqualsSingles() throws {
        let model = try EncoderModel(directory: ModelDirectory(url: Fixture.model("tiny-bert-mean")))
        let sequences: [[Int32]] = [[0, 9, 2], [0, 11, 12, 13, 14, 15, 2], [0, 2], [0, 30, 31, 32, 2]]
        let together = try model.hiddenStates(sequences, planner: BatchPlanner(maxBatchSize: 2))
        #expect(together.map(\.tokenCount) == sequences.map(\.count))
        for (sequence, states) in zip(sequences, together) {
            let alone = try model.hiddenStates([sequence])[0]
            // Packing other sequences changes only the order of sums (rows per matrix product, BLAS kernel).
            let bound = RoundingTolerance.encoder(model.configuration, tokens: sequence.count)
                .absolute(around: alone.values)
            let difference = maxAbsDifference(states.values, alone.values)
            #expect(difference <= bound, "\(difference) > \(bound)")
            #expect(states.hiddenSize == 32)
            #expect(states[token: 0].count == 32)
        }
    }

    @Test("bad input gives one-line errors instead of crashing")
    func invalidInput() throws {
        let model = try EncoderModel(directory: ModelDirectory(url: Fixture.model("tiny-bert-cls")))
        let cases: [([[Int32]], String)] = [
            ([[]], "empty"),
            ([[0, 2002, 2]], "2002"),
            ([[0, -1]], "-1"),
            ([[Int32](repeating: 5, count: 257)], "at most 256"),
        ]
        for (input, expected) in cases {
            do {
                _ = try model.hiddenStates(input)
                Issue.record("accepted \(input.map(\.count))")
            } catch let error as TransformerError {
                #expect(error.errorDescription?.contains(expected) == true)
            }
        }
        #expect(try model.hiddenStates([]).isEmpty)
    }

    @Test("a config.json claiming 10^12 layers fails on the first missing layer instead of reserving room for them")
    func hugeLayerCount() throws {
        let directory = try ModelDirectory(url: Fixture.model("tiny-bert-cls"))
        var configuration = directory.config
        configuration.layerCount = 1_000_000_000_000
        #expect {
            _ = try EncoderModel(checkpoint: directory.checkpoint(), configuration: configuration)
        } throws: { error in
            guard case .missingTensor(let name, _) = error as? TransformerError else { return false }
            return name.contains("encoder.layer.\(directory.config.layerCount).")
        }
    }
}

@Suite("Encoder concurrency")
struct EncoderConcurrencyTests {
    @Test("concurrent forward passes on one model agree with sequential ones")
    func concurrentCalls() async throws {
        let model = try EncoderModel(directory: ModelDirectory(url: Fixture.model("tiny-xlmr-qa")))
        var inputs: [[[Int32]]] = []
        for seed in 0..<4 {
            var ids: [Int32] = []
            for position in 0..<(20 + 15 * seed) {
                let id: Int = 5 + (position * 37 + seed * 11) % 1900
                ids.append(Int32(id))
            }
            inputs.append([ids])
        }
        let expected = try inputs.map { try model.hiddenStates($0) }
        let results = try await withThrowingTaskGroup(of: (Int, [HiddenStates]).self) { group in
            for (index, input) in inputs.enumerated() {
                group.addTask { (index, try model.hiddenStates(input)) }
            }
            var collected = [[HiddenStates]](repeating: [], count: inputs.count)
            for try await (index, states) in group { collected[index] = states }
            return collected
        }
        #expect(results == expected)
    }
}
