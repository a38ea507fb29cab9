import Foundation
import Logging
import NIOCore
import NIOPosix
import NIOSSL
import PostgresNIO

/// Open connections to one database, lent to one caller at a time and kept for the next (a serve replica's
/// concurrent requests each take their own). Callers block on NIO futures: the work runs on NIO's event loops, never
/// on the caller's thread pool, so a blocked caller cannot starve the connection it waits for.
final class PostgresConnectionPool: @unchecked Sendable {
    // @unchecked: `idle` and `nextID` are only touched while `lock` is held.
    let url: PostgresURL
    private let lock = NSLock()
    private var idle: [PostgresSession] = []
    private var nextID = 0
    private let maxIdle: Int
    private let logger: Logger

    init(url: PostgresURL, maxIdle: Int = 8) {
        self.url = url
        self.maxIdle = maxIdle
        var logger = Logger(label: "askdocs.postgres")
        logger.logLevel = .critical  // failures surface as typed errors, not log lines
        self.logger = logger
    }

    deinit {
        for session in idle { session.close() }
    }

    /// Runs `body` on a connection; one that failed mid-transaction is closed rather than lent again.
    func withSession<T>(_ body: (PostgresSession) throws -> T) throws -> T {
        let session = try take()
        do {
            let result = try body(session)
            give(session)
            return result
        } catch {
            if session.inTransaction {
                // A statement error leaves the transaction aborted: roll back, or drop the connection.
                if (try? session.execute("ROLLBACK")) != nil { session.inTransaction = false }
            }
            if session.inTransaction || session.isBroken { session.close() } else { give(session) }
            throw error
        }
    }

    private func take() throws -> PostgresSession {
        let (reused, id): (PostgresSession?, Int) = lock.withLock {
            if let session = idle.popLast() { return (session, 0) }
            nextID += 1
            return (nil, nextID)
        }
        if let reused { return reused }
        return try connect(id: id)
    }

    private func give(_ session: PostgresSession) {
        let kept = lock.withLock {
            guard idle.count < maxIdle, !session.isBroken else { return false }
            idle.append(session)
            return true
        }
        if !kept { session.close() }
    }

    private func connect(id: Int) throws -> PostgresSession {
        let configuration: PostgresConnection.Configuration
        do {
            configuration = PostgresConnection.Configuration(
                host: url.host, port: url.port, username: url.user, password: url.password, database: url.database,
                tls: try tls())
        } catch {
            throw PostgresStoreError.connectionFailed(url: url.description, reason: "TLS: \(error)")
        }
        let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        do {
            let connection = try PostgresConnection.connect(
                on: eventLoop, configuration: configuration, id: id, logger: logger
            ).wait()
            let session = PostgresSession(connection: connection, url: url)
            if let schema = url.schema {
                // The index's tables in its own schema; pgvector's types stay reachable in public.
                try session.execute("SET search_path TO \(schema), public")
            }
            return session
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            throw PostgresStoreError.connectionFailed(url: url.description, reason: PostgresSession.reason(error))
        }
    }

    /// libpq's modes: `prefer` and `require` encrypt without verifying, `verify-full` verifies chain and host.
    private func tls() throws -> PostgresConnection.Configuration.TLS {
        var configuration = TLSConfiguration.makeClientConfiguration()
        switch url.tls {
        case .disable:
            return .disable
        case .prefer:
            configuration.certificateVerification = .none
            return .prefer(try NIOSSLContext(configuration: configuration))
        case .require:
            configuration.certificateVerification = .none
            return .require(try NIOSSLContext(configuration: configuration))
        case .verifyFull:
            return .require(try NIOSSLContext(configuration: configuration))
        }
    }
}

/// One connection, used by one caller at a time.
final class PostgresSession: @unchecked Sendable {
    // @unchecked: a session belongs to one caller at a time (the pool lends it out whole).
    let connection: PostgresConnection
    let url: PostgresURL
    var inTransaction = false
    private(set) var isBroken = false

    init(connection: PostgresConnection, url: PostgresURL) {
        self.connection = connection
        self.url = url
    }

    /// Runs `sql` with `binds` through the extended query protocol (parsed by the server with typed parameters,
    /// never spliced into the text) and returns its rows.
    @discardableResult
    func query(_ sql: String, _ binds: [PostgresData] = []) throws -> [PostgresRandomAccessRow] {
        try checkUsable()
        do {
            // Not postgres-nio's legacy `prepare`: its rows describe text columns that arrive in binary.
            return try connection.query(sql, binds).wait().rows.map { $0.makeRandomAccess() }
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
                _ = try connection.query(text).wait()
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
                return .statementFailed(url: url.description, sqlState: fields.sqlState, message: message)
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
