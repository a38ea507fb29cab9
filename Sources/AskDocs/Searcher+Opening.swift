import DocumentStore
import Foundation
import Hub
import Ingest
import Retrieval
import Transformer

extension Searcher {
    /// Opens a searcher over the database at `database`: the retriever is `retriever`, else the one the database
    /// was built with, else `defaultRetriever`; it is loaded only when `mode` embeds the query or the database's
    /// search terms come from its tokenizer, and the vector index is opened (refusing another model's) unless `mode`
    /// is `.bm25`. On a BM25-only index hybrid search falls back to BM25 (`isLexicalOnly`) and dense search is
    /// refused. `precision` is the arithmetic of the retriever's dense layers.
    public static func open(
        database: String, retriever: String? = nil, mode: SearchMode = .hybrid,
        defaultRetriever: String = Configuration.default.retrieverModel, precision: Precision = .fp32,
        cache: HubCache = HubCache()
    ) throws -> Searcher {
        if let shared = try IndexPipeline.sharedStore(database) {
            return try openShared(
                shared, retriever: retriever, mode: mode, defaultRetriever: defaultRetriever,
                precision: precision, cache: cache)
        }
        let store = try DocumentStore.openExisting(path: database)
        let name = try RetrieverModel.name(named: retriever, recordedIn: store) ?? defaultRetriever
        let lazy = LazyRetriever(name, precision: precision, cache: cache)
        let termizer = try searchTermizer(for: store, retriever: lazy.load)
        let location = VectorIndexLocation(databaseURL: URL(fileURLWithPath: database))
        let (state, manifest) = try store.snapshot {
            (
                try VectorState.of(store, location: location),
                try PublishedGeneration.vectorManifest(of: store, at: location)
            )
        }
        let lexicalOnly = state == .none && manifest == nil
        if lexicalOnly && mode == .dense { throw PipelineError.lexicalOnly(database: database) }
        var published: PublishedVectors?
        var vectors: VectorIndex?
        if mode != .bm25 && !lexicalOnly {
            let retriever = try lazy.load()
            guard manifest != nil else { throw PipelineError.noVectorIndex(database: database) }
            let cache = PublishedVectors(
                location: location, model: retriever.embedder.identity, dimension: retriever.embedder.dimension)
            do {
                vectors = try store.snapshot { try cache.current(in: store)?.index }
            } catch VectorIndexError.modelMismatch(let built, let requested) {
                throw PipelineError.vectorIndexModelMismatch(built: built, requested: requested)
            } catch {
                throw PipelineError.unreadableVectorIndex(reason: error.localizedDescription)
            }
            published = cache
        }
        var searcher = Searcher(
            index: EmbeddedIndex(store: store, published: published, vectors: vectors), termizer: termizer,
            retriever: lazy.model)
        searcher.isLexicalOnly = lexicalOnly
        return searcher
    }

    /// The termizer that made the database's chunk terms, so queries are made the same way; `retriever` is loaded
    /// only when the terms are the model's pieces.
    public static func searchTermizer(
        for store: DocumentStore, retriever: () throws -> RetrieverModel
    ) throws -> any SearchTermizer {
        try searchTermizer(stored: store.setting(Indexer.termsSetting), location: store.path, retriever: retriever)
    }

    /// The termizer whose identifier an index records as `stored` (nil: word terms).
    static func searchTermizer(
        stored: String?, location: String, retriever: () throws -> RetrieverModel
    ) throws -> any SearchTermizer {
        if stored == nil || stored == WordTermizer().identifier { return WordTermizer() }
        let termizer = try retriever().termizer
        guard termizer.identifier == stored else {
            throw PipelineError.retrieverMismatch(
                database: location, indexedWith: stored ?? "", retrieverMakes: termizer.identifier)
        }
        return termizer
    }

    /// The vector index beside `database`, which must have been built with `retriever`.
    public static func openVectorIndex(database: String, retriever: RetrieverModel) throws(PipelineError)
        -> VectorIndex
    {
        let location = VectorIndexLocation(databaseURL: URL(fileURLWithPath: database))
        guard location.exists else { throw .noVectorIndex(database: database) }
        do {
            return try VectorIndex.open(
                at: location, expecting: retriever.embedder.identity, dimension: retriever.embedder.dimension)
        } catch VectorIndexError.modelMismatch(let built, let requested) {
            throw .vectorIndexModelMismatch(built: built, requested: requested)
        } catch {
            throw .unreadableVectorIndex(reason: error.localizedDescription)
        }
    }
}
