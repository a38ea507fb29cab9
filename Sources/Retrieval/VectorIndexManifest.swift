import Foundation

/// Distance a vector index ranks by.
public enum VectorMetric: String, Codable, Sendable {
    /// Inner product; cosine similarity for L2-normalised embeddings. Higher is closer.
    case innerProduct = "inner_product"
    /// Squared Euclidean distance. Lower is closer.
    case l2
}

/// The JSON file describing a saved vector index, checked before the index is used.
public struct VectorIndexManifest: Codable, Equatable, Sendable {
    /// The format this build of AskDocs writes and reads.
    public static let currentFormatVersion = 1

    /// Format version of the files.
    public var formatVersion: Int
    /// Model whose embeddings the index holds.
    public var model: EmbeddingModelIdentity
    /// Vector dimension.
    public var dimension: Int
    /// Distance used.
    public var metric: VectorMetric
    /// FAISS factory string with resolved parameters, e.g. `IVF64,Flat`.
    public var factory: String
    /// Vectors stored, tombstoned ones included.
    public var chunkCount: Int
    /// Chunk ids deleted from an index type that cannot delete (HNSW), filtered out at search time.
    public var tombstones: [Int64]
    /// When the index was first built.
    public var createdAt: Date
    /// When it was last saved.
    public var savedAt: Date
    /// The FAISS file of this generation, inside the index folder.
    public var indexFile: String
    /// The chunk-id file of this generation (little-endian Int64s in insertion order).
    public var idsFile: String
    /// Byte sizes of those two files, so truncation is noticed before FAISS reads them.
    public var indexBytes: Int
    /// Byte size of `idsFile`.
    public var idsBytes: Int

    /// Decodes and validates a manifest; `path` names where it came from in errors.
    public static func decode(_ data: Data, path: String) throws -> VectorIndexManifest {
        struct VersionOnly: Decodable { var formatVersion: Int }
        let decoder = JSONDecoder()
        decoder.dateDecodingStrategy = .iso8601
        let version: Int
        do {
            version = try decoder.decode(VersionOnly.self, from: data).formatVersion
        } catch {
            throw VectorIndexError.corrupt(path: path, reason: "manifest is not valid JSON with a formatVersion")
        }
        guard version <= currentFormatVersion else {
            throw VectorIndexError.unsupportedFormat(path: path, version: version)
        }
        let manifest: VectorIndexManifest
        do {
            manifest = try decoder.decode(VectorIndexManifest.self, from: data)
        } catch {
            throw VectorIndexError.corrupt(path: path, reason: "manifest fields are missing or malformed")
        }
        try manifest.validate(path: path)
        return manifest
    }

    /// Refuses numbers no saved index can have, before anything sizes a buffer or calls FAISS with them.
    func validate(path: String) throws {
        func corrupt(_ reason: String) -> VectorIndexError { .corrupt(path: path, reason: reason) }
        guard formatVersion >= 1 else { throw corrupt("formatVersion \(formatVersion) is not a version") }
        guard dimension > 0, dimension <= Int(Int32.max) else {
            throw corrupt("dimension \(dimension) is outside 1...\(Int32.max)")
        }
        for (name, value) in [("chunkCount", chunkCount), ("indexBytes", indexBytes), ("idsBytes", idsBytes)]
        where value < 0 {
            throw corrupt("\(name) \(value) is negative")
        }
        guard (try? VectorIndexKind(factory: factory)) != nil else { throw corrupt("unknown factory '\(factory)'") }
    }

    /// The manifest as `manifest.json` holds it.
    public func encoded() throws -> Data {
        let encoder = JSONEncoder()
        encoder.dateEncodingStrategy = .iso8601
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(self)
    }
}

/// Where a vector index lives: a folder next to the SQLite database (`askdocs.sqlite` → `askdocs.vectors/`).
public struct VectorIndexLocation: Hashable, Sendable {
    /// The folder holding `manifest.json` and the generation files it names.
    public var directory: URL

    /// A location at an explicit folder.
    public init(directory: URL) {
        self.directory = directory
    }

    /// The folder beside a database file: the database name with its extension replaced by `.vectors`.
    public init(databaseURL: URL) {
        let base = databaseURL.deletingPathExtension().lastPathComponent
        self.directory = databaseURL.deletingLastPathComponent().appendingPathComponent(
            base + ".vectors", isDirectory: true)
    }

    /// The manifest, whose atomic replacement is what switches one saved generation for the next.
    public var manifestURL: URL { directory.appendingPathComponent("manifest.json") }

    /// Whether a saved index (a manifest) exists here.
    public var exists: Bool { FileManager.default.fileExists(atPath: manifestURL.path) }
}
