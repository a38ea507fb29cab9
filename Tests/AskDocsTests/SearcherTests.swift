import DocumentStore
import Foundation
import Ingest
import Testing

@testable import AskDocs

@Suite("Searcher results")
struct SearcherTests {
    static let license = """
        Boost Software License - Version 1.0 - August 17th, 2003. Permission is hereby granted, free of charge, to \
        any person or organization obtaining a copy of the software and accompanying documentation covered by this \
        license to use, reproduce, display, distribute, execute, and transmit the Software.
        """

    /// Four packages' identical copyright files and two other documents, indexed BM25-only.
    func workspace() throws -> Workspace {
        let workspace = try Workspace()
        for package in ["libboost-atomic", "libboost-chrono", "libboost-regex", "libboost-thread"] {
            try workspace.write("docs/\(package)/copyright", Self.license)
        }
        try workspace.write("docs/zlib/copyright", "The zlib license: the software is provided as-is, any use.")
        try workspace.write("docs/notes.txt", "Software license notes: Boost and zlib licenses compared.")
        _ = try workspace.run()
        return workspace
    }

    @Test("identical chunks from several files are one result listing every source, and k results still come back")
    func identicalCollapse() throws {
        let workspace = try workspace()
        let searcher = Searcher(store: workspace.store, termizer: WordTermizer())
        let results = try searcher.search(SearchRequest(query: "Boost Software License", k: 3, mode: .bm25))
        #expect(results.count == 3)
        // BM25 may rank the short notes first; the license's chunk is one result whichever its rank.
        let first = try #require(results.first { $0.chunk.sourcePath.contains("/libboost-") })
        let folders = first.sources.map { ($0.sourcePath as NSString).deletingLastPathComponent }
        #expect(
            Set(folders.map { ($0 as NSString).lastPathComponent })
                == ["libboost-atomic", "libboost-chrono", "libboost-regex", "libboost-thread"])
        #expect(first.sources.count == 4 && first.sources.first == first.chunk)
        #expect(Set(first.sources.map(\.text)).count == 1)
        // The other two results are the other documents, each its own only source.
        #expect(results.filter { $0 != first }.allSatisfy { $0.sources == [$0.chunk] })
        #expect(Set(results.map(\.chunk.text)).count == 3)
    }

    @Test("snippets are exact slices of the document around the query's words")
    func snippetOffsets() throws {
        let workspace = try workspace()
        let searcher = Searcher(store: workspace.store, termizer: WordTermizer())
        for result in try searcher.search(SearchRequest(query: "transmit the Software", k: 3, mode: .bm25)) {
            let text = Array(try #require(try workspace.store.text(ofDocument: result.chunk.documentID)).unicodeScalars)
            var slice = String.UnicodeScalarView()
            slice.append(contentsOf: text[result.snippet.startOffset..<result.snippet.endOffset])
            #expect(String(slice) == result.snippet.text)
            #expect(result.snippet.startOffset >= result.chunk.startOffset)
            #expect(result.snippet.endOffset <= result.chunk.endOffset)
        }
    }
}
