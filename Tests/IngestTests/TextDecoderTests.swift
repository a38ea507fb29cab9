import Foundation
import Testing

@testable import Ingest

@Suite("Text decoding")
struct TextDecoderTests {
    static let sample = "Grüße, Ελληνικά, 中文 and 😀."

    static func utf16(_ text: String, bigEndian: Bool, bom: Bool) -> Data {
        var bytes: [UInt8] = bom ? (bigEndian ? [0xFE, 0xFF] : [0xFF, 0xFE]) : []
        for unit in text.utf16 {
            let pair = [UInt8(unit >> 8), UInt8(unit & 0xFF)]
            bytes += bigEndian ? pair : pair.reversed()
        }
        return Data(bytes)
    }

    @Test("plain UTF-8 and UTF-8 with a BOM")
    func utf8() {
        let plain = TextDecoder.decode(Data(Self.sample.utf8))
        #expect(plain == DecodedText(text: Self.sample, encoding: .utf8, warnings: []))
        let bom = TextDecoder.decode(Data([0xEF, 0xBB, 0xBF] + Array(Self.sample.utf8)))
        #expect(bom.text == Self.sample)
        #expect(bom.warnings.isEmpty)
    }

    @Test("UTF-16 with a byte order mark, both byte orders", arguments: [false, true])
    func utf16BOM(bigEndian: Bool) {
        let decoded = TextDecoder.decode(Self.utf16(Self.sample, bigEndian: bigEndian, bom: true))
        #expect(decoded.text == Self.sample)
        #expect(decoded.encoding == (bigEndian ? .utf16BigEndian : .utf16LittleEndian))
        #expect(decoded.warnings.isEmpty)
        #expect(!TextDecoder.looksBinary(Self.utf16(Self.sample, bigEndian: bigEndian, bom: true)))
    }

    @Test("UTF-16 without a byte order mark is recognised by its zero bytes and reported")
    func utf16WithoutBOM() {
        let data = Self.utf16("Plain ASCII text in UTF-16, no BOM.", bigEndian: false, bom: false)
        #expect(!TextDecoder.looksBinary(data))
        let decoded = TextDecoder.decode(data)
        #expect(decoded.text == "Plain ASCII text in UTF-16, no BOM.")
        #expect(decoded.encoding == .utf16LittleEndian)
        #expect(decoded.warnings.count == 1)
    }

    @Test("UTF-32 with a byte order mark")
    func utf32() {
        var bytes: [UInt8] = [0xFF, 0xFE, 0, 0]
        for scalar in Self.sample.unicodeScalars {
            let v = scalar.value
            bytes += [UInt8(v & 0xFF), UInt8((v >> 8) & 0xFF), UInt8((v >> 16) & 0xFF), UInt8(v >> 24)]
        }
        let decoded = TextDecoder.decode(Data(bytes))
        #expect(decoded.text == Self.sample)
        #expect(decoded.encoding == .utf32LittleEndian)
    }

    @Test("Latin-1 bytes decode as Windows-1252, with a warning")
    func latin1() {
        // "Café à la crème – 5 €" in Windows-1252: é E9, à E0, è E8, – 96, € 80.
        let bytes: [UInt8] =
            Array("Caf".utf8) + [0xE9, 0x20, 0xE0] + Array(" la cr".utf8) + [0xE8] + Array("me ".utf8)
            + [0x96] + Array(" 5 ".utf8) + [0x80]
        let decoded = TextDecoder.decode(Data(bytes))
        #expect(decoded.text == "Café à la crème – 5 €")
        #expect(decoded.encoding == .windows1252)
        #expect(decoded.warnings.count == 1)
        #expect(decoded.warnings[0].contains("Windows-1252"))
    }

    @Test("a declared single-byte charset is used for text that is not UTF-8")
    func declaredCharset() {
        let decoded = TextDecoder.decode(Data([0x47, 0x72, 0xFC, 0xDF, 0x65]), declaredCharset: "ISO-8859-1")
        #expect(decoded.text == "Grüße")
        #expect(decoded.encoding == .windows1252)
        // Valid UTF-8 wins over a wrong declaration.
        #expect(TextDecoder.decode(Data("Grüße".utf8), declaredCharset: "iso-8859-1").text == "Grüße")
    }

    @Test("invalid bytes in UTF-8 text become U+FFFD and are reported with their count, never dropped")
    func invalidUTF8() {
        let bytes = Array("Grüße ".utf8) + [0xFF] + Array(" 中文 ".utf8) + [0xC3] + Array(" end".utf8)
        let decoded = TextDecoder.decode(Data(bytes))
        #expect(decoded.text == "Grüße \u{FFFD} 中文 \u{FFFD} end")
        #expect(decoded.encoding == .utf8)
        #expect(decoded.warnings == ["2 invalid UTF-8 sequences replaced with U+FFFD (first at byte 8)"])
    }

    @Test("binary data is recognised; text with tabs and newlines is not")
    func binary() {
        #expect(TextDecoder.looksBinary(Data([0x50, 0x4B, 0x03, 0x04, 0x00, 0x01])))
        #expect(TextDecoder.looksBinary(Data((0..<100).map { UInt8($0 % 8 + 1) })))
        #expect(!TextDecoder.looksBinary(Data("a\tb\r\nc\u{0C}d\n".utf8)))
        #expect(!TextDecoder.looksBinary(Data()))
    }
}
