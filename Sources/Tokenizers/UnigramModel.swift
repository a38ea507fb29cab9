/// SentencePiece Unigram: the best-scoring segmentation (Viterbi) over vocabulary pieces, as the reference's
/// optimized encoder computes it (ties keep the first candidate; unknown characters cost min score − 10 and
/// consecutive unknowns fuse into one token).
public struct UnigramModel: Sendable {
    /// Vocabulary pieces by id.
    public let pieces: [String]
    /// Log-probability scores by id.
    public let scores: [Double]
    /// The unknown token id.
    public let unknownId: Int32
    /// Whether unknown pieces become `<0xXX>` byte tokens.
    public let byteFallback: Bool
    private let trie: Trie
    private let unknownScore: Double
    private let byteTokenIds: [Int32]

    /// Builds the model and its trie.
    public init(pieces: [String], scores: [Double], unknownId: Int32, byteFallback: Bool) {
        self.pieces = pieces
        self.scores = scores
        self.unknownId = unknownId
        self.byteFallback = byteFallback
        trie = Trie(strings: pieces, values: (0..<pieces.count).map { Int32($0) })
        unknownScore = (scores.min() ?? 0) - 10
        var byteIds = [Int32](repeating: -1, count: 256)
        if byteFallback {
            for b in 0..<256 {
                let name = "<0x" + String(b, radix: 16, uppercase: true).leftPadded(to: 2) + ">"
                byteIds[b] = trie.value(for: name.utf8) ?? -1
            }
        }
        byteTokenIds = byteIds
    }

    /// The id of a piece, if it is in the vocabulary.
    public func id(of piece: String) -> Int32? { trie.value(for: piece.utf8) }

    /// Segments `utf8` (one pre-tokenized piece). Returned ranges are byte ranges into `utf8`.
    package func segment(_ utf8: UnsafeBufferPointer<UInt8>, scratch: inout UnigramScratch) -> [(Int32, Range<Int>)] {
        let size = utf8.count
        guard size > 0 else { return [] }
        scratch.prepare(size + 1)
        var result: [(Int32, Range<Int>)] = []
        scores.withUnsafeBufferPointer { scores in
            scratch.score.withUnsafeMutableBufferPointer { best in
                scratch.start.withUnsafeMutableBufferPointer { from in
                    scratch.id.withUnsafeMutableBufferPointer { ids in
                        best[0] = 0
                        for k in 0...size { from[k] = -1 }
                        var startsAt = 0
                        while startsAt < size {
                            let here = best[startsAt]
                            let lead = utf8[startsAt]
                            let charLength = lead < 0x80 ? 1 : lead < 0xE0 ? 2 : lead < 0xF0 ? 3 : 4
                            var hasSingle = false
                            trie.forEachPrefix(of: utf8, from: startsAt) { id, length in
                                let target = startsAt + length
                                let candidate = scores[Int(id)] + here
                                if from[target] < 0 || candidate > best[target] {
                                    best[target] = candidate
                                    from[target] = Int32(startsAt)
                                    ids[target] = id
                                }
                                if length == charLength { hasSingle = true }
                            }
                            if !hasSingle {
                                let target = Swift.min(startsAt + charLength, size)
                                let candidate = unknownScore + here
                                if from[target] < 0 || candidate > best[target] {
                                    best[target] = candidate
                                    from[target] = Int32(startsAt)
                                    ids[target] = unknownId
                                }
                            }
                            startsAt += charLength
                        }
                        var end = size
                        var unknownEnd = -1
                        while end > 0 {
                            let start = Int(from[end])
                            guard start >= 0 else { break }
                            if ids[end] == unknownId {
                                if unknownEnd < 0 { unknownEnd = end }
                            } else {
                                if unknownEnd >= 0 {
                                    result.append((unknownId, end..<unknownEnd))
                                    unknownEnd = -1
                                }
                                result.append((ids[end], start..<end))
                            }
                            end = start
                        }
                        if unknownEnd >= 0 { result.append((unknownId, 0..<unknownEnd)) }
                    }
                }
            }
        }
        result.reverse()
        return result
    }

    /// Turns a segmentation into tokens: unknown spans are looked up again as a whole (the reference maps the
    /// fused text through its token map) and optionally split into byte-fallback tokens.
    package func tokens(
        _ utf8: UnsafeBufferPointer<UInt8>, _ segments: [(Int32, Range<Int>)], into output: inout [ModelTokenBytes]
    ) {
        for (id, range) in segments {
            if id != unknownId {
                output.append(ModelTokenBytes(id: id, token: nil, range: range))
                continue
            }
            let slice = UnsafeBufferPointer(rebasing: utf8[range])
            if let known = trie.value(for: slice) {
                output.append(ModelTokenBytes(id: known, token: nil, range: range))
                continue
            }
            if byteFallback, slice.allSatisfy({ byteTokenIds[Int($0)] >= 0 }) {
                for b in slice {
                    output.append(ModelTokenBytes(id: byteTokenIds[Int(b)], token: nil, range: range))
                }
                continue
            }
            output.append(ModelTokenBytes(id: unknownId, token: String(decoding: slice, as: UTF8.self), range: range))
        }
    }
}

/// A model token over UTF-8 byte offsets of its piece; `token` is set only when it differs from the piece.
package struct ModelTokenBytes: Sendable {
    package var id: Int32
    package var token: String?
    package var range: Range<Int>
}

/// Reusable Viterbi buffers.
package struct UnigramScratch {
    var score: [Double] = []
    var start: [Int32] = []
    var id: [Int32] = []

    package init() {}

    package mutating func prepare(_ count: Int) {
        if score.count < count {
            score = [Double](repeating: 0, count: count)
            start = [Int32](repeating: -1, count: count)
            id = [Int32](repeating: 0, count: count)
        }
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}
