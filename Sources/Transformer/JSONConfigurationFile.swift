import Foundation

/// Reads one JSON configuration file of a model folder, turning failures into one-line errors that name the file.
enum JSONConfigurationFile {
    /// Decodes `url` as `T`: `unreadableFile` when it cannot be read, `invalidConfiguration` when it does not decode.
    static func decode<T: Decodable>(_ type: T.Type, from url: URL) throws -> T {
        let data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw TransformerError.unreadableFile(path: url.path, reason: error.localizedDescription)
        }
        do {
            return try JSONDecoder().decode(type, from: data)
        } catch let error as DecodingError {
            throw TransformerError.invalidConfiguration(path: url.path, reason: error.oneLineDescription)
        }
    }
}
