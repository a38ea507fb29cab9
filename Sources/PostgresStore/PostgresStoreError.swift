import Foundation

/// Why a PostgreSQL index cannot be used; each case is one actionable line.
public enum PostgresStoreError: LocalizedError, Equatable, Sendable {
    /// The database URL does not parse.
    case invalidURL(String, reason: String)
    /// The server could not be reached or refused the login.
    case connectionFailed(url: String, reason: String)
    /// A statement failed on the server (SQLSTATE and message).
    case statementFailed(url: String, sqlState: String?, message: String)
    /// The server ended the session or the network dropped it (a crash, a restart, a failover).
    case connectionLost(url: String, reason: String)
    /// The database has no pgvector extension and the role cannot create it.
    case noVectorExtension(url: String, reason: String)
    /// The database was written by a newer AskDocs schema.
    case schemaTooNew(url: String, found: Int, supported: Int)
    /// The database has never been published to.
    case notAnIndex(url: String)
    /// Vectors of a size the database's embedding column does not hold.
    case dimensionMismatch(url: String, stored: Int, given: Int)
    /// The server answered with rows of another shape than the statement asks for (a schema changed by hand).
    case unexpectedResult(reason: String)
    /// Another writer is publishing to the database now.
    case writerBusy(url: String)
    /// A statement ran past the statement timeout and the server cancelled it.
    case statementTimedOut(url: String, limit: String)
    /// A statement waited past the lock timeout for a lock another session holds.
    case lockTimedOut(url: String, limit: String)
    /// The server cancelled a statement that conflicted with concurrent work: on a replica, changes replayed from
    /// the primary (a publish swapping tables), or a serialization failure or deadlock (SQLSTATE 40001, 40P01).
    case cancelledByConflict(url: String, sqlState: String, message: String)

    /// Whether the same request may succeed later with nothing changed here: the server was unreachable, ended the
    /// session, or was too slow or too busy this time.
    public var isTransient: Bool {
        switch self {
        case .connectionFailed, .connectionLost, .statementTimedOut, .lockTimedOut, .writerBusy, .cancelledByConflict:
            true
        default: false
        }
    }

    /// One line.
    public var errorDescription: String? {
        switch self {
        case .invalidURL(let text, let reason):
            "'\(Self.redacted(text))' is not a PostgreSQL URL: \(reason)"
        case .connectionFailed(let url, let reason):
            "cannot connect to \(url): \(reason); check that the server runs and accepts this role"
        case .statementFailed(let url, let sqlState, let message):
            "PostgreSQL at \(url) refused a statement\(sqlState.map { " (SQLSTATE \($0))" } ?? ""): \(message)"
        case .connectionLost(let url, let reason):
            "lost the connection to \(url) (\(reason)); the server rolls back whatever was not committed, so try "
                + "again once it is reachable"
        case .noVectorExtension(let url, let reason):
            "\(url) has no pgvector extension (\(reason)); install pgvector 0.8 or later and run "
                + "CREATE EXTENSION vector as its owner"
        case .schemaTooNew(let url, let found, let supported):
            "\(url) has AskDocs schema version \(found), newer than this build's \(supported); use a newer askdocs"
        case .notAnIndex(let url):
            "\(url) holds no published AskDocs index yet; index documents into it first"
        case .dimensionMismatch(let url, let stored, let given):
            "\(url) stores \(stored)-dimensional vectors, not \(given); a new retriever rebuilds the index"
        case .unexpectedResult(let reason):
            "PostgreSQL answered unexpectedly: \(reason); was the AskDocs schema changed by hand?"
        case .writerBusy(let url):
            "another writer is publishing to \(url) now; try again when it has finished"
        case .statementTimedOut(let url, let limit):
            "a statement ran longer than statement_timeout=\(limit) at \(url) (an overloaded server, or a wait on "
                + "another session); try again, or raise statement_timeout in the database URL"
        case .lockTimedOut(let url, let limit):
            "waited longer than lock_timeout=\(limit) for a lock another session holds at \(url) (a full rebuild "
                + "being published, or a statement run by hand); try again when it has finished, or raise "
                + "lock_timeout in the database URL"
        case .cancelledByConflict(let url, let sqlState, let message):
            "PostgreSQL at \(url) cancelled a statement that conflicted with concurrent work (SQLSTATE \(sqlState): "
                + "\(message)); nothing was changed, so try again"
        }
    }

    /// `text` with any password removed.
    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? text
    }
}
