import Foundation

/// A PyTorch `Linear`: weight `[outputs, inputs]` and bias `[outputs]`.
struct LinearWeights: Sendable {
    /// The weight as loaded: fp32, or bf16/int8 as stored when the layer runs in that precision.
    let stored: StoredWeight
    let bias: FloatTensor
    let inputs: Int
    let outputs: Int

    /// The weight in fp32 (what OpenBLAS reads; a view, not a copy, for fp32 layers).
    var weight: FloatTensor { stored.floats }

    init(_ checkpoint: Checkpoint, _ name: String, outputs: Int, inputs: Int, precision: Precision = .fp32) throws {
        stored = try StoredWeight(checkpoint, name + ".weight", outputs: outputs, inputs: inputs, precision: precision)
        bias = try checkpoint.tensor(name + ".bias", shape: [outputs])
        self.inputs = inputs
        self.outputs = outputs
    }
}

/// A `LayerNorm` (also accepts the old TensorFlow-converted `gamma`/`beta` names).
struct LayerNormWeights: Sendable {
    let gamma: FloatTensor
    let beta: FloatTensor
    let epsilon: Float

    init(_ checkpoint: Checkpoint, _ name: String, width: Int, epsilon: Float) throws {
        let legacy = !checkpoint.contains(name + ".weight") && checkpoint.contains(name + ".gamma")
        gamma = try checkpoint.tensor(name + (legacy ? ".gamma" : ".weight"), shape: [width])
        beta = try checkpoint.tensor(name + (legacy ? ".beta" : ".bias"), shape: [width])
        self.epsilon = epsilon
    }
}

/// One transformer block (post-LayerNorm, as BERT and RoBERTa).
struct EncoderLayerWeights: Sendable {
    let query: LinearWeights
    let key: LinearWeights
    let value: LinearWeights
    let attentionOutput: LinearWeights
    let attentionNorm: LayerNormWeights
    let intermediate: LinearWeights
    let output: LinearWeights
    let outputNorm: LayerNormWeights
    /// The dense layers packed for a lower precision (nil in fp32, which reads the checkpoint through OpenBLAS).
    let packed: PackedLayer?

    /// The block's products packed for oneDNN: Q, K and V fused into one `[3h, h]` weight, so one product over
    /// the layer's input fills the `[tokens, 3h]` buffer attention reads.
    struct PackedLayer: Sendable {
        let queryKeyValue: PackedLinear
        let attentionOutput: PackedLinear
        let intermediate: PackedLinear
        /// nil when the precision runs it in fp32 (`Precision.feedForwardOutputPrecision`): OpenBLAS reads `output`.
        let output: PackedLinear?
    }

    init(
        _ checkpoint: Checkpoint, prefix: String, configuration c: EncoderConfiguration, precision: Precision = .fp32
    ) throws {
        let h = c.hiddenSize
        query = try LinearWeights(
            checkpoint, prefix + "attention.self.query", outputs: h, inputs: h, precision: precision)
        key = try LinearWeights(
            checkpoint, prefix + "attention.self.key", outputs: h, inputs: h, precision: precision)
        value = try LinearWeights(
            checkpoint, prefix + "attention.self.value", outputs: h, inputs: h, precision: precision)
        attentionOutput = try LinearWeights(
            checkpoint, prefix + "attention.output.dense", outputs: h, inputs: h, precision: precision)
        attentionNorm = try LayerNormWeights(
            checkpoint, prefix + "attention.output.LayerNorm", width: h, epsilon: c.layerNormEpsilon)
        intermediate = try LinearWeights(
            checkpoint, prefix + "intermediate.dense", outputs: c.intermediateSize, inputs: h, precision: precision)
        output = try LinearWeights(
            checkpoint, prefix + "output.dense", outputs: h, inputs: c.intermediateSize,
            precision: precision.feedForwardOutputPrecision)
        outputNorm = try LayerNormWeights(
            checkpoint, prefix + "output.LayerNorm", width: h, epsilon: c.layerNormEpsilon)
        guard precision != .fp32 else {
            packed = nil
            return
        }
        packed = PackedLayer(
            queryKeyValue: try PackedLinear(
                stacking: [query.stored, key.stored, value.stored], name: prefix + "attention.self.{query,key,value}",
                precision: precision),
            attentionOutput: try PackedLinear(
                stacking: [attentionOutput.stored], name: prefix + "attention.output.dense", precision: precision),
            intermediate: try PackedLinear(
                stacking: [intermediate.stored], name: prefix + "intermediate.dense", precision: precision),
            output: precision.feedForwardOutputPrecision == .fp32
                ? nil
                : try PackedLinear(
                    stacking: [output.stored], name: prefix + "output.dense",
                    precision: precision.feedForwardOutputPrecision))
        for linear in [query, key, value, attentionOutput, intermediate] + (packed?.output == nil ? [] : [output]) {
            linear.stored.releaseResidentPages()
        }
    }
}

/// Word, position and token-type embeddings with their LayerNorm.
struct EmbeddingWeights: Sendable {
    let words: FloatTensor
    let positions: FloatTensor
    let tokenTypes: FloatTensor
    let norm: LayerNormWeights

    init(_ checkpoint: Checkpoint, prefix: String, configuration c: EncoderConfiguration) throws {
        let h = c.hiddenSize
        words = try checkpoint.tensor(prefix + "embeddings.word_embeddings.weight", shape: [c.vocabSize, h])
        positions = try checkpoint.tensor(
            prefix + "embeddings.position_embeddings.weight", shape: [c.maxPositionEmbeddings, h])
        tokenTypes = try checkpoint.tensor(
            prefix + "embeddings.token_type_embeddings.weight", shape: [c.typeVocabSize, h])
        norm = try LayerNormWeights(checkpoint, prefix + "embeddings.LayerNorm", width: h, epsilon: c.layerNormEpsilon)
    }
}
