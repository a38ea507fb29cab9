import Foundation
import Hummingbird

/// What the server answers instead of a result: an HTTP status and a one-line message, sent as the Hugging Face
/// Inference API's error shape, `{"error": "…"}`.
public enum ServerError: Error, Equatable, Sendable {
    /// The body is not the JSON the route takes; the message names the field.
    case badRequest(String)
    /// No route has this path.
    case notFound(path: String)
    /// The model route names a model this server does not serve.
    case unknownModel(requested: String, served: String)
    /// The route exists but not with this method.
    case methodNotAllowed(method: String, allowed: [String])
    /// The body is larger than the limit.
    case payloadTooLarge(limit: Int)
    /// A bearer token is required and missing or wrong.
    case unauthorized
    /// Too many requests are waiting for the model.
    case overloaded(queued: Int)
    /// The models (or the index) are still loading, or the index is absent.
    case notReady(String)
    /// The server is shutting down and takes no new requests.
    case shuttingDown
    /// The index cannot be reached now (a shared store unreachable or too slow); another try may succeed.
    case indexUnavailable(String)
    /// The request was valid but reading or asking failed.
    case failed(String)

    /// The HTTP status of the error.
    public var status: HTTPResponse.Status {
        switch self {
        case .badRequest: .badRequest
        case .notFound, .unknownModel: .notFound
        case .methodNotAllowed: .methodNotAllowed
        case .payloadTooLarge: .contentTooLarge
        case .unauthorized: .unauthorized
        case .overloaded, .notReady, .shuttingDown, .indexUnavailable: .serviceUnavailable
        case .failed: .internalServerError
        }
    }

    /// Seconds a client should wait before trying again (503s only).
    var retryAfter: Int? {
        switch self {
        case .overloaded: 1
        case .notReady: 5
        case .indexUnavailable: 1
        case .shuttingDown: 10
        default: nil
        }
    }
}

extension ServerError: LocalizedError {
    /// One line that says what to change.
    public var errorDescription: String? {
        switch self {
        case .badRequest(let message): message
        case .notFound(let path): "no route \(path); GET /openapi.json lists the routes"
        case .unknownModel(let requested, let served):
            "Model \(requested) is not served here; this server serves \(served)"
        case .methodNotAllowed(let method, let allowed):
            "\(method) is not allowed here; use \(allowed.joined(separator: " or "))"
        case .payloadTooLarge(let limit): "the request body is larger than \(limit) bytes"
        case .unauthorized: "a bearer token is required: send Authorization: Bearer <token>"
        case .overloaded(let queued):
            "the server is busy (\(queued) requests waiting); retry after the Retry-After seconds"
        case .notReady(let reason), .indexUnavailable(let reason): reason
        case .shuttingDown: "the server is shutting down"
        case .failed(let reason): reason
        }
    }
}

extension ServerError: HTTPResponseError {
    /// `{"error": message}` with the status, `Retry-After` on 503, `Allow` on 405, `WWW-Authenticate` on 401.
    public func response(from request: Request, context: some RequestContext) throws -> Response {
        var headers: HTTPFields = [.contentType: "application/json"]
        if let retryAfter { headers[.retryAfter] = String(retryAfter) }
        if case .methodNotAllowed(_, let allowed) = self { headers[.allow] = allowed.joined(separator: ", ") }
        if case .unauthorized = self { headers[.wwwAuthenticate] = "Bearer" }
        return Response(
            status: status, headers: headers,
            body: ResponseBody(byteBuffer: ByteBuffer(bytes: Self.body(localizedDescription))))
    }

    /// The error object's bytes.
    static func body(_ message: String) -> Data {
        (try? JSONSerialization.data(withJSONObject: ["error": message], options: [.withoutEscapingSlashes])) ?? Data()
    }
}
