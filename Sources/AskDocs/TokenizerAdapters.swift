import Ingest
import Tokenizers

/// The retriever's tokenizer as the chunker's token counter: chunk budgets are measured in the model's own tokens.
public struct TokenizerTokenCounter: TokenCounter {
    /// The model tokenizer (XLM-R SentencePiece for multilingual-e5 and the reader).
    public let tokenizer: any Tokenizer

    /// Wraps a tokenizer.
    public init(tokenizer: any Tokenizer) {
        self.tokenizer = tokenizer
    }

    /// Tokens of `text` without special tokens.
    public func tokenCount(_ text: Substring) -> Int {
        tokenizer.encode(String(text), addSpecialTokens: false).ids.count
    }
}

/// BM25 terms from a SentencePiece tokenizer: the pieces of the case-folded text, dropping pieces with no letter or
/// digit (`▁`, punctuation), each written as its id (`p1234`) so FTS5's unicode61 tokenizer keeps it whole.
///
/// This is the rule `scripts/reference/retrieval_reference.py` applies (`tokenizer.tokenize(text.casefold())`), so
/// BM25 figures compare with the Python reference. On XQuAD it beats ICU words, and works for Chinese and Thai.
public struct PieceTermizer: SearchTermizer {
    /// The tokenizer whose pieces are the terms.
    public let tokenizer: any Tokenizer

    /// Wraps a tokenizer.
    public init(tokenizer: any Tokenizer) {
        self.tokenizer = tokenizer
    }

    /// `sentencepiece-casefold-v1/<vocabulary size>`: pieces of a different vocabulary are different terms.
    public var identifier: String { "sentencepiece-casefold-v1/\(tokenizer.vocabularySize)" }

    /// The `p<id>` terms of `text`, in order, repeats kept.
    public func terms(_ text: String) -> [String] {
        let encoding = tokenizer.encode(CaseFolding.fold(text), addSpecialTokens: false)
        var terms: [String] = []
        terms.reserveCapacity(encoding.ids.count)
        for (id, token) in zip(encoding.ids, encoding.tokens) where Self.hasLetterOrDigit(token) {
            terms.append("p\(id)")
        }
        return terms
    }

    static func hasLetterOrDigit(_ piece: String) -> Bool {
        piece.unicodeScalars.contains { scalar in
            switch scalar.properties.generalCategory {
            case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
                .decimalNumber, .letterNumber, .otherNumber:
                true
            default: false
            }
        }
    }
}

/// Python's `str.casefold()` for the text AskDocs indexes: lower-casing plus the full case foldings that differ from
/// lower case in the scripts XQuAD covers (German ß, Greek final sigma and dialytika-tonos letters).
enum CaseFolding {
    static func fold(_ text: String) -> String {
        let lower = text.lowercased()
        guard lower.unicodeScalars.contains(where: { special[$0.value] != nil }) else { return lower }
        var scalars = String.UnicodeScalarView()
        for scalar in lower.unicodeScalars {
            if let replacement = special[scalar.value] {
                scalars.append(contentsOf: replacement.unicodeScalars)
            } else {
                scalars.append(scalar)
            }
        }
        return String(scalars)
    }

    /// CaseFolding.txt full (F) and special (S) mappings where they differ from the lower-case mapping.
    static let special: [UInt32: String] = [
        0x00DF: "ss",  // ß
        0x03C2: "\u{03C3}",  // ς → σ
        0x0390: "\u{03B9}\u{0308}\u{0301}",  // ΐ
        0x03B0: "\u{03C5}\u{0308}\u{0301}",  // ΰ
        0x0149: "\u{02BC}n",  // ŉ
        0x01F0: "j\u{030C}",  // ǰ
        0x1E96: "h\u{0331}", 0x1E97: "t\u{0308}", 0x1E98: "w\u{030A}", 0x1E99: "y\u{030A}", 0x1E9A: "a\u{02BE}",
        0xFB00: "ff", 0xFB01: "fi", 0xFB02: "fl", 0xFB03: "ffi", 0xFB04: "ffl", 0xFB05: "st", 0xFB06: "st",
    ]
}
