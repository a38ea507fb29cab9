import CICU

/// ICU sentence boundaries of a text, in Unicode-scalar offsets.
public enum SentenceBoundaries {
    /// The sentence ranges of `text` (whitespace after a sentence belongs to it, as ICU reports it).
    public static func sentences(in text: String, locale: String = "") -> [Range<Int>] {
        TextBreaks.spans(
            CICU_BREAK_SENTENCE, locale: locale, in: text, from: text.startIndex, to: text.endIndex, startOffset: 0
        )
        .map { $0.start..<$0.end }
    }

    /// The sentences of `text` that `range` touches, joined into one range and trimmed of surrounding whitespace;
    /// `range` itself when ICU finds no sentences.
    public static func sentence(around range: Range<Int>, in text: String, locale: String = "") -> Range<Int> {
        let touched = sentences(in: text, locale: locale).filter {
            $0.lowerBound < range.upperBound && range.lowerBound < $0.upperBound
                || ($0.lowerBound == range.lowerBound && range.isEmpty)
        }
        guard let first = touched.first, let last = touched.last else { return range }
        let scalars = Array(text.unicodeScalars)
        var lower = first.lowerBound
        var upper = last.upperBound
        while lower < min(range.lowerBound, upper), scalars[lower].properties.isWhitespace { lower += 1 }
        while upper > max(range.upperBound, lower), scalars[upper - 1].properties.isWhitespace { upper -= 1 }
        return lower..<upper
    }
}
