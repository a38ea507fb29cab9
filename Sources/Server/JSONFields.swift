import Foundation

/// The fields of one JSON object of a request body, read with errors that name the field (`inputs.question must
/// be a string`), as a 400 should.
struct JSONFields {
    /// The object's members.
    let object: [String: Any]
    /// Where the object sits in the body (`""` for the body itself, `inputs[2]` for an element).
    let path: String

    /// Parses a request body that must be a JSON object.
    init(body: Data) throws(ServerError) {
        let value = try Self.parse(body)
        guard let object = value as? [String: Any] else { throw .badRequest("the body must be a JSON object") }
        self.init(object: object, path: "")
    }

    init(object: [String: Any], path: String) {
        self.object = object
        self.path = path
    }

    /// Any JSON value of a body (used where an object or a list is allowed).
    static func parse(_ body: Data) throws(ServerError) -> Any {
        guard !body.isEmpty else { throw .badRequest("the body is empty; send a JSON object") }
        do {
            return try JSONSerialization.jsonObject(with: body, options: [.fragmentsAllowed])
        } catch {
            throw .badRequest("the body is not valid JSON")
        }
    }

    /// The dotted name of `key` for messages.
    func name(_ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// Whether the key is present and not null.
    func has(_ key: String) -> Bool { object[key].map { !($0 is NSNull) } ?? false }

    /// Fails on members the route does not know, so a misspelt option is not silently ignored.
    func rejectUnknown(allowed: Set<String>) throws(ServerError) {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw .badRequest("unknown field \(name(unknown)); allowed: \(allowed.sorted().joined(separator: ", "))")
        }
    }

    /// A required string.
    func string(_ key: String, nonEmpty: Bool = true, maxLength: Int? = nil) throws(ServerError) -> String {
        guard has(key) else { throw .badRequest("\(name(key)) is required") }
        return try optionalString(key, nonEmpty: nonEmpty, maxLength: maxLength)!
    }

    /// An optional string (nil when absent or null).
    func optionalString(_ key: String, nonEmpty: Bool = true, maxLength: Int? = nil) throws(ServerError) -> String? {
        guard has(key) else { return nil }
        guard let value = object[key] as? String else { throw .badRequest("\(name(key)) must be a string") }
        if nonEmpty && value.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty {
            throw .badRequest("\(name(key)) must not be empty")
        }
        if let maxLength, value.unicodeScalars.count > maxLength {
            throw .badRequest("\(name(key)) is longer than \(maxLength) characters")
        }
        return value
    }

    /// An optional integer in `range`.
    func integer(_ key: String, in range: ClosedRange<Int>) throws(ServerError) -> Int? {
        guard has(key) else { return nil }
        // JSONSerialization gives NSNumber for numbers and booleans; a boolean or a fraction is not an integer.
        guard let number = object[key] as? NSNumber, !Self.isBoolean(number),
            let value = Int(exactly: number.doubleValue), number.doubleValue.isFinite
        else { throw .badRequest("\(name(key)) must be an integer") }
        guard range.contains(value) else {
            throw .badRequest("\(name(key)) must be between \(range.lowerBound) and \(range.upperBound) (got \(value))")
        }
        return value
    }

    /// An optional finite number.
    func number(_ key: String) throws(ServerError) -> Double? {
        guard has(key) else { return nil }
        guard let number = object[key] as? NSNumber, !Self.isBoolean(number), number.doubleValue.isFinite else {
            throw .badRequest("\(name(key)) must be a number")
        }
        return number.doubleValue
    }

    /// An optional boolean.
    func boolean(_ key: String) throws(ServerError) -> Bool? {
        guard has(key) else { return nil }
        guard let number = object[key] as? NSNumber, Self.isBoolean(number) else {
            throw .badRequest("\(name(key)) must be true or false")
        }
        return number.boolValue
    }

    /// An optional nested object.
    func fields(_ key: String) throws(ServerError) -> JSONFields? {
        guard has(key) else { return nil }
        guard let nested = object[key] as? [String: Any] else { throw .badRequest("\(name(key)) must be an object") }
        return JSONFields(object: nested, path: name(key))
    }

    /// An optional list of strings.
    func strings(_ key: String, maxLength: Int? = nil) throws(ServerError) -> [String]? {
        guard has(key) else { return nil }
        guard let list = object[key] as? [Any] else { throw .badRequest("\(name(key)) must be a list of strings") }
        var result: [String] = []
        for (index, element) in list.enumerated() {
            guard let string = element as? String, !string.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
            else { throw .badRequest("\(name(key))[\(index)] must be a non-empty string") }
            if let maxLength, string.unicodeScalars.count > maxLength {
                throw .badRequest("\(name(key))[\(index)] is longer than \(maxLength) characters")
            }
            result.append(string)
        }
        return result
    }

    /// Whether an `NSNumber` from `JSONSerialization` was a JSON `true`/`false`.
    static func isBoolean(_ number: NSNumber) -> Bool {
        #if canImport(Darwin)
            return CFGetTypeID(number) == CFBooleanGetTypeID()
        #else
            // swift-corelibs-foundation stores JSON booleans as Bool-typed NSNumbers ("c" objCType).
            return String(cString: number.objCType) == "c"
                && (number == NSNumber(value: true) || number == NSNumber(value: false))
        #endif
    }
}
