import DocumentStore
import Foundation
import Retrieval

/// The state every reader sees: the database rows of one committed batch and the vector index generation that
/// batch recorded beside them. Writers publish a generation by committing both in one SQLite transaction (the
/// vector files are written first, under new names); readers take the generation the database names inside one
/// read transaction, so rows and vectors always come from the same publish.
public struct PublishedGeneration: Sendable, Equatable {
    /// Counts publishes: 1 for the first.
    public var number: Int
    /// The vector index generation (nil: the index has no vectors, or was written before generations).
    public var manifest: VectorIndexManifest?

    /// Creates a generation.
    public init(number: Int, manifest: VectorIndexManifest?) {
        self.number = number
        self.manifest = manifest
    }

    /// The setting holding `number`.
    public static let numberSetting = "generation"
    /// The setting holding the vector manifest, as `manifest.json` holds it.
    public static let manifestSetting = "vector_manifest"

    /// The generation `store` names (nil for a database written before generations); call it inside the read
    /// transaction that the rest of the work uses.
    public static func read(from store: DocumentStore) throws -> PublishedGeneration? {
        guard let number = try store.setting(numberSetting).flatMap(Int.init) else { return nil }
        let manifest = try store.setting(manifestSetting).map { text in
            try VectorIndexManifest.decode(Data(text.utf8), path: "\(store.path) (\(manifestSetting))")
        }
        return PublishedGeneration(number: number, manifest: manifest)
    }

    /// Records `self` in the open batch of `store`; it is published when the batch commits.
    func record(in store: DocumentStore) throws {
        try store.setSetting(Self.numberSetting, to: String(number))
        if let manifest {
            try store.setSetting(Self.manifestSetting, to: String(decoding: try manifest.encoded(), as: UTF8.self))
        }
    }

    /// The vector manifest readers of `store` use: the published one, else (a database from before generations)
    /// the `manifest.json` at `location`, else nil (no vectors).
    public static func vectorManifest(of store: DocumentStore, at location: VectorIndexLocation) throws
        -> VectorIndexManifest?
    {
        if let published = try read(from: store) { return published.manifest }
        // Only a database that synchronised vectors owns the folder's manifest (not a new one beside leftovers).
        guard location.exists, try store.setting(VectorSync.syncedAtSetting) != nil else { return nil }
        return try VectorIndex.readManifest(at: location)
    }
}
