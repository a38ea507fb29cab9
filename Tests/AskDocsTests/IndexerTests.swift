import DocumentStore
import Foundation
import Ingest
import Testing

@testable import AskDocs

/// A temporary corpus folder and database for one test.
final class Workspace: @unchecked Sendable {
    let root: URL
    let store: DocumentStore

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-indexer-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        store = try DocumentStore(path: root.appendingPathComponent("db/index.sqlite").path)
    }

    deinit { try? FileManager.default.removeItem(at: root) }

    func path(_ relative: String) -> String { root.appendingPathComponent(relative).path }

    @discardableResult
    func write(_ relative: String, _ text: String) throws -> String { try write(relative, Data(text.utf8)) }

    @discardableResult
    func write(_ relative: String, _ data: Data) throws -> String {
        let url = root.appendingPathComponent(relative)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        try data.write(to: url)
        return url.path
    }

    func indexer(counterBudget: Int = 316) -> Indexer {
        Indexer(
            store: store,
            chunker: Chunker(
                counter: UTF8LengthTokenCounter(), configuration: ChunkerConfiguration(tokenBudget: counterBudget)))
    }

    func run(_ paths: [String]? = nil, include: [String] = [], exclude: [String] = [], indexer: Indexer? = nil) throws
        -> IndexReport
    {
        try (indexer ?? self.indexer()).run(
            IndexRequest(paths: paths ?? [path("docs")], include: include, exclude: exclude))
    }

    /// Source paths (relative to the workspace) of every stored document, sorted.
    func storedPaths() throws -> [String] {
        let prefix = (FileWalker.realPath(root.path) ?? root.path) + "/"
        return try store.allDocuments().map { String($0.sourcePath.dropFirst(prefix.count)) }.sorted()
    }
}

struct Interrupted: Error, LocalizedError {
    var errorDescription: String? { "interrupted for the test" }
}

@Suite("Indexer")
struct IndexerTests {
    static let sampleCorpus = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("corpora/sample").path

    @Test("the sample corpus: 8 files, 9 documents; a second run adds nothing")
    func sampleCorpus() throws {
        let workspace = try Workspace()
        let first = try workspace.run([Self.sampleCorpus])
        #expect(first.filesSeen == 8)
        #expect(first.documentsAdded == 9)
        #expect(first.documentsFailed.isEmpty && first.documentsSkipped.isEmpty && first.warnings.isEmpty)
        #expect(first.chunksAdded >= 9)
        #expect(try workspace.store.integrityProblems().isEmpty)
        let languages = try workspace.store.allDocuments().map { $0.language ?? "?" }.sorted()
        #expect(languages == ["ar", "de", "en", "es", "es", "hi", "ru", "th", "zh"])
        let second = try workspace.run([Self.sampleCorpus])
        #expect(second.documentsAdded == 0 && second.documentsUpdated == 0 && second.chunksAdded == 0)
        #expect(second.documentsUnchanged == 9)
        #expect(try workspace.store.counts().documents == 9)
        // A file named on its own and inside its folder is indexed once, without a note; reading counts its bytes.
        let both = try Workspace().run([Self.sampleCorpus + "/rhine.md", Self.sampleCorpus])
        #expect(both.documentsAdded == 9 && both.documentsSkipped.isEmpty)
        // The second run reads only files it cannot tell unchanged by size and time (ReindexTests covers which).
        #expect(second.bytesRead <= first.bytesRead && first.bytesRead > 2000)
        #expect(both.bytesRead == first.bytesRead)
        // BM25 over the default word terms finds the Rhine chunk.
        let hits = try workspace.store.search(terms: WordTermizer().terms("Which river flows through Basel?"), limit: 1)
        #expect(try workspace.store.chunks(ids: hits.map(\.chunkID)).first?.sourcePath.hasSuffix("rhine.md") == true)
    }

    @Test("nested folders with include and exclude globs; hidden entries and the database are left out")
    func globs() throws {
        let workspace = try Workspace()
        try workspace.write("docs/a/b/c/deep.md", "# Deep\n\nA deep file.")
        try workspace.write("docs/a/top.txt", "Top file.")
        try workspace.write("docs/a/data.csv", "x,y")
        try workspace.write("docs/a/skip/hidden.txt", "Excluded by folder.")
        try workspace.write("docs/.git/config.txt", "Hidden folder.")
        try workspace.write("docs/.secret.txt", "Hidden file.")
        let report = try workspace.run(include: ["*.md", "*.txt"], exclude: ["skip"])
        #expect(try workspace.storedPaths() == ["docs/a/b/c/deep.md", "docs/a/top.txt"])
        #expect(report.documentsAdded == 2)
        let withPathPattern = try Workspace()
        try withPathPattern.write("docs/a/b/one.txt", "One.")
        try withPathPattern.write("docs/a/two.txt", "Two.")
        try withPathPattern.write("docs/three.txt", "Three.")
        _ = try withPathPattern.run(include: ["a/**/*.txt"])
        #expect(try withPathPattern.storedPaths() == ["docs/a/b/one.txt", "docs/a/two.txt"])
        // The database inside the indexed folder is never indexed.
        let inside = try Workspace()
        try inside.write("db/notes.txt", "Next to the database.")
        let insideReport = try inside.run([inside.path("db")])
        #expect(try inside.storedPaths() == ["db/notes.txt"])
        #expect(insideReport.documentsSkipped.isEmpty)
    }

    @Test("symbolic link loops are followed once; broken links, FIFOs and second links to a file are reported")
    func linksAndSpecialFiles() throws {
        let workspace = try Workspace()
        try workspace.write("docs/sub/file.txt", "A file.")
        try FileManager.default.createSymbolicLink(atPath: workspace.path("docs/sub/loop"), withDestinationPath: "..")
        try FileManager.default.createSymbolicLink(atPath: workspace.path("docs/self"), withDestinationPath: ".")
        try FileManager.default.createSymbolicLink(
            atPath: workspace.path("docs/broken.txt"), withDestinationPath: "missing.txt")
        try FileManager.default.createSymbolicLink(
            atPath: workspace.path("docs/alias.txt"), withDestinationPath: "sub/file.txt")
        #expect(mkfifo(workspace.path("docs/pipe.txt"), 0o644) == 0)
        let report = try workspace.run()
        #expect(try workspace.storedPaths() == ["docs/sub/file.txt"])
        let reasons = Dictionary(
            uniqueKeysWithValues: report.documentsSkipped.map { (($0.path as NSString).lastPathComponent, $0.reason) })
        #expect(reasons["broken.txt"] == "broken symbolic link")
        #expect(reasons["pipe.txt"] == "not a regular file (named pipe)")
        // The link is the duplicate, named with the file it duplicates; folder links name the folder's own path.
        #expect(reasons["alias.txt"] == "same file as \(workspace.path("docs/sub/file.txt"))")
        #expect(reasons["loop"] == "link to a folder already indexed as \(workspace.path("docs"))")
        #expect(reasons["self"] == "link to a folder already indexed as \(workspace.path("docs"))")
        #expect(reasons["file.txt"] == nil && reasons["sub"] == nil)
        #expect(report.documentsFailed.isEmpty)
    }

    @Test("a missing path and a file that vanishes before it is read are failures with reasons")
    func missingFiles() throws {
        let workspace = try Workspace()
        try workspace.write("docs/1.txt", "First.")
        try workspace.write("docs/2.txt", "Second.")
        var indexer = workspace.indexer()
        // One file at a time, so that 1.txt is read before 2.txt.
        indexer.concurrency = 1
        let second = workspace.path("docs/2.txt")
        indexer.afterRead = { path in
            if path.hasSuffix("/1.txt") { try? FileManager.default.removeItem(atPath: second) }
        }
        let report = try workspace.run([workspace.path("docs"), workspace.path("nowhere")], indexer: indexer)
        #expect(report.documentsAdded == 1)
        #expect(
            report.documentsFailed.map(\.reason).sorted() == ["No such file or directory", "no such file or directory"])
    }

    @Test("changed files replace their documents; a JSON Lines file that lost a record loses the document")
    func changes() throws {
        let workspace = try Workspace()
        try workspace.write("docs/a.txt", "The first version of the text.")
        try workspace.write("docs/r.jsonl", "{\"id\":\"1\",\"text\":\"One.\"}\n{\"id\":\"2\",\"text\":\"Two.\"}\n")
        #expect(try workspace.run().documentsAdded == 3)
        try workspace.write("docs/a.txt", "The second version, changed.")
        try workspace.write("docs/r.jsonl", "{\"id\":\"2\",\"text\":\"Two, edited.\"}\n")
        let report = try workspace.run()
        #expect(report.documentsAdded == 0)
        #expect(report.documentsUpdated == 2)
        #expect(report.documentsUnchanged == 0)
        let texts = try workspace.store.allDocuments().map { try workspace.store.text(ofDocument: $0.id) ?? "" }
            .sorted()
        #expect(texts == ["The second version, changed.", "Two, edited."])
        #expect(try workspace.store.search(terms: ["first"], limit: 5).isEmpty)
        #expect(try workspace.store.integrityProblems().isEmpty)
    }

    @Test("a file that becomes empty loses its documents; a JSON Lines file that turns invalid keeps them")
    func fileEmptied() throws {
        let workspace = try Workspace()
        try workspace.write("docs/a.txt", "Some text.")
        try workspace.write("docs/r.jsonl", "{\"id\":\"1\",\"text\":\"One.\"}\n")
        _ = try workspace.run()
        try workspace.write("docs/a.txt", "")
        try workspace.write("docs/r.jsonl", "{broken\n")
        let report = try workspace.run()
        #expect(report.documentsSkipped.map(\.reason) == ["no text; its earlier documents were removed from the index"])
        #expect(
            report.documentsFailed.map(\.reason) == [
                "no valid JSON Lines record (line 1: not valid JSON; line skipped)"
            ])
        #expect(try workspace.storedPaths() == ["docs/r.jsonl"])
    }

    @Test("a file that changes while being read is read again; one that keeps changing fails")
    func changesDuringRead() throws {
        let workspace = try Workspace()
        let path = try workspace.write("docs/live.txt", "Before.")
        var once = workspace.indexer()
        let changed = LockedFlag()
        once.afterRead = { readPath in
            guard readPath.hasSuffix("live.txt"), changed.set() else { return }
            try? Data("After the change, longer.".utf8).write(to: URL(fileURLWithPath: path))
        }
        let report = try workspace.run(indexer: once)
        #expect(report.documentsAdded == 1)
        let document = try #require(try workspace.store.allDocuments().first)
        #expect(try workspace.store.text(ofDocument: document.id) == "After the change, longer.")

        var always = workspace.indexer()
        let counter = LockedCounter()
        always.afterRead = { readPath in
            let count = counter.next()
            try? Data("Version \(count) \(String(repeating: "x", count: count))".utf8).write(
                to: URL(fileURLWithPath: readPath))
        }
        let failing = try workspace.run(indexer: always)
        #expect(
            failing.documentsFailed.map(\.reason) == [
                "file changed while being read (twice); index it again when it is stable"
            ])
        #expect(try workspace.store.text(ofDocument: document.id) == "After the change, longer.")
    }

    @Test("a failure in the middle of a document rolls the whole file back; other files are stored")
    func rollbackMidDocument() throws {
        let workspace = try Workspace()
        let long = (0..<200).map { "Sentence \($0) of the first version." }.joined(separator: " ")
        try workspace.write("docs/long.txt", long)
        try workspace.write("docs/other.txt", "Another file.")
        _ = try workspace.run(indexer: workspace.indexer(counterBudget: 40))
        let before = try #require(
            try workspace.store.documents(sourcePath: FileWalker.realPath(workspace.path("docs/long.txt"))!).first)
        #expect(before.chunkCount > 5)

        try workspace.write("docs/long.txt", long.replacingOccurrences(of: "first", with: "second"))
        try workspace.write("docs/new.txt", "A new file that fails. " + long)
        try workspace.write("docs/other.txt", "Another file, changed.")
        var failing = workspace.indexer(counterBudget: 40)
        failing.beforeChunkWrite = { path, ordinal in
            if (path.hasSuffix("long.txt") || path.hasSuffix("new.txt")) && ordinal == 3 { throw Interrupted() }
        }
        let report = try workspace.run(indexer: failing)
        #expect(
            report.documentsFailed.map { ($0.path as NSString).lastPathComponent }.sorted() == ["long.txt", "new.txt"])
        #expect(report.documentsFailed.allSatisfy { $0.reason == "interrupted for the test" })
        #expect(report.documentsUpdated == 1)
        let after = try #require(try workspace.store.document(id: before.id))
        #expect(after == before)
        #expect(try workspace.store.chunks(documentID: before.id).allSatisfy { !$0.text.contains("second") })
        #expect(try workspace.storedPaths() == ["docs/long.txt", "docs/other.txt"])
        #expect(try workspace.store.integrityProblems().isEmpty)
    }

    @Test("mixed encodings are decoded, repairs are reported, and HTML scripts never reach the index")
    func encodingsAndHTML() throws {
        let workspace = try Workspace()
        try workspace.write(
            "docs/utf16.txt",
            Data([0xFF, 0xFE] + "Grüße aus Köln".utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] }))
        try workspace.write(
            "docs/latin1.txt", Data(Array("Caf".utf8) + [0xE9, 0x20] + Array("cr".utf8) + [0xE8] + Array("me".utf8)))
        try workspace.write("docs/broken.txt", Data(Array("Grüße ".utf8) + [0xFF, 0xFE, 0x41] + Array(" Welt".utf8)))
        try workspace.write(
            "docs/page.html",
            "<html><head><script>secretScript()</script></head><body><p>Visible words</p></body></html>")
        try workspace.write("docs/empty.txt", "")
        try workspace.write("docs/image.txt", Data([0x89, 0x50, 0x4E, 0x47, 0x00, 0x00]))
        let report = try workspace.run()
        #expect(report.documentsAdded == 4)
        let texts = try Set(workspace.store.allDocuments().map { try workspace.store.text(ofDocument: $0.id) ?? "" })
        #expect(texts == ["Grüße aus Köln", "Café crème", "Grüße \u{FFFD}\u{FFFD}A Welt", "Visible words"])
        #expect(
            report.warnings.map { ($0.path as NSString).lastPathComponent }.sorted() == ["broken.txt", "latin1.txt"])
        #expect(report.warnings.contains { $0.reason.contains("2 invalid UTF-8 sequences replaced with U+FFFD") })
        let skipped = Dictionary(
            uniqueKeysWithValues: report.documentsSkipped.map { (($0.path as NSString).lastPathComponent, $0.reason) })
        #expect(skipped == ["empty.txt": "no text", "image.txt": "binary file (not text)"])
        #expect(try workspace.store.search(terms: ["secretscript"], limit: 5).isEmpty)
    }

    @Test("an index built with other search terms is refused, so queries and chunks always use the same terms")
    func termsMismatch() throws {
        struct PieceTermizer: SearchTermizer {
            var identifier: String { "xlmr-pieces" }
            func terms(_ text: String) -> [String] { text.split(separator: " ").map { "p\($0.count)" } }
        }
        let workspace = try Workspace()
        try workspace.write("docs/a.txt", "Some words.")
        _ = try workspace.run()
        #expect(try workspace.store.setting(Indexer.termsSetting) == WordTermizer().identifier)
        let other = Indexer(store: workspace.store, termizer: PieceTermizer())
        #expect(throws: IndexerError.self) { try workspace.run(indexer: other) }
        #expect(try workspace.store.counts().documents == 1)
    }

    @Test("files prepared on several threads are stored exactly as when prepared one at a time")
    func concurrentPreparation() throws {
        func index(concurrency: Int) throws -> [String] {
            let workspace = try Workspace()
            for file in 0..<40 {
                let text = (0..<(file * 7 % 50 + 1)).map { "File \(file) sentence \($0) about rivers." }.joined(
                    separator: " ")
                try workspace.write("docs/\(file % 3)/\(file).txt", text)
            }
            try workspace.write(
                "docs/r.jsonl", "{\"id\":\"a\",\"text\":\"Record a.\"}\n{\"id\":\"b\",\"text\":\"Record b.\"}")
            var indexer = workspace.indexer(counterBudget: 24)
            indexer.concurrency = concurrency
            let report = try workspace.run(indexer: indexer)
            #expect(report.documentsAdded == 42)
            #expect(try workspace.store.integrityProblems().isEmpty)
            let prefix = (FileWalker.realPath(workspace.root.path) ?? "") + "/"
            return try workspace.store.allDocuments().flatMap { document in
                try workspace.store.chunks(documentID: document.id).map {
                    "\(document.key.dropFirst(prefix.count)) \($0.ordinal) \($0.startOffset) \($0.text)"
                }
            }
        }
        let serial = try index(concurrency: 1)
        #expect(serial.count > 42)
        #expect(try index(concurrency: 4) == serial)
    }

    @Test("a 6 MB text file streams into whole chunks; progress reaches the total")
    func largeFile() throws {
        let workspace = try Workspace()
        let sentence = "The quick brown fox jumps over the lazy dog near the river bank. "
        var text = ""
        text.reserveCapacity(6_200_000)
        var index = 0
        while text.utf8.count < 6_000_000 {
            text += "Paragraph \(index). " + sentence + sentence + "\n\n"
            index += 1
        }
        try workspace.write("docs/large.txt", text)
        try workspace.write("docs/small.txt", "Small.")
        var updates: [IndexProgress] = []
        let report = try workspace.indexer().run(IndexRequest(paths: [workspace.path("docs")])) { updates.append($0) }
        #expect(report.documentsAdded == 2)
        #expect(report.chunksAdded > 6_000_000 / 2_000)
        let last = try #require(updates.last)
        #expect(last.filesDone == 2 && last.filesTotal == 2 && last.bytesDone == last.bytesTotal)
        #expect(updates.first?.filesDone == 0)
        // The large file reported progress while it was chunked, and progress never went backwards.
        #expect(updates.contains { $0.filesDone < 2 && $0.bytesDone > 0 && $0.bytesDone < last.bytesTotal })
        #expect(
            zip(updates, updates.dropFirst()).allSatisfy {
                $0.bytesDone <= $1.bytesDone && $0.chunksAdded <= $1.chunksAdded
            })
        #expect(try workspace.store.integrityProblems().isEmpty)
    }
}

/// A flag that is set once, safely across threads.
final class LockedFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false

    /// Sets the flag; true only for the first caller.
    func set() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        if value { return false }
        value = true
        return true
    }
}

/// A counter, safe across threads.
final class LockedCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0

    func next() -> Int {
        lock.lock()
        defer { lock.unlock() }
        value += 1
        return value
    }
}
