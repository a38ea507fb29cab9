import Foundation

/// Unicode character classes the reference normalizers and pre-tokenizers use, on raw scalar values.
package enum UnicodeTables {
    /// Rust's `char::is_whitespace` (the White_Space property).
    @inline(__always) package static func isWhitespace(_ c: UInt32) -> Bool {
        if c < 0x80 { return c == 0x20 || (c >= 0x09 && c <= 0x0D) }
        guard let scalar = Unicode.Scalar(c) else { return false }
        return scalar.properties.isWhitespace
    }

    /// BertNormalizer's whitespace: tab, newline, carriage return, or White_Space.
    package static func isBertWhitespace(_ c: UInt32) -> Bool { isWhitespace(c) }

    /// BertNormalizer's control (removed by clean_text): the reference's "other" class (Cc, Cf, Co, …) from its
    /// own Unicode tables, except tab, newline and carriage return.
    package static func isBertControl(_ c: UInt32) -> Bool {
        if c == 0x09 || c == 0x0A || c == 0x0D { return false }
        if c < 0x80 { return c < 0x20 || c == 0x7F }
        return contains(bertControl, c)
    }

    /// The CJK ideograph blocks BERT surrounds with spaces.
    package static func isChineseChar(_ c: UInt32) -> Bool {
        switch c {
        case 0x4E00...0x9FFF, 0x3400...0x4DBF, 0x20000...0x2A6DF, 0x2A700...0x2B73F, 0x2B740...0x2B81F,
            0x2B920...0x2CEAF, 0xF900...0xFAFF, 0x2F800...0x2FA1F:
            return true
        default:
            return false
        }
    }

    /// BertPreTokenizer's punctuation: ASCII punctuation or a Unicode P* category.
    package static func isBertPunctuation(_ c: UInt32) -> Bool {
        if c < 0x80 {
            return (c >= 0x21 && c <= 0x2F) || (c >= 0x3A && c <= 0x40) || (c >= 0x5B && c <= 0x60)
                || (c >= 0x7B && c <= 0x7E)
        }
        return contains(bertPunctuation, c)
    }

    /// General category Mn, as the reference's tables define it.
    package static func isNonspacingMark(_ c: UInt32) -> Bool {
        if c < 0x300 { return false }
        return contains(bertNonspacingMark, c)
    }

    /// Binary search in sorted, disjoint ranges.
    static func contains(_ ranges: [ClosedRange<UInt32>], _ c: UInt32) -> Bool {
        var lo = 0
        var hi = ranges.count
        while lo < hi {
            let mid = (lo + hi) / 2
            if ranges[mid].upperBound < c {
                lo = mid + 1
            } else if ranges[mid].lowerBound > c {
                hi = mid
            } else {
                return true
            }
        }
        return false
    }

    /// The canonical decomposition (NFD) of one scalar, or `nil` when it is its own decomposition.
    package static func canonicalDecomposition(_ c: UInt32) -> [UInt32]? {
        if c < 0xC0 { return nil }
        guard let scalar = Unicode.Scalar(c) else { return nil }
        let decomposed = String(Character(scalar)).decomposedStringWithCanonicalMapping.unicodeScalars.map(\.value)
        return decomposed == [c] ? nil : decomposed
    }

    /// Rust's `char::to_lowercase` (full, context-free lowercase mapping).
    package static func lowercaseMapping(_ c: UInt32) -> [UInt32]? {
        guard let scalar = Unicode.Scalar(c), scalar.properties.changesWhenLowercased else { return nil }
        return scalar.properties.lowercaseMapping.unicodeScalars.map(\.value)
    }

    @inline(__always) package static func utf8Length(_ c: UInt32) -> Int {
        c < 0x80 ? 1 : c < 0x800 ? 2 : c < 0x10000 ? 3 : 4
    }

    /// Writes the UTF-8 encoding of `c` at `position`, returning the byte count.
    @inline(__always) package static func encodeUTF8(_ c: UInt32, into buffer: inout [UInt8], at position: Int) -> Int {
        if c < 0x80 {
            buffer[position] = UInt8(c)
            return 1
        } else if c < 0x800 {
            buffer[position] = UInt8(0xC0 | (c >> 6))
            buffer[position + 1] = UInt8(0x80 | (c & 0x3F))
            return 2
        } else if c < 0x10000 {
            buffer[position] = UInt8(0xE0 | (c >> 12))
            buffer[position + 1] = UInt8(0x80 | ((c >> 6) & 0x3F))
            buffer[position + 2] = UInt8(0x80 | (c & 0x3F))
            return 3
        } else {
            buffer[position] = UInt8(0xF0 | (c >> 18))
            buffer[position + 1] = UInt8(0x80 | ((c >> 12) & 0x3F))
            buffer[position + 2] = UInt8(0x80 | ((c >> 6) & 0x3F))
            buffer[position + 3] = UInt8(0x80 | (c & 0x3F))
            return 4
        }
    }
}
