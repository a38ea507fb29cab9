import DocumentStore
import Foundation
import PostgresStore
import Retrieval

/// One disagreement between the database and its vector index.
public struct IndexProblem: Sendable, Equatable, Encodable, CustomStringConvertible {
    /// What kind of problem.
    public enum Kind: String, Sendable, Encodable {
        /// Vectors whose chunk no longer exists.
        case orphanVectors = "orphan_vectors"
        /// Chunks with no vector.
        case missingVectors = "missing_vectors"
        /// The vector index is absent or unreadable, or its manifest disagrees with the database.
        case manifest
        /// Documents and chunks that do not add up in the database itself.
        case database
        /// The shared (PostgreSQL) index disagrees with itself or does not publish the working index's generation.
        case shared
    }

    /// What kind of problem.
    public var kind: Kind
    /// Chunk ids concerned (orphan and missing vectors), sorted.
    public var chunkIDs: [Int64]
    /// One line.
    public var message: String

    /// `message`.
    public var description: String { message }

    enum CodingKeys: String, CodingKey { case kind, chunkIDs = "chunk_ids", message }
}

/// Compares a database with the vector index generation it publishes: SQLite's integrity check, the documents'
/// chunks, the published manifest against its files, and exactly one vector per chunk (`manifest.json` is only a
/// mirror, which a run killed right after publishing leaves one generation behind: readers never use it). Needs no model: the index is opened with the model its manifest names; `expectedModel`, when given, must
/// match it.
public struct IndexCheck: Sendable {
    /// The database.
    public var store: DocumentStore
    /// Where the vector index lives.
    public var location: VectorIndexLocation
    /// The shared index the database is the working index of, if any.
    public var shared: SharedStore?

    /// Creates a check.
    public init(store: DocumentStore, location: VectorIndexLocation, shared: SharedStore? = nil) {
        self.store = store
        self.location = location
        self.shared = shared
    }

    /// Whether the index has vectors (or should have them).
    public func vectorState() throws -> VectorState {
        try VectorState.of(store, location: location)
    }

    /// Every problem found; empty when the database and the index agree (and, for a shared index, PostgreSQL's
    /// side is whole and publishes the working index's generation).
    public func run(expectedModel: EmbeddingModelIdentity? = nil) throws -> [IndexProblem] {
        try localProblems(expectedModel: expectedModel) + sharedProblems()
    }

    /// The working (or only) index's problems.
    func localProblems(expectedModel: EmbeddingModelIdentity?) throws -> [IndexProblem] {
        var problems = try store.integrityProblems().map {
            IndexProblem(kind: .database, chunkIDs: [], message: "database: \($0.description)")
        }
        problems += try store.sqliteIntegrityProblems().map {
            IndexProblem(kind: .database, chunkIDs: [], message: "database: SQLite integrity check: \($0)")
        }
        let live = try store.chunkIDs(matching: .none)
        let published: VectorIndexManifest?
        do {
            published = try PublishedGeneration.vectorManifest(of: store, at: location)
        } catch {
            problems.append(IndexProblem(kind: .manifest, chunkIDs: [], message: error.localizedDescription))
            return problems
        }
        guard let published else {
            // A BM25-only index has no vectors by choice; only an index meant to have them misses its folder.
            if !live.isEmpty, try vectorState() == .dense {
                problems.append(
                    IndexProblem(
                        kind: .manifest, chunkIDs: [],
                        message: "no vector index at \(location.directory.path) for \(live.count) chunks (embedding "
                            + "was interrupted before its first save, or the folder was removed)"))
            }
            return problems
        }
        let index: VectorIndex
        do {
            if let expectedModel, !published.model.isCompatible(with: expectedModel) {
                problems.append(
                    IndexProblem(
                        kind: .manifest, chunkIDs: [],
                        message: "vector index was built with \(published.model), not \(expectedModel)"))
            }
            index = try VectorIndex.open(at: location, manifest: published, expecting: published.model)
        } catch {
            problems.append(IndexProblem(kind: .manifest, chunkIDs: [], message: error.localizedDescription))
            return problems
        }
        let indexed = Set(index.chunkIDs)
        let valid = try VectorSync.validVectorIDs(indexed: indexed, store: store)
        let orphans = indexed.subtracting(valid).sorted()
        let missing = live.subtracting(valid).sorted()
        if !orphans.isEmpty {
            problems.append(
                IndexProblem(
                    kind: .orphanVectors, chunkIDs: orphans,
                    message: "\(orphans.count) vector\(orphans.count == 1 ? "" : "s") for chunks that no longer "
                        + "exist or were replaced (e.g. chunk \(orphans[0]))"))
        }
        if !missing.isEmpty {
            problems.append(
                IndexProblem(
                    kind: .missingVectors, chunkIDs: missing,
                    message: "\(missing.count) chunk\(missing.count == 1 ? "" : "s") without a vector "
                        + "(e.g. chunk \(missing[0]))"))
        }
        return problems
    }

    /// The shared index's own problems and whether it lags the working index.
    func sharedProblems() throws -> [IndexProblem] {
        guard let shared else { return [] }
        do {
            let found = try shared.index.consistencyProblems()
            var problems = found.map { IndexProblem(kind: .shared, chunkIDs: [], message: "\(shared.url): \($0)") }
            guard try shared.index.hasSchema() else { return problems }
            let local = try PublishedGeneration.read(from: store)?.number
            let (remote, publisher) = try shared.publishedSource()
            // Both identities known and different: the database was last written by another writer.
            if let working = try store.setting(SharedStore.sourceIndexSetting), let publisher, publisher != working {
                problems.append(
                    IndexProblem(
                        kind: .shared, chunkIDs: [],
                        message: "\(shared.url) was last published by another working index (\(publisher)), "
                            + "not this one (\(working)): this machine's state is stale, or the other's was "
                            + "rebuilt; the next index or reindex here publishes this one over it"))
            } else if let local, remote != String(local) {
                problems.append(
                    IndexProblem(
                        kind: .shared, chunkIDs: [],
                        message: "\(shared.url) publishes working generation \(remote ?? "none"), the working index "
                            + "is at \(local) (a run stopped between its own publish and the shared one)"))
            }
            return problems
        } catch let error as PostgresStoreError {
            throw PipelineError.sharedStoreFailed(reason: error.localizedDescription)
        }
    }
}
