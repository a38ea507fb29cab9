import Foundation
import Testing

@testable import PostgresStore
@testable import TestSupport

#if canImport(Glibc)
    import Glibc
#endif

/// No wait on PostgreSQL lasts forever: a lock another session holds, a statement that runs on, a server that
/// accepts and never answers and a network that stops delivering each end in a typed one-line error after the
/// limit the URL sets (or the default), and the pool goes on with a new connection.
@Suite("PostgreSQL connection pool: bounded waits")
struct PostgresConnectionPoolWaitTests {
    /// `url` with `parameters` appended (`&…`: the test URLs carry `?schema=` already).
    static func with(_ url: String, _ parameters: String) -> String { url + "&" + parameters }

    /// Seconds `body` took.
    static func seconds(_ body: () throws -> Void) rethrows -> Double {
        let started = Date()
        try body()
        return Date().timeIntervalSince(started)
    }

    @Test("a statement waiting for another session's lock fails with lockTimedOut after lock_timeout")
    func lockWait() throws {
        let primary = try PostgresTestCluster.freshSchema("wait").primary
        let holder = PostgresConnectionPool(url: try PostgresURL(primary))
        let waiter = PostgresConnectionPool(url: try PostgresURL(Self.with(primary, "lock_timeout=1s")))
        try holder.withSession { session throws in
            try session.execute("CREATE SCHEMA IF NOT EXISTS \(session.url.schema!); CREATE TABLE held (x int)")
            try session.transaction {
                try session.execute("LOCK TABLE held IN ACCESS EXCLUSIVE MODE")
                let elapsed = Self.seconds {
                    #expect {
                        try waiter.withSession { try $0.query("SELECT count(*) FROM held") }
                    } throws: { error in
                        guard case .lockTimedOut(_, let limit)? = error as? PostgresStoreError else { return false }
                        let text = error.localizedDescription
                        return limit == "1s" && text.contains("lock_timeout=1s") && !text.contains("\n")
                    }
                }
                #expect(elapsed < 10, "waited \(elapsed) s")
            }
            // The failed statement ended the waiter's statement, not its connection.
            #expect(try waiter.withSession { try $0.query("SELECT count(*) FROM held")[0].value(0, Int.self) } == 0)
        }
    }

    @Test("a statement past statement_timeout fails with statementTimedOut; the connection stays usable")
    func statementTimeout() throws {
        let url = try PostgresURL(
            Self.with(try PostgresTestCluster.freshSchema("wait").primary, "statement_timeout=300ms"))
        #expect(url.statementTimeout == 300)
        let pool = PostgresConnectionPool(url: url)
        try pool.withSession { session throws in
            let elapsed = Self.seconds {
                #expect {
                    try session.query("SELECT pg_sleep(20)")
                } throws: { error in
                    guard case .statementTimedOut(_, let limit)? = error as? PostgresStoreError else { return false }
                    return limit == "300ms"
                }
            }
            #expect(elapsed < 10, "waited \(elapsed) s")
            #expect(!session.isBroken)
            #expect(try session.query("SELECT 1")[0].value(0, Int32.self) == 1)
        }
    }

    @Test("reads run under the default read timeout and the lock timeout; writes under no statement timeout")
    func defaults() throws {
        let primary = try PostgresTestCluster.freshSchema("wait").primary
        let index = try PostgresIndex(primary, migrate: true)
        let inRead = try index.read { snapshot in
            let session = (snapshot as! PostgresSnapshot).session
            return try (
                session.query("SHOW statement_timeout")[0].value(0, String.self),
                session.query("SHOW lock_timeout")[0].value(0, String.self)
            )
        }
        #expect(inRead.0 == "30s" && inRead.1 == "20s")
        let outside = try index.pool.withSession { session in
            (try session.query("SHOW statement_timeout")[0].value(0, String.self), session.statementTimeout)
        }
        #expect(outside.0 == "0" && outside.1 == nil)
        let bounded = try PostgresIndex(Self.with(primary, "statement_timeout=2min&lock_timeout=5s"))
        let set = try bounded.pool.withSession { session in
            try (
                session.query("SHOW statement_timeout")[0].value(0, String.self),
                session.query("SHOW lock_timeout")[0].value(0, String.self)
            )
        }
        #expect(set.0 == "2min" && set.1 == "5s")
    }

    @Test("connections probe a silent peer with TCP keepalives")
    func keepalive() throws {
        let primary = try PostgresTestCluster.freshSchema("wait").primary
        let url = try PostgresURL(primary)
        let pool = PostgresConnectionPool(url: url)
        try pool.withSession { session throws in
            // This session's own socket, idle between statements: ss shows its keepalive timer. (A socket with data
            // in flight shows its retransmission timer instead, as other tests' busy connections may.)
            let local = try session.query("SELECT inet_client_port()")[0].value(0, Int32.self)
            let result = try ChildProcess.run(
                "/usr/bin/env", ["ss", "-tnpo", "state", "established", "sport", "=", ":\(local)"], timeout: 30)
            let output = String(decoding: result.standardOutput, as: UTF8.self)
            let ours = output.split(separator: "\n").filter { $0.contains("pid=\(getpid()),") }
            #expect(ours.count == 1, "\(output)")
            for line in ours { #expect(line.contains("timer:(keepalive"), "\(line)") }
        }
    }

    @Test("a server that accepts and never answers fails the connection after connect_timeout")
    func silentServer() throws {
        let primary = try PostgresTestCluster.freshSchema("wait").primary
        let relay = try PostgresRelay(upstream: primary, frozen: true)
        let pool = PostgresConnectionPool(url: try PostgresURL(Self.with(relay.url(primary), "connect_timeout=1")))
        let elapsed = Self.seconds {
            #expect {
                try pool.withSession { try $0.query("SELECT 1") }
            } throws: { error in
                guard case .connectionFailed? = error as? PostgresStoreError else { return false }
                return !error.localizedDescription.contains("\n")
            }
        }
        #expect(elapsed < 10, "waited \(elapsed) s")
    }

    @Test("a network that stops delivering mid-session fails the statement after its timeout and a grace")
    func stalledNetwork() throws {
        let primary = try PostgresTestCluster.freshSchema("wait").primary
        let relay = try PostgresRelay(upstream: primary)
        let pool = PostgresConnectionPool(url: try PostgresURL(Self.with(relay.url(primary), "statement_timeout=1s")))
        #expect(try pool.withSession { try $0.query("SELECT 1")[0].value(0, Int32.self) } == 1)
        try relay.freeze()
        let elapsed = Self.seconds {
            #expect {
                try pool.withSession { try $0.query("SELECT 2") }
            } throws: { error in
                guard case .connectionLost(_, let reason)? = error as? PostgresStoreError else { return false }
                return reason.contains("no answer within 6s")
            }
        }
        // The server never sees the statement, so only the client's own deadline can end the wait.
        #expect(elapsed >= 5 && elapsed < 20, "waited \(elapsed) s")
        try relay.thaw()
        // The dead connection was dropped: the next caller gets a new one.
        #expect(try pool.withSession { try $0.query("SELECT 3")[0].value(0, Int32.self) } == 3)
    }
}
