import DocumentStore
import Foundation
import PostgresNIO

/// What one publish changed.
public struct PostgresPublishReport: Sendable, Equatable {
    /// The generation now published.
    public var generation: Int64
    /// Documents written (new or changed) and removed.
    public var documentsWritten = 0
    /// Documents removed (gone from the source, or changed and rewritten).
    public var documentsRemoved = 0
    /// Chunks and vectors written.
    public var chunksWritten = 0
    /// Whether every embedding was replaced (the retriever changed).
    public var vectorsReplaced = false
}

/// Publishes a writer's generation to PostgreSQL in one transaction: the documents whose fingerprints changed are
/// rewritten, removed ones deleted, the BM25 statistics adjusted by what was added and removed, and the generation
/// number advanced. Readers see the previous generation until the commit and the new one whole after it; a writer
/// killed before the commit leaves nothing behind. One writer per index at a time (an advisory lock on its schema, so
/// writers on different machines exclude each other too).
public struct PostgresPublisher {
    /// A batch of documents written in one statement per table: few enough that a batch's arrays stay a few MB.
    static let batchDocuments = 256
    /// The chunks a batch may hold.
    static let batchChunks = 2_048

    /// The setting holding the published generation's number.
    public static let generationSetting = "generation"
    /// The setting holding the vectors' model identity.
    public static let vectorModelSetting = "vector_model"
    /// The setting holding the vectors' size.
    public static let dimensionSetting = "vector_dimension"

    /// The index written.
    public let index: PostgresIndex

    /// A publisher into `index` (its schema is created or upgraded first).
    public init(index: PostgresIndex) throws {
        self.index = index
        try index.pool.withSession { try PostgresSchema.migrate($0) }
    }

    /// Publishes `source` as the next generation; `progress` hears (documents written, documents to write).
    /// `rewrite` deletes every document and resets the statistics first, so that the generation is written from
    /// nothing (a repair of rows or statistics damaged by hand); otherwise only what changed is written.
    @discardableResult
    public func publish(
        _ source: any GenerationSource, rewrite: Bool = false, progress: (Int, Int) -> Void = { _, _ in }
    ) throws -> PostgresPublishReport {
        let local = try source.documentFingerprints()
        return try index.pool.withSession { session in
            try session.transaction {
                let locked = try session.query("SELECT pg_try_advisory_xact_lock(7135522, hashtext(current_schema()))")
                guard try locked.first?.value(0, Bool.self) == true else {
                    throw PostgresStoreError.writerBusy(url: index.location)
                }
                let settings = try Self.settings(session)
                let published = settings[Self.generationSetting].flatMap { Int64($0) } ?? 0
                var report = PostgresPublishReport(generation: published + 1)

                let vectorsChanged =
                    rewrite || settings[Self.vectorModelSetting] != source.vectorModel
                    || settings[Self.dimensionSetting] != source.dimension.map(String.init)
                if rewrite {
                    try session.execute(
                        """
                        DELETE FROM askdocs_documents; DELETE FROM askdocs_terms;
                        UPDATE askdocs_corpus SET rows = 0, tokens = 0
                        """)
                }
                var stored: [Int64: String] = [:]
                for row in try session.query("SELECT id, fingerprint FROM askdocs_documents") {
                    stored[try row.value(0, Int64.self)] = try row.value(1, String.self)
                }
                // Another model's vectors cannot be kept: every document is rewritten with the new ones, into a
                // table of this generation's own, so that readers keep reading the published vectors (dropping
                // their table here would make every dense search wait for the whole rewrite).
                var embeddingsTable = "askdocs_embeddings"
                if vectorsChanged {
                    if let dimension = source.dimension, source.vectorModel != nil {
                        embeddingsTable = "askdocs_embeddings_g\(report.generation)"
                        try session.execute("DROP TABLE IF EXISTS \(embeddingsTable)")
                        try session.execute(PostgresSchema.embeddings(dimension: dimension, table: embeddingsTable))
                    }
                    report.vectorsReplaced = !stored.isEmpty
                }
                let removed = stored.keys.filter { id in vectorsChanged || local[id] != stored[id] }.sorted()
                let written = local.keys.filter { id in vectorsChanged || stored[id] != local[id] }.sorted()
                try Self.remove(documents: removed, session: session)
                report.documentsRemoved = removed.count
                var batch: [GenerationDocument] = []
                var batchChunks = 0
                func flush(through done: Int) throws {
                    try Self.insert(
                        batch, generation: report.generation, embeddings: embeddingsTable, session: session)
                    report.documentsWritten += batch.count
                    report.chunksWritten += batchChunks
                    (batch, batchChunks) = ([], 0)
                    progress(done, written.count)
                }
                for (done, id) in written.enumerated() {
                    guard let document = try source.document(id: id) else { continue }
                    batch.append(document)
                    batchChunks += document.chunks.count
                    if batch.count >= Self.batchDocuments || batchChunks >= Self.batchChunks {
                        try flush(through: done + 1)
                    }
                }
                if !batch.isEmpty { try flush(through: written.count) }
                var records = source.settings
                records[Self.generationSetting] = String(report.generation)
                records[Self.vectorModelSetting] = source.vectorModel ?? ""
                records[Self.dimensionSetting] = source.dimension.map(String.init) ?? ""
                for (key, value) in records.sorted(by: { $0.key < $1.key }) {
                    if value.isEmpty && (key == Self.vectorModelSetting || key == Self.dimensionSetting) {
                        try session.query("DELETE FROM askdocs_settings WHERE key = $1", [PostgresData(string: key)])
                        continue
                    }
                    try session.query(
                        """
                        INSERT INTO askdocs_settings (key, value) VALUES ($1, $2)
                        ON CONFLICT (key) DO UPDATE SET value = EXCLUDED.value
                        """, [PostgresData(string: key), PostgresData(string: value)])
                }
                if report.documentsWritten + report.documentsRemoved > 0 {
                    // Fresh planner statistics committed with the generation (replicas get them too): after a
                    // first publish the planner would otherwise take the tables for empty until autovacuum runs.
                    let embeddings = source.vectorModel != nil && source.dimension != nil ? ", \(embeddingsTable)" : ""
                    try session.execute(
                        "ANALYZE askdocs_documents, askdocs_chunks, askdocs_postings, askdocs_terms, askdocs_corpus\(embeddings)"
                    )
                }
                if vectorsChanged {
                    // The swap, last: the only moment of the publish that readers wait for (the rename takes the
                    // table's exclusive lock until the commit, a few statements later).
                    try session.execute("DROP TABLE IF EXISTS askdocs_embeddings")
                    if embeddingsTable != "askdocs_embeddings" {
                        try session.execute("ALTER TABLE \(embeddingsTable) RENAME TO askdocs_embeddings")
                    }
                }
                return report
            }
        }
    }

    static func settings(_ session: PostgresSession) throws -> [String: String] {
        var settings: [String: String] = [:]
        for row in try session.query("SELECT key, value FROM askdocs_settings") {
            settings[try row.value(0, String.self)] = try row.value(1, String.self)
        }
        return settings
    }

    /// Deletes documents (their chunks, postings and vectors cascade), first taking their postings out of the
    /// BM25 statistics.
    static func remove(documents ids: [Int64], session: PostgresSession) throws {
        guard !ids.isEmpty else { return }
        let idArray = int64Array(ids)
        try session.query(
            """
            UPDATE askdocs_terms t SET df = t.df - gone.n
            FROM (SELECT p.term, count(*) AS n FROM askdocs_postings p JOIN askdocs_chunks c ON c.id = p.chunk_id
                  WHERE c.document_id = ANY($1) GROUP BY p.term) gone
            WHERE t.term = gone.term
            """, [idArray])
        try session.query(
            """
            UPDATE askdocs_corpus SET
                rows = rows - (SELECT count(*) FROM askdocs_chunks WHERE document_id = ANY($1)),
                tokens = tokens - (SELECT coalesce(sum(term_count), 0) FROM askdocs_chunks WHERE document_id = ANY($1))
            """, [idArray])
        try session.query("DELETE FROM askdocs_documents WHERE id = ANY($1)", [idArray])
        try session.query("DELETE FROM askdocs_terms WHERE df <= 0")
    }

    /// Writes documents with their chunks, postings and vectors, and adds their postings to the statistics: one
    /// statement per table for the whole batch (arrays unnested by the server), so a publish costs a few round
    /// trips per batch rather than per document.
    static func insert(
        _ documents: [GenerationDocument], generation: Int64, embeddings: String, session: PostgresSession
    ) throws {
        guard !documents.isEmpty else { return }
        let metas = documents.map(\.metadata)
        try session.query(
            """
            INSERT INTO askdocs_documents (id, key, source_path, content_hash, size, modified_at, format, language,
                script, title, url, ingested_at, chunk_count, text, fingerprint, generation)
            SELECT x.*, $16 FROM unnest($1::bigint[], $2::text[], $3::text[], $4::text[], $5::bigint[],
                $6::float8[], $7::text[], $8::text[], $9::text[], $10::text[], $11::text[], $12::float8[],
                $13::bigint[], $14::text[], $15::text[]) AS x
            """,
            [
                int64Array(metas.map(\.id)), textArray(metas.map(\.key)), textArray(metas.map(\.sourcePath)),
                textArray(metas.map(\.contentHash)), int64Array(metas.map(\.size)),
                doubleArray(metas.map(\.modifiedAt.timeIntervalSince1970)), textArray(metas.map(\.format)),
                textArray(metas.map(\.language)), textArray(metas.map(\.script)), textArray(metas.map(\.title)),
                textArray(metas.map(\.url)), doubleArray(metas.map(\.ingestedAt.timeIntervalSince1970)),
                int64Array(metas.map { Int64($0.chunkCount) }), textArray(documents.map(\.text)),
                textArray(documents.map(\.fingerprint)), PostgresData(int64: generation),
            ])
        var chunks: [(document: Int64, chunk: StoredChunk, terms: Int)] = []
        var postingTerms: [String] = []
        var postingChunks: [Int64] = []
        var postingFrequencies: [Int64] = []
        var vectors: [(Int64, [Float])] = []
        for document in documents {
            for item in document.chunks {
                let (counts, length) = FTS5Terms.frequencies(item.terms)
                chunks.append((document.metadata.id, item.chunk, length))
                for (term, count) in counts.sorted(by: { $0.key < $1.key }) {
                    postingTerms.append(term)
                    postingChunks.append(item.chunk.id)
                    postingFrequencies.append(Int64(count))
                }
                if let vector = item.vector { vectors.append((item.chunk.id, vector)) }
            }
        }
        guard !chunks.isEmpty else { return }
        try session.query(
            """
            INSERT INTO askdocs_chunks (id, document_id, ordinal, start_offset, end_offset, token_count, text,
                term_count, generation)
            SELECT x.*, $9 FROM unnest($1::bigint[], $2::bigint[], $3::bigint[], $4::bigint[], $5::bigint[],
                $6::bigint[], $7::text[], $8::bigint[]) AS x
            """,
            [
                int64Array(chunks.map(\.chunk.id)), int64Array(chunks.map(\.document)),
                int64Array(chunks.map { Int64($0.chunk.ordinal) }),
                int64Array(chunks.map { Int64($0.chunk.startOffset) }),
                int64Array(chunks.map { Int64($0.chunk.endOffset) }),
                int64Array(chunks.map { Int64($0.chunk.tokenCount) }), textArray(chunks.map(\.chunk.text)),
                int64Array(chunks.map { Int64($0.terms) }), PostgresData(int64: generation),
            ])
        if !postingTerms.isEmpty {
            let terms = textArray(postingTerms)
            try session.query(
                """
                INSERT INTO askdocs_postings (term, chunk_id, tf)
                SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[])
                """, [terms, int64Array(postingChunks), int64Array(postingFrequencies)])
            // A term's postings are one per chunk that has it: their count is what the batch adds to its df.
            try session.query(
                """
                INSERT INTO askdocs_terms (term, df) SELECT term, count(*) FROM unnest($1::text[]) AS x(term)
                GROUP BY term ON CONFLICT (term) DO UPDATE SET df = askdocs_terms.df + EXCLUDED.df
                """, [terms])
        }
        try session.query(
            "UPDATE askdocs_corpus SET rows = rows + $1, tokens = tokens + $2",
            [PostgresData(int: chunks.count), PostgresData(int: chunks.reduce(0) { $0 + $1.terms })])
        if !vectors.isEmpty {
            try session.query(
                """
                INSERT INTO \(embeddings) (chunk_id, embedding)
                SELECT id, v::vector FROM unnest($1::bigint[], $2::text[]) AS x(id, v)
                """,
                [
                    int64Array(vectors.map(\.0)),
                    textArray(vectors.map { PostgresSnapshot.vectorLiteral($0.1) }),
                ])
        }
    }

    static func textArray(_ values: [String?]) -> PostgresData {
        PostgresData(array: values.map { $0.map { PostgresData(string: $0) } }, elementType: .text)
    }

    static func doubleArray(_ values: [Double]) -> PostgresData {
        PostgresData(array: values.map { PostgresData(double: $0) }, elementType: .float8)
    }

    static func int64Array(_ values: [Int64]) -> PostgresData {
        PostgresData(array: values.map { PostgresData(int64: $0) }, elementType: .int8)
    }

    static func optional(_ value: String?) -> PostgresData {
        value.map { PostgresData(string: $0) } ?? PostgresData(type: .text, value: nil)
    }
}
