import DocumentStore
import Foundation
import Retrieval

/// The vector index of the generation a database publishes, loaded once per generation: a long-running reader
/// (`ask` reading questions, `serve`) asks for it inside each read transaction and gets the index that matches the
/// rows it sees, reloaded when a reindex has published a newer one.
public final class PublishedVectors: @unchecked Sendable {
    // @unchecked: `loaded` is only touched while `lock` is held.
    private let lock = NSLock()
    private var loaded: (manifest: VectorIndexManifest, index: VectorIndex)?
    /// Where the vector files live.
    public let location: VectorIndexLocation
    /// The model queries are embedded with; a generation of another model is refused.
    public let model: EmbeddingModelIdentity
    /// Its embedding size.
    public let dimension: Int

    /// Creates an empty cache.
    public init(location: VectorIndexLocation, model: EmbeddingModelIdentity, dimension: Int) {
        self.location = location
        self.model = model
        self.dimension = dimension
    }

    /// The index of the generation `store` names in its current read transaction (nil: it has no vectors), and
    /// whether that generation was published (false: a database written before generations, where vectors may lag
    /// behind the rows).
    public func current(in store: DocumentStore) throws -> (index: VectorIndex, isPublished: Bool)? {
        let isPublished = try PublishedGeneration.read(from: store) != nil
        guard let manifest = try PublishedGeneration.vectorManifest(of: store, at: location) else { return nil }
        lock.lock()
        defer { lock.unlock() }
        if let loaded, loaded.manifest == manifest { return (loaded.index, isPublished) }
        let index = try VectorIndex.open(at: location, manifest: manifest, expecting: model, dimension: dimension)
        loaded = (manifest, index)
        return (index, isPublished)
    }
}
