import CSQLite
import Foundation
import Testing

@Suite("SQLite")
struct SQLiteTests {
    @Test("FTS5 with bm25() ranks the matching row first, in WAL mode")
    func fts5Query() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-sqlite-\(UUID())")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        var db: OpaquePointer?
        #expect(sqlite3_open(directory.appendingPathComponent("t.sqlite").path, &db) == SQLITE_OK)
        defer { sqlite3_close(db) }

        func exec(_ sql: String) { #expect(sqlite3_exec(db, sql, nil, nil, nil) == SQLITE_OK, "\(sql)") }
        var journal: OpaquePointer?
        sqlite3_prepare_v2(db, "PRAGMA journal_mode=WAL", -1, &journal, nil)
        #expect(sqlite3_step(journal) == SQLITE_ROW)
        #expect(String(cString: sqlite3_column_text(journal, 0)) == "wal")
        sqlite3_finalize(journal)

        exec("CREATE VIRTUAL TABLE chunks USING fts5(text)")
        var insert: OpaquePointer?
        sqlite3_prepare_v2(db, "INSERT INTO chunks(rowid, text) VALUES (?, ?)", -1, &insert, nil)
        let rows = [
            (1, "The Rhine flows through Basel and Cologne."),
            (2, "Photosynthesis converts light into chemical energy."),
            (3, "Basel lies on the Rhine; the Rhine is long."),
        ]
        for (id, text) in rows {
            sqlite3_bind_int64(insert, 1, Int64(id))
            sqlite3_bind_text(insert, 2, text, -1, csqlite_transient())
            #expect(sqlite3_step(insert) == SQLITE_DONE)
            sqlite3_reset(insert)
        }
        sqlite3_finalize(insert)

        var query: OpaquePointer?
        sqlite3_prepare_v2(db, "SELECT rowid FROM chunks WHERE chunks MATCH ? ORDER BY bm25(chunks)", -1, &query, nil)
        sqlite3_bind_text(query, 1, "rhine", -1, csqlite_transient())
        var found: [Int64] = []
        while sqlite3_step(query) == SQLITE_ROW { found.append(sqlite3_column_int64(query, 0)) }
        sqlite3_finalize(query)
        #expect(found == [3, 1])
    }
}
