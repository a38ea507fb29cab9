import Foundation
import Ingest

/// The language detector AskDocs used before CLD2 (commit 246621e), frozen here so the benchmark can compare them.
///
/// Scripts used by essentially one language map to it; Cyrillic is uk when it has Ukrainian-only letters, else ru;
/// Latin is decided by counting common function words of en, de, es, fr, it, pt, nl, tr, vi, pl, sv, id and picking
/// the language with most hits (at least 3, else unknown).
enum FunctionWordDetector {
    /// The language: the normalised hint when there is one (`de-AT` → `de-AT`, `EN` → `en`), else a guess from the
    /// text (see the type's documentation), else nil.
    static func language(of text: some StringProtocol, hint: String? = nil, script: Script? = nil) -> String? {
        if let hint = hint?.trimmingCharacters(in: .whitespacesAndNewlines), !hint.isEmpty {
            let parts = hint.replacingOccurrences(of: "_", with: "-").split(separator: "-")
            guard let first = parts.first else { return nil }
            return ([first.lowercased()] + parts.dropFirst().map(String.init)).joined(separator: "-")
        }
        switch script ?? LanguageDetector.script(of: text) {
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
