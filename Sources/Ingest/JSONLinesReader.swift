import Foundation

/// JSON Lines: one `{"id", "title", "text", "lang"?, "url"?}` object per line, each a document.
///
/// A bad line (not JSON, not an object, no `text` string, a repeated id) is reported with its 1-based line number and
/// left out; the other lines still count. Blank lines are ignored. A record without `id` gets `line-N`.
public enum JSONLinesReader {
    /// The documents and the per-line problems.
    public static func read(_ data: Data) -> ReadResult {
        var documents: [IngestedDocument] = []
        var warnings: [String] = []
        var seen = Set<String>()
        var lineNumber = 0
        var start = data.startIndex
        while start < data.endIndex {
            let end = data[start...].firstIndex(of: 0x0A) ?? data.endIndex
            lineNumber += 1
            var line = data[start..<end]
            start = end < data.endIndex ? data.index(after: end) : end
            if lineNumber == 1, line.starts(with: [0xEF, 0xBB, 0xBF]) { line = line.dropFirst(3) }
            guard line.contains(where: { $0 != 0x20 && $0 != 0x09 && $0 != 0x0D }) else { continue }
            switch record(Data(line), lineNumber: lineNumber) {
            case .success(var document):
                let identifier = document.identifier ?? "line-\(lineNumber)"
                guard seen.insert(identifier).inserted else {
                    warnings.append("line \(lineNumber): duplicate id \"\(identifier)\"; line skipped")
                    continue
                }
                document.identifier = identifier
                documents.append(document)
            case .failure(let problem):
                warnings.append("line \(lineNumber): \(problem.message); line skipped")
            }
        }
        return ReadResult(documents: documents, warnings: warnings)
    }

    struct Problem: Error {
        var message: String
    }

    /// The string fields, decoded with `JSONDecoder`: Foundation's `JSONSerialization` on Linux drops a U+FEFF
    /// inside strings, which would change the text (and every offset after it) the user gave us.
    private struct Strings: Decodable {
        var text: String?
        var title: String?
    }

    static func record(_ line: Data, lineNumber: Int) -> Result<IngestedDocument, Problem> {
        let object: Any
        do {
            object = try JSONSerialization.jsonObject(with: line, options: [.fragmentsAllowed])
        } catch {
            return .failure(Problem(message: "not valid JSON"))
        }
        guard let fields = object as? [String: Any] else { return .failure(Problem(message: "not a JSON object")) }
        guard fields["text"] is String else { return .failure(Problem(message: "no \"text\" string")) }
        let strings = try? JSONDecoder().decode(Strings.self, from: line)
        guard let text = strings?.text ?? fields["text"] as? String else {
            return .failure(Problem(message: "no \"text\" string"))
        }
        guard text.contains(where: { !$0.isWhitespace }) else { return .failure(Problem(message: "empty \"text\"")) }
        var identifier: String?
        switch fields["id"] {
        case let value as String: identifier = value
        case let value as NSNumber: identifier = value.stringValue
        case nil: identifier = nil
        default: return .failure(Problem(message: "\"id\" is neither a string nor a number"))
        }
        return .success(
            IngestedDocument(
                identifier: identifier, title: strings?.title ?? fields["title"] as? String,
                url: fields["url"] as? String, text: text,
                language: fields["lang"] as? String, format: .jsonLines))
    }
}
