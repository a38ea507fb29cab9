import DocumentStore
import Foundation
import Retrieval

/// The embedded backend: a SQLite database (rows, FTS5 BM25) and the FAISS vector generation it names beside it.
/// A read runs in one SQLite read transaction and takes the vector generation the database names then.
public struct EmbeddedIndex: PublishedIndex {
    /// The database.
    public var store: DocumentStore
    /// The database's published vector generations (nil: a BM25-only index, or a search that needs no vectors).
    public var published: PublishedVectors?
    /// Vectors to use instead of the published ones (an index being built, tests).
    public var vectors: VectorIndex?

    /// Creates the backend over an open database.
    public init(store: DocumentStore, published: PublishedVectors? = nil, vectors: VectorIndex? = nil) {
        self.store = store
        self.published = published
        self.vectors = vectors
    }

    /// The database's path.
    public var location: String { store.path }

    /// Runs `body` in one read transaction with the vector generation it names.
    public func read<T>(_ body: (any IndexSnapshot) throws -> T) throws -> T {
        // A generation two publishes old loses its files; a reader that took it just then reads the newer one.
        var attempts = 0
        while true {
            do {
                return try store.snapshot { try body(EmbeddedSnapshot(index: self)) }
            } catch VectorIndexError.corrupt where attempts < 2 && !store.inBatch {
                attempts += 1
            }
        }
    }
}

/// One read transaction of an `EmbeddedIndex`; the vectors are resolved at the first dense search.
final class EmbeddedSnapshot: IndexSnapshot {
    let index: EmbeddedIndex
    private var resolved: (index: VectorIndex, isPublished: Bool)??

    init(index: EmbeddedIndex) { self.index = index }

    var store: DocumentStore { index.store }
    var location: String { store.path }

    func generation() throws -> Int64? { try PublishedGeneration.read(from: store).map { Int64($0.number) } }

    func hasVectors() throws -> Bool { try vectors() != nil }

    func setting(_ key: String) throws -> String? { try store.setting(key) }

    func counts() throws -> (documents: Int, chunks: Int) { try store.counts() }

    func lexical(terms: [String], limit: Int, filter: SearchFilter) throws -> [SearchHit] {
        try store.search(terms: terms, limit: limit, filter: filter)
    }

    /// The vector index in use: the published generation's (loaded once per generation), else the given one.
    func vectors() throws -> (index: VectorIndex, isPublished: Bool)? {
        if let resolved { return resolved }
        var found: (index: VectorIndex, isPublished: Bool)?
        if let published = index.published, let generation = try published.current(in: store) {
            found = generation
        } else if let vectors = index.vectors {
            found = (vectors, false)
        }
        resolved = .some(found)
        return found
    }

    var vectorsHaveRows: Bool { (try? vectors())??.isPublished ?? false }

    func dense(_ query: [Float], limit: Int, filter: SearchFilter) throws -> [VectorMatch] {
        guard let vectors = try vectors()?.index else { throw SearchError.noVectorIndex(database: store.path) }
        let hits: [VectorHit]
        if filter == .none {
            hits = try vectors.search(query, k: limit)
        } else {
            let allowed = try store.chunkIDs(matching: filter)
            guard !allowed.isEmpty else { return [] }
            hits = try vectors.search(query, k: limit, where: { allowed.contains($0) })
        }
        return hits.map { VectorMatch(chunkID: $0.chunkID, score: Double($0.score)) }
    }

    func chunks(ids: [Int64]) throws -> [StoredChunk] { try store.chunks(ids: ids) }

    func chunks(documentID: Int64, ordinals: ClosedRange<Int>) throws -> [StoredChunk] {
        try store.chunks(documentID: documentID, ordinals: ordinals)
    }

    func text(ofDocument id: Int64, from start: Int, to end: Int) throws -> String? {
        try store.text(ofDocument: id, from: start, to: end)
    }
}
