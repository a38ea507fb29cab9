import Foundation
import Testing

@testable import Transformer

@Suite("Safetensors files")
struct SafetensorsFileTests {
    /// Writes `data` to a temporary file, opens it and returns the error message (nil when it opened).
    static func openError(_ data: Data) throws -> String? {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.safetensors")
        try data.write(to: url)
        do {
            _ = try SafetensorsFile(url: url)
            return nil
        } catch let error as TransformerError {
            return error.errorDescription
        }
    }

    static func sample() -> SafetensorsWriter {
        var writer = SafetensorsWriter()
        writer.add("a.weight", shape: [2, 3], floats: [1, 2, 3, 4, 5, 6])
        writer.add("a.bias", shape: [2], floats: [-1, 0.5])
        return writer
    }

    @Test("a well-formed file maps without copying and reads back its values")
    func readsValues() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        let url = folder.appendingPathComponent("model.safetensors")
        try Self.sample().write(to: url)
        let file = try SafetensorsFile(url: url)
        #expect(file.metadata == ["format": "pt"])
        #expect(file.tensors["a.weight"]?.shape == [2, 3])
        #expect(try file.floatTensor("a.weight").scalars == [1, 2, 3, 4, 5, 6])
        #expect(try file.floatTensor("a.bias").scalars == [-1, 0.5])
    }

    @Test(
        "malformed files give one-line errors naming the file and the tensor",
        arguments: [
            ("truncated", "a.bias"), ("badJSON", "not valid JSON"), ("unknownDType", "unknown dtype 'F12'"),
            ("shapeBytes", "needs 36 bytes but data_offsets span 24"), ("overlap", "overlaps"),
            ("headerTooLong", "exceeds the file size"),
            ("tiny", "shorter than the 8-byte header"), ("negativeShape", "non-negative"),
        ])
    func malformed(kind: String, expected: String) throws {
        let writer = Self.sample()
        var data: Data
        switch kind {
        case "truncated":
            data = writer.data()
            data.removeLast(4)
        case "badJSON":
            data = writer.data(header: "{\"a.weight\": {\"dtype\": \"F32\",")
        case "unknownDType":
            data = writer.data(header: writer.headerJSON().replacingOccurrences(of: "\"F32\"", with: "\"F12\""))
        case "shapeBytes":
            data = writer.data(header: writer.headerJSON().replacingOccurrences(of: "[2,3]", with: "[3,3]"))
        case "overlap":
            data = writer.data(header: writer.headerJSON().replacingOccurrences(of: "[24,32]", with: "[20,28]"))
        case "headerTooLong":
            data = writer.data()
            data.replaceSubrange(0..<8, with: withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { Data($0) })
        case "tiny":
            data = Data([1, 2, 3])
        default:
            data = writer.data(header: writer.headerJSON().replacingOccurrences(of: "[2,3]", with: "[-2,-3]"))
        }
        let message = try #require(try Self.openError(data))
        #expect(message.contains(expected))
        #expect(message.contains("model.safetensors"))
        #expect(!message.contains("\n"))
    }

    @Test("F16 and BF16 are converted to Float exactly")
    func halfPrecision() throws {
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var writer = SafetensorsWriter()
        // 1, -2, 65504 (max), 2^-24 (smallest subnormal), 0.333251953125, +inf
        writer.add("h", dtype: "F16", shape: [6], halfBits: [0x3C00, 0xC000, 0x7BFF, 0x0001, 0x3555, 0x7C00])
        // 1, -2, 3.140625, 1e-39 region subnormal pattern
        writer.add("b", dtype: "BF16", shape: [2, 2], halfBits: [0x3F80, 0xC000, 0x4049, 0x000B])
        writer.add("i", dtype: "I64", shape: [1], halfBits: [1, 0, 0, 0])
        let url = folder.appendingPathComponent("half.safetensors")
        try writer.write(to: url)
        let file = try SafetensorsFile(url: url)
        let h = try file.floatTensor("h").scalars
        #expect(h[0..<3] == [1, -2, 65504])
        #expect(h[3] == Float(sign: .plus, exponent: -24, significand: 1))
        #expect(h[4] == 0.333_251_953_125)
        #expect(h[5] == .infinity)
        let b = try file.floatTensor("b")
        #expect(b.shape == [2, 2])
        #expect(b.scalars[0..<3] == [1, -2, 3.140625])
        #expect(b.scalars[3] == Float(bitPattern: 0x000B_0000))
        #expect(throws: TransformerError.unsupportedDType(name: "i", dtype: "I64", path: url.path)) {
            try file.floatTensor("i")
        }
    }

    @Test("a BF16 copy of a model gives the results of an F32 model with the same (rounded) weights")
    func bf16Model() throws {
        let source = Fixture.model("tiny-bert-cls")
        let original = try SafetensorsFile(url: source.appendingPathComponent("model.safetensors"))
        let folder = try temporaryDirectory()
        defer { try? FileManager.default.removeItem(at: folder) }
        var bf16 = SafetensorsWriter()
        var rounded = SafetensorsWriter()
        for name in original.tensors.keys.sorted() {
            let tensor = try original.floatTensor(name)
            // Truncate to bfloat16 (drop the low 16 bits) so both files hold identical values.
            let bits = tensor.scalars.map { UInt16($0.bitPattern >> 16) }
            bf16.add(name, dtype: "BF16", shape: tensor.shape, halfBits: bits)
            rounded.add(name, shape: tensor.shape, floats: bits.map { Float(bitPattern: UInt32($0) << 16) })
        }
        let ids: [[Int32]] = [[0, 10, 20, 30, 2], [0, 7, 2]]
        var outputs: [[[Float]]] = []
        for (label, writer) in [("bf16", bf16), ("f32", rounded)] {
            let model = folder.appendingPathComponent(label)
            try copyModelFolder(source, to: model, includingWeights: false)
            try writer.write(to: model.appendingPathComponent("model.safetensors"))
            outputs.append(try SentenceEmbeddingModel(directory: ModelDirectory(url: model)).embed(ids))
        }
        #expect(outputs[0] == outputs[1])
    }
}
