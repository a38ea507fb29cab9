import Foundation

/// A `tokenizer.json` pre-tokenizer: may edit the normalized text, then splits it into words.
package enum PreTokenizer: Sendable {
    /// SentencePiece's Metaspace: spaces become `replacement`, which is prepended per `prependScheme`, and
    /// the text is split before every `replacement` (`MergedWithNext`).
    case metaspace(replacement: UInt32, prependScheme: PrependScheme, split: Bool)
    /// BERT: split on whitespace (removed) and punctuation (isolated).
    case bert
    /// Split on whitespace only (removed).
    case whitespaceSplit
    /// Each pre-tokenizer applied to every split of the previous one (e.g. `WhitespaceSplit, Metaspace`).
    case sequence([PreTokenizer])

    /// When Metaspace adds the replacement in front of a piece.
    package enum PrependScheme: Sendable {
        case always, first, never
    }

    /// Pre-tokenizes `text` into splits, each a text with its word ranges (a sequence slices the text per word,
    /// as the reference gives every split its own normalized string).
    package func splits(_ text: NormalizedText) -> [(NormalizedText, [Range<Int>])] {
        guard case .sequence(let stages) = self else {
            var t = text
            let words = apply(&t)
            return [(t, words)]
        }
        var current: [(NormalizedText, [Range<Int>])] = [(text, text.isEmpty ? [] : [0..<text.count])]
        for stage in stages {
            var next: [(NormalizedText, [Range<Int>])] = []
            for (t, words) in current {
                for word in words {
                    next.append(contentsOf: stage.splits(t.slice(word)))
                }
            }
            current = next
        }
        return current
    }

    /// Pre-tokenizes `text` in place and returns word ranges (normalized scalar indices), none empty.
    package func apply(_ text: inout NormalizedText) -> [Range<Int>] {
        switch self {
        case .sequence:
            // Only reached for a sequence nested in a sequence; `splits` handles it.
            return text.isEmpty ? [] : [0..<text.count]
        case .metaspace(let replacement, let scheme, let split):
            for i in 0..<text.count where text.scalars[i] == 0x20 { text.scalars[i] = replacement }
            if let first = text.scalars.first, first != replacement {
                let prepend: Bool
                switch scheme {
                case .always: prepend = true
                case .first: prepend = text.origin == 0
                case .never: prepend = false
                }
                if prepend {
                    text.scalars.insert(replacement, at: 0)
                    text.starts.insert(text.starts[0], at: 0)
                    text.ends.insert(text.ends[0], at: 0)
                }
            }
            guard !text.isEmpty else { return [] }
            guard split else { return [0..<text.count] }
            var ranges: [Range<Int>] = []
            var start = 0
            for i in 1..<max(1, text.count) where text.scalars[i] == replacement {
                ranges.append(start..<i)
                start = i
            }
            ranges.append(start..<text.count)
            return ranges
        case .bert:
            return Self.split(
                text.scalars, removing: UnicodeTables.isWhitespace, isolating: UnicodeTables.isBertPunctuation)
        case .whitespaceSplit:
            return Self.split(text.scalars, removing: UnicodeTables.isWhitespace, isolating: { _ in false })
        }
    }

    private static func split(_ scalars: [UInt32], removing: (UInt32) -> Bool, isolating: (UInt32) -> Bool)
        -> [Range<Int>]
    {
        var ranges: [Range<Int>] = []
        var start = 0
        for i in 0..<scalars.count {
            let c = scalars[i]
            if removing(c) {
                if start < i { ranges.append(start..<i) }
                start = i + 1
            } else if isolating(c) {
                if start < i { ranges.append(start..<i) }
                ranges.append(i..<(i + 1))
                start = i + 1
            }
        }
        if start < scalars.count { ranges.append(start..<scalars.count) }
        return ranges
    }
}

/// A `tokenizer.json` decoder: token strings back to text.
package enum Decoder: Sendable {
    /// Metaspace: `replacement` becomes a space, except in the first token when a prefix was prepended.
    case metaspace(replacement: Unicode.Scalar, dropInFirstToken: Bool)
    /// WordPiece: continuation prefixes glue to the previous token, other tokens get a space; optional cleanup.
    case wordPiece(prefix: String, cleanup: Bool)

    package func decode(_ tokens: [String]) -> String {
        switch self {
        case .metaspace(let replacement, let dropInFirstToken):
            var out = ""
            for (i, token) in tokens.enumerated() {
                for scalar in token.unicodeScalars {
                    if scalar == replacement {
                        if !(i == 0 && dropInFirstToken) { out.unicodeScalars.append(" ") }
                    } else {
                        out.unicodeScalars.append(scalar)
                    }
                }
            }
            return out
        case .wordPiece(let prefix, let cleanup):
            var out = ""
            for (i, token) in tokens.enumerated() {
                var piece = token
                if i != 0 {
                    if piece.utf8.starts(with: prefix.utf8) {
                        piece = String(decoding: piece.utf8.dropFirst(prefix.utf8.count), as: UTF8.self)
                    } else {
                        piece = " " + piece
                    }
                }
                if cleanup { piece = Self.cleanup(piece) }
                out += piece
            }
            return out
        }
    }

    private static func cleanup(_ text: String) -> String {
        var s = text
        for (from, to) in [
            (" .", "."), (" ?", "?"), (" !", "!"), (" ,", ","), (" ' ", "'"), (" n't", "n't"), (" 'm", "'m"),
            (" do not", " don't"), (" 's", "'s"), (" 've", "'ve"), (" 're", "'re"),
        ] {
            s = s.replacingOccurrences(of: from, with: to)
        }
        return s
    }
}
