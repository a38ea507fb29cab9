import Foundation

/// One passage (chunk) of a document given to the reader in ranking mode, with its model windows.
public struct RankingPassage: Sendable, Equatable {
    /// The document the passage comes from; answers of overlapping chunks of one document merge.
    public var documentId: String
    /// Where the passage starts in its document, in Unicode scalars.
    public var documentOffset: Int
    /// The passage text (the context the windows were encoded from).
    public var text: String
    /// The model windows of (question, passage), as for the pipeline.
    public var windows: [ReaderWindow]

    /// Creates a passage.
    public init(documentId: String, documentOffset: Int = 0, text: String, windows: [ReaderWindow]) {
        self.documentId = documentId
        self.documentOffset = documentOffset
        self.text = text
        self.windows = windows
    }
}

/// Where an answer was found.
public struct AnswerSource: Sendable, Equatable, Codable {
    /// The document id.
    public var documentId: String
    /// Index of the passage in the ranker's input.
    public var passageIndex: Int
    /// Index of the window within the passage.
    public var windowIndex: Int
    /// Answer start in the passage, in Unicode scalars.
    public var start: Int
    /// Answer end (exclusive) in the passage.
    public var end: Int
    /// Answer start in the document (`documentOffset + start`).
    public var documentStart: Int
    /// Answer end (exclusive) in the document.
    public var documentEnd: Int
    /// The span's raw score there: start logit + end logit.
    public var score: Float
}

/// A ranked answer across passages, or the "no answer" result.
public struct RankedAnswer: Sendable, Equatable, Codable {
    /// Whether this is a text span or the decision that the passages hold no answer.
    public enum Kind: String, Sendable, Equatable, Codable {
        /// An extracted span.
        case span
        /// No passage answers the question.
        case noAnswer
    }

    /// The kind of result.
    public var kind: Kind
    /// The answer text ("" for no answer): the text of its best-scoring source.
    public var text: String
    /// Raw score comparable across passages: the best start + end logit of its sources; for no answer,
    /// the best null logit (start + end at the classifier token) plus `noAnswerBoost`.
    public var score: Float
    /// Calibrated probability: softmax over every valid span of every window and the boosted null
    /// score; merged answers add the probabilities of distinct places, not of repeated sightings.
    public var probability: Double
    /// Every place the answer was found, best first (empty for no answer).
    public var sources: [AnswerSource]
}

/// The result of ranking one question over several passages.
public struct RankingResult: Sendable, Equatable, Codable {
    /// Span answers, most probable first, at most `topK`.
    public var answers: [RankedAnswer]
    /// The no-answer result with its score and probability.
    public var noAnswer: RankedAnswer
    /// Whether the passages answer the question (the no-answer rule did not fire).
    public var isAnswerable: Bool

    /// The answers a user sees: the no-answer result first when it wins, then the spans.
    public var ranked: [RankedAnswer] { isAnswerable ? answers : [noAnswer] + answers }

    /// The best result: the top span, or no answer.
    public var best: RankedAnswer { isAnswerable ? (answers.first ?? noAnswer) : noAnswer }
}

/// Options of ranking mode.
public struct RankingOptions: Sendable, Equatable {
    /// When "no answer" wins.
    public enum NoAnswerRule: Sendable, Equatable {
        /// Haystack 1 (FARM) `reduce_preds`: a window votes "no answer" when its null score plus the
        /// boost exceeds its best span; the question is unanswerable when every window votes so.
        case everyWindow
        /// The best null score over all windows plus the boost exceeds the best span score anywhere.
        case bestNullAgainstBestSpan
    }

    /// How a span's score is made comparable across windows and passages. Each is the raw start + end
    /// logit minus an offset of its window, applied to the window's null score too.
    public enum Scoring: String, Sendable, Equatable, CaseIterable {
        /// Raw logits (Haystack 1): offset 0.
        case logits
        /// The span's margin over its own window's null score (start + end logit at the classifier token): a
        /// reader trained with unanswerable pairs scores a distractor passage's null high, so its spans drop.
        case nullMargin
        /// The pipeline's per-window probability `P(start)·P(end)` (log): each window's logits minus the log
        /// partitions of its start and end softmaxes over the selectable tokens.
        case windowProbability
    }

    /// How merged answers are ordered.
    public enum Ordering: String, Sendable, Equatable, CaseIterable {
        /// By merged probability (distinct places of one text add up), then score.
        case probability
        /// By the best single score among the answer's places, then probability: repeated distractor text gains
        /// nothing from its repetitions.
        case score
    }

    /// How answer boundaries are chosen.
    public enum Alignment: Sendable, Equatable {
        /// Token offsets only (the pipeline's `align_to_words=False`), trimmed of whitespace.
        case tokens
        /// Whole words as the pipeline does, except where widening would add characters of a script
        /// written without spaces (Han, Kana, Thai, Lao, Khmer, Myanmar, Tibetan): there the token edge
        /// stays, so a Japanese or Thai "word" (often a whole sentence) is never swallowed.
        case scriptAware
    }

    /// Number of span answers returned.
    public var topK: Int
    /// Longest answer in tokens.
    public var maxAnswerLength: Int
    /// Candidates kept per window before merging.
    public var candidatesPerWindow: Int
    /// Added to the null score (Haystack's `no_ans_boost`): positive makes "no answer" likelier.
    public var noAnswerBoost: Float
    /// The no-answer decision rule.
    public var noAnswerRule: NoAnswerRule
    /// Answer boundary rule.
    public var alignment: Alignment
    /// How scores compare across windows.
    public var scoring: Scoring
    /// How merged answers are ordered.
    public var ordering: Ordering

    /// Creates options.
    public init(
        topK: Int = 5, maxAnswerLength: Int = 15, candidatesPerWindow: Int = 20, noAnswerBoost: Float = 0,
        noAnswerRule: NoAnswerRule = .everyWindow, alignment: Alignment = .scriptAware, scoring: Scoring = .logits,
        ordering: Ordering = .probability
    ) {
        self.topK = topK
        self.maxAnswerLength = maxAnswerLength
        self.candidatesPerWindow = candidatesPerWindow
        self.noAnswerBoost = noAnswerBoost
        self.noAnswerRule = noAnswerRule
        self.alignment = alignment
        self.scoring = scoring
        self.ordering = ordering
    }
}

/// Ranking mode: one question over many passages (each with one or more windows), scored with raw
/// logits so that scores compare across passages, with a first-class "no answer" result.
public struct PassageRanker: Sendable, Equatable {
    /// The options applied.
    public var options: RankingOptions

    /// Creates a ranker; throws on a non-positive `topK`, `maxAnswerLength` or `candidatesPerWindow`.
    public init(options: RankingOptions = RankingOptions()) throws(ReaderError) {
        for (name, value) in [
            ("topK", options.topK), ("maxAnswerLength", options.maxAnswerLength),
            ("candidatesPerWindow", options.candidatesPerWindow),
        ] where value < 1 {
            throw .invalidOption(name: name, value: value, minimum: 1)
        }
        self.options = options
    }

    /// Ranks the answers of `passages`.
    public func rank(_ passages: [RankingPassage]) throws(ReaderError) -> RankingResult {
        var candidates: [Candidate] = []
        var bestNull = -Float.infinity
        var everyWindowPrefersNull = true
        var bestSpan = -Float.infinity
        var logPartition = LogSumExp()
        for (passageIndex, passage) in passages.enumerated() {
            let text = ScalarText(passage.text)
            for (windowIndex, window) in passage.windows.enumerated() {
                try window.validate()
                let offset = scoreOffset(of: window)
                let null = window.startLogits[window.nullPosition] + window.endLogits[window.nullPosition] - offset
                bestNull = max(bestNull, null)
                let spans = topSpans(in: window, offset: offset, partition: &logPartition)
                let windowBest = spans.first?.score ?? -Float.infinity
                bestSpan = max(bestSpan, windowBest)
                if !(null + options.noAnswerBoost > windowBest) { everyWindowPrefersNull = false }
                for span in spans {
                    guard let range = characters(of: span, in: window, text: text) else { continue }
                    candidates.append(
                        Candidate(
                            text: text.slice(range.lowerBound, range.upperBound),
                            source: AnswerSource(
                                documentId: passage.documentId, passageIndex: passageIndex, windowIndex: windowIndex,
                                start: range.lowerBound, end: range.upperBound,
                                documentStart: passage.documentOffset + range.lowerBound,
                                documentEnd: passage.documentOffset + range.upperBound, score: span.score)))
                }
            }
        }
        let nullScore = bestNull + options.noAnswerBoost
        if nullScore.isFinite { logPartition.add(Double(nullScore)) }
        let isAnswerable: Bool
        switch options.noAnswerRule {
        case .everyWindow: isAnswerable = !candidates.isEmpty && !everyWindowPrefersNull
        case .bestNullAgainstBestSpan: isAnswerable = !candidates.isEmpty && !(nullScore > bestSpan)
        }
        let noAnswer = RankedAnswer(
            kind: .noAnswer, text: "", score: nullScore,
            probability: nullScore.isFinite ? logPartition.probability(of: Double(nullScore)) : 1, sources: [])
        let answers = merge(candidates, partition: logPartition)
        return RankingResult(
            answers: Array(answers.prefix(options.topK)), noAnswer: noAnswer, isAnswerable: isAnswerable)
    }

    /// A span of one window with its raw score.
    struct ScoredSpan {
        var start: Int
        var end: Int
        var score: Float
    }

    /// A span mapped to characters, before merging.
    struct Candidate {
        var text: String
        var source: AnswerSource
    }

    /// What `options.scoring` subtracts from every score of `window`.
    func scoreOffset(of window: ReaderWindow) -> Float {
        switch options.scoring {
        case .logits:
            return 0
        case .nullMargin:
            return window.startLogits[window.nullPosition] + window.endLogits[window.nullPosition]
        case .windowProbability:
            var start = LogSumExp()
            var end = LogSumExp()
            for index in 0..<window.count where window.isSelectable(index) {
                start.add(Double(window.startLogits[index]))
                end.add(Double(window.endLogits[index]))
            }
            return Float(start.logTotal + end.logTotal)
        }
    }

    /// The best `candidatesPerWindow` spans by start + end logit minus `offset`; adds every valid span to the
    /// partition.
    func topSpans(in window: ReaderWindow, offset: Float = 0, partition: inout LogSumExp) -> [ScoredSpan] {
        let n = window.count
        let selectable = (0..<n).map { window.sequenceIds[$0] == 1 && (window.attentionMask?[$0] ?? true) }
        var best: [ScoredSpan] = []
        var spanScores: [Double] = []
        for i in 0..<n where selectable[i] {
            for j in i..<min(n, i + options.maxAnswerLength) where selectable[j] {
                let score = window.startLogits[i] + window.endLogits[j] - offset
                spanScores.append(Double(score))
                if best.count == options.candidatesPerWindow, let last = best.last, score <= last.score { continue }
                var index = best.count
                while index > 0 && best[index - 1].score < score { index -= 1 }
                best.insert(ScoredSpan(start: i, end: j, score: score), at: index)
                if best.count > options.candidatesPerWindow { best.removeLast() }
            }
        }
        partition.add(contentsOf: spanScores)
        return best
    }

    /// The character range of a span under the alignment rule, trimmed of whitespace; nil when empty.
    func characters(of span: ScoredSpan, in window: ReaderWindow, text: ScalarText) -> Range<Int>? {
        var lower = window.offsets[span.start].lowerBound
        var upper = window.offsets[span.end].upperBound
        if options.alignment == .scriptAware {
            if let word = window.wordIds[span.start], let chars = window.contextCharacters(ofWord: word),
                chars.lowerBound < lower, !text.containsUnspaced(chars.lowerBound, lower)
            {
                lower = chars.lowerBound
            }
            if let word = window.wordIds[span.end], let chars = window.contextCharacters(ofWord: word),
                chars.upperBound > upper, !text.containsUnspaced(upper, chars.upperBound)
            {
                upper = chars.upperBound
            }
        }
        lower = max(0, min(lower, text.count))
        upper = max(0, min(upper, text.count))
        while lower < upper && SQuADNormalizer.isPythonWhitespace(text.scalars[lower]) { lower += 1 }
        while upper > lower && SQuADNormalizer.isPythonWhitespace(text.scalars[upper - 1]) { upper -= 1 }
        return lower < upper ? lower..<upper : nil
    }

    /// Merges sightings of one answer: first those of one document whose ranges coincide or overlap
    /// across windows (the same place seen through overlapping chunks; its probability is that of the
    /// best window), then places with the same SQuAD-normalised text anywhere (probabilities add up,
    /// every source is kept).
    func merge(_ candidates: [Candidate], partition: LogSumExp) -> [RankedAnswer] {
        let ordered = candidates.sorted { $0.source.score > $1.source.score }
        // Places: clusters of overlapping ranges within one document.
        var places: [(text: String, sources: [AnswerSource])] = []
        for candidate in ordered {
            let source = candidate.source
            // The same range first; else an overlapping range seen through another window or chunk (two
            // overlapping spans of one window are competing answers, not sightings of one).
            let sameRange = places.firstIndex { place in
                place.sources.contains {
                    $0.documentId == source.documentId && $0.documentStart == source.documentStart
                        && $0.documentEnd == source.documentEnd
                }
            }
            let overlapping = places.firstIndex { place in
                !place.sources.contains {
                    $0.passageIndex == source.passageIndex && $0.windowIndex == source.windowIndex
                }
                    && place.sources.contains {
                        $0.documentId == source.documentId && $0.documentStart < source.documentEnd
                            && source.documentStart < $0.documentEnd
                    }
            }
            if let index = sameRange ?? overlapping {
                places[index].sources.append(source)
            } else {
                places.append((candidate.text, [source]))
            }
        }
        // Answers: places with the same normalised text.
        let normalizer = SQuADNormalizer()
        var answers: [RankedAnswer] = []
        var indexByKey: [String: Int] = [:]
        for place in places {
            let tokens = normalizer.tokens(place.text)
            let key = tokens.isEmpty ? place.text.pythonLowercased : normalizer.normalize(place.text)
            // Distinct spans of one window that land on this place add up (the pipeline merges them too);
            // another window or chunk showing the same place is the same evidence again, so take the best.
            var byWindow: [[Int]: Double] = [:]
            for source in place.sources {
                byWindow[[source.passageIndex, source.windowIndex], default: 0] +=
                    partition.probability(of: Double(source.score))
            }
            let probability = byWindow.values.max() ?? 0
            if let index = indexByKey[key] {
                answers[index].sources += place.sources
                answers[index].probability = min(1, answers[index].probability + probability)
            } else {
                indexByKey[key] = answers.count
                answers.append(
                    RankedAnswer(
                        kind: .span, text: place.text, score: place.sources[0].score, probability: probability,
                        sources: place.sources))
            }
        }
        return answers.sorted { a, b in
            switch options.ordering {
            case .probability: a.probability != b.probability ? a.probability > b.probability : a.score > b.score
            case .score: a.score != b.score ? a.score > b.score : a.probability > b.probability
            }
        }
    }
}

/// A numerically stable running log-sum-exp, for probabilities over many raw logits.
struct LogSumExp: Sendable, Equatable {
    private(set) var maximum = -Double.infinity
    private(set) var scaledSum = 0.0

    mutating func add(_ value: Double) {
        if value > maximum {
            scaledSum = scaledSum * Foundation.exp(maximum - value) + 1
            maximum = value
        } else {
            scaledSum += Foundation.exp(value - maximum)
        }
    }

    mutating func add(contentsOf values: [Double]) {
        for value in values { add(value) }
    }

    /// `log(sum of exp(all added values))`; -infinity when nothing was added.
    var logTotal: Double { scaledSum > 0 ? maximum + Foundation.log(scaledSum) : -.infinity }

    /// `exp(value) / sum of exp(all added values)`.
    func probability(of value: Double) -> Double {
        guard scaledSum > 0 else { return 0 }
        return Foundation.exp(value - maximum) / scaledSum
    }
}

extension ScalarText {
    /// Whether `self[lower..<upper]` contains a character of a script written without spaces.
    func containsUnspaced(_ lower: Int, _ upper: Int) -> Bool {
        let lo = max(0, lower)
        let hi = min(upper, count)
        guard lo < hi else { return false }
        return scalars[lo..<hi].contains(where: UnspacedScript.contains)
    }
}
