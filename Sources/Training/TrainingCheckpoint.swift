import Foundation
import Transformer

/// What a run needs besides the weights to continue exactly where it stopped.
public struct TrainingState: Codable, Sendable, Equatable {
    /// Updates done.
    public var step: Int
    /// Updates the run makes in all.
    public var totalSteps: Int
    /// The seed of shuffling, dropout and head initialisation.
    public var seed: UInt64
    /// Windows per update.
    public var batchSize: Int
    /// Training windows (a resumed run must see the same data).
    public var windowCount: Int
    /// A digest of the training windows' ids and labels.
    public var dataDigest: String
    /// The mean loss of each update so far.
    public var losses: [Double]

    /// A state.
    public init(
        step: Int, totalSteps: Int, seed: UInt64, batchSize: Int, windowCount: Int, dataDigest: String,
        losses: [Double]
    ) {
        self.step = step
        self.totalSteps = totalSteps
        self.seed = seed
        self.batchSize = batchSize
        self.windowCount = windowCount
        self.dataDigest = dataDigest
        self.losses = losses
    }

    private enum CodingKeys: String, CodingKey {
        case step, totalSteps = "total_steps", seed, batchSize = "batch_size", windowCount = "windows"
        case dataDigest = "data_digest", losses
    }
}

/// Writes and reads model folders and resumable checkpoints of a training run.
///
/// A model folder is what `transformers` loads: `config.json` (with the QA architecture), `model.safetensors` under
/// Hugging Face's names (`bert.…` or `roberta.…`, and `qa_outputs.…`), and the tokenizer files of the model the run
/// started from. A checkpoint adds `optimizer.safetensors` (AdamW's moments) and `trainer_state.json`. Every folder
/// is written under a temporary name and renamed into place, so a killed run never leaves a half-written one.
public struct TrainingCheckpoint: Sendable {
    /// The folder of the model the run started from (its config.json and tokenizer files are carried over).
    public let source: URL

    /// A writer that carries `source`'s files over.
    public init(source: URL) { self.source = source }

    /// The Hugging Face architecture and tensor prefix of a QA model of this type.
    static func naming(_ type: EncoderConfiguration.ModelType) -> (architecture: String, prefix: String) {
        switch type {
        case .bert: return ("BertForQuestionAnswering", "bert.")
        case .roberta: return ("RobertaForQuestionAnswering", "roberta.")
        case .xlmRoberta: return ("XLMRobertaForQuestionAnswering", "roberta.")
        }
    }

    /// Writes the model folder `folder` (replacing it), plus the optimizer and state when given (a checkpoint).
    public func write(
        _ parameters: TrainableParameters, to folder: URL, optimizer: AdamW? = nil, state: TrainingState? = nil
    ) throws {
        let manager = FileManager.default
        let parent = folder.deletingLastPathComponent()
        let partial = parent.appendingPathComponent(".\(folder.lastPathComponent).partial-\(getpid())")
        do {
            try? manager.removeItem(at: partial)
            try manager.createDirectory(at: partial, withIntermediateDirectories: true)
            try writeConfiguration(parameters.configuration, to: partial.appendingPathComponent("config.json"))
            for name in Self.tokenizerFiles {
                let file = source.appendingPathComponent(name)
                if manager.fileExists(atPath: file.path) {
                    try manager.copyItem(at: file, to: partial.appendingPathComponent(name))
                }
            }
            let prefix = Self.naming(parameters.configuration.modelType).prefix
            try SafetensorsStreamWriter.write(
                parameters.tensors.map { tensor in
                    let name = tensor.name.hasPrefix("qa_outputs.") ? tensor.name : prefix + tensor.name
                    return Self.entry(
                        name, shape: tensor.shape, UnsafeBufferPointer(start: tensor.values, count: tensor.count))
                }, metadata: ["format": "pt"], to: partial.appendingPathComponent("model.safetensors"))
            if let optimizer {
                var entries: [SafetensorsStreamWriter.Entry] = []
                for tensor in parameters.tensors {
                    guard let (first, second) = optimizer.moments[tensor.name] else { continue }
                    entries.append(Self.entry(tensor.name + ".exp_avg", shape: tensor.shape, first))
                    entries.append(Self.entry(tensor.name + ".exp_avg_sq", shape: tensor.shape, second))
                }
                try SafetensorsStreamWriter.write(
                    entries, metadata: ["step": String(optimizer.step)],
                    to: partial.appendingPathComponent("optimizer.safetensors"))
            }
            if let state {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
                try encoder.encode(state).write(to: partial.appendingPathComponent("trainer_state.json"))
            }
            if manager.fileExists(atPath: folder.path) { try manager.removeItem(at: folder) }
            try manager.moveItem(at: partial, to: folder)
        } catch {
            try? manager.removeItem(at: partial)
            throw TrainingError.checkpointFailed(path: folder.path, reason: error.localizedDescription)
        }
    }

    /// Files of a model folder that describe its tokenizer.
    static let tokenizerFiles = [
        "tokenizer.json", "tokenizer_config.json", "special_tokens_map.json", "sentencepiece.bpe.model",
        "vocab.txt",
    ]

    private static func entry<C: Collection>(_ name: String, shape: [Int], _ values: C) -> SafetensorsStreamWriter.Entry
    where C.Element == Float {
        SafetensorsStreamWriter.Entry(name: name, dtype: .f32, shape: shape) { put in
            let copy = Array(values).map { $0.bitPattern.littleEndian }
            try copy.withUnsafeBytes { try put($0) }
        }
    }

    /// The source's config.json with the QA architecture named (other keys kept as they were).
    private func writeConfiguration(_ configuration: EncoderConfiguration, to url: URL) throws {
        var object: [String: Any] = [:]
        if let data = try? Data(contentsOf: source.appendingPathComponent("config.json")),
            let parsed = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        {
            object = parsed
        }
        object["architectures"] = [Self.naming(configuration.modelType).architecture]
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: url)
    }

    /// The checkpoints under `folder` (`checkpoint-<step>`), newest last.
    public static func checkpoints(in folder: URL) -> [(step: Int, url: URL)] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.compactMap { name -> (Int, URL)? in
            guard name.hasPrefix("checkpoint-"), let step = Int(name.dropFirst("checkpoint-".count)) else { return nil }
            let url = folder.appendingPathComponent(name)
            guard FileManager.default.fileExists(atPath: url.appendingPathComponent("trainer_state.json").path) else {
                return nil
            }
            return (step, url)
        }.sorted { $0.0 < $1.0 }
    }

    /// Removes what a killed run left half-written in `folder` (`.checkpoint-<step>.partial-<pid>`, the `.final` staging folder): never
    /// read, since only complete folders are renamed into place.
    public static func removeLeftovers(in folder: URL) {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        for name in names where name.hasPrefix(".") && (name.contains(".partial-") || name == ".final") {
            try? FileManager.default.removeItem(at: folder.appendingPathComponent(name))
        }
    }

    /// Reads a checkpoint's state and optimizer (the weights load through `TrainableParameters`).
    public static func readState(_ checkpoint: URL, options: AdamW.Options) throws -> (TrainingState, AdamW) {
        do {
            let state = try JSONDecoder().decode(
                TrainingState.self, from: Data(contentsOf: checkpoint.appendingPathComponent("trainer_state.json")))
            let file = try Checkpoint(file: checkpoint.appendingPathComponent("optimizer.safetensors"))
            var moments: [String: (first: [Float], second: [Float])] = [:]
            for name in file.tensorNames where name.hasSuffix(".exp_avg") {
                let base = String(name.dropLast(".exp_avg".count))
                moments[base] = (try file.tensor(name).scalars, try file.tensor(base + ".exp_avg_sq").scalars)
            }
            return (state, AdamW(options: options, step: state.step, moments: moments))
        } catch let error as TrainingError {
            throw error
        } catch {
            throw TrainingError.checkpointFailed(path: checkpoint.path, reason: error.localizedDescription)
        }
    }
}
