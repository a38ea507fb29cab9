import AskDocs
import Foundation
import Reader

/// The models and index one server answers with, loaded once.
public struct ServedModels: Sendable {
    /// The reader every reader route uses (the asker's own reader when there is an index).
    public var reader: ExtractiveReader
    /// The reader's name as configured: a folder or a Hugging Face id.
    public var readerName: String
    /// The asker over the index; nil when the server runs without one.
    public var asker: Asker?
    /// The index database, when there is one.
    public var database: String?
    /// Why `/v1/ask` cannot answer, when there is no index.
    public var indexProblem: String?

    /// Creates served models from loaded parts.
    public init(
        reader: ExtractiveReader, readerName: String, asker: Asker? = nil, database: String? = nil,
        indexProblem: String? = nil
    ) {
        self.reader = reader
        self.readerName = readerName
        self.asker = asker
        self.database = database
        self.indexProblem = indexProblem
    }

    /// Loads the configured reader and, when its database exists, the index and retriever.
    ///
    /// - Parameters:
    ///   - configuration: which reader, retriever and database (askdocs.toml and overrides).
    ///   - retriever: a retriever other than the one the index records.
    ///   - requireIndex: fail when the database is missing (it was named explicitly), rather than serve the reader alone.
    public static func load(configuration: Configuration, retriever: String? = nil, requireIndex: Bool) throws
        -> ServedModels
    {
        let database = configuration.databasePath
        // A shared (PostgreSQL) index is not a file: opening it tells whether it is there.
        guard SharedStore.isShared(database) || FileManager.default.fileExists(atPath: database) else {
            if requireIndex { throw AskError.noIndex(database: database) }
            let reader = try Asker.loadReader(configuration.readerModel, precision: configuration.precisions.reader)
            return ServedModels(
                reader: reader, readerName: configuration.readerModel,
                indexProblem: "no index at \(database); build one with askdocs index, then restart the server")
        }
        let asker = try Asker.open(
            database: database, reader: configuration.readerModel, retriever: retriever,
            dense: configuration.mode != .bm25, defaultRetriever: configuration.retrieverModel,
            precisions: configuration.precisions)
        return ServedModels(
            reader: asker.reader, readerName: configuration.readerModel, asker: asker, database: database)
    }

    /// The names `POST /models/{model_id}` answers to: the configured name and, for a folder, its last component.
    public var modelIDs: Set<String> {
        var names: Set<String> = [readerName]
        let last = URL(fileURLWithPath: readerName).lastPathComponent
        if !last.isEmpty { names.insert(last) }
        return names
    }
}
