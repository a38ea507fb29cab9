import Foundation
import Testing

@testable import Reader

/// Builds windows the way an XLM-R pair encoding lays them out: `<s> question </s></s> context </s>`.
struct WindowBuilder {
    /// Context tokens: character range in the context and word index.
    var context: [(Range<Int>, Int)]
    var questionTokens = 4
    var background: Float = -4

    /// A window whose context token `i` gets `start[i]` / `end[i]` as logits; the null gets `null` each.
    func window(start: [Int: Float], end: [Int: Float], null: Float) -> ReaderWindow {
        let prefix = 1 + questionTokens + 2
        let count = prefix + context.count + 1
        var offsets = [Range<Int>](repeating: 0..<0, count: count)
        var sequenceIds = [Int?](repeating: nil, count: count)
        var wordIds = [Int?](repeating: nil, count: count)
        for index in 1...questionTokens {
            offsets[index] = (index - 1) * 3..<index * 3
            sequenceIds[index] = 0
            wordIds[index] = index - 1
        }
        for (index, token) in context.enumerated() {
            offsets[prefix + index] = token.0
            sequenceIds[prefix + index] = 1
            wordIds[prefix + index] = token.1
        }
        var startLogits = [Float](repeating: background, count: count)
        var endLogits = [Float](repeating: background, count: count)
        startLogits[0] = null
        endLogits[0] = null
        for (index, value) in start { startLogits[prefix + index] = value }
        for (index, value) in end { endLogits[prefix + index] = value }
        return ReaderWindow(
            offsets: offsets, sequenceIds: sequenceIds, wordIds: wordIds, startLogits: startLogits, endLogits: endLogits
        )
    }
}

@Suite("Ranking mode across passages")
struct PassageRankerTests {
    /// "Hello world, 東京タワーは高い。 I am here" as the real XLM-R tokenizer splits it.
    static let japanese = "Hello world, 東京タワーは高い。 I am here"
    static let japaneseTokens = WindowBuilder(context: [
        (0..<5, 0), (5..<11, 1), (11..<12, 1), (12..<13, 2), (13..<15, 2), (15..<16, 2), (16..<18, 2),
        (18..<19, 2), (19..<21, 2), (21..<22, 2), (22..<24, 3), (24..<27, 4), (27..<32, 5),
    ])

    /// "The Fresnel lens was built in Paris." with "Fresnel" split into two subword tokens.
    static let latin = "The Fresnel lens was built in Paris."
    static let latinTokens = WindowBuilder(context: [
        (0..<3, 0), (3..<8, 1), (8..<11, 1), (11..<16, 2), (16..<20, 3), (20..<26, 4), (26..<29, 5), (29..<35, 6),
        (35..<36, 6),
    ])

    @Test("unspaced scripts keep token edges; spaced words are widened")
    func scriptAwareAlignment() throws {
        // Start and end on "東京": the pipeline widens to the whole "word" 東京タワーは高い。.
        let window = Self.japaneseTokens.window(start: [4: 6], end: [4: 6], null: 0)
        let parity = try PipelinePostprocessor().answers(windows: [window], context: Self.japanese)
        #expect(parity.first?.answer == " 東京タワーは高い。")
        let ranked = try PassageRanker().rank([RankingPassage(documentId: "d", text: Self.japanese, windows: [window])])
        #expect(ranked.best.text == "東京")
        #expect(ranked.best.sources.first?.start == 13 && ranked.best.sources.first?.end == 15)

        // Start on the second half of "Fresnel": widened to the word, and the leading space is trimmed.
        let latinWindow = Self.latinTokens.window(start: [2: 6], end: [2: 6], null: 0)
        let latin = try PassageRanker().rank([RankingPassage(documentId: "d", text: Self.latin, windows: [latinWindow])]
        )
        #expect(latin.best.text == "Fresnel")
        let tokensOnly = try PassageRanker(options: RankingOptions(alignment: .tokens))
            .rank([RankingPassage(documentId: "d", text: Self.latin, windows: [latinWindow])])
        #expect(tokensOnly.best.text == "nel")
    }

    @Test("raw logits rank answers across passages; probabilities are one softmax")
    func crossPassage() throws {
        let weak = Self.latinTokens.window(start: [7: 3], end: [8: 3], null: 1)
        let strong = Self.japaneseTokens.window(start: [10: 7], end: [12: 7], null: 1)
        let result = try PassageRanker(options: RankingOptions(topK: 3)).rank([
            RankingPassage(documentId: "a", text: Self.latin, windows: [weak]),
            RankingPassage(documentId: "b", text: Self.japanese, windows: [strong]),
        ])
        #expect(result.isAnswerable)
        #expect(result.best.text == "I am here")
        #expect(result.best.score == 14)
        #expect(result.best.sources.map(\.documentId) == ["b"])
        #expect(result.answers.count == 3)
        #expect(result.answers.map(\.probability) == result.answers.map(\.probability).sorted(by: >))
        let total = result.answers.map(\.probability).reduce(0, +) + result.noAnswer.probability
        #expect(total <= 1 + 1e-12)
        // exp(14) against exp(2) for the null and every other span.
        #expect(result.best.probability > 0.99)
        #expect(result.noAnswer.score == 2 && result.noAnswer.kind == .noAnswer && result.noAnswer.sources.isEmpty)
    }

    @Test("scoring: raw logits, the margin over the window's null, or the pipeline's window probability")
    func scoring() throws {
        // Passage "a": span 5 + 5 but null 9 + 9 (a distractor the reader says does not answer);
        // passage "b": span 3 + 3 with null 0 + 0. Other spans are negligible (background -30).
        var latin = Self.latinTokens
        latin.background = -30
        var japanese = Self.japaneseTokens
        japanese.background = -30
        let distractor = latin.window(start: [7: 5], end: [8: 5], null: 9)
        let answering = japanese.window(start: [10: 3], end: [12: 3], null: 0)
        let passages = [
            RankingPassage(documentId: "a", text: Self.latin, windows: [distractor]),
            RankingPassage(documentId: "b", text: Self.japanese, windows: [answering]),
        ]
        let logits = try PassageRanker(options: RankingOptions(scoring: .logits)).rank(passages)
        // Window "b" prefers its span, so the question is answerable, and the distractor's larger logits win.
        #expect(logits.isAnswerable && logits.best.text == "Paris.")
        let margin = try PassageRanker(options: RankingOptions(scoring: .nullMargin)).rank(passages)
        #expect(margin.isAnswerable && margin.best.text == "I am here")
        #expect(margin.best.score == 6 && margin.noAnswer.score == 0)
        #expect(margin.answers.first { $0.text == "Paris." }?.score == -8)

        // One window: exp(score) is the pipeline's P(start)·P(end) for the same span.
        for window in [distractor, answering] {
            let text = window.startLogits.count == distractor.startLogits.count ? Self.latin : Self.japanese
            let ranked = try PassageRanker(options: RankingOptions(scoring: .windowProbability))
                .rank([RankingPassage(documentId: "d", text: text, windows: [window])])
            let pipeline = try PipelinePostprocessor().answers(windows: [window], context: text)
            let best = try #require(ranked.answers.max { $0.score < $1.score })
            let expected = try #require(pipeline.first)
            #expect(best.text == expected.answer.trimmingCharacters(in: .whitespaces))
            // Fixed logits, no BLAS: the two sides differ only by float32 softmax rounding over one window's
            // n ≤ 40 logits, ≤ 2·n·u = 2·40·2⁻²⁴ ≈ 4.8e-6 relative, inside 1e-5 on every machine.
            #expect(abs(exp(Double(best.score)) - expected.score) < 1e-5 * max(1, expected.score))
        }
    }

    @Test("ordering: merged probability lets a repeated answer win; best score lets the strongest place win")
    func ordering() throws {
        var latin = Self.latinTokens
        latin.background = -30
        var japanese = Self.japaneseTokens
        japanese.background = -30
        // "Paris." at 9 in two documents (probabilities add up to e^9.69) against "I am here" once at 9.5.
        let passages = [
            RankingPassage(
                documentId: "a", text: Self.latin, windows: [latin.window(start: [7: 4.5], end: [8: 4.5], null: 0)]),
            RankingPassage(
                documentId: "b", text: Self.latin, windows: [latin.window(start: [7: 4.5], end: [8: 4.5], null: 0)]),
            RankingPassage(
                documentId: "c", text: Self.japanese,
                windows: [japanese.window(start: [10: 4.75], end: [12: 4.75], null: 0)]),
        ]
        let byProbability = try PassageRanker(options: RankingOptions(ordering: .probability)).rank(passages)
        #expect(byProbability.answers.map(\.text).prefix(2) == ["Paris.", "I am here"])
        #expect(byProbability.answers.first?.sources.filter { $0.score > 0 }.map(\.documentId) == ["a", "b"])
        let byScore = try PassageRanker(options: RankingOptions(ordering: .score)).rank(passages)
        #expect(byScore.answers.map(\.text).prefix(2) == ["I am here", "Paris."])
    }

    @Test("no answer wins by the boost, per window (Haystack) or globally")
    func noAnswer() throws {
        let answerable = Self.latinTokens.window(start: [7: 3], end: [8: 3], null: 2)  // span 6 vs null 4
        let unanswerable = Self.latinTokens.window(start: [7: 1], end: [8: 1], null: 3)  // span 2 vs null 6
        let passages = [
            RankingPassage(documentId: "a", text: Self.latin, windows: [answerable]),
            RankingPassage(documentId: "b", text: Self.latin, windows: [unanswerable]),
        ]
        let plain = try PassageRanker().rank(passages)
        #expect(plain.isAnswerable && plain.best.text == "Paris.")
        // Global rule: best null 6 > best span 6? No (equal) → answerable; with boost 0.5 → no answer.
        let global = try PassageRanker(options: RankingOptions(noAnswerRule: .bestNullAgainstBestSpan)).rank(passages)
        #expect(global.isAnswerable)
        let boostedGlobal = try PassageRanker(
            options: RankingOptions(noAnswerBoost: 0.5, noAnswerRule: .bestNullAgainstBestSpan)
        ).rank(passages)
        #expect(!boostedGlobal.isAnswerable && boostedGlobal.best.kind == .noAnswer)
        #expect(
            boostedGlobal.ranked.first?.kind == .noAnswer
                && boostedGlobal.ranked.count == 1 + boostedGlobal.answers.count)
        // Per window: window "a" prefers its span until the boost exceeds 6 - 4 = 2.
        #expect(try PassageRanker(options: RankingOptions(noAnswerBoost: 1.9)).rank(passages).isAnswerable)
        let boosted = try PassageRanker(options: RankingOptions(noAnswerBoost: 2.1)).rank(passages)
        #expect(!boosted.isAnswerable)
        #expect(abs(boosted.noAnswer.score - 8.1) < 1e-5)
        // A negative boost suppresses no-answer.
        let onlyUnanswerable = [passages[1]]
        #expect(try !PassageRanker().rank(onlyUnanswerable).isAnswerable)
        #expect(try PassageRanker(options: RankingOptions(noAnswerBoost: -5)).rank(onlyUnanswerable).isAnswerable)
    }

    @Test("overlapping chunks of one document merge; equal answers of other documents keep every source")
    func merging() throws {
        // Document "doc": chunk 1 is the Latin sentence at offset 0, chunk 2 repeats it at offset 0 too
        // (an overlapping chunk), so "Paris." is one place seen twice.
        // Every other span is negligible (background -30), so the probabilities are easy to state.
        var builder = Self.latinTokens
        builder.background = -30
        let window = builder.window(start: [7: 5], end: [8: 5], null: 0)
        let slightlyWorse = builder.window(start: [7: 4.5], end: [8: 5], null: 0)
        let other = builder.window(start: [7: 4], end: [8: 4], null: 0)
        let result = try PassageRanker(options: RankingOptions(topK: 10)).rank([
            RankingPassage(documentId: "doc", documentOffset: 100, text: Self.latin, windows: [window]),
            RankingPassage(documentId: "doc", documentOffset: 100, text: Self.latin, windows: [slightlyWorse]),
            RankingPassage(documentId: "elsewhere", documentOffset: 7, text: Self.latin, windows: [other]),
        ])
        let paris = try #require(result.answers.first)
        #expect(paris.text == "Paris.")
        // Spans starting or ending inside the word widen to the same "Paris." and join, negligibly.
        let main = paris.sources.filter { $0.score > 0 }
        #expect(main.map(\.documentId) == ["doc", "doc", "elsewhere"])
        #expect(main.map(\.documentStart) == [130, 130, 37])
        #expect(main.map(\.score) == [10, 9.5, 8])
        #expect(paris.sources.allSatisfy { $0.end - $0.start == 6 })
        #expect(result.answers.filter { $0.text.hasPrefix("Paris") }.count == 1)
        // Probability: the best sighting of "doc" plus the "elsewhere" place; the repeat adds nothing.
        var partition = LogSumExp()
        let ranker = try PassageRanker(options: RankingOptions(topK: 10))
        for window in [window, slightlyWorse, other] { _ = ranker.topSpans(in: window, partition: &partition) }
        partition.add(0)
        let expected = partition.probability(of: 10) + partition.probability(of: 8)
        #expect(abs(paris.probability - expected) < 1e-9)
    }

    @Test("ranking over recorded XQuAD windows: sources agree with texts, order and probabilities hold")
    func recordedWindows() throws {
        let goldens = try PipelineGoldens.shared.get()
        let ranker = try PassageRanker(options: RankingOptions(topK: 5))
        for input in goldens.inputs where input.id.hasSuffix("-w1") {
            let context = try goldens.context(of: input)
            let text = ScalarText(context)
            // Every window as its own passage of one document, so overlapping windows must merge.
            let passages = input.windows.map {
                RankingPassage(documentId: input.qaId, text: context, windows: [$0.readerWindow])
            }
            let result = try ranker.rank(passages)
            #expect(!result.answers.isEmpty)
            for answer in result.answers {
                #expect(answer.probability > 0 && answer.probability <= 1)
                for source in answer.sources {
                    #expect(!text.slice(source.start, source.end).isEmpty)
                }
                #expect(answer.text == text.slice(answer.sources[0].start, answer.sources[0].end))
                #expect(answer.text.unicodeScalars.first.map { !$0.properties.isWhitespace } ?? false)
                if ["zh", "th"].contains(input.language) {
                    // Token edges in unspaced scripts: 15 tokens never cover a long sentence.
                    #expect(answer.text.unicodeScalars.count <= 80, "\(input.id): \(answer.text)")
                }
            }
            let total = result.answers.map(\.probability).reduce(0, +) + result.noAnswer.probability
            #expect(total <= 1 + 1e-9)
        }
    }

    @Test("invalid options and windows are rejected")
    func validation() throws {
        #expect(throws: ReaderError.invalidOption(name: "topK", value: 0, minimum: 1)) {
            try PassageRanker(options: RankingOptions(topK: 0))
        }
        var window = Self.latinTokens.window(start: [:], end: [:], null: 0)
        window.endLogits.removeLast()
        #expect(throws: ReaderError.windowShapeMismatch(field: "endLogits", expected: 17, actual: 16)) {
            try PassageRanker().rank([RankingPassage(documentId: "d", text: Self.latin, windows: [window])])
        }
    }
}
