import Foundation

@testable import Reader

/// Third-party assets in `../shared` relative to the package root (never committed here).
enum SharedAssets {
    static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent()
    }

    static var shared: URL { packageRoot.deletingLastPathComponent().appendingPathComponent("shared") }

    /// XQuAD in one language.
    static func xquad(_ language: String) throws -> SQuADDataset {
        try SQuADDataset(contentsOf: shared.appendingPathComponent("data/xquad/xquad.\(language).json"))
    }
}
