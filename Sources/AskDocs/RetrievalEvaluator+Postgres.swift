import DocumentStore
import Foundation
import PostgresStore
import Retrieval

extension RetrievalEvaluator {
    /// Dense (HNSW) and BM25 rankings from a scratch schema of the PostgreSQL database at `url`, holding `passages`
    /// as one-chunk documents under their evaluation ids; the schema is dropped afterwards.
    func postgresRankings(
        _ url: String, passages: [RetrievalEvaluation.Passage], vectors: [[Float]]?,
        questions: [RetrievalEvaluation.Question], questionVectors: [[Float]]?, depth: Int, lexical: Bool
    ) throws -> (dense: [[Int64]], lexical: [[Int64]]) {
        var scratch = try PostgresURL(url)
        scratch.schema = "askdocs_eval_" + UUID().uuidString.lowercased().replacingOccurrences(of: "-", with: "")
        let index = try PostgresIndex(url: scratch)
        defer { try? index.drop() }
        let termizer = retriever.termizer
        let source = EvaluationPassages(
            passages: passages, vectors: vectors, terms: { termizer.terms($0).joined(separator: " ") },
            model: vectors == nil ? nil : retriever.embedder.identity.description,
            dimension: vectors == nil ? nil : retriever.embedder.dimension)
        try PostgresPublisher(index: index).publish(source)
        return try index.read { snapshot in
            let dense = try questionVectors.map { queries in
                try queries.map { try snapshot.dense($0, limit: depth, filter: .none).map(\.chunkID) }
            }
            let ranked =
                try lexical
                ? questions.map {
                    try snapshot.lexical(terms: termizer.terms($0.text), limit: depth, filter: .none).map(\.chunkID)
                } : []
            return (dense ?? [], ranked)
        }
    }
}

/// An evaluation's passages as a generation: one document and one chunk per passage, both with its id.
private struct EvaluationPassages: GenerationSource {
    let passages: [RetrievalEvaluation.Passage]
    let vectors: [[Float]]?
    let terms: (String) -> String
    let vectorModel: String?
    let dimension: Int?
    var settings: [String: String] { [:] }
    private let rowOfID: [Int64: Int]

    init(
        passages: [RetrievalEvaluation.Passage], vectors: [[Float]]?, terms: @escaping (String) -> String,
        model: String?, dimension: Int?
    ) {
        self.passages = passages
        self.vectors = vectors
        self.terms = terms
        self.vectorModel = model
        self.dimension = dimension
        self.rowOfID = Dictionary(uniqueKeysWithValues: passages.enumerated().map { ($1.chunkID, $0) })
    }

    func documentFingerprints() throws -> [Int64: String] {
        Dictionary(uniqueKeysWithValues: passages.map { ($0.chunkID, "") })
    }

    func document(id: Int64) throws -> GenerationDocument? {
        guard let row = rowOfID[id] else { return nil }
        let passage = passages[row]
        let length = passage.text.unicodeScalars.count
        let epoch = Date(timeIntervalSince1970: 0)
        let metadata = StoredDocument(
            id: id, key: String(id), sourcePath: String(id), contentHash: "", size: 0, modifiedAt: epoch,
            format: "text", language: nil, script: nil, title: nil, ingestedAt: epoch, chunkCount: 1)
        let chunk = StoredChunk(
            id: id, documentID: id, ordinal: 0, text: passage.text, startOffset: 0, endOffset: length, tokenCount: 0,
            documentKey: String(id), sourcePath: String(id), title: nil, language: nil)
        return GenerationDocument(
            metadata: metadata, text: passage.text, fingerprint: "",
            chunks: [GenerationChunk(chunk: chunk, terms: terms(passage.text), vector: vectors?[row])])
    }
}
