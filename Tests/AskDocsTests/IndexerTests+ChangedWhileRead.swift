import DocumentStore
import Foundation
import Testing

@testable import AskDocs

/// A file of every format AskDocs reads, caught half-written (a copy still in progress) and completed while it is
/// read: what is stored must be the complete file's text, never a mix and never the half.
extension IndexerTests {
    static let ingestFixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("IngestTests/Fixtures")

    /// (stored name, complete bytes) for each format, compressed and container formats from the committed fixtures.
    static func completeFiles() throws -> [(String, Data)] {
        let markdown = "# Rivers\n\n" + (0..<40).map { "The river \($0) runs to the sea." }.joined(separator: " ")
        let html =
            "<html><head><title>Rivers</title></head><body><h1>Rivers</h1><p>"
            + (0..<40).map { "The river \($0) runs to the sea." }.joined(separator: " ") + "</p></body></html>"
        let jsonl = (0..<20).map { "{\"text\": \"The river \($0) runs to the sea.\"}" }.joined(separator: "\n")
        var files: [(String, Data)] = [
            ("live.md", Data(markdown.utf8)), ("live.html", Data(html.utf8)), ("live.jsonl", Data(jsonl.utf8)),
        ]
        for (name, fixture) in [
            ("live.md.gz", "guide.md.gz"), ("live.txt.gz", "members.txt.gz"), ("live.docx", "rhine.docx"),
            ("live.odt", "donau.odt"), ("live.epub", "nile.epub"),
        ] {
            files.append((name, try Data(contentsOf: ingestFixtures.appendingPathComponent(fixture))))
        }
        return files
    }

    @Test("every format: a file completed while it is read is stored as the complete file, not the half")
    func completedWhileRead() throws {
        for (name, complete) in try Self.completeFiles() {
            let reference = try Workspace()
            try reference.write("docs/" + name, complete)
            let expected = try reference.run()
            #expect(expected.documentsAdded >= 1, "\(name): \(expected.documentsFailed)")
            let expectedTexts = try reference.store.allDocuments().map { try reference.store.text(ofDocument: $0.id) }

            let workspace = try Workspace()
            let path = try workspace.write("docs/" + name, complete.prefix(complete.count / 2))
            var indexer = workspace.indexer()
            let completed = LockedFlag()
            indexer.afterRead = { readPath in
                guard readPath == path, completed.set() else { return }
                try? complete.write(to: URL(fileURLWithPath: path))
            }
            let report = try workspace.run(indexer: indexer)
            #expect(report.documentsFailed.isEmpty, "\(name): \(report.documentsFailed)")
            let texts = try workspace.store.allDocuments().map { try workspace.store.text(ofDocument: $0.id) }
            #expect(texts == expectedTexts, "\(name)")
        }
    }
}
