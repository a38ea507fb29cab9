import CSQLite
import Foundation

/// A failed SQLite call: sqlite's result code and message, and the SQL that failed.
public struct DatabaseError: LocalizedError, Equatable, Sendable {
    /// SQLite's (extended) result code.
    public var resultCode: ResultCode
    /// The primary result code (the family of `resultCode`).
    public var primaryResultCode: ResultCode { resultCode.primaryResultCode }
    /// SQLite's message for the failure.
    public var message: String
    /// The statement that failed, when there was one.
    public var sql: String?

    /// Creates an error.
    public init(resultCode: ResultCode, message: String, sql: String? = nil) {
        self.resultCode = resultCode
        self.message = message
        self.sql = sql
    }

    /// One line: the message, the code and the SQL.
    public var errorDescription: String? {
        let statement = sql.map { " in `\($0.split(whereSeparator: \.isNewline).joined(separator: " "))`" } ?? ""
        return "SQLite error \(resultCode.rawValue): \(message)\(statement)"
    }

    /// True when the database was locked by another writer for longer than the busy timeout.
    public var isBusy: Bool {
        switch resultCode {
        case .SQLITE_BUSY, .SQLITE_LOCKED: true
        default: false
        }
    }
}

/// A store-level failure that is not a single SQLite call.
public enum DocumentStoreError: LocalizedError, Equatable, Sendable {
    /// The database was written by a newer AskDocs whose schema this build does not know.
    case schemaTooNew(path: String, found: Int, supported: Int)
    /// SQLite could not be put into write-ahead-log mode (for example on a network file system).
    case walUnavailable(path: String, mode: String)
    /// A caller-supplied value is out of range (negative limit, offsets that do not fit).
    case invalidArgument(String)

    /// One actionable line.
    public var errorDescription: String? {
        switch self {
        case .schemaTooNew(let path, let found, let supported):
            return "database \(path) has schema version \(found), newer than this askdocs supports (\(supported)); "
                + "upgrade askdocs or index into a new database"
        case .walUnavailable(let path, let mode):
            return "could not enable write-ahead logging for \(path) (journal mode is '\(mode)'); "
                + "put the database on a local file system"
        case .invalidArgument(let message):
            return message
        }
    }
}
