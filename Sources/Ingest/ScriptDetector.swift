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
/// Script: the script of most letters among the first 20,000 scalars. Language, when no hint is given: scripts used
/// by essentially one language map to it (Thai → th, Hangul → ko, Greek → el, Hebrew → he, Georgian → ka,
/// Armenian → hy, any Kana → ja, Han → zh, Devanagari → hi, Arabic → ar, Bengali → bn, Tamil → ta, ...;
/// Devanagari and Arabic are shared by other languages, so these are guesses); Cyrillic is uk when it has
/// Ukrainian-only letters (і ї є ґ), else ru; Latin is decided by counting common function words of en, de, es,
/// fr, it, pt, nl, tr, vi, pl, sv, id and picking the language with most hits (at least 3, else unknown).
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

    /// The language: the normalised hint when there is one (`de-AT` → `de-AT`, `EN` → `en`), else a guess from the
    /// text (see the type's documentation), else nil.
    public static func language(of text: some StringProtocol, hint: String? = nil, script: Script? = nil) -> String? {
        if let hint = hint?.trimmingCharacters(in: .whitespacesAndNewlines), !hint.isEmpty {
            let parts = hint.replacingOccurrences(of: "_", with: "-").split(separator: "-")
            guard let first = parts.first else { return nil }
            return ([first.lowercased()] + parts.dropFirst().map(String.init)).joined(separator: "-")
        }
        switch script ?? self.script(of: text) {
        case .thai: return "th"
        case .hangul: return "ko"
        case .greek: return "el"
        case .hebrew: return "he"
        case .georgian: return "ka"
        case .armenian: return "hy"
        case .kana: return "ja"
        case .han: return "zh"
        case .devanagari: return "hi"
        case .arabic: return "ar"
        case .bengali: return "bn"
        case .tamil: return "ta"
        case .telugu: return "te"
        case .kannada: return "kn"
        case .malayalam: return "ml"
        case .gujarati: return "gu"
        case .gurmukhi: return "pa"
        case .sinhala: return "si"
        case .lao: return "lo"
        case .khmer: return "km"
        case .myanmar: return "my"
        case .tibetan: return "bo"
        case .ethiopic: return "am"
        case .cyrillic:
            let ukrainian = text.unicodeScalars.prefix(20_000).contains { "іїєґІЇЄҐ".unicodeScalars.contains($0) }
            return ukrainian ? "uk" : "ru"
        case .latin: return latinLanguage(of: text)
        case nil: return nil
        }
    }

    /// Frequent function words per Latin-script language (distinctive ones; shared words such as "a" are left out).
    static let functionWords: [(String, Set<String>)] = [
        ("en", ["the", "and", "of", "to", "is", "in", "that", "it", "was", "for", "with", "as", "are", "this", "by"]),
        (
            "de",
            [
                "der", "die", "und", "das", "ist", "nicht", "mit", "den", "ein", "eine", "auf", "sich", "dem", "wird",
                "von",
            ]
        ),
        ("es", ["el", "los", "las", "del", "que", "y", "en", "es", "por", "una", "con", "para", "se", "su", "más"]),
        (
            "fr",
            ["le", "les", "des", "et", "est", "une", "du", "dans", "pour", "qui", "pas", "au", "sur", "avec", "sont"]
        ),
        (
            "it",
            [
                "il", "di", "che", "è", "gli", "della", "per", "non", "sono", "una", "nel", "alla", "anche", "delle",
                "lo",
            ]
        ),
        ("pt", ["o", "os", "da", "do", "que", "não", "em", "uma", "para", "com", "dos", "das", "é", "ao", "foi"]),
        (
            "nl",
            ["de", "het", "een", "en", "van", "is", "niet", "dat", "op", "te", "zijn", "voor", "met", "ook", "wordt"]
        ),
        (
            "tr",
            [
                "ve", "bir", "bu", "için", "ile", "da", "de", "olarak", "olan", "daha", "çok", "gibi", "ise", "kadar",
                "ve",
            ]
        ),
        (
            "vi",
            [
                "của", "và", "là", "có", "các", "được", "trong", "những", "một", "cho", "không", "với", "này", "người",
                "đã",
            ]
        ),
        ("pl", ["i", "w", "nie", "się", "na", "że", "jest", "do", "z", "to", "jak", "od", "po", "przez", "dla"]),
        (
            "sv",
            ["och", "att", "det", "som", "är", "för", "med", "av", "på", "inte", "den", "till", "har", "en", "ett"]
        ),
        (
            "id",
            [
                "yang", "dan", "di", "ini", "itu", "dengan", "untuk", "dari", "tidak", "dalam", "akan", "pada", "juga",
                "ke", "adalah",
            ]
        ),
    ]

    static func latinLanguage(of text: some StringProtocol) -> String? {
        var scores = [Int](repeating: 0, count: functionWords.count)
        var words = 0
        for word in text.prefix(20_000).lowercased().split(whereSeparator: { !$0.isLetter }) where words < 3000 {
            words += 1
            let word = String(word)
            for (index, entry) in functionWords.enumerated() where entry.1.contains(word) { scores[index] += 1 }
        }
        guard let best = scores.indices.max(by: { scores[$0] < scores[$1] }), scores[best] >= 3 else { return nil }
        return functionWords[best].0
    }
}
