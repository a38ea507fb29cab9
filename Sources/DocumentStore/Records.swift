import Foundation

/// A document to store: where it came from, its metadata and its extracted text.
public struct NewDocument: Sendable, Equatable {
    /// Stable unique key: the absolute file path, or `path#id` for one record of a JSON Lines file.
    public var key: String
    /// Absolute path of the file the document was read from (several documents may share one).
    public var sourcePath: String
    /// Lowercase hex SHA-256 of the source file's raw bytes.
    public var contentHash: String
    /// Size of the source file in bytes.
    public var size: Int64
    /// Modification time of the source file.
    public var modifiedAt: Date
    /// Reader that produced the text (`text`, `markdown`, `html`, `jsonl`, `pdf`).
    public var format: String
    /// BCP 47 language code, when known.
    public var language: String?
    /// Dominant Unicode script (`Latin`, `Han`, ...), when the text has letters.
    public var script: String?
    /// Title, when the format has one.
    public var title: String?
    /// Where the document can be seen (a JSON Lines record's `url`), when known.
    public var url: String?
    /// The extracted text that chunk offsets index into.
    public var text: String

    /// Creates a document.
    public init(
        key: String, sourcePath: String, contentHash: String, size: Int64, modifiedAt: Date, format: String,
        language: String? = nil, script: String? = nil, title: String? = nil, url: String? = nil, text: String
    ) {
        self.url = url
        self.key = key
        self.sourcePath = sourcePath
        self.contentHash = contentHash
        self.size = size
        self.modifiedAt = modifiedAt
        self.format = format
        self.language = language
        self.script = script
        self.title = title
        self.text = text
    }
}

/// A chunk to store with its document.
public struct NewChunk: Sendable, Equatable {
    /// Position of the chunk in its document, from 0.
    public var ordinal: Int
    /// The chunk's text, exactly the document text between the offsets.
    public var text: String
    /// Start offset in Unicode scalars into the document text.
    public var startOffset: Int
    /// End offset (exclusive) in Unicode scalars.
    public var endOffset: Int
    /// Tokens in `text` as the chunker's token counter measured them.
    public var tokenCount: Int
    /// Space-separated search terms for BM25 (for example XLM-R piece ids rendered as `p1234`).
    public var terms: String

    /// Creates a chunk.
    public init(ordinal: Int, text: String, startOffset: Int, endOffset: Int, tokenCount: Int, terms: String) {
        self.ordinal = ordinal
        self.text = text
        self.startOffset = startOffset
        self.endOffset = endOffset
        self.tokenCount = tokenCount
        self.terms = terms
    }
}

/// A stored document's metadata (its text is fetched separately with `DocumentStore.text(ofDocument:)`).
public struct StoredDocument: Sendable, Equatable, Identifiable {
    /// Row id.
    public var id: Int64
    /// Stable unique key.
    public var key: String
    /// Absolute source file path.
    public var sourcePath: String
    /// Hex SHA-256 of the source file.
    public var contentHash: String
    /// Source file size in bytes.
    public var size: Int64
    /// Source file modification time.
    public var modifiedAt: Date
    /// Reader that produced the text.
    public var format: String
    /// Language code, when known.
    public var language: String?
    /// Dominant script, when known.
    public var script: String?
    /// Title, when known.
    public var title: String?
    /// URL, when known.
    public var url: String?
    /// When the document was stored.
    public var ingestedAt: Date
    /// Number of chunks written with the document.
    public var chunkCount: Int
    /// Creates a stored document's metadata.
    public init(
        id: Int64, key: String, sourcePath: String, contentHash: String, size: Int64, modifiedAt: Date, format: String,
        language: String?, script: String?, title: String?, url: String? = nil, ingestedAt: Date, chunkCount: Int
    ) {
        self.url = url
        self.id = id
        self.key = key
        self.sourcePath = sourcePath
        self.contentHash = contentHash
        self.size = size
        self.modifiedAt = modifiedAt
        self.format = format
        self.language = language
        self.script = script
        self.title = title
        self.ingestedAt = ingestedAt
        self.chunkCount = chunkCount
    }
}

/// A stored chunk with the metadata of its document that readers and result lists need.
public struct StoredChunk: Sendable, Equatable, Identifiable {
    /// Chunk row id: the key of the FTS index and of the vector index.
    public var id: Int64
    /// The chunk's document.
    public var documentID: Int64
    /// Position in the document, from 0.
    public var ordinal: Int
    /// The chunk text.
    public var text: String
    /// Start offset in Unicode scalars into the document text.
    public var startOffset: Int
    /// End offset (exclusive) in Unicode scalars.
    public var endOffset: Int
    /// Token count as measured at indexing time.
    public var tokenCount: Int
    /// The document's key.
    public var documentKey: String
    /// The document's source file.
    public var sourcePath: String
    /// The document's title.
    public var title: String?
    /// The document's language.
    public var language: String?

    /// Creates a stored chunk (the store makes these; tests of higher layers may too).
    public init(
        id: Int64, documentID: Int64, ordinal: Int, text: String, startOffset: Int, endOffset: Int, tokenCount: Int,
        documentKey: String, sourcePath: String, title: String?, language: String?
    ) {
        self.id = id
        self.documentID = documentID
        self.ordinal = ordinal
        self.text = text
        self.startOffset = startOffset
        self.endOffset = endOffset
        self.tokenCount = tokenCount
        self.documentKey = documentKey
        self.sourcePath = sourcePath
        self.title = title
        self.language = language
    }
}

/// Metadata restrictions for a search, applied in SQL so `limit` hits come back whenever that many match.
public struct SearchFilter: Sendable, Equatable {
    /// Only documents whose source path starts with this string (compare with absolute paths).
    public var pathPrefix: String?
    /// Only documents whose source path matches this `PathGlob` pattern (the meaning `index --glob` has).
    public var pathGlob: String?
    /// Only documents in one of these languages (empty: any).
    public var languages: Set<String>
    /// Only documents whose source file was modified strictly after this time.
    public var modifiedAfter: Date?

    /// No restriction.
    public static let none = SearchFilter()

    /// Creates a filter.
    public init(
        pathPrefix: String? = nil, pathGlob: String? = nil, languages: Set<String> = [], modifiedAfter: Date? = nil
    ) {
        self.pathPrefix = pathPrefix
        self.pathGlob = pathGlob
        self.languages = languages
        self.modifiedAfter = modifiedAfter
    }
}

/// One BM25 search result.
public struct SearchHit: Sendable, Equatable {
    /// The matching chunk.
    public var chunkID: Int64
    /// The chunk's document.
    public var documentID: Int64
    /// BM25 relevance, higher is better (SQLite's `bm25()` negated).
    public var score: Double

    /// Creates a hit.
    public init(chunkID: Int64, documentID: Int64, score: Double) {
        self.chunkID = chunkID
        self.documentID = documentID
        self.score = score
    }
}

/// What the store knows about a source file, used to skip unchanged files.
public struct SourceState: Sendable, Equatable {
    /// Hash recorded for the source file.
    public var contentHash: String
    /// Documents stored from it.
    public var documentCount: Int
    /// The file's size when it was read (nil for rows that do not say).
    public var size: Int64?
    /// The file's modification time when it was read.
    public var modifiedAt: Date?
    /// When its documents were first stored (the earliest of them).
    public var storedAt: Date?

    /// Creates a state.
    public init(
        contentHash: String, documentCount: Int, size: Int64? = nil, modifiedAt: Date? = nil, storedAt: Date? = nil
    ) {
        self.contentHash = contentHash
        self.documentCount = documentCount
        self.size = size
        self.modifiedAt = modifiedAt
        self.storedAt = storedAt
    }
}

/// A document whose stored chunks do not add up (what an interrupted write would leave, if one could).
public struct IntegrityProblem: Sendable, Equatable, CustomStringConvertible {
    /// The document.
    public var documentID: Int64
    /// Its key.
    public var key: String
    /// What is wrong.
    public var problem: String

    /// `key: problem`.
    public var description: String { "\(key): \(problem)" }
}
