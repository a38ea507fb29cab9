import Foundation
import Testing

@testable import Training
@testable import Transformer

/// Twenty updates against the same run in PyTorch (`scripts/reference/train_goldens.py`): transformers' model,
/// torch.optim.AdamW with the Trainer's decay groups, get_linear_schedule_with_warmup, clip_grad_norm_, no dropout.
@Suite struct TrainingLoopTests {
    struct Run {
        let model: String
        let frozenWordEmbeddings: Bool
        let batches: [[TrainingFeature]]
        let losses: [Double]
        let norms: [Double]
        let rates: [Double]
        let finalWeight: [Float]
        let finalWeight64: [Double]
    }

    static func runs() throws -> [Run] {
        let root = try #require(Fixture.golden("loss_curve.json.gz") as? [String: Any])
        return try #require(root["runs"] as? [[String: Any]]).map { run in
            let steps = try #require(run["steps"] as? [[String: Any]])
            let batches = try steps.map { step in
                let ids = try #require(step["input_ids"] as? [[Int]])
                let starts = try #require(step["start_positions"] as? [Int])
                let ends = try #require(step["end_positions"] as? [Int])
                return zip(ids, zip(starts, ends)).map {
                    TrainingFeature(ids: $0.0.map(Int32.init), startPosition: $0.1.0, endPosition: $0.1.1)
                }
            }
            let final = try #require(run["final"] as? [String: Any])
            let final64 = try #require(run["final_f64"] as? [String: Any])
            return Run(
                model: try #require(run["model"] as? String),
                frozenWordEmbeddings: try #require(run["frozen_word_embeddings"] as? Bool), batches: batches,
                losses: try steps.map { try #require($0["loss"] as? Double) },
                norms: try steps.map { try #require($0["grad_norm"] as? Double) },
                rates: try steps.map { try #require($0["lr"] as? Double) },
                finalWeight: try GoldenTensor(final["qa_outputs.weight"]).values,
                finalWeight64: try #require(final64["qa_outputs.weight"] as? [Double]))
        }
    }

    @Test("the first 20 losses of a tiny run are within 1e-3 of PyTorch's (3 runs: XLM-R, frozen embeddings, BERT)")
    func lossCurveMatchesPyTorch() throws {
        for run in try Self.runs() {
            let parameters = try Fixture.parameters(
                run.model, freezing: TrainableParameters.Freezing(wordEmbeddings: run.frozenWordEmbeddings))
            let passes = try QuestionAnsweringGradients(parameters: parameters)
            let schedule = LinearWarmupSchedule(peak: 1e-3, warmupSteps: 2, totalSteps: 20)
            var optimizer = AdamW(options: AdamW.Options(learningRate: 1e-3, weightDecay: 0.01))
            var worst = 0.0
            for (step, batch) in run.batches.enumerated() {
                parameters.zeroGradients()
                let loss = try passes.accumulate(batch)
                let norm = GradientClipping.clip(parameters, maxNorm: 1)
                let rate = schedule.learningRate(at: step)
                optimizer.update(parameters, learningRate: rate)
                #expect(
                    abs(loss - run.losses[step]) <= 1e-3, "\(run.model) step \(step): \(loss) vs \(run.losses[step])")
                #expect(abs(norm - run.norms[step]) <= 1e-3 * run.norms[step])
                #expect(abs(rate - run.rates[step]) <= 1e-12)
                worst = max(worst, abs(loss - run.losses[step]))
            }
            let weight = try #require(parameters.values("qa_outputs.weight"))
            #expect(relativeError(weight, run.finalWeight) <= 1e-3)
            print("\(run.model) frozen=\(run.frozenWordEmbeddings): worst loss difference \(worst)")
        }
    }

    @Test("the schedule warms up from 0 and decays to 0 as get_linear_schedule_with_warmup")
    func schedule() {
        let schedule = LinearWarmupSchedule(peak: 1e-3, warmupSteps: 2, totalSteps: 20)
        #expect(schedule.learningRate(at: 0) == 0)
        #expect(schedule.learningRate(at: 1) == 5e-4)
        #expect(schedule.learningRate(at: 2) == 1e-3)
        #expect(abs(schedule.learningRate(at: 19) - 1e-3 / 18) < 1e-15)
        #expect(schedule.learningRate(at: 20) == 0)
    }

    @Test("a batch is a function of seed and step: epochs are seeded permutations covering every window once")
    func batchOrder() throws {
        let parameters = try Fixture.parameters("tiny-xlmr-qa")
        let features = (0..<10).map { TrainingFeature(ids: [0, Int32(3 + $0), 2], startPosition: 0, endPosition: 0) }
        let loop = try TrainingLoop(
            gradients: try QuestionAnsweringGradients(parameters: parameters), features: features,
            options: TrainingOptions(batchSize: 4, steps: 9, dropout: .none, seed: 7))
        #expect(loop.batchesPerEpoch == 3)
        let epoch = (0..<3).flatMap { loop.batch(at: $0) }
        #expect(Set(epoch.map(\.ids)) == Set(features.map(\.ids)))
        #expect(epoch.count == 10)
        #expect((3..<6).flatMap { loop.batch(at: $0) }.map(\.ids) != epoch.map(\.ids))
        let again = try TrainingLoop(
            gradients: try QuestionAnsweringGradients(parameters: parameters), features: features,
            options: TrainingOptions(batchSize: 4, steps: 9, dropout: .none, seed: 7))
        #expect(again.batch(at: 4).map(\.ids) == loop.batch(at: 4).map(\.ids))
    }
}
