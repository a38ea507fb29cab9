import ArgumentParser
import AskDocs
import Foundation
import Reader
import Transformer

#if canImport(Glibc)
    import Glibc
#endif

extension AskDocsCommand.Eval {
    /// `askdocs eval ask`: open-domain SQuAD evaluation of `askdocs ask` beside the closed-book score.
    struct Ask: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "ask",
            abstract: "Open-domain evaluation: ask a SQuAD-format file's questions over all its paragraphs.",
            discussion: """
                Every paragraph becomes a document of a temporary index (chunked as `askdocs index` chunks); \
                every question of the chosen articles is asked over the whole corpus. Prints the official SQuAD \
                metrics of the top answer (open domain) beside recall of the gold paragraph among the passages \
                read and the closed-book score (the reader given the gold paragraph, as `eval squad` reads).
                """
        )

        @Option(help: "The SQuAD-format JSON file.")
        var data: String

        @Option(help: "Articles to ask, by position from 0: A..B (inclusive) or A.")
        var articles: String?

        @OptionGroup var reading: AskReadingOptions

        @Option(
            help: "The retriever (default: retriever in askdocs.toml, else \(Configuration.default.retrieverModel)).")
        var retriever: String?

        @OptionGroup var config: ConfigOption

        @OptionGroup var precision: PrecisionOption

        @Option(help: "MLQA answer normalisation for this language (e.g. zh); default SQuAD's.")
        var lang: String?

        @Option(help: "Chunks read on each side of a retrieved chunk, or none (each chunk alone).")
        var neighbours: String?

        @Option(help: "Cross-passage scoring: logits, nullMargin or windowProbability.")
        var scoring: String?

        @Flag(
            help:
                "Score passages 1, 3, 5, 10, 20 (up to --passages) × neighbours none, 0, 1 × every scoring in one pass."
        )
        var sweep = false

        @Flag(help: "Print JSON.")
        var json = false

        func validate() throws {
            if let neighbours, neighbours != "none", (Int(neighbours) ?? -1) < 0 {
                throw ValidationError("--neighbours: expected a count from 0, or none")
            }
            if let scoring, RankingOptions.Scoring(rawValue: scoring) == nil {
                throw ValidationError("--scoring: expected logits, nullMargin or windowProbability")
            }
            if let articles, Self.range(articles) == nil {
                throw ValidationError("--articles: expected A..B or A (article positions from 0)")
            }
        }

        /// One row of the sweep table.
        static func line(_ row: AskSweepRow) -> String {
            func pad(_ text: String, _ width: Int) -> String {
                text.padding(toLength: max(width, text.count), withPad: " ", startingAt: 0)
            }
            let count =
                row.firstPassages.map { String(format: "%d then %d at %.1f", $0, row.passages, row.threshold ?? 0) }
                ?? String(row.passages)
            let rates = (row.noAnswerRate + row.noAnswerRateWithoutGold).map { String(format: "%.3f", $0) }
            return pad(row.neighbours.map(String.init) ?? "none", 10) + " " + pad(count, 15) + " "
                + pad(row.scoring, 17)
                + String(
                    format: " %6.2f %6.2f %12.2f %8.2f %7.3f", row.metrics.exact, row.metrics.f1, row.bestScoreF1,
                    row.windowsPerQuestion, row.recall) + "  " + rates.joined(separator: " ")
        }

        static func range(_ text: String) -> ClosedRange<Int>? {
            let parts = text.components(separatedBy: "..")
            guard parts.count <= 2, let lower = Int(parts[0]), let upper = Int(parts.last ?? ""), 0 <= lower,
                lower <= upper
            else { return nil }
            return lower...upper
        }

        func run() async throws {
            let dataset = try SQuADDataset(contentsOf: URL(fileURLWithPath: data))
            let normalizer =
                try lang.map { SQuADNormalizer(.mlqa(try SQuADNormalizer.Language($0))) } ?? SQuADNormalizer()
            let configuration = try config.resolve(
                ConfigurationOverrides(
                    readerModel: reading.reader, retrieverModel: retriever, passages: reading.passages,
                    mode: reading.mode, precision: precision.precision))
            PrecisionOption.announce(configuration.precisions)
            let model = try CommandFailure.reporting {
                try RetrieverModel.load(configuration.retrieverModel, precision: configuration.precisions.retriever)
            }
            let evaluator = AskEvaluator(
                reader: try Asker.loadReader(configuration.readerModel, precision: configuration.precisions.reader),
                retriever: model,
                passages: configuration.passages, mode: configuration.mode,
                normalizer: normalizer,
                neighbours: neighbours.map { Int($0) } ?? AskRequest.defaultNeighbours,
                scoring: scoring.flatMap(RankingOptions.Scoring.init(rawValue:)) ?? Asker.defaultScoring)
            let progress = TerminalProgress.start()
            if sweep {
                let swept = try evaluator.sweep(
                    dataset, articles: articles.flatMap(Self.range),
                    passages: [1, 3, 5, 10, 20].filter { $0 <= configuration.passages }, neighbours: [nil, 0, 1]
                ) { done, total in progress?.count(done, of: total, "questions") }
                progress?.finish()
                if json {
                    let encoder = JSONEncoder()
                    encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                    print(String(decoding: try encoder.encode(swept), as: UTF8.self))
                    return
                }
                print(
                    String(
                        format: "questions %d; closed book exact %.2f f1 %.2f", swept.questions,
                        swept.closedBook.exact, swept.closedBook.f1))
                print(
                    "neighbours passages       scoring             exact     f1  f1-by-score  windows  recall  "
                        + "no-answer: every/best, without gold every/best")
                for row in swept.rows { print(Self.line(row)) }
                return
            }
            let result = try evaluator.evaluate(dataset, articles: articles.flatMap(Self.range)) { done, total in
                progress?.count(done, of: total, "questions")
            }
            progress?.finish()
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
                print(String(decoding: try encoder.encode(result), as: UTF8.self))
                return
            }
            print(
                String(
                    format: """
                        questions %d (paragraphs %d, chunks %d), passages %d
                                     exact     f1
                        open domain  %6.2f  %6.2f
                        closed book  %6.2f  %6.2f
                        recall of the gold paragraph  %.3f
                        seconds per question  %.3f open domain, %.3f closed book (index built in %.1f s)
                        """, result.questions, result.paragraphs, result.chunks, result.passages,
                    result.openDomain.exact, result.openDomain.f1, result.closedBook.exact, result.closedBook.f1,
                    result.recall, result.secondsPerQuestion, result.closedBookSecondsPerQuestion,
                    result.indexSeconds))
        }
    }
}
