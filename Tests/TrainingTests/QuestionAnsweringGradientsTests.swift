import Foundation
import Testing

@testable import Training
@testable import Transformer

/// The backward pass against PyTorch autograd (`scripts/reference/train_goldens.py`): the same batch through
/// transformers' XLMRobertaForQuestionAnswering / BertForQuestionAnswering, no dropout, every parameter's gradient.
@Suite struct QuestionAnsweringGradientsTests {
    struct Golden {
        let batch: [TrainingFeature]
        let loss: Double
        let startLogits: [[Float]]
        let gradients: [String: GradientTensor]
        /// Gradients that are exactly zero in exact arithmetic (a softmax ignores a constant shift: the key biases,
        /// the last LayerNorm's bias, the head's bias); PyTorch's values are rounding noise.
        let structurallyZero: Set<String>
        let globalNorm: Double

        struct GradientTensor {
            let values: [Float]
            /// ‖g32 − g64‖ / ‖g64‖ of PyTorch's own float32 gradient: the rounding error float32 allows here.
            let float32Error: Double
        }

        init(model: String) throws {
            let root = try #require(Fixture.golden("gradients.json.gz") as? [String: Any])
            let models = try #require(root["models"] as? [String: Any])
            let entry = try #require(models[model] as? [String: Any])
            let ids = try #require(entry["input_ids"] as? [[Int]])
            let starts = try #require(entry["start_positions"] as? [Int])
            let ends = try #require(entry["end_positions"] as? [Int])
            batch = zip(ids, zip(starts, ends)).map {
                TrainingFeature(ids: $0.0.map(Int32.init), startPosition: $0.1.0, endPosition: $0.1.1)
            }
            loss = try #require(entry["loss"] as? Double)
            startLogits = try #require(entry["start_logits"] as? [[Double]]).map { $0.map(Float.init) }
            let tensors = try #require(entry["gradients"] as? [String: Any])
            let errors = try #require(entry["gradients_f64_norm_error"] as? [String: Double])
            var gradients: [String: GradientTensor] = [:]
            for (name, object) in tensors {
                let bare = name.replacingOccurrences(of: "^(roberta|bert)\\.", with: "", options: .regularExpression)
                gradients[bare] = GradientTensor(
                    values: try GoldenTensor(object).values, float32Error: errors[name] ?? 0)
            }
            self.gradients = gradients
            structurallyZero = Set(
                try #require(entry["structurally_zero_gradients"] as? [String]).map {
                    $0.replacingOccurrences(of: "^(roberta|bert)\\.", with: "", options: .regularExpression)
                })
            globalNorm = try #require(entry["gradient_norm"] as? Double)
        }
    }

    @Test(
        "every parameter's gradient matches PyTorch autograd within 1e-4 relative",
        arguments: ["tiny-xlmr-qa", "tiny-bert-qa"])
    func gradientsMatchPyTorch(model: String) throws {
        let golden = try Golden(model: model)
        let parameters = try Fixture.parameters(model)
        let passes = try QuestionAnsweringGradients(parameters: parameters)
        let loss = try passes.accumulate(golden.batch)
        #expect(abs(loss - golden.loss) <= 1e-5 * abs(golden.loss))
        #expect(golden.gradients.count == parameters.tensors.count)
        var worst: (String, Double) = ("", 0)
        for tensor in parameters.tensors {
            let reference = try #require(golden.gradients[tensor.name], "no golden gradient for \(tensor.name)")
            let ours = try #require(parameters.gradient(tensor.name))
            if golden.structurallyZero.contains(tensor.name) {
                // Zero up to rounding in both: bounded against the size of the whole gradient instead.
                let noise = ours.reduce(0) { max($0, Double(abs($1))) }
                #expect(noise <= 1e-6 * golden.globalNorm, "\(tensor.name): \(noise) where the exact gradient is 0")
                continue
            }
            let error = relativeError(ours, reference.values)
            // The bound; PyTorch's own float32 gradients are within 1.4e-5 of float64 on these tensors.
            #expect(error <= 1e-4, "\(tensor.name): relative error \(error) (float32's own: \(reference.float32Error))")
            if error > worst.1 { worst = (tensor.name, error) }
        }
        print("\(model): worst relative gradient error \(worst.1) (\(worst.0))")
    }

    @Test("the forward pass gives PyTorch's logits", arguments: ["tiny-xlmr-qa", "tiny-bert-qa"])
    func logitsMatchPyTorch(model: String) throws {
        let golden = try Golden(model: model)
        let passes = try QuestionAnsweringGradients(parameters: try Fixture.parameters(model))
        let logits = try passes.logits(golden.batch)
        for (ours, reference) in zip(logits, golden.startLogits) {
            #expect(ours.start.count == reference.count)
            for (a, b) in zip(ours.start, reference) { #expect(abs(a - b) <= 1e-4 * max(1, abs(b))) }
        }
    }

    @Test("frozen tensors get no gradient and the others are unchanged by freezing")
    func freezing() throws {
        let golden = try Golden(model: "tiny-xlmr-qa")
        let frozen = try Fixture.parameters(
            "tiny-xlmr-qa", freezing: TrainableParameters.Freezing(wordEmbeddings: true, lowestLayers: 1))
        _ = try QuestionAnsweringGradients(parameters: frozen).accumulate(golden.batch)
        #expect(frozen.gradient("embeddings.word_embeddings.weight") == nil)
        #expect(frozen.gradient("encoder.layer.0.attention.self.query.weight") == nil)
        let ours = try #require(frozen.gradient("embeddings.position_embeddings.weight"))
        let reference = try #require(golden.gradients["embeddings.position_embeddings.weight"])
        #expect(relativeError(ours, reference.values) <= 1e-4)
    }

    @Test("a window's positions outside its tokens are refused in one line")
    func badLabels() throws {
        let passes = try QuestionAnsweringGradients(parameters: try Fixture.parameters("tiny-xlmr-qa"))
        #expect(throws: TrainingError.self) {
            _ = try passes.accumulate([TrainingFeature(ids: [0, 5, 2], startPosition: 1, endPosition: 3)])
        }
        #expect(throws: TrainingError.self) {
            _ = try passes.accumulate([TrainingFeature(ids: [0, 99_999, 2], startPosition: 0, endPosition: 0)])
        }
    }
}
