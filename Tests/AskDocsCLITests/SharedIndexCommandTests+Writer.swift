import Foundation
import TestSupport
import Testing

/// The one writer of a shared index is its working index, a folder of state on one machine: moved with it, the
/// writer goes on where it stopped; lost, the next run rebuilds it from the files and publishes a consistent
/// generation over the old one.
extension SharedIndexCommandTests {
    /// The JSON object a `--json` run printed.
    static func report(_ result: AskDocsProcess.Result) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: Data(result.standardOutput.utf8)) as? [String: Any])
    }

    @Test("a writer's state folder moved to another machine goes on incrementally: nothing embedded or republished")
    func movedWriter() throws {
        let shared = try Shared(files: 6)
        #expect(try shared.index().status == 0)
        var moved = shared
        moved.state = shared.corpus.workspace.path("other-machine-state")
        try FileManager.default.copyItem(atPath: shared.state, toPath: moved.state)
        let unchanged = try moved.run(["reindex", "--json"])
        #expect(unchanged.status == 0, "\(unchanged.standardError)")
        let quiet = try Self.report(unchanged)
        #expect(quiet["chunks_added"] as? Int == 0 && quiet["files_unchanged"] as? Int == 6, "\(quiet)")
        #expect(!unchanged.standardError.contains("published generation"), "\(unchanged.standardError)")
        try shared.corpus.change()
        let changed = try moved.run(["reindex", "--json"])
        #expect(changed.status == 0, "\(changed.standardError)")
        #expect(try moved.agrees(on: shared.primary))
        #expect(try moved.run(["check"]).status == 0)
    }

    @Test("a writer whose state was lost rebuilds it from the files and publishes a consistent generation")
    func lostWriterState() throws {
        let shared = try Shared(files: 6)
        #expect(try shared.index().status == 0)
        try shared.corpus.change()
        var rebuilt = shared
        rebuilt.state = shared.corpus.workspace.path("fresh-state")
        let result = try rebuilt.index()
        #expect(result.status == 0, "\(result.standardError)")
        #expect(try rebuilt.agrees(on: shared.primary))
        let check = try rebuilt.run(["check", "--json"])
        #expect(check.status == 0, "\(check.standardOutput) \(check.standardError)")
        // The old writer's state is no longer what the database publishes: its check says so, and its next run
        // publishes it over the other (whole, from nothing), not mixed into it.
        let stale = try shared.run(["check"])
        #expect(stale.status == 1, "\(stale.standardOutput)")
        #expect(stale.standardOutput.contains("last published by another working index"), "\(stale.standardOutput)")
        let returned = try shared.run(["reindex"])
        #expect(returned.status == 0, "\(returned.standardError)")
        #expect(try shared.agrees(on: shared.primary))
        #expect(try shared.run(["check"]).status == 0)
        #expect(try rebuilt.run(["check"]).status == 1)
    }
}
