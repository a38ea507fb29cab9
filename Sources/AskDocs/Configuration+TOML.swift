import Foundation
import TOMLKit
import Transformer

/// Why a configuration file cannot be used; one line naming the file, the key and the line where known.
public enum ConfigurationError: LocalizedError, Equatable, Sendable {
    /// The named file does not exist or cannot be read.
    case unreadable(file: String, reason: String)
    /// The file is not valid TOML.
    case malformed(file: String, line: Int, column: Int, reason: String)
    /// A key or table AskDocs does not know (a typo would otherwise be ignored silently).
    case unknownKey(file: String, key: String, line: Int?, known: [String])
    /// A value of the wrong TOML type.
    case wrongType(file: String, key: String, line: Int?, expected: String, got: String)
    /// A value of the right type but out of range.
    case invalidValue(file: String, key: String, line: Int?, reason: String)

    /// One line: `file:line: message`.
    public var errorDescription: String? {
        func place(_ file: String, _ line: Int?) -> String { line.map { "\(file):\($0)" } ?? file }
        switch self {
        case .unreadable(let file, let reason):
            return "cannot read the configuration file \(file): \(reason)"
        case .malformed(let file, let line, let column, let reason):
            return "\(file):\(line):\(column): not valid TOML: \(reason)"
        case .unknownKey(let file, let key, let line, let known):
            return "\(place(file, line)): unknown key '\(key)'; known keys: \(known.joined(separator: ", "))"
        case .wrongType(let file, let key, let line, let expected, let got):
            return "\(place(file, line)): '\(key)' must be \(expected), not \(got)"
        case .invalidValue(let file, let key, let line, let reason):
            return "\(place(file, line)): '\(key)' \(reason)"
        }
    }
}

extension Configuration {
    /// The keys of `askdocs.toml`, dotted (`ask.passages` is `passages` in the `[ask]` table).
    public static let fileKeys = [
        "database", "reader", "retriever", "precision", "reader_precision", "retriever_precision", "ask.passages",
        "ask.answers", "ask.mode", "ask.no_answer_boost",
    ]

    /// This configuration with the values of the TOML file at `url` replacing its own; `shownAs` names the file in
    /// errors. A relative `database` is relative to the file's folder; a relative model path is too when such a
    /// folder exists there (otherwise it is a Hugging Face id).
    public func loading(contentsOf url: URL, shownAs name: String) throws(ConfigurationError) -> Configuration {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            let reason =
                FileManager.default.fileExists(atPath: url.path) ? "not UTF-8 text or unreadable" : "no such file"
            throw .unreadable(file: name, reason: reason)
        }
        return try parsing(text, file: name, folder: url.deletingLastPathComponent())
    }

    /// This configuration with the values of the TOML document `text` (from `file` in `folder`) replacing its own.
    public func parsing(_ text: String, file: String, folder: URL) throws(ConfigurationError) -> Configuration {
        let table: TOMLTable
        do {
            table = try TOMLTable(string: text)
        } catch let error as TOMLParseError {
            throw .malformed(
                file: file, line: error.source.begin.line, column: error.source.begin.column,
                reason: error.description.split(whereSeparator: \.isNewline).joined(separator: " "))
        } catch {
            throw .malformed(file: file, line: 1, column: 1, reason: "\(error)")
        }
        let lines = TOMLKeyLines(text)
        var result = self
        // `precision` sets both models; `reader_precision` and `retriever_precision` then refine it, whatever
        // the order they are written in.
        if let value = table["precision"] {
            result.precisions = ModelPrecisions(try Self.precision(value, key: "precision", file: file, lines: lines))
        }
        for (key, value) in table {
            switch key {
            case "precision":
                break
            case "reader_precision":
                result.precisions.reader = try Self.precision(value, key: key, file: file, lines: lines)
            case "retriever_precision":
                result.precisions.retriever = try Self.precision(value, key: key, file: file, lines: lines)
            case "database":
                let path = try Self.string(value, key: key, file: file, lines: lines)
                result.databasePath = SharedStore.isShared(path) ? path : Self.absolute(path, in: folder)
            case "reader":
                let name = try Self.string(value, key: key, file: file, lines: lines)
                result.readerModel = Self.model(name, in: folder)
            case "retriever":
                let name = try Self.string(value, key: key, file: file, lines: lines)
                result.retrieverModel = Self.model(name, in: folder)
            case "ask":
                guard let ask = value.table, value.type == .table else {
                    throw .wrongType(
                        file: file, key: key, line: lines.line(of: key), expected: "a table", got: Self.name(value))
                }
                try result.readAsk(ask, file: file, lines: lines)
            default:
                throw .unknownKey(file: file, key: key, line: lines.line(of: key), known: Self.fileKeys)
            }
        }
        return result
    }

    private mutating func readAsk(_ table: TOMLTable, file: String, lines: TOMLKeyLines) throws(ConfigurationError) {
        for (name, value) in table {
            let key = "ask." + name
            let line = lines.line(of: key)
            switch name {
            case "passages", "answers":
                guard value.type == .int, let number = value.int else {
                    throw .wrongType(file: file, key: key, line: line, expected: "an integer", got: Self.name(value))
                }
                guard number > 0 else {
                    throw .invalidValue(file: file, key: key, line: line, reason: "must be positive")
                }
                if name == "passages" { passages = number } else { answers = number }
            case "mode":
                let text = try Self.string(value, key: key, file: file, lines: lines)
                guard let parsed = SearchMode(rawValue: text) else {
                    throw .invalidValue(
                        file: file, key: key, line: line,
                        reason: "must be one of \(SearchMode.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                mode = parsed
            case "no_answer_boost":
                // TOML writes 1 and 1.0 differently; both mean the number one here.
                guard value.type == .double || value.type == .int,
                    let number = value.double ?? value.int.map(Double.init)
                else {
                    throw .wrongType(file: file, key: key, line: line, expected: "a number", got: Self.name(value))
                }
                guard number.isFinite, abs(number) <= Double(Float.greatestFiniteMagnitude) else {
                    throw .invalidValue(file: file, key: key, line: line, reason: "must be a finite number")
                }
                noAnswerBoost = Float(number)
            default:
                throw .unknownKey(file: file, key: key, line: line, known: Self.fileKeys)
            }
        }
    }

    private static func string(
        _ value: any TOMLValueConvertible, key: String, file: String, lines: TOMLKeyLines
    ) throws(ConfigurationError) -> String {
        guard value.type == .string, let text = value.string else {
            throw .wrongType(file: file, key: key, line: lines.line(of: key), expected: "a string", got: name(value))
        }
        guard !text.isEmpty else {
            throw .invalidValue(file: file, key: key, line: lines.line(of: key), reason: "must not be empty")
        }
        return text
    }

    private static func precision(
        _ value: any TOMLValueConvertible, key: String, file: String, lines: TOMLKeyLines
    ) throws(ConfigurationError) -> Precision {
        let text = try string(value, key: key, file: file, lines: lines)
        guard let precision = Precision(rawValue: text) else {
            throw .invalidValue(
                file: file, key: key, line: lines.line(of: key), reason: "must be one of \(Precision.names)")
        }
        return precision
    }

    /// A model named in a file: a folder beside the file when one exists there, else as written (a Hugging Face id
    /// or a path relative to the working directory).
    private static func model(_ text: String, in folder: URL) -> String {
        guard !text.hasPrefix("/") else { return text }
        let candidate = absolute(text, in: folder)
        var isDirectory: ObjCBool = false
        let exists = FileManager.default.fileExists(atPath: candidate, isDirectory: &isDirectory)
        return exists && isDirectory.boolValue ? candidate : text
    }

    /// `path` made absolute against `folder` (unless it already is), with `.` and `..` resolved.
    static func absolute(_ path: String, in folder: URL) -> String {
        guard !path.hasPrefix("/") else { return path }
        return folder.appendingPathComponent(path).standardizedFileURL.path
    }

    private static func name(_ value: any TOMLValueConvertible) -> String {
        switch value.type {
        case .int: "an integer"
        case .double: "a floating-point number"
        case .string: "a string"
        case .bool: "a boolean"
        case .table: "a table"
        case .array: "an array"
        case .date, .time, .dateTime: "a \(value.type)"
        }
    }
}

/// The line each key of a TOML document is written on, found from its text: TOMLKit reports positions only for
/// parse errors, and an error about a value should still say where it is.
struct TOMLKeyLines {
    private var lines: [String: Int] = [:]

    init(_ text: String) {
        var table = ""
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("["), let close = line.firstIndex(of: "]") {
                table = Self.normalized(line[line.index(after: line.startIndex)..<close])
                if lines[table] == nil { lines[table] = index + 1 }
            } else if let equals = line.firstIndex(of: "="), !line.hasPrefix("#") {
                let key = Self.normalized(line[..<equals])
                let full = table.isEmpty ? key : table + "." + key
                if lines[full] == nil { lines[full] = index + 1 }
            }
        }
    }

    /// The line of the dotted key `key`, or nil.
    func line(of key: String) -> Int? { lines[key] }

    /// A key without spaces around its dots or quotes around its parts.
    private static func normalized(_ key: Substring) -> String {
        key.split(separator: ".").map {
            $0.trimmingCharacters(in: .whitespaces).trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
        }.joined(separator: ".")
    }
}
