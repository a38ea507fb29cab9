import Foundation

/// Start and end logits for every token of one sequence (unpadded length).
public struct SpanLogits: Sendable, Equatable {
    /// Start-of-answer logit per token.
    public let start: [Float]
    /// End-of-answer logit per token.
    public let end: [Float]

    /// Logits from their two lists (equal lengths).
    public init(start: [Float], end: [Float]) {
        self.start = start
        self.end = end
    }
}

/// An extractive question-answering model (`XLMRobertaForQuestionAnswering` and friends): the encoder
/// followed by `qa_outputs`, a `Linear(hidden, 2)` giving start and end logits per token.
public struct QuestionAnsweringModel: Sendable {
    /// The encoder underneath.
    public let encoder: EncoderModel
    let head: LinearWeights

    /// Loads the model in `directory`, the encoder's dense layers in `precision` (the 2-output head stays fp32).
    public init(directory: ModelDirectory, precision: Precision = .fp32) throws {
        try self.init(encoder: EncoderModel(directory: directory, precision: precision))
    }

    /// Adds the `qa_outputs` head found in the encoder's checkpoint.
    public init(encoder: EncoderModel) throws {
        self.encoder = encoder
        head = try LinearWeights(encoder.checkpoint, "qa_outputs", outputs: 2, inputs: encoder.configuration.hiddenSize)
    }

    /// Logits for each sequence (token ids with special tokens), batched by length, in the caller's order.
    public func logits(for sequences: [[Int32]], maxBatchSize: Int = 8) throws -> [SpanLogits] {
        try logits(for: sequences, planner: BatchPlanner(maxBatchSize: maxBatchSize))
    }

    /// Logits for each sequence, batched by `planner`, in the caller's order.
    public func logits(for sequences: [[Int32]], planner: BatchPlanner) throws -> [SpanLogits] {
        try planner.map(sequences, length: \.count) { batch in
            let packed = try encoder.forward(batch)
            let tokens = packed.offsets[packed.count]
            var pairs = [Float](repeating: 0, count: tokens * 2)
            packed.values.withUnsafeBufferPointer { hidden in
                pairs.withUnsafeMutableBufferPointer { out in
                    guard let hiddenBase = hidden.baseAddress, let outBase = out.baseAddress else { return }
                    Kernels.broadcastRows(head.bias.pointer, width: 2, rows: tokens, into: outBase, ldy: 2)
                    Kernels.multiplyTransposed(
                        hiddenBase, rows: tokens, inner: head.inputs, ldx: head.inputs, weight: head.weight.pointer,
                        outputs: 2, into: outBase, ldy: 2, beta: 1)
                }
            }
            return (0..<packed.count).map { index in
                let rows = packed.rows(index)
                return SpanLogits(start: rows.map { pairs[2 * $0] }, end: rows.map { pairs[2 * $0 + 1] })
            }
        }
    }
}
