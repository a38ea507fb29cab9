import Foundation

/// SentencePiece's precompiled normalization rules (`precompiled_charsmap`): a Darts double-array trie over
/// UTF-8 keys whose values point into a blob of NUL-terminated replacement strings.
///
/// Lookups follow sentencepiece's normalizer and the `spm_precompiled` crate the reference uses, including
/// its quirk of taking the *shortest* key that prefixes the queried chunk.
public struct PrecompiledCharsMap: Sendable {
    private let units: [UInt32]
    private let normalized: [UInt8]
    /// Replacement strings decoded once per blob offset (the blob has a few thousand entries).
    private let replacements: [Int32: [Unicode.Scalar]]
    /// The rule for each single ASCII scalar, the hot path.
    private var asciiTable: [[Unicode.Scalar]?] = []

    /// Parses the binary charsmap: `u32 trie byte size`, the trie units, then the replacement blob.
    public init(data: [UInt8]) throws(PrecompiledCharsMapError) {
        guard data.count >= 4 else { throw .truncated }
        let trieSize = Int(UInt32(data[0]) | UInt32(data[1]) << 8 | UInt32(data[2]) << 16 | UInt32(data[3]) << 24)
        guard trieSize % 4 == 0, 4 + trieSize <= data.count, trieSize >= 4 else { throw .truncated }
        var units = [UInt32](repeating: 0, count: trieSize / 4)
        for i in 0..<units.count {
            let p = 4 + i * 4
            units[i] =
                UInt32(data[p]) | UInt32(data[p + 1]) << 8 | UInt32(data[p + 2]) << 16 | UInt32(data[p + 3]) << 24
        }
        let blob = Array(data[(4 + trieSize)...])
        guard String(validating: blob, as: UTF8.self) != nil else { throw .invalidUTF8 }
        self.units = units
        self.normalized = blob
        var replacements: [Int32: [Unicode.Scalar]] = [:]
        var start = 0
        while start < blob.count {
            var end = start
            while end < blob.count, blob[end] != 0 { end += 1 }
            let text = String(decoding: blob[start..<end], as: UTF8.self)
            replacements[Int32(start)] = Array(text.unicodeScalars)
            start = end + 1
        }
        self.replacements = replacements
        var table: [[Unicode.Scalar]?] = []
        for b in 0..<128 {
            let byte = [UInt8(b)]
            table.append(byte.withUnsafeBufferPointer { transform($0) })
        }
        asciiTable = table
    }

    /// The rule for one ASCII scalar.
    @inline(__always) package func asciiReplacement(_ c: UInt32) -> [Unicode.Scalar]? { asciiTable[Int(c)] }

    /// Parses the base64 `precompiled_charsmap` of a `tokenizer.json` Precompiled normalizer.
    public init(base64: String) throws(PrecompiledCharsMapError) {
        guard let data = Data(base64Encoded: base64) else { throw .invalidBase64 }
        try self.init(data: [UInt8](data))
    }

    /// The replacement for `chunk` (UTF-8), or `nil` when no key prefixes it.
    public func transform(_ chunk: UnsafeBufferPointer<UInt8>) -> [Unicode.Scalar]? {
        guard let value = firstPrefixValue(chunk) else { return nil }
        if let cached = replacements[value] { return cached }
        // A value pointing into the middle of an entry (allowed by the format): decode on the fly.
        // A malformed trie can point past the blob; slicing there would trap.
        guard Int(value) < normalized.count else { return nil }
        var end = Int(value)
        while end < normalized.count, normalized[end] != 0 { end += 1 }
        return Array(String(decoding: normalized[Int(value)..<end], as: UTF8.self).unicodeScalars)
    }

    /// The value of the shortest trie key that is a prefix of `key` (the reference's `results[0]`).
    private func firstPrefixValue(_ key: UnsafeBufferPointer<UInt8>) -> Int32? {
        units.withUnsafeBufferPointer { array -> Int32? in
            let count = array.count
            var nodePos = 0
            var unit = array[0]
            nodePos ^= Self.offset(unit)
            for c in key {
                if c == 0 { break }
                nodePos ^= Int(c)
                guard nodePos < count else { return nil }
                unit = array[nodePos]
                if Self.label(unit) != UInt32(c) { return nil }
                nodePos ^= Self.offset(unit)
                if Self.hasLeaf(unit) {
                    guard nodePos < count else { return nil }
                    return Int32(truncatingIfNeeded: array[nodePos] & ((1 << 31) - 1))
                }
            }
            return nil
        }
    }

    @inline(__always) private static func hasLeaf(_ unit: UInt32) -> Bool { (unit >> 8) & 1 == 1 }
    @inline(__always) private static func label(_ unit: UInt32) -> UInt32 { unit & ((1 << 31) | 0xFF) }
    @inline(__always) private static func offset(_ unit: UInt32) -> Int {
        Int((unit >> 10) << ((unit & (1 << 9)) >> 6))
    }
}

/// Why a `precompiled_charsmap` could not be parsed.
public enum PrecompiledCharsMapError: LocalizedError, Sendable, Equatable {
    /// The `tokenizer.json` string is not base64.
    case invalidBase64
    /// The trie size is missing, not a multiple of 4, or larger than the data.
    case truncated
    /// The replacement strings after the trie are not UTF-8.
    case invalidUTF8

    /// One line, lower case, for inclusion in `TokenizerError`'s message.
    public var errorDescription: String? {
        switch self {
        case .invalidBase64: "precompiled_charsmap is not valid base64"
        case .truncated: "precompiled_charsmap is truncated (its trie size does not fit the data)"
        case .invalidUTF8: "precompiled_charsmap's replacement strings are not valid UTF-8"
        }
    }
}
