import Foundation
import NIOConcurrencyHelpers
import NIOCore
import PostgresNIO

/// One connection, used by one caller at a time.
final class PostgresSession: @unchecked Sendable {
    // @unchecked: a session belongs to one caller at a time (the pool lends it out whole).
    let connection: PostgresConnection
    let url: PostgresURL
    var inTransaction = false
    private(set) var isBroken = false
    /// The statement timeout in force (milliseconds; nil or 0: none), which bounds how long the client waits for
    /// an answer too: the server's cancellation, or else a silent server, ends the wait.
    var statementTimeout: Int?
    /// How much longer than the statement timeout the client waits before it gives the server up.
    static let answerGrace = 5_000

    init(connection: PostgresConnection, url: PostgresURL) {
        self.connection = connection
        self.url = url
        self.statementTimeout = url.statementTimeout
    }

    /// Runs `sql` with `binds` through the extended query protocol (parsed by the server with typed parameters,
    /// never spliced into the text) and returns its rows.
    @discardableResult
    func query(_ sql: String, _ binds: [PostgresData] = []) throws -> [PostgresRandomAccessRow] {
        try checkUsable()
        do {
            // Not postgres-nio's legacy `prepare`: its rows describe text columns that arrive in binary.
            return try answer(connection.query(sql, binds)).rows.map { $0.makeRandomAccess() }
        } catch {
            throw failure(error)
        }
    }

    /// Runs statements without parameters, several separated by semicolons (none inside a literal: these are
    /// AskDocs' own statements), one after the other.
    func execute(_ sql: String) throws {
        for statement in sql.split(separator: ";") {
            let text = statement.trimmingCharacters(in: .whitespacesAndNewlines)
            guard !text.isEmpty else { continue }
            try checkUsable()
            do {
                _ = try answer(connection.query(text))
            } catch {
                throw failure(error)
            }
        }
    }

    /// Runs `body` in a transaction that commits when it returns and rolls back when it throws.
    func transaction<T>(_ begin: String = "BEGIN", _ body: () throws -> T) throws -> T {
        try execute(begin)
        inTransaction = true
        do {
            let result = try body()
            try execute("COMMIT")
            inTransaction = false
            return result
        } catch {
            if !isBroken, (try? execute("ROLLBACK")) != nil { inTransaction = false }
            throw error
        }
    }

    /// Waits for `future`, at most the statement timeout and a grace: a server that has neither answered nor
    /// cancelled the statement by then is unreachable (its host vanished without a reset, or it stopped), and
    /// closing the connection ends the wait with an error instead of leaving a request hanging forever.
    private func answer<T>(_ future: EventLoopFuture<T>) throws -> T {
        guard let timeout = statementTimeout, timeout > 0 else { return try future.wait() }
        let limit = timeout + Self.answerGrace
        let expired = NIOLockedValueBox(false)
        let connection = self.connection
        let watchdog = connection.eventLoop.scheduleTask(in: .milliseconds(Int64(limit))) {
            expired.withLockedValue { $0 = true }
            let closing: EventLoopFuture<Void> = connection.close()
            _ = closing
        }
        defer { watchdog.cancel() }
        do {
            return try future.wait()
        } catch {
            guard expired.withLockedValue({ $0 }) else { throw error }
            isBroken = true
            throw PostgresStoreError.connectionLost(
                url: url.description, reason: "no answer within \(PostgresURL.duration(limit))")
        }
    }

    /// Throws at once on a connection that is gone: postgres-nio leaves a query sent on a connection the server
    /// ended (a FATAL before the socket closed, as when the server crashes) waiting forever.
    private func checkUsable() throws {
        if connection.isClosed { isBroken = true }
        guard isBroken else { return }
        throw PostgresStoreError.connectionLost(url: url.description, reason: "the server ended the session")
    }

    func close() {
        // A broken connection's close is not awaited (it may never complete, as its queries may not).
        if isBroken || connection.isClosed {
            let closing: EventLoopFuture<Void> = connection.close()
            _ = closing
        } else {
            _ = try? connection.close().wait()
        }
    }

    private func failure(_ error: any Error) -> PostgresStoreError {
        if let error = error as? PostgresStoreError { return error }
        // The server's error fields, from either of postgres-nio's error types.
        let fields: (severity: String?, sqlState: String?, message: String?)?
        if case .server(let message)? = error as? PostgresError {
            fields = (message.fields[.severity], message.fields[.sqlState], message.fields[.message])
        } else if let info = (error as? PSQLError)?.serverInfo {
            fields = (info[.severity], info[.sqlState], info[.message])
        } else {
            fields = nil
        }
        if let fields {
            let message = fields.message ?? "\(error)"
            guard Self.endsSession(severity: fields.severity) else {
                switch fields.sqlState {
                case "55P03"?:  // lock_not_available: lock_timeout passed
                    return .lockTimedOut(url: url.description, limit: PostgresURL.duration(url.lockTimeout))
                case "57014"? where message.contains("statement timeout"):  // query_canceled by statement_timeout
                    return .statementTimedOut(
                        url: url.description, limit: PostgresURL.duration(statementTimeout ?? 0))
                // serialization_failure (also what a replica reports for a conflict with recovery) and
                // deadlock_detected: the server rolled the statement back, and the same statement may succeed now.
                case let state? where state == "40001" || state == "40P01":
                    return .cancelledByConflict(url: url.description, sqlState: state, message: message)
                default:
                    return .statementFailed(url: url.description, sqlState: fields.sqlState, message: message)
                }
            }
            isBroken = true
            return .connectionLost(url: url.description, reason: message)
        }
        // Not the server's answer to a statement (a closed socket, a protocol error): the connection is done.
        isBroken = true
        return .connectionLost(url: url.description, reason: Self.reason(error))
    }

    /// Whether a server error of this severity ends the session (FATAL, PANIC) rather than the statement.
    static func endsSession(severity: String?) -> Bool { severity == "FATAL" || severity == "PANIC" }

    /// A short reason for a connection-level error.
    static func reason(_ error: any Error) -> String {
        if let error = error as? PSQLError {
            if let message = error.serverInfo?[.message] { return message }
            if error.code == .sslUnsupported { return "the server does not offer TLS, which sslmode asks for" }
            if let underlying = error.underlying { return "\(underlying)" }
            return "\(error.code)"
        }
        return "\(error)"
    }
}

extension PostgresRandomAccessRow {
    /// Column `index` as `T`; a value of another type is a typed error naming the column, not a crash.
    func value<T: PostgresDecodable>(_ index: Int, _ type: T.Type = T.self) throws -> T {
        guard index < count else {
            throw PostgresStoreError.unexpectedResult(reason: "no column \(index) in a row of \(count)")
        }
        do {
            return try self[index].decode(T.self)
        } catch {
            let cell = self[index]
            throw PostgresStoreError.unexpectedResult(
                reason: "column \(cell.columnName) (\(cell.dataType)) is not a \(T.self)")
        }
    }
}
