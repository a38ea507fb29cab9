import ArgumentParser
import AskDocs
import Foundation
import Logging
import Server
import Transformer

extension AskDocsCommand {
    /// `askdocs serve`: the reader and the ask pipeline over HTTP (Hugging Face Inference API compatible).
    struct Serve: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "serve",
            abstract: "Serve the reader and the index over HTTP (Hugging Face Inference API compatible).",
            discussion: """
                Routes: POST /v1/ask (a question over the index; the ask --json schema), POST /v1/read (a question \
                over given contexts), POST /models/{model_id} (the Hugging Face Inference API's question-answering \
                contract; also POST /invocations for SageMaker and POST /score for Azure ML), GET / (a page to ask \
                from), GET /healthz, GET /readyz (and /ping), GET /metrics (Prometheus), GET /openapi.json.

                Reads that arrive within --max-wait-ms of each other are read in one batch of up to --max-batch \
                windows; each request gets the answers it would get alone. Without an index at the database path \
                the reader routes still work and /v1/ask answers 503. With --token (or ASKDOCS_TOKEN) every route \
                but the probes (/healthz, /ping, GET /) needs "Authorization: Bearer <token>".

                Logs go to standard error, one line per request. SIGTERM or Ctrl-C: requests in flight finish, new \
                ones get 503, then the server exits 0.
                """
        )

        @Option(help: "The address to listen on (0.0.0.0 for every interface).")
        var host = ServerConfiguration.default.host

        @Option(help: "The port (0 picks a free one; the log names it).")
        var port = ServerConfiguration.default.port

        @OptionGroup var reading: AskReadingOptions

        @Option(help: "A retriever other than the one the index was built with.")
        var retriever: String?

        @Option(help: "Most model windows read in one batch.")
        var maxBatch = ServerConfiguration.default.maxBatch

        @Option(help: "Milliseconds the first request of a batch waits for others (0: no waiting).")
        var maxWaitMs = 5

        @Option(help: "Requests waiting for the model beyond which new ones get 503 with Retry-After.")
        var maxQueue = ServerConfiguration.default.maxQueue

        @Option(help: "Largest request body in bytes (413 beyond).")
        var maxBodyBytes = ServerConfiguration.default.maxBodyBytes

        @Option(help: "Require this bearer token (default: the ASKDOCS_TOKEN environment variable, else none).")
        var token: String?

        @OptionGroup var database: DatabaseOption

        @OptionGroup var config: ConfigOption

        @OptionGroup var precision: PrecisionOption

        func validate() throws {
            guard (0...65_535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
            guard maxBatch >= 1 else { throw ValidationError("--max-batch must be at least 1") }
            guard maxWaitMs >= 0 else { throw ValidationError("--max-wait-ms cannot be negative") }
            guard maxQueue >= 1 else { throw ValidationError("--max-queue must be at least 1") }
            guard maxBodyBytes >= 1_024 else { throw ValidationError("--max-body-bytes must be at least 1024") }
            if let token, token.isEmpty { throw ValidationError("--token is empty") }
        }

        func run() async throws {
            let configuration = try config.resolve(
                ConfigurationOverrides(
                    databasePath: database.db, readerModel: reading.reader, passages: reading.passages,
                    mode: reading.mode, precision: precision.precision))
            PrecisionOption.announce(configuration.precisions)
            let environmentToken = ProcessInfo.processInfo.environment["ASKDOCS_TOKEN"].flatMap {
                $0.isEmpty ? nil : $0
            }
            let serving = ServerConfiguration(
                host: host, port: port, maxBatch: maxBatch, maxWait: .milliseconds(maxWaitMs), maxQueue: maxQueue,
                maxBodyBytes: maxBodyBytes, token: token ?? environmentToken)
            LoggingSystem.bootstrap { label in
                var handler = StreamLogHandler.standardError(label: label)
                handler.logLevel = .info
                return handler
            }
            let retriever = self.retriever
            let requireIndex = database.db != nil
            let server = AskDocsServer(
                configuration: serving, defaults: configuration, logger: Logger(label: "askdocs.serve")
            ) {
                try ServedModels.load(configuration: configuration, retriever: retriever, requireIndex: requireIndex)
            }
            do {
                try await server.run()
            } catch {
                throw CommandFailure(error.localizedDescription)
            }
        }
    }
}
