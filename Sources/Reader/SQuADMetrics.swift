import Foundation

/// The result of the official SQuAD v2.0 evaluation (`evaluate-v2.0.py`), with its key names.
public struct SQuADMetrics: Sendable, Equatable, Codable {
    /// Exact match over all predicted questions, in percent.
    public var exact: Double
    /// Token F1 over all predicted questions, in percent.
    public var f1: Double
    /// Number of predicted questions.
    public var total: Int
    /// Exact match over questions with a gold answer.
    public var hasAnsExact: Double?
    /// F1 over questions with a gold answer.
    public var hasAnsF1: Double?
    /// Number of questions with a gold answer.
    public var hasAnsTotal: Int?
    /// Exact match over unanswerable questions.
    public var noAnsExact: Double?
    /// F1 over unanswerable questions.
    public var noAnsF1: Double?
    /// Number of unanswerable questions.
    public var noAnsTotal: Int?
    /// Best exact match over no-answer thresholds (only with no-answer probabilities).
    public var bestExact: Double?
    /// The threshold giving `bestExact`.
    public var bestExactThresh: Double?
    /// Best F1 over no-answer thresholds (only with no-answer probabilities).
    public var bestF1: Double?
    /// The threshold giving `bestF1`.
    public var bestF1Thresh: Double?
    /// Dataset questions without a prediction (the official script skips them in the totals).
    public var missingPredictions: Int

    private enum CodingKeys: String, CodingKey {
        case exact, f1, total
        case hasAnsExact = "HasAns_exact"
        case hasAnsF1 = "HasAns_f1"
        case hasAnsTotal = "HasAns_total"
        case noAnsExact = "NoAns_exact"
        case noAnsF1 = "NoAns_f1"
        case noAnsTotal = "NoAns_total"
        case bestExact = "best_exact"
        case bestExactThresh = "best_exact_thresh"
        case bestF1 = "best_f1"
        case bestF1Thresh = "best_f1_thresh"
        case missingPredictions = "missing_predictions"
    }

    /// Pretty JSON with the official script's key names.
    public func jsonData() throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}

/// Per-question scores of an evaluation, for error analysis.
public struct SQuADQuestionScore: Sendable, Equatable {
    /// The question id.
    public var id: String
    /// Whether the question has a gold answer.
    public var hasAnswer: Bool
    /// Exact match (0 or 1) before the no-answer threshold.
    public var exact: Double
    /// F1 in [0, 1] before the no-answer threshold.
    public var f1: Double
}
