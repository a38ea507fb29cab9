import Foundation
import Reader
import Tokenizers
import Training
import Transformer

/// What to fine-tune, on what, and how: the inputs of `ReaderTrainer.run`.
public struct ReaderTrainingRequest: Sendable {
    /// The model folder to start from (a QA model, or a bare encoder whose QA head is then initialised).
    public var model: URL
    /// SQuAD v1.1/v2.0 training files.
    public var data: [URL]
    /// A SQuAD file evaluated every `evaluateEvery` updates and at the end.
    public var evaluation: URL?
    /// The output folder: the final model, and `checkpoint-<step>` folders while training.
    public var output: URL
    /// Updates in all; nil means `epochs` passes over the data.
    public var steps: Int?
    /// Passes over the data when `steps` is nil.
    public var epochs: Double
    /// Windows per update.
    public var batchSize: Int
    /// AdamW's peak learning rate.
    public var learningRate: Double
    /// The share of updates warming the learning rate up.
    public var warmupRatio: Double
    /// AdamW's decoupled weight decay.
    public var weightDecay: Double
    /// The gradient-norm limit (nil: no clipping).
    public var maxGradientNorm: Double?
    /// Most tokens per training window.
    public var maxSeqLen: Int
    /// Context tokens shared by consecutive windows.
    public var docStride: Int
    /// Which parameters stay fixed.
    public var freezing: TrainableParameters.Freezing
    /// Dropout rates; nil takes `config.json`'s (`hidden_dropout_prob`, `attention_probs_dropout_prob`).
    public var dropout: QuestionAnsweringGradients.DropoutRates?
    /// Seeds shuffling, dropout and a new QA head.
    public var seed: UInt64
    /// Evaluate (and checkpoint) every this many updates; nil: only at the end.
    public var evaluateEvery: Int?
    /// Write a resumable checkpoint every this many updates.
    public var checkpointEvery: Int
    /// Checkpoints kept (older ones are removed).
    public var checkpointsKept: Int
    /// Continue from the newest checkpoint in `output` (start afresh when there is none).
    public var resume: Bool

    /// A request with the recipe's defaults.
    public init(
        model: URL, data: [URL], evaluation: URL? = nil, output: URL, steps: Int? = nil, epochs: Double = 1,
        batchSize: Int = 16, learningRate: Double = 5e-5, warmupRatio: Double = 0.1, weightDecay: Double = 0.01,
        maxGradientNorm: Double? = 1, maxSeqLen: Int = 384, docStride: Int = 128,
        freezing: TrainableParameters.Freezing = .init(), dropout: QuestionAnsweringGradients.DropoutRates? = nil,
        seed: UInt64 = 42, evaluateEvery: Int? = nil, checkpointEvery: Int = 100, checkpointsKept: Int = 2,
        resume: Bool = false
    ) {
        self.model = model
        self.data = data
        self.evaluation = evaluation
        self.output = output
        self.steps = steps
        self.epochs = epochs
        self.batchSize = batchSize
        self.learningRate = learningRate
        self.warmupRatio = warmupRatio
        self.weightDecay = weightDecay
        self.maxGradientNorm = maxGradientNorm
        self.maxSeqLen = maxSeqLen
        self.docStride = docStride
        self.freezing = freezing
        self.dropout = dropout
        self.seed = seed
        self.evaluateEvery = evaluateEvery
        self.checkpointEvery = checkpointEvery
        self.checkpointsKept = checkpointsKept
        self.resume = resume
    }
}

/// What a training run reports while it runs.
public enum ReaderTrainingEvent: Sendable {
    /// The data is windowed and the run is about to start (or resume at `firstStep`).
    case prepared(
        questions: Int, windows: Int, steps: Int, firstStep: Int, trainableParameters: Int, headInitialised: Bool)
    /// An update finished.
    case step(ReaderTrainingProgress)
    /// The evaluation file was scored at `step`.
    case evaluated(step: Int, metrics: SQuADMetrics)
    /// A resumable checkpoint was written.
    case checkpointed(step: Int, folder: URL)
}

/// Progress of a run: updates, loss and speed.
public struct ReaderTrainingProgress: Sendable, Equatable {
    /// Updates done.
    public var step: Int
    /// Updates in all.
    public var totalSteps: Int
    /// The last update's loss.
    public var loss: Double
    /// The mean loss of the last (up to) 20 updates.
    public var smoothedLoss: Double
    /// Training windows per second of this run (loading and evaluation excluded).
    public var windowsPerSecond: Double
    /// Seconds spent in updates by this run.
    public var elapsed: Double

    /// Seconds to the last update at the current speed.
    public var estimatedSecondsLeft: Double? {
        guard step > 0, elapsed > 0, totalSteps > step else { return totalSteps == step ? 0 : nil }
        return elapsed / Double(step) * Double(totalSteps - step)
    }
}

/// The outcome of a training run.
public struct ReaderTrainingReport: Sendable, Equatable {
    /// Updates done in all (including those before a resume).
    public var steps: Int
    /// The update this run started at (0 unless resumed).
    public var resumedFrom: Int
    /// Training windows in the data.
    public var windows: Int
    /// Windows read by this run's updates.
    public var windowsTrained: Int
    /// Seconds of this run's updates.
    public var seconds: Double
    /// `windowsTrained / seconds`.
    public var windowsPerSecond: Double
    /// The mean loss of the last (up to) 20 updates.
    public var finalLoss: Double
    /// Every update's loss, from update 0.
    public var losses: [Double]
    /// The evaluation of the final model, when an evaluation file was given.
    public var evaluation: SQuADMetrics?
    /// The final model folder.
    public var output: URL
}

/// Fine-tunes an extractive reader on SQuAD-format data: the pipeline behind `askdocs train`.
public struct ReaderTrainer: Sendable {
    /// A trainer.
    public init() {}

    /// Runs `request`, calling `events` as it goes, and leaves the final model in `request.output`.
    public func run(_ request: ReaderTrainingRequest, events: (ReaderTrainingEvent) -> Void = { _ in }) throws
        -> ReaderTrainingReport
    {
        let folder = try ModelDirectory(url: request.model)
        let configuration = folder.config
        let tokenizer: any Tokenizer
        do {
            tokenizer = try TokenizerLoader.load(directory: folder.url)
        } catch {
            throw TrainingError.unsupportedModel(reason: "its tokenizer: \(error.localizedDescription)")
        }
        let builder = try TrainingFeatureBuilder(
            tokenizer: tokenizer, maxSeqLen: min(request.maxSeqLen, configuration.maxSequenceLength),
            docStride: request.docStride)
        var questions: [SQuADQuestion] = []
        for url in request.data { questions.append(contentsOf: try SQuADDataset(contentsOf: url).questions) }
        let evaluation = try request.evaluation.map { try SQuADDataset(contentsOf: $0) }
        let features = try builder.features(questions)
        guard !features.isEmpty else {
            throw TrainingError.invalidOption(name: "data", reason: "the training files hold no questions")
        }
        let loop = try prepareLoop(request, folder: folder, features: features)
        var training = loop.loop
        let total = training.options.steps
        events(
            .prepared(
                questions: questions.count, windows: features.count, steps: total, firstStep: training.step,
                trainableParameters: training.gradients.parameters.trainableCount,
                headInitialised: loop.headInitialised))
        let writer = TrainingCheckpoint(source: folder.url)
        let firstStep = training.step
        var losses = loop.losses
        var seconds: Double = 0
        var windows = 0
        while training.step < total {
            let started = Date()
            let report = try training.next()
            seconds += Date().timeIntervalSince(started)
            windows += report.windows
            losses.append(report.loss)
            events(
                .step(
                    ReaderTrainingProgress(
                        step: training.step, totalSteps: total, loss: report.loss, smoothedLoss: Self.smoothed(losses),
                        windowsPerSecond: seconds > 0 ? Double(windows) / seconds : 0, elapsed: seconds)))
            let step = training.step
            let evaluating = evaluation != nil && request.evaluateEvery.map { step % $0 == 0 } == true && step < total
            if step < total && (step % request.checkpointEvery == 0 || evaluating) {
                let state = state(training, request: request, features: features, losses: losses)
                let checkpoint = request.output.appendingPathComponent("checkpoint-\(step)")
                try writer.write(
                    training.gradients.parameters, to: checkpoint, optimizer: training.optimizer, state: state)
                prune(request)
                events(.checkpointed(step: step, folder: checkpoint))
                if evaluating, let evaluation {
                    events(.evaluated(step: step, metrics: try evaluate(checkpoint, on: evaluation, request: request)))
                }
            }
        }
        try writeFinal(training, writer: writer, request: request)
        var metrics: SQuADMetrics? = nil
        if let evaluation {
            metrics = try evaluate(request.output, on: evaluation, request: request)
            events(.evaluated(step: total, metrics: metrics!))
        }
        return ReaderTrainingReport(
            steps: training.step, resumedFrom: firstStep, windows: features.count, windowsTrained: windows,
            seconds: seconds, windowsPerSecond: seconds > 0 ? Double(windows) / seconds : 0,
            finalLoss: Self.smoothed(losses), losses: losses, evaluation: metrics, output: request.output)
    }

    /// The loop at update 0, or restored from the newest checkpoint of a resumed run.
    private func prepareLoop(_ request: ReaderTrainingRequest, folder: ModelDirectory, features: [TrainingFeature])
        throws -> (loop: TrainingLoop, losses: [Double], headInitialised: Bool)
    {
        let steps =
            request.steps
            ?? max(1, Int((request.epochs * Double(features.count) / Double(request.batchSize)).rounded(.up)))
        let options = TrainingOptions(
            batchSize: request.batchSize, steps: steps,
            optimizer: AdamW.Options(learningRate: request.learningRate, weightDecay: request.weightDecay),
            warmupRatio: request.warmupRatio, maxGradientNorm: request.maxGradientNorm,
            dropout: try request.dropout ?? Self.configuredDropout(folder), seed: request.seed)
        try options.validate()
        guard request.checkpointEvery >= 1 else {
            throw TrainingError.invalidOption(
                name: "checkpoint interval", reason: "\(request.checkpointEvery) is below 1")
        }
        TrainingCheckpoint.removeLeftovers(in: request.output)
        let existing = TrainingCheckpoint.checkpoints(in: request.output)
        if let latest = existing.last, request.resume {
            let (state, optimizer) = try TrainingCheckpoint.readState(latest.url, options: options.optimizer)
            let digest = TrainingLoop.digest(features)
            guard state.dataDigest == digest, state.batchSize == options.batchSize, state.seed == options.seed,
                state.totalSteps == options.steps
            else {
                throw TrainingError.checkpointFailed(
                    path: latest.url.path,
                    reason: "it was written by a run with other data, batch size, seed or steps; resume with the same "
                        + "ones or start in another output folder")
            }
            let parameters = try TrainableParameters(
                checkpoint: Checkpoint(directory: latest.url), configuration: folder.config,
                freezing: request.freezing, seed: request.seed)
            let loop = try TrainingLoop(
                gradients: QuestionAnsweringGradients(parameters: parameters), features: features, options: options,
                optimizer: optimizer)
            return (loop, state.losses, false)
        }
        if !existing.isEmpty && !request.resume {
            throw TrainingError.checkpointFailed(
                path: request.output.path,
                reason: "it already holds a run's checkpoints; resume that run or choose another output folder")
        }
        let parameters = try TrainableParameters(
            checkpoint: folder.checkpoint(), configuration: folder.config, freezing: request.freezing,
            seed: request.seed)
        let loop = try TrainingLoop(
            gradients: QuestionAnsweringGradients(parameters: parameters), features: features, options: options)
        return (loop, [], parameters.headInitialised)
    }

    /// `config.json`'s dropout rates (Hugging Face's defaults, 0.1, when absent).
    static func configuredDropout(_ folder: ModelDirectory) throws -> QuestionAnsweringGradients.DropoutRates {
        guard let url = folder.file("config.json"), let data = try? Data(contentsOf: url),
            let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any]
        else { return QuestionAnsweringGradients.DropoutRates(hidden: 0.1, attention: 0.1) }
        func rate(_ key: String) -> Float { (object[key] as? NSNumber).map { $0.floatValue } ?? 0.1 }
        return QuestionAnsweringGradients.DropoutRates(
            hidden: rate("hidden_dropout_prob"), attention: rate("attention_probs_dropout_prob"))
    }

    private func state(
        _ loop: TrainingLoop, request: ReaderTrainingRequest, features: [TrainingFeature], losses: [Double]
    ) -> TrainingState {
        TrainingState(
            step: loop.step, totalSteps: loop.options.steps, seed: loop.options.seed, batchSize: loop.options.batchSize,
            windowCount: features.count, dataDigest: TrainingLoop.digest(features), losses: losses)
    }

    /// Writes the final model into the output folder, file by file renamed into place, then removes the checkpoints
    /// (the run is complete; nothing is left to resume).
    private func writeFinal(_ loop: TrainingLoop, writer: TrainingCheckpoint, request: ReaderTrainingRequest) throws {
        let manager = FileManager.default
        let staging = request.output.appendingPathComponent(".final")
        try manager.createDirectory(at: request.output, withIntermediateDirectories: true)
        try writer.write(loop.gradients.parameters, to: staging)
        do {
            for name in try manager.contentsOfDirectory(atPath: staging.path) {
                let target = request.output.appendingPathComponent(name)
                if manager.fileExists(atPath: target.path) {
                    _ = try manager.replaceItemAt(target, withItemAt: staging.appendingPathComponent(name))
                } else {
                    try manager.moveItem(at: staging.appendingPathComponent(name), to: target)
                }
            }
            try? manager.removeItem(at: staging)
        } catch {
            throw TrainingError.checkpointFailed(path: request.output.path, reason: error.localizedDescription)
        }
        for checkpoint in TrainingCheckpoint.checkpoints(in: request.output) {
            try? manager.removeItem(at: checkpoint.url)
        }
    }

    /// Removes all but the newest `checkpointsKept` checkpoints.
    private func prune(_ request: ReaderTrainingRequest) {
        let all = TrainingCheckpoint.checkpoints(in: request.output)
        for old in all.dropLast(max(1, request.checkpointsKept)) { try? FileManager.default.removeItem(at: old.url) }
    }

    /// The official SQuAD metrics of the model in `folder` on `dataset`, windowed as in training.
    private func evaluate(_ folder: URL, on dataset: SQuADDataset, request: ReaderTrainingRequest) throws
        -> SQuADMetrics
    {
        let reader = try ExtractiveReader(directory: folder)
        let evaluator = ReaderEvaluator(
            reader: reader, options: ReaderOptions(maxSeqLen: request.maxSeqLen, docStride: request.docStride))
        return try evaluator.run(dataset).metrics
    }

    static func smoothed(_ losses: [Double]) -> Double {
        let tail = losses.suffix(20)
        return tail.isEmpty ? 0 : tail.reduce(0, +) / Double(tail.count)
    }
}
