import Transformer

/// How far apart two float32 evaluations of the same computation may be when they differ only in the order of
/// their sums (another BLAS kernel, another number of rows in a matrix product, another thread split).
///
/// Error model (Higham, *Accuracy and Stability of Numerical Algorithms*, §3.1): a float32 dot product
/// `s = Σ aᵢbᵢ` of length n, summed in any order, is within `γₙ·Σ|aᵢbᵢ|` of the exact value, where
/// `γₙ = n·u / (1 − n·u)` and `u = 2⁻²⁴`. Rounding errors of random sign grow like a random walk, so the realistic
/// bound is `√n·u·Σ|aᵢbᵢ|` (Higham & Mary, *A New Approach to Probabilistic Rounding Error Analysis*, 2019). Two
/// evaluations in different orders are each that close to the exact value, so they differ by at most twice it.
///
/// A network chains reductions: every error made upstream is carried into the compared value, and LayerNorm keeps
/// activations at a fixed scale, so neither amplifies nor damps it much. Treating the roundings on the path as
/// independent, their number is the sum `N = Σₖ nₖ` of the reduction lengths along the path, and
///
///     atol = safety · 2 · √N · u · magnitude
///
/// where `magnitude` stands for `Σ|aᵢbᵢ|` at the compared values' scale (the largest |value| compared is used) and
/// `safety` (default 4) covers cancellation (`Σ|aᵢbᵢ|` larger than `|Σ aᵢbᵢ|`) and the tails of the distribution.
/// The worst case `γ_N` (no √) is the ceiling that a bound must never need; `worstCase` gives it for comparison.
///
/// It lives in TestSupport because every suite comparing float32 results of another order of sums needs it: the
/// encoder's (TransformerTests), the vector index's dot products against FAISS-in-Python (RetrievalTests).
///
/// Such a bound stays meaningful: a real bug (a skipped LayerNorm, a token swapped, keys of a neighbouring
/// sequence in the attention) moves values by a sizeable fraction of `magnitude`, orders of magnitude above it.
public struct RoundingTolerance: Sendable {
    /// Unit roundoff of float32: half the distance from 1 to the next float.
    public static let unitRoundoff: Double = 0x1p-24

    /// Lengths of the reductions on the path from the inputs to one compared value.
    public var reductionLengths: [Int]
    /// Multiplier over the probabilistic bound (cancellation and tails).
    public var safety: Double = 4

    /// A path through reductions of these lengths.
    public init(reductionLengths: [Int], safety: Double = 4) {
        self.reductionLengths = reductionLengths
        self.safety = safety
    }

    /// The total number of roundings on the path, `N = Σₖ nₖ`.
    public var roundings: Int { reductionLengths.reduce(0, +) }

    /// The absolute bound for values of size `magnitude` (see the type's documentation).
    public func absolute(magnitude: Float) -> Float {
        Float(safety * 2 * Double(roundings).squareRoot() * Self.unitRoundoff * Double(magnitude))
    }

    /// The deterministic ceiling `2·γ_N·magnitude`, which `absolute(magnitude:)` stays below.
    public func worstCase(magnitude: Float) -> Float {
        let n = Double(roundings) * Self.unitRoundoff
        return Float(2 * n / (1 - n) * Double(magnitude))
    }

    /// The bound for `absolute(magnitude:)` at the largest |value| of `values`.
    public func absolute(around values: [Float]) -> Float {
        absolute(magnitude: values.reduce(0) { max($0, abs($1)) })
    }

    /// The reductions of a post-LayerNorm encoder over a sequence of `tokens`, up to its last hidden states: per
    /// layer the Q/K/V projection (hidden), the attention scores (head size), the weighted sum of values (tokens),
    /// the attention output (hidden), the feed-forward input (hidden) and output (intermediate), and the LayerNorm
    /// means (hidden, twice: mean and variance).
    public static func encoder(_ configuration: EncoderConfiguration, tokens: Int, safety: Double = 4)
        -> RoundingTolerance
    {
        let h = configuration.hiddenSize
        let perLayer = [h, configuration.headSize, tokens, h, h, configuration.intermediateSize, h, h]
        let layers = Array(repeating: perLayer, count: configuration.layerCount).flatMap { $0 }
        return RoundingTolerance(reductionLengths: [h, h] + layers, safety: safety)
    }

    /// This path followed by one more reduction of `length` (a head, a pooling, a normalisation).
    public func then(_ length: Int) -> RoundingTolerance {
        RoundingTolerance(reductionLengths: reductionLengths + [length], safety: safety)
    }
}
