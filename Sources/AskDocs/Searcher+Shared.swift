import DocumentStore
import Foundation
import Hub
import PostgresStore
import Retrieval
import Transformer

extension Searcher {
    /// Opens a searcher over a shared PostgreSQL index: the retriever is `retriever`, else the one the index records,
    /// else `defaultRetriever`, loaded when the query is embedded or the search terms are its tokenizer's; a
    /// retriever other than the one the vectors were made with is refused.
    static func openShared(
        _ shared: SharedStore, retriever: String?, mode: SearchMode, defaultRetriever: String, precision: Precision,
        cache: HubCache
    ) throws -> Searcher {
        let url = shared.url
        let index: PostgresIndex
        let recorded: (terms: String?, retriever: String?, vectors: Bool, model: String?, dimension: String?)
        do {
            index = shared.index
            guard try index.hasSchema() else { throw PostgresStoreError.notAnIndex(url: url.description) }
            recorded = try index.read { snapshot in
                guard try snapshot.generation() != nil else {
                    throw PostgresStoreError.notAnIndex(url: url.description)
                }
                return (
                    try snapshot.setting(Indexer.termsSetting), try snapshot.setting(RetrieverModel.setting),
                    try snapshot.hasVectors(), try snapshot.setting(PostgresPublisher.vectorModelSetting),
                    try snapshot.setting(PostgresPublisher.dimensionSetting)
                )
            }
        } catch let error as PostgresStoreError {
            switch error {
            case .notAnIndex, .connectionFailed, .connectionLost:
                throw PipelineError.sharedStoreUnavailable(reason: error.localizedDescription)
            default:
                throw PipelineError.sharedStoreFailed(reason: error.localizedDescription)
            }
        }
        let name = retriever ?? recorded.retriever ?? defaultRetriever
        let lazy = LazyRetriever(name, precision: precision, cache: cache)
        let termizer = try searchTermizer(stored: recorded.terms, location: url.description, retriever: lazy.load)
        let lexicalOnly = !recorded.vectors
        if lexicalOnly && mode == .dense { throw PipelineError.lexicalOnly(database: url.description) }
        if mode != .bm25 && !lexicalOnly {
            let retriever = try lazy.load()
            try Self.requireVectorModel(recorded.model, compatibleWith: retriever.embedder.identity)
            if let dimension = recorded.dimension.flatMap(Int.init), dimension != retriever.embedder.dimension {
                throw PipelineError.vectorIndexModelMismatch(
                    built: "a \(dimension)-dimensional model",
                    requested: "\(retriever.embedder.identity) (\(retriever.embedder.dimension) dimensions)")
            }
        }
        var searcher = Searcher(index: index, termizer: termizer, retriever: lazy.model)
        searcher.isLexicalOnly = lexicalOnly
        searcher.vectorModelSetting = PostgresPublisher.vectorModelSetting
        return searcher
    }

    /// Throws when `recorded` (a shared index's vector-model setting) names a model whose vectors `identity`'s
    /// queries cannot be compared with; nothing recorded, or unreadable, is not a refusal.
    static func requireVectorModel(_ recorded: String?, compatibleWith identity: EmbeddingModelIdentity)
        throws(PipelineError)
    {
        guard let recorded,
            let built = try? JSONDecoder().decode(EmbeddingModelIdentity.self, from: Data(recorded.utf8)),
            !built.isCompatible(with: identity)
        else { return }
        throw .vectorIndexModelMismatch(built: built.description, requested: identity.description)
    }
}
