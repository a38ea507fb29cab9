import DocumentStore

/// What a publish to PostgreSQL sends: the writer's own published generation, read through this.
public protocol GenerationSource {
    /// Index-wide settings to record beside the rows (the search terms' kind, the retriever, the vector state).
    var settings: [String: String] { get }
    /// The identity of the model the vectors come from (nil: a BM25-only index).
    var vectorModel: String? { get }
    /// The vectors' size (when `vectorModel` is set).
    var dimension: Int? { get }
    /// Every document: its id and a fingerprint that changes whenever its metadata, text or chunks do.
    func documentFingerprints() throws -> [Int64: String]
    /// One document with its chunks, their search terms and (with `vectorModel`) their vectors.
    func document(id: Int64) throws -> GenerationDocument?
}

/// One document as a publish sends it.
public struct GenerationDocument: Sendable {
    /// Its metadata.
    public var metadata: StoredDocument
    /// Its extracted text (chunk offsets index into it).
    public var text: String
    /// The fingerprint `GenerationSource.documentFingerprints` gave.
    public var fingerprint: String
    /// Its chunks.
    public var chunks: [GenerationChunk]

    /// Creates a document.
    public init(metadata: StoredDocument, text: String, fingerprint: String, chunks: [GenerationChunk]) {
        self.metadata = metadata
        self.text = text
        self.fingerprint = fingerprint
        self.chunks = chunks
    }
}

/// One chunk as a publish sends it.
public struct GenerationChunk: Sendable {
    /// The chunk.
    public var chunk: StoredChunk
    /// Its space-separated search terms (what FTS5 indexes).
    public var terms: String
    /// Its embedding (nil for a BM25-only index).
    public var vector: [Float]?

    /// Creates a chunk.
    public init(chunk: StoredChunk, terms: String, vector: [Float]?) {
        self.chunk = chunk
        self.terms = terms
        self.vector = vector
    }
}
