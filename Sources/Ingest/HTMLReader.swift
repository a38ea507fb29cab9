import Foundation

/// HTML to plain text: the visible words, with block elements as paragraph breaks.
///
/// `script`, `style`, `noscript`, `template`, `svg`, `math` and comments are removed; other tags are removed;
/// entities are decoded (numeric, and the common named ones); whitespace is collapsed except inside `pre`;
/// block elements (`p`, `div`, headings, list items, table rows, ...) become paragraph breaks and `br` a line break.
/// `<title>` becomes the title (not part of the text) and `<html lang>` the language hint.
public enum HTMLReader {
    /// What an HTML document yields.
    public struct Result: Sendable, Equatable {
        /// The visible text.
        public var text: String
        /// The `<title>`, when present and not empty.
        public var title: String?
        /// The `lang` attribute of `<html>`, when present.
        public var language: String?
    }

    static let skippedElements: Set<String> = ["script", "style", "noscript", "template", "svg", "math", "head-script"]
    static let blockElements: Set<String> = [
        "address", "article", "aside", "blockquote", "body", "caption", "dd", "details", "dialog", "div", "dl", "dt",
        "fieldset", "figcaption", "figure", "footer", "form", "h1", "h2", "h3", "h4", "h5", "h6", "header", "hgroup",
        "hr", "html", "legend", "li", "main", "nav", "ol", "p", "pre", "section", "summary", "table", "tbody", "td",
        "tfoot", "th", "thead", "tr", "ul", "option", "head",
    ]

    /// The charset an HTML document declares in its first 4 KiB (`<meta charset>` or an http-equiv content type).
    public static func declaredCharset(in bytes: Data) -> String? {
        let prefix = String(decoding: bytes.prefix(4096).map { $0 < 0x80 ? $0 : 0x20 }, as: UTF8.self).lowercased()
        guard let range = prefix.range(of: "charset=") else { return nil }
        let value = prefix[range.upperBound...].drop { $0 == "\"" || $0 == "'" || $0 == " " }
            .prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" }
        return value.isEmpty ? nil : String(value)
    }

    /// Extracts text, title and language from decoded HTML.
    public static func read(_ html: String) -> Result {
        var parser = Parser(bytes: Array(html.utf8))
        parser.run()
        let title = String(decoding: parser.title, as: UTF8.self).split(whereSeparator: \.isWhitespace)
            .joined(separator: " ")
        return Result(
            text: String(decoding: parser.output.bytes, as: UTF8.self),
            title: title.isEmpty ? nil : title, language: parser.language)
    }

    /// Accumulates text with collapsed whitespace and pending line/paragraph breaks.
    struct TextBuilder {
        var bytes: [UInt8] = []
        var pendingSpace = false
        var pendingBreaks = 0

        mutating func space() { pendingSpace = true }
        mutating func lineBreak(_ count: Int) { pendingBreaks = max(pendingBreaks, count) }

        mutating func append(_ byte: UInt8, preformatted: Bool) {
            if !preformatted, byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C {
                pendingSpace = true
                return
            }
            if !bytes.isEmpty {
                if pendingBreaks > 0 {
                    bytes.append(contentsOf: repeatElement(0x0A, count: pendingBreaks))
                } else if pendingSpace {
                    bytes.append(0x20)
                }
            }
            pendingBreaks = 0
            pendingSpace = false
            bytes.append(byte)
        }
    }

    struct Parser {
        let bytes: [UInt8]
        var index = 0
        var output = TextBuilder()
        var title: [UInt8] = []
        var language: String?
        var preDepth = 0
        var inTitle = false

        init(bytes: [UInt8]) { self.bytes = bytes }

        mutating func run() {
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "<"), tag() { continue }
                if byte == UInt8(ascii: "&") {
                    let (decoded, length) = HTMLEntities.decode(bytes, at: index)
                    emit(decoded)
                    index += length
                    continue
                }
                emit([byte])
                index += 1
            }
        }

        mutating func emit(_ text: [UInt8]) {
            if inTitle {
                title.append(contentsOf: text.map { $0 == 0x0A || $0 == 0x09 || $0 == 0x0D ? 0x20 : $0 })
                return
            }
            for byte in text { output.append(byte, preformatted: preDepth > 0) }
        }

        /// Handles a tag, comment or declaration at `index`; false when `<` is plain text.
        mutating func tag() -> Bool {
            if starts(with: "<!--") {
                index = find("-->", from: index + 4).map { $0 + 3 } ?? bytes.count
                return true
            }
            let next = index + 1 < bytes.count ? bytes[index + 1] : 0
            if next == UInt8(ascii: "!") || next == UInt8(ascii: "?") {
                index = (bytes[index...].firstIndex(of: UInt8(ascii: ">")) ?? bytes.count - 1) + 1
                return true
            }
            let closing = next == UInt8(ascii: "/")
            var cursor = index + (closing ? 2 : 1)
            let nameStart = cursor
            while cursor < bytes.count, isNameByte(bytes[cursor]) { cursor += 1 }
            guard cursor > nameStart, isLetter(bytes[nameStart]) else { return false }
            let name = String(decoding: bytes[nameStart..<cursor], as: UTF8.self).lowercased()
            let (attributes, end) = parseAttributes(from: cursor)
            index = end
            if closing {
                if name == "pre" { preDepth = max(0, preDepth - 1) }
                if name == "title" { inTitle = false }
                if Self.block(name) { output.lineBreak(2) }
                return true
            }
            switch name {
            case _ where HTMLReader.skippedElements.contains(name):
                index = findClosing(name, from: index)
            case "title":
                inTitle = true
            case "br":
                output.lineBreak(1)
            case "pre":
                preDepth += 1
                output.lineBreak(2)
            case "html":
                if let lang = attributes["lang"] ?? attributes["xml:lang"], !lang.isEmpty { language = lang }
                output.lineBreak(2)
            case "img":
                if let alt = attributes["alt"], !alt.isEmpty { emit(Array(" \(alt) ".utf8)) }
            default:
                if Self.block(name) { output.lineBreak(2) }
            }
            return true
        }

        static func block(_ name: String) -> Bool { HTMLReader.blockElements.contains(name) }

        /// Attributes of the tag whose name ends at `start`, and the index after its `>`.
        func parseAttributes(from start: Int) -> ([String: String], Int) {
            var attributes: [String: String] = [:]
            var cursor = start
            while cursor < bytes.count, bytes[cursor] != UInt8(ascii: ">") {
                if isSpace(bytes[cursor]) || bytes[cursor] == UInt8(ascii: "/") {
                    cursor += 1
                    continue
                }
                let nameStart = cursor
                while cursor < bytes.count, !isSpace(bytes[cursor]), bytes[cursor] != UInt8(ascii: "="),
                    bytes[cursor] != UInt8(ascii: ">")
                {
                    cursor += 1
                }
                let name = String(decoding: bytes[nameStart..<cursor], as: UTF8.self).lowercased()
                while cursor < bytes.count, isSpace(bytes[cursor]) { cursor += 1 }
                var value = ""
                if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "=") {
                    cursor += 1
                    while cursor < bytes.count, isSpace(bytes[cursor]) { cursor += 1 }
                    if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "\"") || bytes[cursor] == UInt8(ascii: "'") {
                        let quote = bytes[cursor]
                        let valueStart = cursor + 1
                        cursor = bytes[valueStart...].firstIndex(of: quote) ?? bytes.count
                        value = decodeEntities(bytes[valueStart..<cursor])
                        cursor = min(cursor + 1, bytes.count)
                    } else {
                        let valueStart = cursor
                        while cursor < bytes.count, !isSpace(bytes[cursor]), bytes[cursor] != UInt8(ascii: ">") {
                            cursor += 1
                        }
                        value = decodeEntities(bytes[valueStart..<cursor])
                    }
                }
                if !name.isEmpty { attributes[name] = value }
            }
            return (attributes, min(cursor + 1, bytes.count))
        }

        func decodeEntities(_ slice: ArraySlice<UInt8>) -> String {
            let raw = Array(slice)
            var out: [UInt8] = []
            var cursor = 0
            while cursor < raw.count {
                if raw[cursor] == UInt8(ascii: "&") {
                    let (decoded, length) = HTMLEntities.decode(raw, at: cursor)
                    out += decoded
                    cursor += length
                } else {
                    out.append(raw[cursor])
                    cursor += 1
                }
            }
            return String(decoding: out, as: UTF8.self)
        }

        /// The index after `</name ...>`, or the end of the input when the element is never closed.
        func findClosing(_ name: String, from start: Int) -> Int {
            let needle = Array("</\(name)".utf8)
            var cursor = start
            while let found = find(needle, from: cursor) {
                let after = found + needle.count
                if after >= bytes.count || !isNameByte(bytes[after]) {
                    return (bytes[after...].firstIndex(of: UInt8(ascii: ">")) ?? bytes.count - 1) + 1
                }
                cursor = after
            }
            return bytes.count
        }

        func starts(with text: String) -> Bool {
            let needle = Array(text.utf8)
            return index + needle.count <= bytes.count && Array(bytes[index..<(index + needle.count)]) == needle
        }

        func find(_ text: String, from start: Int) -> Int? { find(Array(text.utf8), from: start) }

        /// ASCII case-insensitive search.
        func find(_ needle: [UInt8], from start: Int) -> Int? {
            guard !needle.isEmpty, needle.count <= bytes.count else { return nil }
            var cursor = start
            while cursor + needle.count <= bytes.count {
                var matched = true
                for offset in 0..<needle.count where lower(bytes[cursor + offset]) != lower(needle[offset]) {
                    matched = false
                    break
                }
                if matched { return cursor }
                cursor += 1
            }
            return nil
        }

        func lower(_ byte: UInt8) -> UInt8 { byte >= 65 && byte <= 90 ? byte + 32 : byte }
        func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) >= 97 && (byte | 0x20) <= 122 }
        func isNameByte(_ byte: UInt8) -> Bool {
            isLetter(byte) || (byte >= 48 && byte <= 57) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: ":")
        }
        func isSpace(_ byte: UInt8) -> Bool {
            byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D || byte == 0x0C
        }
    }
}

/// HTML character references.
enum HTMLEntities {
    /// The common named references (the full HTML list has 2,231; these cover what real pages use).
    static let named: [String: String] = [
        "amp": "&", "lt": "<", "gt": ">", "quot": "\"", "apos": "'", "nbsp": "\u{A0}", "shy": "\u{AD}",
        "copy": "©", "reg": "®", "trade": "™", "hellip": "…", "mdash": "—", "ndash": "–", "lsquo": "‘", "rsquo": "’",
        "sbquo": "‚", "ldquo": "“", "rdquo": "”", "bdquo": "„", "laquo": "«", "raquo": "»", "lsaquo": "‹",
        "rsaquo": "›", "bull": "•", "middot": "·", "deg": "°", "plusmn": "±", "times": "×", "divide": "÷",
        "euro": "€", "pound": "£", "yen": "¥", "cent": "¢", "sect": "§", "para": "¶", "dagger": "†", "Dagger": "‡",
        "permil": "‰", "prime": "′", "Prime": "″", "frac12": "½", "frac14": "¼", "frac34": "¾", "sup1": "¹",
        "sup2": "²", "sup3": "³", "micro": "µ", "iexcl": "¡", "iquest": "¿", "ordf": "ª", "ordm": "º", "not": "¬",
        "macr": "¯", "acute": "´", "cedil": "¸", "uml": "¨", "curren": "¤", "brvbar": "¦", "larr": "←",
        "rarr": "→", "uarr": "↑", "darr": "↓", "harr": "↔", "rArr": "⇒", "lArr": "⇐", "hArr": "⇔", "le": "≤",
        "ge": "≥", "ne": "≠", "asymp": "≈", "equiv": "≡", "infin": "∞", "minus": "−", "sum": "∑", "prod": "∏",
        "radic": "√", "part": "∂", "nabla": "∇", "isin": "∈", "cap": "∩", "cup": "∪", "int": "∫", "forall": "∀",
        "exist": "∃", "empty": "∅", "and": "∧", "or": "∨", "loz": "◊", "spades": "♠", "clubs": "♣", "hearts": "♥",
        "diams": "♦", "ensp": "\u{2002}", "emsp": "\u{2003}", "thinsp": "\u{2009}", "zwnj": "\u{200C}",
        "zwj": "\u{200D}", "lrm": "\u{200E}", "rlm": "\u{200F}", "szlig": "ß", "AElig": "Æ", "aelig": "æ",
        "OElig": "Œ", "oelig": "œ", "Oslash": "Ø", "oslash": "ø", "Aring": "Å", "aring": "å", "Ccedil": "Ç",
        "ccedil": "ç", "ETH": "Ð", "eth": "ð", "THORN": "Þ", "thorn": "þ", "Ntilde": "Ñ", "ntilde": "ñ",
        "Scaron": "Š", "scaron": "š", "Yuml": "Ÿ", "yuml": "ÿ", "fnof": "ƒ", "circ": "ˆ", "tilde": "˜",
        "alpha": "α", "beta": "β", "gamma": "γ", "delta": "δ", "epsilon": "ε", "lambda": "λ", "mu": "μ", "pi": "π",
        "sigma": "σ", "omega": "ω", "Alpha": "Α", "Beta": "Β", "Gamma": "Γ", "Delta": "Δ", "Sigma": "Σ",
        "Omega": "Ω", "Pi": "Π", "theta": "θ", "phi": "φ", "psi": "ψ", "chi": "χ", "rho": "ρ", "tau": "τ",
    ]

    /// Accented Latin letters: `&Xgrave;` etc. for the vowels and marks browsers know.
    static let accents: [String: UInt32] = [
        "grave": 0x300, "acute": 0x301, "circ": 0x302, "tilde": 0x303, "uml": 0x308,
    ]

    /// Decodes the reference at `start` (which holds `&`): the UTF-8 bytes and how many input bytes it used.
    /// An unknown or malformed reference is the literal `&`.
    static func decode(_ bytes: [UInt8], at start: Int) -> ([UInt8], Int) {
        var cursor = start + 1
        if cursor < bytes.count, bytes[cursor] == UInt8(ascii: "#") {
            cursor += 1
            let hex = cursor < bytes.count && (bytes[cursor] | 0x20) == UInt8(ascii: "x")
            if hex { cursor += 1 }
            let digitsStart = cursor
            var value: UInt32 = 0
            while cursor < bytes.count, cursor - digitsStart < 8, let digit = digitValue(bytes[cursor], hex: hex) {
                value = value * (hex ? 16 : 10) + digit
                cursor += 1
            }
            guard cursor > digitsStart else { return ([UInt8(ascii: "&")], 1) }
            if cursor < bytes.count, bytes[cursor] == UInt8(ascii: ";") { cursor += 1 }
            let scalar = value == 0 ? nil : Unicode.Scalar(numericReplacement(value))
            return (Array(String(scalar ?? "\u{FFFD}").utf8), cursor - start)
        }
        let nameStart = cursor
        while cursor < bytes.count, cursor - nameStart < 32,
            (bytes[cursor] | 0x20) >= 97 && (bytes[cursor] | 0x20) <= 122
                || (bytes[cursor] >= 48 && bytes[cursor] <= 57)
        {
            cursor += 1
        }
        let name = String(decoding: bytes[nameStart..<cursor], as: UTF8.self)
        let terminated = cursor < bytes.count && bytes[cursor] == UInt8(ascii: ";")
        let legacy: Set<String> = ["amp", "lt", "gt", "quot", "nbsp", "copy", "reg"]
        guard terminated || legacy.contains(name), let text = lookup(name) else { return ([UInt8(ascii: "&")], 1) }
        return (Array(text.utf8), cursor - start + (terminated ? 1 : 0))
    }

    static func lookup(_ name: String) -> String? {
        if let text = named[name] { return text }
        // Aacute, egrave, ouml ...: a base vowel plus a combining mark, composed.
        guard let base = name.first, "AEIOUYaeiouyNnCc".contains(base) else { return nil }
        guard let mark = accents[String(name.dropFirst())], let combining = Unicode.Scalar(mark) else { return nil }
        return (String(base) + String(combining)).precomposedStringWithCanonicalMapping
    }

    /// Numeric references to C1 controls mean Windows-1252 characters (as browsers decode them); surrogates are invalid.
    static func numericReplacement(_ value: UInt32) -> UInt32 {
        if (0x80...0x9F).contains(value) { return TextDecoder.windows1252High[Int(value) - 0x80] }
        if (0xD800...0xDFFF).contains(value) || value > 0x10FFFF { return 0xFFFD }
        return value
    }

    static func digitValue(_ byte: UInt8, hex: Bool) -> UInt32? {
        switch byte {
        case 48...57: return UInt32(byte - 48)
        case 97...102 where hex: return UInt32(byte - 87)
        case 65...70 where hex: return UInt32(byte - 55)
        default: return nil
        }
    }
}
