/// An XLM-RoBERTa style SentencePiece Unigram tokenizer (from `tokenizer.json` or `sentencepiece.bpe.model`).
public struct UnigramTokenizer: Tokenizer {
    package let pipeline: TokenizerPipeline

    package init(pipeline: TokenizerPipeline) { self.pipeline = pipeline }

    /// The Unigram model (pieces, scores).
    public var model: UnigramModel? {
        if case .unigram(let model) = pipeline.model { return model }
        return nil
    }

    public func encode(_ text: String, addSpecialTokens: Bool) -> Encoding {
        pipeline.postProcessor.apply(first: pipeline.encodeSequence(text), second: nil, addSpecialTokens: addSpecialTokens)
    }

    public func encodePair(_ first: String, _ second: String, maxLength: Int?, stride: Int) -> [Encoding] {
        pipeline.encodePair(first, second, maxLength: maxLength, stride: stride)
    }

    public func decode(_ ids: [Int32], skipSpecialTokens: Bool) -> String {
        pipeline.decode(ids, skipSpecialTokens: skipSpecialTokens)
    }

    public var padTokenId: Int32 { pipeline.padTokenId }
    public var vocabularySize: Int { pipeline.vocabularySize }
}

extension Tokenizer {
    /// Encodes one sequence without special tokens (package use: tests build pair windows from it).
    package func encodeSequence(_ text: String) -> Encoding { encode(text, addSpecialTokens: false) }
}
