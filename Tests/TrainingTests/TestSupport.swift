import Foundation
import TestSupport

@testable import Training
@testable import Transformer

/// Paths to the committed fixtures and the PyTorch goldens of `scripts/reference/train_goldens.py`.
enum Fixture {
    static let root: URL = {
        guard let url = Bundle.module.url(forResource: "Fixtures", withExtension: nil) else {
            preconditionFailure("the Fixtures resource folder is missing from the test bundle")
        }
        return url
    }()

    /// The two tiny QA models: XLM-R (Transformer's fixture) and BERT (this target's).
    static func model(_ name: String) -> URL {
        switch name {
        case "tiny-bert-qa": return root.appendingPathComponent(name)
        default: return project.appendingPathComponent("Tests/TransformerTests/Fixtures").appendingPathComponent(name)
        }
    }

    /// The project's root, from this file's path (the Transformer suite's fixtures are read from the source tree).
    static let project = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    /// The project's `../shared` folder (XQuAD, the real XLM-R tokenizer).
    static let shared: URL = project.deletingLastPathComponent().appendingPathComponent("shared")

    /// A gzip'd JSON golden, decoded.
    static func golden(_ name: String) throws -> Any {
        let data = try Gzip.decompress(Data(contentsOf: root.appendingPathComponent(name)))
        return try JSONSerialization.jsonObject(with: data)
    }

    /// The parameters of a fixture model, fp32, nothing frozen unless asked.
    static func parameters(_ name: String, freezing: TrainableParameters.Freezing = .init()) throws
        -> TrainableParameters
    {
        let directory = try ModelDirectory(url: model(name))
        return try TrainableParameters(
            checkpoint: directory.checkpoint(), configuration: directory.config, freezing: freezing)
    }
}

/// `{"shape": [...], "f32": "<base64 little-endian float32>"}` as written by the golden script.
struct GoldenTensor {
    let shape: [Int]
    let values: [Float]

    init(_ object: Any?) throws {
        guard let object = object as? [String: Any], let shape = object["shape"] as? [Int],
            let encoded = object["f32"] as? String, let data = Data(base64Encoded: encoded)
        else { throw Gzip.Failure(description: "not a golden tensor") }
        self.shape = shape
        values = data.withUnsafeBytes { raw in
            (0..<(data.count / 4)).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: 4 * $0, as: UInt32.self)))
            }
        }
    }
}

/// ‖a − b‖ / ‖b‖ in Double (0 when both are zero).
func relativeError(_ a: [Float], _ b: [Float]) -> Double {
    var difference: Double = 0
    var norm: Double = 0
    for (x, y) in zip(a, b) {
        difference += Double(x - y) * Double(x - y)
        norm += Double(y) * Double(y)
    }
    if norm == 0 { return difference.squareRoot() }
    return (difference / norm).squareRoot()
}
