import Foundation
import Transformer

/// One training window: token ids (question and context with special tokens) and the answer's token positions
/// (both at the first token when the window holds no answer, SQuAD 2.0 style).
public struct TrainingFeature: Sendable, Equatable, Codable {
    /// Token ids, unpadded.
    public var ids: [Int32]
    /// The answer's first token.
    public var startPosition: Int
    /// The answer's last token.
    public var endPosition: Int

    /// A window with its labels.
    public init(ids: [Int32], startPosition: Int, endPosition: Int) {
        self.ids = ids
        self.startPosition = startPosition
        self.endPosition = endPosition
    }
}

/// The loss and gradients of an extractive question-answering model over a batch of windows: the encoder's forward
/// pass keeping what its backward pass needs, the span loss, and the backward pass into `parameters`' gradients.
///
/// The loss is Hugging Face's `(CE(start) + CE(end)) / 2`, averaged over the batch, with each window's softmax over
/// its own tokens: windows are packed without padding exactly as in inference, so padding positions never compete
/// with real tokens (the padded PyTorch model with those logits masked gives the same loss).
public final class QuestionAnsweringGradients: @unchecked Sendable {
    /// The parameters read by the forward pass and whose gradients the backward pass adds to.
    public let parameters: TrainableParameters
    let configuration: EncoderConfiguration
    let embeddings: EmbeddingParameters
    let layers: [LayerParameters]
    let head: LinearParameters
    /// The lowest layer whose input gradient is needed (nothing below it trains); embeddings when 0 and they train.
    let backwardStopsAt: Int
    let embeddingsTrain: Bool
    /// Memory of the passes, reused by each (one pass at a time: calls must not overlap).
    let arena = Arena()

    /// Dropout probabilities (from `config.json`: `hidden_dropout_prob`, `attention_probs_dropout_prob`).
    public struct DropoutRates: Sendable, Equatable {
        /// After the embeddings and each sublayer's output projection.
        public var hidden: Float
        /// On the attention probabilities.
        public var attention: Float

        /// Rates as given (0 turns dropout off).
        public init(hidden: Float, attention: Float) {
            self.hidden = hidden
            self.attention = attention
        }

        /// No dropout (evaluation, gradient checks).
        public static let none = DropoutRates(hidden: 0, attention: 0)
    }

    /// Prepares the passes over `parameters`.
    public init(parameters: TrainableParameters) throws {
        // As the inference engine: OpenBLAS single-threaded, products and heads split over the cores here (OpenBLAS's
        // own pool spins in sched_yield between the hundreds of products of a step).
        BLASInfo.preferEngineParallelism()
        self.parameters = parameters
        let c = parameters.configuration
        configuration = c
        embeddings = EmbeddingParameters(parameters)
        layers = (0..<c.layerCount).map { LayerParameters(parameters, layer: $0) }
        head = LinearParameters(parameters, "qa_outputs", outputs: 2, inputs: c.hiddenSize)
        embeddingsTrain = [embeddings.words, embeddings.positions, embeddings.tokenTypes, embeddings.norm.gamma]
            .contains { $0.trainable }
        let lowestTrained = layers.firstIndex { $0.query.weight.trainable } ?? c.layerCount
        backwardStopsAt = embeddingsTrain ? 0 : lowestTrained
    }

    /// Checks ids and labels so no pass reads outside a table.
    func validate(_ batch: [TrainingFeature]) throws {
        let c = configuration
        guard !batch.isEmpty else { throw TrainingError.invalidOption(name: "batch", reason: "no windows") }
        for (index, feature) in batch.enumerated() {
            let length = feature.ids.count
            guard length > 0, length <= c.maxSequenceLength else {
                throw TrainingError.invalidExample(
                    id: "window \(index)", reason: "\(length) tokens; this model takes 1 to \(c.maxSequenceLength)")
            }
            if let bad = feature.ids.first(where: { $0 < 0 || Int($0) >= c.vocabSize }) {
                throw TrainingError.invalidExample(
                    id: "window \(index)", reason: "token id \(bad) outside the vocabulary (0..<\(c.vocabSize))")
            }
            guard (0..<length).contains(feature.startPosition), (0..<length).contains(feature.endPosition) else {
                throw TrainingError.invalidExample(
                    id: "window \(index)",
                    reason:
                        "answer positions \(feature.startPosition)...\(feature.endPosition) outside its \(length) tokens"
                )
            }
        }
    }

    /// Adds the gradients of the batch's mean loss to `parameters` and returns that loss; `dropout` of nil (or
    /// zero rates) runs the model deterministically, otherwise masks come from `seed` and `step`.
    public func accumulate(
        _ batch: [TrainingFeature], dropout rates: DropoutRates = .none, seed: UInt64 = 0, step: Int = 0
    ) throws -> Double {
        try validate(batch)
        let pass = ForwardPass(model: self, batch: batch, rates: rates, seed: seed, step: step)
        pass.run()
        let loss = pass.spanLoss()
        guard loss.isFinite else { throw TrainingError.diverged(step: step, reason: "the loss is \(loss)") }
        pass.backward()
        return loss
    }

    /// The start and end logits of each window (no dropout, no gradients).
    public func logits(_ batch: [TrainingFeature]) throws -> [SpanLogits] {
        try validate(batch)
        let pass = ForwardPass(model: self, batch: batch, rates: .none, seed: 0, step: 0)
        pass.run()
        return pass.windowLogits()
    }
}

/// A Linear layer's parameters.
struct LinearParameters {
    let weight: ParameterTensor
    let bias: ParameterTensor
    let outputs: Int
    let inputs: Int

    init(_ p: TrainableParameters, _ name: String, outputs: Int, inputs: Int) {
        weight = p.required(name + ".weight")
        bias = p.required(name + ".bias")
        self.outputs = outputs
        self.inputs = inputs
    }
}

/// A LayerNorm's parameters.
struct NormParameters {
    let gamma: ParameterTensor
    let beta: ParameterTensor
    let epsilon: Float

    init(_ p: TrainableParameters, _ name: String) {
        gamma = p.required(name + ".weight")
        beta = p.required(name + ".bias")
        epsilon = p.configuration.layerNormEpsilon
    }
}

/// The embedding tables and their LayerNorm.
struct EmbeddingParameters {
    let words: ParameterTensor
    let positions: ParameterTensor
    let tokenTypes: ParameterTensor
    let norm: NormParameters

    init(_ p: TrainableParameters) {
        words = p.required("embeddings.word_embeddings.weight")
        positions = p.required("embeddings.position_embeddings.weight")
        tokenTypes = p.required("embeddings.token_type_embeddings.weight")
        norm = NormParameters(p, "embeddings.LayerNorm")
    }
}

/// One post-LayerNorm transformer block's parameters.
struct LayerParameters {
    let query: LinearParameters
    let key: LinearParameters
    let value: LinearParameters
    let attentionOutput: LinearParameters
    let attentionNorm: NormParameters
    let intermediate: LinearParameters
    let output: LinearParameters
    let outputNorm: NormParameters

    init(_ p: TrainableParameters, layer: Int) {
        let c = p.configuration
        let h = c.hiddenSize
        let prefix = "encoder.layer.\(layer)."
        query = LinearParameters(p, prefix + "attention.self.query", outputs: h, inputs: h)
        key = LinearParameters(p, prefix + "attention.self.key", outputs: h, inputs: h)
        value = LinearParameters(p, prefix + "attention.self.value", outputs: h, inputs: h)
        attentionOutput = LinearParameters(p, prefix + "attention.output.dense", outputs: h, inputs: h)
        attentionNorm = NormParameters(p, prefix + "attention.output.LayerNorm")
        intermediate = LinearParameters(p, prefix + "intermediate.dense", outputs: c.intermediateSize, inputs: h)
        output = LinearParameters(p, prefix + "output.dense", outputs: h, inputs: c.intermediateSize)
        outputNorm = NormParameters(p, prefix + "output.LayerNorm")
    }
}
