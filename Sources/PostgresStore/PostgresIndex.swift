import DocumentStore
import Foundation
import PostgresNIO

/// The shared backend: an index in PostgreSQL with pgvector, read by any number of processes (a primary or its
/// streaming replicas) and written by one publisher. A read is one `REPEATABLE READ` transaction, so it sees exactly
/// one published generation: a publish is one transaction that readers see whole or not at all.
public final class PostgresIndex: PublishedIndex, @unchecked Sendable {
    // @unchecked: the only state is the pool, which locks itself.
    /// The database.
    public let url: PostgresURL
    let pool: PostgresConnectionPool

    /// Connects to the database at `url` (the schema is created or upgraded when `migrate`; a reader of a replica
    /// must not, since replicas are read-only).
    public init(url: PostgresURL, migrate: Bool = false) throws {
        self.url = url
        self.pool = PostgresConnectionPool(url: url)
        if migrate { try pool.withSession { try PostgresSchema.migrate($0) } }
    }

    /// Parses `text` and connects.
    public convenience init(_ text: String, migrate: Bool = false) throws {
        try self.init(url: try PostgresURL(text), migrate: migrate)
    }

    /// The URL without its password.
    public var location: String { url.description }

    /// Runs `body` in one read-only snapshot of the published generation, bounded by the URL's statement timeout
    /// or else `PostgresURL.defaultReadTimeout`.
    public func read<T>(_ body: (any IndexSnapshot) throws -> T) throws -> T {
        try pool.withSession { session in
            let previous = session.statementTimeout
            var begin = "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY"
            if url.statementTimeout == nil {
                begin += "; SET LOCAL statement_timeout = '\(PostgresURL.duration(PostgresURL.defaultReadTimeout))'"
                session.statementTimeout = PostgresURL.defaultReadTimeout
            }
            defer { session.statementTimeout = previous }
            return try session.transaction(begin) {
                try body(PostgresSnapshot(session: session, efSearch: url.efSearch))
            }
        }
    }

    /// Removes the index: its schema when the URL names one, else its tables (a scratch index's clean-up).
    public func drop() throws {
        try pool.withSession { session in
            if let schema = url.schema {
                try session.execute("DROP SCHEMA IF EXISTS \(schema) CASCADE")
            } else {
                try session.execute(
                    """
                    DROP TABLE IF EXISTS askdocs_embeddings, askdocs_postings, askdocs_terms, askdocs_corpus,
                        askdocs_chunks, askdocs_documents, askdocs_settings, askdocs_schema
                    """)
            }
        }
    }

    /// Whether the database holds the AskDocs schema (a published or empty index).
    public func hasSchema() throws -> Bool {
        try pool.withSession { session in
            let rows = try session.query("SELECT to_regclass('askdocs_documents') IS NOT NULL")
            return try rows.first?.value(0, Bool.self) ?? false
        }
    }
}

/// One read transaction of a `PostgresIndex`.
final class PostgresSnapshot: IndexSnapshot {
    let session: PostgresSession
    let efSearch: Int
    private var embeddingsExist: Bool?

    init(session: PostgresSession, efSearch: Int) {
        self.session = session
        self.efSearch = efSearch
    }

    var location: String { session.url.description }

    func generation() throws -> Int64? {
        try setting(PostgresPublisher.generationSetting).flatMap { Int64($0) }
    }

    func hasVectors() throws -> Bool {
        if let embeddingsExist { return embeddingsExist }
        let rows = try session.query("SELECT to_regclass('askdocs_embeddings') IS NOT NULL")
        let exists = try rows.first?.value(0, Bool.self) ?? false
        embeddingsExist = exists
        return exists
    }

    func setting(_ key: String) throws -> String? {
        let rows = try session.query("SELECT value FROM askdocs_settings WHERE key = $1", [PostgresData(string: key)])
        return try rows.first?.value(0, String.self)
    }

    func counts() throws -> (documents: Int, chunks: Int) {
        let rows = try session.query(
            "SELECT (SELECT count(*) FROM askdocs_documents), (SELECT count(*) FROM askdocs_chunks)")
        guard let row = rows.first else { return (0, 0) }
        return (try row.value(0, Int.self), try row.value(1, Int.self))
    }

    /// Published generations' vectors always have rows (foreign keys make it so).
    var vectorsHaveRows: Bool { true }

    func dense(_ query: [Float], limit: Int, filter: SearchFilter) throws -> [VectorMatch] {
        guard limit > 0 else { return [] }
        guard try hasVectors() else { throw PostgresStoreError.notAnIndex(url: location) }
        // HNSW returns at most ef_search candidates; iterative scans keep going past filtered-out ones in order.
        let breadth = min(max(efSearch, limit), PostgresURL.maxEfSearch)
        try session.execute(
            "SET LOCAL hnsw.ef_search = \(breadth); SET LOCAL hnsw.iterative_scan = strict_order")
        var binds = [PostgresData(string: Self.vectorLiteral(query))]
        let (joins, conditions) = try filterSQL(filter, binds: &binds)
        binds.append(PostgresData(int: limit))
        let rows = try session.query(
            """
            SELECT e.chunk_id, -(e.embedding <#> $1::vector) FROM askdocs_embeddings e \(joins) \(conditions)
            ORDER BY e.embedding <#> $1::vector LIMIT $\(binds.count)
            """, binds)
        return try rows.map { VectorMatch(chunkID: try $0.value(0, Int64.self), score: try $0.value(1, Double.self)) }
    }

    func chunks(ids: [Int64]) throws -> [StoredChunk] {
        guard !ids.isEmpty else { return [] }
        let rows = try session.query(
            "\(Self.chunkSelect) WHERE c.id = ANY($1)",
            [PostgresData(array: ids.map { PostgresData(int64: $0) }, elementType: .int8)])
        let byID = Dictionary(
            uniqueKeysWithValues: try rows.map { row in
                let chunk = try Self.chunk(row)
                return (chunk.id, chunk)
            })
        return ids.compactMap { byID[$0] }
    }

    func chunks(documentID: Int64, ordinals: ClosedRange<Int>) throws -> [StoredChunk] {
        let rows = try session.query(
            "\(Self.chunkSelect) WHERE c.document_id = $1 AND c.ordinal BETWEEN $2 AND $3 ORDER BY c.ordinal",
            [
                PostgresData(int64: documentID), PostgresData(int: ordinals.lowerBound),
                PostgresData(int: ordinals.upperBound),
            ])
        return try rows.map(Self.chunk)
    }

    func text(ofDocument id: Int64, from start: Int, to end: Int) throws -> String? {
        // Only the slice crosses the wire. Offsets are Unicode scalar indices, and in a UTF-8 database PostgreSQL's
        // characters are scalars too (substr counts from 1, and clamps at the end as the embedded backend does).
        let lower = max(0, start)
        let rows = try session.query(
            "SELECT substr(text, $2::integer, $3::integer) FROM askdocs_documents WHERE id = $1",
            [PostgresData(int64: id), PostgresData(int: lower + 1), PostgresData(int: max(0, end - lower))])
        return try rows.first?.value(0, String.self)
    }

    static let chunkSelect = """
        SELECT c.id, c.document_id, c.ordinal, c.text, c.start_offset, c.end_offset, c.token_count,
               d.key, d.source_path, d.title, d.language
        FROM askdocs_chunks c JOIN askdocs_documents d ON d.id = c.document_id
        """

    static func chunk(_ row: PostgresRandomAccessRow) throws -> StoredChunk {
        StoredChunk(
            id: try row.value(0, Int64.self), documentID: try row.value(1, Int64.self),
            ordinal: try row.value(2, Int.self), text: try row.value(3, String.self),
            startOffset: try row.value(4, Int.self), endOffset: try row.value(5, Int.self),
            tokenCount: try row.value(6, Int.self), documentKey: try row.value(7, String.self),
            sourcePath: try row.value(8, String.self), title: try row.value(9, String?.self),
            language: try row.value(10, String?.self))
    }

    /// pgvector's text form: `[0.1,0.2,…]` with every float written exactly (shortest round-trip digits).
    static func vectorLiteral(_ vector: [Float]) -> String {
        "[" + vector.map { $0.isFinite ? "\($0)" : "0" }.joined(separator: ",") + "]"
    }

    /// Joins and a WHERE clause restricting `e.chunk_id`/`c.id` rows to `filter`, appending their parameters.
    /// Globs are matched here with `PathGlob` (the meaning `index --glob` has), over the distinct source paths.
    func filterSQL(_ filter: SearchFilter, binds: inout [PostgresData], chunkColumn: String = "e.chunk_id") throws
        -> (joins: String, conditions: String)
    {
        guard filter != .none else { return ("", "") }
        var conditions: [String] = []
        if let prefix = filter.pathPrefix, !prefix.isEmpty {
            binds.append(PostgresData(string: prefix))
            conditions.append("left(d.source_path, length($\(binds.count))) = $\(binds.count)")
        }
        if let glob = filter.pathGlob {
            let pattern = PathGlob(glob)
            let rows = try session.query("SELECT DISTINCT source_path FROM askdocs_documents")
            let matching = try rows.map { try $0.value(0, String.self) }.filter(pattern.matches)
            binds.append(PostgresData(array: matching.map { PostgresData(string: $0) }, elementType: .text))
            conditions.append("d.source_path = ANY($\(binds.count))")
        }
        if !filter.languages.isEmpty {
            binds.append(
                PostgresData(array: filter.languages.sorted().map { PostgresData(string: $0) }, elementType: .text))
            conditions.append("d.language = ANY($\(binds.count))")
        }
        if let after = filter.modifiedAfter {
            binds.append(PostgresData(double: after.timeIntervalSince1970))
            conditions.append("d.modified_at > $\(binds.count)")
        }
        let joins =
            chunkColumn == "e.chunk_id"
            ? "JOIN askdocs_chunks c ON c.id = e.chunk_id JOIN askdocs_documents d ON d.id = c.document_id"
            : "JOIN askdocs_documents d ON d.id = c.document_id"
        return (joins, "WHERE " + conditions.joined(separator: " AND "))
    }
}
