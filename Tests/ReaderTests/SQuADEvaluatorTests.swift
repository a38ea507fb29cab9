import Foundation
import TestSupport
import Testing

@testable import Reader

/// Goldens of scripts/reference/squad_v2_eval.py (the official SQuAD v2 logic) recorded by
/// scripts/reference/squad_eval_goldens.py.
private struct EvaluationGoldens: Decodable {
    struct Expected: Decodable, Equatable {
        let exact: Double
        let f1: Double
        let total: Int
        let HasAns_exact: Double?
        let HasAns_f1: Double?
        let HasAns_total: Int?
        let NoAns_exact: Double?
        let NoAns_f1: Double?
        let NoAns_total: Int?
        let best_exact: Double?
        let best_exact_thresh: Double?
        let best_f1: Double?
        let best_f1_thresh: Double?

        init(_ metrics: SQuADMetrics) {
            exact = metrics.exact
            f1 = metrics.f1
            total = metrics.total
            HasAns_exact = metrics.hasAnsExact
            HasAns_f1 = metrics.hasAnsF1
            HasAns_total = metrics.hasAnsTotal
            NoAns_exact = metrics.noAnsExact
            NoAns_f1 = metrics.noAnsF1
            NoAns_total = metrics.noAnsTotal
            best_exact = metrics.bestExact
            best_exact_thresh = metrics.bestExactThresh
            best_f1 = metrics.bestF1
            best_f1_thresh = metrics.bestF1Thresh
        }
    }

    enum SpanPart: Decodable {
        case id(String)
        case offset(Int)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let offset = try? container.decode(Int.self) {
                self = .offset(offset)
            } else {
                self = .id(try container.decode(String.self))
            }
        }
    }

    enum ProbabilityPart: Decodable {
        case id(String)
        case value(Double)

        init(from decoder: any Decoder) throws {
            let container = try decoder.singleValueContainer()
            if let value = try? container.decode(Double.self) {
                self = .value(value)
            } else {
                self = .id(try container.decode(String.self))
            }
        }
    }

    struct Scenario: Decodable {
        let name: String
        let dataset: String
        let questions: Int?
        let lang: String?
        let threshold: Double
        let useNaProbs: Bool
        let predictionSpans: [[SpanPart]]?
        let naProbs: [[ProbabilityPart]]?
        let expected: Expected
    }

    let scenarios: [Scenario]
}

@Suite("SQuAD v2 evaluation")
struct SQuADEvaluatorTests {
    static var fixtures: URL { SharedAssets.packageRoot.appendingPathComponent("Tests/ReaderTests/Fixtures") }

    static func handmade() throws -> SQuADDataset {
        try SQuADDataset(contentsOf: fixtures.appendingPathComponent("squad_v2_handmade.json"))
    }

    /// XQuAD turned into SQuAD v2 exactly as the golden generator does: every 4th question unanswerable.
    static func xquadV2(_ language: String, questions: Int) throws -> SQuADDataset {
        var dataset = try SharedAssets.xquad(language)
        dataset.questions = Array(dataset.questions.prefix(questions))
        for index in dataset.questions.indices where index % 4 == 3 {
            dataset.questions[index].answers = []
            dataset.questions[index].isImpossible = true
        }
        return dataset
    }

    @Test("equals the official script bit for bit on every recorded scenario")
    func officialGoldens() throws {
        let goldens = try JSONDecoder().decode(
            EvaluationGoldens.self, from: GzipFixture.data(named: "squad_eval_goldens.json.gz"))
        #expect(goldens.scenarios.count == 18)
        for scenario in goldens.scenarios {
            let normalizer = try scenario.lang.map { SQuADNormalizer(.mlqa(try .init($0))) } ?? SQuADNormalizer()
            let evaluator = SQuADEvaluator(normalizer: normalizer, noAnswerThreshold: scenario.threshold)
            let dataset: SQuADDataset
            var predictions: [String: String] = [:]
            var probabilities: SQuADNoAnswerProbabilities?
            if scenario.dataset == "handmade" {
                dataset = try Self.handmade()
                predictions = try SQuADPredictions(
                    contentsOf: Self.fixtures.appendingPathComponent("squad_v2_handmade_predictions.json")
                ).dictionary
                if scenario.useNaProbs {
                    probabilities = try SQuADNoAnswerProbabilities(
                        contentsOf: Self.fixtures.appendingPathComponent("squad_v2_handmade_na_probs.json"))
                }
            } else {
                let language = String(scenario.dataset.dropFirst("xquad.".count))
                dataset = try Self.xquadV2(language, questions: scenario.questions ?? 0)
                let contexts = Dictionary(
                    uniqueKeysWithValues: dataset.questions.map { ($0.id, ScalarText($0.context)) })
                for span in scenario.predictionSpans ?? [] {
                    guard case .id(let id) = span[0], case .offset(let start) = span[1],
                        case .offset(let end) = span[2],
                        let context = contexts[id]
                    else { throw Gzip.Failure(description: "bad prediction span in \(scenario.name)") }
                    predictions[id] = context.slice(start, end)
                }
                if scenario.useNaProbs {
                    probabilities = SQuADNoAnswerProbabilities(
                        try (scenario.naProbs ?? []).map { pair in
                            guard case .id(let id) = pair[0], case .value(let value) = pair[1] else {
                                throw Gzip.Failure(description: "bad probability in \(scenario.name)")
                            }
                            return (id, value)
                        })
                }
            }
            let metrics = evaluator.evaluate(
                dataset: dataset, predictions: predictions, noAnswerProbabilities: probabilities)
            // Exact on purpose: Double sums of 0/1 and F1 ratios in the evaluate-v2 script's own order, no BLAS and
            // no reassociation, so IEEE arithmetic gives the very same doubles on every machine.
            #expect(EvaluationGoldens.Expected(metrics) == scenario.expected, "\(scenario.name)")
            #expect(metrics.missingPredictions == 0, "\(scenario.name)")
        }
    }

    @Test("hand-computed exact and F1")
    func handComputed() {
        let evaluator = SQuADEvaluator()
        #expect(evaluator.exact(gold: "The Eiffel Tower!", prediction: "eiffel  tower") == 1)
        #expect(evaluator.exact(gold: "Eiffel Tower", prediction: "Tower") == 0)
        // 1 common token of 2 predicted and 3 gold: P = 1/2, R = 1/3, F1 = 0.4.
        #expect(evaluator.f1(gold: "big red barn", prediction: "red house") == 2 * 0.5 * (1.0 / 3) / (0.5 + 1.0 / 3))
        // Token bags: "the" is an article and disappears, duplicates count once per occurrence.
        #expect(evaluator.f1(gold: "a a b", prediction: "a b b") == 2 * (2.0 / 3) * (2.0 / 3) / (4.0 / 3))
        // Empty predictions: F1 1 only against an empty gold.
        #expect(evaluator.f1(gold: "", prediction: "") == 1)
        #expect(evaluator.f1(gold: "Paris", prediction: "") == 0)
        #expect(evaluator.f1(gold: "", prediction: "Paris") == 0)
        #expect(evaluator.exact(gold: "", prediction: "") == 1)
        // A prediction that normalises to nothing ("the") equals an empty gold.
        #expect(evaluator.exact(gold: "", prediction: "the") == 1)
    }

    @Test("no-answer questions, several gold answers and missing predictions")
    func breakdown() throws {
        let dataset = SQuADDataset(
            version: "v2.0",
            questions: [
                SQuADQuestion(
                    id: "q1", title: "", context: "c", question: "?",
                    answers: [
                        SQuADAnswer(text: "Paris", answerStart: 0),
                        SQuADAnswer(text: "the city of Paris", answerStart: 0),
                    ],
                    isImpossible: false),
                SQuADQuestion(id: "q2", title: "", context: "c", question: "?", answers: [], isImpossible: true),
                SQuADQuestion(id: "q3", title: "", context: "c", question: "?", answers: [], isImpossible: true),
                SQuADQuestion(
                    id: "q4", title: "", context: "c", question: "?", answers: [SQuADAnswer(text: "x", answerStart: 0)],
                    isImpossible: false),
            ])
        // q1: "city of Paris" vs gold 2 "city of paris" → exact 1. q2: "" → 1. q3: "Lyon" → 0. q4 missing.
        let metrics = SQuADEvaluator().evaluate(
            dataset: dataset, predictions: ["q1": "City of Paris", "q2": "", "q3": "Lyon"])
        #expect(metrics.total == 3)
        #expect(metrics.exact == 100.0 * 2 / 3)
        #expect(metrics.f1 == 100.0 * 2 / 3)
        #expect(metrics.hasAnsTotal == 1 && metrics.hasAnsExact == 100)
        #expect(metrics.noAnsTotal == 2 && metrics.noAnsExact == 50)
        #expect(metrics.missingPredictions == 1)
        #expect(metrics.bestExact == nil)
        // With probabilities: q3 above the threshold counts as a correct no-answer.
        let thresholded = SQuADEvaluator(noAnswerThreshold: 0.5).evaluate(
            dataset: dataset, predictions: ["q1": "Paris", "q2": "", "q3": "Lyon"],
            noAnswerProbabilities: SQuADNoAnswerProbabilities([("q1", 0.1), ("q2", 0.9), ("q3", 0.7)]))
        #expect(thresholded.exact == 100)
        // Best threshold: answering only q1 (p 0.1) scores 1 + 2 no-answers = 3 of 3.
        #expect(thresholded.bestExact == 100 && thresholded.bestExactThresh == 0.1)
    }

    @Test("MLQA normalisation per language")
    func mlqaNormalisation() throws {
        func normalize(_ text: String, _ language: String) throws -> String {
            SQuADNormalizer(.mlqa(try .init(language))).normalize(text)
        }
        #expect(try normalize("El «Gran» Hotel, la casa", "es") == "gran hotel casa")
        #expect(try normalize("Der Hund und das Haus.", "de") == "hund und haus")
        #expect(try normalize("北京大学，成立于1898年。", "zh") == "北 京 大 学 成 立 于 1898 年")
        #expect(try normalize("Tokyo 東京 tower", "zh") == "tokyo 東 京 tower")
        #expect(try normalize("الكتاب الجديد", "ar") == "كتاب جديد")
        #expect(try normalize("những cái bàn", "vi") == "bàn")
        #expect(try normalize("The «quoted» word — here", "en") == "quoted word here")
        #expect(try normalize("ΟΔΟΣ Ερμού", "el") == "οδος ερμού")
        // Official SQuAD keeps non-ASCII punctuation.
        #expect(SQuADNormalizer().normalize("«Au Vieux Port»") == "«au vieux port»")
        #expect(throws: ReaderError.unknownLanguage("xx")) { try SQuADNormalizer.Language("xx") }
    }

    @Test("SQuAD v1.1 and v2 files load, with is_impossible")
    func loader() throws {
        let handmade = try Self.handmade()
        #expect(handmade.version == "v2.0")
        #expect(handmade.questions.count == 16)
        #expect(handmade.questions.filter(\.isImpossible).map(\.id) == ["h05", "h07", "h12", "h15"])
        #expect(handmade.questions[1].answers.map(\.text) == ["the engineer Ada Mbeki", "Ada Mbeki"])
        let xquad = try SharedAssets.xquad("en")
        #expect(xquad.version == "1.1")
        #expect(xquad.questions.count == 1190)
        #expect(xquad.questions.allSatisfy { !$0.isImpossible })
        let first = try #require(xquad.questions.first)
        let answer = try #require(first.answers.first)
        #expect(
            ScalarText(first.context).slice(answer.answerStart, answer.answerStart + answer.text.unicodeScalars.count)
                == answer.text)
        #expect(throws: ReaderError.self) { try SQuADDataset(contentsOf: URL(fileURLWithPath: "/nonexistent.json")) }
    }

    @Test("predictions round-trip in the official format, in insertion order")
    func predictionsWriter() throws {
        var predictions = SQuADPredictions()
        predictions.add(id: "b", answer: "Zürich \"HB\"", noAnswerProbability: 0.25)
        predictions.add(id: "a", answer: "", noAnswerProbability: 0.75)
        let json = String(decoding: try predictions.predictionsJSON(), as: UTF8.self)
        #expect(json == "{\n  \"b\": \"Zürich \\\"HB\\\"\",\n  \"a\": \"\"\n}\n")
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-predictions-\(UUID()).json")
        defer { try? FileManager.default.removeItem(at: url) }
        try predictions.predictionsJSON().write(to: url)
        let loaded = try SQuADPredictions(contentsOf: url)
        #expect(loaded.answers.map(\.id) == ["b", "a"])
        #expect(loaded.dictionary == ["b": "Zürich \"HB\"", "a": ""])
        try predictions.noAnswerProbabilitiesJSON().write(to: url)
        let probabilities = try SQuADNoAnswerProbabilities(contentsOf: url)
        #expect(probabilities.orderedIds == ["b", "a"] && probabilities.values == ["b": 0.25, "a": 0.75])
    }
}
