import Foundation
import Transformer

extension ForwardPass {
    /// Propagates `logitGradients` back through the QA head, the layers and the embeddings, adding every trainable
    /// parameter's gradient; stops below the lowest layer that trains.
    func backward() {
        let c = model.configuration
        let h = c.hiddenSize
        let head = model.head
        let top = hidden[c.layerCount]
        if let dW = head.weight.gradient, let dB = head.bias.gradient {
            MatrixProduct.gemm(
                transposeA: true, transposeB: false, m: 2, n: h, k: tokens, logitGradients, lda: 2, top, ldb: h,
                beta: 1, dW, ldc: h)
            TrainingKernels.addColumnSums(logitGradients, rows: tokens, width: 2, ld: 2, into: dB)
        }
        var upstream = arena.floats(tokens * h)
        MatrixProduct.gemm(
            transposeA: false, transposeB: false, m: tokens, n: h, k: 2, logitGradients, lda: 2, head.weight.values,
            ldb: h, beta: 0, upstream, ldc: h)
        let scratch = BackwardScratch(arena: arena, tokens: tokens, configuration: c)
        for index in stride(from: c.layerCount - 1, through: model.backwardStopsAt, by: -1) {
            let below = arena.floats(tokens * h)
            backward(
                model.layers[index], index: index, dOutput: upstream, input: hidden[index], cache: caches[index],
                scratch: scratch, dInput: below)
            upstream = below
        }
        if model.backwardStopsAt == 0 && model.embeddingsTrain { embeddingBackward(upstream) }
    }

    /// The buffers every layer's backward pass reuses.
    struct BackwardScratch {
        let dz: UnsafeMutablePointer<Float>
        let dAttentionOut: UnsafeMutablePointer<Float>
        let dInner: UnsafeMutablePointer<Float>
        let dContext: UnsafeMutablePointer<Float>
        let dQKV: UnsafeMutablePointer<Float>

        init(arena: Arena, tokens: Int, configuration c: EncoderConfiguration) {
            dz = arena.floats(tokens * c.hiddenSize)
            dAttentionOut = arena.floats(tokens * c.hiddenSize)
            dInner = arena.floats(tokens * c.intermediateSize)
            dContext = arena.floats(tokens * c.hiddenSize)
            dQKV = arena.floats(tokens * 3 * c.hiddenSize)
        }
    }

    /// One block's backward pass: from the gradient of its output to that of its input.
    private func backward(
        _ layer: LayerParameters, index: Int, dOutput: UnsafeMutablePointer<Float>, input: UnsafeMutablePointer<Float>,
        cache: LayerCache, scratch s: BackwardScratch, dInput: UnsafeMutablePointer<Float>
    ) {
        let c = model.configuration
        let h = c.hiddenSize
        let inner = c.intermediateSize
        // Feed-forward sublayer: out = LN(dropout(act(u)·W2ᵀ + b2) + attentionOut), u = attentionOut·W1ᵀ + b1.
        TrainingKernels.layerNormBackward(
            dOutput, xhat: cache.outputXhat, rstd: cache.outputRstd, gamma: layer.outputNorm.gamma.values, rows: tokens,
            width: h, dz: s.dz, dGamma: layer.outputNorm.gamma.gradient, dBeta: layer.outputNorm.beta.gradient)
        s.dAttentionOut.update(from: s.dz, count: tokens * h)
        hiddenDropout?.apply(site: Dropout.site(index, 2), rows: tokens, width: h, to: s.dz)
        if let dW = layer.output.weight.gradient, let dB = layer.output.bias.gradient {
            MatrixProduct.gemm(
                transposeA: true, transposeB: false, m: h, n: inner, k: tokens, s.dz, lda: h, cache.activated,
                ldb: inner,
                beta: 1, dW, ldc: inner)
            TrainingKernels.addColumnSums(s.dz, rows: tokens, width: h, ld: h, into: dB)
        }
        MatrixProduct.gemm(
            transposeA: false, transposeB: false, m: tokens, n: inner, k: h, s.dz, lda: h, layer.output.weight.values,
            ldb: inner, beta: 0, s.dInner, ldc: inner)
        TrainingKernels.activationBackward(
            s.dInner, u: cache.preActivation, count: tokens * inner, activation: c.activation)
        if let dW = layer.intermediate.weight.gradient, let dB = layer.intermediate.bias.gradient {
            MatrixProduct.gemm(
                transposeA: true, transposeB: false, m: inner, n: h, k: tokens, s.dInner, lda: inner,
                cache.attentionOut,
                ldb: h, beta: 1, dW, ldc: h)
            TrainingKernels.addColumnSums(s.dInner, rows: tokens, width: inner, ld: inner, into: dB)
        }
        MatrixProduct.gemm(
            transposeA: false, transposeB: false, m: tokens, n: h, k: inner, s.dInner, lda: inner,
            layer.intermediate.weight.values, ldb: h, beta: 1, s.dAttentionOut, ldc: h)
        // Attention sublayer: attentionOut = LN(dropout(context·Woᵀ + bo) + input).
        TrainingKernels.layerNormBackward(
            s.dAttentionOut, xhat: cache.attentionXhat, rstd: cache.attentionRstd,
            gamma: layer.attentionNorm.gamma.values, rows: tokens, width: h, dz: s.dz,
            dGamma: layer.attentionNorm.gamma.gradient, dBeta: layer.attentionNorm.beta.gradient)
        dInput.update(from: s.dz, count: tokens * h)
        hiddenDropout?.apply(site: Dropout.site(index, 1), rows: tokens, width: h, to: s.dz)
        if let dW = layer.attentionOutput.weight.gradient, let dB = layer.attentionOutput.bias.gradient {
            MatrixProduct.gemm(
                transposeA: true, transposeB: false, m: h, n: h, k: tokens, s.dz, lda: h, cache.context, ldb: h,
                beta: 1, dW, ldc: h)
            TrainingKernels.addColumnSums(s.dz, rows: tokens, width: h, ld: h, into: dB)
        }
        MatrixProduct.gemm(
            transposeA: false, transposeB: false, m: tokens, n: h, k: h, s.dz, lda: h,
            layer.attentionOutput.weight.values, ldb: h, beta: 0, s.dContext, ldc: h)
        attentionBackward(layer: index, cache: cache, dContext: s.dContext, dQKV: s.dQKV)
        for (part, linear) in [layer.query, layer.key, layer.value].enumerated() {
            let dPart = s.dQKV + part * h
            if let dW = linear.weight.gradient, let dB = linear.bias.gradient {
                MatrixProduct.gemm(
                    transposeA: true, transposeB: false, m: h, n: h, k: tokens, dPart, lda: 3 * h, input, ldb: h,
                    beta: 1, dW, ldc: h)
                TrainingKernels.addColumnSums(dPart, rows: tokens, width: h, ld: 3 * h, into: dB)
            }
            MatrixProduct.gemm(
                transposeA: false, transposeB: false, m: tokens, n: h, k: h, dPart, lda: 3 * h, linear.weight.values,
                ldb: h, beta: 1, dInput, ldc: h)
        }
    }

    /// The embeddings' backward pass: dropout, LayerNorm, then the rows of the three tables that were looked up.
    private func embeddingBackward(_ dOutput: UnsafeMutablePointer<Float>) {
        let e = model.embeddings
        let h = model.configuration.hiddenSize
        hiddenDropout?.apply(site: Dropout.site(-1, 0), rows: tokens, width: h, to: dOutput)
        let dSum = arena.floats(tokens * h)
        TrainingKernels.layerNormBackward(
            dOutput, xhat: embeddingXhat, rstd: embeddingRstd, gamma: e.norm.gamma.values, rows: tokens, width: h,
            dz: dSum, dGamma: e.norm.gamma.gradient, dBeta: e.norm.beta.gradient)
        var lookups: [(word: Int, position: Int)] = []
        lookups.reserveCapacity(tokens)
        for feature in batch {
            for (id, position) in zip(feature.ids, model.configuration.positionIDs(for: feature.ids)) {
                lookups.append((Int(id), position))
            }
        }
        // Tokens repeat (the same word or position in several windows): workers own column blocks, never rows.
        let source = UncheckedSendable(dSum)
        let words = e.words.gradient.map(SharedPointer.init)
        let positions = e.positions.gradient.map(SharedPointer.init)
        let types = e.tokenTypes.gradient.map(SharedPointer.init)
        let count = tokens
        let blocks = max(1, min(Parallel.workerCount * 2, h / 16))
        let table = lookups
        // nn.Embedding's padding_idx row never learns (word ids, and RoBERTa-style positions, of padding).
        let pad = model.configuration.padTokenID
        let paddedPositions = model.configuration.modelType.usesPaddingOffsetPositions
        DispatchQueue.concurrentPerform(iterations: blocks) { block in
            let columns = (h * block / blocks)..<(h * (block + 1) / blocks)
            for row in 0..<count {
                let g = source.value + row * h
                if let words, table[row].word != pad {
                    let target = words.base + table[row].word * h
                    for j in columns { target[j] += g[j] }
                }
                if let positions, !(paddedPositions && table[row].position == pad) {
                    let target = positions.base + table[row].position * h
                    for j in columns { target[j] += g[j] }
                }
                if let types {
                    for j in columns { types.base[j] += g[j] }
                }
            }
        }
    }
}
