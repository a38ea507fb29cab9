import AskDocs
import DocumentStore
import Foundation
import Retrieval

/// What an index holds, by path relative to the corpus, so that two indexes of the same files compare equal.
public struct IndexContents: Equatable, CustomStringConvertible {
    /// One chunk.
    public struct Chunk: Equatable, Sendable {
        /// Position in the document.
        public var ordinal: Int
        /// Unicode-scalar range in the document text.
        public var start: Int
        /// End of the range.
        public var end: Int
        /// The text.
        public var text: String
    }
    /// Document key (relative) → content hash, format, language, title and chunk count.
    public var documents: [String: [String]] = [:]
    /// Document key (relative) → its chunks.
    public var chunks: [String: [Chunk]] = [:]
    /// (key, ordinal) → vector.
    public var vectors: [String: [Float]] = [:]

    /// Counts, for failure messages.
    public var description: String { "\(documents.count) documents, \(vectors.count) vectors" }

    /// Reads the published state of `database`; keys lose the `root` prefix.
    public static func read(_ database: String, root: String) throws -> IndexContents {
        let store = try DocumentStore(path: database)
        var contents = IndexContents()
        let location = VectorIndexLocation(databaseURL: URL(fileURLWithPath: database))
        let manifest = try PublishedGeneration.vectorManifest(of: store, at: location)
        let index = try manifest.map { try VectorIndex.open(at: location, manifest: $0, expecting: $0.model) }
        for document in try store.allDocuments() {
            let key = String(document.key.dropFirst(root.count))
            contents.documents[key] = [
                document.contentHash, document.format, document.language ?? "", document.title ?? "",
                String(document.chunkCount),
            ]
            let chunks = try store.chunks(documentID: document.id)
            contents.chunks[key] = chunks.map {
                Chunk(ordinal: $0.ordinal, start: $0.startOffset, end: $0.endOffset, text: $0.text)
            }
            if let index {
                for (chunk, vector) in zip(chunks, try index.vectors(ids: chunks.map(\.id))) {
                    contents.vectors["\(key)#\(chunk.ordinal)"] = vector
                }
            }
        }
        guard index?.count ?? 0 == contents.vectors.count else {
            throw ExtraVectors(count: (index?.count ?? 0) - contents.vectors.count)
        }
        return contents
    }

    /// The published vector index holds vectors of no chunk.
    public struct ExtraVectors: Error {
        /// How many.
        public var count: Int
    }

    /// Whether `other` holds the same documents and chunks, and vectors of cosine 1 within float error.
    public func matches(_ other: IndexContents) -> Bool {
        guard documents == other.documents, chunks == other.chunks, vectors.keys == other.vectors.keys else {
            return false
        }
        for (key, vector) in vectors {
            let twin = other.vectors[key] ?? []
            let dot = zip(vector, twin).reduce(Float(0)) { $0 + $1.0 * $1.1 }
            let norms = (vector.reduce(0) { $0 + $1 * $1 } * twin.reduce(0) { $0 + $1 * $1 }).squareRoot()
            // The same text embedded by the same model in another batch: float32 rounding only.
            if abs(dot / norms - 1) > 1e-5 { return false }
        }
        return true
    }
}
