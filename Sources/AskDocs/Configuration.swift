import Foundation

/// Where AskDocs keeps its files and which models it uses unless told otherwise.
public struct Configuration: Sendable, Equatable {
    /// The SQLite database of documents and chunks.
    public var databasePath: String
    /// The extractive reader model (a Hugging Face id or a local directory).
    public var readerModel: String
    /// The sentence-embedding model for dense retrieval.
    public var retrieverModel: String

    /// The defaults: `indexes/askdocs.sqlite`, deepset/xlm-roberta-large-squad2 and intfloat/multilingual-e5-small.
    public static let `default` = Configuration(
        databasePath: "indexes/askdocs.sqlite",
        readerModel: "deepset/xlm-roberta-large-squad2",
        retrieverModel: "intfloat/multilingual-e5-small"
    )

    /// Creates a configuration.
    public init(databasePath: String, readerModel: String, retrieverModel: String) {
        self.databasePath = databasePath
        self.readerModel = readerModel
        self.retrieverModel = retrieverModel
    }
}
