import Foundation

/// The parts of a Hugging Face `config.json` an XLM-RoBERTa, RoBERTa or BERT encoder needs.
public struct EncoderConfiguration: Decodable, Sendable, Equatable {
    /// The architecture family, which decides how position ids are counted.
    public enum ModelType: String, Sendable, Equatable {
        case xlmRoberta = "xlm-roberta"
        case roberta
        case bert

        /// RoBERTa-style models number positions from `padding_idx + 1` and give padding `padding_idx`.
        public var usesPaddingOffsetPositions: Bool { self != .bert }
    }

    /// `model_type`.
    public var modelType: ModelType
    /// `vocab_size`.
    public var vocabSize: Int
    /// `hidden_size`.
    public var hiddenSize: Int
    /// `num_hidden_layers`.
    public var layerCount: Int
    /// `num_attention_heads`.
    public var headCount: Int
    /// `intermediate_size`.
    public var intermediateSize: Int
    /// `layer_norm_eps`.
    public var layerNormEpsilon: Float
    /// `hidden_act`.
    public var activation: Activation
    /// `max_position_embeddings`.
    public var maxPositionEmbeddings: Int
    /// `type_vocab_size`.
    public var typeVocabSize: Int
    /// `pad_token_id`.
    public var padTokenID: Int

    /// The size of one attention head.
    public var headSize: Int { hiddenSize / headCount }

    /// The longest sequence the position embeddings cover.
    public var maxSequenceLength: Int {
        modelType.usesPaddingOffsetPositions ? maxPositionEmbeddings - padTokenID - 1 : maxPositionEmbeddings
    }

    /// The feed-forward activation functions supported.
    public enum Activation: String, Sendable, Equatable {
        /// Exact GELU, `0.5·x·(1 + erf(x/√2))`.
        case gelu
        /// The tanh approximation of GELU (`gelu_new`, `gelu_pytorch_tanh`, `gelu_fast`).
        case geluTanh = "gelu_new"
        /// `max(0, x)`.
        case relu
        /// `x·sigmoid(x)` (`silu`, `swish`).
        case silu

        init?(configName: String) {
            switch configName {
            case "gelu": self = .gelu
            case "gelu_new", "gelu_pytorch_tanh", "gelu_fast": self = .geluTanh
            case "relu": self = .relu
            case "silu", "swish": self = .silu
            default: return nil
            }
        }
    }

    /// A configuration given field by field (tests and converters).
    public init(
        modelType: ModelType, vocabSize: Int, hiddenSize: Int, layerCount: Int, headCount: Int, intermediateSize: Int,
        layerNormEpsilon: Float = 1e-5, activation: Activation = .gelu, maxPositionEmbeddings: Int = 514,
        typeVocabSize: Int = 1, padTokenID: Int = 1
    ) {
        self.modelType = modelType
        self.vocabSize = vocabSize
        self.hiddenSize = hiddenSize
        self.layerCount = layerCount
        self.headCount = headCount
        self.intermediateSize = intermediateSize
        self.layerNormEpsilon = layerNormEpsilon
        self.activation = activation
        self.maxPositionEmbeddings = maxPositionEmbeddings
        self.typeVocabSize = typeVocabSize
        self.padTokenID = padTokenID
    }

    private enum CodingKeys: String, CodingKey {
        case modelType = "model_type", vocabSize = "vocab_size", hiddenSize = "hidden_size"
        case layerCount = "num_hidden_layers", headCount = "num_attention_heads"
        case intermediateSize = "intermediate_size", layerNormEpsilon = "layer_norm_eps", activation = "hidden_act"
        case maxPositionEmbeddings = "max_position_embeddings", typeVocabSize = "type_vocab_size"
        case padTokenID = "pad_token_id", positionEmbeddingType = "position_embedding_type"
    }

    /// Decodes a `config.json`, applying the Hugging Face defaults for optional fields.
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        let typeName = try container.decode(String.self, forKey: .modelType)
        guard let modelType = ModelType(rawValue: typeName.replacingOccurrences(of: "_", with: "-")) else {
            throw DecodingError.dataCorruptedError(
                forKey: .modelType, in: container,
                debugDescription: "model_type '\(typeName)' is not supported (xlm-roberta, roberta, bert)")
        }
        self.modelType = modelType
        vocabSize = try container.decode(Int.self, forKey: .vocabSize)
        hiddenSize = try container.decode(Int.self, forKey: .hiddenSize)
        layerCount = try container.decode(Int.self, forKey: .layerCount)
        headCount = try container.decode(Int.self, forKey: .headCount)
        intermediateSize = try container.decode(Int.self, forKey: .intermediateSize)
        layerNormEpsilon = try container.decodeIfPresent(Float.self, forKey: .layerNormEpsilon) ?? 1e-12
        let activationName = try container.decodeIfPresent(String.self, forKey: .activation) ?? "gelu"
        guard let activation = Activation(configName: activationName) else {
            throw DecodingError.dataCorruptedError(
                forKey: .activation, in: container,
                debugDescription: "hidden_act '\(activationName)' is not supported (gelu, gelu_new, relu, silu)")
        }
        self.activation = activation
        maxPositionEmbeddings = try container.decode(Int.self, forKey: .maxPositionEmbeddings)
        typeVocabSize = try container.decodeIfPresent(Int.self, forKey: .typeVocabSize) ?? 2
        padTokenID = try container.decodeIfPresent(Int.self, forKey: .padTokenID) ?? (modelType == .bert ? 0 : 1)
        let positions = try container.decodeIfPresent(String.self, forKey: .positionEmbeddingType) ?? "absolute"
        guard positions == "absolute" else {
            throw DecodingError.dataCorruptedError(
                forKey: .positionEmbeddingType, in: container,
                debugDescription: "position_embedding_type '\(positions)' is not supported (absolute)")
        }
    }

    /// Reads and checks a `config.json`.
    public init(contentsOf url: URL) throws {
        self = try JSONConfigurationFile.decode(Self.self, from: url)
        try validate(path: url.path)
    }

    /// Checks the numbers are consistent (heads divide the hidden size, sizes positive).
    public func validate(path: String = "config.json") throws {
        let positive = [
            ("vocab_size", vocabSize), ("hidden_size", hiddenSize), ("num_hidden_layers", layerCount),
            ("num_attention_heads", headCount), ("intermediate_size", intermediateSize),
            ("max_position_embeddings", maxPositionEmbeddings), ("type_vocab_size", typeVocabSize),
        ]
        for (name, value) in positive where value <= 0 {
            throw TransformerError.invalidConfiguration(path: path, reason: "\(name) must be positive, got \(value)")
        }
        guard hiddenSize % headCount == 0 else {
            throw TransformerError.invalidConfiguration(
                path: path, reason: "hidden_size \(hiddenSize) is not a multiple of num_attention_heads \(headCount)")
        }
        guard padTokenID >= 0, padTokenID < vocabSize, maxSequenceLength > 0 else {
            throw TransformerError.invalidConfiguration(
                path: path, reason: "pad_token_id \(padTokenID) is out of range")
        }
    }
}

extension DecodingError {
    /// The error as one line: what was wrong and at which JSON key path.
    var oneLineDescription: String {
        func path(_ context: Context) -> String {
            let keys = context.codingPath.map { $0.intValue.map(String.init) ?? $0.stringValue }
            return keys.isEmpty ? "" : " at '\(keys.joined(separator: "."))'"
        }
        switch self {
        case .keyNotFound(let key, let context):
            return "missing key '\(key.stringValue)'\(path(context))"
        case .typeMismatch(_, let context), .valueNotFound(_, let context):
            return "\(context.debugDescription)\(path(context))"
        case .dataCorrupted(let context):
            return context.codingPath.isEmpty ? "not valid JSON" : "\(context.debugDescription)\(path(context))"
        @unknown default:
            return "\(self)"
        }
    }
}

extension EncoderConfiguration {
    /// Position ids as Hugging Face computes them: RoBERTa counts non-padding tokens from `padding_idx + 1`
    /// and gives padding tokens `padding_idx`; BERT numbers tokens from 0. The forward pass and training share it.
    public func positionIDs(for sequence: [Int32]) -> [Int] {
        guard modelType.usesPaddingOffsetPositions else { return Array(sequence.indices) }
        var seen = 0
        return sequence.map { id in
            if Int(id) == padTokenID { return padTokenID }
            seen += 1
            return padTokenID + seen
        }
    }
}
