import Foundation
import Reader

/// Runs every model computation of the server on one thread of its own, so the event loops and Swift's
/// cooperative threads never block on the CPU-bound encoder.
///
/// Reads are batched dynamically: the first waiting read waits up to `maxWait` for others, then the reads at the
/// front of the queue whose windows fit in `maxBatch` run through the model together (one length-sorted, packed
/// pass) and each is decoded with its own options. Other work (a whole `ask`) runs alone, in queue order. The queue
/// is bounded: beyond `maxQueue` waiting requests a submit fails at once with `ServerError.overloaded`.
public final class ModelWorker: @unchecked Sendable {
    /// What a batch did, for metrics.
    public struct BatchReport: Sendable {
        /// Requests read together.
        public var requests: Int
        /// Model windows in the batch.
        public var windows: Int
        /// Seconds in the model and the decoder.
        public var seconds: Double
    }

    private let reader: ExtractiveReader
    private let maxBatch: Int
    private let maxWait: Duration
    private let maxQueue: Int
    private let onBatch: @Sendable (BatchReport) -> Void
    private let onQueueDepth: @Sendable (Int) -> Void

    // Everything below is guarded by `condition`.
    private let condition = NSCondition()
    private var queue: [Job] = []
    private var stopped = false

    /// Starts the worker thread.
    public init(
        reader: ExtractiveReader, maxBatch: Int, maxWait: Duration, maxQueue: Int,
        onBatch: @escaping @Sendable (BatchReport) -> Void = { _ in },
        onQueueDepth: @escaping @Sendable (Int) -> Void = { _ in }
    ) {
        self.reader = reader
        self.maxBatch = max(maxBatch, 1)
        self.maxWait = maxWait
        self.maxQueue = max(maxQueue, 1)
        self.onBatch = onBatch
        self.onQueueDepth = onQueueDepth
        let thread = Thread { [self] in loop() }
        thread.name = "askdocs-model"
        thread.stackSize = 8 << 20
        thread.start()
    }

    /// Reads encoded pairs, batched with whatever else arrives within the wait; results are in input order.
    /// A cancelled caller's pairs are dropped if they have not reached the model yet.
    public func read(_ inputs: [EncodedReaderInput]) async throws -> [ReaderResult] {
        let windows = inputs.reduce(0) { $0 + $1.windows.count }
        return try await submit { ticket, resume in
            .read(ReadJob(ticket: ticket, inputs: inputs, windows: windows, arrived: .now, resume: resume))
        }
    }

    /// Runs `work` on the model thread, alone and in queue order.
    public func run<Value: Sendable>(_ work: @escaping @Sendable () throws -> Value) async throws -> Value {
        try await submit { ticket, resume in
            .work(
                WorkJob(ticket: ticket) {
                    resume(Result { try work() })
                })
        }
    }

    /// Requests waiting for the model.
    public var queueDepth: Int {
        condition.lock()
        defer { condition.unlock() }
        return queue.count
    }

    /// Lets the queue drain, then ends the thread; later submits fail with `ServerError.shuttingDown`.
    public func stop() {
        condition.lock()
        stopped = true
        condition.broadcast()
        condition.unlock()
    }

    // MARK: Queue

    private final class Ticket: @unchecked Sendable {
        /// Guarded by the worker's condition.
        var cancelled = false
    }

    private struct ReadJob {
        var ticket: Ticket
        var inputs: [EncodedReaderInput]
        var windows: Int
        var arrived: ContinuousClock.Instant
        var resume: @Sendable (Result<[ReaderResult], any Error>) -> Void
    }

    private struct WorkJob {
        var ticket: Ticket
        var run: () -> Void
    }

    private enum Job {
        case read(ReadJob)
        case work(WorkJob)

        var ticket: Ticket {
            switch self {
            case .read(let job): job.ticket
            case .work(let job): job.ticket
            }
        }
    }

    private func submit<Value: Sendable>(
        _ makeJob: (Ticket, @escaping @Sendable (Result<Value, any Error>) -> Void) -> Job
    ) async throws -> Value {
        let ticket = Ticket()
        return try await withTaskCancellationHandler {
            try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Value, any Error>) in
                let once = ResumeOnce(continuation)
                let job = makeJob(ticket) { once.resume($0) }
                condition.lock()
                defer { condition.unlock() }
                if ticket.cancelled {
                    once.resume(.failure(CancellationError()))
                } else if stopped {
                    once.resume(.failure(ServerError.shuttingDown))
                } else if queue.count >= maxQueue {
                    once.resume(.failure(ServerError.overloaded(queued: queue.count)))
                } else {
                    queue.append(job)
                    cancellations[ObjectIdentifier(ticket)] = { once.resume(.failure(CancellationError())) }
                    onQueueDepth(queue.count)
                    condition.signal()
                }
            }
        } onCancel: {
            condition.lock()
            ticket.cancelled = true
            var dropped: (@Sendable () -> Void)?
            if let index = queue.firstIndex(where: { $0.ticket === ticket }) {
                queue.remove(at: index)
                dropped = cancellations.removeValue(forKey: ObjectIdentifier(ticket))
                onQueueDepth(queue.count)
            }
            condition.unlock()
            dropped?()
        }
    }

    /// How a queued job's caller is resumed when it is dropped before running (guarded by `condition`).
    private var cancellations: [ObjectIdentifier: @Sendable () -> Void] = [:]

    // MARK: Thread

    private func loop() {
        while true {
            condition.lock()
            while queue.isEmpty && !stopped { condition.wait() }
            if queue.isEmpty {
                condition.unlock()
                return
            }
            if case .work(let job) = queue[0] {
                queue.removeFirst()
                cancellations.removeValue(forKey: ObjectIdentifier(job.ticket))
                onQueueDepth(queue.count)
                condition.unlock()
                job.run()
                continue
            }
            guard case .read(let first) = queue[0] else { continue }
            let deadline = first.arrived + maxWait
            while !stopped, queuedReadWindows() < maxBatch, queue.first?.ticket === first.ticket {
                let remaining = deadline - .now
                guard remaining > .zero else { break }
                _ = condition.wait(until: Date(timeIntervalSinceNow: remaining.secondsValue))
            }
            // The first read may have been cancelled while waiting: start again from the queue's front.
            guard queue.first?.ticket === first.ticket else {
                condition.unlock()
                continue
            }
            let batch = takeReads()
            onQueueDepth(queue.count)
            condition.unlock()
            runBatch(batch)
        }
    }

    /// Windows of the reads waiting, counted until `maxBatch` is reached.
    private func queuedReadWindows() -> Int {
        var total = 0
        for case .read(let job) in queue {
            total += job.windows
            if total >= maxBatch { break }
        }
        return total
    }

    /// Removes the reads that form the next batch: the first one, then later ones in order while their windows fit.
    private func takeReads() -> [ReadJob] {
        var batch: [ReadJob] = []
        var windows = 0
        var index = 0
        while index < queue.count {
            guard case .read(let job) = queue[index] else {
                index += 1
                continue
            }
            if !batch.isEmpty && windows + job.windows > maxBatch {
                index += 1
                continue
            }
            batch.append(job)
            windows += job.windows
            queue.remove(at: index)
            cancellations.removeValue(forKey: ObjectIdentifier(job.ticket))
            if windows >= maxBatch { break }
        }
        return batch
    }

    private func runBatch(_ batch: [ReadJob]) {
        let clock = ContinuousClock()
        let start = clock.now
        let inputs = batch.flatMap(\.inputs)
        let outcome: Result<[ReaderResult], any Error> = Result {
            try reader.read(encoded: inputs, batchSize: maxBatch)
        }
        let seconds = (clock.now - start).secondsValue
        onBatch(BatchReport(requests: batch.count, windows: batch.reduce(0) { $0 + $1.windows }, seconds: seconds))
        switch outcome {
        case .success(let results):
            var next = 0
            for job in batch {
                job.resume(.success(Array(results[next..<next + job.inputs.count])))
                next += job.inputs.count
            }
        case .failure(let error):
            for job in batch { job.resume(.failure(error)) }
        }
    }
}

/// Resumes a continuation at most once, whoever gets there first (the worker or a cancellation).
private final class ResumeOnce<Value: Sendable>: @unchecked Sendable {
    private let lock = NSLock()
    private var continuation: CheckedContinuation<Value, any Error>?

    init(_ continuation: CheckedContinuation<Value, any Error>) {
        self.continuation = continuation
    }

    func resume(_ result: Result<Value, any Error>) {
        lock.lock()
        let pending = continuation
        continuation = nil
        lock.unlock()
        pending?.resume(with: result)
    }
}

extension Duration {
    /// The duration in seconds.
    var secondsValue: Double {
        let parts = components
        return Double(parts.seconds) + Double(parts.attoseconds) * 1e-18
    }
}
