import Foundation

/// Markdown to plain text with minimal stripping: the words stay, the markup goes.
///
/// Removes heading markers (ATX `#` and setext underlines), emphasis markers, inline-code backticks, list and quote
/// markers, link and image syntax (keeping the link text and image alt text), reference definitions and raw HTML
/// tags; HTML comments (`<!-- … -->`, also over several lines) are removed with their content; code fences are
/// removed but the code inside is kept as text. The title is the first heading.
public enum MarkdownReader {
    /// The text and title of a Markdown document.
    public static func read(_ markdown: String) -> (text: String, title: String?) {
        var output: [Substring] = []
        var title: String?
        var fence: Substring?
        var inComment = false
        let lines = markdown.split(separator: "\n", omittingEmptySubsequences: false)
        var index = 0
        while index < lines.count {
            var line = lines[index]
            if line.hasSuffix("\r") { line = line.dropLast() }
            index += 1
            if fence == nil, inComment || line.contains("<!--") {
                let (kept, open) = Self.removingComments(line, inComment: inComment)
                inComment = open
                // A line that held only a comment stays as an empty line, so the paragraphs around it stay apart.
                if kept.allSatisfy(\.isWhitespace) {
                    output.append("")
                    continue
                }
                line = kept
            }
            let trimmed = line.drop { $0 == " " }
            if let open = fence {
                if trimmed.hasPrefix(open) && trimmed.allSatisfy({ $0 == open.first }) {
                    fence = nil
                } else {
                    output.append(line)
                }
                continue
            }
            if trimmed.hasPrefix("```") || trimmed.hasPrefix("~~~") {
                fence = trimmed.prefix { $0 == trimmed.first }
                continue
            }
            // Setext heading: a text line followed by === or ---.
            if index < lines.count, !trimmed.isEmpty, isSetextUnderline(lines[index]) {
                let heading = inline(trimmed)
                if title == nil { title = heading }
                output.append(Substring(heading))
                index += 1
                continue
            }
            if trimmed.hasPrefix("#") {
                let hashes = trimmed.prefix { $0 == "#" }
                let rest = trimmed.dropFirst(hashes.count)
                if hashes.count <= 6, rest.isEmpty || rest.first == " " || rest.first == "\t" {
                    var heading = rest.trimmingCharacters(in: .whitespaces)
                    while heading.hasSuffix("#") { heading.removeLast() }
                    heading = inline(Substring(heading.trimmingCharacters(in: .whitespaces)))
                    if title == nil, !heading.isEmpty { title = heading }
                    output.append(Substring(heading))
                    continue
                }
            }
            if isReferenceDefinition(trimmed) || isThematicBreak(trimmed) { continue }
            output.append(Substring(inline(stripBlockMarkers(line))))
        }
        return (output.joined(separator: "\n"), title)
    }

    /// `line` without HTML comments, and whether a comment is still open at its end.
    static func removingComments(_ line: Substring, inComment: Bool) -> (Substring, Bool) {
        var rest = line
        var kept = ""
        var open = inComment
        while true {
            if open {
                guard let close = rest.range(of: "-->") else { return (Substring(kept), true) }
                rest = rest[close.upperBound...]
                open = false
            }
            guard let start = rest.range(of: "<!--") else { return (Substring(kept + rest), false) }
            kept += rest[..<start.lowerBound]
            rest = rest[start.upperBound...]
            open = true
        }
    }

    static func isSetextUnderline(_ line: Substring) -> Bool {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard let first = trimmed.first, first == "=" || first == "-", trimmed.count >= 2 else { return false }
        return trimmed.allSatisfy { $0 == first }
    }

    static func isThematicBreak(_ line: Substring) -> Bool {
        let compact = line.filter { $0 != " " }
        guard let first = compact.first, "-*_".contains(first), compact.count >= 3 else { return false }
        return compact.allSatisfy { $0 == first }
    }

    static func isReferenceDefinition(_ line: Substring) -> Bool {
        guard line.first == "[", let close = line.range(of: "]:") else { return false }
        return !line[line.index(after: line.startIndex)..<close.lowerBound].contains("]")
    }

    /// Removes quote markers and list bullets at the start of a line.
    static func stripBlockMarkers(_ line: Substring) -> Substring {
        var rest = line.drop { $0 == " " }
        while rest.first == ">" { rest = rest.dropFirst().drop { $0 == " " } }
        if let first = rest.first, "-*+".contains(first), rest.dropFirst().first == " " {
            rest = rest.dropFirst(2)
            if rest.hasPrefix("[ ] ") || rest.hasPrefix("[x] ") || rest.hasPrefix("[X] ") { rest = rest.dropFirst(4) }
        } else {
            let digits = rest.prefix { $0.isASCII && $0.isNumber }
            let after = rest.dropFirst(digits.count)
            if !digits.isEmpty, digits.count <= 9, let marker = after.first, marker == "." || marker == ")",
                after.dropFirst().first == " "
            {
                rest = after.dropFirst(2)
            }
        }
        return rest
    }

    /// Inline markup: links and images keep their text, emphasis and code markers go, HTML tags go.
    static func inline(_ text: Substring) -> String {
        let characters = Array(text)
        var out = ""
        var index = 0
        while index < characters.count {
            let character = characters[index]
            switch character {
            case "\\" where index + 1 < characters.count && characters[index + 1].isPunctuationOrSymbol:
                out.append(characters[index + 1])
                index += 2
            case "!" where index + 1 < characters.count && characters[index + 1] == "[":
                if let (label, next) = link(characters, at: index + 1) {
                    out += inline(Substring(label))
                    index = next
                } else {
                    out.append(character)
                    index += 1
                }
            case "[":
                if let (label, next) = link(characters, at: index) {
                    out += inline(Substring(label))
                    index = next
                } else {
                    out.append(character)
                    index += 1
                }
            case "`":
                let run = characters[index...].prefix { $0 == "`" }.count
                index += run
            case "*", "_":
                let run = characters[index...].prefix { $0 == character }.count
                // Emphasis markers touch a word on one side; an intraword `_` (snake_case) is text.
                let before = index > 0 ? characters[index - 1] : " "
                let after = index + run < characters.count ? characters[index + run] : " "
                let intraword = character == "_" && before.isLetterOrNumber && after.isLetterOrNumber
                if intraword || (before.isWhitespace && after.isWhitespace) {
                    out += String(repeating: character, count: run)
                }
                index += run
            case "<":
                if let close = characters[index...].firstIndex(of: ">"), close - index < 200,
                    index + 1 < characters.count, characters[index + 1].isLetter || characters[index + 1] == "/"
                {
                    let inside = String(characters[(index + 1)..<close])
                    if inside.hasPrefix("http://") || inside.hasPrefix("https://") || inside.contains("@") {
                        out += inside
                    }
                    index = close + 1
                } else {
                    out.append(character)
                    index += 1
                }
            default:
                out.append(character)
                index += 1
            }
        }
        return out
    }

    /// `[label](target)` or `[label][ref]` starting at `start`: the label and the index after the link.
    static func link(_ characters: [Character], at start: Int) -> (String, Int)? {
        var depth = 0
        var index = start
        while index < characters.count {
            if characters[index] == "[" { depth += 1 }
            if characters[index] == "]" {
                depth -= 1
                if depth == 0 { break }
            }
            index += 1
        }
        guard index < characters.count else { return nil }
        let label = String(characters[(start + 1)..<index])
        let next = index + 1
        guard next < characters.count else { return nil }
        let closing: Character
        switch characters[next] {
        case "(": closing = ")"
        case "[": closing = "]"
        default: return nil
        }
        guard let end = characters[next...].firstIndex(of: closing) else { return nil }
        return (label, end + 1)
    }
}

extension Character {
    fileprivate var isLetterOrNumber: Bool { isLetter || isNumber }
    fileprivate var isPunctuationOrSymbol: Bool { isPunctuation || isSymbol }
}
