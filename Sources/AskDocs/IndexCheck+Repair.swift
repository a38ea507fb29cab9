import DocumentStore
import Foundation
import Retrieval

extension IndexCheck {
    /// Opens a check of the existing database at `database` and the vector index beside it; for a shared
    /// (PostgreSQL) index, of the writer's working index on this machine.
    public static func open(database given: String) throws(PipelineError) -> IndexCheck {
        let shared = try IndexPipeline.sharedStore(given)
        let database = shared?.workingDatabase ?? given
        let store = try DocumentStore.openExisting(path: database)
        return IndexCheck(
            store: store, location: VectorIndexLocation(databaseURL: URL(fileURLWithPath: database)), shared: shared)
    }

    /// Whether `repair` can fix any of `problems` (the database's own problems it cannot; the shared index's are
    /// `republish`'s).
    public static func isRepairable(_ problems: [IndexProblem]) -> Bool {
        problems.contains { $0.kind != .database && $0.kind != .shared }
    }

    /// Whether `republish` fixes any of `problems`.
    public static func needsRepublish(_ problems: [IndexProblem]) -> Bool {
        problems.contains { $0.kind == .shared }
    }

    /// When `problems` include the shared index's, publishes the working index to it again with every document
    /// rewritten, in one transaction (its rows are derived from the working index). Returns the documents
    /// written; nil when nothing needed it.
    public func republish(for problems: [IndexProblem]) throws -> Int? {
        guard let shared, Self.needsRepublish(problems) else { return nil }
        let lock = try IndexLock.acquire(database: store.path)
        defer { lock.release() }
        do {
            let manifest = try PublishedGeneration.vectorManifest(of: store, at: location)
            let vectors = try manifest.map { try VectorIndex.open(at: location, manifest: $0, expecting: $0.model) }
            let report = try shared.publish(
                store: store, vectors: vectors, model: manifest?.model, dimension: vectors?.dimension, force: true)
            return report?.documentsWritten ?? 0
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError.sharedStoreFailed(reason: error.localizedDescription)
        }
    }

    /// Brings the vector index in line with the database using `retriever`: an unreadable index is started over
    /// (it is derived data; the database is the source of truth), stale vectors are removed and missing ones
    /// embedded; `progress(done, total)` counts embedded chunks.
    public func repair(
        with retriever: RetrieverModel, progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) throws -> VectorSyncReport {
        let lock = try IndexLock.acquire(database: store.path)
        defer { lock.release() }
        return try repairLocked(with: retriever, progress: progress)
    }

    /// `repair`, with the lock held.
    func repairLocked(
        with retriever: RetrieverModel, progress: (_ done: Int, _ total: Int) -> Void
    ) throws -> VectorSyncReport {
        do {
            if !publishedIndexIsReadable() {
                // Derived data: start over with an empty index, published with the vectors embedded again.
                try store.removeSetting(PublishedGeneration.manifestSetting)
                try? FileManager.default.removeItem(at: location.directory)
            }
            let report = try VectorSync(store: store, retriever: retriever, location: location).run(progress: progress)
            if let manifest = try PublishedGeneration.vectorManifest(of: store, at: location) {
                try VectorIndex.writeManifest(manifest, to: location, keeping: [manifest])
            }
            return report
        } catch let error as PipelineError {
            throw error
        } catch {
            throw PipelineError.embeddingStopped(reason: error.localizedDescription)
        }
    }

    /// Whether the published vector index (if any) opens.
    func publishedIndexIsReadable() -> Bool {
        do {
            guard let manifest = try PublishedGeneration.vectorManifest(of: store, at: location) else { return true }
            _ = try VectorIndex.open(at: location, manifest: manifest, expecting: manifest.model)
            return true
        } catch {
            return false
        }
    }

    /// Makes a BM25-only index a dense one with `retriever`: records the model and the new state first (so an
    /// interrupted conversion is an index with missing vectors, which `repair` finishes), then embeds every chunk.
    /// The chunks' search terms stay as they are; the retriever must be able to make them (word terms, or its own
    /// tokenizer's pieces).
    public func convertToDense(
        with retriever: RetrieverModel, progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) throws -> VectorSyncReport {
        _ = try Searcher.searchTermizer(for: store, retriever: { retriever })
        let lock = try IndexLock.acquire(database: store.path)
        defer { lock.release() }
        do {
            try store.setSetting(RetrieverModel.setting, to: retriever.reference)
            try VectorState.dense.record(in: store)
        } catch {
            throw PipelineError.unreadableDatabase(path: store.path, reason: error.localizedDescription)
        }
        return try repairLocked(with: retriever, progress: progress)
    }
}
