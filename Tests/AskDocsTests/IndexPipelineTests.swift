import DocumentStore
import Foundation
import Hub
import Testing

@testable import AskDocs

@Suite("IndexPipeline and Searcher.open")
struct IndexPipelineTests {
    /// A cache folder with nothing in it, so no test finds a model by accident.
    static let emptyCache = HubCache(
        root: FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-empty-cache-\(UUID())"))

    @Test("a BM25-only index needs no model, records none, and is searched with word terms")
    func bm25Only() throws {
        let workspace = try Workspace()
        try workspace.write("docs/a.txt", "Der Rhein fließt durch Basel.")
        try workspace.write("docs/b.txt", "Die Wolga ist der längste Fluss Europas.")
        let database = workspace.path("bm25/index.sqlite")
        var steps: [IndexPipelineProgress] = []
        let report = try IndexPipeline(
            IndexPipelineRequest(
                database: database, files: IndexRequest(paths: [workspace.path("docs")]), embed: false),
            cache: Self.emptyCache
        ).run { steps.append($0) }
        #expect(report.documents.documentsAdded == 2)
        #expect(report.vectors == nil)
        #expect(report.retriever == nil)
        #expect(steps.contains { if case .storing(let p) = $0 { p.filesDone == 2 } else { false } })
        #expect(!steps.contains { if case .embedding = $0 { true } else { false } })

        let searcher = try Searcher.open(database: database, mode: .bm25, cache: Self.emptyCache)
        #expect(searcher.retriever == nil && searcher.vectors == nil)
        let hits = try searcher.search(SearchRequest(query: "Wolga", k: 1, mode: .bm25))
        #expect(hits.first?.chunk.text == "Die Wolga ist der längste Fluss Europas.")
        // The index records that it has no vectors by choice: hybrid search falls back to BM25 without loading the
        // default retriever (which this cache does not hold), dense search is refused as BM25-only.
        let store = try DocumentStore(path: database)
        #expect(try store.setting(VectorState.setting) == "none")
        let hybrid = try Searcher.open(database: database, mode: .hybrid, cache: Self.emptyCache)
        #expect(hybrid.isLexicalOnly && hybrid.retriever == nil)
        #expect(hybrid.notice(for: .hybrid)?.contains("BM25-only") == true)
        #expect(hybrid.notice(for: .bm25) == nil)
        let fused = try hybrid.search(SearchRequest(query: "Wolga", k: 1))
        #expect(fused == hits)
        #expect(throws: PipelineError.lexicalOnly(database: database)) {
            try hybrid.search(SearchRequest(query: "Wolga", k: 1, mode: .dense))
        }
        #expect(throws: PipelineError.lexicalOnly(database: database)) {
            try Searcher.open(database: database, mode: .dense, cache: Self.emptyCache)
        }
        #expect(try IndexCheck.open(database: database).run().isEmpty, "a BM25-only index passes its check")
    }

    @Test("a BM25-only index refuses chunks with vectors before anything is stored (and before any model loads)")
    func bm25OnlyStaysBM25Only() throws {
        let workspace = try Workspace()
        try workspace.write("docs/a.txt", "Der Rhein fließt durch Basel.")
        let database = workspace.path("bm25/index.sqlite")
        _ = try IndexPipeline(
            IndexPipelineRequest(
                database: database, files: IndexRequest(paths: [workspace.path("docs")]), embed: false),
            cache: Self.emptyCache
        ).run()
        try workspace.write("more/b.txt", "Die Wolga ist der längste Fluss Europas.")
        let embedding = IndexPipeline(
            IndexPipelineRequest(
                database: database, files: IndexRequest(paths: [workspace.path("more")]), retriever: "/no/model"),
            cache: Self.emptyCache)
        #expect(throws: PipelineError.notEmbedding(database: database)) { try embedding.run() }
        let byDefault = IndexPipeline(
            IndexPipelineRequest(database: database, files: IndexRequest(paths: [workspace.path("more")])),
            cache: Self.emptyCache)
        #expect(throws: PipelineError.notEmbedding(database: database)) { try byDefault.run() }
        #expect(try DocumentStore(path: database).counts().documents == 1)
    }

    @Test("opening a searcher never creates a database")
    func noDatabase() throws {
        let workspace = try Workspace()
        let missing = workspace.path("nothing/here.sqlite")
        #expect(throws: PipelineError.noDatabase(path: missing)) {
            try Searcher.open(database: missing, mode: .bm25, cache: Self.emptyCache)
        }
        #expect(!FileManager.default.fileExists(atPath: missing))
    }

    @Test("a retriever that is not on this machine is refused before anything is stored")
    func modelNotFound() throws {
        let workspace = try Workspace()
        try workspace.write("docs/a.txt", "Ein Text.")
        let database = workspace.path("missing-model/index.sqlite")
        let pipeline = IndexPipeline(
            IndexPipelineRequest(
                database: database, files: IndexRequest(paths: [workspace.path("docs")]), retriever: "org/absent"),
            cache: Self.emptyCache)
        #expect {
            try pipeline.run()
        } throws: { error in
            guard case PipelineError.modelNotFound(let model, _) = error else { return false }
            return model == "org/absent"
        }
        #expect(!FileManager.default.fileExists(atPath: database), "a failed first run leaves no database")
        #expect(throws: PipelineError.noDatabase(path: database)) { try IndexCheck.open(database: database) }
    }

    @Test("library messages name no command-line flags")
    func messagesNameNoFlags() {
        let errors: [any LocalizedError] = [
            PipelineError.noDatabase(path: "/x.sqlite"), PipelineError.noVectorIndex(database: "/x.sqlite"),
            PipelineError.retrieverMismatch(database: "/x.sqlite", indexedWith: "a", retrieverMakes: "b"),
            PipelineError.vectorIndexModelMismatch(built: "a", requested: "b"), SearchError.noRetriever,
            SearchError.noVectorIndex(database: "/x.sqlite"),
            IndexerError.searchTermsMismatch(database: "/x.sqlite", stored: "a", current: "b"),
            PipelineError.lexicalOnly(database: "/x.sqlite"), PipelineError.notEmbedding(database: "/x.sqlite"),
            PipelineError.embeddingRequired(database: "/x.sqlite", retriever: "m"),
            ConfigurationError.unknownKey(file: "a.toml", key: "k", line: 1, known: ["database"]),
        ]
        for error in errors {
            #expect(!(error.errorDescription ?? "").contains("--"), "\(error)")
        }
    }
}
