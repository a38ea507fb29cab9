import Foundation

/// Options of the question-answering pipeline's postprocess step (same names and defaults).
public struct PipelineOptions: Sendable, Equatable, Codable {
    /// Number of answers to return (`top_k`).
    public var topK: Int
    /// Whether the null answer competes with the spans (`handle_impossible_answer`).
    public var handleImpossibleAnswer: Bool
    /// Longest answer in tokens (`max_answer_len`).
    public var maxAnswerLength: Int
    /// Whether answers widen to whole words (`align_to_words`).
    public var alignToWords: Bool

    /// Creates options; the defaults are the pipeline's.
    public init(
        topK: Int = 1, handleImpossibleAnswer: Bool = false, maxAnswerLength: Int = 15, alignToWords: Bool = true
    ) {
        self.topK = topK
        self.handleImpossibleAnswer = handleImpossibleAnswer
        self.maxAnswerLength = maxAnswerLength
        self.alignToWords = alignToWords
    }
}

/// transformers 4.57.6 `QuestionAnsweringPipeline.postprocess` for one (question, context): decodes every
/// window, maps spans to characters, merges answers whose texts are equal ignoring case (adding their
/// scores, across windows too), adds the null answer, sorts stably by score and keeps `topK`.
///
/// Windows must come from a right-padding tokenizer (question first), which XLM-R and BERT are.
public struct PipelinePostprocessor: Sendable, Equatable {
    /// The options applied.
    public var options: PipelineOptions

    /// Creates a postprocessor; throws on `topK < 1` or `maxAnswerLength < 1` as the pipeline does.
    public init(options: PipelineOptions = PipelineOptions()) throws(ReaderError) {
        guard options.topK >= 1 else { throw .invalidOption(name: "topK", value: options.topK, minimum: 1) }
        _ = try SpanDecoder(maxAnswerLength: options.maxAnswerLength)
        self.options = options
    }

    /// The answers, best first, at most `topK` (the pipeline returns one dict when exactly one remains).
    public func answers(windows: [ReaderWindow], context: String) throws(ReaderError) -> [AnswerSpan] {
        try decode(windows: windows, context: context).answers
    }

    /// The answers together with the null score and the best span score, which the pipeline computes but
    /// only reports when `handleImpossibleAnswer` is set (they define `PipelineDecoding.noAnswerProbability`).
    public func decode(windows: [ReaderWindow], context: String) throws(ReaderError) -> PipelineDecoding {
        let decoder = try SpanDecoder(maxAnswerLength: options.maxAnswerLength)
        // More candidates than asked for: word alignment can turn several spans into one answer.
        let preTopK = options.alignToWords ? options.topK * 2 + 10 : options.topK
        let text = ScalarText(context)
        var answers: [AnswerSpan] = []
        var indexByKey: [String: Int] = [:]
        var minNullScore = 1_000_000.0
        for window in windows {
            let decoded = try decoder.decode(window, topK: preTopK)
            minNullScore = min(minNullScore, Double(decoded.nullScore))
            for candidate in decoded.candidates {
                let span = window.pipelineCharacterSpan(
                    start: candidate.startToken, end: candidate.endToken, alignToWords: options.alignToWords)
                let answer = text.slice(span.lower, span.upper)
                let key = answer.pythonLowercased
                if let existing = indexByKey[key] {
                    answers[existing].score += Double(candidate.score)
                } else {
                    indexByKey[key] = answers.count
                    answers.append(
                        AnswerSpan(answer: answer, score: Double(candidate.score), start: span.lower, end: span.upper))
                }
            }
        }
        let bestSpanScore = answers.map(\.score).max()
        if options.handleImpossibleAnswer {
            answers.append(AnswerSpan(answer: "", score: minNullScore, start: 0, end: 0))
        }
        // Python's `sorted(..., reverse=True)` is stable: equal scores keep their insertion order.
        let order = answers.indices.sorted { a, b in
            answers[a].score != answers[b].score ? answers[a].score > answers[b].score : a < b
        }
        return PipelineDecoding(
            answers: order.prefix(options.topK).map { answers[$0] }, nullScore: windows.isEmpty ? nil : minNullScore,
            bestSpanScore: bestSpanScore)
    }

    /// The pipeline-shaped result: one answer when exactly one remains, else the list.
    public func output(windows: [ReaderWindow], context: String) throws(ReaderError) -> ReaderOutput {
        ReaderOutput(answers: try answers(windows: windows, context: context))
    }
}

/// Everything `PipelinePostprocessor.decode` finds for one (question, context).
public struct PipelineDecoding: Sendable, Equatable {
    /// The pipeline's answers, best first, at most `topK`.
    public var answers: [AnswerSpan]
    /// The null score `P(start=0)·P(end=0)`, minimum over windows (the pipeline's `min_null_score`);
    /// nil without windows.
    public var nullScore: Double?
    /// The best span answer's score after merging equal texts (nil when no span has a non-zero score).
    public var bestSpanScore: Double?

    /// Creates a decoding.
    public init(answers: [AnswerSpan], nullScore: Double?, bestSpanScore: Double?) {
        self.answers = answers
        self.nullScore = nullScore
        self.bestSpanScore = bestSpanScore
    }

    /// The no-answer probability for SQuAD v2 evaluation: `null / (null + best span)`, both pipeline
    /// scores. It exceeds 0.5 exactly when `handle_impossible_answer` would put the null answer first;
    /// 1 when no span scores, 0 without windows.
    public var noAnswerProbability: Double {
        guard let nullScore else { return 0 }
        guard let best = bestSpanScore, nullScore + best > 0 else { return 1 }
        return nullScore / (nullScore + best)
    }
}
