import AskDocs
import ArgumentParser
import DocumentStore
import Foundation
import Ingest
import Retrieval

#if canImport(Glibc)
    import Glibc
#endif

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
                a BM25-only index (ICU word terms unless --retriever names a model for its tokenizer).
                """
        )

        @Argument(help: "Files and folders to index.")
        var paths: [String] = []

        @Option(help: "The database file (its folder is created).")
        var db: String = Configuration.default.databasePath

        @Option(name: .customLong("glob"), help: "Only files matching this pattern (e.g. '*.md'); repeatable.")
        var globs: [String] = []

        @Option(help: "Leave out files and folders matching this pattern; repeatable.")
        var exclude: [String] = []

        @Option(help: "The retriever: a model folder or a Hugging Face id in the local cache.")
        var retriever: String?

        @Flag(help: "Do not embed chunks (BM25-only search).")
        var noEmbed = false

        @Flag(help: "Print one JSON object with the counts instead of a summary.")
        var json = false

        func validate() throws {
            guard !paths.isEmpty else { throw ValidationError("give at least one file or folder to index") }
            for path in paths where !FileManager.default.fileExists(atPath: path) {
                throw ValidationError("no such file or folder: \(path)")
            }
            guard !db.isEmpty else { throw ValidationError("--db needs a file path") }
        }

        func run() async throws {
            let store: DocumentStore
            do {
                store = try DocumentStore(path: db)
            } catch {
                throw Failure(message: "cannot open \(db): \(error.localizedDescription)")
            }
            let location = IndexAccess.location(db)
            let stored = try store.setting(RetrieverModel.setting)
            let modelName = retriever ?? stored ?? (noEmbed ? nil : Configuration.default.retrieverModel)
            let model = try modelName.map(IndexAccess.loadRetriever)
            if let model, !noEmbed, location.exists {
                // Refuse before storing anything: new chunks could not be embedded into this index.
                let manifest = try VectorIndex.readManifest(at: location)
                guard manifest.model.isCompatible(with: model.embedder.identity) else {
                    throw Failure(
                        message: VectorIndexError.modelMismatch(
                            built: manifest.model.description, requested: model.embedder.identity.description
                        ).localizedDescription)
                }
            }
            var indexer = Indexer(store: store)
            if let model {
                indexer.chunker = Chunker(counter: model.tokenCounter)
                indexer.termizer = model.termizer
            }
            let interactive = isatty(STDERR_FILENO) == 1
            let bar = interactive ? ProgressBar() : nil
            var report: IndexReport
            do {
                report = try indexer.run(IndexRequest(paths: paths, include: globs, exclude: exclude)) { progress in
                    bar?.update(progress)
                }
            } catch {
                bar?.finish()
                throw Failure(message: "indexing stopped: \(error.localizedDescription)")
            }
            bar?.finish()
            var vectors: VectorSyncReport?
            if let model, !noEmbed {
                try store.setSetting(RetrieverModel.setting, to: model.reference)
                let progress = interactive ? CountProgress(label: "chunks embedded") : nil
                do {
                    vectors = try VectorSync(store: store, retriever: model, location: location).run { done, total in
                        progress?.update(done, total)
                    }
                } catch {
                    progress?.finish()
                    throw Failure(message: "embedding stopped: \(error.localizedDescription)")
                }
                progress?.finish()
            } else if let model, stored == nil {
                try store.setSetting(RetrieverModel.setting, to: model.reference)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                var object = try JSONSerialization.jsonObject(with: encoder.encode(report)) as? [String: Any] ?? [:]
                if let vectors,
                    let extra = try JSONSerialization.jsonObject(with: encoder.encode(vectors)) as? [String: Any]
                {
                    object.merge(extra) { first, _ in first }
                }
                let data = try JSONSerialization.data(withJSONObject: object, options: [.sortedKeys])
                print(String(decoding: data, as: UTF8.self))
            } else {
                print(Self.summary(report, database: db))
                if let vectors {
                    print(
                        String(
                            format: "Embedded %d chunk%@ in %.1f s (%d vectors removed); %d vectors in %@.",
                            vectors.vectorsAdded, vectors.vectorsAdded == 1 ? "" : "s", vectors.seconds,
                            vectors.vectorsRemoved, vectors.vectorCount, location.directory.path))
                }
            }
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

        /// A one-line error.
        struct Failure: Error, CustomStringConvertible {
            var message: String
            var description: String { message }
        }
    }
}

/// A one-line progress bar on stderr, redrawn at most ten times a second.
final class ProgressBar: @unchecked Sendable {
    // @unchecked: used from one loop (indexing, evaluation) on one thread.
    private var lastDraw = Date.distantPast
    private var drawn = false

    func update(_ progress: IndexProgress) {
        let fraction = progress.bytesTotal > 0 ? Double(progress.bytesDone) / Double(progress.bytesTotal) : 1
        let eta = progress.estimatedSecondsLeft.map { String(format: " ETA %.0fs", $0) } ?? ""
        draw(fraction: fraction, force: progress.filesDone == progress.filesTotal) {
            String(
                format: "%d/%d files  %@/%@  %d chunks  %@/s%@", progress.filesDone, progress.filesTotal,
                Self.bytes(Double(progress.bytesDone)), Self.bytes(Double(progress.bytesTotal)), progress.chunksAdded,
                Self.bytes(progress.bytesPerSecond), eta)
        }
    }

    /// Redraws the bar at `fraction` (0...1) followed by `details`, at most ten times a second unless `force`.
    func draw(fraction: Double, force: Bool = false, details: () -> String) {
        let now = Date()
        guard now.timeIntervalSince(lastDraw) >= 0.1 || force else { return }
        lastDraw = now
        let width = 24
        let filled = Int((min(max(fraction, 0), 1) * Double(width)).rounded(.down))
        let bar = String(repeating: "#", count: filled) + String(repeating: "-", count: width - filled)
        FileHandle.standardError.write(Data("\r[\(bar)] \(details())\u{1B}[K".utf8))
        drawn = true
    }

    func finish() {
        if drawn { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
    }

    static func bytes(_ value: Double) -> String {
        if value >= 1_048_576 { return String(format: "%.1f MB", value / 1_048_576) }
        if value >= 1024 { return String(format: "%.0f kB", value / 1024) }
        return String(format: "%.0f B", value)
    }
}
