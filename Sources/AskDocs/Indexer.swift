import DocumentStore
import Foundation
import Ingest

/// Why an index run cannot start.
public enum IndexerError: LocalizedError, Equatable, Sendable {
    /// The database's chunks carry terms of another kind than this indexer makes, so new chunks would not match.
    case searchTermsMismatch(database: String, stored: String, current: String)

    /// One actionable line.
    public var errorDescription: String? {
        switch self {
        case .searchTermsMismatch(let database, let stored, let current):
            "\(database) was built with search terms '\(stored)' but this askdocs makes '\(current)'; "
                + "index into a new database with --db"
        }
    }
}

/// Which files to index.
public struct IndexRequest: Sendable {
    /// Files and folders.
    public var paths: [String]
    /// Include globs (none: every file).
    public var include: [String]
    /// Exclude globs.
    public var exclude: [String]

    /// Creates a request.
    public init(paths: [String], include: [String] = [], exclude: [String] = []) {
        self.paths = paths
        self.include = include
        self.exclude = exclude
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
    /// only a database that cannot be used at all throws.
    public func run(_ request: IndexRequest, progress: (IndexProgress) -> Void = { _ in }) throws -> IndexReport {
        let start = Date()
        var report = IndexReport()
        let terms = try store.settingStoringIfAbsent(Self.termsSetting, termizer.identifier)
        guard terms == termizer.identifier else {
            throw IndexerError.searchTermsMismatch(database: store.path, stored: terms, current: termizer.identifier)
        }
        let walker = FileWalker(include: request.include, exclude: request.exclude, excludedRealPaths: databaseFiles())
        let walk = walker.walk(request.paths)
        report.documentsSkipped = walk.skipped
        report.documentsFailed = walk.failed
        report.filesSeen = walk.files.count
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
        for (index, file) in walk.files.enumerated() {
            let chunksBefore = report.chunksAdded
            let bytesBefore = bytesDone
            // Large files report progress while they are chunked, so the bar moves.
            try indexFile(file, into: &report) { fraction, chunks in
                tick(index, bytes: bytesBefore + Int64(Double(file.size) * fraction), chunks: chunksBefore + chunks)
            }
            bytesDone += file.size
            tick(index + 1, bytes: bytesDone, chunks: report.chunksAdded)
        }
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    /// Indexes one file into `report`; throws only for database failures that make further work pointless.
    func indexFile(
        _ file: SourceFile, into report: inout IndexReport,
        progress: (_ fraction: Double, _ chunks: Int) -> Void = { _, _ in }
    ) throws {
        var snapshot: FileSnapshot
        do {
            snapshot = try SourceFileReader(afterRead: afterRead).read(file.realPath)
        } catch {
            report.documentsFailed.append(FileIssue(path: file.path, reason: error.localizedDescription))
            return
        }
        report.bytesRead += snapshot.size
        var hash = SHA256()
        hash.update(snapshot.data)
        let contentHash = hash.finalizeHex()
        let previous = try store.sourceState(file.realPath)
        if let previous, previous.contentHash == contentHash {
            report.documentsUnchanged += previous.documentCount
            return
        }
        let result: ReadResult
        do {
            result = try reader.read(snapshot.data, path: file.realPath)
        } catch let error as IngestError {
            var reason = error.localizedDescription
            // A file that became empty or binary no longer holds its old documents; one that fails to read keeps them.
            if error.isSkip, previous != nil, try store.deleteSource(file.realPath) > 0 {
                reason += "; its earlier documents were removed from the index"
            }
            let issue = FileIssue(path: file.path, reason: reason)
            if error.isSkip { report.documentsSkipped.append(issue) } else { report.documentsFailed.append(issue) }
            return
        } catch {
            report.documentsFailed.append(FileIssue(path: file.path, reason: error.localizedDescription))
            return
        }
        // The raw bytes are not needed past this point; let a large file's buffer go before chunking.
        snapshot.data = Data()
        for warning in result.warnings {
            let issue = FileIssue(path: file.path, reason: warning)
            // A JSON Lines record that could not be read is a failed document; other warnings are repairs.
            if result.documents.first?.format == .jsonLines {
                report.documentsFailed.append(issue)
            } else {
                report.warnings.append(issue)
            }
        }
        do {
            let chunks = try store(
                result.documents, of: file, snapshot: snapshot, contentHash: contentHash, progress: progress)
            report.chunksAdded += chunks
            if previous == nil {
                report.documentsAdded += result.documents.count
            } else {
                report.documentsUpdated += result.documents.count
            }
        } catch let error as DatabaseError where Self.affectsEveryFile(error) {
            throw error
        } catch {
            report.documentsFailed.append(FileIssue(path: file.path, reason: error.localizedDescription))
        }
    }

    /// Replaces the file's documents in one transaction, streaming chunks into it; returns the chunks written.
    func store(
        _ documents: [IngestedDocument], of file: SourceFile, snapshot: FileSnapshot, contentHash: String,
        progress: (_ fraction: Double, _ chunks: Int) -> Void
    ) throws -> Int {
        try store.write { writer in
            try writer.deleteSource(file.realPath)
            var written = 0
            for (position, document) in documents.enumerated() {
                // Counting scalars costs a pass over the text; only worth it where progress within the file matters.
                let scalars = snapshot.size > Self.progressFileSize ? document.text.unicodeScalars.count : 0
                let id = try writer.insertDocument(
                    NewDocument(
                        key: document.identifier.map { "\(file.realPath)#\($0)" } ?? file.realPath,
                        sourcePath: file.realPath, contentHash: contentHash, size: snapshot.size,
                        modifiedAt: snapshot.modifiedAt, format: document.format.rawValue, language: document.language,
                        script: document.script?.rawValue, title: document.title, url: document.url,
                        text: document.text))
                var count = 0
                try chunker.forEachChunk(of: document.text, language: document.language) { chunk in
                    try beforeChunkWrite?(file.path, chunk.ordinal)
                    try writer.insertChunk(
                        NewChunk(
                            ordinal: chunk.ordinal, text: chunk.text, startOffset: chunk.startOffset,
                            endOffset: chunk.endOffset, tokenCount: chunk.tokenCount,
                            terms: termizer.terms(chunk.text).joined(separator: " ")),
                        documentID: id)
                    count += 1
                    if scalars > 0, count % 256 == 0 {
                        let within = Double(chunk.endOffset) / Double(scalars)
                        progress((Double(position) + within) / Double(documents.count), written + count)
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

    /// Files above this size report progress while they are chunked.
    static let progressFileSize: Int64 = 4 << 20

    /// Busy, full, read-only, I/O and corruption errors would fail every later file too.
    static func affectsEveryFile(_ error: DatabaseError) -> Bool {
        // SQLITE_BUSY 5, LOCKED 6, READONLY 8, IOERR 10, CORRUPT 11, FULL 13, CANTOPEN 14, NOTADB 26
        [5, 6, 8, 10, 11, 13, 14, 26].contains(error.code & 0xff)
    }

    /// The database file and its journals, which must never be indexed into themselves.
    func databaseFiles() -> Set<String> {
        let base = FileWalker.realPath(store.path) ?? store.path
        return [base, base + "-wal", base + "-shm", base + "-journal"]
    }
}
