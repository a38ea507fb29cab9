import DocumentStore
import Foundation
import Hub
import IndexTestSupport
import Retrieval
import Testing

@testable import AskDocs

/// The tiny sentence-embedding fixture as a retriever folder (the model and the tiny tokenizer, linked).
enum TinyRetriever {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("TransformerTests/Fixtures")

    static func folder(in workspace: Workspace) throws -> String {
        let folder = workspace.root.appendingPathComponent("tiny-retriever")
        let manager = FileManager.default
        try manager.createDirectory(at: folder, withIntermediateDirectories: true)
        let model = fixtures.appendingPathComponent("tiny-bert-mean")
        for name in try manager.contentsOfDirectory(atPath: model.path) {
            try manager.createSymbolicLink(
                at: folder.appendingPathComponent(name), withDestinationURL: model.appendingPathComponent(name))
        }
        try manager.createSymbolicLink(
            at: folder.appendingPathComponent("tokenizer.json"),
            withDestinationURL: fixtures.appendingPathComponent("tiny-tokenizer/tokenizer.json"))
        return folder.path
    }
}

@Suite("Reindexer")
struct ReindexerTests {
    static let emptyCache = IndexPipelineTests.emptyCache

    static func sentences(_ topic: String, _ count: Int) -> String {
        (0..<count).map { "The \(topic) report, part \($0), describes rivers, bridges and harbours." }
            .joined(separator: " ")
    }

    /// A corpus of several files, some of several chunks, with modification times an hour old (so that the
    /// size-and-time check can trust them).
    static func corpus(_ workspace: Workspace) throws {
        try workspace.write("docs/a.txt", sentences("alpha", 3))
        try workspace.write("docs/b.md", "# Bravo\n\n" + sentences("bravo", 40))
        try workspace.write("docs/c.txt", sentences("charlie", 12))
        try workspace.write("docs/sub/d.txt", sentences("delta", 25))
        try workspace.write(
            "docs/sub/e.jsonl", "{\"id\":\"1\",\"text\":\"Echo one.\"}\n{\"id\":\"2\",\"text\":\"Echo two.\"}")
        try age(workspace.path("docs"))
    }

    static func age(_ folder: String, by seconds: Double = 3600) throws {
        let manager = FileManager.default
        for case let relative as String in manager.enumerator(atPath: folder)! {
            let path = folder + "/" + relative
            try manager.setAttributes([.modificationDate: Date().addingTimeInterval(-seconds)], ofItemAtPath: path)
        }
    }

    static func index(_ workspace: Workspace, into database: String, retriever: String) throws -> IndexPipelineReport {
        var request = IndexPipelineRequest(
            database: database, files: IndexRequest(paths: [workspace.path("docs")]), retriever: retriever)
        request.checkpointChunks = 4
        return try IndexPipeline(request, cache: emptyCache).run()
    }

    static func reindex(_ database: String) throws -> ReindexReport {
        var request = ReindexRequest(database: database)
        request.checkpointChunks = 4
        return try Reindexer(request, cache: emptyCache).run()
    }

    @Test("added, modified, deleted and renamed files: the reindexed index equals a from-scratch one")
    func convergesToFromScratch() throws {
        let workspace = try Workspace()
        try Self.corpus(workspace)
        let retriever = try TinyRetriever.folder(in: workspace)
        let database = workspace.path("live/index.sqlite")
        let first = try Self.index(workspace, into: database, retriever: retriever)
        #expect(first.publishes >= 2, "checkpoints of 4 chunks publish more than once")
        let unchanged = try Self.reindex(database)
        #expect(unchanged.index.documents.filesUnchanged == 5 && unchanged.index.documents.bytesRead == 0)
        #expect(unchanged.index.vectors?.vectorsAdded == 0 && unchanged.index.publishes == 0)
        #expect(unchanged.index.generation == first.generation, "nothing changed: nothing published")

        let store = try DocumentStore(path: database)
        let deltaChunks = try store.documents(sourcePath: workspace.path("docs/sub/d.txt")).flatMap {
            try store.chunks(documentID: $0.id).map(\.id)
        }
        try workspace.write("docs/b.md", "# Bravo\n\n" + Self.sentences("bravo, revised,", 30))
        try workspace.write("docs/f.txt", Self.sentences("foxtrot", 5))
        try FileManager.default.removeItem(atPath: workspace.path("docs/c.txt"))
        try FileManager.default.createDirectory(atPath: workspace.path("docs/moved"), withIntermediateDirectories: true)
        try FileManager.default.moveItem(
            atPath: workspace.path("docs/sub/d.txt"), toPath: workspace.path("docs/moved/d.txt"))
        let report = try Self.reindex(database).index
        #expect(report.documents.filesAdded == 1 && report.documents.filesUpdated == 1)
        #expect(report.documents.filesMoved == 1 && report.documents.documentsRemoved == 1)
        #expect(report.documents.filesUnchanged == 2)
        // The renamed file kept its chunks, so its vectors were not embedded again.
        let moved = try store.documents(sourcePath: workspace.path("docs/moved/d.txt")).flatMap {
            try store.chunks(documentID: $0.id).map(\.id)
        }
        #expect(moved == deltaChunks)
        let added =
            try store.documents(sourcePath: workspace.path("docs/b.md")).reduce(0) { $0 + $1.chunkCount }
            + store.documents(sourcePath: workspace.path("docs/f.txt")).reduce(0) { $0 + $1.chunkCount }
        #expect(report.vectors?.vectorsAdded == added, "only the chunks of changed and new files are embedded")

        let scratch = workspace.path("scratch/index.sqlite")
        _ = try Self.index(workspace, into: scratch, retriever: retriever)
        let root = workspace.path("docs")
        let live = try IndexContents.read(database, root: root)
        let fresh = try IndexContents.read(scratch, root: root)
        #expect(live.matches(fresh), "\(live) vs \(fresh)")
        #expect(try IndexCheck.open(database: database).run().isEmpty)

        // The same search results, by document and range, with the same scores.
        for query in ["bravo revised harbours", "foxtrot", "delta part 3", "echo two"] {
            for mode in SearchMode.allCases {
                let a = try Searcher.open(database: database, retriever: retriever, mode: mode, cache: Self.emptyCache)
                    .search(SearchRequest(query: query, k: 5, mode: mode))
                let b = try Searcher.open(database: scratch, retriever: retriever, mode: mode, cache: Self.emptyCache)
                    .search(SearchRequest(query: query, k: 5, mode: mode))
                // Both indexes hold the same files, under the same paths.
                #expect(
                    a.map { "\($0.chunk.sourcePath)#\($0.chunk.ordinal)" }
                        == b.map { "\($0.chunk.sourcePath)#\($0.chunk.ordinal)" }, "\(query) \(mode)")
                #expect(zip(a, b).allSatisfy { abs($0.score - $1.score) < 1e-5 }, "\(query) \(mode)")
            }
        }
    }

    @Test("size and time skip reading; a touched file is hashed, a same-size edit is read")
    func sizeAndTime() throws {
        let workspace = try Workspace()
        try Self.corpus(workspace)
        let database = workspace.path("live/index.sqlite")
        _ = try IndexPipeline(
            IndexPipelineRequest(
                database: database, files: IndexRequest(paths: [workspace.path("docs")]), embed: false),
            cache: Self.emptyCache
        ).run()
        let quiet = try Self.reindex(database).index.documents
        #expect(quiet.bytesRead == 0 && quiet.filesUnchanged == 5)
        // Touched: new time, same bytes: read and hashed, still unchanged.
        try FileManager.default.setAttributes([.modificationDate: Date()], ofItemAtPath: workspace.path("docs/a.txt"))
        let touched = try Self.reindex(database).index.documents
        #expect(touched.filesUnchanged == 5 && touched.bytesRead > 0)
        // Same size, different bytes, and the old time put back: only a file written within a second of being
        // indexed could look like that, and those are always read.
        let original = try String(contentsOfFile: workspace.path("docs/c.txt"), encoding: .utf8)
        let stamp = try FileManager.default.attributesOfItem(atPath: workspace.path("docs/c.txt"))[.modificationDate]
        try workspace.write("docs/c.txt", original.replacingOccurrences(of: "charlie", with: "CHARLIE"))
        try FileManager.default.setAttributes(
            [.modificationDate: stamp as Any], ofItemAtPath: workspace.path("docs/c.txt"))
        let sneaky = try Self.reindex(database).index.documents
        #expect(sneaky.filesUnchanged == 5, "the size-and-time check trusts an old, unchanged time (as git does)")
        try workspace.write("docs/c.txt", original.replacingOccurrences(of: "charlie", with: "Charlie"))
        let edited = try Self.reindex(database).index.documents
        #expect(edited.filesUpdated == 1)
    }

    @Test("one writer at a time: a second index or reindex is refused while the lock is held")
    func lock() throws {
        let workspace = try Workspace()
        try Self.corpus(workspace)
        let database = workspace.path("live/index.sqlite")
        _ = try IndexPipeline(
            IndexPipelineRequest(
                database: database, files: IndexRequest(paths: [workspace.path("docs")]), embed: false),
            cache: Self.emptyCache
        ).run()
        let held = try IndexLock.acquire(database: database)
        #expect(throws: PipelineError.indexBusy(database: database, pid: Int(getpid()))) {
            try Self.reindex(database)
        }
        #expect {
            try IndexLock.acquire(database: database)
        } throws: { error in
            guard case PipelineError.indexBusy = error else { return false }
            return true
        }
        held.release()
        #expect(try Self.reindex(database).index.documents.filesUnchanged == 5)
    }

    @Test("a reader sees only published generations: rows and vectors of one publish")
    func readersSeePublishedOnly() throws {
        let workspace = try Workspace()
        try Self.corpus(workspace)
        let retriever = try TinyRetriever.folder(in: workspace)
        let database = workspace.path("live/index.sqlite")
        _ = try Self.index(workspace, into: database, retriever: retriever)
        let searcher = try Searcher.open(database: database, retriever: retriever, cache: Self.emptyCache)
        let before = try searcher.search(SearchRequest(query: "golf", k: 50))
        // Stop a reindex right before its commit: nothing it stored or embedded is visible.
        try workspace.write("docs/g.txt", Self.sentences("golf", 4))
        var request = ReindexRequest(database: database)
        request.checkpointChunks = 1000
        var reindexer = Reindexer(request, cache: Self.emptyCache)
        reindexer.onPhase = { phase in
            if phase == .committing {
                // Another connection, as another process would read.
                let other = try? Searcher.open(database: database, retriever: retriever, cache: Self.emptyCache)
                let seen = (try? other?.search(SearchRequest(query: "golf", k: 50))) ?? nil
                #expect(
                    seen?.count == before.count && seen?.contains { $0.chunk.sourcePath.hasSuffix("g.txt") } == false)
            }
        }
        _ = try reindexer.run()
        // The searcher opened before the publish picks up the new generation on its next search.
        let after = try searcher.search(SearchRequest(query: "golf", k: 50))
        #expect(after.contains { $0.chunk.sourcePath.hasSuffix("g.txt") })
        #expect(after.count > before.count)
    }

    @Test("a new retriever rebuilds every document and vector, announced, in one publish")
    func rebuildOnNewRetriever() throws {
        let workspace = try Workspace()
        try Self.corpus(workspace)
        let retriever = try TinyRetriever.folder(in: workspace)
        let database = workspace.path("live/index.sqlite")
        _ = try Self.index(workspace, into: database, retriever: retriever)
        // Another model: the same weights under another folder name, which is a folder model's identity.
        let other = workspace.root.appendingPathComponent("other-retriever")
        try FileManager.default.copyItem(atPath: retriever, toPath: other.path)
        var request = ReindexRequest(database: database, retriever: other.path)
        request.checkpointChunks = 16
        var announced: [String] = []
        let report = try Reindexer(request, cache: Self.emptyCache).run(announce: { announced.append($0) })
        #expect(report.rebuildReason != nil && announced.count == 1, "\(announced)")
        #expect(report.index.publishes == 1)
        #expect(report.index.documents.filesUpdated == 5)
        #expect(try IndexCheck.open(database: database).run().isEmpty)
        let manifest = try #require(
            try PublishedGeneration.vectorManifest(
                of: DocumentStore(path: database), at: VectorIndexLocation(databaseURL: URL(fileURLWithPath: database)))
        )
        #expect(manifest.model.id == "other-retriever")
    }

    @Test("another index factory rebuilds the vector index from its vectors, announced; index refuses to mix them")
    func factoryChange() throws {
        let workspace = try Workspace()
        try Self.corpus(workspace)
        let retriever = try TinyRetriever.folder(in: workspace)
        let database = workspace.path("live/index.sqlite")
        _ = try Self.index(workspace, into: database, retriever: retriever)
        let before = try IndexContents.read(database, root: workspace.path("docs"))
        var request = ReindexRequest(database: database)
        request.factory = "HNSW16"
        var announced: [String] = []
        let report = try Reindexer(request, cache: Self.emptyCache).run(announce: { announced.append($0) })
        #expect(announced.count == 1 && announced[0].contains("HNSW16"), "\(announced)")
        #expect(report.index.vectors?.vectorsAdded == 0, "the vectors are reused, not embedded again")
        #expect(report.index.publishes == 1)
        let store = try DocumentStore(path: database)
        let location = VectorIndexLocation(databaseURL: URL(fileURLWithPath: database))
        #expect(try PublishedGeneration.vectorManifest(of: store, at: location)?.factory == "HNSW16")
        #expect(try IndexContents.read(database, root: workspace.path("docs")).matches(before))
        #expect(try IndexCheck.open(database: database).run().isEmpty)
        // Deleting from HNSW leaves tombstones, and the index keeps working through reindexes.
        try FileManager.default.removeItem(atPath: workspace.path("docs/b.md"))
        var again = ReindexRequest(database: database)
        again.checkpointChunks = 4
        _ = try Reindexer(again, cache: Self.emptyCache).run()
        #expect(try IndexCheck.open(database: database).run().isEmpty)
        var mixed = IndexPipelineRequest(
            database: database, files: IndexRequest(paths: [workspace.path("docs")]), retriever: retriever)
        mixed.factory = "Flat"
        #expect(throws: PipelineError.indexFactoryMismatch(built: "HNSW16", requested: "Flat")) {
            try IndexPipeline(mixed, cache: Self.emptyCache).run()
        }
        var ivf = mixed
        ivf.factory = "IVF16,Flat"
        #expect {
            try IndexPipeline(ivf, cache: Self.emptyCache).run()
        } throws: { error in
            guard case PipelineError.unsupportedIndexFactory = error else { return false }
            return true
        }
    }
}
