import Foundation

/// Scratch memory kept between forward passes, so large activations do not page-fault fresh memory on every call.
///
/// Holds at most one idle buffer (the largest seen); concurrent calls beyond that allocate their own.
final class ScratchPool: @unchecked Sendable {
    private final class Buffer {
        let pointer: UnsafeMutablePointer<Float>
        let capacity: Int

        init(capacity: Int) {
            self.capacity = capacity
            pointer = .allocate(capacity: capacity)
        }

        deinit { pointer.deallocate() }
    }

    private let lock = NSLock()
    private var idle: Buffer?  // guarded by lock

    /// Runs `body` with at least `capacity` floats of uninitialised scratch memory.
    func withScratch<R>(capacity: Int, _ body: (UnsafeMutablePointer<Float>) throws -> R) rethrows -> R {
        lock.lock()
        var buffer = idle
        if let candidate = buffer, candidate.capacity >= capacity {
            idle = nil
        } else {
            buffer = nil
        }
        lock.unlock()
        let scratch = buffer ?? Buffer(capacity: max(capacity, 1))
        defer {
            lock.lock()
            if (idle?.capacity ?? 0) < scratch.capacity { idle = scratch }
            lock.unlock()
        }
        return try body(scratch.pointer)
    }
}
