import Foundation

extension EncoderModel {
    /// One transformer block with its dense layers in bf16 or int8 (oneDNN), in place on `hidden`: the same
    /// steps as the fp32 block, with every product reading activations prepared once for the precision.
    /// Attention scores and context, LayerNorm, softmax and GELU stay fp32, and so does the feed-forward output
    /// projection where the precision says so (`Precision.feedForwardOutputPrecision`).
    func run(
        _ layer: EncoderLayerWeights, packed: EncoderLayerWeights.PackedLayer, hidden: UnsafeMutablePointer<Float>,
        offsets: [Int], workspace w: Workspace
    ) throws {
        guard let buffer = w.prepared else { return }
        let c = configuration
        let h = c.hiddenSize
        let tokens = offsets[offsets.count - 1]
        for (part, linear) in [layer.query, layer.key, layer.value].enumerated() {
            Kernels.broadcastRows(linear.bias.pointer, width: h, rows: tokens, into: w.qkv + part * h, ldy: 3 * h)
        }
        var input = buffer.prepare(hidden, rows: tokens, columns: h, ldx: h, for: packed.queryKeyValue.precision)
        try packed.queryKeyValue.apply(input, into: w.qkv, ldy: 3 * h, beta: 1)
        attention(offsets: offsets, workspace: w)
        input = buffer.prepare(w.context, rows: tokens, columns: h, ldx: h, for: packed.attentionOutput.precision)
        try packed.attentionOutput.apply(input, into: w.projected, ldy: h)
        Kernels.biasResidualLayerNorm(
            w.projected, bias: layer.attentionOutput.bias.pointer, residual: hidden, rows: tokens, width: h,
            gamma: layer.attentionNorm.gamma.pointer, beta: layer.attentionNorm.beta.pointer,
            epsilon: layer.attentionNorm.epsilon)
        input = buffer.prepare(hidden, rows: tokens, columns: h, ldx: h, for: packed.intermediate.precision)
        try packed.intermediate.apply(input, into: w.intermediate, ldy: c.intermediateSize)
        Kernels.biasActivation(
            w.intermediate, rows: tokens, width: c.intermediateSize, bias: layer.intermediate.bias.pointer,
            activation: c.activation)
        if let output = packed.output {
            input = buffer.prepare(
                w.intermediate, rows: tokens, columns: c.intermediateSize, ldx: c.intermediateSize,
                for: output.precision)
            try output.apply(input, into: w.projected, ldy: h)
        } else {
            Kernels.multiplyTransposed(
                w.intermediate, rows: tokens, inner: c.intermediateSize, ldx: c.intermediateSize,
                weight: layer.output.weight.pointer, outputs: h, into: w.projected, ldy: h)
        }
        Kernels.biasResidualLayerNorm(
            w.projected, bias: layer.output.bias.pointer, residual: hidden, rows: tokens, width: h,
            gamma: layer.outputNorm.gamma.pointer, beta: layer.outputNorm.beta.pointer,
            epsilon: layer.outputNorm.epsilon)
    }
}
