import ArgumentParser
import AskDocs
import Foundation
import Transformer

extension AskDocsCommand {
    /// `askdocs check`: Verify that the database and the vector index agree.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Verify that the database and the vector index agree.",
            discussion: """
                Finds vectors whose chunk no longer exists, chunks without a vector, a missing or unreadable vector \
                index (or one built with another model than --retriever), and documents whose chunks do not add \
                up. A BM25-only index (built with `index --no-embed`) has no vectors by choice and passes. Exits 1 \
                when a problem remains. --repair (or `askdocs index` on the same paths) removes stale vectors and \
                embeds missing ones; a missing or unreadable index is rebuilt. --repair --retriever MODEL on a \
                BM25-only index converts it to a dense one: it records MODEL and embeds every chunk. --json prints \
                {"problems": [{"kind", "chunk_ids", "message"}], "remaining": [...], "vectors": "dense" or "none"}, \
                plus "repaired": {"vectors_added", "vectors_reused", "vectors_removed", "vectors", "embed_seconds"} \
                when --repair repaired or converted something. With --db postgres://…, it checks the writer's \
                working index on this machine and PostgreSQL's side too: documents against their chunks, one vector \
                per chunk, the BM25 statistics against the postings, and that it publishes the working index's \
                generation; --repair then writes the working index to it again in one transaction ("republished": \
                the documents written).
                """
        )

        @OptionGroup var database: DatabaseOption

        @OptionGroup var config: ConfigOption

        @OptionGroup var retriever: RetrieverOption

        @Flag(help: "Repair what is found by embedding missing chunks and removing stale vectors.")
        var repair = false

        @OptionGroup var output: JSONOutputOption

        func run() async throws {
            let configuration = try config.resolve(ConfigurationOverrides(databasePath: database.db))
            let db = configuration.databasePath
            let (check, expected, found) = try CommandFailure.reporting {
                let check = try IndexCheck.open(database: db)
                let expected = try retriever.retriever.map { name throws in
                    try RetrieverModel.load(name).embedder.identity
                }
                return (check, expected, try check.run(expectedModel: expected))
            }
            let store = check.store
            var remaining = found
            var repairReport: VectorSyncReport?
            let before = try CommandFailure.reporting { try check.vectorState() }
            let converting = repair && before == .none && retriever.retriever != nil && found.isEmpty
            let repairable = IndexCheck.isRepairable(found)
            if repair && (repairable || converting) {
                let progress = TerminalProgress.start()
                defer { progress?.finish() }
                try CommandFailure.reportingBusy {
                    let name =
                        try RetrieverModel.name(named: retriever.retriever, recordedIn: store)
                        ?? configuration.retrieverModel
                    let model = try RetrieverModel.load(name, precision: configuration.precisions.retriever)
                    let show = { (done: Int, total: Int) -> Void in progress?.count(done, of: total, "chunks embedded")
                    }
                    repairReport =
                        try converting
                        ? check.convertToDense(with: model, progress: show)
                        : check.repair(with: model, progress: show)
                    progress?.finish()
                    let expected = retriever.retriever == nil ? nil : model.embedder.identity
                    remaining = try check.run(expectedModel: expected)
                }
            }
            var republished: Int?
            if repair {
                try CommandFailure.reportingBusy {
                    republished = try check.republish(for: remaining)
                    if republished != nil { remaining = try check.run(expectedModel: expected) }
                }
            }
            let state = try CommandFailure.reporting { try check.vectorState() }
            if output.json {
                struct Output: Encodable {
                    var problems: [IndexProblem]
                    var repaired: VectorSyncReport?
                    var republished: Int?
                    var remaining: [IndexProblem]
                    var vectors: VectorState
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                let output = Output(
                    problems: found, repaired: repairReport, republished: republished, remaining: remaining,
                    vectors: state)
                print(String(decoding: try encoder.encode(output), as: UTF8.self))
            } else {
                let counts = try store.counts()
                if let repairReport, converting {
                    print(
                        "converted to a dense index: \(repairReport.vectorsAdded) chunks embedded; "
                            + "\(repairReport.vectorCount) vectors")
                    for problem in remaining { print("still wrong: \(problem.message)") }
                } else if found.isEmpty {
                    print(
                        state == .none
                            ? "OK: \(db) has \(counts.documents) documents and \(counts.chunks) chunks, BM25 only (no "
                                + "vectors; `askdocs check --repair --retriever MODEL` adds them)."
                            : "OK: \(db) has \(counts.documents) documents, \(counts.chunks) chunks, and a vector for "
                                + "each chunk.")
                } else {
                    for problem in found { print("problem: \(problem.message)") }
                    if let repairReport {
                        print(
                            "repaired: \(repairReport.vectorsAdded) chunks embedded, \(repairReport.vectorsRemoved) "
                                + "stale vectors removed")
                    }
                    if let republished {
                        print("republished: \(republished) documents written again to \(db) in one transaction")
                    }
                    if repairReport != nil || republished != nil {
                        for problem in remaining { print("still wrong: \(problem.message)") }
                    } else if repairable {
                        print("run `askdocs check --repair` (or `askdocs index` on the same paths) to fix")
                    } else if IndexCheck.needsRepublish(found) {
                        print("run `askdocs check --repair` to write the working index to the shared one again")
                    }
                }
            }
            if !remaining.isEmpty { throw ExitCode(1) }
        }
    }
}
