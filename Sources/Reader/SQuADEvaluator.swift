import Foundation

/// The official SQuAD v2.0 evaluation (`evaluate-v2.0.py`), optionally with MLQA's per-language answer
/// normalisation. Sums run in dataset order, as the script's do, so results equal it bit for bit
/// (under Python ≤ 3.11, whose `sum` does not compensate).
public struct SQuADEvaluator: Sendable, Equatable {
    /// The answer normalisation.
    public var normalizer: SQuADNormalizer
    /// A question counts as predicted unanswerable when its no-answer probability exceeds this
    /// (`--na-prob-thresh`, default 1.0).
    public var noAnswerThreshold: Double

    /// Creates an evaluator.
    public init(normalizer: SQuADNormalizer = SQuADNormalizer(), noAnswerThreshold: Double = 1.0) {
        self.normalizer = normalizer
        self.noAnswerThreshold = noAnswerThreshold
    }

    /// `compute_exact`: 1 when the normalised texts are equal (code points), else 0.
    public func exact(gold: String, prediction: String) -> Double {
        normalizer.tokens(gold) == normalizer.tokens(prediction) ? 1 : 0
    }

    /// `compute_f1`: token-bag F1; when either side is empty, 1 if both are, else 0.
    public func f1(gold: String, prediction: String) -> Double {
        let goldTokens = gold.isEmpty ? [] : normalizer.tokens(gold)
        let predictedTokens = prediction.isEmpty ? [] : normalizer.tokens(prediction)
        if goldTokens.isEmpty || predictedTokens.isEmpty { return goldTokens == predictedTokens ? 1 : 0 }
        var counts: [[Unicode.Scalar]: Int] = [:]
        for token in goldTokens { counts[token, default: 0] += 1 }
        var same = 0
        for token in predictedTokens {
            if let count = counts[token], count > 0 {
                counts[token] = count - 1
                same += 1
            }
        }
        if same == 0 { return 0 }
        let precision = 1.0 * Double(same) / Double(predictedTokens.count)
        let recall = 1.0 * Double(same) / Double(goldTokens.count)
        return (2 * precision * recall) / (precision + recall)
    }

    /// Per-question exact and F1, maximised over the gold answers that normalise to something non-empty
    /// (`[""]` when none does); questions without a prediction are left out.
    public func questionScores(dataset: SQuADDataset, predictions: [String: String]) -> [SQuADQuestionScore] {
        dataset.questions.compactMap { question in
            guard let predicted = predictions[question.id] else { return nil }
            var golds = question.answers.map(\.text).filter { !normalizer.tokens($0).isEmpty }
            if golds.isEmpty { golds = [""] }
            return SQuADQuestionScore(
                id: question.id, hasAnswer: question.hasAnswer,
                exact: golds.map { exact(gold: $0, prediction: predicted) }.max() ?? 0,
                f1: golds.map { f1(gold: $0, prediction: predicted) }.max() ?? 0)
        }
    }

    /// Evaluates `predictions` (question id → answer text, "" for no answer). `noAnswerProbabilities`
    /// (id → probability, in file order) enables the threshold and the best-threshold search, as
    /// `--na-prob-file` does; without it every probability is 0.
    public func evaluate(
        dataset: SQuADDataset, predictions: [String: String], noAnswerProbabilities: SQuADNoAnswerProbabilities? = nil
    ) -> SQuADMetrics {
        let scores = questionScores(dataset: dataset, predictions: predictions)
        let probabilities = noAnswerProbabilities?.values ?? [:]
        // apply_no_ans_threshold
        let thresholded = scores.map { score -> (exact: Double, f1: Double) in
            if (probabilities[score.id] ?? 0) > noAnswerThreshold {
                let value: Double = score.hasAnswer ? 0 : 1
                return (value, value)
            }
            return (score.exact, score.f1)
        }
        func summary(_ indices: [Int]) -> (exact: Double, f1: Double, total: Int) {
            var exactSum = 0.0
            var f1Sum = 0.0
            for index in indices {
                exactSum += thresholded[index].exact
                f1Sum += thresholded[index].f1
            }
            return (100.0 * exactSum / Double(indices.count), 100.0 * f1Sum / Double(indices.count), indices.count)
        }
        let all = summary(Array(scores.indices))
        let predictedIds = Set(scores.map(\.id))
        var metrics = SQuADMetrics(
            exact: all.exact, f1: all.f1, total: all.total,
            missingPredictions: dataset.questions.filter { !predictedIds.contains($0.id) }.count)
        // The script indexes the breakdowns by every dataset question of the kind; it fails on missing
        // predictions, here they are left out.
        let hasAnswer = scores.indices.filter { scores[$0].hasAnswer }
        let noAnswer = scores.indices.filter { !scores[$0].hasAnswer }
        if dataset.questions.contains(where: \.hasAnswer), !hasAnswer.isEmpty {
            let part = summary(hasAnswer)
            (metrics.hasAnsExact, metrics.hasAnsF1, metrics.hasAnsTotal) = (part.exact, part.f1, part.total)
        }
        if dataset.questions.contains(where: { !$0.hasAnswer }), !noAnswer.isEmpty {
            let part = summary(noAnswer)
            (metrics.noAnsExact, metrics.noAnsF1, metrics.noAnsTotal) = (part.exact, part.f1, part.total)
        }
        if let noAnswerProbabilities {
            let noAnswerCount = dataset.questions.filter { !$0.hasAnswer }.count
            let best = { (value: KeyPath<SQuADQuestionScore, Double>) -> (Double, Double) in
                Self.bestThreshold(
                    scores: scores, value: value, predictions: predictions, probabilities: noAnswerProbabilities,
                    noAnswerCount: noAnswerCount)
            }
            (metrics.bestExact, metrics.bestExactThresh) = best(\.exact)
            (metrics.bestF1, metrics.bestF1Thresh) = best(\.f1)
        }
        return metrics
    }

    /// `find_best_thresh`: walks questions by increasing no-answer probability (stable, file order for
    /// ties), as if every question up to there were answered and the rest predicted unanswerable.
    static func bestThreshold(
        scores: [SQuADQuestionScore], value: KeyPath<SQuADQuestionScore, Double>, predictions: [String: String],
        probabilities: SQuADNoAnswerProbabilities, noAnswerCount: Int
    ) -> (score: Double, threshold: Double) {
        let byId = Dictionary(scores.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        var current = Double(noAnswerCount)
        var best = current
        var threshold = 0.0
        let order = probabilities.orderedIds.enumerated().sorted { a, b in
            let (pa, pb) = (probabilities.values[a.element] ?? 0, probabilities.values[b.element] ?? 0)
            return pa != pb ? pa < pb : a.offset < b.offset
        }
        for (_, id) in order {
            guard let score = byId[id] else { continue }
            let difference: Double
            if score.hasAnswer {
                difference = score[keyPath: value]
            } else {
                difference = (predictions[id] ?? "").isEmpty ? 0 : -1
            }
            current += difference
            if current > best {
                best = current
                threshold = probabilities.values[id] ?? 0
            }
        }
        return (100.0 * best / Double(scores.count), threshold)
    }
}

/// No-answer probabilities per question id (the official `--na-prob-file`), keeping file order.
public struct SQuADNoAnswerProbabilities: Sendable, Equatable {
    /// Question ids in file order.
    public var orderedIds: [String]
    /// Probability per question id.
    public var values: [String: Double]

    /// Creates probabilities from `(id, probability)` pairs in order.
    public init(_ pairs: [(String, Double)]) {
        orderedIds = []
        values = [:]
        for (id, value) in pairs {
            if values.updateValue(value, forKey: id) == nil { orderedIds.append(id) }
        }
    }

    /// Loads a `{"id": probability}` JSON file.
    public init(contentsOf url: URL) throws(ReaderError) {
        do {
            let pairs = try OrderedJSONObject.parse(Data(contentsOf: url))
            self.init(
                try pairs.map { pair in
                    guard case .number(let value) = pair.value else {
                        throw OrderedJSONObject.Failure(message: "probability of '\(pair.key)' is not a number")
                    }
                    return (pair.key, value)
                })
        } catch {
            throw .unreadablePredictions(path: url.path, reason: error.localizedDescription)
        }
    }
}
