import Foundation

/// Paths of the package's sample corpus and the shared XQuAD data, found from this file's location.
enum IngestFixtures {
    static let packageRoot = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent()

    static func samplePath(_ name: String) -> String {
        packageRoot.appendingPathComponent("corpora/sample/\(name)").path
    }

    /// A committed fixture of this suite (Tests/IngestTests/Fixtures).
    static func fixturePath(_ name: String) -> String {
        packageRoot.appendingPathComponent("Tests/IngestTests/Fixtures/\(name)").path
    }

    static func sample(_ name: String) throws -> String {
        try String(contentsOfFile: samplePath(name), encoding: .utf8)
    }

    static let xquadLanguages = ["ar", "de", "el", "en", "es", "hi", "ru", "th", "tr", "vi", "zh"]

    /// The distinct paragraph contexts of XQuAD in `language`, grouped by article title.
    static func xquadArticles(_ language: String) throws -> [(title: String, contexts: [String])] {
        let url = packageRoot.appendingPathComponent("../shared/data/xquad/xquad.\(language).json")
        let data = try Data(contentsOf: url)
        struct File: Decodable {
            struct Article: Decodable {
                struct Paragraph: Decodable { var context: String }
                var title: String
                var paragraphs: [Paragraph]
            }
            var data: [Article]
        }
        return try JSONDecoder().decode(File.self, from: data).data.map { ($0.title, $0.paragraphs.map(\.context)) }
    }

    /// A fresh temporary folder.
    static func temporaryFolder() throws -> URL {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("askdocs-ingest-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true)
        return url
    }
}
