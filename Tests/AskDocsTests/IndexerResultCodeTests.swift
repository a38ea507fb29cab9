import DocumentStore
import Testing

@testable import AskDocs

@Suite("Indexer: database errors that stop the run")
struct IndexerResultCodeTests {
    @Test(
        "busy, locked, read-only, I/O, corrupt, full, cannot-open and not-a-database stop every file",
        arguments: [
            ResultCode.SQLITE_BUSY, .SQLITE_BUSY_SNAPSHOT, .SQLITE_LOCKED, .SQLITE_READONLY,
            .SQLITE_READONLY_DBMOVED, .SQLITE_IOERR, .SQLITE_IOERR_WRITE, .SQLITE_CORRUPT, .SQLITE_FULL,
            .SQLITE_CANTOPEN, .SQLITE_NOTADB,
        ])
    func fatal(code: ResultCode) {
        #expect(Indexer.affectsEveryFile(DatabaseError(resultCode: code, message: "x")))
    }

    @Test(
        "a constraint or a statement error concerns one file only",
        arguments: [ResultCode.SQLITE_CONSTRAINT_UNIQUE, .SQLITE_CONSTRAINT, .SQLITE_ERROR, .SQLITE_TOOBIG])
    func local(code: ResultCode) {
        #expect(!Indexer.affectsEveryFile(DatabaseError(resultCode: code, message: "x")))
    }
}
