import Foundation
import Testing

@testable import Transformer

/// Paths to the committed fixtures and their PyTorch goldens.
enum Fixture {
    static let root: URL = {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            preconditionFailure("the Fixtures resource folder is missing from the test bundle")
        }
        return url
    }()

    static func model(_ name: String) -> URL { root.appendingPathComponent(name) }

    /// The goldens written by scripts/reference/make_fixtures.py.
    struct Goldens: Decodable {
        struct QA: Decodable {
            let ids: [Int32]
            let start: [Float]
            let end: [Float]
        }

        struct Embedding: Decodable {
            let ids: [Int32]
            let embedding: [Float]
        }

        let qa: [String: [QA]]
        let embeddings: [String: [Embedding]]
    }

    static let goldens: Goldens = {
        do {
            return try JSONDecoder().decode(
                Goldens.self, from: Data(contentsOf: root.appendingPathComponent("goldens.json")))
        } catch {
            preconditionFailure("cannot read goldens.json: \(error)")
        }
    }()
}

/// The largest absolute difference between two equally long float lists (infinity when lengths differ).
func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    guard a.count == b.count else { return .infinity }
    return zip(a, b).reduce(0) { max($0, abs($1.0 - $1.1)) }
}

/// A fresh temporary folder, removed by the caller with `FileManager.removeItem`.
func temporaryDirectory() throws -> URL {
    let url = FileManager.default.temporaryDirectory.appendingPathComponent("transformer-tests-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
    return url
}

/// Writes safetensors files for tests: well-formed ones and deliberately broken ones.
struct SafetensorsWriter {
    struct Entry {
        var name: String
        var dtype: String
        var shape: [Int]
        var bytes: [UInt8]
    }

    var entries: [Entry] = []

    mutating func add(_ name: String, shape: [Int], floats: [Float]) {
        let bytes = floats.flatMap { value -> [UInt8] in
            withUnsafeBytes(of: value.bitPattern.littleEndian) { Array($0) }
        }
        entries.append(Entry(name: name, dtype: "F32", shape: shape, bytes: bytes))
    }

    mutating func add(_ name: String, dtype: String, shape: [Int], halfBits: [UInt16]) {
        let bytes = halfBits.flatMap { value -> [UInt8] in withUnsafeBytes(of: value.littleEndian) { Array($0) } }
        entries.append(Entry(name: name, dtype: dtype, shape: shape, bytes: bytes))
    }

    /// The header JSON this writer would produce (offsets packed in entry order).
    func headerJSON() -> String {
        var offset = 0
        var parts = ["\"__metadata__\":{\"format\":\"pt\"}"]
        for entry in entries {
            let shape = entry.shape.map(String.init).joined(separator: ",")
            parts.append(
                "\"\(entry.name)\":{\"dtype\":\"\(entry.dtype)\",\"shape\":[\(shape)],\"data_offsets\":[\(offset),\(offset + entry.bytes.count)]}"
            )
            offset += entry.bytes.count
        }
        return "{" + parts.joined(separator: ",") + "}"
    }

    /// The file bytes: 8-byte length, header (padded to 8 bytes), data.
    func data(header: String? = nil) -> Data {
        var json = Array((header ?? headerJSON()).utf8)
        while json.count % 8 != 0 { json.append(0x20) }
        var data = Data()
        withUnsafeBytes(of: UInt64(json.count).littleEndian) { data.append(contentsOf: $0) }
        data.append(contentsOf: json)
        for entry in entries { data.append(contentsOf: entry.bytes) }
        return data
    }

    func write(to url: URL, header: String? = nil) throws {
        try data(header: header).write(to: url)
    }

    /// Every tensor of `file` re-encoded as F32 (or, with `half`, as F16 of the same values).
    static func copying(_ file: SafetensorsFile, names: [String]? = nil) throws -> SafetensorsWriter {
        var writer = SafetensorsWriter()
        for name in names ?? file.tensors.keys.sorted() {
            let tensor = try file.floatTensor(name)
            writer.add(name, shape: tensor.shape, floats: tensor.scalars)
        }
        return writer
    }
}

/// Copies a fixture model folder (config and sentence-transformers files) without its weights.
func copyModelFolder(_ source: URL, to destination: URL, includingWeights: Bool) throws {
    let manager = FileManager.default
    try manager.createDirectory(at: destination, withIntermediateDirectories: true)
    for name in try manager.contentsOfDirectory(atPath: source.path) {
        if !includingWeights && name.hasSuffix(".safetensors") { continue }
        try manager.copyItem(at: source.appendingPathComponent(name), to: destination.appendingPathComponent(name))
    }
}
