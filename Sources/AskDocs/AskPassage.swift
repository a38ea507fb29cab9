import DocumentStore
import Foundation
import Reader

/// A passage the reader is given: contiguous chunks of one document (retrieved chunks with their neighbours,
/// merged where they overlap or touch), as the document's own text between the first chunk's start and the last
/// chunk's end.
public struct AskPassage: Sendable, Equatable {
    /// The chunks the passage spans, in ordinal order (retrieved and neighbours alike).
    public var chunks: [StoredChunk]
    /// Positions in the search results of the retrieved chunks among `chunks`, best first.
    public var results: [Int]
    /// The passage text: exactly the document's scalars `start..<end`.
    public var text: String

    /// Creates a passage.
    public init(chunks: [StoredChunk], results: [Int], text: String) {
        self.chunks = chunks
        self.results = results
        self.text = text
    }

    /// The document's key.
    public var documentKey: String { chunks.first?.documentKey ?? "" }
    /// Start of the passage in its document, in Unicode scalars.
    public var start: Int { chunks.first?.startOffset ?? 0 }
    /// End (exclusive) of the passage in its document.
    public var end: Int { chunks.last?.endOffset ?? 0 }

    /// The passage as the reader takes it.
    public var readerPassage: ReaderPassage {
        ReaderPassage(documentId: documentKey, documentOffset: start, text: text)
    }

    /// The chunk an answer at document offsets `range` is credited to: the first chunk holding the whole range
    /// (else its start).
    public func chunk(holding range: Range<Int>) -> StoredChunk? {
        let holdsAll = chunks.filter { $0.startOffset <= range.lowerBound && range.upperBound <= $0.endOffset }
        let holdsStart = chunks.filter { $0.startOffset <= range.lowerBound && range.lowerBound < $0.endOffset }
        return holdsAll.first ?? holdsStart.first ?? chunks.first
    }
}

extension AskPassage {
    /// The ordinal ranges read for the retrieved ordinals of one document: each widened by `neighbours` chunks on
    /// both sides (never below 0; the store has no chunk past the document's end), and ranges that overlap or touch
    /// merged into one, in ordinal order.
    public static func ordinalRanges(_ ordinals: [Int], neighbours: Int) -> [ClosedRange<Int>] {
        let widened = ordinals.map { max(0, $0 - max(0, neighbours))...($0 + max(0, neighbours)) }
            .sorted { $0.lowerBound < $1.lowerBound }
        var merged: [ClosedRange<Int>] = []
        for range in widened {
            // Chunk n + 1 continues chunk n in the document: touching ranges are one stretch of text.
            if let last = merged.last, range.lowerBound <= last.upperBound + 1 {
                merged[merged.count - 1] = last.lowerBound...max(last.upperBound, range.upperBound)
            } else {
                merged.append(range)
            }
        }
        return merged
    }

    /// The passages for retrieved chunks (in retrieval order).
    ///
    /// With `neighbours` nil every chunk is read alone, as retrieved. Otherwise each chunk is read with
    /// `neighbours` chunks on each side, and the chunks of one document that overlap or touch become one passage;
    /// passages are ordered by their best retrieved chunk.
    public static func passages(for retrieved: [StoredChunk], neighbours: Int?, store: DocumentStore) throws
        -> [AskPassage]
    {
        try EmbeddedIndex(store: store).read { try passages(for: retrieved, neighbours: neighbours, in: $0) }
    }

    /// `passages(for:neighbours:store:)` over any backend, inside a read the caller holds.
    public static func passages(for retrieved: [StoredChunk], neighbours: Int?, in store: any IndexSnapshot) throws
        -> [AskPassage]
    {
        guard let neighbours else {
            return retrieved.enumerated().map { AskPassage(chunks: [$1], results: [$0], text: $1.text) }
        }
        var order: [Int64] = []
        var positions: [Int64: [Int]] = [:]
        for (position, chunk) in retrieved.enumerated() {
            if positions[chunk.documentID] == nil { order.append(chunk.documentID) }
            positions[chunk.documentID, default: []].append(position)
        }
        var passages: [AskPassage] = []
        for documentID in order {
            let members = positions[documentID] ?? []
            for range in ordinalRanges(members.map { retrieved[$0].ordinal }, neighbours: neighbours) {
                let inRange = members.filter { range.contains(retrieved[$0].ordinal) }
                var chunks = try store.chunks(documentID: documentID, ordinals: range)
                // A chunk the store no longer has (changed since the search) is still read as retrieved.
                let stored = Set(chunks.map(\.id))
                chunks += inRange.map { retrieved[$0] }.filter { !stored.contains($0.id) }
                chunks.sort { $0.ordinal < $1.ordinal }
                guard let first = chunks.first, let last = chunks.last else { continue }
                if chunks.count == 1 {
                    passages.append(AskPassage(chunks: chunks, results: inRange, text: first.text))
                } else if let text = try store.text(ofDocument: documentID, from: first.startOffset, to: last.endOffset)
                {
                    passages.append(AskPassage(chunks: chunks, results: inRange, text: text))
                } else {
                    // The document went away since the search: its retrieved chunks are read alone.
                    passages += inRange.map {
                        AskPassage(chunks: [retrieved[$0]], results: [$0], text: retrieved[$0].text)
                    }
                }
            }
        }
        return passages.sorted { ($0.results.first ?? .max) < ($1.results.first ?? .max) }
    }
}
