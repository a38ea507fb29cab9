import Foundation
import Testing

#if canImport(Glibc)
    import Glibc
#endif

@Suite("askdocs index summary")
struct IndexSummaryCommandTests {
    @Test("skipped files are one line per reason with a count and examples; --json lists every one")
    func groupedByReason() throws {
        let workspace = try CommandWorkspace()
        try workspace.write("docs/README", "A readme.")
        for index in 0..<6 { try workspace.write("docs/site/style\(index).css", "body { margin: \(index) }") }
        try workspace.write("docs/empty.txt", "")
        try workspace.write("docs/blank.md", "  \n")
        let db = workspace.path("db.sqlite")
        let human = try AskDocsProcess.run(["index", "--no-embed", workspace.path("docs"), "--db", db])
        #expect(human.status == 0, "\(human.standardError)")
        let lines = human.standardOutput.split(separator: "\n").map(String.init)
        #expect(lines.first?.contains("Indexed 9 files into \(db)") == true)
        #expect(lines.first?.contains("1 added, 0 updated, 0 unchanged, 8 skipped, 0 failed") == true)
        let css = workspace.path("docs/site/style")
        #expect(
            lines.contains(
                "  skipped 6: not a document format AskDocs reads (an include glob can ask for it) "
                    + "(\(css)0.css, \(css)1.css, \(css)2.css, …)"))
        #expect(
            lines.contains(
                "  skipped 2: no text (\(workspace.path("docs/blank.md")), \(workspace.path("docs/empty.txt")))"))
        #expect(lines.count == 4, "\(lines)")
        let json = try AskDocsProcess.run(["index", "--no-embed", workspace.path("docs"), "--db", db, "--json"])
        let report = try IndexJSON(json.standardOutput)
        #expect(report.issues("skipped").count == 8)
        #expect(report.int("files_seen") == 9 && report.int("files_unchanged") == 1 && report.int("files_skipped") == 8)
    }

    @Test("an unreadable folder as the only path is a one-line error, a non-zero exit, and no database")
    func unreadableRoot() throws {
        let workspace = try CommandWorkspace()
        try workspace.write("locked/inside.txt", "Not listable.")
        #expect(chmod(workspace.path("locked"), 0) == 0)
        let launcher = geteuid() == 0 ? ["/usr/bin/setpriv", "--bounding-set", "-dac_override,-dac_read_search"] : []
        let result = try IndexCommandTests.run(
            launcher + [
                AskDocsProcess.executable.path, "index", "--no-embed", workspace.path("locked"), "--db",
                workspace.path("db.sqlite"),
            ])
        #expect(result.status == 1)
        #expect(result.error.contains("cannot read \(workspace.path("locked")): cannot list folder: permission denied"))
        #expect(result.error.split(separator: "\n").count == 1, "\(result.error)")
        #expect(!FileManager.default.fileExists(atPath: workspace.path("db.sqlite")))
    }

    @Test("files gone from an indexed folder are reported with the flag that removes them; --prune removes them")
    func vanishedAndPrune() throws {
        let workspace = try CommandWorkspace()
        try workspace.write("docs/keep.txt", "Kept.")
        try workspace.write("docs/gone.txt", "Gone soon.")
        let db = workspace.path("db.sqlite")
        _ = try AskDocsProcess.run(["index", "--no-embed", workspace.path("docs"), "--db", db])
        try FileManager.default.removeItem(atPath: workspace.path("docs/gone.txt"))
        let report = try AskDocsProcess.run(["index", "--no-embed", workspace.path("docs"), "--db", db])
        #expect(
            report.standardOutput.contains(
                "  vanished 1: indexed before, no longer exist (\(workspace.path("docs/gone.txt"))); "
                    + "run the same index command with --prune to remove them"))
        #expect(!report.standardOutput.contains("reindex"))
        let pruned = try AskDocsProcess.run([
            "index", "--no-embed", workspace.path("docs"), "--db", db, "--json", "--prune",
        ])
        let json = try IndexJSON(pruned.standardOutput)
        #expect(json.int("documents_removed") == 1)
        let after = try AskDocsProcess.run(["index", "--no-embed", workspace.path("docs"), "--db", db, "--json"])
        #expect((try IndexJSON(after.standardOutput).object["vanished"] as? [String]) == [])
    }
}
