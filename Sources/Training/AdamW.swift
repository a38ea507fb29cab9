import Foundation
import Transformer

/// AdamW as `torch.optim.AdamW` computes it (decoupled weight decay, bias-corrected moments), over the trainable
/// tensors of a `TrainableParameters`, with the Hugging Face Trainer's grouping: no decay on biases and LayerNorm
/// weights.
public struct AdamW: Sendable {
    /// The hyperparameters.
    public struct Options: Sendable, Equatable, Codable {
        /// The peak learning rate (the schedule scales it).
        public var learningRate: Double
        /// β₁ and β₂.
        public var betas: (Double, Double)
        /// Added to the denominator.
        public var epsilon: Double
        /// Decoupled weight decay (0.01 in the recipe; Hugging Face's default is 0).
        public var weightDecay: Double

        /// PyTorch's defaults but for the learning rate and decay.
        public init(
            learningRate: Double, betas: (Double, Double) = (0.9, 0.999), epsilon: Double = 1e-8,
            weightDecay: Double = 0.01
        ) {
            self.learningRate = learningRate
            self.betas = betas
            self.epsilon = epsilon
            self.weightDecay = weightDecay
        }

        public static func == (a: Options, b: Options) -> Bool {
            a.learningRate == b.learningRate && a.betas == b.betas && a.epsilon == b.epsilon
                && a.weightDecay == b.weightDecay
        }

        private enum CodingKeys: String, CodingKey { case learningRate, beta1, beta2, epsilon, weightDecay }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            learningRate = try c.decode(Double.self, forKey: .learningRate)
            betas = (try c.decode(Double.self, forKey: .beta1), try c.decode(Double.self, forKey: .beta2))
            epsilon = try c.decode(Double.self, forKey: .epsilon)
            weightDecay = try c.decode(Double.self, forKey: .weightDecay)
        }

        public func encode(to encoder: any Encoder) throws {
            var c = encoder.container(keyedBy: CodingKeys.self)
            try c.encode(learningRate, forKey: .learningRate)
            try c.encode(betas.0, forKey: .beta1)
            try c.encode(betas.1, forKey: .beta2)
            try c.encode(epsilon, forKey: .epsilon)
            try c.encode(weightDecay, forKey: .weightDecay)
        }
    }

    /// The hyperparameters.
    public let options: Options
    /// Updates taken so far (PyTorch's per-parameter `step`, equal for all here).
    public private(set) var step: Int = 0
    /// First and second moments per trainable tensor, by name.
    public private(set) var moments: [String: (first: [Float], second: [Float])] = [:]

    /// An optimizer with zero moments.
    public init(options: Options) { self.options = options }

    /// Restores moments and the step count saved by a checkpoint.
    public init(options: Options, step: Int, moments: [String: (first: [Float], second: [Float])]) {
        self.options = options
        self.step = step
        self.moments = moments
    }

    /// One update of every trainable tensor of `parameters` from its gradient, at `learningRate`.
    public mutating func update(_ parameters: TrainableParameters, learningRate: Double) {
        step += 1
        let (beta1, beta2) = options.betas
        let correction1 = 1 - Foundation.pow(beta1, Double(step))
        let correction2Root = (1 - Foundation.pow(beta2, Double(step))).squareRoot()
        // Float32 like PyTorch's update of float32 tensors, with its operation order.
        let stepSize = Float(learningRate / correction1)
        let b1 = Float(beta1)
        let b2 = Float(beta2)
        let epsilon = Float(options.epsilon)
        let root2 = Float(correction2Root)
        for tensor in parameters.tensors {
            guard let gradient = tensor.gradient else { continue }
            let count = tensor.count
            var (m, v) =
                moments[tensor.name] ?? ([Float](repeating: 0, count: count), [Float](repeating: 0, count: count))
            moments[tensor.name] = nil  // updated in place below without a copy
            let decay = tensor.decays ? Float(1 - learningRate * options.weightDecay) : 1
            let values = SharedPointer(tensor.values)
            let grads = UncheckedSendable(UnsafePointer(gradient))
            m.withUnsafeMutableBufferPointer { first in
                v.withUnsafeMutableBufferPointer { second in
                    let mp = SharedPointer(first.baseAddress!)
                    let vp = SharedPointer(second.baseAddress!)
                    Parallel.forEachChunk(count: count, grain: 1 << 14) { range in
                        let p = values.base
                        let g = grads.value
                        for i in range {
                            p[i] *= decay
                            mp.base[i] = mp.base[i] * b1 + (1 - b1) * g[i]
                            vp.base[i] = vp.base[i] * b2 + (1 - b2) * g[i] * g[i]
                            let denominator = vp.base[i].squareRoot() / root2 + epsilon
                            p[i] -= stepSize * (mp.base[i] / denominator)
                        }
                    }
                }
            }
            moments[tensor.name] = (m, v)
        }
    }
}

/// `get_linear_schedule_with_warmup`: the learning rate rises linearly from 0 over the warm-up steps, then falls
/// linearly to 0 at the last step. Step `s` (0-based) is the `s`-th update, so the first update uses 0 when warming up.
public struct LinearWarmupSchedule: Sendable, Equatable, Codable {
    /// The peak learning rate.
    public var peak: Double
    /// Updates spent warming up.
    public var warmupSteps: Int
    /// All updates of the run.
    public var totalSteps: Int

    /// A schedule over `totalSteps` updates.
    public init(peak: Double, warmupSteps: Int, totalSteps: Int) {
        self.peak = peak
        self.warmupSteps = warmupSteps
        self.totalSteps = totalSteps
    }

    /// The learning rate of update `step`.
    public func learningRate(at step: Int) -> Double {
        if step < warmupSteps { return peak * Double(step) / Double(max(1, warmupSteps)) }
        return peak * max(0, Double(totalSteps - step) / Double(max(1, totalSteps - warmupSteps)))
    }
}

/// Gradient clipping by the global L2 norm, as `torch.nn.utils.clip_grad_norm_`.
public enum GradientClipping {
    /// Scales every gradient so their global norm is at most `maxNorm` and returns the norm before clipping.
    @discardableResult
    public static func clip(_ parameters: TrainableParameters, maxNorm: Double) -> Double {
        var squares: Double = 0
        for tensor in parameters.tensors {
            guard let g = tensor.gradient else { continue }
            var sum: Double = 0
            for i in 0..<tensor.count { sum += Double(g[i]) * Double(g[i]) }
            squares += sum
        }
        let norm = squares.squareRoot()
        let coefficient = Float(min(1, maxNorm / (norm + 1e-6)))
        if coefficient < 1 {
            for tensor in parameters.tensors {
                guard let g = tensor.gradient else { continue }
                for i in 0..<tensor.count { g[i] *= coefficient }
            }
        }
        return norm
    }
}
