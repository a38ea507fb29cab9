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

/// One ranked chunk, standing for every chunk with the same text.
public struct SearchResult: Sendable, Equatable {
    /// The chunk with its document's path and language.
    public var chunk: StoredChunk
    /// Cosine similarity (dense), BM25 (bm25) or fused RRF score (hybrid); higher is better.
    public var score: Double
    /// The part of the chunk to show: around the query's terms (see `SnippetLocator`).
    public var snippet: Snippet
    /// Every ranked chunk with exactly this text, best first, `chunk` itself first: identical files (the copyright
    /// files of sibling packages) make one result that lists each source.
    public var sources: [StoredChunk]

    /// Creates a result; the snippet defaults to the whole chunk and the sources to the chunk alone.
    public init(chunk: StoredChunk, score: Double, snippet: Snippet? = nil, sources: [StoredChunk]? = nil) {
        self.chunk = chunk
        self.score = score
        self.snippet =
            snippet ?? Snippet(text: chunk.text, startOffset: chunk.startOffset, endOffset: chunk.endOffset)
        self.sources = sources ?? [chunk]
    }
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

/// Ranks an index's chunks for a query: dense (vector index), BM25 or their reciprocal-rank fusion, with metadata
/// filters applied inside each side (so k results come back whenever k chunks pass the filter). The index is either
/// backend (`PublishedIndex`): the searcher does not know which.
public struct Searcher: Sendable {
    /// The index searched: its published generation's rows and vectors.
    public var index: any PublishedIndex
    /// Makes the query's BM25 terms; must be the kind the database's chunks were indexed with.
    public var termizer: any SearchTermizer
    /// Embeds the query (dense and hybrid).
    public var retriever: RetrieverModel?
    /// Whether the index is BM25-only (it has no vectors by choice): hybrid requests rank by BM25 alone, dense ones
    /// are refused.
    public var isLexicalOnly = false
    /// The snapshot setting naming the model its vectors were made with, checked against the retriever at every
    /// dense search: a long-running reader of a shared index sees generations another retriever published (nil for
    /// an embedded index, whose vector files refuse another model themselves).
    var vectorModelSetting: String?

    /// The embedded database, when the index is one (nil for a shared PostgreSQL store).
    public var store: DocumentStore? { (index as? EmbeddedIndex)?.store }
    /// The vectors given to an embedded index in place of its published ones.
    public var vectors: VectorIndex? { (index as? EmbeddedIndex)?.vectors }

    /// One line for the user when a `mode` search falls back to BM25, else nil.
    public func notice(for mode: SearchMode) -> String? {
        isLexicalOnly && mode == .hybrid
            ? "\(index.location) is a BM25-only index (no vectors): ranking by BM25 alone" : nil
    }

    /// Creates a searcher over an embedded database and, for dense search, its vectors.
    public init(
        store: DocumentStore, termizer: any SearchTermizer, retriever: RetrieverModel? = nil,
        vectors: VectorIndex? = nil
    ) {
        self.init(index: EmbeddedIndex(store: store, vectors: vectors), termizer: termizer, retriever: retriever)
    }

    /// Creates a searcher over any backend.
    public init(index: any PublishedIndex, termizer: any SearchTermizer, retriever: RetrieverModel? = nil) {
        self.index = index
        self.termizer = termizer
        self.retriever = retriever
    }

    /// The best `request.k` results, best first; chunks with identical text are one result (see `sources`). The
    /// search reads one published generation, so a reindex publishing meanwhile is picked up, never half seen.
    public func search(_ request: SearchRequest) throws -> [SearchResult] {
        try index.read { try search(request, in: $0) }
    }

    /// `search` inside a read the caller holds (a question reads its passages from the same generation).
    public func search(_ request: SearchRequest, in snapshot: any IndexSnapshot) throws -> [SearchResult] {
        guard request.k > 0 else { return [] }
        if request.mode != .bm25, !isLexicalOnly, let key = vectorModelSetting, let retriever {
            // Once per search, not per deepening round: its queries would be compared with another model's vectors
            // (wrong results, or another size's error).
            try Self.requireVectorModel(try snapshot.setting(key), compatibleWith: retriever.embedder.identity)
        }
        // Identical chunks collapse, so a ranking of k chunks can make fewer than k results: rank deeper until k
        // results come out or the ranking runs dry. Ranking 4k (at least 20) from the start also gathers the
        // identical copies just below the last result into its sources.
        let deepest = max(Self.maxRankingDepth, request.k)
        var limit = min(max(request.k * 4, 20), deepest)
        while true {
            let ranked = try ranking(request, limit: limit, in: snapshot)
            let results = try collapsed(ranked, k: request.k, in: snapshot)
            if results.count >= request.k || ranked.count < limit || limit >= deepest {
                let locator = SnippetLocator(termizer: termizer)
                return results.map { result in
                    var result = result
                    result.snippet = locator.snippet(of: result.chunk, query: request.query)
                    return result
                }
            }
            limit = min(limit * 4, deepest)
        }
    }

    /// How deep `search` ranks at most (or k, when larger) to fill k results with distinct texts.
    static let maxRankingDepth = 4096

    /// The best `limit` chunk ids of `request`'s mode, best first.
    func ranking(_ request: SearchRequest, limit: Int, in snapshot: any IndexSnapshot) throws
        -> [(id: Int64, score: Double)]
    {
        switch request.mode {
        case .dense where isLexicalOnly:
            throw PipelineError.lexicalOnly(database: index.location)
        case .dense:
            return try dense(request, limit: limit, in: snapshot)
        case .bm25:
            return try lexical(request, limit: limit, in: snapshot)
        case .hybrid where isLexicalOnly:
            return try lexical(request, limit: limit, in: snapshot)
        case .hybrid:
            let depth = max(limit, request.fusionDepth)
            let denseList = try dense(request, limit: depth, in: snapshot).map(\.id)
            let lexicalList = try lexical(request, limit: depth, in: snapshot).map(\.id)
            return ReciprocalRankFusion(k: request.rrfK).fuse([denseList, lexicalList], limit: limit)
                .map { ($0.id, $0.score) }
        }
    }

    /// The first `k` results of a ranking, each chunk whose text an earlier one has added to that one's sources.
    func collapsed(_ ranked: [(id: Int64, score: Double)], k: Int, in snapshot: any IndexSnapshot) throws
        -> [SearchResult]
    {
        let chunks = try snapshot.chunks(ids: ranked.map(\.id))
        let byID = Dictionary(uniqueKeysWithValues: chunks.map { ($0.id, $0) })
        var results: [SearchResult] = []
        var resultOfText: [[UInt8]: Int] = [:]  // by the text's UTF-8 bytes: identical, not just equivalent
        for entry in ranked {
            guard let chunk = byID[entry.id] else {
                // Vectors and rows of one published generation always agree; anything else is damage.
                if snapshot.vectorsHaveRows {
                    throw PipelineError.inconsistentGeneration(database: index.location, chunkID: entry.id)
                }
                continue
            }
            let text = Array(chunk.text.utf8)
            if let index = resultOfText[text] {
                results[index].sources.append(chunk)
            } else if results.count < k {
                resultOfText[text] = results.count
                results.append(SearchResult(chunk: chunk, score: entry.score))
            }
        }
        return results
    }

    /// The dense ranking, filtered in the vector search.
    func dense(_ request: SearchRequest, limit: Int, in snapshot: any IndexSnapshot) throws
        -> [(id: Int64, score: Double)]
    {
        guard let retriever else { throw SearchError.noRetriever }
        let query =
            try request.queryVector ?? retriever.embedder.embed([request.query], prompt: retriever.queryPrompt)[0]
        return try snapshot.dense(query, limit: limit, filter: request.filter).map { ($0.chunkID, $0.score) }
    }

    /// The BM25 ranking, filtered in the store.
    func lexical(_ request: SearchRequest, limit: Int, in snapshot: any IndexSnapshot) throws
        -> [(id: Int64, score: Double)]
    {
        try snapshot.lexical(terms: termizer.terms(request.query), limit: limit, filter: request.filter)
            .map { ($0.chunkID, $0.score) }
    }
}
