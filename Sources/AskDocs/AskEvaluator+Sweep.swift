import DocumentStore
import Foundation
import Reader

/// What a sweep scored: the closed-book reference and one row per setting.
public struct AskSweep: Sendable, Equatable, Codable {
    /// Questions asked.
    public var questions: Int
    /// The same reader given the gold paragraph (as `eval squad` reads).
    public var closedBook: SQuADMetrics
    /// One row per setting.
    public var rows: [AskSweepRow]

    enum CodingKeys: String, CodingKey {
        case questions, rows
        case closedBook = "closed_book"
    }
}

/// One setting of a sweep and what it scored.
public struct AskSweepRow: Sendable, Equatable, Codable {
    /// Neighbouring chunks read on each side (nil: every retrieved chunk alone).
    public var neighbours: Int?
    /// Chunks retrieved.
    public var passages: Int
    /// Adaptive reading: chunks read first; the rest (up to `passages`) only when the best answer of those is not
    /// confident. Nil: all at once.
    public var firstPassages: Int?
    /// Adaptive reading: the probability at which the first round's best answer is confident.
    public var threshold: Double?
    /// Cross-passage scoring.
    public var scoring: String
    /// Official SQuAD metrics of the best candidate (answers ordered by merged probability).
    public var metrics: SQuADMetrics
    /// F1 when answers are ordered by their best single score instead (no adding up of duplicates).
    public var bestScoreF1: Double
    /// Reader windows per question: the cost (every window is one model pass).
    public var windowsPerQuestion: Double
    /// Fraction of questions whose gold paragraph is among the passages.
    public var recall: Double
    /// Fraction of the (answerable) questions on which "no answer" wins, per rule: every window / best null.
    public var noAnswerRate: [Double]
    /// The same with the gold paragraph's passages left out (the passages then rarely hold the answer, so "no
    /// answer" is right): how often each rule says so.
    public var noAnswerRateWithoutGold: [Double]

    enum CodingKeys: String, CodingKey {
        case neighbours, passages, scoring, metrics, recall, threshold
        case firstPassages = "first_passages"
        case bestScoreF1 = "best_score_f1"
        case windowsPerQuestion = "windows_per_question"
        case noAnswerRate = "no_answer_rate"
        case noAnswerRateWithoutGold = "no_answer_rate_without_gold"
    }
}

extension AskEvaluator {
    /// Scores many settings in one pass over the questions: each question is searched once for the most passages
    /// asked, and every distinct passage is read once (windows are shared by the settings that read it), so a sweep
    /// costs little more than its largest setting. Seconds are not measured here (shared reads would flatter them):
    /// `windowsPerQuestion` is the cost.
    public func sweep(
        _ dataset: SQuADDataset, articles: ClosedRange<Int>? = nil, passages counts: [Int],
        neighbours choices: [Int?], progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) throws -> AskSweep {
        let corpus = try buildCorpus(dataset, articles: articles)
        defer { corpus.remove() }
        let asker = corpus.asker
        let depth = counts.max() ?? 1
        let scorings = RankingOptions.Scoring.allCases
        let rules: [RankingOptions.NoAnswerRule] = [.everyWindow, .bestNullAgainstBestSpan]
        struct Key: Hashable {
            var neighbours: Int?
            var passages: Int
            var scoring: RankingOptions.Scoring
        }
        struct Tally {
            var predictions = SQuADPredictions()
            var byScore = SQuADPredictions()
            var windows = 0
            var found = 0
            var noAnswer = [0, 0]
            var noAnswerWithoutGold = [0, 0]
        }
        struct AdaptiveKey: Hashable {
            var neighbours: Int?
            var first: Int
            var threshold: Double
            var scoring: RankingOptions.Scoring
        }
        /// What one setting gave one question.
        struct Outcome {
            var answer: String
            var noAnswerProbability: Double
            var bestProbability: Double
            var answerable: Bool
            var passages: Set<String>
            var found: Bool
        }
        let thresholds = [0.3, 0.5, 0.7, 0.9]
        var tallies: [Key: Tally] = [:]
        var adaptive: [AdaptiveKey: Tally] = [:]
        for (done, question) in corpus.questions.enumerated() {
            var outcomes: [Key: Outcome] = [:]
            let results = try asker.searcher.search(
                SearchRequest(query: question.question, k: depth, mode: mode))
            let gold = corpus.goldFile(question)
            var cache: [String: [ReaderWindow]] = [:]
            for choice in choices {
                for count in counts {
                    let passages = try asker.passages(Array(results.prefix(count)), neighbours: choice)
                    let key = { (p: AskPassage) in "\(p.documentKey)|\(p.start)|\(p.end)" }
                    let missing = passages.filter { cache[key($0)] == nil }
                    let read = try reader.passageWindows(
                        question: question.question, passages: missing.map(\.readerPassage),
                        windowOptions: asker.windowOptions)
                    for (passage, windows) in zip(missing, read) { cache[key(passage)] = windows }
                    let ranking = passages.map { passage in
                        RankingPassage(
                            documentId: passage.documentKey, documentOffset: passage.start, text: passage.text,
                            windows: cache[key(passage)] ?? [])
                    }
                    let isGold = passages.map { passage in
                        passage.chunks.first.map { ($0.sourcePath as NSString).lastPathComponent } == gold
                    }
                    for scoring in scorings {
                        var tally = tallies[
                            Key(neighbours: choice, passages: count, scoring: scoring), default: Tally()]
                        tally.windows += ranking.reduce(0) { $0 + $1.windows.count }
                        if isGold.contains(true) { tally.found += 1 }
                        for (index, rule) in rules.enumerated() {
                            let ranker = try PassageRanker(
                                options: RankingOptions(topK: 50, noAnswerRule: rule, scoring: scoring))
                            let result = try ranker.rank(ranking)
                            if index == 0 {
                                outcomes[Key(neighbours: choice, passages: count, scoring: scoring)] = Outcome(
                                    answer: result.answers.first?.text ?? "",
                                    noAnswerProbability: result.noAnswer.probability,
                                    bestProbability: result.answers.first?.probability ?? 0,
                                    answerable: result.isAnswerable, passages: Set(passages.map(key)),
                                    found: isGold.contains(true))
                                tally.predictions.add(
                                    id: question.id, answer: result.answers.first?.text ?? "",
                                    noAnswerProbability: result.noAnswer.probability)
                                let byScore = result.answers.max { $0.score < $1.score }
                                tally.byScore.add(id: question.id, answer: byScore?.text ?? "")
                            }
                            if !result.isAnswerable { tally.noAnswer[index] += 1 }
                            let withoutGold = zip(ranking, isGold).filter { !$1 }.map(\.0)
                            if !(try ranker.rank(withoutGold).isAnswerable) { tally.noAnswerWithoutGold[index] += 1 }
                        }
                        tallies[Key(neighbours: choice, passages: count, scoring: scoring)] = tally
                    }
                }
                // Adaptive reading: the first round's outcome when confident, else the full round's; the full
                // round reads only the passages the first did not.
                for first in counts where first < depth {
                    for scoring in scorings {
                        guard let early = outcomes[Key(neighbours: choice, passages: first, scoring: scoring)],
                            let full = outcomes[Key(neighbours: choice, passages: depth, scoring: scoring)]
                        else { continue }
                        for threshold in thresholds {
                            let adaptiveKey = AdaptiveKey(
                                neighbours: choice, first: first, threshold: threshold, scoring: scoring)
                            var tally = adaptive[adaptiveKey, default: Tally()]
                            let confident = early.answerable && early.bestProbability >= threshold
                            let chosen = confident ? early : full
                            tally.predictions.add(
                                id: question.id, answer: chosen.answer,
                                noAnswerProbability: chosen.noAnswerProbability)
                            tally.byScore.add(id: question.id, answer: chosen.answer)
                            let read = confident ? early.passages : early.passages.union(full.passages)
                            tally.windows += read.reduce(0) { $0 + (cache[$1]?.count ?? 0) }
                            if chosen.found { tally.found += 1 }
                            adaptive[adaptiveKey] = tally
                        }
                    }
                }
            }
            progress(done + 1, corpus.questions.count)
        }
        let subset = SQuADDataset(version: dataset.version, questions: corpus.questions)
        let evaluator = SQuADEvaluator(normalizer: normalizer)
        let total = Double(max(corpus.questions.count, 1))
        var rows: [AskSweepRow] = []
        for choice in choices {
            for count in counts {
                for scoring in scorings {
                    let tally = tallies[Key(neighbours: choice, passages: count, scoring: scoring)] ?? Tally()
                    rows.append(
                        AskSweepRow(
                            neighbours: choice, passages: count, firstPassages: nil, threshold: nil,
                            scoring: scoring.rawValue,
                            metrics: evaluator.evaluate(
                                dataset: subset, predictions: tally.predictions.dictionary,
                                noAnswerProbabilities: tally.predictions.probabilities),
                            bestScoreF1: evaluator.evaluate(dataset: subset, predictions: tally.byScore.dictionary).f1,
                            windowsPerQuestion: Double(tally.windows) / total, recall: Double(tally.found) / total,
                            noAnswerRate: tally.noAnswer.map { Double($0) / total },
                            noAnswerRateWithoutGold: tally.noAnswerWithoutGold.map { Double($0) / total }))
                }
            }
        }
        for choice in choices {
            for first in counts where first < depth {
                for scoring in scorings {
                    for threshold in thresholds {
                        let adaptiveKey = AdaptiveKey(
                            neighbours: choice, first: first, threshold: threshold, scoring: scoring)
                        let tally = adaptive[adaptiveKey] ?? Tally()
                        rows.append(
                            AskSweepRow(
                                neighbours: choice, passages: depth, firstPassages: first, threshold: threshold,
                                scoring: scoring.rawValue,
                                metrics: evaluator.evaluate(
                                    dataset: subset, predictions: tally.predictions.dictionary,
                                    noAnswerProbabilities: tally.predictions.probabilities),
                                bestScoreF1: evaluator.evaluate(dataset: subset, predictions: tally.byScore.dictionary)
                                    .f1,
                                windowsPerQuestion: Double(tally.windows) / total, recall: Double(tally.found) / total,
                                noAnswerRate: [], noAnswerRateWithoutGold: []))
                    }
                }
            }
        }
        var closed = SQuADPredictions()
        let closedResults = try reader.read(
            corpus.questions.map { ReaderInput(question: $0.question, context: $0.context) })
        for (question, result) in zip(corpus.questions, closedResults) {
            closed.add(
                id: question.id, answer: result.answers.first?.answer ?? "",
                noAnswerProbability: result.noAnswerProbability)
        }
        return AskSweep(
            questions: corpus.questions.count,
            closedBook: evaluator.evaluate(
                dataset: subset, predictions: closed.dictionary, noAnswerProbabilities: closed.probabilities),
            rows: rows)
    }
}
