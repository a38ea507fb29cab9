import Foundation
import Testing

@testable import Ingest

/// Counts whitespace-separated words; for tests that need exact, easy arithmetic.
struct WordCounter: TokenCounter {
    func tokenCount(_ text: Substring) -> Int { text.split(whereSeparator: \.isWhitespace).count }
}

@Suite("Chunker")
struct ChunkerTests {
    /// The property every chunking must have: offsets slice out exactly the chunk's text, chunks are in order,
    /// ordinals count from 0, no chunk is empty or padded with whitespace, and the budget holds.
    static func checkChunks(_ chunks: [TextChunk], of text: String, budget: Int, sourceContext: String = "") {
        let scalars = Array(text.unicodeScalars)
        var previousStart = -1
        for (index, chunk) in chunks.enumerated() {
            #expect(chunk.ordinal == index, "\(sourceContext)")
            #expect(
                chunk.startOffset < chunk.endOffset && chunk.endOffset <= scalars.count,
                "\(sourceContext) chunk \(index)")
            guard chunk.startOffset < chunk.endOffset, chunk.endOffset <= scalars.count else { continue }
            var slice = String.UnicodeScalarView()
            slice.append(contentsOf: scalars[chunk.startOffset..<chunk.endOffset])
            #expect(String(slice) == chunk.text, "\(sourceContext) chunk \(index) does not slice back")
            #expect(chunk.startOffset > previousStart, "\(sourceContext) chunk \(index) does not move forward")
            #expect(chunk.text.unicodeScalars.first.map { !$0.properties.isWhitespace } == true)
            #expect(chunk.text.unicodeScalars.last.map { !$0.properties.isWhitespace } == true)
            #expect(chunk.tokenCount <= budget, "\(sourceContext) chunk \(index) has \(chunk.tokenCount) tokens")
            previousStart = chunk.startOffset
        }
    }

    /// Every non-whitespace scalar of the text is in some chunk.
    static func checkCoverage(_ chunks: [TextChunk], of text: String, sourceContext: String = "") {
        let scalars = Array(text.unicodeScalars)
        var covered = [Bool](repeating: false, count: scalars.count)
        for chunk in chunks where chunk.endOffset <= scalars.count {
            for index in chunk.startOffset..<chunk.endOffset { covered[index] = true }
        }
        let missing = scalars.indices.first { !covered[$0] && !scalars[$0].properties.isWhitespace }
        #expect(missing == nil, "\(sourceContext): scalar \(missing ?? -1) is in no chunk")
    }

    @Test("sentences are packed greedily up to the budget, with one sentence of overlap")
    func packing() {
        let text = "One two three. Four five six. Seven eight nine. Ten eleven twelve."
        let chunker = Chunker(
            counter: WordCounter(), configuration: ChunkerConfiguration(tokenBudget: 7, overlapSentences: 1))
        let chunks = chunker.chunks(of: text)
        #expect(
            chunks.map(\.text) == [
                "One two three. Four five six.", "Four five six. Seven eight nine.",
                "Seven eight nine. Ten eleven twelve.",
            ])
        #expect(chunks.map(\.tokenCount) == [6, 6, 6])
        Self.checkChunks(chunks, of: text, budget: 7)
        let noOverlap = Chunker(
            counter: WordCounter(), configuration: ChunkerConfiguration(tokenBudget: 7, overlapSentences: 0))
        #expect(
            noOverlap.chunks(of: text).map(\.text) == [
                "One two three. Four five six.", "Seven eight nine. Ten eleven twelve.",
            ])
    }

    @Test("overlap is dropped when it would leave no room for the next sentence")
    func overlapMakesRoom() {
        let text = "A b c d. E f g h i j."
        let chunks = Chunker(
            counter: WordCounter(), configuration: ChunkerConfiguration(tokenBudget: 6, overlapSentences: 1)
        ).chunks(of: text)
        #expect(chunks.map(\.text) == ["A b c d.", "E f g h i j."])
    }

    @Test("a sentence over the budget is cut at word boundaries")
    func longSentence() {
        let words = (1...50).map { "word\($0)" }
        let text = "Short one. " + words.joined(separator: " ") + ". Tail."
        let chunks = Chunker(
            counter: WordCounter(), configuration: ChunkerConfiguration(tokenBudget: 8, overlapSentences: 0)
        ).chunks(of: text)
        Self.checkChunks(chunks, of: text, budget: 8)
        Self.checkCoverage(chunks, of: text)
        // Every cut falls between words.
        for chunk in chunks {
            #expect(!chunk.text.hasPrefix("ord"))
            #expect(
                chunk.text.split(separator: " ").allSatisfy {
                    $0.hasPrefix("word") || ["Short", "one.", "Tail."].contains($0) || $0.hasSuffix(".")
                })
        }
    }

    @Test("a word over the budget is cut at character boundaries and emoji stay whole")
    func longWord() {
        let text = String(repeating: "x😀", count: 400) + "e\u{301}" + String(repeating: "y", count: 300)
        let budget = 50
        let chunks = Chunker(
            counter: UTF8LengthTokenCounter(), configuration: ChunkerConfiguration(tokenBudget: budget)
        ).chunks(of: text)
        #expect(chunks.count > 5)
        Self.checkChunks(chunks, of: text, budget: budget)
        Self.checkCoverage(chunks, of: text)
        // Without overlap the pieces are the word, cut; nothing lost or repeated.
        let pieces = Chunker(
            counter: UTF8LengthTokenCounter(),
            configuration: ChunkerConfiguration(tokenBudget: budget, overlapSentences: 0)
        )
        .chunks(of: text)
        #expect(pieces.map(\.text).joined() == text, "pieces do not join back to the word")
        #expect(zip(pieces, pieces.dropFirst()).allSatisfy { $0.endOffset == $1.startOffset })
    }

    @Test("offsets are Unicode scalar offsets, not UTF-16 or bytes")
    func scalarOffsets() {
        let text = "😀😀 Erster Satz. Zweiter Satz 中文。"
        let chunks = Chunker(
            counter: WordCounter(), configuration: ChunkerConfiguration(tokenBudget: 3, overlapSentences: 0)
        ).chunks(of: text)
        #expect(chunks.map(\.text) == ["😀😀 Erster Satz.", "Zweiter Satz 中文。"])
        // 😀 is one scalar (two UTF-16 units, four bytes).
        #expect(chunks.map(\.startOffset) == [0, 16])
        #expect(chunks.map(\.endOffset) == [15, 32])
    }

    @Test("empty and whitespace-only text has no chunks")
    func empty() {
        let chunker = Chunker(counter: UTF8LengthTokenCounter())
        #expect(chunker.chunks(of: "").isEmpty)
        #expect(chunker.chunks(of: " \n\n\t ").isEmpty)
        #expect(chunker.chunks(of: "\nx\n").map(\.text) == ["x"])
    }

    @Test("the default budget is 384 − 64 − 4 tokens")
    func defaultBudget() {
        #expect(ChunkerConfiguration.default.tokenBudget == 316)
        #expect(ChunkerConfiguration.default.overlapSentences == 1)
    }

    @Test("ICU windows: sentences crossing window borders come out the same as without windows")
    func windows() {
        let sentences = (0..<400).map { "Sentence number \($0) has a few words in it." }
        let text = sentences.joined(separator: " ")
        let config = ChunkerConfiguration(tokenBudget: 30, overlapSentences: 1, windowScalars: 100_000)
        let whole = Chunker(counter: WordCounter(), configuration: config).chunks(of: text)
        var small = config
        small.windowScalars = 300
        let windowed = Chunker(counter: WordCounter(), configuration: small).chunks(of: text)
        #expect(windowed == whole)
        Self.checkChunks(windowed, of: text, budget: 30)
    }

    @Test("a text with no sentence or word breaks larger than a window still chunks exactly")
    func unbreakableWindow() {
        let text = String(repeating: "a", count: 2000) + " tail."
        let config = ChunkerConfiguration(tokenBudget: 40, overlapSentences: 1, windowScalars: 256)
        let chunks = Chunker(counter: UTF8LengthTokenCounter(), configuration: config).chunks(of: text)
        Self.checkChunks(chunks, of: text, budget: 40)
        Self.checkCoverage(chunks, of: text)
    }

    @Test(
        "all 11 XQuAD languages: every article written as a file, read back and chunked, slices back exactly",
        arguments: IngestFixtures.xquadLanguages)
    func xquad(language: String) throws {
        let folder = try IngestFixtures.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let articles = try IngestFixtures.xquadArticles(language)
        #expect(articles.count == 48)
        // Small windows and budget stress window borders and packing; the full set stays fast in debug.
        let chunker = Chunker(
            counter: UTF8LengthTokenCounter(),
            configuration: ChunkerConfiguration(tokenBudget: 64, overlapSentences: 1, windowScalars: 2048))
        var total = 0
        for (index, article) in articles.enumerated() {
            let path = folder.appendingPathComponent("\(index).txt").path
            try Data(article.contexts.joined(separator: "\n\n").utf8).write(to: URL(fileURLWithPath: path))
            let result = try DocumentReader().read(try Data(contentsOf: URL(fileURLWithPath: path)), path: path)
            let document = try #require(result.documents.first)
            let chunks = chunker.chunks(of: document.text, language: language)
            Self.checkChunks(chunks, of: document.text, budget: 64, sourceContext: "\(language) article \(index)")
            Self.checkCoverage(chunks, of: document.text, sourceContext: "\(language) article \(index)")
            total += chunks.count
        }
        #expect(total > articles.count)
    }
}
