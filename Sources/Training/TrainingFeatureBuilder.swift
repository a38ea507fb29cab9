import Foundation
import Reader
import Tokenizers

/// Turns SQuAD questions into labelled training windows exactly as transformers' `run_qa.py`
/// (`prepare_train_features`) does: the question (left-stripped) and the context truncated `only_second` into
/// overflowing windows that share `docStride` context tokens, with the answer's character span mapped to token
/// positions through the offsets; an unanswerable question, or an answer not wholly inside a window, points both
/// positions at the classifier token.
public struct TrainingFeatureBuilder: Sendable {
    /// The tokenizer that builds the windows (the reader's).
    public let tokenizer: any Tokenizer
    /// Most tokens per window, special tokens included.
    public let maxSeqLen: Int
    /// Context tokens shared by consecutive windows.
    public let docStride: Int
    private let classTokenId: Int32?

    /// A builder for windows of at most `maxSeqLen` tokens overlapping by `docStride` (less than `maxSeqLen`).
    public init(tokenizer: any Tokenizer, maxSeqLen: Int, docStride: Int) throws(TrainingError) {
        guard maxSeqLen >= 8 else {
            throw .invalidOption(name: "max sequence length", reason: "\(maxSeqLen) is below 8")
        }
        guard docStride >= 0, docStride < maxSeqLen else {
            throw .invalidOption(
                name: "document stride", reason: "\(docStride) must be 0 or more and below \(maxSeqLen)")
        }
        self.tokenizer = tokenizer
        self.maxSeqLen = maxSeqLen
        self.docStride = docStride
        classTokenId = tokenizer.encode("", addSpecialTokens: true).ids.first
    }

    /// The labelled windows of one question.
    public func features(_ question: SQuADQuestion) throws(TrainingError) -> [TrainingFeature] {
        // run_qa strips the question's leading whitespace (some datasets have long runs of it).
        let text = String(
            String.UnicodeScalarView(question.question.unicodeScalars.drop { $0.properties.isWhitespace }))
        guard !text.isEmpty else { throw .invalidExample(id: question.id, reason: "the question is empty") }
        guard !question.context.isEmpty else { throw .invalidExample(id: question.id, reason: "the context is empty") }
        let windows = tokenizer.encodePair(text, question.context, maxLength: maxSeqLen, stride: docStride)
        guard !windows.isEmpty else {
            let tokens = tokenizer.encode(text, addSpecialTokens: false).count
            throw .invalidExample(
                id: question.id, reason: "the question has \(tokens) tokens, too many for windows of \(maxSeqLen)")
        }
        if windows.count > 1 {
            let room = windows[0].sequenceIds.reduce(0) { $0 + ($1 == 1 ? 1 : 0) }
            guard docStride < room else {
                throw .invalidExample(
                    id: question.id,
                    reason: "a stride of \(docStride) leaves no new context per window (\(room) context tokens fit)")
            }
        }
        var answerSpan: (start: Int, end: Int)? = nil
        if let answer = question.answers.first {
            let start = answer.answerStart
            let end = start + answer.text.unicodeScalars.count
            let scalars = question.context.unicodeScalars
            guard start >= 0, end <= scalars.count else {
                throw .invalidExample(
                    id: question.id,
                    reason: "answer_start \(start) is outside the context (\(scalars.count) characters)")
            }
            answerSpan = (start, end)
        }
        return windows.map { window in
            let cls = window.ids.firstIndex(of: classTokenId ?? -1) ?? 0
            guard let (startChar, endChar) = answerSpan else {
                return TrainingFeature(ids: window.ids, startPosition: cls, endPosition: cls)
            }
            let offsets = window.offsets
            let sequence = window.sequenceIds
            guard var first = sequence.firstIndex(of: 1), var last = sequence.lastIndex(of: 1) else {
                return TrainingFeature(ids: window.ids, startPosition: cls, endPosition: cls)
            }
            guard offsets[first].lowerBound <= startChar, offsets[last].upperBound >= endChar else {
                return TrainingFeature(ids: window.ids, startPosition: cls, endPosition: cls)
            }
            // The same walks as run_qa, special tokens' (0, 0) offsets included.
            while first < offsets.count && offsets[first].lowerBound <= startChar { first += 1 }
            while last > 0 && offsets[last].upperBound >= endChar { last -= 1 }
            return TrainingFeature(ids: window.ids, startPosition: first - 1, endPosition: last + 1)
        }
    }

    /// The windows of every question, in order, with the question each came from.
    public func features(_ questions: [SQuADQuestion]) throws(TrainingError) -> [TrainingFeature] {
        var all: [TrainingFeature] = []
        for question in questions { all.append(contentsOf: try features(question)) }
        return all
    }
}
