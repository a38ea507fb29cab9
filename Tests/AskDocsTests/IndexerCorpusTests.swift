import DocumentStore
import Foundation
import Ingest
import Testing

@testable import AskDocs

/// What a user meets indexing a real tree (a Debian /usr/share/doc): which files count, links, counts that add up,
/// compressed and office documents, and files that vanished.
@Suite("Indexer on a real corpus")
struct IndexerCorpusTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("IngestTests/Fixtures")

    func copyFixture(_ name: String, to relative: String, in workspace: Workspace) throws {
        try workspace.write(relative, try Data(contentsOf: Self.fixtures.appendingPathComponent(name)))
    }

    @Test("by default documents count (formats read, extension-less text, doc names); a glob asks for the rest")
    func whatCounts() throws {
        let workspace = try Workspace()
        try workspace.write("docs/pkg/copyright", "Files: *\nCopyright: 2024 Someone")
        try workspace.write("docs/pkg/README.Debian", "Notes for Debian.")
        try workspace.write("docs/licenses/GPL-3", "GNU GENERAL PUBLIC LICENSE Version 3")
        try workspace.write("docs/licenses/Apache-2.0", "Apache License Version 2.0")
        try workspace.write("docs/site/index.html", "<title>Site</title><p>The manual.</p>")
        try workspace.write("docs/site/searchindex-1a2b.js", "Search.setIndex({docnames:[\"index\"]})")
        try workspace.write("docs/site/style.css", "body { margin: 0 }")
        try copyFixture("changelog.Debian.gz", to: "docs/pkg/changelog.Debian.gz", in: workspace)
        try copyFixture("rhine.docx", to: "docs/office/rhine.docx", in: workspace)
        try copyFixture("donau.odt", to: "docs/office/donau.odt", in: workspace)
        try copyFixture("nile.epub", to: "docs/office/nile.epub", in: workspace)
        let report = try workspace.run()
        #expect(
            try workspace.storedPaths() == [
                "docs/licenses/Apache-2.0", "docs/licenses/GPL-3", "docs/office/donau.odt", "docs/office/nile.epub",
                "docs/office/rhine.docx", "docs/pkg/README.Debian", "docs/pkg/changelog.Debian.gz",
                "docs/pkg/copyright",
                "docs/site/index.html",
            ])
        let skipped = report.documentsSkipped.map { (($0.path as NSString).lastPathComponent, $0.reason) }
        #expect(skipped.map(\.0) == ["searchindex-1a2b.js", "style.css"])
        #expect(skipped.allSatisfy { $0.1 == FileWalker.notADocument })
        let titles = try workspace.store.allDocuments().compactMap(\.title).sorted()
        #expect(titles == ["Die Donau", "Site", "The Nile", "The Rhine Handbook"])
        let changelog = try #require(
            try workspace.store.documents(sourcePath: workspace.path("docs/pkg/changelog.Debian.gz")).first)
        #expect(try workspace.store.text(ofDocument: changelog.id)?.hasPrefix("askdocs (1.2-1) unstable") == true)
        // Asked for by a glob, a script is indexed as text.
        let asked = try workspace.run(include: ["*.js"])
        #expect(asked.filesAdded == 1)
        #expect(try workspace.storedPaths().contains("docs/site/searchindex-1a2b.js"))
    }

    @Test("the counts add up: seen = added + updated + unchanged + skipped + failed, on every run")
    func countsAddUp() throws {
        let workspace = try Workspace()
        try workspace.write("docs/a.txt", "First.")
        try workspace.write("docs/b.md", "# B\n\nSecond.")
        try workspace.write(
            "docs/records.jsonl", "{\"id\":\"1\",\"text\":\"One.\"}\n{\"id\":\"2\",\"text\":\"Two.\"}\n")
        try workspace.write("docs/empty.txt", "")
        try workspace.write("docs/image.png", Data([0x89, 0x50, 0x4E, 0x47]))
        try workspace.write("docs/bad.odt", "not a zip")
        try FileManager.default.createSymbolicLink(
            atPath: workspace.path("docs/alias.txt"), withDestinationPath: "a.txt")
        func check(_ report: IndexReport) {
            let sum =
                report.filesAdded + report.filesUpdated + report.filesUnchanged + report.filesMoved
                + report.filesSkipped
                + report.filesFailed
            #expect(report.filesSeen == sum)
            #expect(report.filesSkipped == report.documentsSkipped.count)
        }
        let first = try workspace.run([workspace.path("docs"), workspace.path("missing")])
        check(first)
        #expect(first.filesSeen == 8)
        #expect(first.filesAdded == 3 && first.documentsAdded == 4)
        #expect(first.filesSkipped == 3)  // empty.txt, image.png, alias.txt
        #expect(first.filesFailed == 2)  // bad.odt, missing
        try workspace.write("docs/a.txt", "First, changed.")
        let second = try workspace.run()
        check(second)
        #expect(second.filesUpdated == 1 && second.filesUnchanged == 2)
    }

    @Test("a run that can read none of its paths is an error, not an empty success")
    func nothingReadable() throws {
        let workspace = try Workspace()
        #expect(
            throws: IndexerError.nothingReadable(path: workspace.path("missing"), reason: "no such file or directory")
        ) {
            try workspace.run([workspace.path("missing")])
        }
        #expect(FileWalker.unreadableRoots([workspace.path("missing")])?.reason == "no such file or directory")
        try workspace.write("docs/a.txt", "A.")
        #expect(FileWalker.unreadableRoots([workspace.path("missing"), workspace.path("docs")]) == nil)
    }

    @Test("documents keep the path they were indexed by; of a link and its file the file is kept and named")
    func linkPaths() throws {
        let workspace = try Workspace()
        try workspace.write("docs/licenses/GPL-3", "GNU GENERAL PUBLIC LICENSE Version 3")
        // Debian's common-licenses: GPL is a link to GPL-3, and sorts first.
        try FileManager.default.createSymbolicLink(
            atPath: workspace.path("docs/licenses/GPL"), withDestinationPath: "GPL-3")
        // A document that is a link to a file outside the indexed folder.
        try workspace.write("elsewhere/shared/NOTICE", "Shared notice text.")
        try FileManager.default.createDirectory(atPath: workspace.path("docs/pkg"), withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: workspace.path("docs/pkg/NOTICE"), withDestinationPath: workspace.path("elsewhere/shared/NOTICE"))
        // A link to a folder inside the tree that sorts before the folder itself.
        try workspace.write("docs/zlib/README", "The zlib readme.")
        try FileManager.default.createSymbolicLink(atPath: workspace.path("docs/azlib"), withDestinationPath: "zlib")
        let report = try workspace.run()
        #expect(try workspace.storedPaths() == ["docs/licenses/GPL-3", "docs/pkg/NOTICE", "docs/zlib/README"])
        let reasons = Dictionary(uniqueKeysWithValues: report.documentsSkipped.map { ($0.path, $0.reason) })
        #expect(
            reasons == [
                workspace.path("docs/licenses/GPL"): "same file as \(workspace.path("docs/licenses/GPL-3"))",
                workspace.path("docs/azlib"): "link to a folder already indexed as \(workspace.path("docs/zlib"))",
            ])
        // The folder's prefix finds the document that is a link to elsewhere.
        let prefix = SearchFilter(pathPrefix: workspace.path("docs") + "/")
        #expect(try workspace.store.chunkIDs(matching: prefix).count == 3)
    }

    @Test("files that vanished from an indexed folder are reported; pruning removes their documents and chunks")
    func vanished() throws {
        let workspace = try Workspace()
        try workspace.write("docs/keep.txt", "Kept.")
        try workspace.write("docs/gone.txt", "Gone soon.")
        try workspace.write("docs/sub/gone.md", "# Gone\n\nAlso gone.")
        try workspace.write("other/outside.txt", "Indexed from another folder.")
        _ = try workspace.run([workspace.path("docs"), workspace.path("other")])
        try FileManager.default.removeItem(atPath: workspace.path("docs/gone.txt"))
        try FileManager.default.removeItem(atPath: workspace.path("docs/sub"))
        try FileManager.default.removeItem(atPath: workspace.path("other/outside.txt"))
        let report = try workspace.run()
        #expect(report.vanished == [workspace.path("docs/gone.txt"), workspace.path("docs/sub/gone.md")])
        #expect(report.documentsRemoved == 0)
        #expect(try workspace.store.counts().documents == 4)
        let pruned = try workspace.indexer().run(IndexRequest(paths: [workspace.path("docs")], prune: true))
        #expect(pruned.documentsRemoved == 2)
        #expect(try workspace.storedPaths() == ["docs/keep.txt", "other/outside.txt"])
        #expect(try workspace.store.search(terms: WordTermizer().terms("gone"), limit: 5).isEmpty)
        #expect(try workspace.store.integrityProblems().isEmpty)
        #expect(try workspace.run().vanished.isEmpty)
    }

    @Test("Markdown comments are stripped before storing, and chunk offsets slice the stored text exactly")
    func strippedOffsets() throws {
        let workspace = try Workspace()
        try workspace.write("docs/README.md", "<!-- toc -->\n# Über\n\nZürich 🇨🇭 liegt am See. <!-- note -->Ende.")
        _ = try workspace.run()
        let document = try #require(try workspace.store.allDocuments().first)
        let text = try #require(try workspace.store.text(ofDocument: document.id))
        #expect(!text.contains("<!--") && !text.contains("toc"))
        let scalars = Array(text.unicodeScalars)
        for chunk in try workspace.store.chunks(documentID: document.id) {
            var slice = String.UnicodeScalarView()
            slice.append(contentsOf: scalars[chunk.startOffset..<chunk.endOffset])
            #expect(String(slice) == chunk.text)
        }
    }
}
