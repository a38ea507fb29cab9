import DocumentStore
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A temporary folder for one command-line test.
final class CommandWorkspace {
    let root: URL

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-cli-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
    }

    deinit {
        // Folders made unreadable by a test must be readable again to be removed.
        if let enumerator = FileManager.default.enumerator(atPath: root.path) {
            for case let relative as String in enumerator { chmod(root.appendingPathComponent(relative).path, 0o755) }
        }
        try? FileManager.default.removeItem(at: root)
    }

    func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    func write(_ relative: String, _ text: String) throws {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try Data(text.utf8).write(to: url)
    }
}

/// The parsed `--json` output of `askdocs index`.
struct IndexJSON {
    let object: [String: Any]

    init(_ output: String) throws {
        object = try #require(try JSONSerialization.jsonObject(with: Data(output.utf8)) as? [String: Any])
    }

    func int(_ key: String) -> Int? { object[key] as? Int }
    func issues(_ key: String) -> [(path: String, reason: String)] {
        (object[key] as? [[String: String]] ?? []).map { ($0["path"] ?? "", $0["reason"] ?? "") }
    }
}

@Suite("askdocs index")
struct IndexCommandTests {
    static let sample = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("corpora/sample").path

    @Test("--json reports the counts, creates the database folder, and a second run adds nothing")
    func jsonAndRerun() throws {
        let workspace = try CommandWorkspace()
        let db = workspace.path("new/folder/askdocs.sqlite")
        let first = try AskDocsProcess.run(["index", "--no-embed", Self.sample, "--db", db, "--json"])
        #expect(first.status == 0, "\(first.standardError)")
        #expect(first.standardError.isEmpty, "no progress output when stderr is not a terminal")
        let report = try IndexJSON(first.standardOutput)
        #expect(report.int("documents_added") == 9)
        #expect(report.int("documents_unchanged") == 0)
        #expect(report.int("documents_skipped") == 0)
        #expect(report.issues("skipped").isEmpty)
        #expect(report.issues("documents_failed").isEmpty)
        #expect((report.int("chunks_added") ?? 0) >= 9)
        #expect(report.object["seconds"] is Double)
        #expect(FileManager.default.fileExists(atPath: db))

        let second = try IndexJSON(
            try AskDocsProcess.run(["index", "--no-embed", Self.sample, "--db", db, "--json"]).standardOutput)
        #expect(second.int("documents_added") == 0)
        #expect(second.int("documents_updated") == 0)
        #expect(second.int("documents_unchanged") == 9)
        #expect(second.int("chunks_added") == 0)
    }

    @Test("the human summary names the counts; globs and excludes choose files")
    func summaryAndGlobs() throws {
        let workspace = try CommandWorkspace()
        let db = workspace.path("db.sqlite")
        let result = try AskDocsProcess.run([
            "index", "--no-embed", Self.sample, "--db", db, "--glob", "*.md", "--glob", "*.html",
        ])
        #expect(result.status == 0)
        #expect(result.standardOutput.hasPrefix("Indexed 2 files into \(db) in "))
        #expect(result.standardOutput.contains("2 added, 0 updated, 0 unchanged, 0 skipped, 0 failed"))
        let excluded = try AskDocsProcess.run([
            "index", "--no-embed", Self.sample, "--db", workspace.path("db2.sqlite"), "--exclude", "*.txt", "--json",
        ])
        #expect(
            try IndexJSON(excluded.standardOutput).int("documents_added") == 4,
            "rhine.md, kaffee.html and the two records of rios.jsonl")
    }

    @Test("a path that does not exist is a one-line error and a non-zero exit")
    func missingPath() throws {
        let workspace = try CommandWorkspace()
        let result = try AskDocsProcess.run([
            "index", "--no-embed", workspace.path("nope"), "--db", workspace.path("db.sqlite"),
        ])
        #expect(result.status != 0)
        #expect(result.standardError.contains("no such file or folder"))
        let none = try AskDocsProcess.run(["index"])
        #expect(none.status != 0)
    }

    @Test("a database from a newer askdocs is refused in one line")
    func newerDatabase() throws {
        let workspace = try CommandWorkspace()
        let db = workspace.path("db.sqlite")
        _ = try DocumentStore(path: db)
        let database = try Database(path: db)
        try database.execute("PRAGMA user_version = 42")
        let result = try AskDocsProcess.run(["index", "--no-embed", Self.sample, "--db", db])
        #expect(result.status != 0)
        #expect(result.standardError.contains("newer than this askdocs supports"))
    }

    /// Runs a command line and waits; stdout and stderr as text.
    static func run(_ command: [String]) throws -> (status: Int32, output: String, error: String) {
        let result = try ChildProcess.run(command[0], Array(command.dropFirst()))
        return (
            result.status, String(decoding: result.standardOutput, as: UTF8.self),
            String(decoding: result.standardError, as: UTF8.self)
        )
    }

    @Test("unreadable files and folders are reported as failures (as root, with the DAC override capabilities dropped)")
    func unreadable() throws {
        let workspace = try CommandWorkspace()
        try workspace.write("docs/ok.txt", "Readable.")
        try workspace.write("docs/secret.txt", "Not readable.")
        try workspace.write("docs/locked/inside.txt", "Not listable.")
        try Data([0x7F, 0x45, 0x4C, 0x46, 0, 0, 0, 0]).write(
            to: URL(fileURLWithPath: workspace.path("docs/program")))
        #expect(chmod(workspace.path("docs/secret.txt"), 0) == 0)
        #expect(chmod(workspace.path("docs/locked"), 0) == 0)
        // Root reads anything through CAP_DAC_OVERRIDE; setpriv drops it (and CAP_DAC_READ_SEARCH) for the command.
        let launcher = geteuid() == 0 ? ["/usr/bin/setpriv", "--bounding-set", "-dac_override,-dac_read_search"] : []
        let result = try Self.run(
            launcher + [
                AskDocsProcess.executable.path, "index", "--no-embed", workspace.path("docs"), "--db",
                workspace.path("db.sqlite"),
                "--json",
            ])
        #expect(result.status == 0, "\(result.error)")
        let report = try IndexJSON(result.output)
        #expect(report.int("documents_added") == 1)
        let failed = Dictionary(
            uniqueKeysWithValues: report.issues("documents_failed").map {
                (($0.path as NSString).lastPathComponent, $0.reason)
            })
        #expect(failed == ["secret.txt": "permission denied", "locked": "cannot list folder: permission denied"])
        #expect(report.int("documents_skipped") == 1)
        #expect(report.issues("skipped").map(\.reason) == ["binary file (not text)"])
    }

    @Test("kill -9 at several moments leaves only whole documents; the next run completes the index")
    func killNine() throws {
        let workspace = try CommandWorkspace()
        // About 3 MB in 160 files, with JSON Lines files of several documents, so a debug build takes seconds.
        var files = 0
        for folder in 0..<8 {
            for file in 0..<20 {
                let sentences = (0..<(60 + (folder * 20 + file) % 90)).map {
                    "Folder \(folder) file \(file) sentence \($0) talks about rivers, bridges and harbours in some detail."
                }
                if file % 7 == 3 {
                    let lines = stride(from: 0, to: sentences.count, by: 15).map { start in
                        "{\"id\":\"r\(start)\",\"text\":\"\(sentences[start..<min(start + 15, sentences.count)].joined(separator: " "))\"}"
                    }
                    try workspace.write("corpus/f\(folder)/doc\(file).jsonl", lines.joined(separator: "\n"))
                } else {
                    try workspace.write("corpus/f\(folder)/doc\(file).txt", sentences.joined(separator: " "))
                }
                files += 1
            }
        }
        // The reference: an uninterrupted run. The kills below add up to 75% of its time, so most land mid-run.
        let referenceDB = workspace.path("reference.sqlite")
        let started = Date()
        let reference = try AskDocsProcess.run([
            "index", "--no-embed", workspace.path("corpus"), "--db", referenceDB, "--json",
        ])
        let fullSeconds = Date().timeIntervalSince(started)
        #expect(reference.status == 0)
        let expected = try Dictionary(
            uniqueKeysWithValues: DocumentStore(path: referenceDB).allDocuments().map { ($0.key, $0.chunkCount) })
        #expect(expected.count > files)

        let db = workspace.path("killed.sqlite")
        var killedWhileRunning = 0
        var partialIndexes = 0
        for fraction in [0.05, 0.1, 0.15, 0.2, 0.25] {
            // Small checkpoints, so that kills land between published ones and leave partial indexes to check.
            let process = try ChildProcess(
                AskDocsProcess.executable.path,
                ["index", "--no-embed", workspace.path("corpus"), "--db", db, "--json", "--checkpoint-chunks", "40"])
            usleep(useconds_t(fullSeconds * fraction * 1_000_000))
            if process.isRunning {
                process.signal(SIGKILL)
            }
            try process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { killedWhileRunning += 1 }
            guard FileManager.default.fileExists(atPath: db) else { continue }
            let store = try DocumentStore(path: db)
            let documents = try store.counts().documents
            if documents > 0 && documents < expected.count { partialIndexes += 1 }
            #expect(try store.integrityProblems().isEmpty, "after a kill at \(fraction)")
            for document in try store.allDocuments() {
                #expect(
                    expected[document.key] == document.chunkCount, "\(document.key) has \(document.chunkCount) chunks")
                #expect(try store.chunks(documentID: document.id).count == expected[document.key])
            }
        }
        #expect(killedWhileRunning >= 4, "the kills must land while indexing runs")
        #expect(partialIndexes >= 2, "some kills must leave a partly built index to check")
        let final = try AskDocsProcess.run(["index", "--no-embed", workspace.path("corpus"), "--db", db, "--json"])
        #expect(final.status == 0)
        let store = try DocumentStore(path: db)
        let stored = try Dictionary(uniqueKeysWithValues: store.allDocuments().map { ($0.key, $0.chunkCount) })
        #expect(stored == expected)
        #expect(try store.integrityProblems().isEmpty)
    }
}
