import AskDocs
import ArgumentParser
import DocumentStore
import Foundation
import Retrieval

extension SearchMode: ExpressibleByArgument {}

extension AskDocsCommand {
    /// `askdocs search`: Find the chunks that best match a query (dense, BM25 or hybrid).
    struct Search: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "search",
            abstract: "Find the chunks that best match a query (dense, BM25 or hybrid).",
            discussion: """
                Hybrid (the default) fuses the dense and BM25 rankings by reciprocal-rank fusion. Filters apply to \\
                every mode inside the search, so k results come back whenever k chunks pass them. --json prints \\
                {"results": [{"document", "chunk_id", "start", "end", "text", "score"}]}; start and end are \\
                character (Unicode scalar) offsets into the document's extracted text.
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

        @Option(help: "The database file.")
        var db: String = Configuration.default.databasePath

        @Option(help: "Results to show.")
        var k: Int = 20

        @Option(help: "Ranking: dense, bm25 or hybrid.")
        var mode: SearchMode = .hybrid

        @Option(name: .customLong("rrf-k"), help: "Reciprocal-rank fusion constant (hybrid).")
        var rrfK: Double = 60

        @Option(help: "The retriever (default: the one the database was built with).")
        var retriever: String?

        @Option(name: .customLong("path-prefix"), help: "Only documents whose path starts with this.")
        var pathPrefix: String?

        @Option(
            name: .customLong("glob"), help: "Only documents whose absolute path matches this glob ('*' crosses '/').")
        var glob: String?

        @Option(name: .customLong("lang"), help: "Only documents in this language (e.g. de); repeatable.")
        var languages: [String] = []

        @Option(
            name: .customLong("modified-after"),
            help: "Only documents modified after this date (YYYY-MM-DD or ISO 8601).")
        var modifiedAfter: String?

        @Flag(help: "Print JSON.")
        var json = false

        func validate() throws {
            guard (query == nil) != (queries == nil) else {
                throw ValidationError("give a query or --queries FILE, not both")
            }
            if let query, query.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
                throw ValidationError("the query is empty")
            }
            guard k > 0 else { throw ValidationError("--k must be positive") }
            guard rrfK > 0 else { throw ValidationError("--rrf-k must be positive") }
            if let modifiedAfter, Self.date(modifiedAfter) == nil {
                throw ValidationError("--modified-after: expected YYYY-MM-DD or an ISO 8601 date and time")
            }
        }

        func run() async throws {
            let store = try IndexAccess.openExisting(db)
            let name = try IndexAccess.retrieverName(retriever, store: store)
            var model: RetrieverModel?
            func loadModel() throws -> RetrieverModel {
                if let model { return model }
                let loaded = try IndexAccess.loadRetriever(name)
                model = loaded
                return loaded
            }
            let termizer = try IndexAccess.termizer(for: store, retriever: loadModel)
            var vectors: VectorIndex?
            if mode != .bm25 {
                let loaded = try loadModel()
                let location = IndexAccess.location(db)
                guard location.exists else {
                    throw CommandFailure(SearchError.noVectorIndex(database: db).localizedDescription)
                }
                do {
                    vectors = try VectorIndex.open(
                        at: location, expecting: loaded.embedder.identity, dimension: loaded.embedder.dimension)
                } catch {
                    throw CommandFailure(error.localizedDescription)
                }
            }
            let searcher = Searcher(store: store, termizer: termizer, retriever: model, vectors: vectors)
            if let queries {
                try runBatch(queries, searcher: searcher)
                return
            }
            let request = SearchRequest(query: query ?? "", k: k, mode: mode, rrfK: rrfK, filter: filter())
            let results: [SearchResult]
            do {
                results = try searcher.search(request)
            } catch {
                throw CommandFailure("search failed: \(error.localizedDescription)")
            }
            if json {
                print(try Self.json(results))
            } else if results.isEmpty {
                print("No matching chunks.")
            } else {
                print(Self.human(results))
            }
        }

        /// `--queries`: one JSON line of results per input line, with the seconds the search took.
        func runBatch(_ path: String, searcher: Searcher) throws {
            struct Line: Decodable { var query: String }
            let data: Data
            if path == "-" {
                data = FileHandle.standardInput.readDataToEndOfFile()
            } else {
                guard let contents = FileManager.default.contents(atPath: path) else {
                    throw CommandFailure("cannot read \(path)")
                }
                data = contents
            }
            let filter = filter()
            for (number, line) in String(decoding: data, as: UTF8.self).split(separator: "\n").enumerated()
            where !line.allSatisfy(\.isWhitespace) {
                guard let query = try? JSONDecoder().decode(Line.self, from: Data(line.utf8)).query else {
                    throw CommandFailure("\(path) line \(number + 1): expected {\"query\": \"…\"}")
                }
                let started = Date()
                let results: [SearchResult]
                do {
                    results = try searcher.search(
                        SearchRequest(query: query, k: k, mode: mode, rrfK: rrfK, filter: filter))
                } catch {
                    throw CommandFailure("search failed: \(error.localizedDescription)")
                }
                let seconds = Date().timeIntervalSince(started)
                var object =
                    try JSONSerialization.jsonObject(with: Data(Self.json(results).utf8)) as? [String: Any] ?? [:]
                object["query"] = query
                object["seconds"] = seconds
                let encoded = try JSONSerialization.data(
                    withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])
                print(String(decoding: encoded, as: UTF8.self))
            }
        }

        func filter() -> SearchFilter {
            SearchFilter(
                pathPrefix: pathPrefix.map(Self.absolutePrefix), pathGlob: glob, languages: Set(languages),
                modifiedAfter: modifiedAfter.flatMap(Self.date))
        }

        /// A path prefix as stored paths are written: absolute, with symbolic links resolved where it exists.
        static func absolutePrefix(_ prefix: String) -> String {
            let absolute =
                prefix.hasPrefix("/")
                ? prefix : FileManager.default.currentDirectoryPath + "/" + prefix
            let standardized = (absolute as NSString).standardizingPath
            let resolved = URL(fileURLWithPath: standardized).resolvingSymlinksInPath().path
            let keepSlash = prefix.hasSuffix("/") && !resolved.hasSuffix("/")
            return keepSlash ? resolved + "/" : resolved
        }

        /// `YYYY-MM-DD` (midnight UTC) or a full ISO 8601 date and time.
        static func date(_ text: String) -> Date? {
            let full = ISO8601DateFormatter()
            if let date = full.date(from: text) { return date }
            let day = ISO8601DateFormatter()
            day.formatOptions = [.withFullDate]
            return day.date(from: text)
        }

        static func json(_ results: [SearchResult]) throws -> String {
            struct Row: Encodable {
                var document: String
                var chunk_id: Int64
                var start: Int
                var end: Int
                var text: String
                var score: Double
            }
            struct Output: Encodable { var results: [Row] }
            let rows = results.map {
                Row(
                    document: $0.chunk.sourcePath, chunk_id: $0.chunk.id, start: $0.chunk.startOffset,
                    end: $0.chunk.endOffset, text: $0.chunk.text, score: $0.score)
            }
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            return String(decoding: try encoder.encode(Output(results: rows)), as: UTF8.self)
        }

        static func human(_ results: [SearchResult]) -> String {
            results.enumerated().map { offset, result in
                let chunk = result.chunk
                let snippet = chunk.text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
                let shown = snippet.count > 200 ? String(snippet.prefix(200)) + "…" : snippet
                let header =
                    String(format: "%2d. %8.4f  ", offset + 1, result.score)
                    + "\(chunk.sourcePath) [\(chunk.startOffset)..<\(chunk.endOffset)]"
                return header + "\n    " + shown
            }.joined(separator: "\n")
        }
    }
}
