import CICU

/// Measures text in model tokens, so that chunks fit the reader's window.
///
/// Adapter point: the XLM-R tokenizer (module Tokenizers) conforms with
/// `tokenizer.encode(String(text), addSpecialTokens: false).ids.count`.
public protocol TokenCounter: Sendable {
    /// The number of tokens `text` encodes to, without special tokens.
    func tokenCount(_ text: Substring) -> Int
}

/// A deterministic stand-in for a subword tokenizer: each whitespace-separated word costs one token per started
/// 4 UTF-8 bytes. That is close to XLM-R for English (about 4 characters a token) and Chinese (3 bytes a character,
/// about 0.75 tokens a character), and errs on the generous side for Cyrillic, Thai and Devanagari, so chunks sized
/// with it fit the real tokenizer's budget.
public struct UTF8LengthTokenCounter: TokenCounter {
    /// Creates the counter.
    public init() {}

    /// Σ over words of ⌈UTF-8 bytes / 4⌉.
    public func tokenCount(_ text: Substring) -> Int {
        var tokens = 0
        var wordBytes = 0
        for byte in text.utf8 {
            if byte == 0x20 || byte == 0x0A || byte == 0x09 || byte == 0x0D {
                tokens += (wordBytes + 3) / 4
                wordBytes = 0
            } else {
                wordBytes += 1
            }
        }
        return tokens + (wordBytes + 3) / 4
    }
}

/// Turns text into the words the BM25 index stores for it.
///
/// Adapter point: the XLM-R tokenizer gives the measured-best terms for scripts without spaces, its piece ids
/// rendered as ASCII words: `tokenizer.encode(text, addSpecialTokens: false).ids.map { "p\($0)" }`.
public protocol SearchTermizer: Sendable {
    /// Names the kind of terms (for example `xlmr-pieces`), stored with an index so that queries are made the same
    /// way as its chunks were; change it whenever the terms of the same text change.
    var identifier: String { get }

    /// The terms of `text`, in order, repeats kept (BM25 counts them).
    func terms(_ text: String) -> [String]
}

/// Words by ICU word boundaries (dictionary-based for Thai, Chinese, Japanese, Khmer...), lowercased; spaces and
/// punctuation are left out.
public struct WordTermizer: SearchTermizer {
    /// Creates the termizer.
    public init() {}

    /// `icu-words-lowercase-v1`.
    public var identifier: String { "icu-words-lowercase-v1" }

    /// The lowercased ICU words of `text`.
    public func terms(_ text: String) -> [String] {
        TextBreaks.spans(
            CICU_BREAK_WORD, locale: "", in: text, from: text.startIndex, to: text.endIndex, startOffset: 0
        )
        .filter { $0.status >= 100 }
        .map { String(text.unicodeScalars[$0.lower..<$0.upper]).lowercased() }
    }
}
