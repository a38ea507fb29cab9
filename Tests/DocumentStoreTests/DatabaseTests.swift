import Foundation
import Testing

@testable import DocumentStore

@Suite("Database")
struct DatabaseTests {
    @Test("opens in WAL mode with foreign keys on")
    func pragmas() throws {
        let folder = try TemporaryDirectory()
        let database = try Database(path: folder.path("a.sqlite"))
        #expect(try database.scalarText("PRAGMA journal_mode") == "wal")
        #expect(try database.scalarInteger("PRAGMA foreign_keys") == 1)
        #expect(try database.scalarInteger("PRAGMA busy_timeout") == 10_000)
    }

    @Test("a failing statement throws sqlite's message and the SQL")
    func typedError() throws {
        let folder = try TemporaryDirectory()
        let database = try Database(path: folder.path("a.sqlite"))
        do {
            try database.run("SELECT * FROM missing_table")
            Issue.record("expected an error")
        } catch let error as DatabaseError {
            #expect(error.message.contains("no such table: missing_table"))
            #expect(error.sql == "SELECT * FROM missing_table")
            #expect(error.errorDescription?.contains("SELECT * FROM missing_table") == true)
        }
    }

    @Test("a transaction whose body throws is rolled back")
    func rollback() throws {
        let folder = try TemporaryDirectory()
        let database = try Database(path: folder.path("a.sqlite"))
        try database.execute("CREATE TABLE t (x INTEGER)")
        struct Boom: Error {}
        #expect(throws: Boom.self) {
            try database.transaction {
                try database.run("INSERT INTO t VALUES (1)")
                throw Boom()
            }
        }
        #expect(try database.scalarInteger("SELECT count(*) FROM t") == 0)
        #expect(!database.inTransaction)
        try database.transaction { try database.run("INSERT INTO t VALUES (?)", [.integer(7)]) }
        #expect(try database.rows("SELECT x FROM t") == [[.integer(7)]])
    }

    @Test("a second writer waits for the busy timeout instead of failing at once")
    func busyTimeout() throws {
        let folder = try TemporaryDirectory()
        let first = try Database(path: folder.path("a.sqlite"))
        let second = try Database(path: folder.path("a.sqlite"), busyTimeout: .milliseconds(50))
        try first.execute("CREATE TABLE t (x INTEGER)")
        try first.execute("BEGIN IMMEDIATE")
        let started = Date()
        do {
            try second.execute("BEGIN IMMEDIATE")
            Issue.record("expected SQLITE_BUSY")
        } catch let error as DatabaseError {
            #expect(error.isBusy)
        }
        #expect(Date().timeIntervalSince(started) >= 0.04)
        try first.execute("COMMIT")
        try second.transaction { try second.run("INSERT INTO t VALUES (1)") }
    }

    @Test("large text bound without a copy round-trips, including the empty string")
    func largeText() throws {
        let folder = try TemporaryDirectory()
        let database = try Database(path: folder.path("a.sqlite"))
        try database.execute("CREATE TABLE t (x TEXT)")
        for text in ["", "héllo 世界 😀", String(repeating: "abc ", count: 100_000)] {
            try database.run("DELETE FROM t")
            let statement = try database.cached("INSERT INTO t VALUES (?)")
            try statement.runBindingLargeText(text, at: 1)
            #expect(try database.scalarText("SELECT x FROM t") == text)
        }
    }
}
