import CICU

/// One chunk of a document: a run of whole sentences (or pieces of an over-long one) within the token budget.
public struct TextChunk: Sendable, Equatable {
    /// Position in the document, from 0.
    public var ordinal: Int
    /// The text: exactly the document's scalars `startOffset..<endOffset`.
    public var text: String
    /// Start offset in Unicode scalars (Python `str` index).
    public var startOffset: Int
    /// End offset (exclusive) in Unicode scalars.
    public var endOffset: Int
    /// Tokens in `text` by the chunker's counter.
    public var tokenCount: Int
}

/// How the chunker sizes chunks.
public struct ChunkerConfiguration: Sendable, Equatable {
    /// Largest chunk in tokens. The default 316 = 384 (the reader's window) − 64 (the longest question the
    /// transformers QA pipeline keeps, `max_question_len`) − 4 (XLM-R pair specials `<s> q </s></s> c </s>`),
    /// so that every chunk fits one reader window whole, next to any question.
    public var tokenBudget: Int
    /// Sentences repeated from the end of one chunk at the start of the next, so an answer that spans a chunk border
    /// is whole in one of them (dropped when they would not leave room for a new sentence).
    public var overlapSentences: Int
    /// Scalars handed to ICU at a time: bounds the memory of chunking a large document.
    public var windowScalars: Int

    /// The defaults: 316 tokens, 1 sentence of overlap, 32,768-scalar ICU windows.
    public static let `default` = ChunkerConfiguration()

    /// Creates a configuration.
    public init(tokenBudget: Int = 316, overlapSentences: Int = 1, windowScalars: Int = 32_768) {
        self.tokenBudget = max(1, tokenBudget)
        self.overlapSentences = max(0, overlapSentences)
        self.windowScalars = max(256, windowScalars)
    }
}

/// Splits text into sentence-aligned chunks within a token budget.
///
/// Sentences come from ICU (in bounded windows, so a 50 MB text never needs a UTF-16 copy of itself); they are packed
/// greedily until the next would pass the budget (sentence counts are added, then the final chunk is measured
/// exactly: a subword tokenizer may merge across a sentence border, so a chunk can rarely be a token or two over).
/// A sentence over the budget is cut at ICU word boundaries, and a word over the budget at character boundaries.
/// Chunk text has no leading or trailing whitespace, and its offsets slice it back out of the text exactly.
public struct Chunker: Sendable {
    /// Measures tokens.
    public var counter: any TokenCounter
    /// Sizes.
    public var configuration: ChunkerConfiguration

    /// Creates a chunker.
    public init(counter: any TokenCounter, configuration: ChunkerConfiguration = .default) {
        self.counter = counter
        self.configuration = configuration
    }

    /// All chunks of `text`; `language` (a BCP 47 code) tunes ICU's sentence rules.
    public func chunks(of text: String, language: String? = nil) -> [TextChunk] {
        var result: [TextChunk] = []
        forEachChunk(of: text, language: language) { result.append($0) }
        return result
    }

    /// Calls `body` with each chunk in order, holding only the current chunk's sentences in memory.
    public func forEachChunk(of text: String, language: String? = nil, _ body: (TextChunk) throws -> Void) rethrows {
        var packer = Packer(text: text, counter: counter, configuration: configuration)
        let locale = language ?? ""
        var pending: [TextChunk] = []
        try forEachSentence(of: text, locale: locale) { sentence in
            packer.add(sentence, locale: locale) { pending.append($0) }
            for chunk in pending { try body(chunk) }
            pending.removeAll(keepingCapacity: true)
        }
        packer.finish { pending.append($0) }
        for chunk in pending { try body(chunk) }
    }

    /// ICU sentences of `text`, found window by window: all but the last sentence of a window are final; the last
    /// one starts the next window, unless the window is the end of the text.
    func forEachSentence(of text: String, locale: String, _ body: (TextSpan) throws -> Void) rethrows {
        let scalars = text.unicodeScalars
        var lower = scalars.startIndex
        var offset = 0
        while lower < scalars.endIndex {
            let upper =
                scalars.index(lower, offsetBy: configuration.windowScalars, limitedBy: scalars.endIndex)
                ?? scalars.endIndex
            let atEnd = upper == scalars.endIndex
            var sentences = TextBreaks.spans(
                CICU_BREAK_SENTENCE, locale: locale, in: text, from: lower, to: upper, startOffset: offset)
            if !atEnd {
                if sentences.count > 1 {
                    sentences.removeLast()
                } else {
                    // One sentence fills the window: cut it at the window's last word boundary (or the window end).
                    let words = TextBreaks.spans(
                        CICU_BREAK_WORD, locale: locale, in: text, from: lower, to: upper, startOffset: offset)
                    if words.count > 1, let last = words.dropLast().last {
                        sentences = [TextSpan(lower: lower, upper: last.upper, start: offset, end: last.end)]
                    }
                }
            }
            for sentence in sentences { try body(sentence) }
            guard let last = sentences.last else { break }
            lower = last.upper
            offset = last.end
        }
    }
}

/// Greedy packing of sentence units into chunks with sentence overlap.
struct Packer {
    struct Unit {
        var span: TextSpan
        var tokens: Int
    }

    let text: String
    let counter: any TokenCounter
    let configuration: ChunkerConfiguration
    var units: [Unit] = []
    var tokens = 0
    var ordinal = 0
    /// Units of the current chunk that are overlap from the previous one: a chunk of only overlap is not emitted.
    var overlapCount = 0

    init(text: String, counter: any TokenCounter, configuration: ChunkerConfiguration) {
        self.text = text
        self.counter = counter
        self.configuration = configuration
    }

    func count(_ span: TextSpan) -> Int {
        counter.tokenCount(Substring(text.unicodeScalars[span.lower..<span.upper]))
    }

    mutating func add(_ sentence: TextSpan, locale: String, emit: (TextChunk) -> Void) {
        guard let trimmed = trim(sentence) else { return }
        let tokens = count(trimmed)
        if tokens <= configuration.tokenBudget {
            add(Unit(span: sentence, tokens: tokens), emit: emit)
            return
        }
        for piece in split(trimmed, locale: locale) { add(piece, emit: emit) }
    }

    mutating func add(_ unit: Unit, emit: (TextChunk) -> Void) {
        if !units.isEmpty, tokens + unit.tokens > configuration.tokenBudget {
            flush(emit: emit)
            // Carry the overlap, dropping its oldest sentences until the new unit fits beside it.
            var carried = Array(units.suffix(configuration.overlapSentences))
            while !carried.isEmpty, carried.reduce(0, { $0 + $1.tokens }) + unit.tokens > configuration.tokenBudget {
                carried.removeFirst()
            }
            units = carried
            tokens = carried.reduce(0) { $0 + $1.tokens }
            overlapCount = carried.count
        }
        units.append(unit)
        tokens += unit.tokens
    }

    mutating func finish(emit: (TextChunk) -> Void) {
        if units.count > overlapCount { flush(emit: emit) }
        units.removeAll()
    }

    mutating func flush(emit: (TextChunk) -> Void) {
        guard let first = units.first, let last = units.last,
            let span = trim(
                TextSpan(lower: first.span.lower, upper: last.span.upper, start: first.span.start, end: last.span.end))
        else { return }
        let chunkText = String(text.unicodeScalars[span.lower..<span.upper])
        emit(
            TextChunk(
                ordinal: ordinal, text: chunkText, startOffset: span.start, endOffset: span.end,
                tokenCount: counter.tokenCount(Substring(chunkText))))
        ordinal += 1
    }

    /// The span without leading and trailing whitespace, or nil when it is all whitespace.
    func trim(_ span: TextSpan) -> TextSpan? {
        let scalars = text.unicodeScalars
        var result = span
        while result.lower < result.upper, scalars[result.lower].properties.isWhitespace {
            scalars.formIndex(after: &result.lower)
            result.start += 1
        }
        while result.lower < result.upper {
            let before = scalars.index(before: result.upper)
            guard scalars[before].properties.isWhitespace else { break }
            result.upper = before
            result.end -= 1
        }
        return result.lower < result.upper ? result : nil
    }

    /// An over-long sentence as pieces within the budget: ICU words packed greedily; a word over the budget is cut
    /// into runs of characters that fit.
    func split(_ sentence: TextSpan, locale: String) -> [Unit] {
        let budget = configuration.tokenBudget
        let words = TextBreaks.spans(
            CICU_BREAK_WORD, locale: locale, in: text, from: sentence.lower, to: sentence.upper,
            startOffset: sentence.start)
        var pieces: [Unit] = []
        var current: TextSpan?
        var currentTokens = 0
        func close() {
            if let span = current, let trimmed = trim(span) {
                pieces.append(Unit(span: trimmed, tokens: count(trimmed)))
            }
            current = nil
            currentTokens = 0
        }
        for word in words {
            let wordTokens = count(word)
            if wordTokens > budget {
                close()
                pieces += cut(word)
                continue
            }
            if current != nil, currentTokens + wordTokens > budget { close() }
            if var span = current {
                span.upper = word.upper
                span.end = word.end
                current = span
            } else {
                current = word
            }
            currentTokens += wordTokens
        }
        close()
        return pieces
    }

    /// A word over the budget in runs of grapheme clusters, each within the budget (halving the run until it fits).
    func cut(_ word: TextSpan) -> [Unit] {
        let scalars = text.unicodeScalars
        var pieces: [Unit] = []
        var lower = word.lower
        var start = word.start
        var length = configuration.tokenBudget
        while lower < word.upper {
            var upper = lower
            var end = start
            var characters = 0
            // Advance by whole characters (grapheme clusters) when possible.
            while characters < length, upper < word.upper {
                let next = min(text.index(after: upper), word.upper)
                end += scalars.distance(from: upper, to: next)
                upper = next
                characters += 1
            }
            let span = TextSpan(lower: lower, upper: upper, start: start, end: end)
            let tokens = count(span)
            if tokens > configuration.tokenBudget, length > 1 {
                length = max(1, length / 2)
                continue
            }
            if let trimmed = trim(span) { pieces.append(Unit(span: trimmed, tokens: count(trimmed))) }
            lower = upper
            start = end
        }
        return pieces
    }
}
