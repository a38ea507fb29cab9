import AskDocs
import Foundation
import Hummingbird
import NIOCore
import Reader

/// The route handlers over the loaded models.
struct ServerRoutes: Sendable {
    let state: ServerState
    let configuration: ServerConfiguration
    let defaults: Configuration
    let metrics: ServerMetrics

    func add(to router: Router<ServerContext>) {
        router.get("/") { _, _ in Self.respond(Data(AskPage.html.utf8), type: "text/html; charset=utf-8") }
        router.get("/healthz") { _, _ in Self.json(["status": "alive"]) }
        router.get("/readyz") { _, _ in try readiness() }
        router.get("/ping") { _, _ in try readiness() }
        router.get("/metrics") { _, _ in
            Self.respond(Data(metrics.exposition().utf8), type: "text/plain; version=0.0.4; charset=utf-8")
        }
        router.get("/openapi.json") { _, _ in Self.respond(Data(OpenAPIDocument.json.utf8), type: "application/json") }
        router.post("/v1/ask") { request, context in try await ask(request, context) }
        router.post("/v1/read") { request, context in try await read(request, context) }
        router.post("/models/**") { request, context in
            try await inference(request, context, modelID: context.parameters.getCatchAll().joined(separator: "/"))
        }
        router.post("/invocations") { request, context in try await inference(request, context, modelID: nil) }
        router.post("/score") { request, context in try await inference(request, context, modelID: nil) }
    }

    // MARK: Handlers

    private func readiness() throws -> Response {
        let ready = try state.ready()
        var object: [String: Any] = ["status": "ready", "reader": ready.models.readerName]
        object["index"] = ready.models.database ?? NSNull()
        return Self.json(object)
    }

    /// The Hugging Face Inference API question-answering contract (and the SageMaker and Azure ML aliases).
    private func inference(_ request: Request, _ context: ServerContext, modelID: String?) async throws -> Response {
        let ready = try state.ready()
        if let modelID, !ready.models.modelIDs.contains(modelID) {
            throw ServerError.unknownModel(requested: modelID, served: ready.models.readerName)
        }
        let parsed = try ReadingRequest(inferenceBody: try await body(of: request), limits: configuration)
        let results = try await read(parsed, ready: ready, context: context)
        let outputs = results.map { ReaderOutput(answers: $0.answers) }
        return parsed.single ? try Self.encoded(outputs[0]) : try Self.encoded(outputs)
    }

    /// `/v1/read`: one question over one or more contexts, each with its answers and no-answer probability.
    private func read(_ request: Request, _ context: ServerContext) async throws -> Response {
        let ready = try state.ready()
        let parsed = try ReadingRequest(readBody: try await body(of: request), limits: configuration)
        let results = try await read(parsed, ready: ready, context: context)
        return try Self.encoded(
            ReadResponse(
                results: results.map {
                    ReadResponse.Result(answers: $0.answers, noAnswerProbability: $0.noAnswerProbability)
                }))
    }

    private func read(_ parsed: ReadingRequest, ready: ServerState.Ready, context: ServerContext) async throws
        -> [ReaderResult]
    {
        let encoded = try parsed.encode(with: ready.models.reader)
        do {
            return try await ConnectionWatcher.cancellingOnDisconnect(context.channel) {
                try await ready.worker.read(encoded)
            }
        } catch let error as ServerError {
            throw error
        } catch is CancellationError {
            throw ClientGone()
        } catch {
            throw ServerError.failed(error.localizedDescription)
        }
    }

    /// `/v1/ask`: a question over the index, answered with `askdocs ask --json`'s schema.
    private func ask(_ request: Request, _ context: ServerContext) async throws -> Response {
        let ready = try state.ready()
        guard let asker = ready.models.asker else {
            throw ServerError.notReady(ready.models.indexProblem ?? "the server has no index")
        }
        let parsed = try AskRouteRequest(body: try await body(of: request), defaults: defaults, limits: configuration)
        let response: AskResponse
        do {
            response = try await ConnectionWatcher.cancellingOnDisconnect(context.channel) {
                try await ready.worker.run { try asker.ask(parsed.request) }
            }
        } catch let error as ServerError {
            throw error
        } catch is CancellationError {
            throw ClientGone()
        } catch let error as AskError {
            switch error {
            case .emptyQuestion, .questionTooLong, .invalidRequest:
                throw ServerError.badRequest(error.localizedDescription)
            case .indexUnavailable:
                throw ServerError.indexUnavailable(error.localizedDescription)
            default: throw ServerError.failed(error.localizedDescription)
            }
        } catch {
            throw ServerError.failed(error.localizedDescription)
        }
        return try Self.encoded(response)
    }

    // MARK: Bodies

    /// The request body, refused beyond the limit before it is read when `Content-Length` says so.
    private func body(of request: Request) async throws -> Data {
        let limit = configuration.maxBodyBytes
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            throw ServerError.payloadTooLarge(limit: limit)
        }
        do {
            let buffer = try await request.body.collect(upTo: limit)
            return Data(buffer.readableBytesView)
        } catch is NIOTooManyBytesError {
            throw ServerError.payloadTooLarge(limit: limit)
        }
    }

    static func respond(_ data: Data, type: String, status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: [.contentType: type], body: ResponseBody(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func json(_ object: [String: Any]) -> Response {
        let data =
            (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes]))
        return respond(data ?? Data("{}".utf8), type: "application/json")
    }

    /// JSON as `askdocs read --json` and `ask --json` write it: sorted keys, slashes unescaped.
    static func encoded(_ value: some Encodable) throws -> Response {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return respond(try encoder.encode(value), type: "application/json")
    }
}

/// A client that went away before its answer: logged as 499 (nginx's "client closed request"); nobody reads it.
struct ClientGone: HTTPResponseError {
    var status: HTTPResponse.Status { HTTPResponse.Status(code: 499, reasonPhrase: "Client Closed Request") }

    func response(from request: Request, context: some RequestContext) throws -> Response {
        Response(status: status)
    }
}

/// The body of a `/v1/read` answer.
struct ReadResponse: Encodable {
    struct Result: Encodable {
        var answers: [AnswerSpan]
        var noAnswerProbability: Double

        enum CodingKeys: String, CodingKey {
            case answers
            case noAnswerProbability = "no_answer_probability"
        }
    }

    var results: [Result]
}
