import Foundation
import Testing

@testable import PostgresStore
@testable import TestSupport

/// TLS with libpq's modes against a server that offers it (the relay, since the test servers are built without
/// TLS) and one that does not: encryption when asked, verification of the chain and the host name when asked,
/// one-line errors when they fail.
@Suite("PostgreSQL connection pool: TLS")
struct PostgresConnectionPoolTLSTests {
    /// A relay offering TLS with a certificate for 127.0.0.1 signed by a fresh authority, and the primary's URL.
    static func withTLS(
        names: [String] = ["IP:127.0.0.1"], _ body: (PostgresRelay, TestCertificates, String) throws -> Void
    ) throws {
        let primary = try PostgresTestCluster.freshSchema("tls").primary
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let relay = try PostgresRelay(
            upstream: primary, tls: try certificates.server("server", alternativeNames: names))
        try body(relay, certificates, relay.url(primary))
    }

    static func answers(_ url: String) throws -> Int32 {
        try PostgresConnectionPool(url: try PostgresURL(url)).withSession {
            try $0.query("SELECT 41 + 1")[0].value(0, Int32.self)
        }
    }

    @Test("prefer and require encrypt when the server offers TLS; the session works through it")
    func encrypts() throws {
        try Self.withTLS { relay, _, url throws in
            #expect(try Self.answers(url) == 42)
            #expect(relay.nextEvent()?.hasPrefix("tls TLSv1.") == true)
            #expect(try Self.answers(url + "&sslmode=require") == 42)
            #expect(relay.nextEvent()?.hasPrefix("tls TLSv1.") == true)
        }
    }

    @Test("verify-full accepts a certificate of the given authority for the host; verify-ca ignores the name")
    func verifies() throws {
        try Self.withTLS { relay, certificates, url throws in
            #expect(try Self.answers(url + "&sslmode=verify-full&sslrootcert=\(certificates.authority)") == 42)
            #expect(relay.nextEvent()?.hasPrefix("tls TLSv1.") == true)
        }
        try Self.withTLS(names: ["DNS:db.example"]) { _, certificates, url throws in
            #expect(try Self.answers(url + "&sslmode=verify-ca&sslrootcert=\(certificates.authority)") == 42)
            #expect {
                try Self.answers(url + "&sslmode=verify-full&sslrootcert=\(certificates.authority)")
            } throws: { error in
                guard case .connectionFailed? = error as? PostgresStoreError else { return false }
                return !error.localizedDescription.contains("\n")
            }
        }
    }

    @Test("verify-full refuses a certificate of another authority, and a missing sslrootcert, in one line")
    func refusesUntrusted() throws {
        try Self.withTLS { _, _, url throws in
            let stranger = try TestCertificates()
            defer { stranger.remove() }
            for (suffix, words) in [
                ("&sslmode=verify-full&sslrootcert=\(stranger.authority)", "certificate"),
                ("&sslmode=verify-full&sslrootcert=/nonexistent/ca.pem", "cannot read the sslrootcert file"),
            ] {
                #expect {
                    try Self.answers(url + suffix)
                } throws: { error in
                    guard case .connectionFailed? = error as? PostgresStoreError else { return false }
                    let text = error.localizedDescription
                    return text.lowercased().contains(words) && !text.contains("\n")
                }
            }
        }
    }

    @Test("require against a server without TLS fails in one line; prefer goes on unencrypted")
    func serverWithoutTLS() throws {
        let primary = try PostgresTestCluster.freshSchema("tls").primary
        #expect(try Self.answers(primary) == 42)
        #expect {
            try Self.answers(primary + "&sslmode=require")
        } throws: { error in
            guard case .connectionFailed(_, let reason)? = error as? PostgresStoreError else { return false }
            return reason.lowercased().contains("tls") && !error.localizedDescription.contains("\n")
        }
    }
}
