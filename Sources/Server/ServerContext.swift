import Hummingbird
import NIOCore

/// The request context of the server's routes: Hummingbird's core context and the connection's channel (for
/// noticing a client that goes away).
public struct ServerContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The connection the request came on.
    public let channel: any Channel

    public init(source: ApplicationRequestContextSource) {
        coreContext = CoreRequestContextStorage(source: source)
        channel = source.channel
    }

    /// Bodies are collected by the routes against the configured limit.
    public var maxUploadSize: Int { .max }
}
