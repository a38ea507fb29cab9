import Foundation
import Reader

/// Where a reader evaluation is.
public struct ReaderEvalProgress: Sendable, Equatable {
    /// Questions answered.
    public var done: Int
    /// Questions to answer.
    public var total: Int
    /// Seconds since the run started.
    public var elapsed: Double

    /// Questions per second so far.
    public var questionsPerSecond: Double { elapsed > 0 ? Double(done) / elapsed : 0 }

    /// Estimated seconds left, from the rate so far; nil before there is a rate.
    public var estimatedSecondsLeft: Double? {
        guard done > 0, elapsed > 0 else { return nil }
        return Double(total - done) / questionsPerSecond
    }
}

/// What a reader evaluation found.
public struct ReaderEvalReport: Sendable, Equatable {
    /// The official SQuAD v2 metrics.
    public var metrics: SQuADMetrics
    /// Each question's best answer ("" for no answer) and no-answer probability.
    public var predictions: SQuADPredictions
    /// Wall-clock seconds the reader took.
    public var seconds: Double
}

/// Why a reader evaluation stopped.
public enum ReaderEvalError: LocalizedError, Equatable, Sendable {
    /// The reader could not read one question (e.g. it leaves no room for its context).
    case questionFailed(id: String, reason: String)

    /// One line.
    public var errorDescription: String? {
        switch self {
        case .questionFailed(let id, let reason): "question \(id): \(reason)"
        }
    }
}

/// Reader quality on a SQuAD v1.1/v2.0 dataset: answers every question with the reader (its best answer, "" when
/// "no answer" wins) and scores the answers as the official evaluate-v2.0.py does, with the no-answer
/// probabilities driving best_exact/best_f1.
public struct ReaderEvaluator: Sendable {
    /// The reader.
    public var reader: ExtractiveReader
    /// Windowing, decoding and batching.
    public var options: ReaderOptions
    /// Answer normalisation (SQuAD's, or MLQA's for a language).
    public var normalizer: SQuADNormalizer

    /// Creates an evaluator.
    public init(
        reader: ExtractiveReader, options: ReaderOptions = ReaderOptions(),
        normalizer: SQuADNormalizer = SQuADNormalizer()
    ) {
        self.reader = reader
        self.options = options
        self.normalizer = normalizer
    }

    /// Answers and scores `dataset`'s questions; `progress` is called after every group of questions.
    public func run(_ dataset: SQuADDataset, progress: (ReaderEvalProgress) -> Void = { _ in }) throws
        -> ReaderEvalReport
    {
        let started = Date()
        var predicted = SQuADPredictions()
        let questions = dataset.questions
        // Enough questions per call for full, similar-length batches, with regular progress.
        let groupSize = max(32, options.batchSize * 8)
        progress(ReaderEvalProgress(done: 0, total: questions.count, elapsed: 0))
        for groupStart in stride(from: 0, to: questions.count, by: groupSize) {
            let group = questions[groupStart..<min(groupStart + groupSize, questions.count)]
            let results: [ReaderResult]
            do {
                results = try reader.read(
                    group.map { ReaderInput(question: $0.question, context: $0.context) }, options: options)
            } catch {
                guard case .inputFailed(let index, let reason) = error else { throw error }
                throw ReaderEvalError.questionFailed(id: group[group.startIndex + index].id, reason: reason)
            }
            for (question, result) in zip(group, results) {
                predicted.add(
                    id: question.id, answer: result.answers.first?.answer ?? "",
                    noAnswerProbability: result.noAnswerProbability)
            }
            progress(
                ReaderEvalProgress(
                    done: groupStart + group.count, total: questions.count,
                    elapsed: Date().timeIntervalSince(started)))
        }
        let metrics = SQuADEvaluator(normalizer: normalizer).evaluate(
            dataset: dataset, predictions: predicted.dictionary, noAnswerProbabilities: predicted.probabilities)
        return ReaderEvalReport(metrics: metrics, predictions: predicted, seconds: Date().timeIntervalSince(started))
    }
}
