import Foundation
import Transformer

/// Buffers of forward and backward passes: a bump allocator over memory kept from pass to pass, so a training run
/// touches the same resident pages every update instead of mapping and faulting in a gigabyte per step.
final class Arena {
    private var chunks: [(base: UnsafeMutablePointer<Float>, capacity: Int)] = []
    private var chunk = 0
    private var used = 0

    /// `count` uninitialised floats (at least one, so every buffer has an address), 16-float aligned.
    func floats(_ count: Int) -> UnsafeMutablePointer<Float> {
        let size = (max(count, 1) + 15) / 16 * 16
        while chunk < chunks.count && used + size > chunks[chunk].capacity {
            chunk += 1
            used = 0
        }
        if chunk == chunks.count {
            let capacity = max(size, 1 << 20)
            chunks.append((UnsafeMutablePointer<Float>.allocate(capacity: capacity), capacity))
            used = 0
        }
        let pointer = chunks[chunk].base + used
        used += size
        return pointer
    }

    /// `count` floats set to zero.
    func zeros(_ count: Int) -> UnsafeMutablePointer<Float> {
        let pointer = floats(count)
        pointer.initialize(repeating: 0, count: max(count, 1))
        return pointer
    }

    /// Makes all memory available again; several chunks become one of their total size, so a steady run settles
    /// on one allocation.
    func reset() {
        if chunks.count > 1 {
            let total = chunks.reduce(0) { $0 + $1.capacity }
            for c in chunks { c.base.deallocate() }
            chunks = [(UnsafeMutablePointer<Float>.allocate(capacity: total), total)]
        }
        chunk = 0
        used = 0
    }

    deinit { for c in chunks { c.base.deallocate() } }
}

/// What one layer's forward pass keeps for its backward pass.
struct LayerCache {
    /// `[tokens, 3h]`: Q, K and V side by side.
    let qkv: UnsafeMutablePointer<Float>
    /// Softmax probabilities before dropout, `heads × length × length` per window, windows one after another.
    let probabilities: UnsafeMutablePointer<Float>
    /// `[tokens, h]`: attention output before its projection.
    let context: UnsafeMutablePointer<Float>
    let attentionXhat: UnsafeMutablePointer<Float>
    let attentionRstd: UnsafeMutablePointer<Float>
    /// `[tokens, h]`: the attention sublayer's output (input of the feed-forward sublayer).
    let attentionOut: UnsafeMutablePointer<Float>
    /// `[tokens, intermediate]`: the feed-forward pre-activation.
    let preActivation: UnsafeMutablePointer<Float>
    /// `[tokens, intermediate]`: the activation (kept rather than recomputed: erf is a tenth of a step).
    let activated: UnsafeMutablePointer<Float>
    let outputXhat: UnsafeMutablePointer<Float>
    let outputRstd: UnsafeMutablePointer<Float>
}

/// The forward pass over one packed batch, its span loss, and (in +Backward) its backward pass.
final class ForwardPass {
    let model: QuestionAnsweringGradients
    let batch: [TrainingFeature]
    let offsets: [Int]
    let tokens: Int
    /// Where each window's probability blocks start in `LayerCache.probabilities`.
    let probabilityOffsets: [Int]
    let hiddenDropout: Dropout?
    let attentionDropout: Dropout?
    let arena: Arena
    /// Hidden states: `hidden[0]` is the embeddings' output, `hidden[l + 1]` layer `l`'s.
    var hidden: [UnsafeMutablePointer<Float>] = []
    var caches: [LayerCache] = []
    var embeddingXhat: UnsafeMutablePointer<Float>
    var embeddingRstd: UnsafeMutablePointer<Float>
    /// `[tokens, 2]`: start and end logits.
    var logits: UnsafeMutablePointer<Float>
    /// `[tokens, 2]`: the loss's gradient with respect to `logits`.
    var logitGradients: UnsafeMutablePointer<Float>

    init(
        model: QuestionAnsweringGradients, batch: [TrainingFeature], rates: QuestionAnsweringGradients.DropoutRates,
        seed: UInt64, step: Int
    ) {
        self.model = model
        self.batch = batch
        arena = model.arena
        arena.reset()
        var offsets = [0]
        var probabilityOffsets = [0]
        let heads = model.configuration.headCount
        for feature in batch {
            offsets.append(offsets[offsets.count - 1] + feature.ids.count)
            probabilityOffsets.append(
                probabilityOffsets[probabilityOffsets.count - 1] + heads * feature.ids.count * feature.ids.count)
        }
        self.offsets = offsets
        self.probabilityOffsets = probabilityOffsets
        tokens = offsets[offsets.count - 1]
        hiddenDropout = Dropout(probability: rates.hidden, seed: seed, step: step)
        attentionDropout = Dropout(probability: rates.attention, seed: seed ^ 0xA77E, step: step)
        let h = model.configuration.hiddenSize
        embeddingXhat = arena.floats(tokens * h)
        embeddingRstd = arena.floats(tokens)
        logits = arena.floats(tokens * 2)
        logitGradients = arena.floats(tokens * 2)
    }

    /// Runs the embeddings, every layer and the QA head.
    func run() {
        let c = model.configuration
        let h = c.hiddenSize
        hidden = [arena.floats(tokens * h)]
        embed(into: hidden[0])
        for (index, layer) in model.layers.enumerated() {
            let cache = LayerCache(
                qkv: arena.floats(tokens * 3 * h), probabilities: arena.floats(probabilityOffsets[batch.count]),
                context: arena.floats(tokens * h), attentionXhat: arena.floats(tokens * h),
                attentionRstd: arena.floats(tokens), attentionOut: arena.floats(tokens * h),
                preActivation: arena.floats(tokens * c.intermediateSize),
                activated: arena.floats(tokens * c.intermediateSize), outputXhat: arena.floats(tokens * h),
                outputRstd: arena.floats(tokens))
            let output = arena.floats(tokens * h)
            forward(layer, index: index, input: hidden[index], cache: cache, output: output)
            caches.append(cache)
            hidden.append(output)
        }
        let head = model.head
        Kernels.broadcastRows(head.bias.values, width: 2, rows: tokens, into: logits, ldy: 2)
        MatrixProduct.gemm(
            transposeA: false, transposeB: true, m: tokens, n: 2, k: h, hidden[c.layerCount], lda: h,
            head.weight.values, ldb: h, beta: 1, logits, ldc: 2)
    }

    /// Word + token type 0 + position embeddings, LayerNorm, dropout.
    private func embed(into output: UnsafeMutablePointer<Float>) {
        let e = model.embeddings
        let h = model.configuration.hiddenSize
        let sum = arena.floats(tokens * h)
        var row = 0
        for feature in batch {
            for (id, position) in zip(feature.ids, model.configuration.positionIDs(for: feature.ids)) {
                let out = sum + row * h
                let word = e.words.values + Int(id) * h
                let place = e.positions.values + position * h
                let type = e.tokenTypes.values
                for i in 0..<h { out[i] = (word[i] + type[i]) + place[i] }
                row += 1
            }
        }
        TrainingKernels.layerNormForward(
            sum, rows: tokens, width: h, gamma: e.norm.gamma.values, beta: e.norm.beta.values,
            epsilon: e.norm.epsilon, xhat: embeddingXhat, rstd: embeddingRstd, output: output)
        hiddenDropout?.apply(site: Dropout.site(-1, 0), rows: tokens, width: h, to: output)
    }

    /// One post-LayerNorm block from `input` into `output`, filling `cache`.
    private func forward(
        _ layer: LayerParameters, index: Int, input: UnsafeMutablePointer<Float>, cache: LayerCache,
        output: UnsafeMutablePointer<Float>
    ) {
        let c = model.configuration
        let h = c.hiddenSize
        let inner = c.intermediateSize
        for (part, linear) in [layer.query, layer.key, layer.value].enumerated() {
            Kernels.broadcastRows(linear.bias.values, width: h, rows: tokens, into: cache.qkv + part * h, ldy: 3 * h)
            MatrixProduct.gemm(
                transposeA: false, transposeB: true, m: tokens, n: h, k: h, input, lda: h, linear.weight.values,
                ldb: h, beta: 1, cache.qkv + part * h, ldc: 3 * h)
        }
        attentionForward(layer: index, cache: cache)
        let projected = arena.floats(tokens * h)
        sublayerOutput(
            layer.attentionOutput, input: cache.context, width: h, residual: input, norm: layer.attentionNorm,
            site: Dropout.site(index, 1), scratch: projected, xhat: cache.attentionXhat, rstd: cache.attentionRstd,
            output: cache.attentionOut)
        Kernels.broadcastRows(
            layer.intermediate.bias.values, width: inner, rows: tokens, into: cache.preActivation, ldy: inner)
        MatrixProduct.gemm(
            transposeA: false, transposeB: true, m: tokens, n: inner, k: h, cache.attentionOut, lda: h,
            layer.intermediate.weight.values, ldb: h, beta: 1, cache.preActivation, ldc: inner)
        TrainingKernels.activate(
            cache.preActivation, count: tokens * inner, activation: c.activation, into: cache.activated)
        sublayerOutput(
            layer.output, input: cache.activated, width: inner, residual: cache.attentionOut, norm: layer.outputNorm,
            site: Dropout.site(index, 2), scratch: projected, xhat: cache.outputXhat, rstd: cache.outputRstd,
            output: output)
    }

    /// `output = LayerNorm(dropout(input·Wᵀ + b) + residual)`.
    private func sublayerOutput(
        _ linear: LinearParameters, input: UnsafeMutablePointer<Float>, width: Int,
        residual: UnsafeMutablePointer<Float>, norm: NormParameters, site: UInt64, scratch: UnsafeMutablePointer<Float>,
        xhat: UnsafeMutablePointer<Float>, rstd: UnsafeMutablePointer<Float>, output: UnsafeMutablePointer<Float>
    ) {
        let h = model.configuration.hiddenSize
        Kernels.broadcastRows(linear.bias.values, width: h, rows: tokens, into: scratch, ldy: h)
        MatrixProduct.gemm(
            transposeA: false, transposeB: true, m: tokens, n: h, k: width, input, lda: width, linear.weight.values,
            ldb: width, beta: 1, scratch, ldc: h)
        hiddenDropout?.apply(site: site, rows: tokens, width: h, to: scratch)
        let sum = SharedPointer(scratch)
        let skip = SharedPointer(residual)
        Parallel.forEachChunk(count: tokens, grain: 64) { range in
            for i in (range.lowerBound * h)..<(range.upperBound * h) { sum.base[i] += skip.base[i] }
        }
        TrainingKernels.layerNormForward(
            scratch, rows: tokens, width: h, gamma: norm.gamma.values, beta: norm.beta.values, epsilon: norm.epsilon,
            xhat: xhat, rstd: rstd, output: output)
    }

    /// The batch's mean span loss; fills `logitGradients` with its gradient.
    func spanLoss() -> Double {
        let scale = 1 / (2 * Double(batch.count))
        var total: Double = 0
        for (index, feature) in batch.enumerated() {
            let start = offsets[index]
            let length = feature.ids.count
            for column in 0..<2 {
                let target = column == 0 ? feature.startPosition : feature.endPosition
                var maximum = -Double.infinity
                for t in 0..<length { maximum = max(maximum, Double(logits[2 * (start + t) + column])) }
                var sum: Double = 0
                for t in 0..<length { sum += Foundation.exp(Double(logits[2 * (start + t) + column]) - maximum) }
                let logSum = maximum + Foundation.log(sum)
                total += logSum - Double(logits[2 * (start + target) + column])
                for t in 0..<length {
                    let p = Foundation.exp(Double(logits[2 * (start + t) + column]) - logSum)
                    logitGradients[2 * (start + t) + column] = Float((p - (t == target ? 1 : 0)) * scale)
                }
            }
        }
        return total * scale
    }

    /// Each window's logits, unpacked.
    func windowLogits() -> [SpanLogits] {
        (0..<batch.count).map { index in
            let rows = offsets[index]..<offsets[index + 1]
            return SpanLogits(start: rows.map { logits[2 * $0] }, end: rows.map { logits[2 * $0 + 1] })
        }
    }
}
