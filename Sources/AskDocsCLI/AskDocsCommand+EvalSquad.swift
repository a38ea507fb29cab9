import ArgumentParser
import AskDocs
import Foundation
import Reader
import Transformer

extension AskDocsCommand.Eval {
    /// `askdocs eval squad`: run the reader over a SQuAD v1.1/v2.0 file and print the official metrics.
    struct Squad: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "squad",
            abstract: "Run the reader over a SQuAD v1.1/v2.0 file and print the official SQuAD v2 metrics.",
            discussion: """
                Predictions are the reader's best answer with the pipeline's defaults ("" when \
                --handle-impossible-answer lets "no answer" win). The no-answer probability of a question is \
                null / (null + best), with null the pipeline's null score (P(start=<s>)·P(end=<s>), minimum over \
                windows) and best the best span answer's pipeline score; it is above 0.5 exactly when \
                --handle-impossible-answer would answer "". It drives best_exact/best_f1 and their thresholds, \
                as evaluate-v2.0.py --na-prob-file does. --predictions and --na-probs write the two files that \
                script reads, so it can re-score the same predictions.
                """
        )

        @OptionGroup var model: ModelFolderOption

        @Option(help: "SQuAD v1.1 or v2.0 JSON file.")
        var data: String

        @Option(help: "Write the predictions ({\"id\": \"answer\"}) here.")
        var predictions: String?

        @Option(help: "Write the no-answer probabilities ({\"id\": p}) here.")
        var naProbs: String?

        @Option(
            help: "MLQA answer normalisation for this language (en es de vi ar zh hi, or others) instead of SQuAD's.")
        var lang: String?

        @Option(help: "Most windows per model batch.")
        var batchSize: Int = 8

        @Option(help: "Only the first N questions.")
        var limit: Int?

        @Flag(help: "Predict \"\" when the null score beats every span (pipeline handle_impossible_answer).")
        var handleImpossibleAnswer = false

        @OptionGroup var precision: PrecisionOption

        @OptionGroup var output: JSONOutputOption

        func validate() throws {
            guard FileManager.default.fileExists(atPath: data) else { throw ValidationError("no such file: \(data)") }
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
            if let lang { _ = try SQuADNormalizer.Language(lang) }
        }

        func run() async throws {
            let precisions = try precision.resolved()
            PrecisionOption.announce(ModelPrecisions(reader: precisions.reader, retriever: .fp32))
            let (evaluator, dataset) = try CommandFailure.reporting {
                var dataset = try SQuADDataset(contentsOf: URL(fileURLWithPath: data))
                if let limit { dataset.questions = Array(dataset.questions.prefix(limit)) }
                let normalizer =
                    try lang.map { SQuADNormalizer(.mlqa(try SQuADNormalizer.Language($0))) } ?? SQuADNormalizer()
                let reader = try ExtractiveReader(directory: model.folder(), precision: precisions.reader)
                let options = ReaderOptions(
                    pipeline: PipelineOptions(handleImpossibleAnswer: handleImpossibleAnswer), batchSize: batchSize)
                return (ReaderEvaluator(reader: reader, options: options, normalizer: normalizer), dataset)
            }
            let progress = TerminalProgress.start()
            defer { progress?.finish() }
            let report = try CommandFailure.reporting {
                try evaluator.run(dataset) { step in progress?.show(step) }
            }
            progress?.finish()
            if let predictions { try write(report.predictions.predictionsJSON(), to: predictions) }
            if let naProbs { try write(report.predictions.noAnswerProbabilitiesJSON(), to: naProbs) }
            if output.json {
                print(String(decoding: try report.metrics.jsonData(), as: UTF8.self))
            } else {
                print(Self.summary(report.metrics, seconds: report.seconds))
            }
        }

        private func write(_ contents: Data, to path: String) throws {
            do {
                try contents.write(to: URL(fileURLWithPath: path), options: .atomic)
            } catch {
                throw CommandFailure("cannot write \(path): \(error.localizedDescription)")
            }
        }

        /// Every metric, one per line, named as the official script names them.
        static func summary(_ metrics: SQuADMetrics, seconds: Double) -> String {
            var rows: [(String, String)] = [
                ("exact", "\(metrics.exact)"), ("f1", "\(metrics.f1)"), ("total", "\(metrics.total)"),
            ]
            func add(_ name: String, _ value: Double?) { if let value { rows.append((name, "\(value)")) } }
            func add(_ name: String, _ value: Int?) { if let value { rows.append((name, "\(value)")) } }
            add("HasAns_exact", metrics.hasAnsExact)
            add("HasAns_f1", metrics.hasAnsF1)
            add("HasAns_total", metrics.hasAnsTotal)
            add("NoAns_exact", metrics.noAnsExact)
            add("NoAns_f1", metrics.noAnsF1)
            add("NoAns_total", metrics.noAnsTotal)
            add("best_exact", metrics.bestExact)
            add("best_exact_thresh", metrics.bestExactThresh)
            add("best_f1", metrics.bestF1)
            add("best_f1_thresh", metrics.bestF1Thresh)
            if metrics.missingPredictions > 0 { rows.append(("missing_predictions", "\(metrics.missingPredictions)")) }
            let width = rows.map(\.0.count).max() ?? 0
            return rows.map { $0.0.padding(toLength: width, withPad: " ", startingAt: 0) + "  " + $0.1 }
                .joined(separator: "\n") + String(format: "\n(%d questions in %.1f s)", metrics.total, seconds)
        }
    }
}

extension TerminalProgress {
    /// Questions answered of a reader evaluation, with the rate and ETA.
    func show(_ progress: ReaderEvalProgress) {
        draw(
            fraction: progress.total > 0 ? Double(progress.done) / Double(progress.total) : 1,
            force: progress.done == progress.total
        ) {
            String(format: "%d/%d questions  %.1f q/s", progress.done, progress.total, progress.questionsPerSecond)
                + Self.eta(progress.estimatedSecondsLeft)
        }
    }
}
