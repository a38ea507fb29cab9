/// The PostgreSQL schema as ordered migrations; `askdocs_schema.version` records how many have run. Tables carry
/// an `askdocs_` prefix so an index can share a database with other data.
enum PostgresSchema {
    /// The version this build writes.
    static let currentVersion = migrations.count

    /// Migration `n` (1-based) upgrades version `n - 1` to `n`. Never edit a shipped one: append.
    static let migrations: [String] = [
        // 1: documents, chunks (scalar offsets, the generation that wrote them), BM25 postings with the statistics
        // FTS5's formula needs (rows, tokens, document frequencies), and settings. Embeddings get their table when
        // the first vectors are published, because its column type carries the model's dimension.
        """
        CREATE TABLE askdocs_settings (
            key text PRIMARY KEY,
            value text NOT NULL
        );
        CREATE TABLE askdocs_documents (
            id bigint PRIMARY KEY,
            key text NOT NULL UNIQUE,
            source_path text NOT NULL,
            content_hash text NOT NULL,
            size bigint NOT NULL,
            modified_at double precision NOT NULL,
            format text NOT NULL,
            language text,
            script text,
            title text,
            url text,
            ingested_at double precision NOT NULL,
            chunk_count integer NOT NULL,
            text text NOT NULL,
            fingerprint text NOT NULL,
            generation bigint NOT NULL
        );
        CREATE INDEX askdocs_documents_by_language ON askdocs_documents (language);
        CREATE TABLE askdocs_chunks (
            id bigint PRIMARY KEY,
            document_id bigint NOT NULL REFERENCES askdocs_documents (id) ON DELETE CASCADE,
            ordinal integer NOT NULL,
            start_offset integer NOT NULL,
            end_offset integer NOT NULL,
            token_count integer NOT NULL,
            text text NOT NULL,
            term_count integer NOT NULL,
            generation bigint NOT NULL,
            UNIQUE (document_id, ordinal),
            CHECK (start_offset >= 0 AND end_offset >= start_offset)
        );
        CREATE TABLE askdocs_postings (
            term text NOT NULL,
            chunk_id bigint NOT NULL REFERENCES askdocs_chunks (id) ON DELETE CASCADE,
            tf integer NOT NULL,
            PRIMARY KEY (term, chunk_id)
        );
        CREATE INDEX askdocs_postings_by_chunk ON askdocs_postings (chunk_id);
        CREATE TABLE askdocs_terms (
            term text PRIMARY KEY,
            df bigint NOT NULL
        );
        CREATE TABLE askdocs_corpus (
            singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
            rows bigint NOT NULL,
            tokens bigint NOT NULL
        );
        INSERT INTO askdocs_corpus (singleton, rows, tokens) VALUES (true, 0, 0);
        """
    ]

    /// An embeddings table `table` for `dimension`-sized vectors, with its HNSW index (inner product: the vectors
    /// are normalised, so it ranks as cosine). A publish builds a new model's vectors in a table of the
    /// generation's own name and renames it `askdocs_embeddings` at its end; its index and constraints keep names
    /// derived from that first name, unique per generation.
    static func embeddings(dimension: Int, table: String = "askdocs_embeddings") -> String {
        """
        CREATE TABLE \(table) (
            chunk_id bigint PRIMARY KEY REFERENCES askdocs_chunks (id) ON DELETE CASCADE,
            embedding vector(\(dimension)) NOT NULL
        );
        CREATE INDEX \(table)_hnsw ON \(table) USING hnsw (embedding vector_ip_ops);
        """
    }

    /// Upgrades the database to the current version in one transaction, serialised between processes by an
    /// advisory lock; refuses a database of a newer schema.
    static func migrate(_ session: PostgresSession) throws {
        try session.transaction {
            try session.execute(
                """
                SELECT pg_advisory_xact_lock(7135521);
                \(session.url.schema.map { "CREATE SCHEMA IF NOT EXISTS \($0);" } ?? "")
                CREATE TABLE IF NOT EXISTS askdocs_schema (version integer NOT NULL);
                """)
            let rows = try session.query("SELECT version FROM askdocs_schema")
            let found = try rows.first.map { try $0.value(0, Int.self) } ?? 0
            guard found <= currentVersion else {
                throw PostgresStoreError.schemaTooNew(
                    url: session.url.description, found: found, supported: currentVersion)
            }
            guard found < currentVersion else { return }
            do {
                try session.execute("CREATE EXTENSION IF NOT EXISTS vector")
            } catch PostgresStoreError.statementFailed(_, _, let message) {
                throw PostgresStoreError.noVectorExtension(url: session.url.description, reason: message)
            }
            for version in (found + 1)...currentVersion {
                try session.execute(migrations[version - 1])
            }
            try session.execute("DELETE FROM askdocs_schema; INSERT INTO askdocs_schema VALUES (\(currentVersion))")
        }
    }
}
