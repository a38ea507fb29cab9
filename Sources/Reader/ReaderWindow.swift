import Foundation

/// One model input window of a (question, context) pair together with the model's span logits.
///
/// The reader never sees token ids: an adapter fills this from the tokenizer's pair encoding (question
/// first, context second, truncation `only_second` with overflowing windows) and the model's QA head.
/// Every array has one entry per token of the window, in model order, including special tokens.
public struct ReaderWindow: Sendable, Equatable, Codable {
    /// Character offsets (Unicode scalar indices) of each token in its own text: context tokens index
    /// the context, question tokens the question; special tokens `0..<0`.
    public var offsets: [Range<Int>]
    /// Which text each token comes from: `nil` special token, `0` question, `1` context.
    public var sequenceIds: [Int?]
    /// The pre-tokenizer word index of each token within its own sequence (Hugging Face
    /// `Encoding.word_ids`): tokens of one whitespace-delimited word share an index, `nil` for special
    /// tokens. Indices are those of the whole text, not restarted per window.
    public var wordIds: [Int?]
    /// Start logits of the QA head, one per token.
    public var startLogits: [Float]
    /// End logits of the QA head, one per token.
    public var endLogits: [Float]
    /// Attention mask (`false` for padding); `nil` means every token is attended.
    public var attentionMask: [Bool]?
    /// Positions of the classifier token (`<s>`/`[CLS]`): they stay selectable, as the pipeline keeps
    /// them out of `p_mask` because they carry the null answer.
    public var classTokenPositions: [Int]

    /// Creates a window; call `validate()` (the decoders do) to check the shapes.
    public init(
        offsets: [Range<Int>], sequenceIds: [Int?], wordIds: [Int?], startLogits: [Float], endLogits: [Float],
        attentionMask: [Bool]? = nil, classTokenPositions: [Int] = [0]
    ) {
        self.offsets = offsets
        self.sequenceIds = sequenceIds
        self.wordIds = wordIds
        self.startLogits = startLogits
        self.endLogits = endLogits
        self.attentionMask = attentionMask
        self.classTokenPositions = classTokenPositions
    }

    /// Number of tokens in the window.
    public var count: Int { startLogits.count }

    /// Throws when the per-token arrays disagree in length or the window is empty.
    public func validate() throws(ReaderError) {
        let n = startLogits.count
        guard n > 0 else { throw .emptyWindow }
        let lengths: [(String, Int)] = [
            ("endLogits", endLogits.count), ("offsets", offsets.count), ("sequenceIds", sequenceIds.count),
            ("wordIds", wordIds.count), ("attentionMask", attentionMask?.count ?? n),
        ]
        for (field, length) in lengths where length != n {
            throw .windowShapeMismatch(field: field, expected: n, actual: length)
        }
    }

    /// Whether token `index` may start or end an answer: context tokens and the classifier token
    /// (the complement of the pipeline's `p_mask`), restricted to attended tokens.
    func isSelectable(_ index: Int) -> Bool {
        if let mask = attentionMask, !mask[index] { return false }
        return sequenceIds[index] == 1 || classTokenPositions.contains(index)
    }

    /// The null-answer position: the first classifier token, or token 0 as the pipeline assumes.
    var nullPosition: Int { classTokenPositions.first ?? 0 }
}
