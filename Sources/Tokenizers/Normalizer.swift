import Foundation

/// A `tokenizer.json` normalizer, applied to each piece of text between added tokens.
package indirect enum Normalizer: Sendable {
    case sequence([Normalizer])
    case precompiled(PrecompiledCharsMap)
    case replace(ReplacePattern, content: [UInt32])
    case strip(left: Bool, right: Bool)
    case bert(cleanText: Bool, handleChineseChars: Bool, stripAccents: Bool, lowercase: Bool)
    case lowercase
    case nfd
    case stripAccents

    /// Normalizes `text` in place, keeping alignments as the reference does.
    package func apply(_ text: inout NormalizedText) {
        switch self {
        case .sequence(let normalizers):
            for normalizer in normalizers { normalizer.apply(&text) }
        case .precompiled(let map):
            map.normalize(&text)
        case .replace(let pattern, let content):
            Self.replace(&text, pattern: pattern, content: content)
        case .strip(let left, let right):
            Self.strip(&text, left: left, right: right)
        case .bert(let cleanText, let handleChineseChars, let stripAccents, let lowercase):
            if cleanText {
                text.filter { c in !(c == 0 || c == 0xFFFD || UnicodeTables.isBertControl(c)) }
                text.flatMap { c in UnicodeTables.isBertWhitespace(c) ? [0x20] : nil }
            }
            if handleChineseChars {
                text.flatMap { c in UnicodeTables.isChineseChar(c) ? [0x20, c, 0x20] : nil }
            }
            if stripAccents { Self.stripAccents(&text) }
            if lowercase { Self.lowercase(&text) }
        case .lowercase:
            Self.lowercase(&text)
        case .nfd:
            text.flatMap(UnicodeTables.canonicalDecomposition)
        case .stripAccents:
            text.filter { !UnicodeTables.isNonspacingMark($0) }
        }
    }

    private static func stripAccents(_ text: inout NormalizedText) {
        text.flatMap(UnicodeTables.canonicalDecomposition)
        text.filter { !UnicodeTables.isNonspacingMark($0) }
    }

    private static func lowercase(_ text: inout NormalizedText) {
        text.flatMap { c in
            if c < 0x80 {
                return (c >= 0x41 && c <= 0x5A) ? [c + 32] : nil
            }
            return UnicodeTables.lowercaseMapping(c)
        }
    }

    /// The reference's `NormalizedString::replace`: every match is dropped and `content` is inserted with the
    /// alignment of the match's last scalar.
    private static func replace(_ text: inout NormalizedText, pattern: ReplacePattern, content: [UInt32]) {
        let matches = pattern.matches(in: text.scalars)
        guard !matches.isEmpty else { return }
        var scalars = [UInt32]()
        var starts = [Int32]()
        var ends = [Int32]()
        scalars.reserveCapacity(text.count)
        starts.reserveCapacity(text.count)
        ends.reserveCapacity(text.count)
        var last = 0
        for match in matches {
            scalars.append(contentsOf: text.scalars[last..<match.lowerBound])
            starts.append(contentsOf: text.starts[last..<match.lowerBound])
            ends.append(contentsOf: text.ends[last..<match.lowerBound])
            let anchor = match.upperBound - 1
            for c in content {
                scalars.append(c)
                starts.append(text.starts[anchor])
                ends.append(text.ends[anchor])
            }
            last = match.upperBound
        }
        scalars.append(contentsOf: text.scalars[last...])
        starts.append(contentsOf: text.starts[last...])
        ends.append(contentsOf: text.ends[last...])
        text.scalars = scalars
        text.starts = starts
        text.ends = ends
    }

    private static func strip(_ text: inout NormalizedText, left: Bool, right: Bool) {
        var lower = 0
        var upper = text.count
        if left { while lower < upper, UnicodeTables.isWhitespace(text.scalars[lower]) { lower += 1 } }
        if right { while upper > lower, UnicodeTables.isWhitespace(text.scalars[upper - 1]) { upper -= 1 } }
        guard lower > 0 || upper < text.count else { return }
        text.scalars = Array(text.scalars[lower..<upper])
        text.starts = Array(text.starts[lower..<upper])
        text.ends = Array(text.ends[lower..<upper])
    }
}

/// What a `Replace` normalizer matches: a literal string, or one scalar repeated at least `minimum` times
/// (the regexes `X{n,}` and `X+` that SentencePiece conversions use).
package enum ReplacePattern: Sendable, Equatable {
    case literal([UInt32])
    case repeated(UInt32, minimum: Int)

    /// Leftmost non-overlapping matches.
    package func matches(in scalars: [UInt32]) -> [Range<Int>] {
        var result: [Range<Int>] = []
        switch self {
        case .literal(let needle):
            guard let first = needle.first else { return [] }
            var i = 0
            let n = scalars.count
            while i + needle.count <= n {
                if scalars[i] == first, scalars[i..<(i + needle.count)].elementsEqual(needle) {
                    result.append(i..<(i + needle.count))
                    i += needle.count
                } else {
                    i += 1
                }
            }
        case .repeated(let scalar, let minimum):
            var i = 0
            let n = scalars.count
            while i < n {
                guard scalars[i] == scalar else {
                    i += 1
                    continue
                }
                var j = i
                while j < n, scalars[j] == scalar { j += 1 }
                if j - i >= minimum { result.append(i..<j) }
                i = j
            }
        }
        return result
    }

    /// Parses the `pattern` of a `Replace` normalizer (`{"String": …}` or a simple `{"Regex": …}`).
    package static func parse(string: String?, regex: String?) -> ReplacePattern? {
        if let string { return .literal(string.unicodeScalars.map(\.value)) }
        guard let regex else { return nil }
        let scalars = Array(regex.unicodeScalars)
        // One literal scalar (possibly escaped) followed by `+` or `{n,}`.
        var index = 0
        var literal: UInt32
        guard !scalars.isEmpty else { return nil }
        if scalars[0] == "\\" {
            guard scalars.count >= 2 else { return nil }
            switch scalars[1] {
            case "s", "d", "w", "S", "D", "W", "b", "B": return nil
            case "t": literal = 9
            case "n": literal = 10
            default: literal = scalars[1].value
            }
            index = 2
        } else {
            guard !"()[]{}.*+?|^$".unicodeScalars.contains(scalars[0]) else { return nil }
            literal = scalars[0].value
            index = 1
        }
        let rest = String(String.UnicodeScalarView(scalars[index...]))
        if rest.isEmpty { return .literal([literal]) }
        if rest == "+" { return .repeated(literal, minimum: 1) }
        if rest.hasPrefix("{"), rest.hasSuffix(",}"), let n = Int(rest.dropFirst().dropLast(2)), n >= 1 {
            return .repeated(literal, minimum: n)
        }
        return nil
    }
}
