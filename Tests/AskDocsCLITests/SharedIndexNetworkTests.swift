import Foundation
import TestSupport
import Testing

/// `--db postgres://…` over what lies between AskDocs and PostgreSQL in production, through the built executable:
/// a server that offers TLS, one that accepts and never answers, and a network that stops delivering while `serve`
/// answers questions. Nothing waits forever, failures are one line, and a server goes on once the network is back.
@Suite("askdocs over the network to a shared PostgreSQL index", .serialized)
struct SharedIndexNetworkTests {
    /// An indexed corpus in a schema of its own on the primary; its replica's URL.
    struct Indexed {
        let ask: AskCorpus
        let primary: String
        let replica: String

        init() throws {
            ask = try AskCorpus()
            (primary, replica) = try PostgresTestCluster.freshSchema("net")
            let indexed = try AskDocsProcess.run(
                ["index", ask.corpus.docs, "--db", primary, "--retriever", ask.corpus.model.path],
                environment: ["XDG_STATE_HOME": ask.corpus.workspace.path("state")])
            #expect(indexed.status == 0, "\(indexed.standardError)")
        }

        /// `search --json --mode bm25` on `db`: its exit status, results (or error line) and seconds.
        func search(_ db: String, query: String = "rivers") throws -> (status: Int32, output: String, seconds: Double) {
            let started = Date()
            let result = try AskDocsProcess.run(["search", query, "--json", "--mode", "bm25", "--db", db])
            let output = result.status == 0 ? result.standardOutput : result.standardError
            return (result.status, output, Date().timeIntervalSince(started))
        }
    }

    @Test("search over TLS verified against the index's authority gives what the plain connection gives")
    func verifiedTLS() throws {
        let indexed = try Indexed()
        let certificates = try TestCertificates()
        defer { certificates.remove() }
        let relay = try PostgresRelay(
            upstream: indexed.replica, tls: try certificates.server("replica", alternativeNames: ["IP:127.0.0.1"]))
        let plain = try indexed.search(indexed.replica)
        #expect(plain.status == 0, "\(plain.output)")
        let verified = try indexed.search(
            relay.url(indexed.replica) + "&sslmode=verify-full&sslrootcert=\(certificates.authority)")
        #expect(verified.status == 0, "\(verified.output)")
        #expect(relay.nextEvent()?.hasPrefix("tls TLSv1.") == true)
        #expect(verified.output == plain.output)
        // Another authority's certificate: refused in one line, nothing on stdout.
        let stranger = try TestCertificates()
        defer { stranger.remove() }
        let refused = try indexed.search(
            relay.url(indexed.replica) + "&sslmode=verify-full&sslrootcert=\(stranger.authority)")
        #expect(refused.status == 1)
        #expect(refused.output.contains("cannot connect to") && refused.output.split(separator: "\n").count == 1)
    }

    @Test("search against a server that never answers fails in one line after connect_timeout")
    func silentServer() throws {
        let indexed = try Indexed()
        let relay = try PostgresRelay(upstream: indexed.replica, frozen: true)
        let result = try indexed.search(relay.url(indexed.replica) + "&connect_timeout=2")
        #expect(result.status == 1)
        #expect(result.output.contains("cannot connect to") && result.output.split(separator: "\n").count == 1)
        #expect(result.seconds < 20, "took \(result.seconds) s")
    }

    @Test("serve over a network that stops delivering answers 503 with Retry-After in time, then answers again")
    func stalledNetwork() async throws {
        let indexed = try Indexed()
        let relay = try PostgresRelay(upstream: indexed.replica)
        let server = try ServeProcess([
            "--reader", AskCorpus.reader, "--db", relay.url(indexed.replica) + "&statement_timeout=1s",
        ])
        let question =
            ["question": "Where is the zebrafish laboratory?", "mode": "bm25", "passages": 3] as [String: Any]
        let before = try await server.post("/v1/ask", json: question)
        #expect(before.status == 200, "\(before.text)")
        try relay.freeze()
        let started = Date()
        let stalled = try await server.post("/v1/ask", json: question)
        let seconds = Date().timeIntervalSince(started)
        // 503 and Retry-After: a balancer in front (haproxy's `retry-on 503`) asks another replica.
        #expect(stalled.status == 503, "\(stalled.text)")
        #expect(stalled.headers.first(name: "Retry-After") == "1")
        #expect(stalled.error?.contains("no answer within 6s") == true, "\(stalled.text)")
        #expect(seconds >= 5 && seconds < 30, "answered after \(seconds) s")
        try relay.thaw()
        let after = try await server.post("/v1/ask", json: question)
        #expect(after.status == 200, "\(after.text)")
        #expect(server.terminate() == 0)
    }
}
