import Foundation

/// Reads JSON Lines from a file or standard input (`-`), one line at a time, so memory stays bounded on large
/// inputs. Lines are decoded with `JSONDecoder`: Foundation's `JSONSerialization` on Linux drops U+FEFF inside
/// strings, which would shift every character offset of a text that starts with a byte-order mark.
struct JSONLinesReader {
    /// The file or `-`, as the user named it (for messages).
    let name: String
    private let handle: FileHandle

    /// Opens `path` (`-`: standard input).
    init(path: String) throws {
        if path == "-" {
            self = .standardInput
        } else {
            guard let opened = FileHandle(forReadingAtPath: path) else { throw CommandFailure("cannot open \(path)") }
            self.init(name: path, handle: opened)
        }
    }

    /// Standard input.
    static var standardInput: JSONLinesReader { JSONLinesReader(name: "standard input", handle: .standardInput) }

    private init(name: String, handle: FileHandle) {
        self.name = name
        self.handle = handle
    }

    /// Calls `body` with each non-blank line and its 1-based number, in order.
    func forEachLine(_ body: (_ number: Int, _ line: Data) throws -> Void) throws {
        var buffer = Data()
        var number = 0
        func emit(_ line: Data) throws {
            number += 1
            var line = line
            if line.last == UInt8(ascii: "\r") { line.removeLast() }
            if line.allSatisfy({ $0 == 0x20 || $0 == 0x09 || $0 == 0x0D }) { return }
            try body(number, line)
        }
        while true {
            let chunk = handle.readData(ofLength: 1 << 16)
            if chunk.isEmpty { break }
            buffer.append(chunk)
            var start = buffer.startIndex
            while let newline = buffer[start...].firstIndex(of: 0x0A) {
                try emit(Data(buffer[start..<newline]))
                start = buffer.index(after: newline)
            }
            buffer = Data(buffer[start...])
        }
        if !buffer.isEmpty { try emit(buffer) }
    }

    /// Decodes one line as `T`.
    static func decode<T: Decodable>(_ type: T.Type, line: Data) throws -> T {
        try JSONDecoder().decode(type, from: line)
    }

    /// Whether `line` is a JSON object (for messages that tell a wrong field from a line that is not JSON).
    static func isObject(_ line: Data) -> Bool {
        struct AnyObject: Decodable {
            init(from decoder: any Decoder) throws { _ = try decoder.container(keyedBy: AnyKey.self) }
        }
        return (try? JSONDecoder().decode(AnyObject.self, from: line)) != nil
    }

    private struct AnyKey: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }
}

/// Writes JSON Lines to standard output, buffered and flushed in whole lines, so a reader of the pipe never sees
/// half a line.
final class JSONLinesWriter {
    private var buffer = ""
    private let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    /// Appends a line that is already JSON.
    func write(line: String) {
        buffer += line
        buffer += "\n"
        if buffer.utf8.count >= 1 << 16 { flush() }
    }

    /// Appends `value` encoded with sorted keys.
    func write<T: Encodable>(_ value: T) throws {
        write(line: String(decoding: try encoder.encode(value), as: UTF8.self))
    }

    /// Writes what is buffered.
    func flush() {
        guard !buffer.isEmpty else { return }
        FileHandle.standardOutput.write(Data(buffer.utf8))
        buffer.removeAll(keepingCapacity: true)
    }

    deinit { flush() }
}
