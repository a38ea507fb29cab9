import DocumentStore
import Foundation
import Retrieval

/// A moment inside `IndexPublisher.publish` (test hooks stop a process there, as a crash would).
package enum PublishPhase: String, Sendable, CaseIterable {
    /// The vectors are in memory; the new generation's files are about to be written.
    case writingVectors = "writing-vectors"
    /// The new generation's files are written; the database does not name them yet.
    case vectorsWritten = "vectors-written"
    /// The generation is recorded in the open batch; the commit that publishes it is next.
    case committing
    /// Published; the `manifest.json` mirror and the removal of older generations are next.
    case published
    /// A batch of vectors is embedded and saved in the run's journal (not published yet).
    case embedded
    /// A shared (PostgreSQL) publish has written its first document; its commit is still to come.
    case sharing
}

/// Publishes a store's open batch together with the vector index that matches it, as one generation: embeds the
/// chunks the batch added, drops the vectors of chunks it removed, writes the index as new files, records them in
/// the batch and commits. A process killed at any moment leaves the previous generation published and complete
/// (uncommitted rows roll back; unnamed vector files are removed by the next publish), and the next run redoes
/// only the unpublished work.
public final class IndexPublisher {
    // A class: the in-memory index and the last published generation carry over from one publish to the next.

    /// The database, with a batch open between `begin` and the last `publish`.
    public let store: DocumentStore
    /// Where the vector files go.
    public let location: VectorIndexLocation
    /// Embeds new chunks (nil: only stale vectors are removed).
    public let retriever: RetrieverModel?
    /// The index in memory: the published one plus the open batch's changes.
    public private(set) var index: VectorIndex?
    /// The generation last published (or found at the start).
    public private(set) var published: PublishedGeneration?
    /// Vectors embedded per generation at most: a killed run loses at most this much embedding.
    public var checkpointChunks = IndexPublisher.defaultCheckpointChunks
    /// What the vector side did over every publish.
    public private(set) var report = VectorSyncReport()
    /// Generations published by this publisher.
    public private(set) var publishes = 0
    /// Test hook: runs at each phase of every publish.
    package var onPhase: (@Sendable (PublishPhase) -> Void)?
    /// Where a rebuild saves the vectors it embeds until it publishes them (nil: checkpoints are publishes).
    var journal: EmbeddingJournal?
    private var changesAtBegin = 0
    /// Whether the next publish must write a generation even if the batch changed nothing (a rebuilt index).
    private var mustPublish = false

    /// About four minutes of e5-small embedding on 2 cores, and well under a second to write a flat index of
    /// 100 000 vectors: checkpoints cost little and a kill loses little.
    public static let defaultCheckpointChunks = 2048

    /// Creates a publisher over `store`'s published state: its vector index when it has one (refusing another
    /// model's), else an empty one of `kind` for `retriever` when `embedding`; `replacing` starts an empty one
    /// whatever is published (a rebuild with another retriever). A published index of another kind than `kind`
    /// (when given) is rebuilt as `kind` from its own vectors, and published at the next publish.
    public init(
        store: DocumentStore, location: VectorIndexLocation, retriever: RetrieverModel?, embedding: Bool,
        replacing: Bool = false, kind: VectorIndexKind? = nil
    ) throws {
        self.store = store
        self.location = location
        self.retriever = retriever
        published = try PublishedGeneration.read(from: store)
        let manifest = replacing ? nil : try PublishedGeneration.vectorManifest(of: store, at: location)
        if let manifest {
            let embedder = retriever?.embedder
            var opened = try VectorIndex.open(
                at: location, manifest: manifest, expecting: embedder?.identity ?? manifest.model,
                dimension: embedder?.dimension)
            if let kind, kind.factory != manifest.factory {
                let ids = opened.chunkIDs
                opened = try VectorIndex.build(
                    model: opened.model, dimension: opened.dimension, kind: kind, metric: opened.metric,
                    vectors: try opened.vectors(ids: ids), ids: ids)
                mustPublish = true
            }
            index = opened
            // A run killed right after publishing left the mirror one generation behind.
            if published != nil, (try? VectorIndex.readManifest(at: location)) != manifest {
                try? VectorIndex.writeManifest(manifest, to: location, keeping: [manifest])
            }
        } else if embedding, let retriever {
            index = try VectorIndex(
                model: retriever.embedder.identity, dimension: retriever.embedder.dimension, kind: kind ?? .flat)
        }
    }

    /// Opens the batch the next `publish` publishes.
    public func begin() throws {
        try store.beginBatch()
        changesAtBegin = store.totalChanges
    }

    /// Brings the vectors in line with the batch and publishes it. Leaves a new batch open when `continuing`.
    /// A batch that changed nothing is committed without a new generation.
    ///
    /// Every chunk of the batch is embedded before the commit, so no published generation has a row without its
    /// vector; `sliced` publishes every `checkpointChunks` vectors instead, for rows that are published already
    /// and only lack vectors (a repair, a conversion to a dense index).
    public func publish(
        continuing: Bool, sliced: Bool = false, progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }
    ) throws {
        var remaining = 0
        repeat {
            let start = Date()
            var slice = VectorSyncReport()
            if let index {
                if let retriever {
                    let sync = VectorSync(store: store, retriever: retriever, location: location)
                    let onPhase = self.onPhase
                    (slice, remaining) = try sync.synchronise(
                        index, limit: sliced ? checkpointChunks : nil, journal: journal,
                        embedded: { onPhase?(.embedded) }, progress: progress)
                } else {
                    slice = try VectorSync.removeStale(from: index, store: store)
                }
                report.add(slice)
            }
            let changed =
                store.totalChanges != changesAtBegin || slice.vectorsAdded > 0 || slice.vectorsRemoved > 0
                || published == nil || mustPublish
            guard changed else {
                try store.commitBatch()
                if continuing { try begin() } else { closeJournal() }
                return
            }
            var manifest: VectorIndexManifest?
            if let index {
                onPhase?(.writingVectors)
                manifest = try index.writeGeneration(to: location)
                onPhase?(.vectorsWritten)
                // Only with the vectors: a crash before this commit leaves the older time, and the next run
                // re-embeds a little more.
                try store.setSetting(VectorSync.syncedAtSetting, to: String(start.timeIntervalSince1970))
            }
            let next = PublishedGeneration(number: (published?.number ?? 0) + 1, manifest: manifest)
            try next.record(in: store)
            onPhase?(.committing)
            try store.commitBatch()
            onPhase?(.published)
            // The journal's vectors are published now.
            if remaining > 0 || continuing { try? journal?.reset() } else { closeJournal() }
            let previous = published?.manifest
            published = next
            publishes += 1
            mustPublish = false
            if let manifest {
                // The mirror for people and tools that read the folder alone; the database stays the authority.
                // The previous generation's files stay for readers that took it just before this commit.
                try? VectorIndex.writeManifest(
                    manifest, to: location, keeping: [manifest] + [previous].compactMap { $0 })
            }
            if remaining > 0 || continuing { try begin() }
        } while remaining > 0
    }

    /// Removes the journal once the run's last generation is published.
    private func closeJournal() {
        journal?.remove()
        journal = nil
    }
}
