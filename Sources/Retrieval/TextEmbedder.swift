import Foundation
import Tokenizers
import Transformer

/// Turns texts into sentence embeddings: a model folder's tokenizer plus its sentence-transformers model.
///
/// Texts are prefixed with a prompt (multilingual-e5 needs `query: ` / `passage: `), tokenized with
/// special tokens, truncated to the model's maximum length as sentence-transformers does (the end of the
/// text is dropped, the closing special token kept), and embedded in dynamically padded batches.
public struct TextEmbedder: Sendable {
    /// The tokenizer of the model folder.
    public let tokenizer: any Tokenizer
    /// The encoder with its pooling and normalisation.
    public let model: SentenceEmbeddingModel
    /// The most tokens one text may have, special tokens included.
    public let maxSequenceLength: Int
    /// Which model this is, recorded in vector-index manifests.
    public let identity: EmbeddingModelIdentity

    /// The length of the vectors this embedder produces.
    public var dimension: Int { model.dimension }

    /// The named prompts of the model (`config_sentence_transformers.json`).
    public var prompts: [String: String] { model.prompts }

    /// Loads the tokenizer and model of a Hugging Face model folder or cache entry, the encoder in `precision`.
    public init(directory: ModelDirectory, precision: Precision = .fp32) throws {
        tokenizer = try TokenizerLoader.load(directory: directory.url)
        model = try SentenceEmbeddingModel(directory: directory, precision: precision)
        maxSequenceLength = Self.maxSequenceLength(of: directory)
        identity = Self.identity(of: directory.url)
    }

    /// The prompt called `name` in the model's prompts map.
    public func prompt(named name: String) throws -> String {
        guard let prompt = prompts[name] else {
            throw RetrievalError.unknownPrompt(name: name, available: prompts.keys.sorted())
        }
        return prompt
    }

    /// The token ids the model sees for `text` after `prompt`, truncated to `maxSequenceLength`.
    public func tokenIDs(for text: String, prompt: String = "") -> [Int32] {
        let ids = tokenizer.encode(prompt + text, addSpecialTokens: true).ids
        guard ids.count > maxSequenceLength, maxSequenceLength >= 2, let last = ids.last else { return ids }
        return Array(ids.prefix(maxSequenceLength - 1)) + [last]
    }

    /// Embeds `texts` after `prompt`, in batches of at most `batchSize`; results are in the order of `texts`.
    public func embed(_ texts: [String], prompt: String = "", batchSize: Int = 32) throws -> [[Float]] {
        let sequences = texts.map { tokenIDs(for: $0, prompt: prompt) }
        return try model.embed(sequences, maxBatchSize: batchSize)
    }

    /// `max_seq_length` of `sentence_bert_config.json`, else the positions the model has.
    static func maxSequenceLength(of directory: ModelDirectory) -> Int {
        struct SentenceBertConfig: Decodable {
            var maxSeqLength: Int?
            enum CodingKeys: String, CodingKey { case maxSeqLength = "max_seq_length" }
        }
        if let url = directory.file("sentence_bert_config.json"), let data = try? Data(contentsOf: url),
            let config = try? JSONDecoder().decode(SentenceBertConfig.self, from: data),
            let length = config.maxSeqLength
        {
            return length
        }
        return directory.config.maxSequenceLength
    }

    /// `org/name@revision` for a Hugging Face cache snapshot, else the folder's name.
    static func identity(of url: URL) -> EmbeddingModelIdentity {
        let components = url.standardizedFileURL.pathComponents
        if let snapshots = components.lastIndex(of: "snapshots"), snapshots >= 1, snapshots + 1 < components.count,
            components[snapshots - 1].hasPrefix("models--")
        {
            let name = components[snapshots - 1].dropFirst("models--".count).replacingOccurrences(of: "--", with: "/")
            return EmbeddingModelIdentity(id: name, revision: components[snapshots + 1])
        }
        return EmbeddingModelIdentity(id: url.standardizedFileURL.lastPathComponent)
    }
}
