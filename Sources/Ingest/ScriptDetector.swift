import Foundation

/// A Unicode script AskDocs distinguishes when it reports what a document is written in.
public enum Script: String, Sendable, CaseIterable, Equatable {
    case latin = "Latin", cyrillic = "Cyrillic", greek = "Greek", armenian = "Armenian", georgian = "Georgian"
    case hebrew = "Hebrew", arabic = "Arabic", devanagari = "Devanagari", bengali = "Bengali"
    case gurmukhi = "Gurmukhi", gujarati = "Gujarati", tamil = "Tamil", telugu = "Telugu", kannada = "Kannada"
    case malayalam = "Malayalam", sinhala = "Sinhala", thai = "Thai", lao = "Lao", khmer = "Khmer"
    case myanmar = "Myanmar", tibetan = "Tibetan", ethiopic = "Ethiopic", hangul = "Hangul"
    case kana = "Kana", han = "Han"

    /// The script of a letter, or nil for digits, punctuation, spaces and scripts not listed.
    public init?(of scalar: Unicode.Scalar) {
        let v = scalar.value
        switch v {
        case 0x41...0x5A, 0x61...0x7A, 0xC0...0x24F, 0x1E00...0x1EFF, 0x2C60...0x2C7F, 0xA720...0xA7FF, 0xFF21...0xFF3A,
            0xFF41...0xFF5A:
            if v == 0xD7 || v == 0xF7 { return nil }
            self = .latin
        case 0x370...0x3FF, 0x1F00...0x1FFF: self = .greek
        case 0x400...0x52F, 0x1C80...0x1C8F, 0x2DE0...0x2DFF, 0xA640...0xA69F: self = .cyrillic
        case 0x531...0x58F: self = .armenian
        case 0x591...0x5F4, 0xFB1D...0xFB4F: self = .hebrew
        case 0x600...0x6FF, 0x750...0x77F, 0x8A0...0x8FF, 0xFB50...0xFDFF, 0xFE70...0xFEFF:
            if (0x660...0x669).contains(v) || (0x6F0...0x6F9).contains(v) || v == 0x60C || v == 0x61B || v == 0x61F {
                return nil
            }
            self = .arabic
        case 0x900...0x97F, 0xA8E0...0xA8FF: self = .devanagari
        case 0x980...0x9FF: self = .bengali
        case 0xA00...0xA7F: self = .gurmukhi
        case 0xA80...0xAFF: self = .gujarati
        case 0xB80...0xBFF: self = .tamil
        case 0xC00...0xC7F: self = .telugu
        case 0xC80...0xCFF: self = .kannada
        case 0xD00...0xD7F: self = .malayalam
        case 0xD80...0xDFF: self = .sinhala
        case 0xE00...0xE7F: self = .thai
        case 0xE80...0xEFF: self = .lao
        case 0xF00...0xFFF: self = .tibetan
        case 0x1000...0x109F: self = .myanmar
        case 0x10A0...0x10FF, 0x2D00...0x2D2F: self = .georgian
        case 0x1200...0x139F: self = .ethiopic
        case 0x1780...0x17FF: self = .khmer
        case 0x1100...0x11FF, 0x3130...0x318F, 0xAC00...0xD7AF: self = .hangul
        case 0x3041...0x309F, 0x30A0...0x30FF, 0x31F0...0x31FF, 0xFF66...0xFF9D: self = .kana
        case 0x3400...0x4DBF, 0x4E00...0x9FFF, 0xF900...0xFAFF, 0x20000...0x3134F: self = .han
        default: return nil
        }
    }
}

/// Guesses the dominant script and the language of a text.
///
/// Script: the script of most letters among the first 20,000 scalars. Language, when no hint is given: Compact
/// Language Detector 2 on the text's first 64 KiB (n-gram statistics of 83 languages; see `CLD2Detector`). When CLD2
/// cannot tell, scripts used by essentially one language map to it (Thai → th, Hangul → ko, Greek → el, Hebrew → he,
/// Georgian → ka, Armenian → hy, any Kana → ja, ...); Latin, Cyrillic, Arabic, Devanagari and Han text it cannot tell
/// gets no language rather than a guess.
public enum LanguageDetector {
    /// The dominant script of `text`, or nil when it has no letters.
    public static func script(of text: some StringProtocol) -> Script? {
        var counts: [Script: Int] = [:]
        for scalar in text.unicodeScalars.prefix(20_000) {
            if let script = Script(of: scalar) { counts[script, default: 0] += 1 }
        }
        // Japanese mixes Kana with Han; any real amount of Kana means Japanese text, so let Kana absorb Han.
        if let kana = counts[.kana], kana * 10 >= (counts[.han] ?? 0) {
            counts[.kana] = kana + (counts[.han] ?? 0)
            counts[.han] = nil
        }
        return counts.max { $0.value < $1.value || ($0.value == $1.value && $0.key.rawValue > $1.key.rawValue) }?.key
    }

    /// The language: the normalised hint when there is one (`de-AT` → `de-AT`, `EN` → `en`), else CLD2's answer,
    /// else the language of a single-language script, else nil.
    public static func language(of text: some StringProtocol, hint: String? = nil, script: Script? = nil) -> String? {
        if let hint = hint?.trimmingCharacters(in: .whitespacesAndNewlines), !hint.isEmpty {
            let parts = hint.replacingOccurrences(of: "_", with: "-").split(separator: "-")
            guard let first = parts.first else { return nil }
            return ([first.lowercased()] + parts.dropFirst().map(String.init)).joined(separator: "-")
        }
        if let detected = CLD2Detector.detect(text) { return detected.language }
        return singleLanguage(of: script ?? self.script(of: text))
    }

    /// The language of a script written in essentially one language; nil for scripts many languages share.
    static func singleLanguage(of script: Script?) -> String? {
        switch script {
        case .thai: "th"
        case .hangul: "ko"
        case .greek: "el"
        case .hebrew: "he"
        case .georgian: "ka"
        case .armenian: "hy"
        case .kana: "ja"
        case .bengali: "bn"
        case .tamil: "ta"
        case .telugu: "te"
        case .kannada: "kn"
        case .malayalam: "ml"
        case .gujarati: "gu"
        case .gurmukhi: "pa"
        case .sinhala: "si"
        case .lao: "lo"
        case .khmer: "km"
        case .myanmar: "my"
        case .tibetan: "bo"
        case .ethiopic: "am"
        case .latin, .cyrillic, .arabic, .devanagari, .han, nil: nil
        }
    }
}
