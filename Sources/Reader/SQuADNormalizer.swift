import Foundation

/// Answer normalisation of the official SQuAD v2 evaluation script, or of MLQA's per-language script.
///
/// `.squad`: lowercase, drop ASCII punctuation (`string.punctuation`), replace the words a/an/the by a
/// space, split on whitespace. `.mlqa(language)`: lowercase, drop every Unicode `P*` character and ASCII
/// punctuation, replace the language's articles (en a/an/the; es un/una/unos/unas/el/la/los/las;
/// de ein/eine/einen/einem/eines/einer/der/die/das/den/dem/des; vi của/là/cái/chiếc/những; ar every
/// "ال"; hi, zh none), then split on whitespace, for zh additionally one token per CJK ideograph
/// (U+4E00–U+9FA5) and punctuation mark ("mixed segmentation"). MLQA defines no rules for other
/// languages; `.mlqa` with any other code (el, ru, th, tr, ...) uses its punctuation and whitespace
/// rules without articles, an extension of this project.
public struct SQuADNormalizer: Sendable, Equatable {
    /// The language rules of MLQA's evaluation script.
    public enum Language: Sendable, Equatable, Hashable {
        /// One of MLQA's languages (en, es, hi, vi, de, ar, zh) or any other ISO code (no articles).
        case code(String)

        /// The codes MLQA defines rules for.
        public static let mlqaCodes = ["en", "es", "hi", "vi", "de", "ar", "zh"]
        /// Every code accepted: MLQA's and XQuAD's other languages.
        public static let allCodes = mlqaCodes + ["el", "ru", "th", "tr"]

        /// Parses a language code; throws for codes outside `allCodes`.
        public init(_ code: String) throws(ReaderError) {
            guard Self.allCodes.contains(code) else { throw .unknownLanguage(code) }
            self = .code(code)
        }
    }

    /// Which script's rules apply.
    public enum Mode: Sendable, Equatable, Hashable {
        /// The official SQuAD v1.1/v2.0 `normalize_answer`.
        case squad
        /// MLQA's `normalize_answer(s, lang)`.
        case mlqa(Language)
    }

    /// The rules applied.
    public let mode: Mode

    /// Creates a normaliser.
    public init(_ mode: Mode = .squad) { self.mode = mode }

    /// The normalised tokens of `text` (`normalize_answer(text).split()`), as scalar arrays so that
    /// comparisons are code-point exact like Python's, not canonical-equivalence based like `String`.
    public func tokens(_ text: String) -> [[Unicode.Scalar]] {
        var scalars = Array(text.pythonLowercased.unicodeScalars)
        switch mode {
        case .squad:
            scalars.removeAll(where: Self.isASCIIPunctuation)
            scalars = Self.replacingWords(["a", "an", "the"], in: scalars)
            return Self.whitespaceTokens(scalars)
        case .mlqa(.code(let language)):
            scalars.removeAll { Self.isASCIIPunctuation($0) || Self.isUnicodePunctuation($0) }
            scalars = Self.removingArticles(scalars, language: language)
            return language == "zh" ? Self.mixedSegmentation(scalars) : Self.whitespaceTokens(scalars)
        }
    }

    /// `normalize_answer(text)`: the tokens joined by single spaces.
    public func normalize(_ text: String) -> String {
        var view = String.UnicodeScalarView()
        for (index, token) in tokens(text).enumerated() {
            if index > 0 { view.append(" ") }
            view.append(contentsOf: token)
        }
        return String(view)
    }

    private static func removingArticles(_ scalars: [Unicode.Scalar], language: String) -> [Unicode.Scalar] {
        switch language {
        case "en": return replacingWords(["a", "an", "the"], in: scalars)
        case "es": return replacingWords(["un", "una", "unos", "unas", "el", "la", "los", "las"], in: scalars)
        case "vi": return replacingWords(["của", "là", "cái", "chiếc", "những"], in: scalars)
        case "de":
            return replacingWords(
                ["ein", "eine", "einen", "einem", "eines", "einer", "der", "die", "das", "den", "dem", "des"],
                in: scalars)
        case "ar": return replacingSubstring(Array("ال".unicodeScalars), in: scalars)
        default: return scalars
        }
    }

    /// `re.sub(r'\b(w1|w2|...)\b', ' ', text)`: every maximal run of word characters equal to one of
    /// `words` (code-point equality) becomes one space.
    static func replacingWords(_ words: [String], in scalars: [Unicode.Scalar]) -> [Unicode.Scalar] {
        let targets = Set(words.map { Array($0.unicodeScalars) })
        var result: [Unicode.Scalar] = []
        result.reserveCapacity(scalars.count)
        var index = 0
        while index < scalars.count {
            guard isWordCharacter(scalars[index]) else {
                result.append(scalars[index])
                index += 1
                continue
            }
            var end = index
            while end < scalars.count && isWordCharacter(scalars[end]) { end += 1 }
            let run = Array(scalars[index..<end])
            if targets.contains(run) { result.append(" ") } else { result.append(contentsOf: run) }
            index = end
        }
        return result
    }

    private static func replacingSubstring(_ target: [Unicode.Scalar], in scalars: [Unicode.Scalar]) -> [Unicode.Scalar]
    {
        var result: [Unicode.Scalar] = []
        var index = 0
        while index < scalars.count {
            if index + target.count <= scalars.count && Array(scalars[index..<(index + target.count)]) == target {
                result.append(" ")
                index += target.count
            } else {
                result.append(scalars[index])
                index += 1
            }
        }
        return result
    }

    /// Python's `str.split()`.
    static func whitespaceTokens(_ scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var tokens: [[Unicode.Scalar]] = []
        var current: [Unicode.Scalar] = []
        for scalar in scalars {
            if isPythonWhitespace(scalar) {
                if !current.isEmpty { tokens.append(current) }
                current = []
            } else {
                current.append(scalar)
            }
        }
        if !current.isEmpty { tokens.append(current) }
        return tokens
    }

    /// MLQA's `mixed_segmentation`: CJK ideographs and punctuation are tokens of their own.
    static func mixedSegmentation(_ scalars: [Unicode.Scalar]) -> [[Unicode.Scalar]] {
        var tokens: [[Unicode.Scalar]] = []
        var pending: [Unicode.Scalar] = []
        for scalar in scalars {
            if (0x4E00...0x9FA5).contains(scalar.value) || isASCIIPunctuation(scalar) || isUnicodePunctuation(scalar) {
                tokens += whitespaceTokens(pending)
                pending = []
                tokens.append([scalar])
            } else {
                pending.append(scalar)
            }
        }
        return tokens + whitespaceTokens(pending)
    }

    /// `string.punctuation`.
    static func isASCIIPunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.value {
        case 0x21...0x2F, 0x3A...0x40, 0x5B...0x60, 0x7B...0x7E: return true
        default: return false
        }
    }

    /// `unicodedata.category(ch).startswith('P')`.
    static func isUnicodePunctuation(_ scalar: Unicode.Scalar) -> Bool {
        switch scalar.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation, .initialPunctuation,
            .finalPunctuation, .otherPunctuation:
            return true
        default: return false
        }
    }

    /// Python's `str.isspace()`: White_Space plus the information separators U+001C–U+001F.
    static func isPythonWhitespace(_ scalar: Unicode.Scalar) -> Bool {
        scalar.properties.isWhitespace || (0x1C...0x1F).contains(scalar.value)
    }

    /// Python's regex `\w` for `str` patterns: alphanumerics (`str.isalnum()`) and underscore.
    static func isWordCharacter(_ scalar: Unicode.Scalar) -> Bool {
        if scalar == "_" { return true }
        switch scalar.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter,
            .decimalNumber, .letterNumber, .otherNumber:
            return true
        default: return scalar.properties.numericType != nil
        }
    }
}
