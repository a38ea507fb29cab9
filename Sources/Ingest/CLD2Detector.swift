import CCLD2

/// Compact Language Detector 2 (libcld2), the statistical detector behind `LanguageDetector`.
public enum CLD2Detector {
    /// What CLD2 reports for a text.
    public struct Detection: Sendable, Equatable {
        /// BCP 47 code of the top language (`en`, `zh`, `zh-Hant`, `he`).
        public var language: String
        /// Percent of the text's letters in that language (0–100).
        public var percent: Int
        /// Whether CLD2 calls the result reliable (enough text and a clear margin over the runner-up).
        public var isReliable: Bool
    }

    /// How much of a text is read: CLD2 settles on a language well within this, and a long document costs no more.
    public static let maxBytes = 65_536

    /// CLD2's top language for the first `maxBytes` of `text`, or nil when it cannot tell (too little text, no
    /// letters it knows).
    public static func detect(_ text: some StringProtocol) -> Detection? {
        var utf8 = Array(text.utf8.prefix(maxBytes))
        // Cut at a scalar boundary: drop continuation bytes and the lead byte they belong to.
        if utf8.count == maxBytes {
            while let last = utf8.last, last & 0xC0 == 0x80 { utf8.removeLast() }
            if let last = utf8.last, last >= 0xC0 { utf8.removeLast() }
        }
        utf8.append(0)  // CLD2 does not need it; a NUL-terminated buffer keeps any look-ahead in bounds.
        var result = utf8.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { ccld2_detect($0.baseAddress, Int32($0.count - 1)) }
        }
        let code = withUnsafeBytes(of: &result.code) { raw in
            String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
        }
        // With no letters it can score, CLD2 answers English at 0 %: that is "cannot tell", not English.
        guard code != "un", !code.isEmpty, result.percent > 0 else { return nil }
        return Detection(
            language: bcp47(code), percent: Int(result.percent), isReliable: result.reliable != 0)
    }

    /// CLD2 keeps a few withdrawn ISO 639 codes; the current ones are what a user types after `--lang`.
    static func bcp47(_ code: String) -> String {
        switch code {
        case "iw": "he"
        case "jw": "jv"
        case "in": "id"
        case "mo": "ro"
        default: code
        }
    }
}
