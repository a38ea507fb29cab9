import Foundation
import TestSupport
import Testing

import Tokenizers

/// Paths and fixture loading shared by the golden tests.
enum Fixtures {
    /// `Tests/TokenizersTests/Fixtures` in the source tree.
    static let directory = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures")
    /// The package root.
    static let packageRoot = directory.deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()
    /// `../shared` relative to the package root.
    static let shared = packageRoot.deletingLastPathComponent().appendingPathComponent("shared")
    static let xlmrDirectory = shared.appendingPathComponent("models/xlmr-tokenizer")

    static let languages = ["ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh"]

    /// A gzip'd JSON fixture as Foundation objects.
    static func json(_ name: String) throws -> [String: Any] {
        let data = try Gzip.decompress(try Data(contentsOf: directory.appendingPathComponent(name)))
        guard let object = try JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            throw Gzip.Failure(description: "\(name) is not a JSON object")
        }
        return object
    }

    /// XQuAD contexts, questions and (question, context) index pairs of one language, in file order.
    static func xquad(_ language: String) throws -> (contexts: [String], questions: [String], pairs: [(Int, Int)]) {
        let url = shared.appendingPathComponent("data/xquad/xquad.\(language).json")
        let root = try JSONSerialization.jsonObject(with: Data(contentsOf: url)) as? [String: Any]
        var contexts: [String] = []
        var questions: [String] = []
        var pairs: [(Int, Int)] = []
        for article in root?["data"] as? [[String: Any]] ?? [] {
            for paragraph in article["paragraphs"] as? [[String: Any]] ?? [] {
                contexts.append(paragraph["context"] as? String ?? "")
                for qa in paragraph["qas"] as? [[String: Any]] ?? [] {
                    pairs.append((questions.count, contexts.count - 1))
                    questions.append(qa["question"] as? String ?? "")
                }
            }
        }
        return (contexts, questions, pairs)
    }
}

/// Flat golden encodings: `ids`, delta-coded `offsets` (start − previous end, end − start), delta-coded word ids
/// `words` (word − previous word) and per-text `lengths`.
struct FlatGoldens {
    let ids: [Int32]
    let offsets: [Int]
    let words: [Int]
    let lengths: [Int]

    init(_ object: Any?) {
        let dictionary = object as? [String: Any] ?? [:]
        ids = (dictionary["ids"] as? [Int] ?? []).map { Int32($0) }
        offsets = dictionary["offsets"] as? [Int] ?? []
        words = dictionary["words"] as? [Int] ?? []
        lengths = dictionary["lengths"] as? [Int] ?? []
    }

    /// The golden encodings, one per text (no special tokens; tokens are not stored).
    var encodings: [(ids: ArraySlice<Int32>, offsets: [Range<Int>], wordIds: [Int?])] {
        var result: [(ArraySlice<Int32>, [Range<Int>], [Int?])] = []
        var start = 0
        for length in lengths {
            var offsets: [Range<Int>] = []
            var wordIds: [Int?] = []
            var previous = 0
            var word = 0
            for k in start..<(start + length) {
                let lower = previous + self.offsets[2 * k]
                previous = lower + self.offsets[2 * k + 1]
                offsets.append(lower..<previous)
                // A file without word ids yields no ids, so the comparison fails rather than passes.
                if k < words.count {
                    word += words[k]
                    wordIds.append(word)
                }
            }
            result.append((ids[start..<(start + length)], offsets, wordIds))
            start += length
        }
        return result
    }
}

/// A fully stored golden encoding (hard set).
struct FullGolden {
    let ids: [Int32]
    let tokens: [String]
    let offsets: [Range<Int>]
    /// `Encoding.word_ids` (`nil` for special tokens).
    let wordIds: [Int?]
    /// The reference's `decode(ids, skip_special_tokens=True)` and `(…, False)`.
    let decoded: String?
    let decodedWithSpecialTokens: String?

    init(_ object: Any?) {
        let dictionary = object as? [String: Any] ?? [:]
        ids = (dictionary["ids"] as? [Int] ?? []).map { Int32($0) }
        tokens = dictionary["tokens"] as? [String] ?? []
        offsets = (dictionary["offsets"] as? [[Int]] ?? []).map { $0[0]..<$0[1] }
        wordIds = (dictionary["word_ids"] as? [Any] ?? []).map { $0 as? Int }
        decoded = dictionary["decoded"] as? String
        decodedWithSpecialTokens = dictionary["decoded_special"] as? String
    }
}

/// Checks a tokenizer against a golden file: singles, pair windows and the hard set. Returns how many
/// encodings (texts and windows) were compared.
struct GoldenChecker {
    let tokenizer: any Tokenizer
    let pipeline: TokenizerPipeline
    /// Template layout of a pair window: special ids before the question, between, and after the context.
    let prefix: [Int32]
    let middle: [Int32]
    let suffix: [Int32]

    /// Compares every text of `texts` with `golden`; returns the encodings so pair checks can reuse them.
    func checkSingles(_ texts: [String], _ golden: FlatGoldens, label: String) -> [Encoding] {
        let expected = golden.encodings
        #expect(expected.count == texts.count, "\(label): golden count")
        var encodings: [Encoding] = []
        var mismatches = 0
        for (i, text) in texts.enumerated() {
            let encoding = pipeline.encodeSequence(text)
            encodings.append(encoding)
            guard i < expected.count else { continue }
            if encoding.ids != Array(expected[i].ids) || encoding.offsets != expected[i].offsets
                || encoding.wordIds != expected[i].wordIds
            {
                mismatches += 1
                if mismatches <= 3 {
                    Issue.record(
                        "\(label) #\(i) differs: \(String(text.prefix(80)).debugDescription)\n got ids \(encoding.ids.prefix(40)) offsets \(encoding.offsets.prefix(20)) words \(encoding.wordIds.prefix(20))\nwant ids \(Array(expected[i].ids.prefix(40))) offsets \(expected[i].offsets.prefix(20)) words \(expected[i].wordIds.prefix(20))"
                    )
                }
            }
        }
        #expect(mismatches == 0, "\(label): \(mismatches) of \(texts.count) encodings differ")
        return encodings
    }

    /// Rebuilds every reference window from the golden question/context encodings and compares it with the
    /// windows computed from the (already checked) encodings. Returns the number of windows compared.
    func checkPairs(
        _ flat: [Int], questions: [Encoding], contexts: [Encoding], goldenQuestions: FlatGoldens,
        goldenContexts: FlatGoldens, label: String
    ) -> Int {
        let gq = goldenQuestions.encodings
        let gc = goldenContexts.encodings
        var p = 0
        var windows = 0
        var mismatches = 0
        while p + 3 <= flat.count {
            let (qi, ci, count) = (flat[p], flat[p + 1], flat[p + 2])
            p += 3
            var expected: [Encoding] = []
            for _ in 0..<count {
                let (a, b) = (flat[p], flat[p + 1])
                p += 2
                var ids =
                    prefix + Array(gq[qi].ids) + middle
                    + Array(gc[ci].ids[(gc[ci].ids.startIndex + a)..<(gc[ci].ids.startIndex + b)]) + suffix
                var offsets = Array(repeating: 0..<0, count: prefix.count) + gq[qi].offsets
                offsets += Array(repeating: 0..<0, count: middle.count) + Array(gc[ci].offsets[a..<b])
                offsets += Array(repeating: 0..<0, count: suffix.count)
                var sequenceIds: [Int?] =
                    Array(repeating: nil, count: prefix.count) + Array(repeating: 0, count: gq[qi].ids.count)
                sequenceIds += Array(repeating: nil, count: middle.count) + Array(repeating: 1, count: b - a)
                sequenceIds += Array(repeating: nil, count: suffix.count)
                // Each sequence counts words from 0; a window keeps the context's word ids.
                var wordIds: [Int?] = Array(repeating: nil, count: prefix.count) + gq[qi].wordIds
                wordIds += Array(repeating: nil, count: middle.count) + Array(gc[ci].wordIds[a..<b])
                wordIds += Array(repeating: nil, count: suffix.count)
                expected.append(
                    Encoding(ids: ids, tokens: [], offsets: offsets, sequenceIds: sequenceIds, wordIds: wordIds))
                ids.removeAll()
            }
            let got = pipeline.windows(first: questions[qi], second: contexts[ci], maxLength: 384, stride: 128)
            windows += count
            let same =
                got.count == expected.count
                && zip(got, expected).allSatisfy {
                    $0.ids == $1.ids && $0.offsets == $1.offsets && $0.sequenceIds == $1.sequenceIds
                        && $0.wordIds == $1.wordIds
                }
            if !same {
                mismatches += 1
                if mismatches <= 3 {
                    Issue.record("\(label) pair q\(qi)/c\(ci): \(got.count) windows, want \(expected.count)")
                }
            }
        }
        #expect(mismatches == 0, "\(label): \(mismatches) pairs differ")
        return windows
    }

    /// Hard set: ids, tokens and offsets with special tokens, through the public API. Returns the count.
    func checkHard(_ hard: [String: Any], label: String) -> Int {
        let texts = hard["texts"] as? [String] ?? []
        let goldens = (hard["encodings"] as? [Any] ?? []).map(FullGolden.init)
        #expect(texts.count == goldens.count && !texts.isEmpty)
        var mismatches = 0
        var decodeMismatches = 0
        for (text, golden) in zip(texts, goldens) {
            let encoding = tokenizer.encode(text, addSpecialTokens: true)
            let decoded = tokenizer.decode(golden.ids, skipSpecialTokens: true)
            let decodedWithSpecialTokens = tokenizer.decode(golden.ids, skipSpecialTokens: false)
            if decoded != golden.decoded || decodedWithSpecialTokens != golden.decodedWithSpecialTokens {
                decodeMismatches += 1
                if decodeMismatches <= 3 {
                    Issue.record(
                        "\(label) decode of \(String(text.prefix(40)).debugDescription): got \(decoded.prefix(60).debugDescription) / \(decodedWithSpecialTokens.prefix(60).debugDescription), want \((golden.decoded ?? "").prefix(60).debugDescription) / \((golden.decodedWithSpecialTokens ?? "").prefix(60).debugDescription)"
                    )
                }
            }
            if encoding.ids != golden.ids || encoding.offsets != golden.offsets || encoding.tokens != golden.tokens
                || encoding.wordIds != golden.wordIds
            {
                mismatches += 1
                if mismatches <= 5 {
                    Issue.record(
                        "\(label) hard text \(String(text.prefix(60)).debugDescription)\n got \(Array(zip(encoding.tokens, encoding.offsets).prefix(30))) words \(encoding.wordIds.prefix(30))\nwant \(Array(zip(golden.tokens, golden.offsets).prefix(30))) words \(golden.wordIds.prefix(30))"
                    )
                }
            }
        }
        #expect(mismatches == 0, "\(label): \(mismatches) of \(texts.count) hard texts differ")
        #expect(decodeMismatches == 0, "\(label): \(decodeMismatches) of \(texts.count) decodes differ")
        return texts.count
    }

    /// Hard pairs with several window sizes, through the public `encodePair`.
    func checkHardPairs(_ pairs: [Any], label: String) -> Int {
        var windows = 0
        for case let pair as [String: Any] in pairs {
            let question = pair["question"] as? String ?? ""
            let context = pair["context"] as? String ?? ""
            let maxLength = pair["max_length"] as? Int ?? 384
            let stride = pair["stride"] as? Int ?? 128
            let expected = (pair["windows"] as? [[String: Any]] ?? []).map { w in
                Encoding(
                    ids: (w["ids"] as? [Int] ?? []).map { Int32($0) }, tokens: [],
                    offsets: (w["offsets"] as? [[Int]] ?? []).map { $0[0]..<$0[1] },
                    sequenceIds: (w["sequence_ids"] as? [Any] ?? []).map { $0 as? Int },
                    wordIds: (w["word_ids"] as? [Any] ?? []).map { $0 as? Int })
            }
            let got = tokenizer.encodePair(question, context, maxLength: maxLength, stride: stride)
            windows += expected.count
            #expect(
                got.count == expected.count, "\(label) \(maxLength)/\(stride) \(question.prefix(20).debugDescription)")
            for (g, e) in zip(got, expected) {
                #expect(
                    g.ids == e.ids && g.offsets == e.offsets && g.sequenceIds == e.sequenceIds
                        && g.wordIds == e.wordIds,
                    "\(label) window of \(question.prefix(20).debugDescription) / \(context.prefix(20).debugDescription) (\(maxLength)/\(stride))"
                )
            }
        }
        return windows
    }
}

/// A decoded golden file shared by a suite's parallel tests; immutable after loading, hence safe to share.
final class GoldenFile: @unchecked Sendable {
    let object: [String: Any]?

    init(_ name: String) { object = try? Fixtures.json(name) }

    subscript(key: String) -> Any? { object?[key] }
}
