/// A text tokenizer that reproduces a Hugging Face fast tokenizer: ids, tokens and Unicode-scalar offsets.
public protocol Tokenizer: Sendable {
    /// Tokenizes one text; with `addSpecialTokens` the single-sequence template is applied (`<s> $A </s>`).
    func encode(_ text: String, addSpecialTokens: Bool) -> Encoding
    /// Tokenizes a (first, second) pair with the pair template, truncating only the second sequence into
    /// overflowing windows of at most `maxLength` tokens that overlap by `stride` tokens, exactly like
    /// `tokenizer(first, second, truncation="only_second", max_length:, stride:, return_overflowing_tokens=True)`.
    /// `maxLength == nil` means no truncation (one element). Returns no windows where the reference raises
    /// (the first sequence plus special tokens leaves no room for the second). An empty `second` encodes
    /// `first` alone with the single-sequence template, as `transformers` does for `text_pair=""`.
    func encodePair(_ first: String, _ second: String, maxLength: Int?, stride: Int) -> [Encoding]
    /// Turns ids back into text with the model's decoder.
    func decode(_ ids: [Int32], skipSpecialTokens: Bool) -> String
    /// The id used to pad batches.
    var padTokenId: Int32 { get }
    /// The number of ids (model vocabulary plus added tokens).
    var vocabularySize: Int { get }
}
