import Foundation

/// The weights of one model: a single safetensors file or the shards a `model.safetensors.index.json` names.
public struct Checkpoint: Sendable {
    /// Where the weights came from (the file, or the index file for sharded checkpoints), for messages.
    public let url: URL
    /// Every mapped file.
    public let files: [SafetensorsFile]
    private let fileForTensor: [String: Int]

    /// One safetensors file.
    public init(file url: URL) throws {
        let file = try SafetensorsFile(url: url)
        self.url = url
        self.files = [file]
        self.fileForTensor = file.tensors.keys.reduce(into: [:]) { $0[$1] = 0 }
    }

    /// The weights in a model folder: `model.safetensors`, or the shards named by `model.safetensors.index.json`.
    public init(directory: URL) throws {
        let single = directory.appendingPathComponent("model.safetensors")
        let index = directory.appendingPathComponent("model.safetensors.index.json")
        if FileManager.default.fileExists(atPath: single.path) {
            try self.init(file: single)
        } else if FileManager.default.fileExists(atPath: index.path) {
            try self.init(index: index)
        } else {
            throw TransformerError.notAModelDirectory(
                path: directory.path,
                reason: "no model.safetensors or model.safetensors.index.json (convert .bin checkpoints to safetensors)"
            )
        }
    }

    /// A sharded checkpoint described by a `model.safetensors.index.json` (`{"weight_map": {tensor: shard}}`).
    public init(index url: URL) throws {
        let weightMap = try Self.readWeightMap(url)
        var shardIndex: [String: Int] = [:]
        var files: [SafetensorsFile] = []
        var fileForTensor: [String: Int] = [:]
        for (tensor, shard) in weightMap.sorted(by: { $0.key < $1.key }) {
            guard !shard.contains("/"), !shard.hasPrefix(".") else {
                throw TransformerError.invalidConfiguration(
                    path: url.path, reason: "shard name '\(shard)' is not a plain file name")
            }
            let position: Int
            if let known = shardIndex[shard] {
                position = known
            } else {
                files.append(try SafetensorsFile(url: url.deletingLastPathComponent().appendingPathComponent(shard)))
                position = files.count - 1
                shardIndex[shard] = position
            }
            guard files[position].tensors[tensor] != nil else {
                throw TransformerError.invalidConfiguration(
                    path: url.path,
                    reason: "tensor '\(tensor)' is mapped to \(shard) but that shard does not contain it")
            }
            fileForTensor[tensor] = position
        }
        self.url = url
        self.files = files
        self.fileForTensor = fileForTensor
    }

    private static func readWeightMap(_ url: URL) throws -> [String: String] {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TransformerError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any],
            let map = object["weight_map"] as? [String: Any]
        else {
            throw TransformerError.invalidConfiguration(
                path: url.path, reason: "expected a JSON object with a weight_map")
        }
        var result: [String: String] = [:]
        for (tensor, shard) in map {
            guard let name = shard as? String else {
                throw TransformerError.invalidConfiguration(
                    path: url.path, reason: "weight_map entry '\(tensor)' is not a string")
            }
            result[tensor] = name
        }
        return result
    }

    /// All tensor names.
    public var tensorNames: [String] { fileForTensor.keys.sorted() }

    /// Whether the checkpoint has a tensor with exactly this name.
    public func contains(_ name: String) -> Bool { fileForTensor[name] != nil }

    /// The mapped file that holds tensor `name`.
    func file(holding name: String) throws -> SafetensorsFile {
        guard let position = fileForTensor[name] else {
            throw TransformerError.missingTensor(name: name, checkpoint: url.path)
        }
        return files[position]
    }

    /// The tensor `name` as floats, checking its shape when `shape` is given.
    public func tensor(_ name: String, shape: [Int]? = nil) throws -> FloatTensor {
        let tensor = try file(holding: name).floatTensor(name)
        if let shape, tensor.shape != shape {
            throw TransformerError.shapeMismatch(
                name: name, expected: shape, actual: tensor.shape, checkpoint: url.path)
        }
        return tensor
    }

    /// The prefix in front of the encoder's tensor names: `roberta.`, `bert.`, or none (bare `BertModel` saves).
    package func encoderPrefix() throws -> String {
        for prefix in ["", "roberta.", "bert.", "xlm_roberta.", "model."]
        where contains(prefix + "embeddings.word_embeddings.weight") {
            return prefix
        }
        throw TransformerError.missingTensor(name: "embeddings.word_embeddings.weight", checkpoint: url.path)
    }
}
