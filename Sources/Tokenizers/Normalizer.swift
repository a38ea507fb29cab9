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

extension PrecompiledCharsMap {
    /// Applies the charsmap per extended grapheme cluster as the reference's `Precompiled` normalizer does:
    /// a cluster shorter than 6 UTF-8 bytes is looked up whole first, otherwise (or when it has no rule) each
    /// scalar is looked up alone. Alignments follow the reference's `replace` bookkeeping, quirks included
    /// (a removal is charged to the previous output scalar).
    package func normalize(_ text: inout NormalizedText) {
        let n = text.count
        guard n > 0 else { return }
        var outScalars = [UInt32]()
        var changes = [Int]()
        outScalars.reserveCapacity(n + 8)
        changes.reserveCapacity(n + 8)
        var modified = false
        var utf8 = [UInt8](repeating: 0, count: 8)

        func replace(oldCount: Int, with replacement: [Unicode.Scalar]) {
            modified = true
            for r in replacement {
                outScalars.append(r.value)
                changes.append(0)
            }
            let diff = replacement.count - oldCount
            if diff > 0 {
                var k = changes.count - 1
                for _ in 0..<diff where k >= 0 {
                    changes[k] = 1
                    k -= 1
                }
            } else if diff < 0, !changes.isEmpty {
                changes[changes.count - 1] += diff
            }
        }

        func lookupSingle(_ c: UInt32) -> [Unicode.Scalar]? {
            if c < 0x80 { return asciiReplacement(c) }
            let length = UnicodeTables.encodeUTF8(c, into: &utf8, at: 0)
            return utf8.withUnsafeBufferPointer { transform(UnsafeBufferPointer(rebasing: $0[0..<length])) }
        }

        var i = 0
        let scalars = text.scalars
        while i < n {
            let c = scalars[i]
            // Between two ASCII scalars there is always a grapheme break, except CR LF.
            if c < 0x80, i + 1 == n || (scalars[i + 1] < 0x80 && !(c == 0x0D && scalars[i + 1] == 0x0A)) {
                if let replacement = asciiReplacement(c) {
                    replace(oldCount: 1, with: replacement)
                } else {
                    outScalars.append(c)
                    changes.append(0)
                }
                i += 1
                continue
            }
            // A run that needs real grapheme segmentation: up to the next ASCII scalar that follows an ASCII
            // scalar other than CR, where a cluster break is certain.
            var m = i + 1
            while m < n, !(scalars[m] < 0x80 && scalars[m - 1] < 0x80 && scalars[m - 1] != 0x0D) { m += 1 }
            if m <= i { m = i + 1 }
            var run = String()
            run.unicodeScalars.append(contentsOf: scalars[i..<m].lazy.map { Unicode.Scalar($0) ?? "\u{FFFD}" })
            for cluster in run {
                let clusterCount = cluster.unicodeScalars.count
                var byteCount = 0
                for k in i..<(i + clusterCount) { byteCount += UnicodeTables.utf8Length(scalars[k]) }
                var done = false
                if byteCount < 6 {
                    var p = 0
                    for k in i..<(i + clusterCount) { p += UnicodeTables.encodeUTF8(scalars[k], into: &utf8, at: p) }
                    let found = utf8.withUnsafeBufferPointer { transform(UnsafeBufferPointer(rebasing: $0[0..<p])) }
                    if let replacement = found {
                        replace(oldCount: clusterCount, with: replacement)
                        done = true
                    }
                }
                if !done {
                    for k in i..<(i + clusterCount) {
                        if let replacement = lookupSingle(scalars[k]) {
                            replace(oldCount: 1, with: replacement)
                        } else {
                            outScalars.append(scalars[k])
                            changes.append(0)
                        }
                    }
                }
                i += clusterCount
            }
        }
        if modified { text.transform(outScalars, changes, initialOffset: 0) }
    }
}
