import Foundation
import TestSupport

/// Reads gzip'd JSON fixtures committed under `Fixtures/`.
enum GzipFixture {
    /// The decompressed contents of `Fixtures/<name>`.
    static func data(named name: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil) else {
            throw Gzip.Failure(description: "missing fixture \(name)")
        }
        return try Gzip.decompress(Data(contentsOf: url))
    }
}
