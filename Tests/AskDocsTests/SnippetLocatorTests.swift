import DocumentStore
import Foundation
import Ingest
import Testing

@testable import AskDocs

@Suite("Snippet locator")
struct SnippetLocatorTests {
    /// A chunk starting at `offset` in its document.
    func chunk(_ text: String, offset: Int = 1000) -> StoredChunk {
        StoredChunk(
            id: 1, documentID: 1, ordinal: 0, text: text, startOffset: offset,
            endOffset: offset + text.unicodeScalars.count, tokenCount: 0, documentKey: "k", sourcePath: "/d.txt",
            title: nil, language: nil)
    }

    /// Navigation boilerplate, then prose, with the matched sentence far past the first 200 characters.
    static let page =
        "Next: Installation, Previous: Overview, Up: Top. "
        + String(repeating: "The library reads configuration files from several folders in a fixed order. ", count: 6)
        + "Compressed archives are verified with a zeppelin checksum before extraction. "
        + String(repeating: "Every option can also be set from the environment of the running process. ", count: 6)

    @Test("a BM25 hit: the window around the matched words, centred on them, with exact offsets")
    func centredOnMatch() throws {
        let locator = SnippetLocator(termizer: WordTermizer())
        let chunk = chunk(Self.page)
        let snippet = locator.snippet(of: chunk, query: "zeppelin checksum")
        let scalars = Array(Self.page.unicodeScalars)
        // ASCII: characters are scalars.
        let match = Self.page.distance(
            from: Self.page.startIndex, to: try #require(Self.page.range(of: "zeppelin")).lowerBound)
        #expect(snippet.text.contains("zeppelin checksum"))
        let start = snippet.startOffset - chunk.startOffset, end = snippet.endOffset - chunk.startOffset
        var slice = String.UnicodeScalarView()
        slice.append(contentsOf: scalars[start..<end])
        #expect(String(slice) == snippet.text)
        #expect(end - start <= 200)
        // Centred: the match sits in the middle half of the snippet.
        #expect(
            match - start >= (end - start) / 4 && match - start <= (end - start) * 3 / 4, "\(start) \(match) \(end)")
        // On word boundaries.
        #expect(start == 0 || scalars[start - 1] == " ")
        #expect(end == scalars.count || scalars[end] == " ")
    }

    @Test("a dense-only hit (no shared word) shows the chunk's beginning; a short chunk shows all of it")
    func defaults() {
        let locator = SnippetLocator(termizer: WordTermizer())
        let dense = locator.snippet(of: chunk(Self.page), query: "Wie überprüft man Archive?")
        #expect(dense.startOffset == 1000)
        #expect(dense.text.hasPrefix("Next: Installation"))
        #expect(dense.text.unicodeScalars.count <= 200)
        let short = locator.snippet(of: chunk("  A short chunk.\n"), query: "short")
        #expect(short.text == "A short chunk.")
        #expect(short.startOffset == 1002 && short.endOffset == 1016)
    }

    @Test("text without spaces (Chinese) still gets a window around the match")
    func unspaced() {
        let text =
            String(repeating: "长江是亚洲最长的河流，流经中国多个省份。", count: 12) + "三峡大坝位于湖北省宜昌市。"
            + String(repeating: "长江是亚洲最长的河流，流经中国多个省份。", count: 12)
        let snippet = SnippetLocator(termizer: WordTermizer()).snippet(of: chunk(text), query: "三峡大坝")
        #expect(snippet.text.contains("三峡大坝"))
        #expect(snippet.text.unicodeScalars.count <= 200)
    }
}
