import Foundation

/// The database schema as an ordered list of migrations; `PRAGMA user_version` records how many have run.
package enum Schema {
    /// The schema version this build writes.
    package static let currentVersion = migrations.count

    /// Triggers that keep the external-content FTS5 table in step with `chunks`, then a rebuild of the index
    /// from the rows present. Used by every migration that (re)creates `chunks` or its FTS table.
    private static let ftsSync = """
        CREATE TRIGGER chunks_fts_insert AFTER INSERT ON chunks BEGIN
            INSERT INTO chunks_fts(rowid, terms) VALUES (new.id, new.terms);
        END;
        CREATE TRIGGER chunks_fts_delete AFTER DELETE ON chunks BEGIN
            INSERT INTO chunks_fts(chunks_fts, rowid, terms) VALUES ('delete', old.id, old.terms);
        END;
        CREATE TRIGGER chunks_fts_update AFTER UPDATE OF terms ON chunks BEGIN
            INSERT INTO chunks_fts(chunks_fts, rowid, terms) VALUES ('delete', old.id, old.terms);
            INSERT INTO chunks_fts(rowid, terms) VALUES (new.id, new.terms);
        END;
        INSERT INTO chunks_fts(chunks_fts) VALUES ('rebuild');
        """

    /// Migration `n` (1-based) upgrades a database at version `n - 1` to version `n`. Never edit a shipped one:
    /// append a new one.
    package static let migrations: [String] = [
        // 1: documents and their chunks, with Unicode-scalar offsets into the document's extracted text. The text has
        // its own table so that metadata rows stay small: updating one never rewrites a large text.
        """
        CREATE TABLE documents (
            id INTEGER PRIMARY KEY,
            key TEXT NOT NULL UNIQUE,
            source_path TEXT NOT NULL,
            content_hash TEXT NOT NULL,
            size INTEGER NOT NULL,
            modified_at REAL NOT NULL,
            format TEXT NOT NULL,
            language TEXT,
            script TEXT,
            title TEXT,
            url TEXT,
            ingested_at REAL NOT NULL,
            chunk_count INTEGER NOT NULL DEFAULT 0
        );
        CREATE TABLE document_texts (
            document_id INTEGER PRIMARY KEY REFERENCES documents(id) ON DELETE CASCADE,
            text TEXT NOT NULL
        );
        CREATE INDEX documents_by_source ON documents(source_path);
        CREATE INDEX documents_by_hash ON documents(content_hash);
        CREATE TABLE chunks (
            id INTEGER PRIMARY KEY,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            start_offset INTEGER NOT NULL,
            end_offset INTEGER NOT NULL,
            token_count INTEGER NOT NULL,
            text TEXT NOT NULL,
            terms TEXT NOT NULL DEFAULT '',
            UNIQUE (document_id, ordinal),
            CHECK (start_offset >= 0 AND end_offset >= start_offset)
        );
        """,
        // 2: the BM25 index. External content (the terms live in `chunks`), kept in step by triggers; terms are
        // caller-made words such as `p1234` that the unicode61 tokenizer keeps whole.
        """
        CREATE VIRTUAL TABLE chunks_fts USING fts5(
            terms, content='chunks', content_rowid='id', tokenize='unicode61 remove_diacritics 0'
        );
        \(ftsSync)
        """,
        // 3: settings that must stay the same for the life of an index (which search terms its chunks carry).
        """
        CREATE TABLE settings (
            key TEXT PRIMARY KEY,
            value TEXT NOT NULL
        );
        """,
        // 4: chunk ids are never reused. A plain INTEGER PRIMARY KEY hands a deleted last chunk's id to the next
        // insert, and the vector index (keyed by chunk id) would then pair the new chunk with the old vector.
        // SQLite cannot add AUTOINCREMENT in place: copy into a new table, swap, recreate the FTS triggers.
        """
        CREATE TABLE chunks_v4 (
            id INTEGER PRIMARY KEY AUTOINCREMENT,
            document_id INTEGER NOT NULL REFERENCES documents(id) ON DELETE CASCADE,
            ordinal INTEGER NOT NULL,
            start_offset INTEGER NOT NULL,
            end_offset INTEGER NOT NULL,
            token_count INTEGER NOT NULL,
            text TEXT NOT NULL,
            terms TEXT NOT NULL DEFAULT '',
            UNIQUE (document_id, ordinal),
            CHECK (start_offset >= 0 AND end_offset >= start_offset)
        );
        INSERT INTO chunks_v4 (id, document_id, ordinal, start_offset, end_offset, token_count, text, terms)
            SELECT id, document_id, ordinal, start_offset, end_offset, token_count, text, terms FROM chunks;
        DROP TABLE chunks;
        ALTER TABLE chunks_v4 RENAME TO chunks;
        \(ftsSync)
        """,
    ]

    /// The version recorded in the database.
    package static func version(of database: Database) throws -> Int {
        Int(try database.scalarInteger("PRAGMA user_version") ?? 0)
    }

    /// Upgrades `database` to `target` (default: current), each step in its own transaction; refuses a database
    /// written by a newer schema.
    package static func migrate(_ database: Database, to target: Int = currentVersion) throws {
        let found = try version(of: database)
        guard found <= currentVersion else {
            throw DocumentStoreError.schemaTooNew(path: database.path, found: found, supported: currentVersion)
        }
        guard found < target else { return }
        for version in (found + 1)...target {
            try database.transaction {
                // Re-read inside the write lock: another process may have migrated meanwhile.
                guard try Schema.version(of: database) == version - 1 else { return }
                try database.execute(migrations[version - 1])
                try database.execute("PRAGMA user_version = \(version)")
            }
        }
    }
}
