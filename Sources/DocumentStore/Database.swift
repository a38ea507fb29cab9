import CSQLite
import Foundation

/// A value bound to, or read from, an SQL statement.
public enum SQLValue: Sendable, Equatable {
    /// SQL NULL.
    case null
    /// A 64-bit integer.
    case integer(Int64)
    /// A double.
    case real(Double)
    /// UTF-8 text.
    case text(String)
}

/// One SQLite connection: statements, bindings and transactions with typed errors.
///
/// Not thread-safe by itself (opened with `SQLITE_OPEN_NOMUTEX`); `DocumentStore` serialises access to it.
public final class Database {
    /// The connection handle, valid until `deinit`.
    let handle: OpaquePointer
    /// The file the connection was opened on.
    public let path: String
    private var cache: [String: Statement] = [:]
    /// Savepoints open inside the current transaction (their names are numbered by depth).
    private var savepoints = 0

    /// Opens (creating if needed) the database at `path` in WAL mode with foreign keys on and a busy timeout.
    public init(path: String, busyTimeout: Duration = .seconds(10)) throws {
        var connection: OpaquePointer?
        let flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX
        let status = sqlite3_open_v2(path, &connection, flags, nil)
        guard status == SQLITE_OK, let connection else {
            let message = connection.map { String(cString: sqlite3_errmsg($0)) } ?? "out of memory"
            sqlite3_close(connection)
            throw DatabaseError(resultCode: ResultCode(rawValue: status), message: "cannot open \(path): \(message)")
        }
        self.handle = connection
        self.path = path
        sqlite3_extended_result_codes(connection, 1)
        let milliseconds =
            busyTimeout.components.seconds * 1000 + busyTimeout.components.attoseconds / 1_000_000_000_000_000
        sqlite3_busy_timeout(connection, Int32(clamping: milliseconds))
        let mode = try scalarText("PRAGMA journal_mode=WAL") ?? ""
        guard mode.lowercased() == "wal" else { throw DocumentStoreError.walUnavailable(path: path, mode: mode) }
        // NORMAL keeps every committed transaction across a process crash in WAL mode; only power loss can drop the
        // last few, which a re-index repairs.
        try execute("PRAGMA synchronous=NORMAL")
        try execute("PRAGMA foreign_keys=ON")
        try registerPathGlob()
    }

    /// `askdocs_glob(pattern, path)`: `PathGlob`'s matching in SQL, so that `search --glob` filters documents with
    /// the meaning `index --glob` chooses files by (SQLite's GLOB would match the pattern against the whole path).
    private func registerPathGlob() throws {
        let status = sqlite3_create_function_v2(
            handle, "askdocs_glob", 2, SQLITE_UTF8 | SQLITE_DETERMINISTIC, nil,
            { context, count, arguments in
                guard count == 2, let arguments, let pattern = sqlite3_value_text(arguments[0]),
                    let path = sqlite3_value_text(arguments[1])
                else {
                    sqlite3_result_int(context, 0)
                    return
                }
                let glob = PathGlob(String(cString: pattern))
                sqlite3_result_int(context, glob.matches(String(cString: path)) ? 1 : 0)
            }, nil, nil, nil)
        guard status == SQLITE_OK else {
            throw DatabaseError(
                resultCode: ResultCode(rawValue: status), message: "cannot register askdocs_glob in \(path)")
        }
    }

    deinit {
        cache.removeAll()
        sqlite3_close_v2(handle)
    }

    /// Runs one or more statements that return no rows.
    public func execute(_ sql: String) throws {
        var message: UnsafeMutablePointer<CChar>?
        let status = sqlite3_exec(handle, sql, nil, nil, &message)
        if status != SQLITE_OK {
            let text = message.map { String(cString: $0) } ?? String(cString: sqlite3_errmsg(handle))
            sqlite3_free(message)
            throw DatabaseError(resultCode: ResultCode(rawValue: status), message: text, sql: sql)
        }
    }

    /// Compiles a statement (not cached).
    public func prepare(_ sql: String) throws -> Statement {
        try Statement(database: self, sql: sql)
    }

    /// A compiled statement reused across calls with the same SQL; it is reset and its bindings cleared.
    public func cached(_ sql: String) throws -> Statement {
        if let statement = cache[sql] {
            statement.reset()
            return statement
        }
        let statement = try prepare(sql)
        cache[sql] = statement
        return statement
    }

    /// Runs a statement with bindings and returns every row.
    @discardableResult
    public func rows(_ sql: String, _ values: [SQLValue] = []) throws -> [[SQLValue]] {
        let statement = try cached(sql)
        try statement.bind(values)
        var result: [[SQLValue]] = []
        while try statement.step() { result.append(statement.row()) }
        statement.reset()
        return result
    }

    /// Runs a statement with bindings, ignoring any rows.
    public func run(_ sql: String, _ values: [SQLValue] = []) throws {
        let statement = try cached(sql)
        try statement.bind(values)
        while try statement.step() {}
        statement.reset()
    }

    /// The first column of the first row as an integer, or nil when there is no row or it is NULL.
    public func scalarInteger(_ sql: String, _ values: [SQLValue] = []) throws -> Int64? {
        if case .integer(let value) = try rows(sql, values).first?.first { return value }
        return nil
    }

    /// The first column of the first row as text, or nil.
    public func scalarText(_ sql: String, _ values: [SQLValue] = []) throws -> String? {
        if case .text(let value) = try rows(sql, values).first?.first { return value }
        return nil
    }

    /// The rowid of the last inserted row.
    public var lastInsertRowID: Int64 { sqlite3_last_insert_rowid(handle) }

    /// Rows changed by the last statement.
    public var changes: Int { Int(sqlite3_changes(handle)) }

    /// Rows inserted, updated or deleted on this connection since it opened (triggers included).
    public var totalChanges: Int { Int(sqlite3_total_changes64(handle)) }

    /// True while a transaction is open.
    public var inTransaction: Bool { sqlite3_get_autocommit(handle) == 0 }

    /// Runs `body` in a transaction; `immediate` takes the write lock up front (`BEGIN IMMEDIATE`) so that a
    /// writer waits for the busy timeout at the start instead of failing halfway. Rolls back when `body` throws.
    ///
    /// Inside an open transaction (a batch of several writes published together) it is a savepoint: `body`'s
    /// writes are undone alone when it throws, and kept, uncommitted, with the enclosing transaction otherwise.
    public func transaction<T>(immediate: Bool = true, _ body: () throws -> T) throws -> T {
        if inTransaction {
            savepoints += 1
            let name = "nested\(savepoints)"
            defer { savepoints -= 1 }
            try execute("SAVEPOINT \(name)")
            do {
                let result = try body()
                try execute("RELEASE \(name)")
                return result
            } catch {
                if inTransaction {
                    try? execute("ROLLBACK TO \(name)")
                    try? execute("RELEASE \(name)")
                }
                throw error
            }
        }
        try execute(immediate ? "BEGIN IMMEDIATE" : "BEGIN DEFERRED")
        do {
            let result = try body()
            try execute("COMMIT")
            return result
        } catch {
            if inTransaction { try? execute("ROLLBACK") }
            throw error
        }
    }

    /// The error for a failed call on this connection.
    func error(_ status: Int32, sql: String?) -> DatabaseError {
        DatabaseError(
            resultCode: ResultCode(rawValue: status), message: String(cString: sqlite3_errmsg(handle)), sql: sql)
    }
}

/// A compiled SQL statement: bind, step, read columns.
public final class Statement {
    private let handle: OpaquePointer
    private unowned let database: Database
    /// The SQL text, for error messages.
    public let sql: String

    init(database: Database, sql: String) throws {
        var statement: OpaquePointer?
        let status = sqlite3_prepare_v2(database.handle, sql, -1, &statement, nil)
        guard status == SQLITE_OK, let statement else { throw database.error(status, sql: sql) }
        self.handle = statement
        self.database = database
        self.sql = sql
    }

    deinit { sqlite3_finalize(handle) }

    /// Binds values to parameters 1...n.
    public func bind(_ values: [SQLValue]) throws {
        for (offset, value) in values.enumerated() { try bind(value, at: Int32(offset + 1)) }
    }

    /// Binds one value to a 1-based parameter index.
    public func bind(_ value: SQLValue, at index: Int32) throws {
        let status: Int32
        switch value {
        case .null: status = sqlite3_bind_null(handle, index)
        case .integer(let number): status = sqlite3_bind_int64(handle, index, number)
        case .real(let number): status = sqlite3_bind_double(handle, index, number)
        case .text(let text): status = sqlite3_bind_text(handle, index, text, -1, csqlite_transient())
        }
        guard status == SQLITE_OK else { throw database.error(status, sql: sql) }
    }

    /// Binds `text` without copying it (the statement reads the string's own UTF-8 storage), steps the statement
    /// to completion inside that scope and clears the binding, so that a large document is never held twice.
    public func runBindingLargeText(_ text: String, at index: Int32) throws {
        var text = text
        text.makeContiguousUTF8()
        let status: Int32 =
            text.utf8.withContiguousStorageIfAvailable { buffer -> Int32 in
                var status: Int32
                if let base = buffer.baseAddress, buffer.count > 0 {
                    let characters = UnsafeRawPointer(base).assumingMemoryBound(to: CChar.self)
                    status = sqlite3_bind_text64(
                        handle, index, characters, sqlite3_uint64(buffer.count), nil, UInt8(SQLITE_UTF8))
                } else {
                    status = sqlite3_bind_text(handle, index, "", 0, csqlite_transient())
                }
                guard status == SQLITE_OK else { return status }
                repeat { status = sqlite3_step(handle) } while status == SQLITE_ROW
                sqlite3_reset(handle)
                sqlite3_bind_null(handle, index)
                return status == SQLITE_DONE ? SQLITE_OK : status
            } ?? SQLITE_MISUSE
        guard status == SQLITE_OK else { throw database.error(status, sql: sql) }
    }

    /// Advances to the next row; false when the statement is done.
    public func step() throws -> Bool {
        let status = sqlite3_step(handle)
        switch status {
        case SQLITE_ROW: return true
        case SQLITE_DONE: return false
        default:
            let error = database.error(status, sql: sql)
            sqlite3_reset(handle)
            throw error
        }
    }

    /// Resets the statement and clears its bindings.
    public func reset() {
        sqlite3_reset(handle)
        sqlite3_clear_bindings(handle)
    }

    /// Number of result columns.
    public var columnCount: Int32 { sqlite3_column_count(handle) }

    /// Column `index` (0-based) as an integer (0 for NULL).
    public func int64(_ index: Int32) -> Int64 { sqlite3_column_int64(handle, index) }

    /// Column `index` as a double.
    public func double(_ index: Int32) -> Double { sqlite3_column_double(handle, index) }

    /// Column `index` as text, or nil for NULL.
    public func text(_ index: Int32) -> String? {
        guard sqlite3_column_type(handle, index) != SQLITE_NULL, let pointer = sqlite3_column_text(handle, index) else {
            return nil
        }
        let count = Int(sqlite3_column_bytes(handle, index))
        return String(decoding: UnsafeBufferPointer(start: pointer, count: count), as: UTF8.self)
    }

    /// The current row as values.
    public func row() -> [SQLValue] {
        (0..<columnCount).map { index in
            switch sqlite3_column_type(handle, index) {
            case SQLITE_INTEGER: .integer(int64(index))
            case SQLITE_FLOAT: .real(double(index))
            case SQLITE_NULL: .null
            default: .text(text(index) ?? "")
            }
        }
    }
}
