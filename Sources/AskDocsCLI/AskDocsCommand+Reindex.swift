import ArgumentParser
import AskDocs
import Foundation
import Transformer

extension AskDocsCommand {
    /// `askdocs reindex`: Bring the index up to date with changed, added and removed files.
    struct Reindex: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "reindex",
            abstract: "Bring the index up to date with changed, added, renamed and removed files.",
            discussion: """
                Walks the files and folders the index was built from (recorded by `askdocs index`, with their \
                globs), or the PATHs given: stores added and changed files (a file whose size and modification time \
                are unchanged is not read; one whose time changed is hashed), moves the documents of a renamed file \
                with the same content (no re-embedding), removes the documents, chunks and vectors of files that \
                no longer exist, and embeds only the new chunks. A run with nothing changed embeds nothing.

                Work is published in checkpoints (every --checkpoint-chunks chunks or --checkpoint-seconds): each \
                is one SQLite transaction that names the vector files written for it, so `ask`, `search` and \
                `serve` keep answering from the last published state. Vectors are saved as they are embedded, outside \
                the published state, so a run killed at any moment (even inside one huge file) resumes where it \
                stopped instead of embedding again. A different retriever (--retriever, or a new revision of the \
                recorded one) rebuilds every document and vector, announced, and publishes once at the end. Another --index-factory rebuilds the vector index from its own vectors.

                One run at a time: the exit status is 0 when the index is up to date, 1 when the run failed, 75 \
                when another index, reindex or repair holds the database's lock. Log lines go to stderr, one per \
                event with its level (with syslog priorities under journald), and a progress bar on a terminal.
                """
        )

        @Argument(help: "Files and folders to walk instead of the recorded ones.")
        var paths: [String] = []

        @OptionGroup var database: DatabaseOption

        @OptionGroup var config: ConfigOption

        @OptionGroup var precision: PrecisionOption

        @OptionGroup var retriever: RetrieverOption

        @OptionGroup var checkpoints: CheckpointOptions

        @OptionGroup var output: JSONOutputOption

        func run() async throws {
            let configuration = try config.resolve(
                ConfigurationOverrides(databasePath: database.db, precision: precision.precision))
            var request = ReindexRequest(
                database: configuration.databasePath, paths: paths, retriever: retriever.retriever,
                defaultRetriever: configuration.retrieverModel)
            request.checkpointChunks = checkpoints.checkpointChunks
            request.checkpointSeconds = checkpoints.checkpointSeconds
            request.factory = checkpoints.indexFactory
            request.precision = configuration.precisions.retriever
            PrecisionOption.announce(ModelPrecisions(reader: .fp32, retriever: request.precision))
            let log = EventLog()
            let progress = TerminalProgress.start()
            log.info("reindex of \(request.database) started")
            var reindexer = Reindexer(request)
            reindexer.onPhase = FaultInjection.publishHook()
            let report: ReindexReport
            do {
                report = try CommandFailure.reportingBusy {
                    try reindexer.run(announce: { log.notice($0) }) { step in
                        switch step {
                        case .storing(let files): progress?.show(files)
                        case .embedding(let done, let total): progress?.count(done, of: total, "chunks embedded")
                        case .published(let generation, let chunks, let vectors):
                            progress?.finish()
                            log.info(
                                "published generation \(generation): \(chunks) chunks"
                                    + (vectors.map { ", \($0) vectors" } ?? ""))
                        }
                    }
                }
            } catch {
                progress?.finish()
                throw error
            }
            progress?.finish()
            let documents = report.index.documents
            log.info(
                String(
                    format:
                        "reindex finished in %.1f s: %d added, %d updated, %d moved, %d removed, %d unchanged files",
                    documents.seconds + (report.index.vectors?.seconds ?? 0), documents.filesAdded,
                    documents.filesUpdated, documents.filesMoved, documents.vanished.count, documents.filesUnchanged))
            if output.json {
                print(try Self.json(report))
            } else {
                print(Index.summary(documents, database: request.database))
                if documents.filesMoved > 0 {
                    print("  moved \(documents.filesMoved): renamed, their documents and vectors kept")
                }
                if let vectors = report.index.vectors {
                    print(
                        String(
                            format: "Embedded %d chunk%@ in %.1f s (%d vectors removed); %d vectors.",
                            vectors.vectorsAdded, vectors.vectorsAdded == 1 ? "" : "s", vectors.seconds,
                            vectors.vectorsRemoved, vectors.vectorCount))
                    if vectors.vectorsReused > 0 {
                        print("  \(vectors.vectorsReused) of them saved by an interrupted run, not embedded again")
                    }
                }
                if let generation = report.index.generation {
                    print("Published generation \(generation) (\(report.index.publishes) published by this run).")
                }
            }
        }

        /// The `--json` object: `index --json`'s fields, plus `generation`, `publishes`, `roots` and `rebuild`.
        static func json(_ report: ReindexReport) throws -> String {
            let base = try Index.json(report.index)
            var object = try JSONSerialization.jsonObject(with: Data(base.utf8)) as? [String: Any] ?? [:]
            object["generation"] = report.index.generation
            object["publishes"] = report.index.publishes
            object["roots"] = report.roots.map(\.path)
            object["rebuild"] = report.rebuildReason ?? NSNull()
            let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
            return String(decoding: data, as: UTF8.self)
        }
    }
}

/// Log lines on stderr for unattended runs: one line per event with its level; under journald (`JOURNAL_STREAM`
/// set) each line starts with its syslog priority (`<6>`), which journald turns into the entry's level.
struct EventLog {
    private let journald = ProcessInfo.processInfo.environment["JOURNAL_STREAM"] != nil

    func info(_ message: String) { write(6, "info", message) }
    func notice(_ message: String) { write(5, "notice", message) }
    func error(_ message: String) { write(3, "error", message) }

    private func write(_ priority: Int, _ level: String, _ message: String) {
        let line = (journald ? "<\(priority)>" : "") + "\(level): \(message)\n"
        FileHandle.standardError.write(Data(line.utf8))
    }
}
