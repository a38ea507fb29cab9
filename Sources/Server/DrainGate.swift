import Foundation
import Logging
import ServiceLifecycle

/// Graceful shutdown with a visible refusal: once SIGTERM arrives, requests in flight finish while new ones get 503
/// (the socket stays open, so clients learn the server is going rather than finding it gone), and only then does the
/// HTTP server close.
public final class DrainGate: @unchecked Sendable {
    private let lock = NSLock()
    private var draining = false
    private var inFlight = 0

    /// Creates an open gate.
    public init() {}

    /// Lets a request in, or refuses it while draining.
    func enter() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if draining { return false }
        inFlight += 1
        return true
    }

    /// A request let in is answered.
    func leave() {
        lock.lock()
        inFlight -= 1
        lock.unlock()
    }

    /// Requests let in and not answered yet.
    var requestsInFlight: Int {
        lock.lock()
        defer { lock.unlock() }
        return inFlight
    }

    /// Whether the gate refuses new requests.
    var isDraining: Bool {
        lock.lock()
        defer { lock.unlock() }
        return draining
    }

    /// Refuses new requests from now on.
    func startDraining() {
        lock.lock()
        draining = true
        lock.unlock()
    }
}

/// The service that drains the gate when the service group shuts down gracefully; it is listed after the HTTP
/// server, so it shuts down first (ServiceGroup stops services in reverse order).
struct DrainService: Service {
    let gate: DrainGate
    let grace: Duration
    let logger: Logger
    /// Called once the requests in flight are answered (stops the model thread).
    let drained: @Sendable () -> Void

    func run() async throws {
        // Suspends until SIGTERM (or another graceful shutdown); a cancellation ends the server at once.
        try? await gracefulShutdown()
        gate.startDraining()
        logger.notice("shutting down: \(gate.requestsInFlight) requests in flight finish, new ones get 503")
        let clock = ContinuousClock()
        let deadline = clock.now + grace
        while gate.requestsInFlight > 0, clock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if gate.requestsInFlight > 0 {
            logger.warning("shutting down with \(gate.requestsInFlight) requests unanswered after the grace period")
        }
        drained()
    }
}
