import AskDocs
import DocumentStore
import Foundation
import IndexTestSupport
import Retrieval
import TestSupport
import Testing

#if canImport(Glibc)
    import Glibc
#endif

/// A corpus that changes between runs, indexed with the tiny retriever through the built executable; every
/// version of every file is kept, so that what a reader saw can be checked against what the file said then.
final class ChangingCorpus {
    let workspace: CommandWorkspace
    let model: URL
    var db: String { workspace.path("index/db.sqlite") }
    var docs: String { workspace.path("docs") }
    /// Every text each path (absolute) has held.
    private(set) var versions: [String: [String]] = [:]
    private var round = 0

    init(files: Int = 12) throws {
        workspace = try CommandWorkspace()
        model = try EmbedCommandTests.modelFolder()
        for file in 0..<files { try write("f\(file).txt", Self.text("file \(file)", sentences: 4 + file % 5)) }
    }

    deinit { try? FileManager.default.removeItem(at: model) }

    static func text(_ topic: String, sentences: Int) -> String {
        (0..<sentences).map { "The \(topic) note, line \($0), tells of rivers, ferries and bridges." }
            .joined(separator: " ")
    }

    /// Writes a file dated a minute ago, so that the size-and-time check may trust it on the next run.
    func write(_ relative: String, _ text: String) throws {
        try workspace.write("docs/" + relative, text)
        try FileManager.default.setAttributes(
            [.modificationDate: Date().addingTimeInterval(-60)], ofItemAtPath: docs + "/" + relative)
        versions[docs + "/" + relative, default: []].append(text)
    }

    /// One round of changes: a file edited, `added` added, one deleted, one renamed (same content).
    func change(added: Int = 1) throws {
        round += 1
        let manager = FileManager.default
        let present = try manager.contentsOfDirectory(atPath: docs).filter { $0.hasSuffix(".txt") }.sorted()
        try write(present[round % present.count], Self.text("edit \(round)", sentences: 3 + round % 4))
        for extra in 0..<added {
            try write("new\(round)-\(extra).txt", Self.text("new \(round) \(extra)", sentences: 5 + extra))
        }
        let doomed = present[(round + 3) % present.count]
        if doomed != present[round % present.count] { try manager.removeItem(atPath: docs + "/" + doomed) }
        let renamed = present[(round + 5) % present.count]
        if renamed != doomed, renamed != present[round % present.count] {
            let text = try String(contentsOfFile: docs + "/" + renamed, encoding: .utf8)
            try manager.moveItem(atPath: docs + "/" + renamed, toPath: docs + "/moved\(round).txt")
            versions[docs + "/moved\(round).txt", default: []].append(text)
        }
    }

    func run(_ arguments: [String], environment: [String: String] = [:]) throws -> AskDocsProcess.Result {
        try AskDocsProcess.run(arguments + ["--db", db], environment: environment)
    }

    func index(_ extra: [String] = [], environment: [String: String] = [:]) throws -> AskDocsProcess.Result {
        try run(["index", docs, "--retriever", model.path, "--json"] + extra, environment: environment)
    }

    /// What a from-scratch index of the files as they are now holds.
    func fromScratch() throws -> IndexContents {
        let scratch = workspace.path("scratch-\(UUID().uuidString)/db.sqlite")
        let result = try AskDocsProcess.run(["index", docs, "--retriever", model.path, "--db", scratch])
        #expect(result.status == 0, "\(result.standardError)")
        return try IndexContents.read(scratch, root: docs)
    }

    func contents() throws -> IndexContents { try IndexContents.read(db, root: docs) }
}

@Suite("askdocs reindex")
struct ReindexCommandTests {
    @Test("reindex brings the index to what a from-scratch index holds; nothing changed embeds nothing")
    func reindexConverges() throws {
        let corpus = try ChangingCorpus()
        #expect(try corpus.index().status == 0)
        let idle = try corpus.run(["reindex", "--json"])
        #expect(idle.status == 0, "\(idle.standardError)")
        let quiet = try #require(
            try JSONSerialization.jsonObject(with: Data(idle.standardOutput.utf8)) as? [String: Any])
        #expect(quiet["vectors_added"] as? Int == 0 && quiet["publishes"] as? Int == 0)
        #expect(quiet["files_unchanged"] as? Int == 12 && quiet["bytes_read"] as? Int == 0)
        #expect(quiet["roots"] as? [String] == [corpus.docs])
        // One event per line on stderr, each with its level.
        let lines = idle.standardError.split(separator: "\n")
        #expect(!lines.isEmpty && lines.allSatisfy { $0.hasPrefix("info: ") || $0.hasPrefix("notice: ") })
        for _ in 0..<3 {
            try corpus.change()
            let result = try corpus.run(["reindex", "--checkpoint-chunks", "3"])
            #expect(result.status == 0, "\(result.standardError)")
            #expect(result.standardError.contains("info: published generation"))
            #expect(try corpus.contents().matches(try corpus.fromScratch()))
        }
        #expect(try corpus.run(["check"]).status == 0)
        // Under journald each line carries its syslog priority.
        let journald = try corpus.run(["reindex"], environment: ["JOURNAL_STREAM": "8:1234"])
        #expect(journald.standardError.split(separator: "\n").allSatisfy { $0.hasPrefix("<6>info: ") })
    }

    @Test("a run is refused with status 75 while another holds the lock")
    func busy() throws {
        let corpus = try ChangingCorpus(files: 2)
        #expect(try corpus.index().status == 0)
        let lock = try IndexLock.acquire(database: corpus.db)
        defer { lock.release() }
        for arguments in [["reindex"], ["index", corpus.docs, "--retriever", corpus.model.path]] {
            let refused = try corpus.run(arguments)
            #expect(refused.status == 75, "\(arguments[0]): \(refused.standardError)")
            let errors = refused.standardError.split(separator: "\n").filter { $0.hasPrefix("Error:") }
            #expect(errors.count == 1 && errors[0].contains("pid \(getpid())"), "\(refused.standardError)")
        }
    }

    @Test("killed at 20 moments, every published generation checks and the next run converges")
    func killedAnywhere() throws {
        let corpus = try ChangingCorpus(files: 16)
        #expect(try corpus.index().status == 0)
        // Phases of the publish step (the vector write, the commit, right after it) at several checkpoints, then
        // random moments of whole runs.
        var kills: [(environment: [String: String], delay: Double?)] = []
        for phase in ["writing-vectors", "vectors-written", "committing", "published"] {
            for occurrence in [1, 2] { kills.append((["ASKDOCS_FAULT_INJECTION": "\(phase):\(occurrence)"], nil)) }
        }
        // Random moments within the time a whole run of the same size takes here.
        try corpus.change(added: 4)
        let started = Date()
        #expect(try corpus.run(["reindex", "--checkpoint-chunks", "2"]).status == 0)
        let runSeconds = Date().timeIntervalSince(started)
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<12 {
            kills.append(([:], runSeconds * Double.random(in: 0.05...0.9, using: &generator)))
        }
        var killed = 0
        for (environment, delay) in kills {
            try corpus.change(added: 4)
            let process = try ChildProcess(
                AskDocsProcess.executable.path, ["reindex", "--db", corpus.db, "--checkpoint-chunks", "2"],
                environment: ChildProcess.environment(adding: environment))
            if let delay {
                usleep(useconds_t(delay * 1_000_000))
                if process.isRunning { process.signal(SIGKILL) }
            }
            try process.waitUntilExit()
            if process.terminationReason == .uncaughtSignal { killed += 1 }
            let check = try corpus.run(["check"])
            #expect(check.status == 0, "after a kill (\(environment), \(delay ?? 0)): \(check.standardOutput)")
            let next = try corpus.run(["reindex"])
            #expect(next.status == 0, "\(next.standardError)")
            #expect(try corpus.contents().matches(try corpus.fromScratch()), "after \(environment) \(delay ?? 0)")
        }
        #expect(killed >= 10, "most kills must land while the reindex runs (\(killed) of \(kills.count))")
    }

    @Test("an index killed mid-embedding keeps its checkpoints; the next run embeds only what they lack")
    func killedMidEmbedding() throws {
        let corpus = try ChangingCorpus(files: 20)
        let killed = try corpus.index(
            ["--checkpoint-chunks", "4"], environment: ["ASKDOCS_FAULT_INJECTION": "published:3"])
        #expect(killed.status != 0)
        #expect(try corpus.run(["check"]).status == 0, "the published checkpoints are a consistent index")
        let store = try DocumentStore(path: corpus.db)
        let kept = try store.counts()
        let manifest = try #require(
            try PublishedGeneration.vectorManifest(
                of: store, at: VectorIndexLocation(databaseURL: URL(fileURLWithPath: corpus.db))))
        #expect(kept.chunks > 0 && manifest.chunkCount == kept.chunks)
        let resumed = try corpus.index()
        #expect(resumed.status == 0, "\(resumed.standardError)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(resumed.standardOutput.utf8)) as? [String: Any])
        let total = try store.counts().chunks
        #expect(report["vectors_added"] as? Int == total - kept.chunks, "only the chunks no checkpoint published")
        #expect(report["documents_unchanged"] as? Int == kept.documents)
        #expect(try corpus.contents().matches(try corpus.fromScratch()))
    }

    @Test("one huge file killed mid-embedding: nothing half-published, and the next run reuses what it embedded")
    func hugeFileKilledMidEmbedding() throws {
        // A checkpoint cannot split a document: before the journal, a kill inside one file's embedding lost all of it.
        let corpus = try ChangingCorpus(files: 0)
        try corpus.write("huge.txt", ChangingCorpus.text("the one huge file", sentences: 600))
        let killed = try corpus.index(
            ["--checkpoint-chunks", "4"], environment: ["ASKDOCS_FAULT_INJECTION": "embedded:2"])
        #expect(killed.status != 0)
        #expect(try DocumentStore(path: corpus.db).counts().chunks == 0, "nothing of the file is published")
        let resumed = try corpus.index(["--checkpoint-chunks", "4"])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(resumed.standardOutput.utf8)) as? [String: Any])
        let chunks = try DocumentStore(path: corpus.db).counts().chunks
        #expect(chunks > 96, "more than three embedding batches of 32, so the kill left work to resume")
        #expect(report["vectors_added"] as? Int == chunks)
        #expect(report["vectors_reused"] as? Int == 64, "the two batches embedded before the kill: \(report)")
        let vectors = VectorIndexLocation(databaseURL: URL(fileURLWithPath: corpus.db)).directory
        let left = try FileManager.default.contentsOfDirectory(atPath: vectors.path).filter { $0.hasSuffix(".journal") }
        #expect(left.isEmpty, "the journal goes once its vectors are published")
        #expect(try corpus.run(["check"]).status == 0)
        #expect(try corpus.contents().matches(try corpus.fromScratch()))
    }

    @Test("a root that is gone keeps its documents (an unmounted drive); index --prune of it, back empty, removes them")
    func vanishedRoot() throws {
        let corpus = try ChangingCorpus(files: 3)
        #expect(try corpus.index().status == 0)
        let before = try corpus.contents()
        let away = corpus.workspace.path("away")
        try FileManager.default.moveItem(atPath: corpus.docs, toPath: away)
        let gone = try corpus.run(["reindex", "--json"])
        #expect(gone.standardError.contains("no such file or directory"), "\(gone.standardError)")
        #expect(try DocumentStore(path: corpus.db).counts().documents == 3, "an unreachable root wipes nothing")
        #expect(try corpus.run(["check"]).status == 0)
        try FileManager.default.moveItem(atPath: away, toPath: corpus.docs)
        #expect(try corpus.run(["reindex"]).status == 0)
        #expect(try corpus.contents().matches(before), "back again: nothing to redo")
        for file in try FileManager.default.contentsOfDirectory(atPath: corpus.docs) {
            try FileManager.default.removeItem(atPath: corpus.docs + "/" + file)
        }
        let pruned = try corpus.run(["index", corpus.docs, "--retriever", corpus.model.path, "--prune"])
        #expect(pruned.status == 0, "\(pruned.standardError)")
        #expect(try DocumentStore(path: corpus.db).counts().documents == 0)
    }

    @Test("a rebuild killed mid-embedding leaves the old generation; the next run reuses what it had embedded")
    func rebuildKilledMidEmbedding() throws {
        // 70 files: more than two embedding batches of 32, so the kill after the first leaves work to resume.
        let corpus = try ChangingCorpus(files: 70)
        #expect(try corpus.index().status == 0)
        let before = try corpus.contents()
        let other = try EmbedCommandTests.modelFolder("tiny-bert-cls")
        defer { try? FileManager.default.removeItem(at: other) }
        let killed = try corpus.run(
            ["reindex", "--retriever", other.path, "--json"], environment: ["ASKDOCS_FAULT_INJECTION": "embedded:2"])
        #expect(killed.status != 0)
        #expect(try corpus.run(["check"]).status == 0, "the previous generation stays published and whole")
        #expect(try corpus.contents().matches(before))
        let vectors = VectorIndexLocation(databaseURL: URL(fileURLWithPath: corpus.db)).directory
        let journals = try FileManager.default.contentsOfDirectory(atPath: vectors.path).filter {
            $0.hasSuffix(".journal")
        }
        #expect(journals.count == 1, "\(journals)")

        let resumed = try corpus.run(["reindex", "--retriever", other.path, "--json"])
        #expect(resumed.status == 0, "\(resumed.standardError)")
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(resumed.standardOutput.utf8)) as? [String: Any])
        let chunks = try DocumentStore(path: corpus.db).counts().chunks
        #expect(report["vectors_added"] as? Int == chunks)
        #expect(report["vectors_reused"] as? Int == 64, "the two batches embedded before the kill: \(report)")
        #expect(try corpus.run(["check"]).status == 0)
        let left = try FileManager.default.contentsOfDirectory(atPath: vectors.path).filter { $0.hasSuffix(".journal") }
        #expect(left.isEmpty, "the journal goes once its vectors are published")
        // The resumed rebuild holds what one never interrupted holds: documents, chunks, and vectors at cosine 1.
        let scratch = corpus.workspace.path("scratch/db.sqlite")
        #expect(try AskDocsProcess.run(["index", corpus.docs, "--retriever", other.path, "--db", scratch]).status == 0)
        #expect(try corpus.contents().matches(try IndexContents.read(scratch, root: corpus.docs)))
    }

    @Test("questions asked in a loop during reindexes see whole generations only, and pick up new ones")
    func readersDuringReindex() throws {
        let corpus = try ChangingCorpus(files: 10)
        #expect(try corpus.index().status == 0)
        let output = corpus.workspace.path("answers.jsonl")
        let errors = corpus.workspace.path("errors.txt")
        _ = FileManager.default.createFile(atPath: output, contents: nil)
        _ = FileManager.default.createFile(atPath: errors, contents: nil)
        let reader = try ChildProcess(
            AskDocsProcess.executable.path,
            ["ask", "--db", corpus.db, "--reader", AskCorpus.reader, "--json", "--passages", "3"],
            input: .pipe, output: .file(output), error: .file(errors))
        let asking = AskingLoop(input: try #require(reader.standardInput))
        let thread = Thread { asking.run() }
        thread.start()
        for _ in 0..<4 {
            try corpus.change()
            let result = try corpus.run(["reindex", "--checkpoint-chunks", "2"])
            #expect(result.status == 0, "\(result.standardError)")
        }
        // On an idle machine four reindexes take a few hundred milliseconds: ask a few more after the last one.
        while asking.asked <= 30 { usleep(10_000) }
        asking.stop()
        try reader.waitUntilExit()
        #expect(reader.terminationStatus == 0)
        let stderr = try String(contentsOfFile: errors, encoding: .utf8)
        #expect(!stderr.contains("Error"), "\(stderr)")
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        #expect(lines.count == asking.asked && lines.count > 20, "\(lines.count) answers, \(asking.asked) asked")
        var sawNewText = false
        var generations: [Int] = []
        for line in lines {
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            generations.append(try #require(object["generation"] as? Int))
            for passage in object["passages"] as? [[String: Any]] ?? [] {
                let document = passage["document"] as? [String: Any]
                let path = document?["path"] as? String ?? ""
                let start = passage["start"] as? Int ?? -1
                let end = passage["end"] as? Int ?? -1
                let text = passage["text"] as? String
                // The chunk is a slice of one version its file had: rows of one generation, never a mix.
                let matching = (corpus.versions[path] ?? []).filter { version in
                    let scalars = Array(version.unicodeScalars)
                    guard start >= 0, end <= scalars.count, start <= end else { return false }
                    return String(String.UnicodeScalarView(scalars[start..<end])) == text
                }
                #expect(!matching.isEmpty, "\(path) \(start)..<\(end) is no version's text")
                if path.contains("/new") || path.contains("/moved") { sawNewText = true }
            }
        }
        #expect(sawNewText, "the running reader picked up a generation published after it started")
        // Answered from one published generation after another, never going back to an older one.
        #expect(generations == generations.sorted() && Set(generations).count >= 3, "\(Set(generations).sorted())")
    }
}

/// Writes a question to a reader's stdin every few milliseconds until stopped.
final class AskingLoop: @unchecked Sendable {
    // @unchecked: `stopped` and `count` are only touched while `lock` is held.
    private let lock = NSLock()
    private let input: FileHandle
    private var stopped = false
    private var count = 0
    private let done = DispatchSemaphore(value: 0)

    init(input: FileHandle) { self.input = input }

    var asked: Int {
        lock.lock()
        defer { lock.unlock() }
        return count
    }

    func run() {
        let questions = ["Which bridges are in the note?", "What tells of ferries?", "Where are the rivers?"]
        while true {
            lock.lock()
            let stop = stopped
            if !stop {
                // The throwing write: a reader that died is the test's finding, not a trap in the test process.
                try? input.write(contentsOf: Data((questions[count % questions.count] + "\n").utf8))
                count += 1
            }
            lock.unlock()
            if stop { break }
            usleep(20_000)
        }
        try? input.close()
        done.signal()
    }

    func stop() {
        lock.lock()
        stopped = true
        lock.unlock()
        done.wait()
    }
}
