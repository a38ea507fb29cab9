import ArgumentParser
import AskDocs
import Foundation

extension AskDocsCommand {
    /// `askdocs check`: Verify that the database and the vector index agree.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Verify that the database and the vector index agree.",
            discussion: """
                Finds vectors whose chunk no longer exists, chunks without a vector, a missing or unreadable vector \
                index (or one built with another model than --retriever), and documents whose chunks do not add \
                up. Exits 1 when a problem remains. --repair (or `askdocs index` on the same paths) removes stale \
                vectors and embeds missing ones; a missing or unreadable index is rebuilt. --json prints \
                {"problems": [{"kind", "chunk_ids", "message"}], "repaired": {...} (with --repair), "remaining": [...]}.
                """
        )

        @OptionGroup var database: DatabaseOption

        @OptionGroup var retriever: RetrieverOption

        @Flag(help: "Repair what is found by embedding missing chunks and removing stale vectors.")
        var repair = false

        @OptionGroup var output: JSONOutputOption

        func run() async throws {
            let db = database.db
            let (check, found) = try CommandFailure.reporting {
                let check = try IndexCheck.open(database: db)
                let expected = try retriever.retriever.map { name throws in
                    try RetrieverModel.load(name).embedder.identity
                }
                return (check, try check.run(expectedModel: expected))
            }
            let store = check.store
            var remaining = found
            var repairReport: VectorSyncReport?
            let repairable = IndexCheck.isRepairable(found)
            if repair, repairable {
                let progress = TerminalProgress.start()
                defer { progress?.finish() }
                try CommandFailure.reporting {
                    let name =
                        try RetrieverModel.name(named: retriever.retriever, recordedIn: store)
                        ?? Configuration.default.retrieverModel
                    let model = try RetrieverModel.load(name)
                    repairReport = try check.repair(with: model) { progress?.count($0, of: $1, "chunks embedded") }
                    progress?.finish()
                    let expected = retriever.retriever == nil ? nil : model.embedder.identity
                    remaining = try check.run(expectedModel: expected)
                }
            }
            if output.json {
                struct Output: Encodable {
                    var problems: [IndexProblem]
                    var repaired: VectorSyncReport?
                    var remaining: [IndexProblem]
                }
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.sortedKeys]
                let output = Output(problems: found, repaired: repairReport, remaining: remaining)
                print(String(decoding: try encoder.encode(output), as: UTF8.self))
            } else {
                let counts = try store.counts()
                if found.isEmpty {
                    print(
                        "OK: \(db) has \(counts.documents) documents, \(counts.chunks) chunks, and a vector for each chunk."
                    )
                } else {
                    for problem in found { print("problem: \(problem.message)") }
                    if let repairReport {
                        print(
                            "repaired: \(repairReport.vectorsAdded) chunks embedded, \(repairReport.vectorsRemoved) "
                                + "stale vectors removed")
                        for problem in remaining { print("still wrong: \(problem.message)") }
                    } else if repairable {
                        print("run `askdocs check --repair` (or `askdocs index` on the same paths) to fix")
                    }
                }
            }
            if !remaining.isEmpty { throw ExitCode(1) }
        }
    }
}
