import Foundation
import Testing

@testable import PostgresStore
@testable import TestSupport

/// A connection the server ends (a crash, `pg_terminate_backend`, a failover) fails what runs on it with one
/// typed error at once, inside a transaction too, and the pool does not lend it again.
@Suite("PostgreSQL connection pool")
struct PostgresConnectionPoolTests {
    /// Ends the session of `pool`'s next connection from another connection, then runs `body` on it.
    static func onTerminated(_ body: (PostgresSession) throws -> Void) throws {
        let url = try PostgresURL(try PostgresTestCluster.freshSchema("pool").primary)
        let pool = PostgresConnectionPool(url: url)
        let killer = PostgresConnectionPool(url: url)
        try pool.withSession { session in
            let pid = try session.query("SELECT pg_backend_pid()")[0].value(0, Int32.self)
            try killer.withSession { try $0.query("SELECT pg_terminate_backend(\(pid), 5000)") }
            try body(session)
        }
    }

    @Test("a statement on a connection the server ended throws connectionLost, then every later one at once")
    func statementAfterTermination() throws {
        try Self.onTerminated { session in
            for _ in 0..<2 {
                #expect {
                    try session.query("SELECT 1")
                } throws: { error in
                    guard case .connectionLost(_, let reason) = error as? PostgresStoreError else { return false }
                    return !reason.isEmpty
                }
            }
            #expect(session.isBroken)
        }
    }

    @Test("a transaction whose connection the server ended throws connectionLost without waiting on its rollback")
    func transactionAfterTermination() throws {
        let started = Date()
        #expect {
            try Self.onTerminated { session in
                try session.transaction { try session.execute("SELECT 1; SELECT 2") }
            }
        } throws: { error in
            if case .connectionLost? = error as? PostgresStoreError { return true }
            return false
        }
        // Without the check this waited forever on the rollback sent to the dead connection.
        #expect(Date().timeIntervalSince(started) < 30)
    }

    @Test("a serialization failure the server reports is a transient cancelledByConflict; the session goes on")
    func serializationFailure() throws {
        let url = try PostgresURL(try PostgresTestCluster.freshSchema("conflict").primary)
        let (first, second) = (PostgresConnectionPool(url: url), PostgresConnectionPool(url: url))
        try first.withSession { a throws in
            try a.execute("CREATE SCHEMA IF NOT EXISTS \(a.url.schema!); CREATE TABLE marks (x int)")
            try second.withSession { b throws in
                // Write skew: each reads what the other writes. The first commit wins; the second cannot serialize.
                try a.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
                try b.execute("BEGIN ISOLATION LEVEL SERIALIZABLE")
                _ = try a.query("SELECT count(*) FROM marks WHERE x = 1")
                _ = try b.query("SELECT count(*) FROM marks WHERE x = 2")
                try a.execute("INSERT INTO marks VALUES (2)")
                try b.execute("INSERT INTO marks VALUES (1)")
                try a.execute("COMMIT")
                #expect {
                    try b.execute("COMMIT")
                } throws: { error in
                    guard let error = error as? PostgresStoreError,
                        case .cancelledByConflict(_, let state, _) = error
                    else { return false }
                    return state == "40001" && error.isTransient && !error.localizedDescription.contains("\n")
                        && error.localizedDescription.contains("try again")
                }
                #expect(!b.isBroken)
                // A deadlock is reported the same way (raised here: two sessions need not race for it).
                #expect {
                    try b.query("DO $$ BEGIN RAISE EXCEPTION 'deadlock detected' USING ERRCODE = '40P01'; END $$")
                } throws: { error in
                    guard case .cancelledByConflict(_, "40P01", _)? = error as? PostgresStoreError else { return false }
                    return true
                }
                #expect(try b.query("SELECT count(*) FROM marks")[0].value(0, Int.self) == 1)
            }
        }
    }

    @Test("the one-line message names the server and says what to do")
    func message() {
        let error = PostgresStoreError.connectionLost(url: "postgres://a@h:5432/d", reason: "terminating connection")
        let text = error.localizedDescription
        #expect(text.contains("postgres://a@h:5432/d") && text.contains("try again") && !text.contains("\n"))
    }
}
