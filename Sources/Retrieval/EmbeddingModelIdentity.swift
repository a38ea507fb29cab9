/// Which embedding model produced a vector index's vectors; queries must use the same one.
public struct EmbeddingModelIdentity: Hashable, Codable, Sendable, CustomStringConvertible {
    /// The Hugging Face model id, e.g. `intfloat/multilingual-e5-small`.
    public var id: String
    /// The model revision (commit or tag) when known.
    public var revision: String?

    /// Creates an identity from a model id and optional revision.
    public init(id: String, revision: String? = nil) {
        self.id = id
        self.revision = revision
    }

    /// `id` or `id@revision`.
    public var description: String { revision.map { "\(id)@\($0)" } ?? id }

    /// Same model: same id, and same revision when both are known.
    public func isCompatible(with other: EmbeddingModelIdentity) -> Bool {
        guard id == other.id else { return false }
        guard let revision, let otherRevision = other.revision else { return true }
        return revision == otherRevision
    }
}
