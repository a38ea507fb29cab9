import Foundation
import Tokenizers
import Transformer

/// One (question, context) pair to read.
public struct ReaderInput: Sendable, Equatable {
    /// The question, passed to the tokenizer as given (the pipeline does not strip it).
    public var question: String
    /// The context the answer is extracted from.
    public var context: String

    /// Creates an input.
    public init(question: String, context: String) {
        self.question = question
        self.context = context
    }
}

/// Options of `ExtractiveReader` in parity mode: the pipeline's preprocess and postprocess parameters.
public struct ReaderOptions: Sendable, Equatable {
    /// Maximum tokens per window (`max_seq_len`); nil is the pipeline default `min(model_max_length, 384)`.
    public var maxSeqLen: Int?
    /// Context tokens shared by consecutive windows (`doc_stride`); nil is `min(maxSeqLen / 2, 128)`.
    public var docStride: Int?
    /// The pipeline's `max_question_len` (64). transformers 4.57.6 only passes it to the slow-tokenizer
    /// path; with a fast tokenizer the question is never truncated, so it is accepted and not applied.
    public var maxQuestionLength: Int
    /// Span decoding options (`top_k`, `handle_impossible_answer`, `max_answer_len`, `align_to_words`).
    public var pipeline: PipelineOptions
    /// Most windows in one model batch; windows of all inputs are sorted by length and padded per batch.
    public var batchSize: Int

    /// Creates options; the defaults are the pipeline's, with batches of 8 windows.
    public init(
        maxSeqLen: Int? = nil, docStride: Int? = nil, maxQuestionLength: Int = 64,
        pipeline: PipelineOptions = PipelineOptions(), batchSize: Int = 8
    ) {
        self.maxSeqLen = maxSeqLen
        self.docStride = docStride
        self.maxQuestionLength = maxQuestionLength
        self.pipeline = pipeline
        self.batchSize = batchSize
    }
}

/// What the reader found for one (question, context).
public struct ReaderResult: Sendable, Equatable {
    /// The pipeline's answers, best first.
    public var answers: [AnswerSpan]
    /// The null score and best span score behind `noAnswerProbability`.
    public var decoding: PipelineDecoding
    /// The model windows with their logits (for `--logits`).
    public var windows: [ReaderWindow]

    /// `null / (null + best span)`: see `PipelineDecoding.noAnswerProbability`.
    public var noAnswerProbability: Double { decoding.noAnswerProbability }

    /// The pipeline-shaped output, with the windows' raw logits when `includeLogits`.
    public func output(includeLogits: Bool = false) -> ReaderOutput {
        ReaderOutput(answers: answers, windows: includeLogits ? windows : nil)
    }
}

/// A passage given to `ExtractiveReader.rank`.
public struct ReaderPassage: Sendable, Equatable {
    /// The document the passage belongs to (answers of overlapping chunks of one document merge).
    public var documentId: String
    /// Where the passage starts in its document, in Unicode scalars.
    public var documentOffset: Int
    /// The passage text.
    public var text: String

    /// Creates a passage.
    public init(documentId: String, documentOffset: Int = 0, text: String) {
        self.documentId = documentId
        self.documentOffset = documentOffset
        self.text = text
    }
}

/// The extractive reader: a tokenizer and a question-answering model, read the way transformers
/// 4.57.6 `pipeline("question-answering")` reads with a fast tokenizer (parity mode), or across
/// passages with comparable scores (ranking mode).
///
/// Every call gathers the windows of all its inputs and runs them through the model in batches of
/// similar length (dynamic padding), then decodes each input's windows.
public struct ExtractiveReader: Sendable {
    /// The tokenizer that builds the (question, context) windows.
    public let tokenizer: any Tokenizer
    /// The model that gives start and end logits per token.
    public let model: QuestionAnsweringModel
    /// The tokenizer's `model_max_length` (`Int.max` when unset), which bounds the default window.
    public let modelMaxLength: Int
    /// The classifier token id (`<s>`/`[CLS]`, the first token of the pair template): its positions
    /// stay selectable because they carry the null answer.
    public let classTokenId: Int32?

    /// Loads the tokenizer (`tokenizer.json` or `sentencepiece.bpe.model`), `tokenizer_config.json`'s
    /// `model_max_length` and the QA model from a model folder (plain or Hugging Face cache entry), its dense
    /// layers in `precision`.
    public init(directory: URL, precision: Precision = .fp32) throws(ReaderError) {
        let folder: ModelDirectory
        let model: QuestionAnsweringModel
        let tokenizer: any Tokenizer
        do {
            folder = try ModelDirectory(url: directory)
            model = try QuestionAnsweringModel(directory: folder, precision: precision)
            tokenizer = try TokenizerLoader.load(directory: folder.url)
        } catch {
            throw .unloadableModel(path: directory.path, reason: error.localizedDescription)
        }
        let config = folder.file("tokenizer_config.json").flatMap { try? Data(contentsOf: $0) }
        self.init(
            tokenizer: tokenizer, model: model,
            modelMaxLength: config.flatMap(Self.modelMaxLength(fromTokenizerConfig:)) ?? .max)
    }

    /// A reader over an already loaded tokenizer and model.
    public init(tokenizer: any Tokenizer, model: QuestionAnsweringModel, modelMaxLength: Int = .max) {
        self.tokenizer = tokenizer
        self.model = model
        self.modelMaxLength = modelMaxLength
        self.classTokenId = tokenizer.encode("", addSpecialTokens: true).ids.first
    }

    /// `model_max_length` from a `tokenizer_config.json`; absent or huge (transformers writes 1e30 for
    /// "no limit") gives nil.
    static func modelMaxLength(fromTokenizerConfig data: Data) -> Int? {
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let number = object["model_max_length"] as? NSNumber
        else { return nil }
        let value = number.doubleValue
        guard value >= 1, value < Double(Int32.max) else { return nil }
        return Int(value)
    }

    /// The window parameters `options` resolve to for this tokenizer.
    public func windowing(_ options: ReaderOptions) throws(ReaderError) -> PipelineWindowing {
        try PipelineWindowing(
            modelMaxLength: modelMaxLength, maxSeqLen: options.maxSeqLen, docStride: options.docStride)
    }

    /// The pipeline's answers for one (question, context), best first (at most `topK`).
    public func answers(
        question: String, context: String, options: ReaderOptions = ReaderOptions()
    ) throws(ReaderError) -> [AnswerSpan] {
        try read(question: question, context: context, options: options).answers
    }

    /// Reads one (question, context): answers, null score and windows.
    public func read(
        question: String, context: String, options: ReaderOptions = ReaderOptions()
    ) throws(ReaderError) -> ReaderResult {
        let input = ReaderInput(question: question, context: context)
        let encodings = try encode(input, windowing: try windowing(options))
        return try decode([encodings], inputs: [input], options: options)[0]
    }

    /// Reads many pairs; the windows of all of them run through the model together in batches of
    /// `options.batchSize` windows of similar length. Results are in input order.
    public func read(_ inputs: [ReaderInput], options: ReaderOptions = ReaderOptions()) throws(ReaderError)
        -> [ReaderResult]
    {
        let windowing = try self.windowing(options)
        var encodings: [[Encoding]] = []
        encodings.reserveCapacity(inputs.count)
        for (index, input) in inputs.enumerated() {
            do {
                encodings.append(try encode(input, windowing: windowing))
            } catch {
                throw .inputFailed(index: index, reason: error.localizedDescription)
            }
        }
        return try decode(encodings, inputs: inputs, options: options)
    }

    /// Runs the encoded windows through the model and decodes each input.
    func decode(_ encodings: [[Encoding]], inputs: [ReaderInput], options: ReaderOptions) throws(ReaderError)
        -> [ReaderResult]
    {
        let postprocessor = try PipelinePostprocessor(options: options.pipeline)
        let windows = try readerWindows(encodings, batchSize: options.batchSize)
        var results: [ReaderResult] = []
        results.reserveCapacity(inputs.count)
        for (input, inputWindows) in zip(inputs, windows) {
            let decoding = try postprocessor.decode(windows: inputWindows, context: input.context)
            results.append(ReaderResult(answers: decoding.answers, decoding: decoding, windows: inputWindows))
        }
        return results
    }

    /// The pipeline's windows of one pair: question first, context truncated `only_second` into
    /// overflowing windows, unpadded. Throws where the pipeline raises.
    public func encode(_ input: ReaderInput, windowing: PipelineWindowing) throws(ReaderError) -> [Encoding] {
        guard !input.question.isEmpty else { throw .emptyInput(field: "question") }
        guard !input.context.isEmpty else { throw .emptyInput(field: "context") }
        let windows = tokenizer.encodePair(
            input.question, input.context, maxLength: windowing.maxSeqLen, stride: windowing.stride)
        guard !windows.isEmpty else {
            let questionTokens = tokenizer.encode(input.question, addSpecialTokens: false).count
            throw .questionTooLong(questionTokens: questionTokens, maxSeqLen: windowing.maxSeqLen)
        }
        // Hugging Face tokenizers refuse (panic) to split a context whose windows hold no more context
        // tokens than the stride; the pipeline fails there, so the reader does too.
        if windows.count > 1 {
            let room = windows[0].sequenceIds.reduce(0) { $0 + ($1 == 1 ? 1 : 0) }
            if windowing.stride >= room { throw .strideTooLargeForQuestion(stride: windowing.stride, room: room) }
        }
        return windows
    }

    /// Runs every window of every input through the model in length-sorted batches and pairs the
    /// logits with their encodings.
    func readerWindows(_ encodings: [[Encoding]], batchSize: Int) throws(ReaderError) -> [[ReaderWindow]] {
        let flat = encodings.flatMap { $0 }
        let logits: [SpanLogits]
        do {
            logits = try model.logits(for: flat.map(\.ids), planner: BatchPlanner(maxBatchSize: batchSize))
        } catch {
            throw .modelFailed(reason: error.localizedDescription)
        }
        var result: [[ReaderWindow]] = []
        result.reserveCapacity(encodings.count)
        var next = 0
        for inputEncodings in encodings {
            var windows: [ReaderWindow] = []
            windows.reserveCapacity(inputEncodings.count)
            for encoding in inputEncodings {
                windows.append(window(encoding, logits: logits[next]))
                next += 1
            }
            result.append(windows)
        }
        return result
    }

    /// The reader's view of one window, with the tokenizer's word ids (Hugging Face `Encoding.word_ids`).
    func window(_ encoding: Encoding, logits: SpanLogits) -> ReaderWindow {
        var classPositions = encoding.ids.indices.filter { encoding.ids[$0] == classTokenId }
        if classPositions.isEmpty { classPositions = [0] }
        return ReaderWindow(
            offsets: encoding.offsets, sequenceIds: encoding.sequenceIds, wordIds: encoding.wordIds,
            startLogits: logits.start, endLogits: logits.end, attentionMask: encoding.attentionMask.map { $0 != 0 },
            classTokenPositions: classPositions)
    }
}
