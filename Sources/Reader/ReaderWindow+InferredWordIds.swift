import Foundation

extension ReaderWindow {
    /// Word ids for a window whose tokenizer does not report them, inferred the way a SentencePiece
    /// `Metaspace` pre-tokenizer (XLM-R, `split=true`) forms words: a context token whose first character
    /// is whitespace starts a new word (the "▁" piece carries the space), any other token continues the
    /// word of the context token before it. Question and special tokens get `nil` (word alignment only
    /// looks at the context). The numbering is per window, which is all `align_to_words` needs; it is
    /// not the global numbering of Hugging Face's `Encoding.word_ids`.
    ///
    /// Not valid for BERT WordPiece tokenizers, whose pre-tokenizer also splits punctuation into words.
    public static func inferredWordIds(offsets: [Range<Int>], sequenceIds: [Int?], context: String) -> [Int?] {
        let text = ScalarText(context)
        var wordIds = [Int?](repeating: nil, count: offsets.count)
        var current = -1
        for index in offsets.indices where index < sequenceIds.count && sequenceIds[index] == 1 {
            let start = offsets[index].lowerBound
            let startsWord =
                current < 0
                || (start < text.count && !offsets[index].isEmpty
                    && SQuADNormalizer.isPythonWhitespace(text.scalars[start]))
            if startsWord { current += 1 }
            wordIds[index] = current
        }
        return wordIds
    }
}
