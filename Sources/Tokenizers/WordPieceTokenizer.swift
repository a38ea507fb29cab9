/// A BERT WordPiece tokenizer (from `tokenizer.json`).
public struct WordPieceTokenizer: Tokenizer {
    package let pipeline: TokenizerPipeline

    package init(pipeline: TokenizerPipeline) { self.pipeline = pipeline }

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
