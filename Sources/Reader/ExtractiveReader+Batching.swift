import Tokenizers

/// One (question, context) pair with its windows already built, and the span-decoding options its caller asked
/// for: what a server batches when requests with different `top_k` or `max_answer_len` share one model pass.
public struct EncodedReaderInput: Sendable, Equatable {
    /// The pair.
    public var input: ReaderInput
    /// The pipeline's windows of the pair (`ExtractiveReader.encode`).
    public var windows: [Encoding]
    /// How this pair's spans are decoded.
    public var pipeline: PipelineOptions

    /// Creates an encoded input.
    public init(input: ReaderInput, windows: [Encoding], pipeline: PipelineOptions) {
        self.input = input
        self.windows = windows
        self.pipeline = pipeline
    }
}

extension ExtractiveReader {
    /// Encodes a pair with the windowing `options` give and checks its decoding options, so that a batch built
    /// from such inputs can only fail in the model.
    public func encode(_ input: ReaderInput, options: ReaderOptions) throws(ReaderError) -> EncodedReaderInput {
        _ = try PipelinePostprocessor(options: options.pipeline)
        let windows = try encode(input, windowing: try windowing(options))
        return EncodedReaderInput(input: input, windows: windows, pipeline: options.pipeline)
    }

    /// Reads encoded pairs in one set of length-sorted batches of at most `batchSize` windows, and decodes each
    /// with its own options. A pair's answers are the ones `read(question:context:options:)` gives it alone: the
    /// encoder packs sequences without padding, so a window's logits do not depend on its batch neighbours beyond
    /// float32 rounding.
    public func read(encoded inputs: [EncodedReaderInput], batchSize: Int) throws(ReaderError) -> [ReaderResult] {
        let windows = try readerWindows(inputs.map(\.windows), batchSize: max(batchSize, 1))
        var results: [ReaderResult] = []
        results.reserveCapacity(inputs.count)
        for (input, inputWindows) in zip(inputs, windows) {
            let decoding = try PipelinePostprocessor(options: input.pipeline).decode(
                windows: inputWindows, context: input.input.context)
            results.append(ReaderResult(answers: decoding.answers, decoding: decoding, windows: inputWindows))
        }
        return results
    }
}
