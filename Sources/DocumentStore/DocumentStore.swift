import Foundation

/// The SQLite store of documents, chunks and the BM25 index. Thread-safe: every call holds one lock, so a store can
/// be shared across tasks; separate processes coordinate through SQLite's own locking (WAL, busy timeout).
public final class DocumentStore: @unchecked Sendable {
    // @unchecked: `database` is only touched while `lock` is held.
    private let database: Database
    // Recursive: a `snapshot` holds it across the store calls its body makes.
    private let lock = NSRecursiveLock()

    /// The database file.
    public var path: String { database.path }

    /// Opens or creates the store at `path`, creating its folder, and migrates the schema to the current version.
    public init(path: String) throws {
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent()
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        database = try Database(path: path)
        try Schema.migrate(database)
    }

    /// Opens the store without migrating past `schemaVersion` (tests of migrations).
    package init(path: String, schemaVersion: Int) throws {
        database = try Database(path: path)
        try Schema.migrate(database, to: schemaVersion)
    }

    private func locked<T>(_ body: (Database) throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body(database)
    }

    /// The schema version of the open database.
    public func schemaVersion() throws -> Int { try locked { try Schema.version(of: $0) } }

    // MARK: Writing

    /// Runs `body` in one `BEGIN IMMEDIATE` transaction: everything it writes is committed together, or nothing
    /// when it throws (or the process dies before the commit).
    public func write<T>(_ body: (DocumentWriter) throws -> T) throws -> T {
        try locked { database in
            try database.transaction(immediate: true) { try body(DocumentWriter(database: database)) }
        }
    }

    /// Opens a batch: a write transaction that the writes after it (each `write` a savepoint inside it) join, until
    /// `commitBatch` publishes them together. Readers in other connections see none of them before the commit, and a
    /// killed process loses only the open batch.
    public func beginBatch() throws {
        try locked { try $0.execute("BEGIN IMMEDIATE") }
    }

    /// Commits the open batch.
    public func commitBatch() throws {
        try locked { try $0.execute("COMMIT") }
    }

    /// Drops the open batch, if any.
    public func rollbackBatch() {
        locked { database in
            if database.inTransaction { try? database.execute("ROLLBACK") }
        }
    }

    /// Rows this connection has written since it opened: equal before and after work that changed nothing.
    public var totalChanges: Int { locked { $0.totalChanges } }

    /// Whether a batch (or another transaction) is open on this connection.
    public var inBatch: Bool { locked { $0.inTransaction } }

    /// Runs `body` in one read transaction: every store call it makes sees the same committed state (SQLite's WAL
    /// snapshot), whatever another process commits meanwhile. Inside an open batch it simply runs.
    public func snapshot<T>(_ body: () throws -> T) throws -> T {
        try locked { database in
            if database.inTransaction { return try body() }
            try database.execute("BEGIN DEFERRED")
            do {
                // A deferred transaction takes its snapshot at the first read.
                _ = try database.scalarInteger("SELECT count(*) FROM settings")
                let result = try body()
                try database.execute("COMMIT")
                return result
            } catch {
                if database.inTransaction { try? database.execute("ROLLBACK") }
                throw error
            }
        }
    }

    /// Replaces every document read from `sourcePath` with `documents` and their chunks, atomically.
    /// Returns the new document ids in order.
    @discardableResult
    public func replaceSource(_ sourcePath: String, with documents: [(document: NewDocument, chunks: [NewChunk])])
        throws
        -> [Int64]
    {
        try write { writer in
            try writer.deleteSource(sourcePath)
            return try documents.map { entry in
                let id = try writer.insertDocument(entry.document)
                for chunk in entry.chunks { try writer.insertChunk(chunk, documentID: id) }
                try writer.finishDocument(id, chunkCount: entry.chunks.count)
                return id
            }
        }
    }

    /// Deletes one document and its chunks; returns whether it existed.
    @discardableResult
    public func deleteDocument(id: Int64) throws -> Bool {
        try write { try $0.deleteDocument(id: id) }
    }

    /// Deletes every document read from `sourcePath`; returns how many.
    @discardableResult
    public func deleteSource(_ sourcePath: String) throws -> Int {
        try write { try $0.deleteSource(sourcePath) }
    }

    // MARK: Settings

    /// A stored setting, such as the kind of search terms the index was built with.
    public func setting(_ key: String) throws -> String? {
        try locked { try $0.scalarText("SELECT value FROM settings WHERE key = ?", [.text(key)]) }
    }

    /// Stores a setting, replacing an earlier value.
    public func setSetting(_ key: String, to value: String) throws {
        try locked { database in
            try database.transaction {
                try database.run(
                    // An equal value writes nothing, so a run that changed nothing has no changes to publish.
                    """
                    INSERT INTO settings (key, value) VALUES (?, ?)
                    ON CONFLICT(key) DO UPDATE SET value = excluded.value WHERE value IS NOT excluded.value
                    """,
                    [.text(key), .text(value)])
            }
        }
    }

    /// Removes a setting, if present.
    public func removeSetting(_ key: String) throws {
        try locked { try $0.run("DELETE FROM settings WHERE key = ?", [.text(key)]) }
    }

    /// The setting for `key`, stored as `value` if there is none yet; returns what is stored afterwards.
    public func settingStoringIfAbsent(_ key: String, _ value: String) throws -> String {
        try locked { database in
            try database.transaction {
                try database.run(
                    "INSERT INTO settings (key, value) VALUES (?, ?) ON CONFLICT(key) DO NOTHING",
                    [.text(key), .text(value)])
                return try database.scalarText("SELECT value FROM settings WHERE key = ?", [.text(key)]) ?? value
            }
        }
    }

    // MARK: Reading documents

    static let documentColumns =
        "id, key, source_path, content_hash, size, modified_at, format, language, script, title, url, ingested_at, chunk_count"

    static func document(from statement: Statement) -> StoredDocument {
        StoredDocument(
            id: statement.int64(0), key: statement.text(1) ?? "", sourcePath: statement.text(2) ?? "",
            contentHash: statement.text(3) ?? "", size: statement.int64(4),
            modifiedAt: Date(timeIntervalSince1970: statement.double(5)), format: statement.text(6) ?? "",
            language: statement.text(7), script: statement.text(8), title: statement.text(9), url: statement.text(10),
            ingestedAt: Date(timeIntervalSince1970: statement.double(11)), chunkCount: Int(statement.int64(12)))
    }

    private func documents(where clause: String, _ values: [SQLValue]) throws -> [StoredDocument] {
        try locked { database in
            let statement = try database.cached("SELECT \(Self.documentColumns) FROM documents \(clause)")
            try statement.bind(values)
            var result: [StoredDocument] = []
            while try statement.step() { result.append(Self.document(from: statement)) }
            statement.reset()
            return result
        }
    }

    /// The document with this id.
    public func document(id: Int64) throws -> StoredDocument? {
        try documents(where: "WHERE id = ?", [.integer(id)]).first
    }

    /// The document with this key.
    public func document(key: String) throws -> StoredDocument? {
        try documents(where: "WHERE key = ?", [.text(key)]).first
    }

    /// The documents read from `sourcePath`, in key order.
    public func documents(sourcePath: String) throws -> [StoredDocument] {
        try documents(where: "WHERE source_path = ? ORDER BY key", [.text(sourcePath)])
    }

    /// The documents whose source file has this content hash.
    public func documents(contentHash: String) throws -> [StoredDocument] {
        try documents(where: "WHERE content_hash = ? ORDER BY key", [.text(contentHash)])
    }

    /// Every document, in id order.
    public func allDocuments() throws -> [StoredDocument] {
        try documents(where: "ORDER BY id", [])
    }

    /// The extracted text of a document (what chunk offsets index into).
    public func text(ofDocument id: Int64) throws -> String? {
        try locked { try $0.scalarText("SELECT text FROM document_texts WHERE document_id = ?", [.integer(id)]) }
    }

    /// The scalars `start..<end` of a document's extracted text (SQLite's `substr` counts code points, which are
    /// Unicode scalars: no need to load the whole text); nil when the document does not exist.
    public func text(ofDocument id: Int64, from start: Int, to end: Int) throws -> String? {
        try locked {
            try $0.scalarText(
                "SELECT substr(text, ?, ?) FROM document_texts WHERE document_id = ?",
                [.integer(Int64(max(0, start) + 1)), .integer(Int64(max(0, end - max(0, start)))), .integer(id)])
        }
    }

    /// What the store holds for a source file: its recorded hash and document count, or nil if none.
    public func sourceState(_ sourcePath: String) throws -> SourceState? {
        try locked { database in
            let rows = try database.rows(
                """
                SELECT content_hash, count(*), max(size), max(modified_at), min(ingested_at) FROM documents
                WHERE source_path = ?
                GROUP BY content_hash
                """,
                [.text(sourcePath)])
            // Two different hashes cannot come from one committed write; treat such a source as changed.
            guard rows.count == 1, case .text(let hash) = rows[0][0], case .integer(let count) = rows[0][1] else {
                return nil
            }
            var state = SourceState(contentHash: hash, documentCount: Int(count))
            if case .integer(let size) = rows[0][2] { state.size = size }
            if case .real(let modified) = rows[0][3] { state.modifiedAt = Date(timeIntervalSince1970: modified) }
            if case .real(let stored) = rows[0][4] { state.storedAt = Date(timeIntervalSince1970: stored) }
            return state
        }
    }

    /// Numbers of documents and chunks.
    public func counts() throws -> (documents: Int, chunks: Int) {
        try locked { database in
            let documents = try database.scalarInteger("SELECT count(*) FROM documents") ?? 0
            let chunks = try database.scalarInteger("SELECT count(*) FROM chunks") ?? 0
            return (Int(documents), Int(chunks))
        }
    }

    // MARK: Reading chunks

    static let chunkSelect = """
        SELECT c.id, c.document_id, c.ordinal, c.text, c.start_offset, c.end_offset, c.token_count,
               d.key, d.source_path, d.title, d.language
        FROM chunks c JOIN documents d ON d.id = c.document_id
        """

    static func chunk(from statement: Statement) -> StoredChunk {
        StoredChunk(
            id: statement.int64(0), documentID: statement.int64(1), ordinal: Int(statement.int64(2)),
            text: statement.text(3) ?? "", startOffset: Int(statement.int64(4)), endOffset: Int(statement.int64(5)),
            tokenCount: Int(statement.int64(6)), documentKey: statement.text(7) ?? "",
            sourcePath: statement.text(8) ?? "", title: statement.text(9), language: statement.text(10))
    }

    private func chunks(where clause: String, _ values: [SQLValue]) throws -> [StoredChunk] {
        try locked { database in
            let statement = try database.cached("\(Self.chunkSelect) \(clause)")
            try statement.bind(values)
            var result: [StoredChunk] = []
            while try statement.step() { result.append(Self.chunk(from: statement)) }
            statement.reset()
            return result
        }
    }

    /// The chunks with these ids, in the order given; ids that do not exist are left out.
    public func chunks(ids: [Int64]) throws -> [StoredChunk] {
        var byID: [Int64: StoredChunk] = [:]
        // Bounded batches keep under SQLite's parameter limit.
        for start in stride(from: 0, to: ids.count, by: 500) {
            let batch = ids[start..<min(start + 500, ids.count)]
            let marks = Array(repeating: "?", count: batch.count).joined(separator: ",")
            for chunk in try chunks(where: "WHERE c.id IN (\(marks))", batch.map { .integer($0) }) {
                byID[chunk.id] = chunk
            }
        }
        return ids.compactMap { byID[$0] }
    }

    /// The chunks of one document in ordinal order.
    public func chunks(documentID: Int64) throws -> [StoredChunk] {
        try chunks(where: "WHERE c.document_id = ? ORDER BY c.ordinal", [.integer(documentID)])
    }

    /// The chunks of one document whose ordinals lie in `ordinals`, in ordinal order.
    public func chunks(documentID: Int64, ordinals: ClosedRange<Int>) throws -> [StoredChunk] {
        try chunks(
            where: "WHERE c.document_id = ? AND c.ordinal BETWEEN ? AND ? ORDER BY c.ordinal",
            [.integer(documentID), .integer(Int64(ordinals.lowerBound)), .integer(Int64(ordinals.upperBound))])
    }

    /// The search terms stored with each chunk of one document (what the FTS5 index was fed), by chunk id.
    public func searchTerms(ofDocument documentID: Int64) throws -> [Int64: String] {
        try locked { database in
            let statement = try database.cached("SELECT id, terms FROM chunks WHERE document_id = ?")
            try statement.bind([.integer(documentID)])
            var terms: [Int64: String] = [:]
            while try statement.step() { terms[statement.int64(0)] = statement.text(1) ?? "" }
            statement.reset()
            return terms
        }
    }

    /// Up to `limit` chunks with ids greater than `afterID`, in id order: pages through every chunk (for building the
    /// vector index).
    public func chunks(afterID: Int64, limit: Int) throws -> [StoredChunk] {
        try chunks(where: "WHERE c.id > ? ORDER BY c.id LIMIT ?", [.integer(afterID), .integer(Int64(max(0, limit)))])
    }

    // MARK: BM25

    /// The `limit` best chunks for `terms` by BM25 (an OR of the distinct terms), restricted by `filter`.
    /// Terms are matched as FTS5 strings, so `p1234` style words match exactly; other text is split by unicode61.
    public func search(terms: [String], limit: Int, filter: SearchFilter = .none) throws -> [SearchHit] {
        guard limit > 0 else { return [] }
        var seen = Set<String>()
        let distinct = terms.filter { !$0.isEmpty && seen.insert($0).inserted }
        guard !distinct.isEmpty else { return [] }
        let match = distinct.map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }
            .joined(separator: " OR ")
        var (conditions, values) = Self.conditions(for: filter)
        conditions.insert("chunks_fts MATCH ?", at: 0)
        values.insert(.text(match), at: 0)
        values.append(.integer(Int64(limit)))
        let sql = """
            SELECT c.id, c.document_id, bm25(chunks_fts) AS rank
            FROM chunks_fts JOIN chunks c ON c.id = chunks_fts.rowid JOIN documents d ON d.id = c.document_id
            WHERE \(conditions.joined(separator: " AND "))
            ORDER BY rank, c.id LIMIT ?
            """
        return try locked { database in
            let statement = try database.cached(sql)
            try statement.bind(values)
            var hits: [SearchHit] = []
            while try statement.step() {
                hits.append(
                    SearchHit(chunkID: statement.int64(0), documentID: statement.int64(1), score: -statement.double(2)))
            }
            statement.reset()
            return hits
        }
    }

    /// The ids of every chunk whose document passes `filter` (for restricting a dense search to the same documents).
    public func chunkIDs(matching filter: SearchFilter) throws -> Set<Int64> {
        let (conditions, values) = Self.conditions(for: filter)
        let clause = conditions.isEmpty ? "" : "WHERE " + conditions.joined(separator: " AND ")
        return try locked { database in
            let statement = try database.cached(
                "SELECT c.id FROM chunks c JOIN documents d ON d.id = c.document_id \(clause)")
            try statement.bind(values)
            var ids = Set<Int64>()
            while try statement.step() { ids.insert(statement.int64(0)) }
            statement.reset()
            return ids
        }
    }

    /// SQL conditions on the documents table (aliased `d`) for a filter, with their bound values in order.
    static func conditions(for filter: SearchFilter) -> (conditions: [String], values: [SQLValue]) {
        var conditions: [String] = []
        var values: [SQLValue] = []
        if let prefix = filter.pathPrefix, !prefix.isEmpty {
            conditions.append("substr(d.source_path, 1, length(?)) = ?")
            values += [.text(prefix), .text(prefix)]
        }
        if let glob = filter.pathGlob {
            conditions.append("askdocs_glob(?, d.source_path)")
            values.append(.text(glob))
        }
        if !filter.languages.isEmpty {
            let languages = filter.languages.sorted()
            conditions.append("d.language IN (\(Array(repeating: "?", count: languages.count).joined(separator: ",")))")
            values += languages.map { .text($0) }
        }
        if let after = filter.modifiedAfter {
            conditions.append("d.modified_at > ?")
            values.append(.real(after.timeIntervalSince1970))
        }
        return (conditions, values)
    }

    // MARK: Integrity

    /// What SQLite's own `PRAGMA integrity_check` reports: empty when the file's pages, indexes and constraints are
    /// sound.
    public func sqliteIntegrityProblems() throws -> [String] {
        try locked { database in
            try database.rows("PRAGMA integrity_check").compactMap { row in
                guard case .text(let line) = row.first, line != "ok" else { return nil }
                return line
            }
        }
    }

    /// Every document whose chunks do not match what was written with it: a count different from `chunk_count`,
    /// ordinals that are not 0..<n, or a chunk whose offsets do not slice its text out of the document.
    public func integrityProblems() throws -> [IntegrityProblem] {
        var problems: [IntegrityProblem] = []
        for document in try allDocuments() {
            func report(_ problem: String) {
                problems.append(IntegrityProblem(documentID: document.id, key: document.key, problem: problem))
            }
            let chunks = try chunks(documentID: document.id)
            if chunks.count != document.chunkCount {
                report("has \(chunks.count) chunks, \(document.chunkCount) were written")
            }
            if chunks.map(\.ordinal) != Array(0..<chunks.count) { report("chunk ordinals are not 0..<\(chunks.count)") }
            guard let text = try text(ofDocument: document.id) else {
                report("has no stored text")
                continue
            }
            let scalars = Array(text.unicodeScalars)
            for chunk in chunks {
                guard chunk.startOffset <= chunk.endOffset, chunk.endOffset <= scalars.count else {
                    report("chunk \(chunk.ordinal) offsets \(chunk.startOffset)..<\(chunk.endOffset) out of range")
                    continue
                }
                var slice = String.UnicodeScalarView()
                slice.append(contentsOf: scalars[chunk.startOffset..<chunk.endOffset])
                if String(slice) != chunk.text { report("chunk \(chunk.ordinal) text differs from its offsets") }
            }
        }
        let orphans = try locked {
            try $0.scalarInteger("SELECT count(*) FROM chunks WHERE document_id NOT IN (SELECT id FROM documents)") ?? 0
        }
        if orphans > 0 {
            problems.append(IntegrityProblem(documentID: 0, key: "", problem: "\(orphans) orphan chunks"))
        }
        return problems
    }
}

/// Writes documents and chunks inside one `DocumentStore.write` transaction; valid only inside that closure.
public struct DocumentWriter {
    fileprivate let database: Database

    /// Deletes every document from `sourcePath` (their chunks and index rows cascade); returns how many.
    @discardableResult
    public func deleteSource(_ sourcePath: String) throws -> Int {
        try database.run("DELETE FROM documents WHERE source_path = ?", [.text(sourcePath)])
        return database.changes
    }

    /// Deletes one document; returns whether it existed.
    @discardableResult
    public func deleteDocument(id: Int64) throws -> Bool {
        try database.run("DELETE FROM documents WHERE id = ?", [.integer(id)])
        return database.changes > 0
    }

    /// Moves every document of `oldPath` to `newPath` (a renamed file with the same content): keys and paths
    /// change, ids, chunks and so vectors stay. Returns the documents moved.
    @discardableResult
    public func moveSource(_ oldPath: String, to newPath: String, modifiedAt: Date) throws -> Int {
        // A key is the path, or the path and '#' and a record id (JSON Lines): keep what follows the path.
        try database.run(
            """
            UPDATE documents SET source_path = ?1, key = ?1 || substr(key, length(?2) + 1), modified_at = ?3
            WHERE source_path = ?2
            """,
            [.text(newPath), .text(oldPath), .real(modifiedAt.timeIntervalSince1970)])
        return database.changes
    }

    /// Inserts a document (replacing one with the same key) and returns its id. The text is bound without a copy.
    public func insertDocument(_ document: NewDocument) throws -> Int64 {
        try database.run("DELETE FROM documents WHERE key = ?", [.text(document.key)])
        try database.run(
            """
            INSERT INTO documents (key, source_path, content_hash, size, modified_at, format, language, script, title,
                                   url, ingested_at, chunk_count)
            VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)
            """,
            [
                .text(document.key), .text(document.sourcePath), .text(document.contentHash), .integer(document.size),
                .real(document.modifiedAt.timeIntervalSince1970), .text(document.format),
                Self.optional(document.language),
                Self.optional(document.script), Self.optional(document.title), Self.optional(document.url),
                .real(Date().timeIntervalSince1970),
            ])
        let id = database.lastInsertRowID
        let statement = try database.cached("INSERT INTO document_texts (document_id, text) VALUES (?, ?)")
        try statement.bind(.integer(id), at: 1)
        try statement.runBindingLargeText(document.text, at: 2)
        statement.reset()
        return id
    }

    /// Inserts one chunk of a document inserted in this transaction; returns the chunk id.
    @discardableResult
    public func insertChunk(_ chunk: NewChunk, documentID: Int64) throws -> Int64 {
        guard chunk.startOffset >= 0, chunk.endOffset >= chunk.startOffset else {
            throw DocumentStoreError.invalidArgument(
                "chunk \(chunk.ordinal) has invalid offsets \(chunk.startOffset)..<\(chunk.endOffset)")
        }
        try database.run(
            """
            INSERT INTO chunks (document_id, ordinal, start_offset, end_offset, token_count, text, terms)
            VALUES (?, ?, ?, ?, ?, ?, ?)
            """,
            [
                .integer(documentID), .integer(Int64(chunk.ordinal)), .integer(Int64(chunk.startOffset)),
                .integer(Int64(chunk.endOffset)), .integer(Int64(chunk.tokenCount)), .text(chunk.text),
                .text(chunk.terms),
            ])
        return database.lastInsertRowID
    }

    /// Records how many chunks the document has, so that readers can verify they see all of them.
    public func finishDocument(_ documentID: Int64, chunkCount: Int) throws {
        try database.run(
            "UPDATE documents SET chunk_count = ? WHERE id = ?", [.integer(Int64(chunkCount)), .integer(documentID)])
    }

    private static func optional(_ text: String?) -> SQLValue { text.map { .text($0) } ?? .null }
}
