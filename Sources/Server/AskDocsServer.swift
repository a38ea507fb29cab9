import AskDocs
import Foundation
import Hummingbird
import Logging
import NIOCore
import ServiceLifecycle

/// `askdocs serve`: the reader and the ask pipeline over HTTP, in one process with the models loaded once.
///
/// The server listens at once (`/healthz` answers) and loads its models in the background (`/readyz` and the model
/// routes answer 503 until they are loaded). SIGTERM or SIGINT shut it down gracefully: requests in flight finish,
/// new ones get 503, then the listener closes.
public struct AskDocsServer: Sendable {
    /// Listening, batching and limits.
    public var configuration: ServerConfiguration
    /// The ask defaults (passages, answers, mode) for what a `/v1/ask` request leaves out.
    public var defaults: Configuration
    /// The access and error log.
    public var logger: Logger
    /// Loads the models (on a thread of its own).
    public var load: @Sendable () throws -> ServedModels

    /// Creates a server.
    public init(
        configuration: ServerConfiguration, defaults: Configuration, logger: Logger,
        load: @escaping @Sendable () throws -> ServedModels
    ) {
        self.configuration = configuration
        self.defaults = defaults
        self.logger = logger
        self.load = load
    }

    /// Serves until SIGTERM or SIGINT; throws when the models fail to load (after shutting down).
    public func run() async throws {
        if let problem = configuration.problem { throw ServerError.failed(problem) }
        let state = ServerState()
        let metrics = ServerMetrics()
        let gate = DrainGate()
        let routes = ServerRoutes(state: state, configuration: configuration, defaults: defaults, metrics: metrics)
        let router = Router(context: ServerContext.self)
        router.middlewares.add(AccessLogMiddleware(metrics: metrics, logger: logger))
        router.middlewares.add(DrainMiddleware(gate: gate))
        router.middlewares.add(AccessMiddleware(token: configuration.token))
        routes.add(to: router)

        let logger = self.logger
        let host = configuration.host
        let app = Application(
            router: router,
            server: .http1(configuration: .init(additionalChannelHandlers: [ConnectionWatcher()])),
            configuration: .init(address: .hostname(host, port: configuration.port), serverName: "askdocs"),
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? 0
                logger.notice("listening on http://\(host):\(port)")
            },
            logger: logger)
        let drain = DrainService(gate: gate, grace: configuration.shutdownGrace, logger: logger) {
            if case .ready(let ready) = state.phase { ready.worker.stop() }
        }
        let group = ServiceGroup(
            services: [app, drain], gracefulShutdownSignals: [.sigterm, .sigint], logger: logger)
        let configuration = self.configuration
        let load = self.load
        let loading = Task {
            do {
                let models = try await Self.loadWaitingForIndex(load, state: state, logger: logger)
                let worker = ModelWorker(
                    reader: models.reader, maxBatch: configuration.maxBatch, maxWait: configuration.maxWait,
                    maxQueue: configuration.maxQueue, onBatch: metrics.batch, onQueueDepth: metrics.queue(depth:))
                state.set(.ready(ServerState.Ready(models: models, worker: worker)))
                let index = models.database.map { ", index \($0)" } ?? " (no index: /v1/ask answers 503)"
                logger.notice("ready: reader \(models.readerName)\(index)")
            } catch is CancellationError {
                // Shut down while waiting for the index: nothing failed.
            } catch {
                state.set(.failed(error))
                logger.error("cannot load the models: \(error.localizedDescription)")
                await group.triggerGracefulShutdown()
            }
        }
        try await group.run()
        loading.cancel()
        if case .failed(let error) = state.phase { throw error }
    }

    /// How often a server whose shared index is missing or unreachable tries again.
    static let indexRetryInterval = Duration.seconds(2)

    /// Loads the models; while the failure is transient (a shared index not published yet, its database not
    /// reachable), waits and tries again, not ready meanwhile, logging each new reason once. A replica may so start
    /// before the first publish or during a database failover, as a balancer's pool expects.
    static func loadWaitingForIndex(
        _ load: @escaping @Sendable () throws -> ServedModels, state: ServerState, logger: Logger
    ) async throws -> ServedModels {
        var reported: String?
        while true {
            do {
                return try await BlockingWork.run(load)
            } catch let error as AskError where error.isTransient {
                let reason = error.localizedDescription
                if reason != reported {
                    logger.warning("waiting for the index: \(reason); trying again every \(indexRetryInterval)")
                    reported = reason
                }
                state.set(.waiting(reason))
                try await Task.sleep(for: indexRetryInterval)
            }
        }
    }
}
