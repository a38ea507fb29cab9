import Foundation

/// Reads a flat JSON object (`{"key": value, ...}`) keeping its key order, which the official script's
/// best-threshold search depends on (Python dicts keep file order; Foundation's do not).
enum OrderedJSONObject {
    /// A value of a flat object.
    enum Value: Equatable {
        case string(String)
        case number(Double)
        case null
    }

    /// The `(key, value)` pairs in file order; nested objects or arrays are rejected.
    static func parse(_ data: Data) throws -> [(key: String, value: Value)] {
        guard let top = try JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed]) as? [String: Any]
        else { throw Failure(message: "expected a JSON object") }
        var scanner = KeyScanner(bytes: [UInt8](data))
        let keys = try scanner.topLevelKeys()
        var seen = Set<String>()
        var pairs: [(key: String, value: Value)] = []
        for key in keys where seen.insert(key).inserted {
            // Python keeps the last duplicate's value at the first duplicate's position; so does this.
            guard let raw = top[key] else { throw Failure(message: "key '\(key)' not found") }
            pairs.append((key, try value(raw, key: key)))
        }
        return pairs
    }

    private static func value(_ raw: Any, key: String) throws -> Value {
        switch raw {
        case let string as String: return .string(string)
        case is NSNull: return .null
        case let number as NSNumber: return .number(number.doubleValue)
        default: throw Failure(message: "value of '\(key)' is not a string or number")
        }
    }

    struct Failure: Error, LocalizedError {
        let message: String
        var errorDescription: String? { message }
    }

    /// Finds the keys of the top-level object, skipping over values of any shape.
    private struct KeyScanner {
        let bytes: [UInt8]
        var index = 0

        mutating func skipWhitespace() {
            while index < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[index]) { index += 1 }
        }

        mutating func topLevelKeys() throws -> [String] {
            skipWhitespace()
            guard index < bytes.count, bytes[index] == UInt8(ascii: "{") else { throw Failure(message: "expected '{'") }
            index += 1
            var keys: [String] = []
            while true {
                skipWhitespace()
                guard index < bytes.count else { throw Failure(message: "unterminated object") }
                if bytes[index] == UInt8(ascii: "}") { return keys }
                if bytes[index] == UInt8(ascii: ",") {
                    index += 1
                    continue
                }
                let keyStart = index
                try skipString()
                let literal = Data(bytes[keyStart..<index])
                guard let key = try JSONSerialization.jsonObject(with: literal, options: [.fragmentsAllowed]) as? String
                else { throw Failure(message: "bad key") }
                keys.append(key)
                skipWhitespace()
                guard index < bytes.count, bytes[index] == UInt8(ascii: ":") else {
                    throw Failure(message: "expected ':'")
                }
                index += 1
                try skipValue()
            }
        }

        mutating func skipString() throws {
            guard bytes[index] == UInt8(ascii: "\"") else { throw Failure(message: "expected a string") }
            index += 1
            while index < bytes.count {
                if bytes[index] == UInt8(ascii: "\\") {
                    index += 2
                } else if bytes[index] == UInt8(ascii: "\"") {
                    index += 1
                    return
                } else {
                    index += 1
                }
            }
            throw Failure(message: "unterminated string")
        }

        mutating func skipValue() throws {
            skipWhitespace()
            var depth = 0
            while index < bytes.count {
                let byte = bytes[index]
                if byte == UInt8(ascii: "\"") {
                    try skipString()
                    if depth == 0 { return }
                    continue
                }
                if byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") { depth += 1 }
                if byte == UInt8(ascii: "}") || byte == UInt8(ascii: "]") {
                    if depth == 0 { return }
                    depth -= 1
                }
                if byte == UInt8(ascii: ","), depth == 0 { return }
                index += 1
            }
        }
    }
}
