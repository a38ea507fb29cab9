import Hummingbird

/// Every route the server has, by path and method: the 405 check, the authentication exemptions and the OpenAPI
/// document's tests all read it.
enum RouteTable {
    /// One path and the methods it takes.
    struct Entry {
        /// The path, or a prefix ending in `/` for `/models/{model_id}` (ids contain slashes).
        var path: String
        var methods: [HTTPRequest.Method]
        var isPrefix = false
    }

    static let entries: [Entry] = [
        Entry(path: "/", methods: [.get]),
        Entry(path: "/healthz", methods: [.get]),
        Entry(path: "/readyz", methods: [.get]),
        Entry(path: "/metrics", methods: [.get]),
        Entry(path: "/openapi.json", methods: [.get]),
        Entry(path: "/v1/ask", methods: [.post]),
        Entry(path: "/v1/read", methods: [.post]),
        Entry(path: "/models/", methods: [.post], isPrefix: true),
        Entry(path: "/ping", methods: [.get]),
        Entry(path: "/invocations", methods: [.post]),
        Entry(path: "/score", methods: [.post]),
    ]

    /// Routes a platform's probes reach without credentials: liveness (`/healthz`, Azure ML's `GET /`, which is
    /// also the page and holds no data) and SageMaker's `/ping`.
    static let unauthenticated: Set<String> = ["/healthz", "/", "/ping"]

    /// The methods `path` takes, or nil when no route has it.
    static func methods(for path: String) -> [HTTPRequest.Method]? {
        entries.first { $0.isPrefix ? path.hasPrefix($0.path) && path.count > $0.path.count : $0.path == path }?.methods
    }
}
