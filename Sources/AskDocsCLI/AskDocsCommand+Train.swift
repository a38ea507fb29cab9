import ArgumentParser
import AskDocs
import Foundation
import Reader
import Training

extension AskDocsCommand {
    /// `askdocs train`: fine-tune an extractive reader on SQuAD-format data, on the CPU.
    struct Train: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Fine-tune an extractive reader on SQuAD v1.1/v2.0 data (CPU, no Python).",
            discussion: """
                Training windows are built as transformers' run_qa.py builds them (question + context, \
                --max-seq-len tokens, --doc-stride overlap; an unanswerable question or an answer outside a \
                window points at the first token). The loss is (CE(start) + CE(end)) / 2; the optimizer is AdamW \
                (no decay on biases and LayerNorm weights) with linear warm-up and decay, gradient clipping, and \
                dropout as the model's config.json says. A model without a QA head (a bare encoder such as \
                multilingual-e5-small) gets one initialised as transformers does. The output folder is a model \
                folder transformers loads (BertForQuestionAnswering / XLMRobertaForQuestionAnswering names); \
                while training it also holds checkpoint-<step> folders, each written whole, and --resume continues \
                from the newest one exactly as the uninterrupted run would have (same batches, same dropout). \
                A run is deterministic under --seed.
                """)

        @OptionGroup var model: ModelFolderOption

        @Option(
            name: .customLong("data"),
            help: ArgumentHelp("A SQuAD v1.1/v2.0 training file (repeatable).", valueName: "file"))
        var data: [String] = []

        @Option(
            name: .customLong("eval"),
            help: ArgumentHelp("A SQuAD file scored with the official metrics.", valueName: "file"))
        var evaluation: String?

        @Option(help: "Updates to make (default: --epochs passes over the data).")
        var steps: Int?

        @Option(help: "Passes over the data when --steps is not given.")
        var epochs: Double?

        @Option(help: "Windows per update.")
        var batchSize: Int = 16

        @Option(help: "AdamW's peak learning rate.")
        var learningRate: Double = 5e-5

        @Option(help: "The share of updates warming the learning rate up from 0.")
        var warmupRatio: Double = 0.1

        @Option(help: "AdamW's decoupled weight decay (not on biases and LayerNorm weights).")
        var weightDecay: Double = 0.01

        @Option(help: "Clip gradients to this global L2 norm (0: no clipping).")
        var maxGradNorm: Double = 1

        @Option(help: "Most tokens per training window.")
        var maxSeqLen: Int = 384

        @Option(help: "Context tokens shared by consecutive windows.")
        var docStride: Int = 128

        @Flag(help: "Keep the word-embedding matrix fixed.")
        var freezeEmbeddings = false

        @Option(help: "Keep the lowest N encoder layers fixed.")
        var freezeLayers: Int = 0

        @Option(help: "Dropout rate for hidden states and attention (default: the model's config.json).")
        var dropout: Float?

        @Option(help: "Seed of shuffling, dropout and a new QA head.")
        var seed: UInt64 = 42

        @Option(help: "Score --eval (and checkpoint) every N updates, besides at the end.")
        var evalEvery: Int?

        @Option(help: "Write a resumable checkpoint every N updates.")
        var checkpointEvery: Int = 100

        @Flag(help: "Continue from the newest checkpoint in --out (start afresh when there is none).")
        var resume = false

        @Option(help: ArgumentHelp("The output folder.", valueName: "dir"))
        var out: String

        @OptionGroup var output: JSONOutputOption

        func validate() throws {
            guard !data.isEmpty else { throw ValidationError("give at least one --data file") }
            for file in data + (evaluation.map { [$0] } ?? []) where !FileManager.default.fileExists(atPath: file) {
                throw ValidationError("no such file: \(file)")
            }
            if steps != nil && epochs != nil { throw ValidationError("give --steps or --epochs, not both") }
            if let steps, steps < 1 { throw ValidationError("--steps must be at least 1") }
            if let epochs, !(epochs > 0) { throw ValidationError("--epochs must be above 0") }
            guard batchSize >= 1 else { throw ValidationError("--batch-size must be at least 1") }
            guard learningRate > 0 else { throw ValidationError("--learning-rate must be above 0") }
            guard warmupRatio >= 0, warmupRatio < 1 else { throw ValidationError("--warmup-ratio must be in [0, 1)") }
            guard maxGradNorm >= 0 else { throw ValidationError("--max-grad-norm must be 0 or more") }
            guard docStride >= 0, docStride < maxSeqLen else {
                throw ValidationError("--doc-stride must be 0 or more and below --max-seq-len")
            }
            guard freezeLayers >= 0 else { throw ValidationError("--freeze-layers must be 0 or more") }
            if let dropout, !(dropout >= 0 && dropout < 1) { throw ValidationError("--dropout must be in [0, 1)") }
            if let evalEvery, evalEvery < 1 { throw ValidationError("--eval-every must be at least 1") }
            if evalEvery != nil && evaluation == nil { throw ValidationError("--eval-every needs --eval") }
            guard checkpointEvery >= 1 else { throw ValidationError("--checkpoint-every must be at least 1") }
        }

        func run() async throws {
            let request = try CommandFailure.reporting {
                ReaderTrainingRequest(
                    model: try model.folder(), data: data.map { URL(fileURLWithPath: $0) },
                    evaluation: evaluation.map { URL(fileURLWithPath: $0) }, output: URL(fileURLWithPath: out),
                    steps: steps, epochs: epochs ?? 1, batchSize: batchSize, learningRate: learningRate,
                    warmupRatio: warmupRatio, weightDecay: weightDecay,
                    maxGradientNorm: maxGradNorm > 0 ? maxGradNorm : nil,
                    maxSeqLen: maxSeqLen, docStride: docStride,
                    freezing: TrainableParameters.Freezing(
                        wordEmbeddings: freezeEmbeddings, lowestLayers: freezeLayers),
                    dropout: dropout.map { QuestionAnsweringGradients.DropoutRates(hidden: $0, attention: $0) },
                    seed: seed, evaluateEvery: evalEvery, checkpointEvery: checkpointEvery, resume: resume)
            }
            let bar = TerminalProgress.start()
            defer { bar?.finish() }
            let json = output.json
            let killStep = FaultInjection.trainingKillStep()
            let report = try CommandFailure.reporting {
                try ReaderTrainer().run(request) { event in
                    switch event {
                    case .prepared(let questions, let windows, let steps, let first, let trainable, let head):
                        var line = "training on \(windows) windows of \(questions) questions: \(steps) updates"
                        line += first > 0 ? ", resuming after update \(first)" : ""
                        line += String(format: ", %.1fM trainable parameters", Double(trainable) / 1e6)
                        if head { line += "; the model had no QA head, initialised one" }
                        bar?.note(line)
                    case .step(let progress):
                        if progress.step == killStep { FaultInjection.crash() }
                        bar?.draw(
                            fraction: Double(progress.step) / Double(progress.totalSteps),
                            force: progress.step == progress.totalSteps
                        ) {
                            String(
                                format: "step %d/%d  loss %.4f  %.1f windows/s", progress.step, progress.totalSteps,
                                progress.smoothedLoss, progress.windowsPerSecond)
                                + TerminalProgress.eta(progress.estimatedSecondsLeft)
                        }
                    case .evaluated(let step, let metrics):
                        let line = String(
                            format: "step %d: exact %.2f  f1 %.2f (%d questions)", step, metrics.exact, metrics.f1,
                            metrics.total)
                        if let bar { bar.note(line) } else if !json { print(line) }
                    case .checkpointed:
                        break
                    }
                }
            }
            bar?.finish()
            if json {
                var object: [String: Any] = [
                    "steps": report.steps, "resumed_from": report.resumedFrom, "windows": report.windows,
                    "windows_trained": report.windowsTrained, "seconds": report.seconds,
                    "windows_per_second": report.windowsPerSecond, "final_loss": report.finalLoss,
                    "losses": report.losses, "out": report.output.path,
                ]
                if let metrics = report.evaluation {
                    object["eval"] = try JSONSerialization.jsonObject(with: try metrics.jsonData())
                }
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(
                    String(
                        format: "trained %d updates (%d windows) in %@, %.1f windows/s, loss %.4f -> %@", report.steps,
                        report.windowsTrained, TerminalProgress.duration(report.seconds), report.windowsPerSecond,
                        report.finalLoss, report.output.path))
            }
        }
    }
}
