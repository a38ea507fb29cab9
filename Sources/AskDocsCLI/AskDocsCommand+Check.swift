import AskDocs
import ArgumentParser
import DocumentStore
import Foundation
import Retrieval

extension AskDocsCommand {
    /// `askdocs check`: Verify that the database and the vector index agree.
    struct Check: AsyncParsableCommand {
        static let configuration = CommandConfiguration(
            commandName: "check",
            abstract: "Verify that the database and the vector index agree.",
            discussion: """
                Finds vectors whose chunk no longer exists, chunks without a vector, a missing or unreadable vector \\
                index (or one built with another model than --retriever), and documents whose chunks do not add \\
                up. Exits 1 when a problem remains. --repair (or `askdocs index` on the same paths) removes stale \\
                vectors and embeds missing ones; a missing or unreadable index is rebuilt.
                """
        )

        @Option(help: "The database file.")
        var db: String = Configuration.default.databasePath

        @Option(
            help: "The retriever to check against and to repair with (default: the one the database was built with).")
        var retriever: String?

        @Flag(help: "Repair what is found by embedding missing chunks and removing stale vectors.")
        var repair = false

        @Flag(help: "Print JSON: {\"problems\": [...], \"repaired\": ...}.")
        var json = false

        func run() async throws {
            let store = try IndexAccess.openExisting(db)
            let location = IndexAccess.location(db)
            let expected = try retriever.map { try IndexAccess.loadRetriever($0).embedder.identity }
            let check = IndexCheck(store: store, location: location)
            let found = try check.run(expectedModel: expected)
            var remaining = found
            var repairReport: VectorSyncReport?
            let repairable = found.contains { $0.kind != .database }
            if repair, repairable {
                let model = try IndexAccess.loadRetriever(try IndexAccess.retrieverName(retriever, store: store))
                if location.exists,
                    (try? VectorIndex.open(at: location, expecting: VectorIndex.readManifest(at: location).model))
                        == nil
                {
                    // Unreadable: start over (the index is derived data; the database is the source of truth).
                    try? FileManager.default.removeItem(at: location.directory)
                }
                let progress = IndexAccess.interactive ? CountProgress(label: "chunks embedded") : nil
                do {
                    repairReport = try VectorSync(store: store, retriever: model, location: location).run {
                        progress?.update($0, $1)
                    }
                } catch {
                    progress?.finish()
                    throw CommandFailure("repair failed: \(error.localizedDescription)")
                }
                progress?.finish()
                remaining = try check.run(expectedModel: expected)
            }
            if json {
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
