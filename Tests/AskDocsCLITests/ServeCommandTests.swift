import Foundation
import TestSupport
import Testing
import Transformer

#if canImport(Glibc)
    import Glibc
#endif

/// `askdocs serve` run as a user would, over real HTTP on 127.0.0.1, with the committed tiny XLM-R reader.
@Suite("askdocs serve")
struct ServeCommandTests {
    static let pairs: [(question: String, context: String)] = [
        ("Who lives in Berkeley?", "My name is Clara and I live in Berkeley."),
        ("What is the capital of France?", "Paris is the capital and largest city of France, on the Seine."),
        ("Wann wurde die Brücke gebaut?", "Die Brücke wurde 1888 gebaut und 1990 erneuert. Sie ist 300 Meter lang."),
        (
            "Where is the library?",
            String(repeating: "The old library stands next to the river, behind the town hall. ", count: 40)
        ),
    ]

    /// What `askdocs read` answers for a pair, and how far a batched read's scores may be from it.
    struct Reference {
        /// The answers in the pipeline's shape (one object for one answer, else a list).
        var answers: Any
        /// The relative score difference float32 rounding allows: a score is P(start)·P(end), each a softmax of
        /// logits that another batch shape moves by at most the encoder's rounding bound δ, so it moves by a
        /// relative 2δ per probability, 4δ in all.
        var relativeTolerance: Double
    }

    static let tinyConfiguration = Result {
        try EncoderConfiguration(contentsOf: URL(fileURLWithPath: ServeProcess.tinyReader + "/config.json"))
    }

    /// `askdocs read --logits` for a pair: the reference the server's answers must equal.
    static func read(_ question: String, _ context: String, _ options: [String] = []) throws -> Reference {
        let result = try AskDocsProcess.run(
            ["read", "--model", ServeProcess.tinyReader, "--question", question, "--context", context, "--logits"]
                + options)
        #expect(result.status == 0, "\(result.standardError)")
        let object = try #require(
            try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
        let answers = try #require(object["answers"] as? [Any])
        let windows = try #require(object["logits"] as? [[String: [Double]]])
        var tolerance = 0.0
        for window in windows {
            let logits = (window["start"] ?? []) + (window["end"] ?? [])
            let bound = try tinyConfiguration.get().hiddenSize
            let delta = RoundingTolerance.encoder(try tinyConfiguration.get(), tokens: logits.count / 2).then(bound)
                .absolute(around: logits.map(Float.init))
            tolerance = max(tolerance, 4 * Double(delta))
        }
        return Reference(answers: answers.count == 1 ? answers[0] : answers, relativeTolerance: tolerance)
    }

    /// Whether a reply's answers (an object or lists of them) agree with references: same texts and offsets,
    /// scores within float32 rounding of another batch shape.
    static func same(_ a: Any, _ reference: Reference) -> Bool {
        same(a, reference.answers, reference.relativeTolerance)
    }

    static func same(_ a: Any, _ references: [Reference]) -> Bool {
        guard let list = a as? [Any], list.count == references.count else { return false }
        return zip(list, references).allSatisfy { same($0, $1) }
    }

    static func same(_ a: Any, _ b: Any, _ tolerance: Double) -> Bool {
        switch (a, b) {
        case (let x as [Any], let y as [Any]):
            return x.count == y.count && zip(x, y).allSatisfy { same($0, $1, tolerance) }
        case (let x as [String: Any], let y as [String: Any]):
            guard x["answer"] as? String == y["answer"] as? String, x["start"] as? Int == y["start"] as? Int,
                x["end"] as? Int == y["end"] as? Int, let s = x["score"] as? Double, let t = y["score"] as? Double
            else { return false }
            return abs(s - t) <= tolerance * abs(t)
        default: return false
        }
    }

    static func inference(_ question: String, _ context: String, _ parameters: [String: Any] = [:]) -> [String: Any] {
        ["inputs": ["question": question, "context": context], "parameters": parameters]
    }

    static func text(_ json: Any) throws -> String {
        String(decoding: try JSONSerialization.data(withJSONObject: json), as: UTF8.self)
    }

    @Test("probes, the page, metrics and the OpenAPI document")
    func operationalRoutes() async throws {
        // An explicitly named database that does not exist: the server says so and exits 1 (whether or not it
        // was listening by then).
        let failed = try AskDocsProcess.run([
            "serve", "--port", "0", "--reader", ServeProcess.tinyReader, "--db", "/nonexistent/none.sqlite",
        ])
        #expect(failed.status == 1)
        #expect(failed.standardError.contains("no index at /nonexistent/none.sqlite"), "\(failed.standardError)")

        let served = try ServeProcess(["--reader", ServeProcess.tinyReader])
        let health = try await served.send(.GET, "/healthz")
        #expect(health.status == 200 && (health.json as? [String: String]) == ["status": "alive"])
        let ready = try await served.send(.GET, "/readyz")
        #expect(ready.status == 200 && (ready.json as? [String: Any])?["status"] as? String == "ready")
        #expect(try await served.send(.GET, "/ping").status == 200)
        let page = try await served.send(.GET, "/")
        #expect(page.status == 200 && page.headers["Content-Type"].first?.hasPrefix("text/html") == true)
        #expect(
            page.text.contains("<form id=\"ask\"") && !page.text.contains("http://") && !page.text.contains("https://"))
        let document = try await served.send(.GET, "/openapi.json")
        let paths = try #require((document.json as? [String: Any])?["paths"] as? [String: Any])
        #expect(Set(paths.keys).isSuperset(of: ["/v1/ask", "/v1/read", "/models/{model_id}", "/healthz", "/metrics"]))
        // Without an index the reader works and ask says why it cannot answer.
        let ask = try await served.post("/v1/ask", json: ["question": "Where?"])
        #expect(ask.status == 503 && ask.error?.contains("no index at") == true, "\(ask.text)")
        _ = try await served.post("/v1/read", json: ["question": "Who?", "context": "Clara."])
        let metrics = try await served.send(.GET, "/metrics")
        #expect(metrics.headers["Content-Type"].first?.hasPrefix("text/plain") == true)
        #expect(
            metrics.text.contains(#"askdocs_http_requests_total{route="/healthz",method="GET",status="200"} 1"#),
            "\(metrics.text)")
        #expect(metrics.text.contains(#"askdocs_http_requests_total{route="/v1/ask",method="POST",status="503"} 1"#))
        #expect(try await served.metric("askdocs_windows_read_total") == 1)
        #expect(try await served.metric("askdocs_queue_depth_requests") == 0)
        #expect(metrics.text.contains("askdocs_http_request_duration_seconds_bucket"))
        #expect(served.log.contains("GET /healthz 200"), "access log: \(served.log)")
        #expect(served.terminate() == 0)
    }

    @Test("the Inference API contract: the answers askdocs read gives, one object, a list for top_k, lists for lists")
    func inferenceContract() async throws {
        let server = try ServeProcess(["--reader", ServeProcess.tinyReader])
        for (question, context) in Self.pairs {
            let reference = try Self.read(question, context)
            for path in ["/models/tiny-xlmr-qa", "/invocations", "/score"] {
                let reply = try await server.post(path, json: Self.inference(question, context))
                #expect(reply.status == 200, "\(path): \(reply.text)")
                #expect(
                    reply.json is [String: Any] && Self.same(reply.json as Any, reference), "\(path): \(reply.text)")
            }
            let parameters: [String: Any] = ["top_k": 3, "handle_impossible_answer": true, "max_answer_len": 8]
            let top = try await server.post("/models/tiny-xlmr-qa", json: Self.inference(question, context, parameters))
            let topReference = try Self.read(
                question, context, ["--top-k", "3", "--handle-impossible-answer", "--max-answer-len", "8"])
            #expect(top.json is [Any] && Self.same(top.json as Any, topReference), "\(top.text)")
        }
        let list = try await server.post(
            "/models/tiny-xlmr-qa",
            json: ["inputs": Self.pairs.map { ["question": $0.question, "context": $0.context] }])
        let references = try Self.pairs.map { try Self.read($0.question, $0.context) }
        #expect(Self.same(list.json as Any, references), "\(list.text)")
        let read = try await server.post(
            "/v1/read", json: ["question": Self.pairs[3].question, "contexts": Self.pairs.map(\.context), "top_k": 2])
        let results = try #require((read.json as? [String: Any])?["results"] as? [[String: Any]])
        #expect(results.count == Self.pairs.count)
        for (result, pair) in zip(results, Self.pairs) {
            let reference = try Self.read(Self.pairs[3].question, pair.context, ["--top-k", "2"])
            let answers = reference.answers is [Any] ? reference.answers : [reference.answers]
            #expect(Self.same(result["answers"] as Any, answers, reference.relativeTolerance), "\(result)")
            #expect(result["no_answer_probability"] is Double)
        }
        #expect(server.terminate() == 0)
    }

    @Test("bad input: 400 naming the field, 413, 404, 405 with Allow, unknown model")
    func badInput() async throws {
        let server = try ServeProcess(["--reader", ServeProcess.tinyReader, "--max-body-bytes", "2048"])
        let malformed = try await server.send(.POST, "/models/tiny-xlmr-qa", "{\"inputs\": ")
        #expect(malformed.status == 400 && malformed.error == "the body is not valid JSON")
        let wrongType = try await server.post(
            "/models/tiny-xlmr-qa", json: ["inputs": ["question": 1, "context": "C"]])
        #expect(wrongType.status == 400 && wrongType.error == "inputs.question must be a string")
        let misspelt = try await server.post("/v1/read", json: ["question": "Q", "context": "C", "topk": 2])
        #expect(misspelt.status == 400 && misspelt.error?.hasPrefix("unknown field topk") == true)
        let noRoom = try await server.post(
            "/v1/read",
            json: ["question": String(repeating: "why ", count: 40), "context": "C", "max_seq_len": 16])
        #expect(noRoom.status == 400 && noRoom.error?.contains("leaves no room for context") == true, "\(noRoom.text)")
        let large = try await server.post(
            "/v1/read", json: ["question": "Q", "context": String(repeating: "word ", count: 1_000)])
        #expect(large.status == 413 && large.error == "the request body is larger than 2048 bytes")
        let unknown = try await server.send(.GET, "/v2/everything")
        #expect(unknown.status == 404 && unknown.error?.hasPrefix("no route /v2/everything") == true)
        let model = try await server.post("/models/deepset/roberta-base-squad2", json: Self.inference("Q", "C"))
        #expect(
            model.status == 404
                && model.error?.hasPrefix("Model deepset/roberta-base-squad2 is not served here") == true)
        let method = try await server.send(.GET, "/v1/read")
        #expect(method.status == 405 && method.headers["Allow"] == ["POST"] && method.error != nil)
        let wrongMethod = try await server.send(.POST, "/healthz", "{}")
        #expect(wrongMethod.status == 405 && wrongMethod.headers["Allow"] == ["GET"])
        // The server is still well after all that.
        #expect(try await server.post("/v1/read", json: ["question": "Who?", "context": "Clara."]).status == 200)
        #expect(server.terminate() == 0)
    }

    @Test("a bearer token (ASKDOCS_TOKEN) guards every route but the probes")
    func token() async throws {
        let server = try ServeProcess(["--reader", ServeProcess.tinyReader], environment: ["ASKDOCS_TOKEN": "s3cret"])
        #expect(try await server.send(.GET, "/healthz").status == 200)
        #expect(try await server.send(.GET, "/ping").status == 200)
        #expect(try await server.send(.GET, "/").status == 200)
        for path in ["/readyz", "/metrics", "/openapi.json"] {
            let reply = try await server.send(.GET, path)
            #expect(
                reply.status == 401 && reply.headers["WWW-Authenticate"] == ["Bearer"] && reply.error != nil, "\(path)")
        }
        let body = Self.inference("Who?", "Clara.")
        #expect(try await server.post("/models/tiny-xlmr-qa", json: body).status == 401)
        #expect(
            try await server.post("/models/tiny-xlmr-qa", json: body, headers: ["Authorization": "Bearer nope"]).status
                == 401)
        #expect(
            try await server.post("/models/tiny-xlmr-qa", json: body, headers: ["Authorization": "Bearer s3cret"])
                .status == 200)
        #expect(try await server.send(.GET, "/readyz", headers: ["Authorization": "Bearer s3cret"]).status == 200)
        #expect(server.terminate() == 0)
    }

    @Test("overload: a full queue answers 503 with Retry-After at once, the waiting request is answered")
    func overload() async throws {
        let server = try ServeProcess([
            "--reader", ServeProcess.tinyReader, "--max-queue", "1", "--max-wait-ms", "5000",
        ])
        let body = try Self.text(Self.inference(Self.pairs[0].question, Self.pairs[0].context))
        // The first request is held 5 s for company; the refusal must come inside that window, so these steps run
        // on a thread of their own (see ServeProcess+RawHTTP.swift).
        let (first, second) = try await ServeProcess.onThread {
            let first = try ServeProcess.RawRequest(port: server.port, path: "/models/tiny-xlmr-qa", body: body)
            try server.blockingWaitForQueueDepth(1)
            let second = try server.blockingSend("POST", "/models/tiny-xlmr-qa", body)
            return (try first.reply(), second)
        }
        #expect(second.status == 503 && second.headers["retry-after"] == "1", "\(second.text)")
        #expect(second.error?.contains("busy") == true)
        #expect(first.status == 200, "\(first.text)")
        #expect(server.terminate() == 0)
    }

    @Test("a client that hangs up while its request waits: the work is dropped, not read")
    func disconnect() async throws {
        // The first request (one window) waits for company far longer than any test runs, so only its client's
        // hang-up can take it off the queue; the second request brings two windows, a full batch, and is read at once.
        let server = try ServeProcess([
            "--reader", ServeProcess.tinyReader, "--max-batch", "2", "--max-queue", "1", "--max-wait-ms", "600000",
        ])
        let body = try JSONSerialization.data(withJSONObject: Self.inference("Who?", "Clara lives here."))
        let abandoned = try ServeProcess.RawRequest(
            port: server.port, path: "/models/tiny-xlmr-qa", body: String(decoding: body, as: UTF8.self))
        try await server.waitForQueueDepth(1)
        abandoned.close()
        try await server.waitForQueueDepth(0)
        try await server.waitForLog("POST /models/tiny-xlmr-qa 499")
        // Were the abandoned request still queued, this one would get 503 (the queue holds one).
        let pair: [String: Any] = ["question": "Who?", "context": "Clara."]
        let next = try await server.post("/models/tiny-xlmr-qa", json: ["inputs": [pair, pair]])
        #expect(next.status == 200, "\(next.text)")
        #expect(try await server.metric("askdocs_batch_requests_count") == 1)
        #expect(try await server.metric("askdocs_windows_read_total") == 2)
        #expect(server.terminate() == 0)
    }

    @Test("dynamic batching: concurrent requests share batches and get the answers they get alone")
    func batching() async throws {
        let server = try ServeProcess([
            "--reader", ServeProcess.tinyReader, "--max-batch", "16", "--max-wait-ms", "200",
        ])
        let questions = (0..<12).map { index in
            (
                Self.pairs[index % Self.pairs.count].question,
                Self.pairs[index % Self.pairs.count].context + " (\(index))"
            )
        }
        // All requests are written at once from a thread of their own, so a starved test process cannot spread
        // them past the 200 ms wait; their replies are read afterwards.
        let bodies = try questions.map { try Self.text(Self.inference($0.0, $0.1, ["top_k": 2])) }
        let replies = try await ServeProcess.onThread {
            let requests = try bodies.map {
                try ServeProcess.RawRequest(port: server.port, path: "/models/tiny-xlmr-qa", body: $0)
            }
            return try requests.map { try $0.reply() }
        }
        let batches = try #require(try await server.metric("askdocs_batch_requests_count"))
        #expect(batches < Double(questions.count), "every request was read alone: \(batches) batches")
        #expect(try await server.metric("askdocs_batch_requests_sum") == Double(questions.count))
        for (index, pair) in questions.enumerated() {
            let reply = replies[index]
            #expect(reply.status == 200)
            let reference = try Self.read(pair.0, pair.1, ["--top-k", "2"])
            #expect(Self.same(reply.json as Any, reference), "\(index): \(reply.text) alone: \(reference)")
        }
        #expect(server.terminate() == 0)
    }

    @Test("SIGTERM: the request in flight is answered, a new one gets 503, the server exits 0")
    func gracefulShutdown() async throws {
        // The request in flight waits 10 s for company, which keeps the server draining (and refusing) that long.
        // The steps that must fall inside that window run on a thread of their own (see ServeProcess+RawHTTP.swift).
        let server = try ServeProcess(["--reader", ServeProcess.tinyReader, "--max-wait-ms", "10000"])
        let body = try Self.text(Self.inference("Who?", "Clara lives here."))
        let refusalBody = try Self.text(Self.inference("Who?", "Clara."))
        let (inFlight, refused) = try await ServeProcess.onThread {
            let inFlight = try ServeProcess.RawRequest(port: server.port, path: "/models/tiny-xlmr-qa", body: body)
            try server.blockingWaitForQueueDepth(1)
            kill(server.process.processIdentifier, SIGTERM)
            try server.blockingWaitForLog("shutting down:")
            let refused = try server.blockingSend("POST", "/models/tiny-xlmr-qa", refusalBody)
            return (try inFlight.reply(), refused)
        }
        #expect(refused.status == 503 && refused.error == "the server is shutting down", "\(refused.text)")
        #expect(inFlight.status == 200, "\(inFlight.text)")
        try server.process.waitUntilExit()
        #expect(server.process.terminationStatus == 0, "\(server.log)")
        #expect(server.log.contains("shutting down: 1 requests in flight"), "\(server.log)")
    }
}
