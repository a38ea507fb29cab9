import Foundation
import Transformer

/// Inverted dropout with counter-based masks: element `i` of a site is kept or dropped by a hash of (step key,
/// site, i), so the backward pass regenerates exactly the forward pass's mask without storing it, every worker
/// draws independently, and a run is deterministic under its seed whatever the thread count.
struct Dropout: Sendable {
    /// The probability of dropping an element.
    let probability: Float
    /// Mixes the run's seed and the step, so every step draws new masks.
    let key: UInt64
    /// Elements with a 16-bit draw below this are dropped (`probability` quantised to 1/65536).
    private let threshold: UInt64
    /// `1 / (1 - probability)`: kept elements are scaled so the expectation is unchanged.
    let scale: Float

    /// A mask generator for `probability` (0 ≤ p < 1) at one step of a seeded run; nil when it would drop nothing.
    init?(probability: Float, seed: UInt64, step: Int) {
        guard probability > 0 else { return nil }
        self.probability = probability
        key = SplitMix64.hash(seed ^ SplitMix64.hash(UInt64(step) &+ 0x5EED))
        threshold = UInt64((Double(probability) * 65536).rounded())
        scale = 1 / (1 - probability)
    }

    /// A site key for one place dropout is applied (layer, kind, and for attention the sequence and head).
    static func site(_ parts: Int...) -> UInt64 {
        var value: UInt64 = 0x00D2_0F00
        for part in parts { value = SplitMix64.hash(value ^ UInt64(truncatingIfNeeded: part)) }
        return value
    }

    /// `x[i] *= mask(site, first + i) · scale` for `count` elements (forward and backward are the same operation).
    @inline(__always)
    func apply(site: UInt64, first: Int, count: Int, to x: UnsafeMutablePointer<Float>) {
        let base = key ^ site
        var i = 0
        while i < count {
            let group = (first + i) >> 2
            let bits = SplitMix64.hash(base &+ UInt64(group))
            // Four 16-bit draws per hash; `lane` starts where `first + i` sits within its group of four.
            var lane = (first + i) & 3
            while lane < 4 && i < count {
                let draw = (bits >> UInt64(16 * lane)) & 0xFFFF
                x[i] = draw < threshold ? 0 : x[i] * scale
                lane += 1
                i += 1
            }
        }
    }

    /// Applies the mask of `site` to a dense `rows × width` block (element index = row · width + column), rows
    /// spread over the cores.
    func apply(site: UInt64, rows: Int, width: Int, to x: UnsafeMutablePointer<Float>) {
        let shared = SharedPointer(x)
        Parallel.forEachChunk(count: rows, grain: 32) { range in
            let first = range.lowerBound * width
            apply(site: site, first: first, count: range.count * width, to: shared.base + first)
        }
    }
}
