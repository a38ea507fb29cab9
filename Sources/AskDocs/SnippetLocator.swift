import DocumentStore
import Ingest

/// The part of a document shown for a search result.
public struct Snippet: Sendable, Equatable {
    /// The text, exactly the document's text between the offsets.
    public var text: String
    /// Start offset in Unicode scalars into the document text.
    public var startOffset: Int
    /// End offset (exclusive) in Unicode scalars.
    public var endOffset: Int

    /// Creates a snippet.
    public init(text: String, startOffset: Int, endOffset: Int) {
        self.text = text
        self.startOffset = startOffset
        self.endOffset = endOffset
    }
}

/// Picks the snippet of a chunk for a query: the window of about `width` scalars holding most of the query's search
/// terms, centred among the windows that hold as many (so the matched passage sits in the middle), on word
/// boundaries. A chunk sharing no term with the query (a dense-only hit) shows its beginning.
public struct SnippetLocator: Sendable {
    /// Makes the query's and the windows' terms: the index's own, so a window matches what BM25 matched.
    public var termizer: any SearchTermizer
    /// Snippet length in scalars.
    public var width: Int

    /// Creates a locator.
    public init(termizer: any SearchTermizer, width: Int = 200) {
        self.termizer = termizer
        self.width = max(width, 20)
    }

    /// The snippet of `chunk` for `query`, with offsets into the chunk's document.
    public func snippet(of chunk: StoredChunk, query: String) -> Snippet {
        let scalars = Array(chunk.text.unicodeScalars)
        let range = window(in: scalars, queryTerms: Set(termizer.terms(query)))
        var text = String.UnicodeScalarView()
        text.append(contentsOf: scalars[range])
        return Snippet(
            text: String(text), startOffset: chunk.startOffset + range.lowerBound,
            endOffset: chunk.startOffset + range.upperBound)
    }

    /// The chosen window's scalar range within `scalars`.
    func window(in scalars: [Unicode.Scalar], queryTerms: Set<String>) -> Range<Int> {
        let starts = candidateStarts(scalars)
        guard let first = starts.first else { return 0..<0 }
        guard scalars.count - first > width, !queryTerms.isEmpty else { return trimmed(first, scalars) }
        var best: (distinct: Int, total: Int) = (0, 0)
        var bestStarts: [Int] = []
        for start in starts {
            let end = self.end(from: start, in: scalars)
            var text = String.UnicodeScalarView()
            text.append(contentsOf: scalars[start..<end])
            let matched = termizer.terms(String(text)).filter(queryTerms.contains)
            let score = (distinct: Set(matched).count, total: matched.count)
            if score.distinct > best.distinct || (score.distinct == best.distinct && score.total > best.total) {
                best = score
                bestStarts = [start]
            } else if score == best, best.distinct > 0 {
                bestStarts.append(start)
            }
            if end == scalars.count { break }  // later windows are shorter tails of this one
        }
        guard best.distinct > 0 else { return trimmed(first, scalars) }
        return trimmed(bestStarts[bestStarts.count / 2], scalars)
    }

    /// Where windows may start: each word (after whitespace), and in long runs without spaces (Chinese, Thai) every
    /// 20 scalars; at most about 100 of them, evenly spread, so a long chunk costs no more than a short one.
    func candidateStarts(_ scalars: [Unicode.Scalar]) -> [Int] {
        var starts: [Int] = []
        var last = -100
        for index in scalars.indices where !scalars[index].properties.isWhitespace {
            let wordStart = index == 0 || scalars[index - 1].properties.isWhitespace
            if wordStart || index - last >= 20 {
                starts.append(index)
                last = index
            }
        }
        guard starts.count > 100 else { return starts }
        let step = Double(starts.count) / 100
        return (0..<100).map { starts[Int(Double($0) * step)] }
    }

    /// The end of the window from `start`: `width` scalars on, moved back to the last whitespace when that keeps
    /// most of the window (so no word is cut), never past the chunk.
    func end(from start: Int, in scalars: [Unicode.Scalar]) -> Int {
        let limit = min(scalars.count, start + width)
        guard limit < scalars.count else { return limit }
        var end = limit
        while end > start + width / 2, !scalars[end].properties.isWhitespace { end -= 1 }
        return end > start + width / 2 ? end : limit
    }

    /// The window from `start` with trailing whitespace left out.
    func trimmed(_ start: Int, _ scalars: [Unicode.Scalar]) -> Range<Int> {
        var end = self.end(from: start, in: scalars)
        while end > start, scalars[end - 1].properties.isWhitespace { end -= 1 }
        return start..<end
    }
}
