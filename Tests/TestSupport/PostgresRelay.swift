import Foundation

#if canImport(Glibc)
    import Glibc
#endif

/// `pg_relay.py` in front of a test server: what lies between a client and PostgreSQL in production, a server that
/// offers TLS or a network that stops delivering, on 127.0.0.1. Stopped on `deinit`.
public final class PostgresRelay: @unchecked Sendable {
    // @unchecked: `process` is set once in init; ChildProcess is safe to share.
    /// Its standard input stays open while the relay should run: it exits when that closes, even if we die.
    private let process: ChildProcess
    /// The port it listens on.
    public let port: Int

    /// Why a relay did not start.
    public struct Failure: Error, CustomStringConvertible {
        /// What went wrong.
        public var description: String
    }

    /// Relays to the server of `upstream` (a `postgres://` URL), offering TLS with `certificate` and `key` when
    /// given, forwarding nothing while `frozen`.
    public init(upstream: String, tls: (certificate: String, key: String)? = nil, frozen: Bool = false) throws {
        guard let components = URLComponents(string: upstream), let host = components.host, let port = components.port
        else { throw Failure(description: "no host and port in \(upstream)") }
        var arguments = ["--upstream", "\(host):\(port)"]
        if let tls { arguments += ["--tls", tls.certificate, tls.key] }
        if frozen { arguments.append("--frozen") }
        (process, self.port) = try ChildProcess.standIn(Self.script.path, arguments, error: .inherit)
    }

    deinit { stop() }

    /// `url` with its host and port replaced by the relay's.
    public func url(_ url: String) -> String {
        guard var components = URLComponents(string: url) else { return url }
        components.host = "127.0.0.1"
        components.port = port
        return components.string ?? url
    }

    /// Stops forwarding, either way, and returns once the relay holds everything; connections stay open.
    public func freeze() throws { try switchTo(SIGUSR1, "frozen") }

    /// Forwards again, delivering what was held.
    public func thaw() throws { try switchTo(SIGUSR2, "thawed") }

    private func switchTo(_ signal: Int32, _ acknowledgement: String) throws {
        process.signal(signal)
        while let event = nextEvent() {
            if event == acknowledgement { return }
        }
        throw Failure(description: "pg_relay.py did not say \(acknowledgement)")
    }

    /// The relay's next line of output ("tls TLSv1.3" per TLS handshake).
    public func nextEvent(timeout: TimeInterval = 10) -> String? {
        process.readLine(timeout: timeout)?.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    /// Stops the relay.
    public func stop() {
        try? process.standardInput?.close()
        process.terminate()
    }

    static let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("PostgresStoreTests/Support/pg_relay.py")
}

/// A certificate authority and server certificates it signed, made with `openssl` in a folder of their own.
public struct TestCertificates: Sendable {
    /// The folder holding the files.
    public let folder: String
    /// The authority's certificate (PEM): the `sslrootcert` that verifies the servers.
    public var authority: String { folder + "/ca.pem" }

    /// A new authority in a new temporary folder.
    public init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-tls-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        try openssl([
            "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-days", "2",
            "-subj", "/CN=AskDocs test authority", "-keyout", folder + "/ca.key", "-out", authority,
        ])
    }

    /// A server certificate named `name` for `alternativeNames` (`IP:127.0.0.1`, `DNS:db.example`), signed by this
    /// authority; its certificate and key files.
    public func server(_ name: String, alternativeNames: [String]) throws -> (certificate: String, key: String) {
        let base = folder + "/" + name
        try Data("subjectAltName=\(alternativeNames.joined(separator: ","))\n".utf8)
            .write(to: URL(fileURLWithPath: base + ".ext"))
        try openssl([
            "req", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256", "-nodes", "-subj", "/CN=\(name)",
            "-keyout", base + ".key", "-out", base + ".csr",
        ])
        try openssl([
            "x509", "-req", "-in", base + ".csr", "-CA", authority, "-CAkey", folder + "/ca.key", "-CAcreateserial",
            "-days", "2", "-extfile", base + ".ext", "-out", base + ".pem",
        ])
        return (base + ".pem", base + ".key")
    }

    /// Removes the folder.
    public func remove() { try? FileManager.default.removeItem(atPath: folder) }

    private func openssl(_ arguments: [String]) throws {
        let result = try ChildProcess.run("/usr/bin/env", ["openssl"] + arguments, timeout: 60)
        guard result.status == 0 else {
            throw PostgresRelay.Failure(
                description:
                    "openssl \(arguments.first ?? ""): \(String(decoding: result.standardError, as: UTF8.self))")
        }
    }
}
