import DocumentStore
import Foundation
import Ingest
import Testing

@testable import AskDocs

@Suite("Passages: retrieved chunks with their neighbours")
struct AskPassageTests {
    @Test(
        "ordinal ranges widen by the neighbours, stop at 0, and merge where they overlap or touch",
        arguments: [
            ([3], 1, [2...4]),
            ([0], 1, [0...1]),
            ([0], 3, [0...3]),
            ([2, 4], 0, [2...2, 4...4]),
            ([2, 3], 0, [2...3]),
            ([3, 2], 0, [2...3]),
            ([2, 4], 1, [1...5]),
            ([5, 1], 1, [0...2, 4...6]),
            ([7, 2], 2, [0...9]),
            ([6, 2], 1, [1...3, 5...7]),
            ([4, 4], 1, [3...5]),
        ])
    func ordinalRanges(ordinals: [Int], neighbours: Int, expected: [ClosedRange<Int>]) {
        #expect(AskPassage.ordinalRanges(ordinals, neighbours: neighbours) == expected)
    }

    /// Sentences of several scripts (multi-byte, astral and combining scalars) with runs of whitespace between
    /// them, so chunks overlap by a sentence or leave whitespace gaps that only the document holds.
    static let document = [
        "Der Rhein entspringt in den Schweizer Alpen. ", "Он впадает в Северное море.\n\n",
        "长江是亚洲最长的河流。", "Ünïcödé nàme̊s 😀 survive slicing.  ", "The Loire is the longest river in France. ",
        "Basel lies on the Rhine. ", "🇨🇭 Zürich has a lake.\n", "The end of the document.",
    ].joined()

    /// The document indexed with a small budget: many chunks, sentence overlap.
    static func indexed() throws -> (Workspace, StoredDocument, [StoredChunk]) {
        let workspace = try Workspace()
        try workspace.write("docs/rivers.txt", document)
        _ = try workspace.run(indexer: workspace.indexer(counterBudget: 20))
        let stored = try #require(try workspace.store.allDocuments().first)
        let chunks = try workspace.store.chunks(documentID: stored.id)
        return (workspace, stored, chunks)
    }

    static func slice(_ text: String, _ lower: Int, _ upper: Int) -> String {
        let scalars = Array(text.unicodeScalars)
        return String(String.UnicodeScalarView(scalars[lower..<upper]))
    }

    @Test("a passage is exactly the document's scalars between its first chunk's start and last chunk's end")
    func passagesSliceTheDocument() throws {
        let (workspace, _, chunks) = try Self.indexed()
        try #require(chunks.count >= 5, "the fixture must make several chunks")
        #expect(zip(chunks, chunks.dropFirst()).contains { $0.endOffset < $1.startOffset }, "a whitespace gap")
        #expect(zip(chunks, chunks.dropFirst()).contains { $0.endOffset > $1.startOffset }, "an overlap")
        for neighbours in [0, 1, 2] {
            for retrieved in [[0], [chunks.count - 1], [2], [1, 3], [chunks.count - 1, 0], [3, 2, 1]] {
                let passages = try AskPassage.passages(
                    for: retrieved.map { chunks[$0] }, neighbours: neighbours, store: workspace.store)
                for passage in passages {
                    #expect(passage.text == Self.slice(Self.document, passage.start, passage.end))
                    #expect(passage.readerPassage.text == passage.text)
                    #expect(passage.readerPassage.documentOffset == passage.start)
                    // Every chunk's text sits in the passage at its own offset.
                    for chunk in passage.chunks {
                        #expect(
                            Self.slice(passage.text, chunk.startOffset - passage.start, chunk.endOffset - passage.start)
                                == chunk.text)
                    }
                    let ordinals = passage.chunks.map(\.ordinal)
                    #expect(ordinals == Array((ordinals.first ?? 0)...(ordinals.last ?? 0)), "contiguous")
                }
                // Every retrieved chunk is read exactly once.
                #expect(passages.flatMap(\.results).sorted() == Array(retrieved.indices))
                for passage in passages {
                    for position in passage.results {
                        #expect(passage.chunks.contains(chunks[retrieved[position]]))
                    }
                }
            }
        }
    }

    @Test("neighbours reach across the document ends only as far as the document goes")
    func documentEnds() throws {
        let (workspace, _, chunks) = try Self.indexed()
        let last = chunks.count - 1
        let atEnd = try AskPassage.passages(for: [chunks[last]], neighbours: 1, store: workspace.store)
        #expect(atEnd.map { $0.chunks.map(\.ordinal) } == [[last - 1, last]])
        #expect(atEnd.first?.end == Self.document.unicodeScalars.count)
        let atStart = try AskPassage.passages(for: [chunks[0]], neighbours: 2, store: workspace.store)
        #expect(atStart.map { $0.chunks.map(\.ordinal) } == [[0, 1, 2]])
        #expect(atStart.first?.start == chunks[0].startOffset)
        let whole = try AskPassage.passages(for: [chunks[2]], neighbours: 100, store: workspace.store)
        #expect(whole.first?.chunks.count == chunks.count)
    }

    @Test("overlapping neighbours merge into one passage, ordered by its best retrieved chunk")
    func overlappingNeighbours() throws {
        let (workspace, _, chunks) = try Self.indexed()
        try #require(chunks.count >= 5)
        // Retrieved 3 first, then 1: with one neighbour each, 2 is shared, so one passage 0...4.
        let merged = try AskPassage.passages(for: [chunks[3], chunks[1]], neighbours: 1, store: workspace.store)
        #expect(merged.map { $0.chunks.map(\.ordinal) } == [[0, 1, 2, 3, 4]])
        #expect(merged.first?.results == [0, 1])
        // Without neighbours they stay apart; the second retrieved comes second.
        let apart = try AskPassage.passages(for: [chunks[3], chunks[1]], neighbours: 0, store: workspace.store)
        #expect(apart.map { $0.chunks.map(\.ordinal) } == [[3], [1]])
        // Retrieved neighbours touch: one passage even without neighbours.
        let touching = try AskPassage.passages(for: [chunks[2], chunks[3]], neighbours: 0, store: workspace.store)
        #expect(touching.map { $0.chunks.map(\.ordinal) } == [[2, 3]])
        // nil: every chunk alone, as retrieved, even the same chunk twice.
        let alone = try AskPassage.passages(
            for: [chunks[2], chunks[3], chunks[2]], neighbours: nil, store: workspace.store)
        #expect(alone.map { $0.chunks.map(\.ordinal) } == [[2], [3], [2]])
        #expect(alone.map(\.text) == [chunks[2].text, chunks[3].text, chunks[2].text])
    }

    @Test("chunks of different documents never merge")
    func documentsStayApart() throws {
        let workspace = try Workspace()
        try workspace.write("docs/a.txt", Self.document)
        try workspace.write("docs/b.txt", Self.document)
        _ = try workspace.run(indexer: workspace.indexer(counterBudget: 20))
        let documents = try workspace.store.allDocuments()
        try #require(documents.count == 2)
        let a = try workspace.store.chunks(documentID: documents[0].id)
        let b = try workspace.store.chunks(documentID: documents[1].id)
        let passages = try AskPassage.passages(for: [a[1], b[2], a[2]], neighbours: 0, store: workspace.store)
        #expect(passages.map(\.documentKey) == [documents[0].key, documents[1].key])
        #expect(passages.map { $0.chunks.map(\.ordinal) } == [[1, 2], [2]])
        #expect(passages.map(\.results) == [[0, 2], [1]])
    }

    @Test("an answer is credited to the chunk that holds it")
    func chunkHolding() throws {
        let (workspace, _, chunks) = try Self.indexed()
        let passage = try #require(
            try AskPassage.passages(for: [chunks[2]], neighbours: 1, store: workspace.store).first)
        for chunk in passage.chunks {
            let range = chunk.startOffset..<min(chunk.endOffset, chunk.startOffset + 3)
            let credited = try #require(passage.chunk(holding: range))
            #expect(credited.startOffset <= range.lowerBound && range.upperBound <= credited.endOffset)
        }
        // A range across two chunks is credited to the one holding its start.
        let across = chunks[1].startOffset..<chunks[2].endOffset
        #expect(passage.chunk(holding: across)?.ordinal == 1)
    }

    @Test("the store slices a document's text by Unicode scalars")
    func storeSlices() throws {
        let (workspace, stored, _) = try Self.indexed()
        let count = Self.document.unicodeScalars.count
        for (lower, upper) in [(0, 5), (60, 120), (count - 7, count), (0, count), (10, 10)] {
            #expect(
                try workspace.store.text(ofDocument: stored.id, from: lower, to: upper)
                    == Self.slice(Self.document, lower, upper))
        }
        #expect(try workspace.store.text(ofDocument: stored.id + 99, from: 0, to: 3) == nil)
    }
}
