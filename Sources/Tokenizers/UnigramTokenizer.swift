/// An XLM-RoBERTa style SentencePiece Unigram tokenizer (from `tokenizer.json` or `sentencepiece.bpe.model`).
public struct UnigramTokenizer: Tokenizer {
    package let pipeline: TokenizerPipeline

    package init(pipeline: TokenizerPipeline) { self.pipeline = pipeline }

    /// The Unigram model (pieces, scores).
    public var model: UnigramModel? {
        if case .unigram(let model) = pipeline.model { return model }
        return nil
    }

    /// Tokenizes one text, optionally with the single-sequence template.
    public func encode(_ text: String, addSpecialTokens: Bool) -> Encoding {
        pipeline.postProcessor.apply(
            first: pipeline.encodeSequence(text), second: nil, addSpecialTokens: addSpecialTokens)
    }

    /// Tokenizes a pair into `only_second` overflowing windows (see `Tokenizer.encodePair`).
    public func encodePair(_ first: String, _ second: String, maxLength: Int?, stride: Int) -> [Encoding] {
        pipeline.encodePair(first, second, maxLength: maxLength, stride: stride)
    }

    /// Ids back to text through the decoder.
    public func decode(_ ids: [Int32], skipSpecialTokens: Bool) -> String {
        pipeline.decode(ids, skipSpecialTokens: skipSpecialTokens)
    }

    /// The padding id.
    public var padTokenId: Int32 { pipeline.padTokenId }
    /// Model pieces plus added tokens.
    public var vocabularySize: Int { pipeline.vocabularySize }
}
