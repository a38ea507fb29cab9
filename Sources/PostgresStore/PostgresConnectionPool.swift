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
        let tls: PostgresConnection.Configuration.TLS
        do {
            tls = try self.tls()
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            throw PostgresStoreError.connectionFailed(url: url.description, reason: "TLS: \(error)")
        }
        let eventLoop = MultiThreadedEventLoopGroup.singleton.any()
        do {
            let channel = try Self.bootstrap(on: eventLoop, url: url).connect(host: url.host, port: url.port).wait()
            var configuration = PostgresConnection.Configuration(
                establishedChannel: channel, tls: tls, username: url.user, password: url.password,
                database: url.database)
            // Bounds the log-in as the bootstrap bounds the TCP connect: a server that accepts and never answers
            // (a stopped process, a full backlog behind a proxy) is an error after connect_timeout, not a hang.
            configuration.options.connectTimeout = .seconds(Int64(url.connectTimeout))
            configuration.options.tlsServerName = Self.isAddress(url.host) ? nil : url.host
            configuration.options.additionalStartupParameters = Self.startupParameters(url)
            let connection = try PostgresConnection.connect(
                on: eventLoop, configuration: configuration, id: id, logger: logger
            ).wait()
            return PostgresSession(connection: connection, url: url)
        } catch let error as PostgresStoreError {
            throw error
        } catch {
            throw PostgresStoreError.connectionFailed(url: url.description, reason: PostgresSession.reason(error))
        }
    }

    /// TCP with keepalive probes, so that a connection to a host that vanished (a partition, a dead machine, a
    /// failover that moved the address) fails within about a minute instead of waiting on a silent socket, and with
    /// TCP_USER_TIMEOUT, which does the same for a request sent and never acknowledged (libpq's `keepalives` and
    /// `tcp_user_timeout`).
    static func bootstrap(on eventLoop: any EventLoop, url: PostgresURL) -> ClientBootstrap {
        let tcp = NIOBSDSocket.OptionLevel(rawValue: CInt(IPPROTO_TCP))
        func tcpOption(_ name: CInt) -> ChannelOptions.Types.SocketOption {
            ChannelOptions.Types.SocketOption(level: tcp, name: NIOBSDSocket.Option(rawValue: name))
        }
        return ClientBootstrap(group: eventLoop)
            .connectTimeout(.seconds(Int64(url.connectTimeout)))
            .channelOption(ChannelOptions.socketOption(.so_keepalive), value: 1)
            .channelOption(tcpOption(CInt(TCP_KEEPIDLE)), value: keepaliveIdle)
            .channelOption(tcpOption(CInt(TCP_KEEPINTVL)), value: keepaliveInterval)
            .channelOption(tcpOption(CInt(TCP_KEEPCNT)), value: keepaliveCount)
            .channelOption(tcpOption(CInt(TCP_USER_TIMEOUT)), value: userTimeout)
            .channelOption(ChannelOptions.socketOption(.tcp_nodelay), value: 1)
    }

    /// Seconds of silence before the first keepalive probe, seconds between probes, and unanswered probes that end
    /// the connection: a dead peer is noticed after 30 + 3 × 10 s.
    static let keepaliveIdle: SocketOptionValue = 30
    static let keepaliveInterval: SocketOptionValue = 10
    static let keepaliveCount: SocketOptionValue = 3
    /// Milliseconds sent data may stay unacknowledged.
    static let userTimeout: SocketOptionValue = 60_000

    /// Settings sent with the log-in, which saves a round trip per setting and holds for the whole session: the
    /// schema's tables first on the search path (pgvector's types stay reachable in public), and the waits' limits.
    static func startupParameters(_ url: PostgresURL) -> [(String, String)] {
        var parameters = [("lock_timeout", PostgresURL.duration(url.lockTimeout))]
        if let statementTimeout = url.statementTimeout {
            parameters.append(("statement_timeout", PostgresURL.duration(statementTimeout)))
        }
        if let schema = url.schema { parameters.append(("search_path", "\(schema), public")) }
        return parameters
    }

    /// Whether `host` is an IPv4 or IPv6 address (TLS then checks the certificate's IP names, without SNI).
    static func isAddress(_ host: String) -> Bool {
        var v4 = in_addr()
        var v6 = in6_addr()
        return inet_pton(AF_INET, host, &v4) == 1 || inet_pton(AF_INET6, host, &v6) == 1
    }

    /// libpq's modes: `prefer` and `require` encrypt without verifying, `verify-ca` verifies the chain, and
    /// `verify-full` the chain and the host; `sslrootcert` replaces the system's trust roots.
    private func tls() throws -> PostgresConnection.Configuration.TLS {
        var configuration = TLSConfiguration.makeClientConfiguration()
        if let sslRootCert = url.sslRootCert {
            guard FileManager.default.isReadableFile(atPath: sslRootCert) else {
                throw PostgresStoreError.connectionFailed(
                    url: url.description, reason: "cannot read the sslrootcert file \(sslRootCert)")
            }
            configuration.trustRoots = .file(sslRootCert)
        }
        switch url.tls {
        case .disable:
            return .disable
        case .prefer:
            configuration.certificateVerification = .none
            return .prefer(try NIOSSLContext(configuration: configuration))
        case .require:
            configuration.certificateVerification = .none
            return .require(try NIOSSLContext(configuration: configuration))
        case .verifyCA:
            configuration.certificateVerification = .noHostnameVerification
            return .require(try NIOSSLContext(configuration: configuration))
        case .verifyFull:
            return .require(try NIOSSLContext(configuration: configuration))
        }
    }
}
