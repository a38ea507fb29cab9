import Foundation

/// How `askdocs serve` listens, batches and limits what it accepts.
public struct ServerConfiguration: Sendable, Equatable {
    /// The address to bind (127.0.0.1 by default: reachable from this machine only).
    public var host: String
    /// The port; 0 picks a free one (the log line "listening on …" names it).
    public var port: Int
    /// Most model windows read in one batch.
    public var maxBatch: Int
    /// How long the first request of a batch waits for others to join it.
    public var maxWait: Duration
    /// Requests waiting for the model beyond which new ones get 503 with `Retry-After`.
    public var maxQueue: Int
    /// Largest request body in bytes (413 beyond).
    public var maxBodyBytes: Int
    /// Longest question, in Unicode scalars.
    public var maxQuestionLength: Int
    /// Longest context of the reader routes, in Unicode scalars.
    public var maxContextLength: Int
    /// Most (question, context) pairs in one reader request.
    public var maxInputs: Int
    /// The bearer token every route but the probes requires (nil: no authentication).
    public var token: String?
    /// How long a graceful shutdown waits for requests in flight.
    public var shutdownGrace: Duration

    /// Defaults suited to one machine serving a team.
    public static let `default` = ServerConfiguration()

    /// Creates a configuration.
    public init(
        host: String = "127.0.0.1", port: Int = 8080, maxBatch: Int = 16, maxWait: Duration = .milliseconds(5),
        maxQueue: Int = 256, maxBodyBytes: Int = 1 << 20, maxQuestionLength: Int = 1_000,
        maxContextLength: Int = 200_000, maxInputs: Int = 64, token: String? = nil,
        shutdownGrace: Duration = .seconds(30)
    ) {
        self.host = host
        self.port = port
        self.maxBatch = maxBatch
        self.maxWait = maxWait
        self.maxQueue = maxQueue
        self.maxBodyBytes = maxBodyBytes
        self.maxQuestionLength = maxQuestionLength
        self.maxContextLength = maxContextLength
        self.maxInputs = maxInputs
        self.token = token
        self.shutdownGrace = shutdownGrace
    }

    /// Why the configuration cannot serve, or nil.
    public var problem: String? {
        if !(0...65_535).contains(port) { return "the port must be between 0 and 65535 (got \(port))" }
        if maxBatch < 1 { return "the batch size must be at least 1 window (got \(maxBatch))" }
        if maxWait < .zero { return "the batch wait cannot be negative" }
        if maxQueue < 1 { return "the queue must hold at least 1 request (got \(maxQueue))" }
        if maxBodyBytes < 1_024 { return "the body limit must be at least 1024 bytes (got \(maxBodyBytes))" }
        if let token, token.isEmpty { return "the token is empty" }
        return nil
    }
}
