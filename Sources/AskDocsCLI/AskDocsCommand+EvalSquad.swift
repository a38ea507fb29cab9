import ArgumentParser
import Foundation
import Reader

#if canImport(Glibc)
    import Glibc
#endif

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

        @Option(help: "Reader model folder.")
        var model: String

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

        @Flag(help: "Print the metrics as one JSON object.")
        var json = false

        func validate() throws {
            try ModelFolderOption.validate(model)
            guard FileManager.default.fileExists(atPath: data) else { throw ValidationError("no such file: \(data)") }
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
            if let limit, limit < 1 { throw ValidationError("--limit must be at least 1") }
            if let lang { _ = try SQuADNormalizer.Language(lang) }
        }

        func run() async throws {
            var dataset = try SQuADDataset(contentsOf: URL(fileURLWithPath: data))
            if let limit { dataset.questions = Array(dataset.questions.prefix(limit)) }
            let reader = try ExtractiveReader(directory: URL(fileURLWithPath: model))
            let options = ReaderOptions(
                pipeline: PipelineOptions(handleImpossibleAnswer: handleImpossibleAnswer), batchSize: batchSize)
            let bar = isatty(STDERR_FILENO) == 1 ? ProgressBar() : nil
            let started = Date()
            var predicted = SQuADPredictions()
            let questions = dataset.questions
            // Enough questions per call for full, similar-length batches, with regular progress.
            let chunkSize = max(32, batchSize * 8)
            for chunkStart in stride(from: 0, to: questions.count, by: chunkSize) {
                let chunk = questions[chunkStart..<min(chunkStart + chunkSize, questions.count)]
                let results: [ReaderResult]
                do {
                    results = try reader.read(
                        chunk.map { ReaderInput(question: $0.question, context: $0.context) }, options: options)
                } catch {
                    bar?.finish()
                    guard case .inputFailed(let index, let reason) = error else { throw error }
                    throw CommandFailure("question \(chunk[chunk.startIndex + index].id): \(reason)")
                }
                for (question, result) in zip(chunk, results) {
                    predicted.add(
                        id: question.id, answer: result.answers.first?.answer ?? "",
                        noAnswerProbability: result.noAnswerProbability)
                }
                let done = chunkStart + chunk.count
                let rate = Double(done) / max(Date().timeIntervalSince(started), 1e-9)
                bar?.draw(fraction: Double(done) / Double(questions.count), force: done == questions.count) {
                    String(
                        format: "%d/%d questions  %.1f q/s  ETA %.0fs", done, questions.count, rate,
                        Double(questions.count - done) / max(rate, 1e-9))
                }
            }
            bar?.finish()
            if let predictions { try write(predicted.predictionsJSON(), to: predictions) }
            if let naProbs { try write(predicted.noAnswerProbabilitiesJSON(), to: naProbs) }
            let normalizer =
                try lang.map { SQuADNormalizer(.mlqa(try SQuADNormalizer.Language($0))) } ?? SQuADNormalizer()
            let metrics = SQuADEvaluator(normalizer: normalizer).evaluate(
                dataset: dataset, predictions: predicted.dictionary, noAnswerProbabilities: predicted.probabilities)
            if json {
                print(String(decoding: try metrics.jsonData(), as: UTF8.self))
            } else {
                print(Self.summary(metrics, seconds: Date().timeIntervalSince(started)))
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
