import Testing

@testable import PostgresStore

@Suite("FTS5Terms")
struct FTS5TermsTests {
    @Test("piece terms stay whole; other text splits where unicode61 does (letters, numbers, private use)")
    func splits() {
        #expect(FTS5Terms.tokens("p12 p7 p12") == ["p12", "p7", "p12"])
        #expect(FTS5Terms.tokens("don't Stop—now") == ["don", "t", "stop", "now"])
        // Combining marks are not token characters in unicode61's default categories (L*, N*, Co).
        #expect(FTS5Terms.tokens("नमस्ते") == ["नमस", "त"])
        #expect(FTS5Terms.tokens("東京 ２０２６") == ["東京", "２０２６"])
        #expect(FTS5Terms.tokens("i\u{307}stanbul") == ["i\u{307}stanbul"])
        let (counts, length) = FTS5Terms.frequencies("p1 p2 p1")
        #expect(counts == ["p1": 2, "p2": 1] && length == 3)
    }
}

import DocumentStore
import Foundation
import TestSupport

extension FTS5TermsTests {
    /// Paragraphs of the shared XQuAD files, `count` per language.
    static func xquadParagraphs(count: Int) throws -> [String] {
        let folder = PostgresTestCluster.packageRoot.deletingLastPathComponent().appendingPathComponent(
            "shared/data/xquad")
        var paragraphs: [String] = []
        for language in ["ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh"] {
            let url = folder.appendingPathComponent("xquad.\(language).json")
            guard let data = try? Data(contentsOf: url) else { continue }
            let json = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            let articles = json?["data"] as? [[String: Any]] ?? []
            let texts = articles.flatMap {
                ($0["paragraphs"] as? [[String: Any]] ?? []).compactMap { $0["context"] as? String }
            }
            paragraphs += texts.prefix(count)
        }
        return paragraphs
    }

    @Test("tokens equal SQLite FTS5's own (fts5vocab) on raw XQuAD paragraphs of every shared language")
    func matchesSQLite() throws {
        let paragraphs = try Self.xquadParagraphs(count: 240)
        #expect(paragraphs.count >= 240 * 11)
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-fts5-\(UUID()).sqlite")
        defer { try? FileManager.default.removeItem(at: file) }
        let database = try Database(path: file.path)
        try database.execute(
            """
            CREATE VIRTUAL TABLE t USING fts5(terms, tokenize='unicode61 remove_diacritics 0');
            CREATE VIRTUAL TABLE v USING fts5vocab(t, 'instance');
            """)
        for (row, text) in paragraphs.enumerated() {
            try database.run("INSERT INTO t(rowid, terms) VALUES (?, ?)", [.integer(Int64(row + 1)), .text(text)])
        }
        var sqlite: [Int64: [String]] = [:]
        for record in try database.rows("SELECT doc, term FROM v ORDER BY doc, offset") {
            guard case .integer(let doc) = record[0], case .text(let term) = record[1] else { continue }
            sqlite[doc, default: []].append(term)
        }
        var mismatches = 0
        for (row, text) in paragraphs.enumerated() where FTS5Terms.tokens(text) != sqlite[Int64(row + 1)] ?? [] {
            mismatches += 1
            if mismatches <= 3 {
                let ours = FTS5Terms.tokens(text)
                let theirs = sqlite[Int64(row + 1)] ?? []
                let first = zip(ours, theirs).first { $0 != $1 }
                Issue.record(
                    "paragraph \(row): first difference \(String(describing: first)), \(ours.count) vs \(theirs.count) tokens"
                )
            }
        }
        #expect(mismatches == 0)
    }
}
