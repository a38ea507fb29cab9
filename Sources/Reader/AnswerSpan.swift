import Foundation

/// An extracted answer, shaped like one result of the question-answering pipeline.
public struct AnswerSpan: Sendable, Equatable, Codable {
    /// The answer text: `context[start..<end]` (empty for the null answer).
    public var answer: String
    /// The pipeline score: a sum of `P(start) * P(end)` over every span that produced this text
    /// (case-insensitively), or the minimum null score for the null answer.
    public var score: Double
    /// Start of the answer in the context, in Unicode scalars.
    public var start: Int
    /// End (exclusive) of the answer in the context, in Unicode scalars.
    public var end: Int

    /// Creates an answer.
    public init(answer: String, score: Double, start: Int, end: Int) {
        self.answer = answer
        self.score = score
        self.start = start
        self.end = end
    }

    /// Whether this is the pipeline's null answer (`handle_impossible_answer`).
    public var isNull: Bool { answer.isEmpty && start == 0 && end == 0 }
}
