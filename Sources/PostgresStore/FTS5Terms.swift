/// Splits a chunk's stored search terms into the tokens SQLite FTS5's `unicode61` tokenizer (with
/// `remove_diacritics 0`) makes of them, so PostgreSQL's BM25 counts the same term frequencies and lengths: letters,
/// numbers, private-use characters and the Latin diacritics are token characters, everything else separates, and
/// case is folded. The piece terms `p1234` are single tokens either way. FTS5's Unicode tables are older than
/// Swift's: a character Unicode added since (new emoji, scripts) may split differently.
enum FTS5Terms {
    /// The tokens of `terms`, in order.
    static func tokens(_ terms: String) -> [String] {
        var tokens: [String] = []
        var current = String.UnicodeScalarView()
        for scalar in terms.unicodeScalars {
            if isTokenCharacter(scalar) {
                current.append(folded(scalar))
            } else if !current.isEmpty {
                tokens.append(String(current))
                current = String.UnicodeScalarView()
            }
        }
        if !current.isEmpty { tokens.append(String(current)) }
        return tokens
    }

    /// Term frequencies and the token count of `terms`.
    static func frequencies(_ terms: String) -> (counts: [String: Int], length: Int) {
        let tokens = tokens(terms)
        var counts: [String: Int] = [:]
        for token in tokens { counts[token, default: 0] += 1 }
        return (counts, tokens.count)
    }

    /// The combining marks unicode61 keeps inside tokens: the Latin diacritics its `remove_diacritics` option
    /// knows (read off SQLite 3.40's FTS5 with fts5vocab), so a lowercased `İ` (`i` + U+0307) stays one token.
    static let keptDiacritics: Set<UInt32> = [
        0x300, 0x301, 0x302, 0x303, 0x304, 0x306, 0x307, 0x308, 0x309, 0x30A, 0x30B, 0x30C, 0x30F, 0x311, 0x31B,
        0x323, 0x324, 0x325, 0x326, 0x327, 0x328, 0x32D, 0x32E, 0x330, 0x331,
    ]

    private static func isTokenCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if keptDiacritics.contains(scalar.value) { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter, .decimalNumber,
            .letterNumber, .otherNumber, .privateUse:
            return true
        default:
            return false
        }
    }

    /// FTS5 folds case character by character (simple case folding: `Σ`, `σ` and final `ς` all become `σ`); a
    /// character whose folding is several characters is left as it is.
    private static func folded(_ scalar: Unicode.Scalar) -> Unicode.Scalar {
        guard scalar.value >= 0x41 else { return scalar }
        if scalar.value < 0x80 {
            return (0x41...0x5A).contains(scalar.value) ? Unicode.Scalar(scalar.value + 0x20) ?? scalar : scalar
        }
        if scalar == "\u{3C2}" { return "\u{3C3}" }  // final sigma, the one simple folding lowercase lacks
        let lower = scalar.properties.lowercaseMapping.unicodeScalars
        guard lower.count == 1, let first = lower.first else { return scalar }
        return first
    }
}
