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
    /// Entries examined: every file and folder the walk looked at, whatever became of it. Equals
    /// `filesAdded + filesUpdated + filesUnchanged + filesMoved + filesSkipped + filesFailed`.
    public var filesSeen = 0
    /// Files stored for the first time.
    public var filesAdded = 0
    /// Files stored again because they changed.
    public var filesUpdated = 0
    /// Files with the same content hash as stored.
    public var filesUnchanged = 0
    /// Entries that are not documents (one per entry of `documentsSkipped`).
    public var filesSkipped = 0
    /// Files and folders that could not be read or stored (a JSON Lines file with some bad records is added, not
    /// failed, though its records are listed in `documentsFailed`).
    public var filesFailed = 0
    /// Source paths indexed before from the folders given whose file no longer exists.
    public var vanished: [String] = []
    /// Documents removed because their file vanished (only when asked to prune).
    public var documentsRemoved = 0
    /// A vanished file found again under a new path with the same content: its documents moved, not re-read.
    public struct Move: Sendable, Equatable, Encodable {
        /// The old source path.
        public var from: String
        /// The new one.
        public var to: String
    }
    /// Files renamed (only when asked to prune): their documents, chunks and vectors moved to the new path.
    public var filesMoved = 0
    /// Documents moved with them.
    public var documentsMoved = 0
    /// The renames.
    public var moved: [Move] = []
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
        case filesAdded = "files_added", filesUpdated = "files_updated", filesUnchanged = "files_unchanged"
        case filesSkipped = "files_skipped", filesFailed = "files_failed", vanished
        case documentsRemoved = "documents_removed"
        case filesMoved = "files_moved", documentsMoved = "documents_moved", moved
    }

    /// Adds the counts and lists of another run of the same pipeline (another set of roots).
    mutating func absorb(_ other: IndexReport) {
        documentsAdded += other.documentsAdded
        documentsUpdated += other.documentsUpdated
        documentsUnchanged += other.documentsUnchanged
        documentsSkipped += other.documentsSkipped
        documentsFailed += other.documentsFailed
        warnings += other.warnings
        chunksAdded += other.chunksAdded
        filesSeen += other.filesSeen
        filesAdded += other.filesAdded
        filesUpdated += other.filesUpdated
        filesUnchanged += other.filesUnchanged
        filesSkipped += other.filesSkipped
        filesFailed += other.filesFailed
        vanished += other.vanished
        documentsRemoved += other.documentsRemoved
        filesMoved += other.filesMoved
        documentsMoved += other.documentsMoved
        moved += other.moved
        bytesRead += other.bytesRead
        seconds += other.seconds
    }

    /// Issues grouped by reason (their `group`), largest group first, with up to `examples` paths each.
    public static func grouped(_ issues: [FileIssue], examples: Int = 3) -> [IssueGroup] {
        var groups: [IssueGroup] = []
        var position: [String: Int] = [:]
        for issue in issues {
            let index = position[issue.group] ?? groups.count
            if index == groups.count {
                position[issue.group] = index
                groups.append(IssueGroup(reason: issue.group, count: 0, examples: []))
            }
            groups[index].count += 1
            if groups[index].examples.count < examples { groups[index].examples.append(issue) }
        }
        // A group of one keeps its full reason (it may name the other path).
        for index in groups.indices where groups[index].count == 1 {
            groups[index].reason = groups[index].examples[0].reason
        }
        // Largest first; equal counts in walk order.
        return groups.enumerated().sorted { ($1.element.count, $0.offset) < ($0.element.count, $1.offset) }
            .map(\.element)
    }

    /// The `--json` shape: counts for added, updated, unchanged and skipped documents, `skipped` with the reasons,
    /// `documents_failed` and `warnings` as lists of `{path, reason}`, file counts that add up to `files_seen`,
    /// `vanished` paths and `documents_removed`.
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
        try container.encode(filesAdded, forKey: .filesAdded)
        try container.encode(filesUpdated, forKey: .filesUpdated)
        try container.encode(filesUnchanged, forKey: .filesUnchanged)
        try container.encode(filesSkipped, forKey: .filesSkipped)
        try container.encode(filesFailed, forKey: .filesFailed)
        try container.encode(vanished, forKey: .vanished)
        try container.encode(documentsRemoved, forKey: .documentsRemoved)
        try container.encode(filesMoved, forKey: .filesMoved)
        try container.encode(documentsMoved, forKey: .documentsMoved)
        try container.encode(moved, forKey: .moved)
    }
}

/// Issues that share a reason.
public struct IssueGroup: Sendable, Equatable {
    /// The shared reason.
    public var reason: String
    /// How many issues have it.
    public var count: Int
    /// The first few, in walk order.
    public var examples: [FileIssue]
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
