import Foundation

/// How a sentence-transformers model turns token vectors into one sentence vector.
public struct PoolingConfiguration: Sendable, Equatable, Decodable {
    /// The pooling modes sentence-transformers defines; several enabled ones are concatenated in this order.
    public enum Mode: String, Sendable, CaseIterable {
        case cls, max, mean, meanSquareRootLength, lastToken
    }

    /// The enabled modes, in sentence-transformers' concatenation order.
    public var modes: [Mode]
    /// `include_prompt`: whether prompt tokens take part in pooling (only `true` is supported).
    public var includePrompt: Bool

    /// Pooling with the given modes.
    public init(modes: [Mode], includePrompt: Bool = true) {
        self.modes = modes
        self.includePrompt = includePrompt
    }

    private enum CodingKeys: String, CodingKey {
        case cls = "pooling_mode_cls_token", max = "pooling_mode_max_tokens", mean = "pooling_mode_mean_tokens"
        case meanSqrt = "pooling_mode_mean_sqrt_len_tokens", weighted = "pooling_mode_weightedmean_tokens"
        case last = "pooling_mode_lasttoken", includePrompt = "include_prompt"
    }

    /// Decodes `1_Pooling/config.json` (`pooling_mode_*` flags and `include_prompt`).
    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        func flag(_ key: CodingKeys) throws -> Bool { try container.decodeIfPresent(Bool.self, forKey: key) ?? false }
        guard try !flag(.weighted) else {
            throw DecodingError.dataCorruptedError(
                forKey: .weighted, in: container, debugDescription: "weighted-mean pooling is not supported")
        }
        var modes: [Mode] = []
        if try flag(.cls) { modes.append(.cls) }
        if try flag(.max) { modes.append(.max) }
        if try flag(.mean) { modes.append(.mean) }
        if try flag(.meanSqrt) { modes.append(.meanSquareRootLength) }
        if try flag(.last) { modes.append(.lastToken) }
        guard !modes.isEmpty else {
            throw DecodingError.dataCorruptedError(
                forKey: .mean, in: container, debugDescription: "no pooling mode is enabled")
        }
        self.modes = modes
        includePrompt = try container.decodeIfPresent(Bool.self, forKey: .includePrompt) ?? true
    }
}

/// The sentence-transformers files in a model folder: `modules.json`, the pooling folder,
/// an optional `Normalize` module and the `prompts` of `config_sentence_transformers.json`.
public struct SentenceTransformersConfiguration: Sendable, Equatable {
    /// How token vectors are pooled.
    public var pooling: PoolingConfiguration
    /// Whether the pooled vector is L2-normalised (a `Normalize` module).
    public var normalize: Bool
    /// Named prompts prepended to inputs, e.g. `["query": "query: ", "passage": "passage: "]`.
    public var prompts: [String: String]
    /// The prompt used when the caller names none (`default_prompt_name`).
    public var defaultPromptName: String?

    /// Settings given directly.
    public init(
        pooling: PoolingConfiguration, normalize: Bool, prompts: [String: String] = [:],
        defaultPromptName: String? = nil
    ) {
        self.pooling = pooling
        self.normalize = normalize
        self.prompts = prompts
        self.defaultPromptName = defaultPromptName
    }

    /// Reads the sentence-transformers files of `directory`; a folder without them gets mean pooling, no normalisation.
    public init(directory: ModelDirectory) throws {
        var poolingPath = "1_Pooling"
        var normalize = directory.file("2_Normalize") != nil
        if let modulesURL = directory.file("modules.json") {
            let modules = try JSONConfigurationFile.decode([Module].self, from: modulesURL)
            normalize = false
            for module in modules {
                switch module.type.split(separator: ".").last.map(String.init) ?? module.type {
                case "Transformer": break
                case "Pooling": poolingPath = module.path
                case "Normalize": normalize = true
                default:
                    throw TransformerError.invalidConfiguration(
                        path: modulesURL.path,
                        reason: "module type '\(module.type)' is not supported (Transformer, Pooling, Normalize)")
                }
            }
        }
        if let poolingURL = directory.file(poolingPath + "/config.json") {
            pooling = try JSONConfigurationFile.decode(PoolingConfiguration.self, from: poolingURL)
        } else {
            pooling = PoolingConfiguration(modes: [.mean])
        }
        guard pooling.includePrompt else {
            throw TransformerError.invalidConfiguration(
                path: directory.url.appendingPathComponent(poolingPath).path,
                reason: "include_prompt false is not supported")
        }
        self.normalize = normalize
        if let settingsURL = directory.file("config_sentence_transformers.json") {
            let settings = try JSONConfigurationFile.decode(Settings.self, from: settingsURL)
            prompts = settings.prompts ?? [:]
            defaultPromptName = settings.defaultPromptName
        } else {
            prompts = [:]
            defaultPromptName = nil
        }
    }

    private struct Module: Decodable {
        var path: String
        var type: String
    }

    private struct Settings: Decodable {
        var prompts: [String: String]?
        var defaultPromptName: String?

        enum CodingKeys: String, CodingKey {
            case prompts
            case defaultPromptName = "default_prompt_name"
        }
    }
}
