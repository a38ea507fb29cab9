import Foundation

/// Where a PostgreSQL index lives: `postgres://user[:password]@host[:port]/database[?sslmode=…&ef_search=…]`, the
/// libpq URI form (`postgresql://` too), with libpq's names for what libpq has (`sslmode`, `sslrootcert`,
/// `connect_timeout`) and PostgreSQL's settings' names for the waits it bounds (`statement_timeout`, `lock_timeout`).
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    /// How TLS is used, with libpq's names and meanings.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Never.
        case disable
        /// When the server offers it (libpq's default); the certificate is not verified.
        case prefer
        /// Always, without verifying the certificate.
        case require
        /// Always, verifying the certificate chain but not the host name.
        case verifyCA = "verify-ca"
        /// Always, verifying the certificate chain and the host name against the system's trust roots.
        case verifyFull = "verify-full"
    }

    /// The role to connect as.
    public var user: String
    /// The role's password, when the server asks for one.
    public var password: String?
    /// Host name or address.
    public var host: String
    /// TCP port.
    public var port: Int
    /// Database name.
    public var database: String
    /// TLS use.
    public var tls: TLSMode
    /// HNSW candidate list size for dense searches (pgvector's `hnsw.ef_search`); raised to the number of results
    /// asked for when that is larger.
    public var efSearch: Int
    /// The schema holding the index's tables (several indexes can share a database); nil is the role's default.
    public var schema: String?
    /// The certificate authorities (a PEM file) that verify the server's certificate; nil: the system's trust roots.
    public var sslRootCert: String?
    /// Seconds to reach the server and log in (libpq's `connect_timeout`).
    public var connectTimeout = 10
    /// Milliseconds a statement may run before the server cancels it; nil: reads get `defaultReadTimeout`, writes
    /// (a publish of a large generation may legitimately run long) are unbounded, like libpq's default.
    public var statementTimeout: Int?
    /// Milliseconds a statement may wait for a lock another session holds before the server cancels it.
    public var lockTimeout = Self.defaultLockTimeout

    /// pgvector's largest `hnsw.ef_search`.
    public static let maxEfSearch = 1000
    /// A read's statement timeout when the URL sets none: a search is milliseconds of work, so a read that has not
    /// finished in this time waits on something (a lock, an overloaded server) and says so rather than hanging.
    public static let defaultReadTimeout = 30_000
    /// The lock wait when the URL sets none: shorter than a read's timeout, so a read stuck behind a full rebuild
    /// says it waits for a lock; longer than any read, so a publish waiting for readers to finish gets its lock.
    public static let defaultLockTimeout = 20_000

    /// Whether `text` names a PostgreSQL database rather than a file.
    public static func isPostgres(_ text: String) -> Bool {
        text.hasPrefix("postgres://") || text.hasPrefix("postgresql://")
    }

    /// Parses a URL; errors say what is wrong in one line.
    public init(_ text: String) throws(PostgresStoreError) {
        guard Self.isPostgres(text), let components = URLComponents(string: text) else {
            throw .invalidURL(text, reason: "expected postgres://user@host:port/database")
        }
        guard let host = components.host, !host.isEmpty else {
            throw .invalidURL(text, reason: "it names no host")
        }
        let database = String(components.path.drop(while: { $0 == "/" }))
        guard !database.isEmpty, !database.contains("/") else {
            throw .invalidURL(text, reason: "it names no database (…/NAME at the end)")
        }
        self.host = host
        self.port = components.port ?? 5432
        self.user = components.user?.removingPercentEncoding ?? components.user ?? "postgres"
        self.password = components.password?.removingPercentEncoding ?? components.password
        self.database = database.removingPercentEncoding ?? database
        self.tls = .prefer
        self.efSearch = 100
        for item in components.queryItems ?? [] {
            switch item.name {
            case "sslmode":
                guard let value = item.value, let mode = TLSMode(rawValue: value) else {
                    let known = TLSMode.allCases.map(\.rawValue).joined(separator: ", ")
                    throw .invalidURL(text, reason: "sslmode must be one of \(known)")
                }
                tls = mode
            case "ef_search":
                guard let value = item.value.flatMap(Int.init), (1...Self.maxEfSearch).contains(value) else {
                    throw .invalidURL(text, reason: "ef_search must be a whole number from 1 to \(Self.maxEfSearch)")
                }
                efSearch = value
            case "sslrootcert":
                guard let value = item.value, !value.isEmpty else {
                    throw .invalidURL(text, reason: "sslrootcert must name a PEM file of certificate authorities")
                }
                sslRootCert = value
            case "connect_timeout":
                guard let value = item.value.flatMap(Int.init), (1...3600).contains(value) else {
                    throw .invalidURL(text, reason: "connect_timeout must be whole seconds from 1 to 3600")
                }
                connectTimeout = value
            case "statement_timeout", "lock_timeout":
                guard let value = item.value.flatMap(Self.milliseconds) else {
                    throw .invalidURL(
                        text, reason: "\(item.name) must be a duration such as 30s, 2min or 500ms (0: no limit)")
                }
                if item.name == "lock_timeout" { lockTimeout = value } else { statementTimeout = value }
            case "schema":
                guard let value = item.value, Self.isIdentifier(value) else {
                    throw .invalidURL(text, reason: "schema must be a lowercase identifier ([a-z_][a-z0-9_]*)")
                }
                schema = value
            default:
                throw .invalidURL(
                    text, reason: "unknown parameter '\(item.name)' (known: \(Self.parameters.joined(separator: ", ")))"
                )
            }
        }
    }

    /// The query parameters a URL may have.
    static let parameters = [
        "sslmode", "sslrootcert", "connect_timeout", "statement_timeout", "lock_timeout", "ef_search", "schema",
    ]

    /// A duration in PostgreSQL's syntax for time settings (`500ms`, `30s`, `2min`, `1h`; a bare number is
    /// milliseconds) as milliseconds; nil if it is not one, or longer than PostgreSQL allows.
    static func milliseconds(_ text: String) -> Int? {
        let digits = text.prefix(while: { $0.isASCII && $0.isNumber })
        guard !digits.isEmpty, digits.count <= 10, let value = Int(digits) else { return nil }
        let scale: Int
        switch text.dropFirst(digits.count) {
        case "", "ms": scale = 1
        case "s": scale = 1000
        case "min": scale = 60_000
        case "h": scale = 3_600_000
        default: return nil
        }
        let milliseconds = value.multipliedReportingOverflow(by: scale)
        guard !milliseconds.overflow, milliseconds.partialValue <= Int(Int32.max) else { return nil }
        return milliseconds.partialValue
    }

    /// `milliseconds` in the shortest exact unit of PostgreSQL's syntax.
    static func duration(_ milliseconds: Int) -> String {
        if milliseconds > 0, milliseconds % 3_600_000 == 0 { return "\(milliseconds / 3_600_000)h" }
        if milliseconds > 0, milliseconds % 60_000 == 0 { return "\(milliseconds / 60_000)min" }
        if milliseconds > 0, milliseconds % 1000 == 0 { return "\(milliseconds / 1000)s" }
        return "\(milliseconds)ms"
    }

    /// Whether `text` is a plain lowercase SQL identifier, safe to write into statements unquoted.
    static func isIdentifier(_ text: String) -> Bool {
        guard let first = text.unicodeScalars.first, first == "_" || ("a"..."z").contains(first), text.count <= 63
        else { return false }
        return text.unicodeScalars.allSatisfy { $0 == "_" || ("a"..."z").contains($0) || ("0"..."9").contains($0) }
    }

    /// The URL without its password, for messages and logs.
    public var description: String {
        var text = "postgres://\(user)@\(host):\(port)/\(database)"
        var parameters: [String] = []
        if tls != .prefer { parameters.append("sslmode=\(tls.rawValue)") }
        if let sslRootCert { parameters.append("sslrootcert=\(sslRootCert)") }
        if connectTimeout != 10 { parameters.append("connect_timeout=\(connectTimeout)") }
        if let statementTimeout { parameters.append("statement_timeout=\(Self.duration(statementTimeout))") }
        if lockTimeout != Self.defaultLockTimeout { parameters.append("lock_timeout=\(Self.duration(lockTimeout))") }
        if efSearch != 100 { parameters.append("ef_search=\(efSearch)") }
        if let schema { parameters.append("schema=\(schema)") }
        if !parameters.isEmpty { text += "?" + parameters.joined(separator: "&") }
        return text
    }
}
