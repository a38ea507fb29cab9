import Testing
import Tokenizers

@Suite("Unigram Viterbi segmentation")
struct UnigramModelTests {
    /// The reference's own doc example: the best path, with unknown characters fused into one token.
    @Test("best path and fused unknowns")
    func bestPath() {
        let pieces = ["<unk>", "a", "b", "c", "d", "cd", "ab", "abc", "abcd"]
        let scores: [Double] = [0, 0, 0, 0, 0, 1, 2, 5, 10]
        let model = UnigramModel(pieces: pieces, scores: scores, unknownId: 0, byteFallback: false)
        let text = Array("abcdacdxx".utf8)
        var scratch = UnigramScratch()
        let segments = text.withUnsafeBufferPointer { model.segment($0, scratch: &scratch) }
        let strings = segments.map { String(decoding: text[$0.1], as: UTF8.self) }
        #expect(strings == ["abcd", "a", "cd", "xx"])
        #expect(segments.map(\.0) == [8, 1, 5, 0])
    }

    /// "ab" (−2) reaches the end first, from position 0; "a"+"b" (−2) arrives later and does not win the tie.
    @Test("ties keep the first candidate found, like the reference")
    func ties() {
        let model = UnigramModel(
            pieces: ["<unk>", "a", "b", "ab"], scores: [0, -1, -1, -2], unknownId: 0, byteFallback: false)
        let text = Array("ab".utf8)
        var scratch = UnigramScratch()
        let segments = text.withUnsafeBufferPointer { model.segment($0, scratch: &scratch) }
        #expect(segments.map(\.0) == [3])
    }

    @Test("multi-byte characters are never split")
    func multiByte() {
        let model = UnigramModel(pieces: ["<unk>", "é"], scores: [0, -1], unknownId: 0, byteFallback: false)
        let text = Array("éü".utf8)
        var scratch = UnigramScratch()
        let segments = text.withUnsafeBufferPointer { model.segment($0, scratch: &scratch) }
        #expect(segments.map(\.1) == [0..<2, 2..<4])
        #expect(segments.map(\.0) == [1, 0])
    }
}
