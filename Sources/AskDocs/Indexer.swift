import Crypto
import DocumentStore
import Foundation
import Ingest

/// Why an index run cannot start.
public enum IndexerError: LocalizedError, Equatable, Sendable {
    /// The database's chunks carry terms of another kind than this indexer makes, so new chunks would not match.
    case searchTermsMismatch(database: String, stored: String, current: String)
    /// None of the paths given could be read (missing, or a folder that cannot be listed).
    case nothingReadable(path: String, reason: String)

    /// One actionable line.
    public var errorDescription: String? {
        switch self {
        case .searchTermsMismatch(let database, let stored, let current):
            "\(database) was built with search terms '\(stored)' but this askdocs makes '\(current)'; "
                + "index into a new database"
        case .nothingReadable(let path, let reason): "cannot read \(path): \(reason)"
        }
    }
}

/// Which files to index.
public struct IndexRequest: Sendable {
    /// Files and folders.
    public var paths: [String]
    /// Include globs, `PathGlob` patterns (none: every file).
    public var include: [String]
    /// Exclude globs.
    public var exclude: [String]
    /// Whether to remove the documents of files that were indexed from the folders given but no longer exist; a
    /// new file with the content of one of them is that file renamed, and its documents are moved, not re-read.
    public var prune: Bool
    /// Whether to re-read and re-chunk every file, changed or not (a rebuild with another retriever).
    public var force = false

    /// Creates a request.
    public init(paths: [String], include: [String] = [], exclude: [String] = [], prune: Bool = false) {
        self.paths = paths
        self.include = include
        self.exclude = exclude
        self.prune = prune
    }
}

/// The indexing pipeline: walk files, skip unchanged ones by content hash, read, chunk, and store each file's
/// documents in one transaction, so an error or a killed process leaves only whole documents.
public struct Indexer: Sendable {
    /// The database.
    public var store: DocumentStore
    /// Turns file bytes into documents.
    public var reader: DocumentReader
    /// Splits documents into chunks.
    public var chunker: Chunker
    /// Makes the BM25 terms of a chunk.
    public var termizer: any SearchTermizer
    /// Files prepared (read, decoded, chunked) at the same time; writes are always one file at a time, in order.
    public var concurrency = ProcessInfo.processInfo.activeProcessorCount
    /// Test hook: runs after a file's bytes are read, before the file is checked for changes.
    package var afterRead: (@Sendable (String) -> Void)?
    /// Test hook: runs before each chunk is written; throwing aborts that file's transaction.
    package var beforeChunkWrite: (@Sendable (_ path: String, _ ordinal: Int) throws -> Void)?

    /// Creates an indexer.
    public init(
        store: DocumentStore, reader: DocumentReader = DocumentReader(),
        chunker: Chunker = Chunker(counter: UTF8LengthTokenCounter()), termizer: any SearchTermizer = WordTermizer()
    ) {
        self.store = store
        self.reader = reader
        self.chunker = chunker
        self.termizer = termizer
    }

    /// Indexes `request`, calling `progress` after every file. Errors in single files are reported, not thrown;
    /// only a database that cannot be used at all throws. `afterFile` runs after each file is written, with the
    /// report so far (the index pipeline publishes checkpoints there); throwing from it stops the run.
    public func run(
        _ request: IndexRequest, progress: (IndexProgress) -> Void = { _ in },
        afterFile: (IndexReport) throws -> Void = { _ in }
    ) throws -> IndexReport {
        let start = Date()
        var report = IndexReport()
        let terms = try store.settingStoringIfAbsent(Self.termsSetting, termizer.identifier)
        guard terms == termizer.identifier else {
            throw IndexerError.searchTermsMismatch(database: store.path, stored: terms, current: termizer.identifier)
        }
        let walker = FileWalker(include: request.include, exclude: request.exclude, excludedRealPaths: databaseFiles())
        let walk = walker.walk(request.paths)
        if walk.failedRoots.count == request.paths.count, let first = walk.failedRoots.first {
            throw IndexerError.nothingReadable(path: first.path, reason: first.reason)
        }
        report.documentsSkipped = walk.skipped
        report.documentsFailed = walk.failed
        report.filesSeen = walk.entriesSeen
        report.filesSkipped = walk.skipped.count
        report.filesFailed = walk.failed.count
        report.vanished = try vanishedSources(under: request.paths, walked: walk.files)
        // A vanished file whose content comes back under a new path was renamed: its documents move there.
        var renamable = request.prune ? try renameCandidates(report.vanished) : [:]
        let bytesTotal = walk.files.reduce(Int64(0)) { $0 + $1.size }
        var bytesDone: Int64 = 0
        // Takes the counts as arguments: it also runs while `report` is being updated by `indexFile`.
        func tick(_ filesDone: Int, bytes: Int64, chunks: Int) {
            progress(
                IndexProgress(
                    filesDone: filesDone, filesTotal: walk.files.count, bytesDone: bytes, bytesTotal: bytesTotal,
                    chunksAdded: chunks, elapsed: Date().timeIntervalSince(start)))
        }
        tick(0, bytes: 0, chunks: 0)
        var index = 0
        for batch in batches(walk.files) {
            // Read, decode, chunk and make terms for a batch on every core; then write its files in order.
            var prepared = [Preparation?](repeating: nil, count: batch.count)
            if batch.count == 1 {
                prepared[0] = try prepare(batch[0], force: request.force)
            } else {
                let results = PreparationSlots(count: batch.count)
                DispatchQueue.concurrentPerform(iterations: batch.count) { slot in
                    results.set(slot, Result { try prepare(batch[slot], force: request.force) })
                }
                prepared = try results.values().map { try $0.get() }
            }
            for (file, preparation) in zip(batch, prepared) {
                guard let preparation else { continue }
                let chunksBefore = report.chunksAdded
                let bytesBefore = bytesDone
                let filesDone = index
                if case .ready(let ready) = preparation, ready.previous == nil,
                    let old = renamable[ready.contentHash]?.popLast()
                {
                    try move(old, to: ready, into: &report)
                } else {
                    // Large files report progress while they are chunked, so the bar moves.
                    try commit(preparation, into: &report) { fraction, chunks in
                        tick(
                            filesDone, bytes: bytesBefore + Int64(Double(file.size) * fraction),
                            chunks: chunksBefore + chunks)
                    }
                }
                bytesDone += file.size
                index += 1
                tick(index, bytes: bytesDone, chunks: report.chunksAdded)
                try afterFile(report)
            }
        }
        let moved = Set(report.moved.map(\.from))
        report.vanished.removeAll { moved.contains($0) }
        if request.prune, !report.vanished.isEmpty {
            report.documentsRemoved = try removeSources(report.vanished)
        }
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    /// Consecutive files to prepare together: up to two per core and 32 MB; a large file (streamed) alone.
    func batches(_ files: [SourceFile]) -> [[SourceFile]] {
        var batches: [[SourceFile]] = []
        var current: [SourceFile] = []
        var bytes: Int64 = 0
        let width = max(1, concurrency) * 2
        for file in files {
            if file.size > Self.streamingFileSize || concurrency <= 1 {
                if !current.isEmpty { batches.append(current) }
                batches.append([file])
                current = []
                bytes = 0
                continue
            }
            if current.count == width || bytes + file.size > 32 << 20, !current.isEmpty {
                batches.append(current)
                current = []
                bytes = 0
            }
            current.append(file)
            bytes += file.size
        }
        if !current.isEmpty { batches.append(current) }
        return batches
    }

    /// A file after reading: either finished (unchanged, skipped, failed) or ready to write.
    enum Preparation {
        /// Same content hash as stored (`bytes` were read to tell).
        case unchanged(documents: Int, bytes: Int64)
        /// Could not be read; earlier documents stay.
        case failed(FileIssue)
        /// Not a document (any more) after reading `bytes`; `removing` is the source path whose earlier documents
        /// must go.
        case skipped(FileIssue, bytes: Int64, removing: String?)
        /// To be written.
        case ready(PreparedFile)
    }

    /// A read and decoded file with its documents, and their chunks when they were made ahead of the write.
    struct PreparedFile {
        var file: SourceFile
        var size: Int64
        var modifiedAt: Date
        var contentHash: String
        var previous: SourceState?
        var result: ReadResult
        /// Chunks per document, or nil to chunk while writing (large files, so chunks are never all in memory).
        var chunks: [[NewChunk]]?
    }

    /// Reads, hashes, decodes and (for files up to `streamingFileSize`) chunks one file. Safe to run concurrently.
    ///
    /// A file whose size and modification time are those stored, and was not modified in the second before it was
    /// read (a later write in the same clock tick would keep both), is unchanged without being read.
    func prepare(_ file: SourceFile, force: Bool = false) throws -> Preparation {
        if !force, let stored = try store.sourceState(file.documentPath), stored.isUnchanged(by: file) {
            return .unchanged(documents: stored.documentCount, bytes: 0)
        }
        let snapshot: FileSnapshot
        do {
            snapshot = try SourceFileReader(afterRead: afterRead).read(file.realPath)
        } catch {
            return .failed(FileIssue(path: file.path, reason: error.localizedDescription))
        }
        let contentHash = SHA256.hex(of: snapshot.data)
        let previous = try store.sourceState(file.documentPath)
        if let previous, previous.contentHash == contentHash, !force {
            return .unchanged(documents: previous.documentCount, bytes: snapshot.size)
        }
        let result: ReadResult
        do {
            result = try reader.read(snapshot.data, path: file.path)
        } catch let error as IngestError {
            let issue = FileIssue(path: file.path, reason: error.localizedDescription)
            // A file that became empty or binary no longer holds its old documents; one that fails to read keeps them.
            guard error.isSkip else { return .failed(issue) }
            return .skipped(issue, bytes: snapshot.size, removing: previous == nil ? nil : file.documentPath)
        } catch {
            return .failed(FileIssue(path: file.path, reason: error.localizedDescription))
        }
        var prepared = PreparedFile(
            file: file, size: snapshot.size, modifiedAt: snapshot.modifiedAt, contentHash: contentHash,
            previous: previous, result: result)
        if snapshot.size <= Self.streamingFileSize {
            prepared.chunks = result.documents.map { chunks(of: $0) }
        }
        return .ready(prepared)
    }

    /// The chunks of a document with their terms.
    func chunks(of document: IngestedDocument) -> [NewChunk] {
        var chunks: [NewChunk] = []
        chunker.forEachChunk(of: document.text, language: document.language) { chunks.append(newChunk($0)) }
        return chunks
    }

    func newChunk(_ chunk: TextChunk) -> NewChunk {
        NewChunk(
            ordinal: chunk.ordinal, text: chunk.text, startOffset: chunk.startOffset, endOffset: chunk.endOffset,
            tokenCount: chunk.tokenCount, terms: termizer.terms(chunk.text).joined(separator: " "))
    }

    /// Writes a prepared file and counts it into `report`; throws only for database failures that make further
    /// work pointless.
    func commit(
        _ preparation: Preparation, into report: inout IndexReport,
        progress: (_ fraction: Double, _ chunks: Int) -> Void = { _, _ in }
    ) throws {
        switch preparation {
        case .unchanged(let documents, let bytes):
            report.documentsUnchanged += documents
            report.filesUnchanged += 1
            report.bytesRead += bytes
        case .failed(let issue):
            report.documentsFailed.append(issue)
            report.filesFailed += 1
        case .skipped(var issue, let bytes, let removing):
            report.bytesRead += bytes
            report.filesSkipped += 1
            if let removing, try store.deleteSource(removing) > 0 {
                issue.reason += "; its earlier documents were removed from the index"
            }
            report.documentsSkipped.append(issue)
        case .ready(let prepared):
            let file = prepared.file
            report.bytesRead += prepared.size
            for warning in prepared.result.warnings {
                let issue = FileIssue(path: file.path, reason: warning)
                // A JSON Lines record that could not be read is a failed document; other warnings are repairs.
                if prepared.result.documents.first?.format == .jsonLines {
                    report.documentsFailed.append(issue)
                } else {
                    report.warnings.append(issue)
                }
            }
            do {
                let chunks = try store(prepared, progress: progress)
                report.chunksAdded += chunks
                if prepared.previous == nil {
                    report.documentsAdded += prepared.result.documents.count
                    report.filesAdded += 1
                } else {
                    report.documentsUpdated += prepared.result.documents.count
                    report.filesUpdated += 1
                }
            } catch let error as DatabaseError where Self.affectsEveryFile(error) {
                throw error
            } catch {
                report.documentsFailed.append(FileIssue(path: file.path, reason: error.localizedDescription))
                report.filesFailed += 1
            }
        }
    }

    /// Replaces the file's documents in one transaction (chunks made ahead, or streamed into it); returns the chunks
    /// written.
    func store(_ prepared: PreparedFile, progress: (_ fraction: Double, _ chunks: Int) -> Void) throws -> Int {
        let file = prepared.file
        let documents = prepared.result.documents
        return try store.write { writer in
            try writer.deleteSource(file.documentPath)
            var written = 0
            for (position, document) in documents.enumerated() {
                let id = try writer.insertDocument(
                    NewDocument(
                        key: document.identifier.map { "\(file.documentPath)#\($0)" } ?? file.documentPath,
                        sourcePath: file.documentPath, contentHash: prepared.contentHash, size: prepared.size,
                        modifiedAt: prepared.modifiedAt, format: document.format.rawValue, language: document.language,
                        script: document.script?.rawValue, title: document.title, url: document.url,
                        text: document.text))
                var count = 0
                func insert(_ chunk: NewChunk) throws {
                    try beforeChunkWrite?(file.path, chunk.ordinal)
                    try writer.insertChunk(chunk, documentID: id)
                    count += 1
                }
                if let chunks = prepared.chunks?[position] {
                    for chunk in chunks { try insert(chunk) }
                } else {
                    // Counting scalars costs a pass over the text, worth it for progress within a large file.
                    let scalars = document.text.unicodeScalars.count
                    try chunker.forEachChunk(of: document.text, language: document.language) { chunk in
                        try insert(newChunk(chunk))
                        if count % 256 == 0 {
                            let within = Double(chunk.endOffset) / Double(max(1, scalars))
                            progress((Double(position) + within) / Double(documents.count), written + count)
                        }
                    }
                }
                try writer.finishDocument(id, chunkCount: count)
                written += count
            }
            return written
        }
    }

    /// The setting that records which `SearchTermizer` made the stored chunks' terms.
    public static let termsSetting = "search_terms"

    /// Files above this size are chunked while they are written (never all chunks in memory, progress within the
    /// file); smaller ones are chunked ahead, several at a time.
    static let streamingFileSize: Int64 = 4 << 20

    /// Busy, full, read-only, I/O and corruption errors would fail every later file too.
    static func affectsEveryFile(_ error: DatabaseError) -> Bool {
        switch error.resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED, .SQLITE_READONLY, .SQLITE_IOERR, .SQLITE_CORRUPT, .SQLITE_FULL,
            .SQLITE_CANTOPEN, .SQLITE_NOTADB:
            true
        default: false
        }
    }

    /// The database file and its journals, which must never be indexed into themselves.
    func databaseFiles() -> Set<String> {
        let base = FileWalker.realPath(store.path) ?? store.path
        return [base, base + "-wal", base + "-shm", base + "-journal"]
    }
}

/// Results of concurrent preparations, one slot per file.
final class PreparationSlots: @unchecked Sendable {
    // @unchecked: every access holds `lock`.
    private let lock = NSLock()
    private var slots: [Result<Indexer.Preparation, any Error>?]

    init(count: Int) { slots = Array(repeating: nil, count: count) }

    func set(_ slot: Int, _ value: Result<Indexer.Preparation, any Error>) {
        lock.lock()
        slots[slot] = value
        lock.unlock()
    }

    func values() -> [Result<Indexer.Preparation?, any Error>] {
        lock.lock()
        defer { lock.unlock() }
        return slots.map { slot in slot.map { $0.map { Optional($0) } } ?? .success(nil) }
    }
}
