import Foundation
import Hummingbird
import Logging

/// The outermost middleware: turns every error into the JSON error shape, then records the request's route,
/// status and latency in the metrics and one access-log line.
struct AccessLogMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let metrics: ServerMetrics
    let logger: Logger

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let clock = ContinuousClock()
        let start = clock.now
        var response: Response
        do {
            response = try await next(request, context)
        } catch {
            response = Self.response(for: error, request: request, context: context)
        }
        let duration = clock.now - start
        let route = Self.routeLabel(request.uri.path)
        metrics.request(route: route, method: request.method.rawValue, status: response.status.code, duration: duration)
        logger.info(
            "\(request.method.rawValue) \(request.uri.path) \(response.status.code) \(String(format: "%.1f", duration.secondsValue * 1000)) ms"
        )
        return response
    }

    /// An error as the client sees it: `ServerError`s as they are, Hummingbird's errors (a body over the limit,
    /// an unknown path) in the same shape, anything else as a 500 with its one-line message.
    static func response(for error: any Error, request: Request, context: Context) -> Response {
        let serverError: ServerError
        switch error {
        case let known as ServerError: serverError = known
        case let http as HTTPError where http.status == .notFound: serverError = .notFound(path: request.uri.path)
        case let http as HTTPError where http.status == .contentTooLarge: serverError = .payloadTooLarge(limit: 0)
        case let http as HTTPError:
            return Response(
                status: http.status, headers: [.contentType: "application/json"],
                body: ResponseBody(
                    byteBuffer: ByteBuffer(bytes: ServerError.body(http.body ?? http.status.reasonPhrase))))
        case let other as any HTTPResponseError:
            return (try? other.response(from: request, context: context)) ?? Response(status: other.status)
        default: serverError = .failed(error.localizedDescription)
        }
        return (try? serverError.response(from: request, context: context)) ?? Response(status: serverError.status)
    }

    /// The metrics' route label: the route, not the raw path (model ids and unknown paths would grow the label set).
    static func routeLabel(_ path: String) -> String {
        if path.hasPrefix("/models/") { return "/models/{model_id}" }
        return RouteTable.methods(for: path) == nil ? "unmatched" : path
    }
}

/// Refuses new requests with 503 once a graceful shutdown began, and counts the ones in flight.
struct DrainMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let gate: DrainGate

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        guard gate.enter() else { throw ServerError.shuttingDown }
        defer { gate.leave() }
        var response = try await next(request, context)
        if gate.isDraining { response.headers[.connection] = "close" }
        return response
    }
}

/// Bearer-token authentication of every route but the probes; 405 for a known path with another method.
struct AccessMiddleware: RouterMiddleware {
    typealias Context = ServerContext
    let token: String?

    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws
        -> Response
    {
        let path = request.uri.path
        if let token, !RouteTable.unauthenticated.contains(path) {
            let expected = "Bearer \(token)"
            guard let given = request.headers[.authorization], Self.constantTimeEqual(given, expected) else {
                throw ServerError.unauthorized
            }
        }
        if let methods = RouteTable.methods(for: path), !methods.contains(request.method) {
            throw ServerError.methodNotAllowed(method: request.method.rawValue, allowed: methods.map(\.rawValue))
        }
        return try await next(request, context)
    }

    /// Compares without stopping at the first difference, so timing does not reveal how much of a token was right.
    static func constantTimeEqual(_ a: String, _ b: String) -> Bool {
        let (x, y) = (Array(a.utf8), Array(b.utf8))
        var difference = UInt8(x.count == y.count ? 0 : 1)
        for index in 0..<min(x.count, y.count) { difference |= x[index] ^ y[index] }
        return difference == 0
    }
}
