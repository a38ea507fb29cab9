import Foundation
import Testing

/// `search` output on a BM25-only index of package-documentation-like files: collapsed identical results, snippets,
/// and `--glob` with the meaning `index --glob` has.
@Suite("askdocs search output")
struct SearchOutputTests {
    static let license =
        "Boost Software License - Version 1.0. Permission is hereby granted, free of charge, to any person "
        + "obtaining a copy of the software covered by this license to use, reproduce and distribute it."

    struct Output: Decodable {
        struct Snippet: Decodable {
            var text: String
            var start: Int
            var end: Int
        }
        struct Source: Decodable, Equatable {
            var document: String
            var chunk_id: Int64
            var start: Int
            var end: Int
        }
        struct Row: Decodable {
            var document: String
            var text: String
            var start: Int
            var end: Int
            var snippet: Snippet
            var sources: [Source]
        }
        var results: [Row]
    }

    /// Three identical copyright files, another one, and a README, indexed with `index_options`.
    func corpus(_ indexOptions: [String] = []) throws -> (CommandWorkspace, String) {
        let workspace = try CommandWorkspace()
        for package in ["libboost-atomic", "libboost-regex", "libboost-thread"] {
            try workspace.write("doc/\(package)/copyright", Self.license)
        }
        try workspace.write("doc/zlib/copyright", "zlib license: this software is provided as-is, without warranty.")
        try workspace.write("doc/zlib/README", "zlib is a compression library; see the copyright file for its license.")
        let db = workspace.path("index.sqlite")
        let index = try AskDocsProcess.run(["index", "--no-embed", workspace.path("doc"), "--db", db] + indexOptions)
        #expect(index.status == 0, "\(index.standardError)")
        return (workspace, db)
    }

    func search(_ query: String, _ db: String, _ options: [String] = []) throws -> Output {
        let result = try AskDocsProcess.run(["search", query, "--db", db, "--mode", "bm25", "--json"] + options)
        #expect(result.status == 0, "\(result.standardError)")
        return try JSONDecoder().decode(Output.self, from: Data(result.standardOutput.utf8))
    }

    @Test("identical files make one result listing every source (JSON and text)")
    func collapsed() throws {
        let (workspace, db) = try corpus()
        let output = try search("software license", db, ["--k", "3"])
        #expect(output.results.count == 3)
        let first = try #require(output.results.first { $0.document.contains("/libboost-") })
        let sources = first.sources.map { ($0.document as NSString).pathComponents.suffix(2).joined(separator: "/") }
        #expect(
            Set(sources) == ["libboost-atomic/copyright", "libboost-regex/copyright", "libboost-thread/copyright"])
        #expect(sources.count == 3)
        #expect(first.sources.first?.document == first.document)
        #expect(Set(output.results.map(\.text)).count == 3)
        let text = try AskDocsProcess.run(["search", "software license", "--db", db, "--mode", "bm25", "--k", "3"])
        #expect(text.status == 0)
        #expect(text.standardOutput.contains("also in: "), "\(text.standardOutput)")
        #expect(text.standardOutput.components(separatedBy: "libboost-").count - 1 == 3)
        withExtendedLifetime(workspace) {}
    }

    @Test("the snippet is the part around the query's words, at exact offsets into the document")
    func snippet() throws {
        let (workspace, db) = try corpus()
        let output = try search("reproduce distribute", db, ["--k", "1"])
        let row = try #require(output.results.first)
        #expect(row.snippet.text.contains("reproduce and distribute"))
        #expect(row.snippet.start >= row.start && row.snippet.end <= row.end)
        let chunk = Array(row.text.unicodeScalars)
        var slice = String.UnicodeScalarView()
        slice.append(contentsOf: chunk[(row.snippet.start - row.start)..<(row.snippet.end - row.start)])
        #expect(String(slice) == row.snippet.text)
        withExtendedLifetime(workspace) {}
    }

    @Test("--glob copyright means the file name in search as in index")
    func globMeaning() throws {
        let (workspace, db) = try corpus()
        let filtered = try search("license", db, ["--glob", "copyright"])
        #expect(!filtered.results.isEmpty)
        let documents = Set(filtered.results.flatMap { $0.sources.map(\.document) })
        #expect(documents.allSatisfy { $0.hasSuffix("/copyright") } && documents.count == 4)
        // A pattern with a folder matches the path's last components, here too.
        let zlib = try search("license", db, ["--glob", "zlib/*"])
        #expect(Set(zlib.results.map { ($0.document as NSString).lastPathComponent }) == ["copyright", "README"])
        // index --glob copyright chooses the same files.
        let (onlyCopyright, only) = try corpus(["--glob", "copyright"])
        let indexed = try search("license", only)
        #expect(
            Set(indexed.results.flatMap { $0.sources.map { ($0.document as NSString).lastPathComponent } })
                == ["copyright"])
        #expect(Set(indexed.results.flatMap { $0.sources.map(\.document) }).count == 4)
        withExtendedLifetime((workspace, onlyCopyright)) {}
    }
}
