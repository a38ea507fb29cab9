import Foundation
import NIOCore

/// Notices when a client goes away (closes or half-closes its side) while its request waits for the model, so the
/// request's work is dropped instead of read for nobody.
///
/// One per connection, after the HTTP codec; it passes everything on unchanged.
final class ConnectionWatcher: ChannelInboundHandler, RemovableChannelHandler, @unchecked Sendable {
    typealias InboundIn = NIOAny

    private let lock = NSLock()
    private var closed = false
    private var observers: [Int: @Sendable () -> Void] = [:]
    private var nextObserver = 0

    /// Calls `action` once when the client goes away (at once if it has); returns a key for `forget`.
    func whenClosed(_ action: @escaping @Sendable () -> Void) -> Int {
        lock.lock()
        if closed {
            lock.unlock()
            action()
            return -1
        }
        nextObserver += 1
        observers[nextObserver] = action
        lock.unlock()
        return nextObserver
    }

    /// Stops watching for the observer `key` (its request is answered).
    func forget(_ key: Int) {
        lock.lock()
        observers.removeValue(forKey: key)
        lock.unlock()
    }

    private func markClosed() {
        lock.lock()
        closed = true
        let pending = observers.values
        observers.removeAll()
        lock.unlock()
        for action in pending { action() }
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        context.fireChannelRead(data)
    }

    func userInboundEventTriggered(context: ChannelHandlerContext, event: Any) {
        if let event = event as? ChannelEvent, case .inputClosed = event { markClosed() }
        context.fireUserInboundEventTriggered(event)
    }

    func channelInactive(context: ChannelHandlerContext) {
        markClosed()
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        markClosed()
        context.fireErrorCaught(error)
    }
}

extension ConnectionWatcher {
    /// Runs `operation`, cancelling it when the client of `channel` goes away first.
    static func cancellingOnDisconnect<Value: Sendable>(
        _ channel: any Channel, _ operation: @escaping @Sendable () async throws -> Value
    ) async throws -> Value {
        let watcher = try? await channel.pipeline.handler(type: ConnectionWatcher.self).get()
        let task = Task { try await operation() }
        let key = watcher?.whenClosed { task.cancel() }
        defer { if let key { watcher?.forget(key) } }
        return try await withTaskCancellationHandler {
            try await task.value
        } onCancel: {
            task.cancel()
        }
    }
}
