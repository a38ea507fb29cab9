import Foundation

/// Where the server is in its life: loading its models, ready with them, or failed to load them.
final class ServerState: @unchecked Sendable {
    /// What the routes read once the models are loaded.
    struct Ready: Sendable {
        var models: ServedModels
        var worker: ModelWorker
    }

    enum Phase {
        case loading
        /// Loaded but for the index, which is not there yet or not reachable (a shared index): retried.
        case waiting(String)
        case ready(Ready)
        case failed(any Error)
    }

    private let lock = NSLock()
    private var current = Phase.loading

    var phase: Phase {
        lock.lock()
        defer { lock.unlock() }
        return current
    }

    func set(_ phase: Phase) {
        lock.lock()
        current = phase
        lock.unlock()
    }

    /// The loaded models, or 503 while they load.
    func ready() throws(ServerError) -> Ready {
        switch phase {
        case .ready(let ready): return ready
        case .loading: throw .notReady("the models are still loading; retry after the Retry-After seconds")
        case .waiting(let reason):
            throw .notReady("waiting for the index (\(reason)); retry after the Retry-After seconds")
        case .failed(let error): throw .notReady("the models failed to load: \(error.localizedDescription)")
        }
    }
}

/// Runs blocking work (model loading) on a thread of its own, off Swift's cooperative pool.
enum BlockingWork {
    static func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await withCheckedThrowingContinuation { continuation in
            let thread = Thread { continuation.resume(with: Result { try work() }) }
            thread.stackSize = 8 << 20
            thread.start()
        }
    }
}
