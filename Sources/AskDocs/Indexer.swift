import DocumentStore
import Foundation
import Ingest

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
        let walker = FileWalker(include: request.include, exclude: request.exclude, excludedRealPaths: databaseFiles())
        let walk = walker.walk(request.paths)
        report.documentsSkipped = walk.skipped
        report.documentsFailed = walk.failed
        report.filesSeen = walk.files.count
        let bytesTotal = walk.files.reduce(Int64(0)) { $0 + $1.size }
        var bytesDone: Int64 = 0
        func tick(_ filesDone: Int) {
            progress(
                IndexProgress(
                    filesDone: filesDone, filesTotal: walk.files.count, bytesDone: bytesDone, bytesTotal: bytesTotal,
                    chunksAdded: report.chunksAdded, elapsed: Date().timeIntervalSince(start)))
        }
        tick(0)
        for (index, file) in walk.files.enumerated() {
            try indexFile(file, into: &report)
            bytesDone += file.size
            tick(index + 1)
        }
        report.seconds = Date().timeIntervalSince(start)
        return report
    }

    /// Indexes one file into `report`; throws only for database failures that make further work pointless.
    func indexFile(_ file: SourceFile, into report: inout IndexReport) throws {
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
            let issue = FileIssue(path: file.path, reason: error.localizedDescription)
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
            let chunks = try store(result.documents, of: file, snapshot: snapshot, contentHash: contentHash)
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
    func store(_ documents: [IngestedDocument], of file: SourceFile, snapshot: FileSnapshot, contentHash: String) throws
        -> Int
    {
        try store.write { writer in
            try writer.deleteSource(file.realPath)
            var written = 0
            for document in documents {
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
                }
                try writer.finishDocument(id, chunkCount: count)
                written += count
            }
            return written
        }
    }

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
