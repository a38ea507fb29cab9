import Foundation

/// Where a PostgreSQL index lives: `postgres://user[:password]@host[:port]/database[?sslmode=…&ef_search=…]`, the
/// libpq URI form (`postgresql://` too).
public struct PostgresURL: Sendable, Equatable, CustomStringConvertible {
    /// How TLS is used, with libpq's names and meanings.
    public enum TLSMode: String, Sendable, CaseIterable {
        /// Never.
        case disable
        /// When the server offers it (libpq's default); the certificate is not verified.
        case prefer
        /// Always, without verifying the certificate.
        case require
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

    /// pgvector's largest `hnsw.ef_search`.
    public static let maxEfSearch = 1000

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
            case "schema":
                guard let value = item.value, Self.isIdentifier(value) else {
                    throw .invalidURL(text, reason: "schema must be a lowercase identifier ([a-z_][a-z0-9_]*)")
                }
                schema = value
            default:
                throw .invalidURL(
                    text, reason: "unknown parameter '\(item.name)' (known: sslmode, ef_search, schema)")
            }
        }
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
        if efSearch != 100 { parameters.append("ef_search=\(efSearch)") }
        if let schema { parameters.append("schema=\(schema)") }
        if !parameters.isEmpty { text += "?" + parameters.joined(separator: "&") }
        return text
    }
}
