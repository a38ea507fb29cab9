import DocumentStore
import Foundation
import Ingest
import Retrieval

/// How `Searcher` ranks chunks.
public enum SearchMode: String, CaseIterable, Sendable, Codable {
    /// Embedding similarity (the vector index).
    case dense
    /// FTS5 BM25 over the chunks' search terms.
    case bm25
    /// Reciprocal-rank fusion of dense and BM25.
    case hybrid
}

/// One search.
public struct SearchRequest: Sendable {
    /// The question or keywords.
    public var query: String
    /// Results wanted.
    public var k: Int
    /// Ranking.
    public var mode: SearchMode
    /// The RRF smoothing constant for hybrid search.
    public var rrfK: Double
    /// Metadata restrictions, applied to every mode.
    public var filter: SearchFilter
    /// Results taken from each side before fusing (at least `k`).
    public var fusionDepth: Int
    /// The query's embedding when the caller already made it (dense and hybrid); nil embeds `query`.
    public var queryVector: [Float]?

    /// Creates a request.
    public init(
        query: String, k: Int = 20, mode: SearchMode = .hybrid, rrfK: Double = 60, filter: SearchFilter = .none,
        fusionDepth: Int = 100
    ) {
        self.query = query
        self.k = k
        self.mode = mode
        self.rrfK = rrfK
        self.filter = filter
        self.fusionDepth = fusionDepth
    }
}

/// One ranked chunk.
public struct SearchResult: Sendable, Equatable {
    /// The chunk with its document's path and language.
    public var chunk: StoredChunk
    /// Cosine similarity (dense), BM25 (bm25) or fused RRF score (hybrid); higher is better.
    public var score: Double
}

/// Why a search cannot run.
public enum SearchError: LocalizedError, Equatable, Sendable {
    /// Dense or hybrid search over a database that has no vector index.
    case noVectorIndex(database: String)
    /// Dense or hybrid search without a model to embed the query.
    case noRetriever

    /// One actionable line.
    public var errorDescription: String? {
        switch self {
        case .noVectorIndex(let database):
            "\(database) has no vector index; dense and hybrid search need one (BM25 search does not)"
        case .noRetriever:
            "dense and hybrid search need a retriever model to embed the query (BM25 search does not)"
        }
    }
}

/// Ranks a database's chunks for a query: dense (vector index), BM25 (FTS5) or their reciprocal-rank fusion, with
/// metadata filters applied inside each side (so k results come back whenever k chunks pass the filter).
public struct Searcher: Sendable {
    /// The database.
    public var store: DocumentStore
    /// Makes the query's BM25 terms; must be the kind the database's chunks were indexed with.
    public var termizer: any SearchTermizer
    /// Embeds the query (dense and hybrid).
    public var retriever: RetrieverModel?
    /// The chunk vectors (dense and hybrid).
    public var vectors: VectorIndex?
    /// Whether the index is BM25-only (it has no vectors by choice): hybrid requests rank by BM25 alone, dense ones
    /// are refused.
    public var isLexicalOnly = false

    /// One line for the user when a `mode` search falls back to BM25, else nil.
    public func notice(for mode: SearchMode) -> String? {
        isLexicalOnly && mode == .hybrid
            ? "\(store.path) is a BM25-only index (no vectors): ranking by BM25 alone" : nil
    }

    /// Creates a searcher.
    public init(
        store: DocumentStore, termizer: any SearchTermizer, retriever: RetrieverModel? = nil,
        vectors: VectorIndex? = nil
    ) {
        self.store = store
        self.termizer = termizer
        self.retriever = retriever
        self.vectors = vectors
    }

    /// The best `request.k` chunks, best first.
    public func search(_ request: SearchRequest) throws -> [SearchResult] {
        guard request.k > 0 else { return [] }
        let depth = max(request.k, request.fusionDepth)
        let ranked: [(id: Int64, score: Double)]
        switch request.mode {
        case .dense where isLexicalOnly:
            throw PipelineError.lexicalOnly(database: store.path)
        case .dense:
            ranked = try dense(request, limit: request.k)
        case .bm25:
            ranked = try lexical(request, limit: request.k)
        case .hybrid where isLexicalOnly:
            ranked = try lexical(request, limit: request.k)
        case .hybrid:
            let denseList = try dense(request, limit: depth).map(\.id)
            let lexicalList = try lexical(request, limit: depth).map(\.id)
            ranked = ReciprocalRankFusion(k: request.rrfK).fuse([denseList, lexicalList], limit: request.k)
                .map { ($0.id, $0.score) }
        }
        let chunks = try store.chunks(ids: ranked.map(\.id))
        let byID = Dictionary(uniqueKeysWithValues: chunks.map { ($0.id, $0) })
        return ranked.compactMap { entry in byID[entry.id].map { SearchResult(chunk: $0, score: entry.score) } }
    }

    /// The dense ranking, filtered in the vector search.
    public func dense(_ request: SearchRequest, limit: Int) throws -> [(id: Int64, score: Double)] {
        guard let retriever else { throw SearchError.noRetriever }
        guard let vectors else { throw SearchError.noVectorIndex(database: store.path) }
        let query =
            try request.queryVector ?? retriever.embedder.embed([request.query], prompt: retriever.queryPrompt)[0]
        let hits: [VectorHit]
        if request.filter == .none {
            hits = try vectors.search(query, k: limit)
        } else {
            let allowed = try store.chunkIDs(matching: request.filter)
            guard !allowed.isEmpty else { return [] }
            hits = try vectors.search(query, k: limit, where: { allowed.contains($0) })
        }
        return hits.map { ($0.chunkID, Double($0.score)) }
    }

    /// The BM25 ranking, filtered in SQL.
    public func lexical(_ request: SearchRequest, limit: Int) throws -> [(id: Int64, score: Double)] {
        try store.search(terms: termizer.terms(request.query), limit: limit, filter: request.filter)
            .map { ($0.chunkID, $0.score) }
    }
}
