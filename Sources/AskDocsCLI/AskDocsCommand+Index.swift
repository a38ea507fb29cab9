import ArgumentParser
import AskDocs
import Foundation

extension AskDocsCommand {
    /// `askdocs index`: Read documents, split them into chunks and store them in the index.
    struct Index: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "index",
            abstract: "Read documents, split them into chunks and store them in the index.",
            discussion: """
                Reads text (any common encoding), Markdown, HTML, JSON Lines ({"id","title","text","lang","url"} per \
                line) and PDF (with pdftotext) from files and folders, nested. Files whose content did not change \
                since the last run are skipped; changed files replace their documents. Each file is stored in one \
                transaction, so an interrupted run leaves only whole documents. Failures are listed; the exit status \
                is 0 when the run completes.

                Chunks are measured and their BM25 terms made with the retriever's tokenizer (XLM-R pieces for \
                multilingual-e5), then embedded into the vector index beside the database (<db name>.vectors/), \
                keyed by chunk id; vectors of changed or removed documents' chunks are removed. --no-embed builds \
                a BM25-only index (ICU word terms unless --retriever names a model for its tokenizer). An index keeps \
                what it was built as: files are added to a BM25-only index with --no-embed, and to one with vectors \
                without it (so no chunk is missing from dense results); `askdocs check --repair --retriever MODEL` \
                converts a BM25-only index to a dense one.
                """
        )

        @Argument(help: "Files and folders to index.")
        var paths: [String] = []

        @OptionGroup var database: DatabaseOption

        @OptionGroup var config: ConfigOption

        @Option(
            name: .customLong("glob"),
            help: ArgumentHelp("Only files matching this pattern; repeatable. " + globMeaning))
        var globs: [String] = []

        @Option(help: "Leave out files and folders matching this pattern; repeatable.")
        var exclude: [String] = []

        @OptionGroup var retriever: RetrieverOption

        @Flag(help: "Do not embed chunks (BM25-only search).")
        var noEmbed = false

        @OptionGroup var output: JSONOutputOption

        func validate() throws {
            guard !paths.isEmpty else { throw ValidationError("give at least one file or folder to index") }
            for path in paths where !FileManager.default.fileExists(atPath: path) {
                throw ValidationError("no such file or folder: \(path)")
            }
        }

        func run() async throws {
            let configuration = try config.resolve(ConfigurationOverrides(databasePath: database.db))
            let db = configuration.databasePath
            let request = IndexPipelineRequest(
                database: db, files: IndexRequest(paths: paths, include: globs, exclude: exclude),
                retriever: retriever.retriever, embed: !noEmbed, defaultRetriever: configuration.retrieverModel)
            let progress = TerminalProgress.start()
            defer { progress?.finish() }
            let report = try CommandFailure.reporting {
                try IndexPipeline(request).run { step in
                    switch step {
                    case .storing(let files): progress?.show(files)
                    case .embedding(let done, let total): progress?.count(done, of: total, "chunks embedded")
                    }
                }
            }
            progress?.finish()
            if output.json {
                print(try Self.json(report))
            } else {
                print(Self.summary(report.documents, database: db))
                if let vectors = report.vectors {
                    print(
                        String(
                            format: "Embedded %d chunk%@ in %.1f s (%d vectors removed); %d vectors in %@.",
                            vectors.vectorsAdded, vectors.vectorsAdded == 1 ? "" : "s", vectors.seconds,
                            vectors.vectorsRemoved, vectors.vectorCount, report.vectorIndex.directory.path))
                }
            }
        }

        /// The `--json` object: the document counts and, when chunks were embedded, the vector counts.
        static func json(_ report: IndexPipelineReport) throws -> String {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys]
            var object =
                try JSONSerialization.jsonObject(with: encoder.encode(report.documents)) as? [String: Any] ?? [:]
            if let vectors = report.vectors,
                let extra = try JSONSerialization.jsonObject(with: encoder.encode(vectors)) as? [String: Any]
            {
                object.merge(extra) { first, _ in first }
            }
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }

        /// The human summary: one line of counts, then one line per skipped, failed or repaired file.
        static func summary(_ report: IndexReport, database: String) -> String {
            var lines = [
                String(
                    format: "Indexed %d file%@ into %@ in %.1f s: %d added, %d updated, %d unchanged, %d skipped, "
                        + "%d failed; %d chunks.",
                    report.filesSeen, report.filesSeen == 1 ? "" : "s", database, report.seconds,
                    report.documentsAdded, report.documentsUpdated, report.documentsUnchanged,
                    report.documentsSkipped.count, report.documentsFailed.count, report.chunksAdded)
            ]
            lines += report.documentsSkipped.map { "  skipped \($0.path): \($0.reason)" }
            lines += report.documentsFailed.map { "  failed  \($0.path): \($0.reason)" }
            lines += report.warnings.map { "  warning \($0.path): \($0.reason)" }
            return lines.joined(separator: "\n")
        }
    }
}

extension TerminalProgress {
    /// Files, bytes and chunks of an indexing run, with the byte rate and ETA.
    func show(_ progress: IndexProgress) {
        let fraction = progress.bytesTotal > 0 ? Double(progress.bytesDone) / Double(progress.bytesTotal) : 1
        draw(fraction: fraction, force: progress.filesDone == progress.filesTotal) {
            String(
                format: "%d/%d files  %@/%@  %d chunks  %@/s", progress.filesDone, progress.filesTotal,
                Self.bytes(Double(progress.bytesDone)), Self.bytes(Double(progress.bytesTotal)), progress.chunksAdded,
                Self.bytes(progress.bytesPerSecond)) + Self.eta(progress.estimatedSecondsLeft)
        }
    }
}
