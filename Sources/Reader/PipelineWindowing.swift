import Foundation

/// The window parameters the question-answering pipeline's `preprocess` uses, for the adapter that
/// encodes (question, context) pairs.
///
/// Windows hold the question first and the context second (right-padding tokenizers such as XLM-R
/// and BERT), are truncated `only_second` with overflowing windows that overlap by `stride` context
/// tokens (Hugging Face `stride` semantics), are not padded, and the question is never truncated.
public struct PipelineWindowing: Sendable, Equatable {
    /// Maximum tokens per window, special tokens included (`max_seq_len`).
    public var maxSeqLen: Int
    /// Context tokens shared by consecutive windows (`doc_stride`).
    public var stride: Int

    /// `max_seq_len` defaults to `min(modelMaxLength, 384)` and `doc_stride` to
    /// `min(max_seq_len / 2, 128)`; a stride above `max_seq_len` is rejected as the pipeline does.
    public init(modelMaxLength: Int, maxSeqLen: Int? = nil, docStride: Int? = nil) throws(ReaderError) {
        let length = maxSeqLen ?? min(modelMaxLength, 384)
        let stride = docStride ?? min(length / 2, 128)
        guard length >= 1 else { throw .invalidOption(name: "maxSeqLen", value: length, minimum: 1) }
        guard stride >= 0 else { throw .invalidOption(name: "docStride", value: stride, minimum: 0) }
        guard stride <= length else { throw .strideLargerThanWindow(stride: stride, maxSeqLen: length) }
        self.maxSeqLen = length
        self.stride = stride
    }
}
