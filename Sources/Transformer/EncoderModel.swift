import COpenBLAS
import Foundation

/// An XLM-RoBERTa, RoBERTa or BERT encoder running on the CPU through OpenBLAS.
///
/// Sequences of one call are packed without padding: every dense layer is one matrix product over all
/// tokens of the batch (`cblas_sgemm` on the transposed, memory-mapped weight; one call per core), and
/// attention runs per (sequence, head) on that sequence's tokens only, which equals Hugging Face's
/// padded computation with its additive dtype-minimum mask (masked keys get probability exactly 0)
/// without the wasted work. Weights stay in the memory-mapped checkpoint.
///
/// Loading a model switches OpenBLAS to one thread (see `BLASInfo.preferEngineParallelism()`): the
/// encoder then splits every product over the cores itself and runs attention heads concurrently,
/// which avoids OpenBLAS's spinning thread pool between the many products of a forward pass.
public final class EncoderModel: Sendable {
    /// The model's `config.json`.
    public let configuration: EncoderConfiguration
    /// The weights (heads read their own tensors from it).
    public let checkpoint: Checkpoint
    /// The arithmetic of the dense layers.
    public let precision: Precision
    let embeddings: EmbeddingWeights
    let layers: [EncoderLayerWeights]
    private let scratch = ScratchPool()

    /// Loads the encoder of the model in `directory`, its dense layers in `precision`.
    public convenience init(directory: ModelDirectory, precision: Precision = .fp32) throws {
        try self.init(checkpoint: directory.checkpoint(), configuration: directory.config, precision: precision)
    }

    /// Loads the encoder from `checkpoint`, checking every tensor's shape against `configuration`; bf16 and int8
    /// convert (and pack) the dense layers' weights once, here.
    public init(checkpoint: Checkpoint, configuration: EncoderConfiguration, precision: Precision = .fp32) throws {
        BLASInfo.preferEngineParallelism()
        try configuration.validate(
            path: checkpoint.url.deletingLastPathComponent().appendingPathComponent("config.json").path)
        let prefix = try checkpoint.encoderPrefix()
        self.configuration = configuration
        self.checkpoint = checkpoint
        self.precision = precision
        embeddings = try EmbeddingWeights(checkpoint, prefix: prefix, configuration: configuration)
        // One layer at a time: `map` over the range would first reserve room for `num_hidden_layers` layers, so a
        // config.json claiming 10^15 of them would exhaust memory before the first missing tensor is noticed.
        var layers: [EncoderLayerWeights] = []
        for index in 0..<configuration.layerCount {
            layers.append(
                try EncoderLayerWeights(
                    checkpoint, prefix: "\(prefix)encoder.layer.\(index).", configuration: configuration,
                    precision: precision))
        }
        self.layers = layers
    }

    /// The last hidden states of each sequence (one forward pass over all of them), in the caller's order.
    public func hiddenStates(_ sequences: [[Int32]]) throws -> [HiddenStates] {
        let packed = try forward(sequences)
        return (0..<packed.count).map(packed.sequence)
    }

    /// The last hidden states of each sequence, run in batches chosen by `planner`, in the caller's order.
    public func hiddenStates(_ sequences: [[Int32]], planner: BatchPlanner) throws -> [HiddenStates] {
        try planner.map(sequences, length: \.count) { try hiddenStates($0) }
    }

    /// Position ids as Hugging Face computes them (`EncoderConfiguration.positionIDs(for:)`).
    public func positionIDs(for sequence: [Int32]) -> [Int] { configuration.positionIDs(for: sequence) }

    /// Checks ids and lengths so the forward pass never reads outside a table.
    func validate(_ sequences: [[Int32]]) throws {
        let c = configuration
        for (index, sequence) in sequences.enumerated() {
            guard !sequence.isEmpty else { throw TransformerError.invalidInput(reason: "sequence \(index) is empty") }
            guard sequence.count <= c.maxSequenceLength else {
                throw TransformerError.invalidInput(
                    reason:
                        "sequence \(index) has \(sequence.count) tokens; this model takes at most \(c.maxSequenceLength)"
                )
            }
            if let bad = sequence.first(where: { $0 < 0 || Int($0) >= c.vocabSize }) {
                throw TransformerError.invalidInput(
                    reason: "sequence \(index) has token id \(bad) outside the vocabulary (0..<\(c.vocabSize))")
            }
        }
    }

    /// The forward pass over all `sequences`, packed (no padding rows).
    package func forward(_ sequences: [[Int32]]) throws -> PackedHiddenStates {
        try validate(sequences)
        var offsets = [0]
        offsets.reserveCapacity(sequences.count + 1)
        for sequence in sequences { offsets.append(offsets[offsets.count - 1] + sequence.count) }
        let tokens = offsets[offsets.count - 1]
        let h = configuration.hiddenSize
        guard tokens > 0 else { return PackedHiddenStates(values: [], offsets: offsets, hiddenSize: h) }
        let values = try [Float](unsafeUninitializedCapacity: tokens * h) { buffer, initialized in
            // tokens > 0 and h > 0 (validated), so the buffer has a base address.
            guard let hidden = buffer.baseAddress else { return }
            try withWorkspace(tokens: tokens, longest: sequences.map(\.count).max() ?? 0) { workspace in
                embed(sequences, into: hidden)
                for layer in layers {
                    if let packed = layer.packed {
                        try run(layer, packed: packed, hidden: hidden, offsets: offsets, workspace: workspace)
                    } else {
                        run(layer, hidden: hidden, offsets: offsets, workspace: workspace)
                    }
                }
            }
            initialized = tokens * h
        }
        return PackedHiddenStates(values: values, offsets: offsets, hiddenSize: h)
    }

    /// Scratch buffers for one forward pass, reused by every layer.
    struct Workspace {
        let qkv: UnsafeMutablePointer<Float>
        let context: UnsafeMutablePointer<Float>
        let projected: UnsafeMutablePointer<Float>
        let intermediate: UnsafeMutablePointer<Float>
        let scores: UnsafeMutablePointer<Float>
        /// The inputs of bf16 and int8 products (nil in fp32).
        let prepared: ActivationBuffer?
    }

    private func withWorkspace(tokens: Int, longest: Int, _ body: (Workspace) throws -> Void) rethrows {
        let c = configuration
        let sizes = [
            tokens * 3 * c.hiddenSize, tokens * c.hiddenSize, tokens * c.hiddenSize, tokens * c.intermediateSize,
            c.headCount * longest * longest,
        ]
        let prepared =
            precision == .fp32 ? nil : ActivationBuffer(rows: tokens, columns: max(c.hiddenSize, c.intermediateSize))
        try scratch.withScratch(capacity: sizes.reduce(0, +)) { pool in
            var cursor = pool
            var parts: [UnsafeMutablePointer<Float>] = []
            for size in sizes {
                parts.append(cursor)
                cursor += size
            }
            try body(
                Workspace(
                    qkv: parts[0], context: parts[1], projected: parts[2], intermediate: parts[3], scores: parts[4],
                    prepared: prepared))
        }
    }

    /// Word + token type (0) + position embeddings, then LayerNorm, one row per token.
    private func embed(_ sequences: [[Int32]], into hidden: UnsafeMutablePointer<Float>) {
        let h = configuration.hiddenSize
        var rows: [(id: Int, position: Int)] = []
        rows.reserveCapacity(sequences.reduce(0) { $0 + $1.count })
        for sequence in sequences {
            for (id, position) in zip(sequence, positionIDs(for: sequence)) { rows.append((Int(id), position)) }
        }
        let shared = SharedPointer(hidden)
        // The model owns these tensors, so their storage outlives the loop; only looked-up rows are touched.
        let words = embeddings.words.pointer
        let positions = embeddings.positions.pointer
        let type = embeddings.tokenTypes.pointer
        let gamma = embeddings.norm.gamma.pointer
        let beta = embeddings.norm.beta.pointer
        let epsilon = embeddings.norm.epsilon
        Parallel.forEachChunk(count: rows.count, grain: 32) { range in
            for row in range {
                let out = shared.base + row * h
                let word = words + rows[row].id * h
                let position = positions + rows[row].position * h
                for i in 0..<h { out[i] = (word[i] + type[i]) + position[i] }
                Kernels.layerNormRow(out, width: h, gamma: gamma, beta: beta, epsilon: epsilon, output: out)
            }
        }
    }

    /// One post-LayerNorm transformer block, in place on `hidden`.
    private func run(
        _ layer: EncoderLayerWeights, hidden: UnsafeMutablePointer<Float>, offsets: [Int], workspace w: Workspace
    ) {
        let c = configuration
        let h = c.hiddenSize
        let tokens = offsets[offsets.count - 1]
        // Q, K and V side by side in one [tokens, 3h] buffer, so each head is a strided sgemm operand.
        for (part, linear) in [layer.query, layer.key, layer.value].enumerated() {
            Kernels.broadcastRows(linear.bias.pointer, width: h, rows: tokens, into: w.qkv + part * h, ldy: 3 * h)
            Kernels.multiplyTransposed(
                hidden, rows: tokens, inner: h, ldx: h, weight: linear.weight.pointer, outputs: h,
                into: w.qkv + part * h, ldy: 3 * h, beta: 1)
        }
        attention(offsets: offsets, workspace: w)
        Kernels.multiplyTransposed(
            w.context, rows: tokens, inner: h, ldx: h, weight: layer.attentionOutput.weight.pointer, outputs: h,
            into: w.projected, ldy: h)
        Kernels.biasResidualLayerNorm(
            w.projected, bias: layer.attentionOutput.bias.pointer, residual: hidden, rows: tokens, width: h,
            gamma: layer.attentionNorm.gamma.pointer, beta: layer.attentionNorm.beta.pointer,
            epsilon: layer.attentionNorm.epsilon)
        Kernels.multiplyTransposed(
            hidden, rows: tokens, inner: h, ldx: h, weight: layer.intermediate.weight.pointer,
            outputs: c.intermediateSize,
            into: w.intermediate, ldy: c.intermediateSize)
        Kernels.biasActivation(
            w.intermediate, rows: tokens, width: c.intermediateSize, bias: layer.intermediate.bias.pointer,
            activation: c.activation)
        Kernels.multiplyTransposed(
            w.intermediate, rows: tokens, inner: c.intermediateSize, ldx: c.intermediateSize,
            weight: layer.output.weight.pointer, outputs: h, into: w.projected, ldy: h)
        Kernels.biasResidualLayerNorm(
            w.projected, bias: layer.output.bias.pointer, residual: hidden, rows: tokens, width: h,
            gamma: layer.outputNorm.gamma.pointer, beta: layer.outputNorm.beta.pointer,
            epsilon: layer.outputNorm.epsilon)
    }

    /// Scaled dot-product attention per sequence and head: `softmax(Q Kᵀ / √d) V` into `workspace.context`.
    func attention(offsets: [Int], workspace w: Workspace) {
        let c = configuration
        let h = c.hiddenSize
        let d = c.headSize
        let scale = 1 / Float(d).squareRoot()
        let qkv = SharedPointer(w.qkv)
        let scores = SharedPointer(w.scores)
        let context = SharedPointer(w.context)
        /// One head of one sequence, using that head's private `length × length` score block.
        @Sendable func head(_ head: Int, start: Int, length: Int, parallelSoftmax: Bool) {
            let rows = qkv.base + start * 3 * h
            let block = scores.base + head * length * length
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasTrans, Int32(length), Int32(length), Int32(d),
                scale, rows + head * d, Int32(3 * h), rows + h + head * d, Int32(3 * h), 0, block, Int32(length))
            if parallelSoftmax {
                Kernels.softmaxRows(block, rows: length, width: length)
            } else {
                Kernels.softmaxRowsSerial(block, rows: 0..<length, width: length)
            }
            cblas_sgemm(
                CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(length), Int32(d), Int32(length),
                1, block, Int32(length), rows + 2 * h + head * d, Int32(3 * h), 0,
                context.base + start * h + head * d, Int32(h))
        }
        let splits = Parallel.splitsProducts
        for index in 0..<(offsets.count - 1) {
            let start = offsets[index]
            let length = offsets[index + 1] - start
            if splits {
                // Single-threaded OpenBLAS: heads run concurrently, each on its own score block.
                DispatchQueue.concurrentPerform(iterations: c.headCount) { index in
                    head(index, start: start, length: length, parallelSoftmax: false)
                }
            } else {
                for index in 0..<c.headCount { head(index, start: start, length: length, parallelSoftmax: true) }
            }
        }
    }
}
