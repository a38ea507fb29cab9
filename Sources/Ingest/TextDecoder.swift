import Foundation

/// A character encoding the text decoder can detect.
public enum TextEncoding: String, Sendable, Equatable {
    /// UTF-8 (with or without a byte order mark).
    case utf8 = "UTF-8"
    /// UTF-16 little endian.
    case utf16LittleEndian = "UTF-16LE"
    /// UTF-16 big endian.
    case utf16BigEndian = "UTF-16BE"
    /// UTF-32 little endian.
    case utf32LittleEndian = "UTF-32LE"
    /// UTF-32 big endian.
    case utf32BigEndian = "UTF-32BE"
    /// Windows-1252, the superset of Latin-1 that browsers use for `iso-8859-1`.
    case windows1252 = "Windows-1252"
}

/// Text decoded from bytes, with the encoding used and anything that was repaired.
public struct DecodedText: Sendable, Equatable {
    /// The text.
    public var text: String
    /// The encoding it was decoded from.
    public var encoding: TextEncoding
    /// What was repaired or guessed, one line each (for example replaced invalid UTF-8).
    public var warnings: [String]
}

/// Detects the encoding of raw bytes and decodes them; also recognises binary data.
///
/// Order: a byte order mark (UTF-8/16/32) wins; then UTF-16 without BOM (zero bytes in every other position); then
/// valid UTF-8; then a declared single-byte charset; then UTF-8 with a few invalid sequences (repaired with U+FFFD and
/// reported); otherwise Windows-1252 (reported). Nothing is ever dropped silently.
public enum TextDecoder {
    /// Decodes `bytes`; `declaredCharset` is a charset named by the document itself (an HTML `<meta charset>`).
    public static func decode(_ bytes: Data, declaredCharset: String? = nil) -> DecodedText {
        bytes.withUnsafeBytes { decode(UnsafeRawBufferPointer($0), declaredCharset: declaredCharset) }
    }

    /// Decodes raw bytes; see `decode(_:declaredCharset:)`.
    public static func decode(_ bytes: UnsafeRawBufferPointer, declaredCharset: String? = nil) -> DecodedText {
        let b = bytes.bindMemory(to: UInt8.self)
        if b.count >= 4, b[0] == 0xFF, b[1] == 0xFE, b[2] == 0, b[3] == 0 {
            return decodeUTF32(UnsafeBufferPointer(rebasing: b[4...]), bigEndian: false)
        }
        if b.count >= 4, b[0] == 0, b[1] == 0, b[2] == 0xFE, b[3] == 0xFF {
            return decodeUTF32(UnsafeBufferPointer(rebasing: b[4...]), bigEndian: true)
        }
        if b.count >= 3, b[0] == 0xEF, b[1] == 0xBB, b[2] == 0xBF {
            return decodeUTF8(UnsafeBufferPointer(rebasing: b[3...]), declaredCharset: nil)
        }
        if b.count >= 2, b[0] == 0xFF, b[1] == 0xFE {
            return decodeUTF16(UnsafeBufferPointer(rebasing: b[2...]), bigEndian: false)
        }
        if b.count >= 2, b[0] == 0xFE, b[1] == 0xFF {
            return decodeUTF16(UnsafeBufferPointer(rebasing: b[2...]), bigEndian: true)
        }
        if let bigEndian = utf16WithoutBOM(b) {
            var decoded = decodeUTF16(b, bigEndian: bigEndian)
            decoded.warnings.insert(
                "no byte order mark; detected \(decoded.encoding.rawValue) from its zero bytes", at: 0)
            return decoded
        }
        return decodeUTF8(b, declaredCharset: declaredCharset)
    }

    /// True when the bytes look like binary data rather than text: a NUL byte, or more than 10% control characters
    /// other than tab, newlines, form feed and escape, within the first 64 KiB. UTF-16/32 text with a BOM is text.
    public static func looksBinary(_ bytes: Data) -> Bool {
        bytes.withUnsafeBytes { raw in
            let b = raw.bindMemory(to: UInt8.self)
            if b.count >= 2, (b[0] == 0xFF && b[1] == 0xFE) || (b[0] == 0xFE && b[1] == 0xFF) { return false }
            if b.count >= 4, b[0] == 0, b[1] == 0, b[2] == 0xFE, b[3] == 0xFF { return false }
            if utf16WithoutBOM(b) != nil { return false }
            let sample = UnsafeBufferPointer(rebasing: b[0..<min(b.count, 65_536)])
            var controls = 0
            for byte in sample {
                if byte == 0 { return true }
                if byte < 0x20, byte != 9, byte != 10, byte != 13, byte != 12, byte != 11, byte != 0x1B {
                    controls += 1
                }
            }
            return sample.count > 0 && controls * 10 > sample.count
        }
    }

    /// The single-byte charsets a document may declare that decode as Windows-1252.
    static let singleByteCharsets: Set<String> = [
        "iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "windows-1252", "cp1252", "us-ascii", "ascii",
        "iso-8859-15", "iso8859-15",
    ]

    /// nil unless the text looks like UTF-16 without a BOM: in the first 4 KiB, at least 40% of one byte position
    /// of each pair is zero and almost none of the other. Returns whether it is big endian.
    static func utf16WithoutBOM(_ b: UnsafeBufferPointer<UInt8>) -> Bool? {
        let count = min(b.count, 4096) & ~1
        guard count >= 4 else { return nil }
        var evenZeros = 0
        var oddZeros = 0
        for index in stride(from: 0, to: count, by: 2) {
            if b[index] == 0 { evenZeros += 1 }
            if b[index + 1] == 0 { oddZeros += 1 }
        }
        let pairs = count / 2
        if evenZeros * 10 >= pairs * 4, oddZeros * 50 <= pairs { return true }
        if oddZeros * 10 >= pairs * 4, evenZeros * 50 <= pairs { return false }
        return nil
    }

    static func decodeUTF8(_ b: UnsafeBufferPointer<UInt8>, declaredCharset: String?) -> DecodedText {
        let scan = UTF8Scan(b)
        if scan.invalidSequences == 0 {
            return DecodedText(text: String(decoding: b, as: UTF8.self), encoding: .utf8, warnings: [])
        }
        let declared = declaredCharset?.lowercased().trimmingCharacters(in: .whitespaces)
        if let declared, singleByteCharsets.contains(declared) {
            return DecodedText(
                text: decodeWindows1252(b), encoding: .windows1252,
                warnings: ["decoded as Windows-1252 (declared charset \(declared))"])
        }
        if scan.validMultibyteSequences > 0, scan.invalidSequences <= scan.validMultibyteSequences {
            let warning =
                "\(scan.invalidSequences) invalid UTF-8 sequence\(scan.invalidSequences == 1 ? "" : "s") "
                + "replaced with U+FFFD (first at byte \(scan.firstInvalidOffset))"
            return DecodedText(text: String(decoding: b, as: UTF8.self), encoding: .utf8, warnings: [warning])
        }
        return DecodedText(
            text: decodeWindows1252(b), encoding: .windows1252,
            warnings: ["not valid UTF-8 (first invalid byte at \(scan.firstInvalidOffset)); decoded as Windows-1252"])
    }

    /// Windows-1252 bytes 0x80...0x9F; the five undefined ones map to the C1 controls as Latin-1 does.
    static let windows1252High: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D,
        0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0x9D, 0x017E, 0x0178,
    ]

    static func decodeWindows1252(_ b: UnsafeBufferPointer<UInt8>) -> String {
        var scalars = String.UnicodeScalarView()
        for byte in b {
            let value = (0x80...0x9F).contains(byte) ? windows1252High[Int(byte) - 0x80] : UInt32(byte)
            scalars.append(Unicode.Scalar(value) ?? "\u{FFFD}")
        }
        return String(scalars)
    }

    static func decodeUTF16(_ b: UnsafeBufferPointer<UInt8>, bigEndian: Bool) -> DecodedText {
        var units = [UInt16]()
        units.reserveCapacity(b.count / 2)
        var index = 0
        while index + 1 < b.count {
            units.append(
                bigEndian ? UInt16(b[index]) << 8 | UInt16(b[index + 1]) : UInt16(b[index + 1]) << 8 | UInt16(b[index]))
            index += 2
        }
        var warnings: [String] = []
        var unpaired = 0
        var position = 0
        while position < units.count {
            let unit = units[position]
            if (0xD800...0xDBFF).contains(unit), position + 1 < units.count,
                (0xDC00...0xDFFF).contains(units[position + 1])
            {
                position += 2
                continue
            }
            if (0xD800...0xDFFF).contains(unit) { unpaired += 1 }
            position += 1
        }
        if unpaired > 0 { warnings.append("\(unpaired) unpaired UTF-16 surrogates replaced with U+FFFD") }
        if b.count % 2 == 1 { warnings.append("odd number of bytes in UTF-16 text; the last byte was ignored") }
        return DecodedText(
            text: String(decoding: units, as: UTF16.self), encoding: bigEndian ? .utf16BigEndian : .utf16LittleEndian,
            warnings: warnings)
    }

    static func decodeUTF32(_ b: UnsafeBufferPointer<UInt8>, bigEndian: Bool) -> DecodedText {
        var scalars = String.UnicodeScalarView()
        var invalid = 0
        var index = 0
        while index + 3 < b.count {
            let value =
                bigEndian
                ? UInt32(b[index]) << 24 | UInt32(b[index + 1]) << 16 | UInt32(b[index + 2]) << 8 | UInt32(b[index + 3])
                : UInt32(b[index + 3]) << 24 | UInt32(b[index + 2]) << 16 | UInt32(b[index + 1]) << 8 | UInt32(b[index])
            if let scalar = Unicode.Scalar(value) {
                scalars.append(scalar)
            } else {
                scalars.append("\u{FFFD}")
                invalid += 1
            }
            index += 4
        }
        var warnings: [String] = []
        if invalid > 0 { warnings.append("\(invalid) invalid UTF-32 code points replaced with U+FFFD") }
        if b.count % 4 != 0 { warnings.append("UTF-32 text length is not a multiple of 4; trailing bytes ignored") }
        return DecodedText(
            text: String(scalars), encoding: bigEndian ? .utf32BigEndian : .utf32LittleEndian, warnings: warnings)
    }
}

/// Counts valid multi-byte and invalid sequences in UTF-8 bytes (the same maximal-subpart rule as `String(decoding:)`).
struct UTF8Scan {
    var validMultibyteSequences = 0
    var invalidSequences = 0
    var firstInvalidOffset = -1

    init(_ b: UnsafeBufferPointer<UInt8>) {
        var index = 0
        let count = b.count
        while index < count {
            let lead = b[index]
            if lead < 0x80 {
                index += 1
                continue
            }
            var needed = 0
            var lower: UInt8 = 0x80
            var upper: UInt8 = 0xBF
            switch lead {
            case 0xC2...0xDF: needed = 1
            case 0xE0: needed = 2; lower = 0xA0
            case 0xE1...0xEC, 0xEE...0xEF: needed = 2
            case 0xED: needed = 2; upper = 0x9F
            case 0xF0: needed = 3; lower = 0x90
            case 0xF1...0xF3: needed = 3
            case 0xF4: needed = 3; upper = 0x8F
            default: needed = 0
            }
            var consumed = 1
            var valid = needed > 0
            if valid {
                for step in 1...needed {
                    guard index + step < count else { valid = false; break }
                    let byte = b[index + step]
                    let (low, high) = step == 1 ? (lower, upper) : (UInt8(0x80), UInt8(0xBF))
                    guard byte >= low, byte <= high else { valid = false; break }
                    consumed += 1
                }
            }
            if valid {
                validMultibyteSequences += 1
            } else {
                invalidSequences += 1
                if firstInvalidOffset < 0 { firstInvalidOffset = index }
            }
            index += consumed
        }
    }
}
