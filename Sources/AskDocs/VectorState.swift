import DocumentStore
import Foundation
import Retrieval

/// Whether an index has dense vectors, as its database records: a BM25-only index is a choice made when it was
/// built (or left by a conversion), not damage, so checking passes and hybrid search falls back to BM25 on it.
public enum VectorState: String, Sendable, Equatable, Encodable {
    /// Built without embeddings: BM25 search only.
    case none
    /// Every chunk has (or should have: a missing or incomplete vector index is damage) a vector.
    case dense

    /// The database setting holding the state.
    public static let setting = "vectors"

    /// The state of the index in `store` whose vectors live at `location`.
    ///
    /// Databases written before the setting existed record nothing: they are dense when vectors were ever saved
    /// (the index folder or the synchronisation time exists), else BM25-only.
    public static func of(_ store: DocumentStore, location: VectorIndexLocation) throws -> VectorState {
        if let stored = try store.setting(setting), let state = VectorState(rawValue: stored) { return state }
        let synced = try store.setting(VectorSync.syncedAtSetting) != nil
        return location.exists || synced ? .dense : .none
    }

    /// Records `self` as the state of `store`.
    public func record(in store: DocumentStore) throws {
        try store.setSetting(Self.setting, to: rawValue)
    }
}
