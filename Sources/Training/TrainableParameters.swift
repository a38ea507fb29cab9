import Foundation
import Transformer

/// One parameter tensor of the model being trained: its values, and its gradient when it is trained.
public struct ParameterTensor: @unchecked Sendable {
    /// The tensor's name without the encoder prefix (`encoder.layer.0.attention.self.query.weight`, `qa_outputs.bias`).
    public let name: String
    /// The dimensions, outermost first (PyTorch's layout: a Linear weight is `[outputs, inputs]`).
    public let shape: [Int]
    /// Whether the optimizer updates it (false for frozen embeddings or layers).
    public let trainable: Bool
    /// Whether AdamW's weight decay applies (not to biases and LayerNorm weights, as the Hugging Face Trainer does).
    public let decays: Bool
    // Owned by the TrainableParameters that made this tensor; valid for its lifetime.
    let values: UnsafeMutablePointer<Float>
    let gradient: UnsafeMutablePointer<Float>?

    /// The number of elements.
    public var count: Int { shape.reduce(1, *) }
}

/// The parameters of an extractive question-answering model (`XLMRobertaForQuestionAnswering`,
/// `BertForQuestionAnswering`) as mutable fp32 copies, with gradient buffers for the trainable ones.
///
/// A class: the optimizer, the forward and backward passes and the checkpoint writer all work on the same storage.
public final class TrainableParameters: @unchecked Sendable {
    /// Every tensor, in a fixed order (embeddings, layers, QA head).
    public private(set) var tensors: [ParameterTensor] = []
    private var index: [String: Int] = [:]
    private var allocations: [UnsafeMutablePointer<Float>] = []

    /// The model's configuration.
    public let configuration: EncoderConfiguration

    /// Which tensors stay fixed.
    public struct Freezing: Sendable, Equatable {
        /// Keep the word-embedding matrix fixed (it is most of a multilingual model's parameters).
        public var wordEmbeddings: Bool
        /// Keep all embedding tensors (word, position, token type, their LayerNorm) fixed.
        public var allEmbeddings: Bool
        /// Keep the lowest this many encoder layers fixed.
        public var lowestLayers: Int

        /// Nothing frozen unless asked.
        public init(wordEmbeddings: Bool = false, allEmbeddings: Bool = false, lowestLayers: Int = 0) {
            self.wordEmbeddings = wordEmbeddings
            self.allEmbeddings = allEmbeddings
            self.lowestLayers = lowestLayers
        }
    }

    /// Copies the encoder and QA head from `checkpoint`; a missing `qa_outputs` head is initialised as Hugging Face
    /// does (weights normal with `initializerRange`, bias 0) from `seed`. `headInitialised` reports which happened.
    public init(
        checkpoint: Checkpoint, configuration: EncoderConfiguration, freezing: Freezing = Freezing(),
        initializerRange: Float = 0.02, seed: UInt64 = 42
    ) throws {
        self.configuration = configuration
        let c = configuration
        guard freezing.lowestLayers >= 0, freezing.lowestLayers <= c.layerCount else {
            throw TrainingError.invalidOption(
                name: "frozen layers", reason: "\(freezing.lowestLayers) is not between 0 and \(c.layerCount)")
        }
        let prefix = try checkpoint.encoderPrefix()
        let h = c.hiddenSize
        func copy(_ name: String, shape: [Int], trainable: Bool, decays: Bool, legacy: String? = nil) throws {
            let stored = legacy.flatMap {
                !checkpoint.contains(prefix + name) && checkpoint.contains(prefix + $0) ? $0 : nil
            }
            let tensor = try checkpoint.tensor(prefix + (stored ?? name), shape: shape)
            let values = add(name, shape: shape, trainable: trainable, decays: decays)
            tensor.withUnsafeBufferPointer { source in
                guard let base = source.baseAddress else { return }
                values.update(from: base, count: source.count)
            }
        }
        func norm(_ name: String, trainable: Bool) throws {
            try copy(name + ".weight", shape: [h], trainable: trainable, decays: false, legacy: name + ".gamma")
            try copy(name + ".bias", shape: [h], trainable: trainable, decays: false, legacy: name + ".beta")
        }
        func linear(_ name: String, outputs: Int, inputs: Int, trainable: Bool) throws {
            try copy(name + ".weight", shape: [outputs, inputs], trainable: trainable, decays: true)
            try copy(name + ".bias", shape: [outputs], trainable: trainable, decays: false)
        }
        let embeddings = !freezing.allEmbeddings
        try copy(
            "embeddings.word_embeddings.weight", shape: [c.vocabSize, h],
            trainable: embeddings && !freezing.wordEmbeddings, decays: true)
        try copy(
            "embeddings.position_embeddings.weight", shape: [c.maxPositionEmbeddings, h], trainable: embeddings,
            decays: true)
        try copy(
            "embeddings.token_type_embeddings.weight", shape: [c.typeVocabSize, h], trainable: embeddings, decays: true)
        try norm("embeddings.LayerNorm", trainable: embeddings)
        for layer in 0..<c.layerCount {
            let p = "encoder.layer.\(layer)."
            let trainable = layer >= freezing.lowestLayers
            for part in ["query", "key", "value"] {
                try linear(p + "attention.self.\(part)", outputs: h, inputs: h, trainable: trainable)
            }
            try linear(p + "attention.output.dense", outputs: h, inputs: h, trainable: trainable)
            try norm(p + "attention.output.LayerNorm", trainable: trainable)
            try linear(p + "intermediate.dense", outputs: c.intermediateSize, inputs: h, trainable: trainable)
            try linear(p + "output.dense", outputs: h, inputs: c.intermediateSize, trainable: trainable)
            try norm(p + "output.LayerNorm", trainable: trainable)
        }
        if checkpoint.contains("qa_outputs.weight") {
            let weight = try checkpoint.tensor("qa_outputs.weight", shape: [2, h])
            let bias = try checkpoint.tensor("qa_outputs.bias", shape: [2])
            let w = add("qa_outputs.weight", shape: [2, h], trainable: true, decays: true)
            let b = add("qa_outputs.bias", shape: [2], trainable: true, decays: false)
            weight.withUnsafeBufferPointer { w.update(from: $0.baseAddress!, count: 2 * h) }
            bias.withUnsafeBufferPointer { b.update(from: $0.baseAddress!, count: 2) }
            headInitialised = false
        } else {
            let w = add("qa_outputs.weight", shape: [2, h], trainable: true, decays: true)
            let b = add("qa_outputs.bias", shape: [2], trainable: true, decays: false)
            var random = NormalSampler(seed: seed)
            for i in 0..<(2 * h) { w[i] = Float(random.next()) * initializerRange }
            b.update(repeating: 0, count: 2)
            headInitialised = true
        }
    }

    /// Whether `qa_outputs` was missing from the checkpoint (a bare encoder) and was initialised at random.
    public private(set) var headInitialised = false

    deinit { for allocation in allocations { allocation.deallocate() } }

    private func add(_ name: String, shape: [Int], trainable: Bool, decays: Bool) -> UnsafeMutablePointer<Float> {
        let count = shape.reduce(1, *)
        let values = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
        allocations.append(values)
        var gradient: UnsafeMutablePointer<Float>? = nil
        if trainable {
            let g = UnsafeMutablePointer<Float>.allocate(capacity: max(count, 1))
            g.initialize(repeating: 0, count: count)
            allocations.append(g)
            gradient = g
        }
        index[name] = tensors.count
        tensors.append(
            ParameterTensor(
                name: name, shape: shape, trainable: trainable, decays: decays, values: values, gradient: gradient))
        return values
    }

    /// The tensor called `name` (without the encoder prefix).
    public func tensor(_ name: String) -> ParameterTensor? { index[name].map { tensors[$0] } }

    /// The tensor `name`, which the layout guarantees exists.
    func required(_ name: String) -> ParameterTensor {
        guard let position = index[name] else { preconditionFailure("no parameter \(name)") }
        return tensors[position]
    }

    /// A copy of the values of `name`.
    public func values(_ name: String) -> [Float]? {
        tensor(name).map { Array(UnsafeBufferPointer(start: $0.values, count: $0.count)) }
    }

    /// A copy of the gradient of `name` (nil when it is frozen).
    public func gradient(_ name: String) -> [Float]? {
        guard let t = tensor(name), let g = t.gradient else { return nil }
        return Array(UnsafeBufferPointer(start: g, count: t.count))
    }

    /// Replaces the values of `name` (same element count).
    public func setValues(_ name: String, _ values: [Float]) throws {
        guard let t = tensor(name), t.count == values.count else {
            throw TrainingError.checkpointFailed(path: name, reason: "no tensor of \(values.count) elements")
        }
        values.withUnsafeBufferPointer { t.values.update(from: $0.baseAddress!, count: t.count) }
    }

    /// Sets every gradient to zero (before accumulating a batch).
    public func zeroGradients() {
        for t in tensors { t.gradient?.update(repeating: 0, count: t.count) }
    }

    /// The number of trained values.
    public var trainableCount: Int { tensors.reduce(0) { $0 + ($1.trainable ? $1.count : 0) } }
}

/// Standard normal samples (Box–Muller over SplitMix64), deterministic for a seed.
struct NormalSampler {
    private var state: UInt64
    private var spare: Double?

    init(seed: UInt64) { state = seed }

    mutating func next() -> Double {
        if let spare {
            self.spare = nil
            return spare
        }
        let u1 = max(uniform(), 1e-300)
        let u2 = uniform()
        let radius = (-2 * Foundation.log(u1)).squareRoot()
        spare = radius * Foundation.sin(2 * .pi * u2)
        return radius * Foundation.cos(2 * .pi * u2)
    }

    private mutating func uniform() -> Double {
        Double(SplitMix64.mix(&state) >> 11) * 0x1.0p-53
    }
}

/// SplitMix64, the counter-based generator behind dropout masks and shuffling.
enum SplitMix64 {
    /// Advances `state` and returns its next output.
    @inline(__always)
    static func mix(_ state: inout UInt64) -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        return hash(state)
    }

    /// The SplitMix64 finaliser of `value`: a well-mixed 64-bit hash.
    @inline(__always)
    static func hash(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
