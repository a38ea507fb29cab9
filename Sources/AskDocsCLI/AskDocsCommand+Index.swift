import ArgumentParser
import AskDocs
import Foundation
import Transformer

extension AskDocsCommand {
    /// `askdocs index`: Read documents, split them into chunks and store them in the index.
    struct Index: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "index",
            abstract: "Read documents, split them into chunks and store them in the index.",
            discussion: """
                Reads text (any common encoding), Markdown, HTML, JSON Lines ({"id","title","text","lang","url"} per \
                line), PDF (with pdftotext), DOCX, ODT and EPUB from files and folders, nested; a .gz file is \
                decompressed and read by the format of its inner name (changelog.Debian.gz, README.md.gz).

                In folders, without --glob, only documents are indexed: the extensions .txt .text .rst .adoc .org \
                .md .markdown .html .htm .xhtml .jsonl .ndjson .pdf .docx .odt .epub; files without an extension \
                (README, copyright; a version such as GPL-2.0 counts as none) when they are text; and conventional \
                documentation names with any extension (README.Debian, NEWS.source). Other files (code, data, \
                stylesheets such as searchindex.js or .css) are skipped unless a --glob names them; a file named \
                on the command line is always read.

                Files whose content did not change since the last run are skipped; changed files replace their \
                documents. Documents are stored under the path they were reached by (a link is not resolved), and of \
                two paths to one file the file's own is kept. What is stored and embedded is published in \
                checkpoints (--checkpoint-chunks, --checkpoint-seconds), each one SQLite transaction naming the \
                vector files written for it: searches see only published checkpoints, and an interrupted run keeps \
                every one (the next run goes on from the last). One index, reindex or repair runs at a time (exit \
                status 75 when another holds the lock). Skipped and failed files are summarised by reason \
                (--json lists every one); files indexed before from the given folders that no longer exist are \
                reported, and --prune removes their documents, chunks and vectors. The exit status is 0 when the run \
                completes, 1 when none of the paths can be read.

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

        @OptionGroup var precision: PrecisionOption

        @Option(
            name: .customLong("glob"),
            help: ArgumentHelp("Only files matching this pattern; repeatable. " + globMeaning))
        var globs: [String] = []

        @Option(help: "Leave out files and folders matching this pattern; repeatable.")
        var exclude: [String] = []

        @OptionGroup var retriever: RetrieverOption

        @Flag(help: "Do not embed chunks (BM25-only search).")
        var noEmbed = false

        @Flag(help: "Remove the documents of files indexed before from the given folders that no longer exist.")
        var prune = false

        @OptionGroup var checkpoints: CheckpointOptions

        @OptionGroup var output: JSONOutputOption

        func validate() throws {
            guard !paths.isEmpty else { throw ValidationError("give at least one file or folder to index") }
            for path in paths where !FileManager.default.fileExists(atPath: path) {
                throw ValidationError("no such file or folder: \(path)")
            }
        }

        func run() async throws {
            let configuration = try config.resolve(
                ConfigurationOverrides(databasePath: database.db, precision: precision.precision))
            let db = configuration.databasePath
            var request = IndexPipelineRequest(
                database: db,
                files: IndexRequest(paths: paths, include: globs, exclude: exclude, prune: prune),
                retriever: retriever.retriever, embed: !noEmbed, defaultRetriever: configuration.retrieverModel)
            request.checkpointChunks = checkpoints.checkpointChunks
            request.checkpointSeconds = checkpoints.checkpointSeconds
            request.factory = checkpoints.indexFactory
            request.precision = configuration.precisions.retriever
            if !noEmbed { PrecisionOption.announce(ModelPrecisions(reader: .fp32, retriever: request.precision)) }
            let progress = TerminalProgress.start()
            defer { progress?.finish() }
            var pipeline = IndexPipeline(request)
            pipeline.onPhase = FaultInjection.publishHook()
            let report = try CommandFailure.reportingBusy {
                try pipeline.run { step in
                    switch step {
                    case .storing(let files): progress?.show(files)
                    case .embedding(let done, let total): progress?.count(done, of: total, "chunks embedded")
                    case .published: break
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

        /// The human summary: one line of file counts (they add up to the files seen), then one line per reason for
        /// skipped, failed or repaired files with a count and a few examples, then the files that vanished.
        static func summary(_ report: IndexReport, database: String) -> String {
            let documents = report.documentsAdded + report.documentsUpdated + report.documentsUnchanged
            var lines = [
                String(
                    format: "Indexed %d file%@ into %@ in %.1f s: %d added, %d updated, %d unchanged, %d skipped, "
                        + "%d failed; %d document%@ stored or kept, %d chunks added.",
                    report.filesSeen, report.filesSeen == 1 ? "" : "s", database, report.seconds, report.filesAdded,
                    report.filesUpdated, report.filesUnchanged, report.filesSkipped, report.filesFailed, documents,
                    documents == 1 ? "" : "s", report.chunksAdded)
            ]
            for (label, issues) in [
                ("skipped", report.documentsSkipped), ("failed", report.documentsFailed), ("warning", report.warnings),
            ] {
                for group in IndexReport.grouped(issues) {
                    let examples = group.examples.map(\.path).joined(separator: ", ")
                    let more = group.count > group.examples.count ? ", …" : ""
                    lines.append("  \(label) \(group.count): \(group.reason) (\(examples)\(more))")
                }
            }
            if !report.vanished.isEmpty {
                let examples = report.vanished.prefix(3).joined(separator: ", ")
                let more = report.vanished.count > 3 ? ", …" : ""
                let count = report.vanished.count
                if report.documentsRemoved > 0 {
                    lines.append(
                        "  removed \(count): no longer exist; their \(report.documentsRemoved) documents were removed "
                            + "(\(examples)\(more))")
                } else {
                    lines.append(
                        "  vanished \(count): indexed before, no longer exist (\(examples)\(more)); "
                            + "run the same index command with --prune to remove them")
                }
            }
            if report.documentsSkipped.count + report.documentsFailed.count + report.warnings.count > 0 {
                lines.append("  (--json lists every file)")
            }
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
