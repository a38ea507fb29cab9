import CSQLite
import Foundation
import Testing

@testable import DocumentStore

@Suite("Result codes")
struct ResultCodeTests {
    @Test("named constants equal SQLite's own numbers")
    func constants() {
        #expect(ResultCode.SQLITE_BUSY.rawValue == SQLITE_BUSY)
        #expect(ResultCode.SQLITE_LOCKED.rawValue == SQLITE_LOCKED)
        #expect(ResultCode.SQLITE_CONSTRAINT.rawValue == SQLITE_CONSTRAINT)
        #expect(ResultCode.SQLITE_NOTADB.rawValue == SQLITE_NOTADB)
        #expect(ResultCode.SQLITE_DONE.rawValue == SQLITE_DONE)
        #expect(ResultCode.SQLITE_CONSTRAINT_UNIQUE.rawValue == 2067)
        #expect(ResultCode.SQLITE_CONSTRAINT_FOREIGNKEY.rawValue == 787)
        #expect(ResultCode.SQLITE_BUSY_SNAPSHOT.rawValue == 517)
        #expect(ResultCode.SQLITE_IOERR_SHORT_READ.rawValue == 522)
    }

    @Test("an extended code folds to its primary code; a primary pattern matches the whole family")
    func families() {
        let unique = ResultCode.SQLITE_CONSTRAINT_UNIQUE
        #expect(unique.isExtended)
        #expect(!ResultCode.SQLITE_CONSTRAINT.isExtended)
        #expect(unique.primaryResultCode == .SQLITE_CONSTRAINT)
        #expect(ResultCode.SQLITE_CONSTRAINT ~= unique)
        #expect(ResultCode.SQLITE_CONSTRAINT_UNIQUE ~= unique)
        #expect(!(ResultCode.SQLITE_CONSTRAINT_NOTNULL ~= unique))
        #expect(!(ResultCode.SQLITE_BUSY ~= unique))
        #expect(!(ResultCode.SQLITE_CONSTRAINT_UNIQUE ~= .SQLITE_CONSTRAINT))
    }

    @Test("the description is SQLite's text and the number")
    func description() {
        #expect(ResultCode.SQLITE_BUSY.description == "database is locked (code 5)")
    }

    @Test("a duplicate key throws the extended UNIQUE code, a NOT NULL violation its own")
    func constraintErrors() throws {
        let folder = try TemporaryDirectory()
        let database = try Database(path: folder.path("a.sqlite"))
        try database.execute("CREATE TABLE t (x INTEGER UNIQUE, y TEXT NOT NULL)")
        try database.run("INSERT INTO t VALUES (1, 'a')")
        do {
            try database.run("INSERT INTO t VALUES (1, 'b')")
            Issue.record("expected a constraint error")
        } catch let error as DatabaseError {
            #expect(error.resultCode == .SQLITE_CONSTRAINT_UNIQUE)
            #expect(error.primaryResultCode == .SQLITE_CONSTRAINT)
            #expect(!error.isBusy)
        }
        do {
            try database.run("INSERT INTO t VALUES (2, NULL)")
            Issue.record("expected a constraint error")
        } catch let error as DatabaseError {
            #expect(error.resultCode == .SQLITE_CONSTRAINT_NOTNULL)
        }
    }

    @Test("a file that is not a database fails with SQLITE_NOTADB")
    func notADatabase() throws {
        let folder = try TemporaryDirectory()
        let path = folder.path("a.sqlite")
        try Data(repeating: 0x41, count: 4096).write(to: URL(fileURLWithPath: path))
        #expect {
            _ = try Database(path: path)
        } throws: { error in
            (error as? DatabaseError)?.primaryResultCode == .SQLITE_NOTADB
        }
    }
}
