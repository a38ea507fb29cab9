import Foundation

/// An index that searches and questions read: the rows and vectors of its published generation, in whichever
/// backend holds them (the embedded SQLite + FAISS files, or a shared PostgreSQL + pgvector database).
public protocol PublishedIndex: Sendable {
    /// Where the index is, for messages: a path, or a URL without its password.
    var location: String { get }
    /// Runs `body` against one published generation: nothing it reads changes while it runs, whatever a writer
    /// publishes meanwhile.
    func read<T>(_ body: (any IndexSnapshot) throws -> T) throws -> T
}

/// One published generation of an index, as `PublishedIndex.read` hands it out.
public protocol IndexSnapshot {
    /// Where the index is, for messages.
    var location: String { get }
    /// The published generation's number, nil for an index that has never published one.
    func generation() throws -> Int64?
    /// Whether the generation has vectors (a BM25-only index has none).
    func hasVectors() throws -> Bool
    /// An index-wide setting (the search terms' kind, the retriever model).
    func setting(_ key: String) throws -> String?
    /// Documents and chunks stored.
    func counts() throws -> (documents: Int, chunks: Int)
    /// The best `limit` chunks by BM25 (FTS5's formula: k1 1.2, b 0.75) over the chunks' search terms, best first;
    /// ties by chunk id.
    func lexical(terms: [String], limit: Int, filter: SearchFilter) throws -> [SearchHit]
    /// The `limit` chunks whose vectors are nearest `query` by inner product, best first.
    func dense(_ query: [Float], limit: Int, filter: SearchFilter) throws -> [VectorMatch]
    /// Whether every vector `dense` returns has its chunk row (a published generation's do; a mismatch is damage).
    var vectorsHaveRows: Bool { get }
    /// The chunks with these ids (missing ones left out), in the order given.
    func chunks(ids: [Int64]) throws -> [StoredChunk]
    /// A document's chunks whose ordinals fall in `ordinals`, in order.
    func chunks(documentID: Int64, ordinals: ClosedRange<Int>) throws -> [StoredChunk]
    /// The document text between two Unicode-scalar offsets, nil when the document is gone.
    func text(ofDocument id: Int64, from start: Int, to end: Int) throws -> String?
}

/// One chunk a dense search found.
public struct VectorMatch: Sendable, Equatable {
    /// The chunk.
    public var chunkID: Int64
    /// Inner product with the query (cosine on normalised vectors); higher is better.
    public var score: Double

    /// Creates a match.
    public init(chunkID: Int64, score: Double) {
        self.chunkID = chunkID
        self.score = score
    }
}
