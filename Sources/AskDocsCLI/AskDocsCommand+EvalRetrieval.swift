import ArgumentParser
import AskDocs
import Foundation
import Transformer

extension AskDocsCommand.Eval {
    /// `askdocs eval retrieval`: Recall@k and MRR of dense, BM25 and hybrid retrieval on SQuAD-format files.
    struct Retrieval: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "retrieval",
            abstract: "Recall@k and MRR of dense, BM25 and hybrid retrieval on SQuAD-format files.",
            discussion: """
                Each paragraph is one passage (truncated at the model's maximum length) that its questions must \
                retrieve; --chunked uses the ingestion chunks instead (a question is found when any chunk of its \
                paragraph is). Every file is evaluated on its own; with several files a mean row is added, and \
                --cross-lingual also indexes all files together, counting the same paragraph in any language as \
                found (XQuAD files are parallel). The retriever defaults to intfloat/multilingual-e5-small. --json with one file and one mode prints \
                {"recall@1",…,"mrr@20","queries"}; otherwise {"runs": [{"language","mode","cross_lingual",…}]}.
                """
        )

        @Option(name: .customLong("data"), help: "A SQuAD-format JSON file; repeatable.")
        var files: [String] = []

        @Option(help: "dense, bm25, hybrid or all.")
        var mode: String = "all"

        @Option(help: "Recall cut-offs, comma-separated (MRR is cut at the largest).")
        var k: String = "1,5,20"

        @Flag(help: "Evaluate the ingestion chunking instead of one passage per paragraph.")
        var chunked = false

        @Flag(name: .customLong("cross-lingual"), help: "Also index all files together (parallel paragraphs).")
        var crossLingual = false

        @OptionGroup var retriever: RetrieverOption

        @Option(name: .customLong("rrf-k"), help: "Reciprocal-rank fusion constant.")
        var rrfK: Double = 60

        @OptionGroup var precision: PrecisionOption

        @Option(
            help: ArgumentHelp(
                "Rank in this PostgreSQL database (pgvector HNSW and BM25 from posting tables), in a scratch schema "
                    + "removed afterwards, instead of exact FAISS and SQLite FTS5.", valueName: "postgres-url"))
        var db: String?

        @OptionGroup var output: JSONOutputOption

        func validate() throws {
            guard !files.isEmpty else { throw ValidationError("give at least one --data FILE.json") }
            for file in files where !FileManager.default.fileExists(atPath: file) {
                throw ValidationError("no such file: \(file)")
            }
            guard mode == "all" || SearchMode(rawValue: mode) != nil else {
                throw ValidationError("--mode must be dense, bm25, hybrid or all")
            }
            if let db, !db.hasPrefix("postgres://") && !db.hasPrefix("postgresql://") {
                throw ValidationError("--db must be a postgres:// URL (the evaluation builds its own indexes)")
            }
            guard let ks = Self.cutoffs(k), !ks.isEmpty else {
                throw ValidationError("--k must be positive integers separated by commas, e.g. 1,5,20")
            }
            _ = ks
        }

        static func cutoffs(_ text: String) -> [Int]? {
            let values = text.split(separator: ",").map { Int($0.trimmingCharacters(in: .whitespaces)) }
            guard values.allSatisfy({ ($0 ?? 0) > 0 }) else { return nil }
            return Array(Set(values.compactMap { $0 })).sorted()
        }

        func run() async throws {
            let files = files.map { URL(fileURLWithPath: $0) }
            let precisions = try precision.resolved()
            PrecisionOption.announce(ModelPrecisions(reader: .fp32, retriever: precisions.retriever))
            let (model, corpora) = try CommandFailure.reporting {
                (
                    try RetrieverModel.load(
                        retriever.retriever ?? Configuration.default.retrieverModel, precision: precisions.retriever),
                    try RetrievalEvaluator.corpora(files: files)
                )
            }
            var options = RetrievalEvalOptions()
            options.modes = mode == "all" ? SearchMode.allCases : [SearchMode(rawValue: mode) ?? .hybrid]
            options.ks = Self.cutoffs(k) ?? [1, 5, 20]
            options.mrrCutoff = options.ks.max() ?? 20
            options.chunked = chunked
            options.crossLingual = crossLingual
            options.rrfK = rrfK
            options.postgres = db
            let progress = TerminalProgress.start()
            let rows = try CommandFailure.reporting {
                try RetrievalEvaluator(retriever: model).run(corpora: corpora, options: options) { progress?.note($0) }
            }
            progress?.finish()
            print(output.json ? try Self.json(rows) : Self.table(rows, options: options))
        }

        static func json(_ rows: [RetrievalEvalRow]) throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            if rows.count == 1, let row = rows.first {
                var object = row.metrics.mapValues { $0 as Any }
                object["queries"] = row.queries
                return String(
                    decoding: try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys]), as: UTF8.self)
            }
            struct Output: Encodable { var runs: [RetrievalEvalRow] }
            return String(decoding: try encoder.encode(Output(runs: rows)), as: UTF8.self)
        }

        static func table(_ rows: [RetrievalEvalRow], options: RetrievalEvalOptions) -> String {
            let columns = options.ks.map { "recall@\($0)" } + ["mrr@\(options.mrrCutoff)"]
            var lines = [
                "mode    language   " + columns.map { $0.padding(toLength: 10, withPad: " ", startingAt: 0) }.joined()
                    + "queries"
            ]
            for mode in options.modes {
                for row in rows where row.mode == mode {
                    let name = row.crossLingual ? "all (xl)" : row.language
                    let values = columns.map { String(format: "%-10.4f", row.metrics[$0] ?? 0) }.joined()
                    lines.append(
                        mode.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)
                            + name.padding(toLength: 11, withPad: " ", startingAt: 0) + values + "\(row.queries)")
                }
            }
            return lines.joined(separator: "\n")
        }
    }
}
