import Crypto
import Foundation
import Transformer

/// The hyperparameters of a fine-tuning run.
public struct TrainingOptions: Sendable, Equatable {
    /// Windows per update.
    public var batchSize: Int
    /// Updates in all.
    public var steps: Int
    /// AdamW's hyperparameters (the peak learning rate among them).
    public var optimizer: AdamW.Options
    /// The share of `steps` spent warming the learning rate up (0 ≤ r < 1).
    public var warmupRatio: Double
    /// The largest global gradient norm (gradients are scaled down to it); nil or 0 turns clipping off.
    public var maxGradientNorm: Double?
    /// Dropout during training (the model's config by default).
    public var dropout: QuestionAnsweringGradients.DropoutRates
    /// Seeds shuffling and dropout.
    public var seed: UInt64

    /// Options; the defaults are the Hugging Face Trainer's but for warm-up (10 %) and weight decay (0.01).
    public init(
        batchSize: Int = 16, steps: Int, optimizer: AdamW.Options = AdamW.Options(learningRate: 5e-5),
        warmupRatio: Double = 0.1, maxGradientNorm: Double? = 1, dropout: QuestionAnsweringGradients.DropoutRates,
        seed: UInt64 = 42
    ) {
        self.batchSize = batchSize
        self.steps = steps
        self.optimizer = optimizer
        self.warmupRatio = warmupRatio
        self.maxGradientNorm = maxGradientNorm
        self.dropout = dropout
        self.seed = seed
    }

    /// Checks the ranges.
    public func validate() throws(TrainingError) {
        guard batchSize >= 1 else { throw .invalidOption(name: "batch size", reason: "\(batchSize) is below 1") }
        guard steps >= 1 else { throw .invalidOption(name: "steps", reason: "\(steps) is below 1") }
        guard optimizer.learningRate > 0, optimizer.learningRate.isFinite else {
            throw .invalidOption(name: "learning rate", reason: "\(optimizer.learningRate) is not positive")
        }
        guard warmupRatio >= 0, warmupRatio < 1 else {
            throw .invalidOption(name: "warm-up ratio", reason: "\(warmupRatio) is not in [0, 1)")
        }
        guard optimizer.weightDecay >= 0 else {
            throw .invalidOption(name: "weight decay", reason: "\(optimizer.weightDecay) is negative")
        }
        for (name, rate) in [("hidden dropout", dropout.hidden), ("attention dropout", dropout.attention)]
        where !(rate >= 0 && rate < 1) {
            throw .invalidOption(name: name, reason: "\(rate) is not in [0, 1)")
        }
    }

    /// The learning-rate schedule of these options.
    public var schedule: LinearWarmupSchedule {
        LinearWarmupSchedule(
            peak: optimizer.learningRate, warmupSteps: Int((Double(steps) * warmupRatio).rounded(.up)),
            totalSteps: steps)
    }
}

/// What one update did.
public struct StepReport: Sendable, Equatable {
    /// The update's 0-based index.
    public var step: Int
    /// The batch's mean loss before the update.
    public var loss: Double
    /// The global gradient norm before clipping.
    public var gradientNorm: Double
    /// The learning rate used.
    public var learningRate: Double
    /// Windows in the batch.
    public var windows: Int
}

/// Runs updates over shuffled mini-batches: forward and backward pass, clipping, AdamW at the scheduled rate.
///
/// The batch of update `s` is a pure function of the seed and `s` (epoch `s / batchesPerEpoch` is one seeded
/// permutation of the windows), and so are its dropout masks, so a run resumed from a checkpoint takes exactly the
/// updates the uninterrupted run would have.
public struct TrainingLoop: Sendable {
    /// The passes over the model.
    public let gradients: QuestionAnsweringGradients
    /// Every training window.
    public let features: [TrainingFeature]
    /// The hyperparameters.
    public let options: TrainingOptions
    /// The optimizer's moments and step count.
    public private(set) var optimizer: AdamW
    /// Updates done.
    public var step: Int { optimizer.step }

    /// A loop at update 0, or at the optimizer's step when resuming.
    public init(
        gradients: QuestionAnsweringGradients, features: [TrainingFeature], options: TrainingOptions,
        optimizer: AdamW? = nil
    ) throws(TrainingError) {
        try options.validate()
        guard !features.isEmpty else { throw .invalidOption(name: "data", reason: "no training windows") }
        self.gradients = gradients
        self.features = features
        self.options = options
        self.optimizer = optimizer ?? AdamW(options: options.optimizer)
    }

    /// Batches in one pass over the data (the last one may be smaller).
    public var batchesPerEpoch: Int { (features.count + options.batchSize - 1) / options.batchSize }

    /// The windows of update `step`.
    public func batch(at step: Int) -> [TrainingFeature] {
        let epoch = step / batchesPerEpoch
        let index = step % batchesPerEpoch
        let order = Self.permutation(count: features.count, seed: options.seed, epoch: epoch)
        let start = index * options.batchSize
        return order[start..<min(start + options.batchSize, order.count)].map { features[$0] }
    }

    /// A seeded Fisher–Yates permutation of `0..<count` for one epoch.
    static func permutation(count: Int, seed: UInt64, epoch: Int) -> [Int] {
        var order = Array(0..<count)
        var state = SplitMix64.hash(seed ^ SplitMix64.hash(UInt64(epoch) &+ 0xE90C))
        if count > 1 {
            for i in stride(from: count - 1, to: 0, by: -1) {
                let j = Int(SplitMix64.mix(&state) % UInt64(i + 1))
                order.swapAt(i, j)
            }
        }
        return order
    }

    /// Takes the next update.
    public mutating func next() throws -> StepReport {
        let step = optimizer.step
        let batch = batch(at: step)
        let parameters = gradients.parameters
        parameters.zeroGradients()
        let loss = try gradients.accumulate(batch, dropout: options.dropout, seed: options.seed, step: step)
        let norm: Double
        if let maxNorm = options.maxGradientNorm, maxNorm > 0 {
            norm = GradientClipping.clip(parameters, maxNorm: maxNorm)
        } else {
            norm = GradientClipping.clip(parameters, maxNorm: .infinity)
        }
        guard norm.isFinite else { throw TrainingError.diverged(step: step, reason: "the gradient norm is \(norm)") }
        let rate = options.schedule.learningRate(at: step)
        optimizer.update(parameters, learningRate: rate)
        return StepReport(step: step, loss: loss, gradientNorm: norm, learningRate: rate, windows: batch.count)
    }

    /// A digest of the windows (ids and labels), which a resumed run checks against its checkpoint's.
    public static func digest(_ features: [TrainingFeature]) -> String {
        var hasher = SHA256()
        for feature in features {
            let header = [Int64(feature.ids.count), Int64(feature.startPosition), Int64(feature.endPosition)]
            header.withUnsafeBytes { hasher.update(bufferPointer: $0) }
            feature.ids.withUnsafeBytes { hasher.update(bufferPointer: $0) }
        }
        return hasher.finalize().map { String(format: "%02x", $0) }.joined()
    }
}
