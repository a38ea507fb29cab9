/// One added token from `tokenizer.json` (`added_tokens`).
public struct AddedToken: Sendable, Equatable {
    /// The token text.
    public var content: String
    /// Its id.
    public var id: Int32
    /// Whether it is a special token (skipped by `decode(skipSpecialTokens: true)`).
    public var special: Bool
    /// Whether whitespace on its left is absorbed into the match.
    public var leftStrip: Bool
    /// Whether whitespace on its right is absorbed into the match.
    public var rightStrip: Bool
    /// Whether it only matches as a whole word.
    public var singleWord: Bool

    /// Creates an added token.
    public init(
        content: String, id: Int32, special: Bool, leftStrip: Bool = false, rightStrip: Bool = false,
        singleWord: Bool = false
    ) {
        self.content = content
        self.id = id
        self.special = special
        self.leftStrip = leftStrip
        self.rightStrip = rightStrip
        self.singleWord = singleWord
    }
}

/// Finds added tokens in raw text, leftmost-longest and non-overlapping, as the reference's Aho-Corasick
/// matcher does, then applies `lstrip`/`rstrip`/`single_word`.
package struct AddedVocabulary: Sendable {
    package let tokens: [AddedToken]
    private let patterns: [[UInt32]]
    private let firstScalars: Set<UInt32>
    private let byId: [Int32: Int]

    package init(tokens: [AddedToken]) {
        self.tokens = tokens
        patterns = tokens.map { $0.content.unicodeScalars.map(\.value) }
        firstScalars = Set(patterns.compactMap(\.first))
        var byId: [Int32: Int] = [:]
        for (i, t) in tokens.enumerated() { byId[t.id] = i }
        self.byId = byId
    }

    package func token(for id: Int32) -> AddedToken? { byId[id].map { tokens[$0] } }

    /// Matched added tokens: (token index, scalar range in `text` including stripped whitespace).
    package func matches(in text: [UInt32]) -> [(Int, Range<Int>)] {
        guard !patterns.isEmpty else { return [] }
        var result: [(Int, Range<Int>)] = []
        var i = 0
        let n = text.count
        var consumed = 0
        while i < n {
            guard firstScalars.contains(text[i]) else {
                i += 1
                continue
            }
            var best = -1
            var bestLength = 0
            for (k, pattern) in patterns.enumerated() where pattern.count > bestLength && i + pattern.count <= n {
                if text[i..<(i + pattern.count)].elementsEqual(pattern) {
                    best = k
                    bestLength = pattern.count
                }
            }
            guard best >= 0 else {
                i += 1
                continue
            }
            var start = i
            var stop = i + bestLength
            let token = tokens[best]
            if token.singleWord {
                let startSpace = start == 0 || !Self.isWordCharacter(text[start - 1])
                let stopSpace = stop == n || !Self.isWordCharacter(text[stop])
                if !startSpace || !stopSpace {
                    i += 1
                    continue
                }
            }
            if token.leftStrip {
                while start > consumed, UnicodeTables.isWhitespace(text[start - 1]) { start -= 1 }
            }
            if token.rightStrip {
                while stop < n, UnicodeTables.isWhitespace(text[stop]) { stop += 1 }
            }
            result.append((best, start..<stop))
            consumed = stop
            i = stop
        }
        return result
    }

    private static func isWordCharacter(_ c: UInt32) -> Bool {
        guard let scalar = Unicode.Scalar(c) else { return false }
        let p = scalar.properties
        return p.isAlphabetic || p.numericType != nil || c == 0x5F || p.generalCategory == .nonspacingMark
    }
}
