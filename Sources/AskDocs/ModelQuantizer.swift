import Foundation
import Hub
import Transformer

/// Writes a copy of a model whose encoder's dense layers are stored in bf16 or int8 (`CheckpointQuantizer`): the
/// configuration, tokenizer and sentence-transformers files copied, `model.safetensors` rewritten. The copy is
/// built in a hidden folder beside the output, loaded once to check it, then renamed into place, so the output
/// either does not exist or is complete.
public struct ModelQuantizer: Sendable {
    /// bf16 or int8.
    public let precision: Precision
    /// The bits of int8 weights (7 or 8).
    public let int8WeightBits: Int
    private let checkpointQuantizer: CheckpointQuantizer

    /// A quantizer to `precision`, int8 weights with `int8WeightBits` bits (this CPU's kernel's by default).
    public init(precision: Precision, int8WeightBits: Int = Precision.int8WeightBits) throws {
        do {
            checkpointQuantizer = try CheckpointQuantizer(precision: precision, int8WeightBits: int8WeightBits)
        } catch {
            throw ModelQuantizationError.invalidRequest(error.localizedDescription)
        }
        self.precision = precision
        self.int8WeightBits = int8WeightBits
    }

    /// What a quantization wrote.
    public struct Report: Sendable, Equatable, Encodable {
        /// The model as named.
        public var model: String
        /// The folder written.
        public var output: String
        /// bf16 or int8.
        public var precision: String
        /// The bits of int8 weights (nil for bf16).
        public var int8WeightBits: Int?
        /// Dense-layer weights converted.
        public var convertedTensors: Int
        /// Tensors copied as stored.
        public var copiedTensors: Int
        /// Bytes of the source weights.
        public var sourceBytes: Int
        /// Bytes of the written weights.
        public var bytes: Int
        /// Wall-clock seconds, the check load included.
        public var seconds: Double

        enum CodingKeys: String, CodingKey {
            case model, output, precision, bytes, seconds
            case int8WeightBits = "int8_weight_bits", convertedTensors = "converted_tensors"
            case copiedTensors = "copied_tensors", sourceBytes = "source_bytes"
        }
    }

    /// Quantizes `model` (a folder or a Hugging Face id in `cache`) into the new folder `output`; `progress` gets
    /// (tensors written, tensors in all).
    public func quantize(
        _ model: String, into output: URL, cache: HubCache = HubCache(),
        progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> Report {
        let start = Date()
        let source: URL
        do {
            source = try cache.locate(model)
        } catch {
            throw ModelQuantizationError.modelNotFound(model: model, cache: cache.root.path)
        }
        let manager = FileManager.default
        if manager.fileExists(atPath: output.path) {
            let entries = (try? manager.contentsOfDirectory(atPath: output.path)) ?? ["?"]
            guard entries.isEmpty else { throw ModelQuantizationError.outputExists(path: output.path) }
        }
        let parent = output.deletingLastPathComponent()
        guard manager.fileExists(atPath: parent.path) else {
            throw ModelQuantizationError.failed(reason: "the folder \(parent.path) does not exist")
        }
        let staging = parent.appendingPathComponent(".\(output.lastPathComponent).partial-\(getpid())")
        try? manager.removeItem(at: staging)
        do {
            try manager.createDirectory(at: staging, withIntermediateDirectories: false)
            let directory = try ModelDirectory(url: source)
            let checkpoint = try directory.checkpoint()
            try copySupportFiles(from: directory.url, to: staging)
            try writeConfiguration(from: directory.url, to: staging)
            let written = try checkpointQuantizer.write(
                checkpoint, configuration: directory.config, to: staging.appendingPathComponent("model.safetensors"),
                progress: progress)
            // Loading it in its precision is the check that the engine reads what was written.
            _ = try EncoderModel(directory: ModelDirectory(url: staging), precision: precision)
            if manager.fileExists(atPath: output.path) { try manager.removeItem(at: output) }
            try manager.moveItem(at: staging, to: output)
            return Report(
                model: model, output: output.path, precision: precision.rawValue,
                int8WeightBits: precision == .int8 ? int8WeightBits : nil, convertedTensors: written.convertedTensors,
                copiedTensors: written.copiedTensors, sourceBytes: Self.weightBytes(in: directory.url),
                bytes: written.bytes, seconds: Date().timeIntervalSince(start))
        } catch let error as ModelQuantizationError {
            try? manager.removeItem(at: staging)
            throw error
        } catch {
            try? manager.removeItem(at: staging)
            throw ModelQuantizationError.failed(reason: error.localizedDescription)
        }
    }

    /// Copies what inference needs besides the weights and `config.json` (tokenizer, sentence-transformers
    /// modules), reading through symlinks (a cache snapshot's files link into its blobs).
    private func copySupportFiles(from source: URL, to target: URL) throws {
        let manager = FileManager.default
        let base = source.resolvingSymlinksInPath().path
        guard let walker = manager.enumerator(atPath: base) else { return }
        while let relative = walker.nextObject() as? String {
            guard ModelFileSelection.isNeeded(relative), relative != "config.json",
                !relative.hasSuffix(".safetensors"), relative != "model.safetensors.index.json"
            else { continue }
            let from = URL(fileURLWithPath: base).appendingPathComponent(relative).resolvingSymlinksInPath()
            let to = target.appendingPathComponent(relative)
            try manager.createDirectory(at: to.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data(contentsOf: from).write(to: to)
        }
    }

    /// `config.json` with the stored precision recorded: bf16 as `torch_dtype` (a bf16 folder loads in
    /// `transformers` too); int8 as a `quantization_config` of its own method, which `transformers` does not know
    /// (it then fails on the I8 tensors rather than reading them as floats).
    private func writeConfiguration(from source: URL, to target: URL) throws {
        let url = source.appendingPathComponent("config.json")
        guard var object = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any] else {
            throw ModelQuantizationError.failed(reason: "\(url.path) is not a JSON object")
        }
        switch precision {
        case .bf16:
            object["torch_dtype"] = "bfloat16"
        case .int8, .fp32:
            object["quantization_config"] = [
                "quant_method": "askdocs-int8", "bits": int8WeightBits,
                "weights": "symmetric, one scale per output (NAME.weight_scale)",
                "activations": "asymmetric u8, one scale and zero point per token, at run time",
            ]
        }
        let data = try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys])
        try data.write(to: target.appendingPathComponent("config.json"))
    }

    private static func weightBytes(in folder: URL) -> Int {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: folder.path)) ?? []
        return names.filter { $0.hasSuffix(".safetensors") }.reduce(0) { total, name in
            let path = folder.appendingPathComponent(name).resolvingSymlinksInPath().path
            return total + ((try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0)
        }
    }
}

/// Why a model could not be quantized, one line each.
public enum ModelQuantizationError: LocalizedError, Equatable, Sendable {
    /// The model is neither a folder nor in the local Hugging Face cache.
    case modelNotFound(model: String, cache: String)
    /// The output folder exists and is not empty (quantizing never overwrites).
    case outputExists(path: String)
    /// A precision or bit width that is not a quantization.
    case invalidRequest(String)
    /// Reading the model or writing the copy failed (nothing was left at the output).
    case failed(reason: String)

    /// One line.
    public var errorDescription: String? {
        switch self {
        case .modelNotFound(let model, let cache):
            "model \(model) is neither a folder nor in the Hugging Face cache \(cache)"
        case .outputExists(let path):
            "\(path) already exists and is not empty; choose a new folder or remove it"
        case .invalidRequest(let reason):
            reason
        case .failed(let reason):
            "quantization failed, nothing was written: \(reason)"
        }
    }
}
