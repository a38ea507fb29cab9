import Foundation

/// A candidate answer span in token positions of one window, with its pipeline score.
public struct SpanCandidate: Sendable, Equatable, Hashable {
    /// First token of the span.
    public var startToken: Int
    /// Last token of the span (inclusive).
    public var endToken: Int
    /// `P(start) * P(end)` with per-window softmax probabilities (float32, as the pipeline).
    public var score: Float

    /// Creates a candidate.
    public init(startToken: Int, endToken: Int, score: Float) {
        self.startToken = startToken
        self.endToken = endToken
        self.score = score
    }
}

/// The decoded spans of one window.
public struct WindowDecoding: Sendable, Equatable {
    /// Best spans first (score descending, then start token, then end token).
    public var candidates: [SpanCandidate]
    /// `P(start = 0) * P(end = 0)`: the window's null-answer score (`min_null_score` candidate).
    public var nullScore: Float
}

/// Per-window span decoding identical to transformers' `select_starts_ends` + `decode_spans` (4.57.6).
///
/// Masks every token that is neither context nor the classifier token to -10000, takes a float32
/// softmax over start and end logits separately, records the null score from token 0, zeroes token 0
/// and returns the `topK` best spans `start <= end < start + maxAnswerLength` by `P(start) * P(end)`.
///
/// One deliberate difference: NumPy's top-k also returns spans of probability exactly 0 when fewer than
/// `topK` spans have a non-zero score (which ones is up to `argpartition`), and the pipeline turns those
/// into empty or reversed answers with score 0. They are never returned here.
public struct SpanDecoder: Sendable, Equatable {
    /// Longest answer in tokens (the pipeline's `max_answer_len`, default 15).
    public var maxAnswerLength: Int

    /// Creates a decoder; `maxAnswerLength` must be at least 1.
    public init(maxAnswerLength: Int = 15) throws(ReaderError) {
        guard maxAnswerLength >= 1 else {
            throw .invalidOption(name: "maxAnswerLength", value: maxAnswerLength, minimum: 1)
        }
        self.maxAnswerLength = maxAnswerLength
    }

    /// Start and end probabilities after masking and softmax, before token 0 is zeroed.
    public func probabilities(of window: ReaderWindow) throws(ReaderError) -> (start: [Float], end: [Float]) {
        try window.validate()
        let masked = { (logits: [Float]) -> [Float] in
            logits.indices.map { window.isSelectable($0) ? logits[$0] : -10000 }
        }
        return (NumPyFloat32.softmax(masked(window.startLogits)), NumPyFloat32.softmax(masked(window.endLogits)))
    }

    /// The `topK` best spans of `window` and its null score.
    public func decode(_ window: ReaderWindow, topK: Int) throws(ReaderError) -> WindowDecoding {
        guard topK >= 1 else { throw .invalidOption(name: "topK", value: topK, minimum: 1) }
        var (start, end) = try probabilities(of: window)
        let nullScore = start[0] * end[0]
        start[0] = 0
        end[0] = 0
        let n = start.count
        var best = TopSpans(capacity: topK)
        for i in 0..<n where start[i] > 0 && window.isSelectable(i) {
            let last = min(n - 1, i + maxAnswerLength - 1)
            for j in i...last where window.isSelectable(j) {
                let score = start[i] * end[j]
                if score > 0 { best.offer(SpanCandidate(startToken: i, endToken: j, score: score)) }
            }
        }
        return WindowDecoding(candidates: best.sorted, nullScore: nullScore)
    }
}

/// The `capacity` best candidates seen so far: score descending, ties by flat index `(start, end)`
/// ascending, which is `np.argmax`'s order and the order NumPy's sorts give ties in practice.
struct TopSpans {
    let capacity: Int
    private(set) var sorted: [SpanCandidate] = []

    init(capacity: Int) {
        self.capacity = capacity
        sorted.reserveCapacity(capacity + 1)
    }

    /// Candidates arrive in increasing flat index, so an equal score never displaces an earlier one.
    mutating func offer(_ candidate: SpanCandidate) {
        if sorted.count == capacity, let last = sorted.last, candidate.score <= last.score { return }
        var index = sorted.count
        while index > 0 && sorted[index - 1].score < candidate.score { index -= 1 }
        sorted.insert(candidate, at: index)
        if sorted.count > capacity { sorted.removeLast() }
    }
}
