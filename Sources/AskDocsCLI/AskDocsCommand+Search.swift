import ArgumentParser
import AskDocs
import Foundation
import Transformer

extension SearchMode: ExpressibleByArgument {}

extension AskDocsCommand {
    /// `askdocs search`: Find the chunks that best match a query (dense, BM25 or hybrid).
    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "search",
            abstract: "Find the chunks that best match a query (dense, BM25 or hybrid).",
            discussion: """
                Hybrid (the default) fuses the dense and BM25 rankings by reciprocal-rank fusion; on a BM25-only \
                index (built with `index --no-embed`) it ranks by BM25 alone and says so on standard error. Filters apply to \
                every mode inside the search, so k results come back whenever k chunks pass them. Chunks with identical text \
                (the same file in several places) are one result that lists every source. --json prints \
                {"results": [{"document", "chunk_id", "start", "end", "text", "score", "snippet": {"text", \
                "start", "end"}, "sources": [{"document", "chunk_id", "start", "end"}]}]}; start and end are \
                character (Unicode scalar) offsets into the document's extracted text, and the snippet is the \
                part of the chunk around the query's words.
                """
        )

        @Argument(help: "The question or keywords.")
        var query: String?

        @Option(
            help: ArgumentHelp(
                "Run many queries: a JSON Lines file of {\"query\": …} (- for standard input); prints one "
                    + "{\"query\", \"results\", \"seconds\"} line per query (models load once).",
                valueName: "file"))
        var queries: String?

        @OptionGroup var database: DatabaseOption

        @OptionGroup var config: ConfigOption

        @OptionGroup var precision: PrecisionOption

        @Option(help: "Results to show.")
        var k: Int = 20

        @Option(help: "Ranking: dense, bm25 or hybrid.")
        var mode: SearchMode = .hybrid

        @Option(name: .customLong("rrf-k"), help: "Reciprocal-rank fusion constant (hybrid).")
        var rrfK: Double = 60

        @OptionGroup var retriever: RetrieverOption

        @OptionGroup var filters: SearchFilterOptions

        @OptionGroup var output: JSONOutputOption

        func validate() throws {
            if query == nil && queries == nil { throw ValidationError("give a query (or --queries FILE)") }
            if query != nil && queries != nil { throw ValidationError("give a query or --queries FILE, not both") }
            if let query, query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw ValidationError("the query is empty")
            }
            guard k > 0 else { throw ValidationError("--k must be positive") }
            guard rrfK > 0 else { throw ValidationError("--rrf-k must be positive") }
        }

        func run() async throws {
            let configuration = try config.resolve(
                ConfigurationOverrides(databasePath: database.db, precision: precision.precision))
            let searcher = try CommandFailure.reporting {
                try Searcher.open(
                    database: configuration.databasePath, retriever: retriever.retriever, mode: mode,
                    defaultRetriever: configuration.retrieverModel, precision: configuration.precisions.retriever)
            }
            if let notice = searcher.notice(for: mode) {
                FileHandle.standardError.write(Data("note: \(notice)\n".utf8))
            }
            if let queries {
                try runBatch(JSONLinesReader(path: queries), searcher: searcher)
                return
            }
            let results = try search(query ?? "", with: searcher)
            if output.json {
                print(try Self.json(results))
            } else if results.isEmpty {
                print("No matching chunks.")
            } else {
                print(Self.human(results))
            }
        }

        /// The results for `query` with the flags' options.
        func search(_ query: String, with searcher: Searcher) throws -> [SearchResult] {
            let request = SearchRequest(query: query, k: k, mode: mode, rrfK: rrfK, filter: filters.filter)
            do {
                return try searcher.search(request)
            } catch {
                throw CommandFailure("search failed: " + CommandFailure(error).message)
            }
        }

        /// `--queries`: one JSON line of results per input line, with the seconds the search took.
        func runBatch(_ input: JSONLinesReader, searcher: Searcher) throws {
            struct Line: Decodable { var query: String }
            struct Output: Encodable {
                var query: String
                var results: [Row]
                var seconds: Double
            }
            let output = JSONLinesWriter()
            defer { output.flush() }
            try input.forEachLine { number, line in
                guard let query = try? JSONLinesReader.decode(Line.self, line: line).query else {
                    throw CommandFailure("\(input.name) line \(number): expected {\"query\": \"…\"}")
                }
                let started = Date()
                let results = try search(query, with: searcher)
                try output.write(
                    Output(query: query, results: results.map(Row.init), seconds: Date().timeIntervalSince(started)))
            }
        }

        /// One result in JSON.
        struct Row: Encodable {
            var document: String
            var chunk_id: Int64
            var start: Int
            var end: Int
            var text: String
            var score: Double
            var snippet: SnippetRow
            var sources: [SourceRow]

            init(_ result: SearchResult) {
                document = result.chunk.sourcePath
                chunk_id = result.chunk.id
                start = result.chunk.startOffset
                end = result.chunk.endOffset
                text = result.chunk.text
                score = result.score
                snippet = SnippetRow(
                    text: result.snippet.text, start: result.snippet.startOffset, end: result.snippet.endOffset)
                sources = result.sources.map {
                    SourceRow(document: $0.sourcePath, chunk_id: $0.id, start: $0.startOffset, end: $0.endOffset)
                }
            }
        }

        /// The shown part of a result's chunk, with offsets into its document.
        struct SnippetRow: Encodable {
            var text: String
            var start: Int
            var end: Int
        }

        /// One chunk with a result's text.
        struct SourceRow: Encodable {
            var document: String
            var chunk_id: Int64
            var start: Int
            var end: Int
        }

        static func json(_ results: [SearchResult]) throws -> String {
            struct Output: Encodable { var results: [Row] }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(Output(results: results.map(Row.init))), as: UTF8.self)
        }

        static func human(_ results: [SearchResult]) -> String {
            results.enumerated().map { offset, result in
                let chunk = result.chunk
                let snippet = result.snippet.text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                let before = result.snippet.startOffset > chunk.startOffset ? "…" : ""
                let after = result.snippet.endOffset < chunk.endOffset ? "…" : ""
                let header =
                    String(format: "%2d. %8.4f  ", offset + 1, result.score)
                    + "\(chunk.sourcePath) [\(chunk.startOffset)..<\(chunk.endOffset)]"
                let others = result.sources.dropFirst().map(\.sourcePath)
                let also = others.isEmpty ? "" : "\n    also in: " + others.joined(separator: ", ")
                return header + also + "\n    " + before + snippet + after
            }.joined(separator: "\n")
        }
    }
}
