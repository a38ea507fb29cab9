import Foundation
import Hub
import Retrieval
import Transformer

/// The retriever a command embeds with: a sentence-embedding model found on this machine, with the adapters that
/// make its tokenizer the chunker's token counter and the BM25 term source.
public struct RetrieverModel: Sendable {
    /// What the user named: a Hugging Face id or a folder path made absolute (stored in the database so later
    /// commands find the same model).
    public let reference: String
    /// The model's embedder (tokenizer, encoder, pooling, prompts).
    public let embedder: TextEmbedder

    /// Loads `model` (a folder or a Hugging Face id in the local cache), its dense layers in `precision`.
    public init(_ model: String, precision: Precision = .fp32, cache: HubCache = HubCache()) throws {
        let folder = try cache.locate(model)
        embedder = try TextEmbedder(directory: ModelDirectory(url: folder), precision: precision)
        reference = HubCache.isModelID(model) && !FileManager.default.fileExists(atPath: model) ? model : folder.path
    }

    /// BM25 terms made with the model's tokenizer.
    public var termizer: PieceTermizer { PieceTermizer(tokenizer: embedder.tokenizer) }

    /// Chunk budgets measured with the model's tokenizer.
    public var tokenCounter: TokenizerTokenCounter { TokenizerTokenCounter(tokenizer: embedder.tokenizer) }

    /// The prefix for questions (`query: ` for multilingual-e5; empty when the model defines none).
    public var queryPrompt: String { embedder.prompts["query"] ?? "" }

    /// The prefix for passages (`passage: ` for multilingual-e5; empty when the model defines none).
    public var passagePrompt: String { embedder.prompts["passage"] ?? "" }

    /// The database setting naming the retriever an index was built with.
    public static let setting = "retriever"
}
