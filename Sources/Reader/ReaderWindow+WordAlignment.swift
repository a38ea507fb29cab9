import Foundation

extension ReaderWindow {
    /// The character span of word `word` among this window's context tokens: Hugging Face
    /// `Encoding.word_to_chars(word, sequence_index=1)`, which only sees the tokens inside the window.
    func contextCharacters(ofWord word: Int) -> Range<Int>? {
        var first: Int?
        var last: Int?
        for index in sequenceIds.indices where sequenceIds[index] == 1 {
            // `word_to_tokens` stops at the first token of a later word (`take_while w <= word`).
            if let current = wordIds[index] {
                if current > word { break }
                if current == word {
                    if first == nil { first = index }
                    last = index
                }
            }
        }
        guard let first, let last else { return nil }
        return offsets[first].lowerBound..<offsets[last].upperBound
    }

    /// The pipeline's `get_indices`: the character span of tokens `start...end`, widened to whole words
    /// when `alignToWords` and both tokens belong to a word of the context, else token offsets.
    /// The result may be reversed (`lower > upper`) exactly where the pipeline's is.
    func pipelineCharacterSpan(start: Int, end: Int, alignToWords: Bool) -> (lower: Int, upper: Int) {
        if alignToWords, let startWord = wordIds[start], let endWord = wordIds[end],
            let startChars = contextCharacters(ofWord: startWord), let endChars = contextCharacters(ofWord: endWord)
        {
            return (startChars.lowerBound, endChars.upperBound)
        }
        return (offsets[start].lowerBound, offsets[end].upperBound)
    }
}
