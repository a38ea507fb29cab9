import Foundation

/// What an indexing run did.
public struct IndexReport: Sendable, Equatable, Encodable {
    /// Documents stored from files that were not in the index before.
    public var documentsAdded = 0
    /// Documents stored again because their file changed.
    public var documentsUpdated = 0
    /// Documents whose file has the same content hash as when it was indexed.
    public var documentsUnchanged = 0
    /// Files that are not documents: binary, empty, special files, broken links, PDFs without pdftotext.
    public var documentsSkipped: [FileIssue] = []
    /// Files or records that could not be read or stored.
    public var documentsFailed: [FileIssue] = []
    /// What was repaired while reading (invalid UTF-8, guessed encodings).
    public var warnings: [FileIssue] = []
    /// Chunks written.
    public var chunksAdded = 0
    /// Files examined.
    public var filesSeen = 0
    /// Bytes read from files.
    public var bytesRead: Int64 = 0
    /// Wall-clock seconds.
    public var seconds = 0.0

    /// An empty report.
    public init() {}

    enum CodingKeys: String, CodingKey {
        case documentsAdded = "documents_added", documentsUpdated = "documents_updated"
        case documentsUnchanged = "documents_unchanged", documentsSkipped = "documents_skipped", skipped
        case documentsFailed = "documents_failed", warnings, chunksAdded = "chunks_added", filesSeen = "files_seen"
        case bytesRead = "bytes_read", seconds
    }

    /// The `--json` shape: counts for added, updated, unchanged and skipped documents, `skipped` with the reasons,
    /// `documents_failed` and `warnings` as lists of `{path, reason}`.
    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(documentsAdded, forKey: .documentsAdded)
        try container.encode(documentsUpdated, forKey: .documentsUpdated)
        try container.encode(documentsUnchanged, forKey: .documentsUnchanged)
        try container.encode(documentsSkipped.count, forKey: .documentsSkipped)
        try container.encode(documentsSkipped, forKey: .skipped)
        try container.encode(documentsFailed, forKey: .documentsFailed)
        try container.encode(warnings, forKey: .warnings)
        try container.encode(chunksAdded, forKey: .chunksAdded)
        try container.encode(filesSeen, forKey: .filesSeen)
        try container.encode(bytesRead, forKey: .bytesRead)
        try container.encode(seconds, forKey: .seconds)
    }
}

/// Where an indexing run is, for a progress bar.
public struct IndexProgress: Sendable, Equatable {
    /// Files finished (read, skipped, failed or unchanged).
    public var filesDone: Int
    /// Files found by the walk.
    public var filesTotal: Int
    /// Bytes of finished files.
    public var bytesDone: Int64
    /// Bytes of all files found.
    public var bytesTotal: Int64
    /// Chunks written so far.
    public var chunksAdded: Int
    /// Seconds since the run started.
    public var elapsed: Double

    /// Bytes per second so far.
    public var bytesPerSecond: Double { elapsed > 0 ? Double(bytesDone) / elapsed : 0 }

    /// Estimated seconds left, from the byte rate; nil before there is a rate.
    public var estimatedSecondsLeft: Double? {
        guard bytesDone > 0, elapsed > 0 else { return nil }
        return Double(bytesTotal - bytesDone) / bytesPerSecond
    }
}
