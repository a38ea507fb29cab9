/// One tokenized sequence (or pair window): ids with their tokens, offsets and sequence membership.
public struct Encoding: Sendable, Equatable {
    /// Token ids, special tokens included when requested.
    public var ids: [Int32]
    /// The token strings (vocabulary pieces, or the covered text for unknown pieces).
    public var tokens: [String]
    /// Unicode-scalar offsets into the original text of the token's own sequence; `0..<0` for template specials.
    public var offsets: [Range<Int>]
    /// `nil` for template special tokens, `0` for the first sequence, `1` for the second.
    public var sequenceIds: [Int?]
    /// Hugging Face `Encoding.word_ids`: the index of the pre-tokenizer split (added-token splits included)
    /// each token came from, counted per sequence from 0 over its whole text (a window keeps the indices of
    /// the full encoding); `nil` for template special tokens.
    public var wordIds: [Int?]
    /// Token type ids from the post-processor template (BERT: 0 first segment, 1 second; XLM-R: all 0).
    public var typeIds: [Int32]
    /// 1 for every real token (no padding is added here).
    public var attentionMask: [Int32]

    /// Creates an encoding from parallel arrays.
    public init(
        ids: [Int32], tokens: [String], offsets: [Range<Int>], sequenceIds: [Int?], wordIds: [Int?],
        typeIds: [Int32]? = nil, attentionMask: [Int32]? = nil
    ) {
        self.ids = ids
        self.tokens = tokens
        self.offsets = offsets
        self.sequenceIds = sequenceIds
        self.wordIds = wordIds
        self.typeIds = typeIds ?? Array(repeating: 0, count: ids.count)
        self.attentionMask = attentionMask ?? Array(repeating: 1, count: ids.count)
    }

    /// An encoding with no tokens.
    public static let empty = Encoding(ids: [], tokens: [], offsets: [], sequenceIds: [], wordIds: [])

    /// The number of tokens.
    public var count: Int { ids.count }
}
