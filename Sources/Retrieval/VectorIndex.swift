import CFaiss
import Foundation

/// One search result: a chunk id and its similarity (inner product: higher is closer; L2: lower is closer).
public struct VectorHit: Hashable, Sendable {
    /// The chunk whose vector matched.
    public var chunkID: Int64
    /// The FAISS score for that vector.
    public var score: Float

    /// Creates a hit.
    public init(chunkID: Int64, score: Float) {
        self.chunkID = chunkID
        self.score = score
    }
}

/// A FAISS index of chunk embeddings keyed by chunk id, with its manifest and tombstones.
///
/// Vectors are stored under their chunk id (FAISS `IDMap2` or IVF ids), searched exactly by inner
/// product by default ("Flat"), or approximately by HNSW or IVF. HNSW cannot delete, so removed ids
/// become tombstones that searches skip (asking FAISS for more results to make up for them) until
/// `rebuild()` drops them; `needsRebuild` says when they have grown past `rebuildThreshold`.
///
/// Sendable: the class owns a mutable C object (the FAISS index) and Swift-side bookkeeping, so it
/// is a reference type with identity; every access to that state goes through `lock`, and FAISS is
/// only ever called with the lock held, so concurrent use from several tasks is safe (searches are
/// serialised; they also set per-search FAISS parameters, which must not interleave).
public final class VectorIndex: @unchecked Sendable {
    /// Tombstone fraction above which `needsRebuild` turns true.
    public static let defaultRebuildThreshold = 0.2

    /// The embedding model whose vectors this index holds.
    public let model: EmbeddingModelIdentity
    /// Vector dimension.
    public let dimension: Int
    /// Distance used for ranking.
    public let metric: VectorMetric
    /// Tombstone fraction above which `needsRebuild` turns true.
    public var rebuildThreshold: Double {
        get { locked { threshold } }
        set { locked { threshold = newValue } }
    }

    /// How widely approximate indexes search: HNSW `efSearch` (at least the results asked for) or IVF
    /// `nprobe` (at most the list count). nil uses a default: efSearch 64, nprobe max(8, lists / 8).
    public var searchBreadth: Int? {
        get { locked { breadthOverride } }
        set { locked { breadthOverride = newValue.map { max(1, $0) } } }
    }

    let lock = NSLock()
    var breadthOverride: Int?
    /// nil only for an IVF index whose list count is chosen at training time and has not been trained yet.
    var handle: OpaquePointer?
    var kindStorage: VectorIndexKind
    /// Every id stored in FAISS, tombstoned ones included.
    var storedIDs: Set<Int64> = []
    var tombstoneSet: Set<Int64> = []
    var threshold = VectorIndex.defaultRebuildThreshold
    var createdAt: Date

    /// Creates an empty index; approximate kinds need `train(on:)` before `add`.
    public init(
        model: EmbeddingModelIdentity, dimension: Int, kind: VectorIndexKind = .flat,
        metric: VectorMetric = .innerProduct
    ) throws {
        // FAISS takes the dimension as a C int; `Int32(_:)` on a larger one would trap in `makeHandle`.
        guard dimension > 0, dimension <= Int(Int32.max) else {
            throw VectorIndexError.malformedInput("dimension must be in 1...\(Int32.max), got \(dimension)")
        }
        guard kind.isWithinLimits else { throw VectorIndexError.unsupportedFactory(kind.factory) }
        if case .ivfPQ(_, let m) = kind, m <= 0 || dimension % m != 0 {
            throw VectorIndexError.unsupportedFactory("\(kind.factory) (\(m) must divide the dimension \(dimension))")
        }
        self.model = model
        self.dimension = dimension
        self.metric = metric
        self.kindStorage = kind
        self.createdAt = Date()
        if kind != .ivfFlat(lists: nil), !isAutomaticPQ(kind) {
            handle = try Self.makeHandle(kind: kind, dimension: dimension, metric: metric)
        }
    }

    /// Wraps an index read from disk.
    init(
        model: EmbeddingModelIdentity, dimension: Int, kind: VectorIndexKind, metric: VectorMetric,
        handle: OpaquePointer, ids: Set<Int64>, tombstones: Set<Int64>, createdAt: Date
    ) {
        self.model = model
        self.dimension = dimension
        self.metric = metric
        self.kindStorage = kind
        self.handle = handle
        self.storedIDs = ids
        self.tombstoneSet = tombstones
        self.createdAt = createdAt
    }

    deinit {
        cfaiss_index_free(handle)
    }

    // MARK: State

    /// The index structure, with the list count resolved once trained.
    public var kind: VectorIndexKind { locked { kindStorage } }
    /// Live (searchable) vectors.
    public var count: Int { locked { storedIDs.count - tombstoneSet.count } }
    /// Tombstoned ids still stored in an HNSW index.
    public var tombstoneCount: Int { locked { tombstoneSet.count } }
    /// Tombstoned ids, sorted.
    public var tombstones: [Int64] { locked { tombstoneSet.sorted() } }
    /// Whether vectors can be added now.
    public var isTrained: Bool { locked { handle.map { cfaiss_index_is_trained($0) == 1 } ?? false } }
    /// Whether `id` is live in the index.
    public func contains(_ id: Int64) -> Bool { locked { storedIDs.contains(id) && !tombstoneSet.contains(id) } }
    /// All live ids, sorted.
    public var chunkIDs: [Int64] { locked { storedIDs.subtracting(tombstoneSet).sorted() } }

    /// Whether tombstones exceed `rebuildThreshold` of the stored vectors.
    public var needsRebuild: Bool {
        locked { !storedIDs.isEmpty && Double(tombstoneSet.count) / Double(storedIDs.count) > threshold }
    }

    // MARK: Building

    /// Creates an index of `kind` holding `vectors` under `ids`, training it on them first when needed.
    public static func build(
        model: EmbeddingModelIdentity, dimension: Int, kind: VectorIndexKind = .flat,
        metric: VectorMetric = .innerProduct, vectors: [[Float]], ids: [Int64]
    ) throws -> VectorIndex {
        let index = try VectorIndex(model: model, dimension: dimension, kind: kind, metric: metric)
        try index.train(on: vectors)
        try index.add(vectors, ids: ids)
        return index
    }

    /// Trains an approximate index on a sample of vectors (at most 256 per list, taken evenly so the
    /// result is deterministic); picks the list count first when it is automatic. A no-op for Flat/HNSW.
    public func train(on vectors: [[Float]]) throws {
        try locked {
            // Retraining a trained IVF would re-cluster under vectors already assigned to lists.
            guard kindStorage.needsTraining, !(handle.map { cfaiss_index_is_trained($0) == 1 } ?? false) else { return }
            let resolved = kindStorage.resolved(forTrainingCount: vectors.count)
            let need = resolved.minimumTrainingCount
            guard vectors.count >= need else {
                let lists = VectorIndexKind.suggestedLists(forVectorCount: vectors.count)
                let smaller: String
                if case .ivfPQ(_, let m) = resolved, vectors.count >= VectorIndexKind.minimumPQTrainingPoints {
                    smaller = "Flat or IVF\(lists),PQ\(m)"
                } else if vectors.count >= VectorIndexKind.minimumTrainingPointsPerList {
                    smaller = "Flat or IVF\(lists),Flat"
                } else {
                    smaller = "Flat"
                }
                throw VectorIndexError.tooFewTrainingVectors(
                    factory: resolved.factory, have: vectors.count, need: need, suggestion: smaller)
            }
            if handle == nil || resolved != kindStorage {
                let fresh = try Self.makeHandle(kind: resolved, dimension: dimension, metric: metric)
                cfaiss_index_free(handle)
                handle = fresh
                kindStorage = resolved
            }
            guard let handle else { return }
            let sample = Self.evenSample(vectors, limit: Self.trainingLimit(resolved))
            let flat = try flatten(sample)
            try check(cfaiss_index_train(handle, Int64(sample.count), flat), "train")
        }
    }

    /// Adds vectors under their chunk ids. Ids must be new; a tombstoned id being reused (SQLite can
    /// reuse a deleted rowid) first triggers a rebuild that drops the old vector.
    public func add(_ vectors: [[Float]], ids: [Int64]) throws {
        guard vectors.count == ids.count else {
            throw VectorIndexError.malformedInput("\(vectors.count) vectors but \(ids.count) ids")
        }
        guard !vectors.isEmpty else { return }
        try locked {
            guard let handle, cfaiss_index_is_trained(handle) == 1 else {
                throw VectorIndexError.notTrained(factory: kindStorage.factory)
            }
            var seen = Set<Int64>(minimumCapacity: ids.count)
            for id in ids {
                guard seen.insert(id).inserted else { throw VectorIndexError.duplicateID(id) }
                if storedIDs.contains(id), !tombstoneSet.contains(id) { throw VectorIndexError.duplicateID(id) }
            }
            let flat = try flatten(vectors)
            if !tombstoneSet.isDisjoint(with: seen) { try rebuildLocked(vectors: nil, ids: nil) }
            guard let current = self.handle else { return }
            try check(cfaiss_index_add_with_ids(current, Int64(ids.count), flat, ids), "add")
            storedIDs.formUnion(ids)
        }
    }

    /// Removes vectors by chunk id; returns how many live ids were removed (absent ids are ignored).
    /// HNSW cannot delete, so there the ids become tombstones.
    @discardableResult
    public func remove(ids: some Sequence<Int64>) throws -> Int {
        try locked {
            let present = Set(ids).intersection(storedIDs).subtracting(tombstoneSet)
            guard !present.isEmpty, let handle else { return 0 }
            if cfaiss_index_can_remove(handle) == 1 {
                let list = Array(present)
                var removed: Int64 = 0
                try check(cfaiss_index_remove_ids(handle, Int64(list.count), list, &removed), "remove")
                storedIDs.subtract(present)
                return Int(removed)
            }
            tombstoneSet.formUnion(present)
            return present.count
        }
    }

    /// Rebuilds the index without its tombstones from the vectors it stores itself (Flat and HNSW
    /// keep them; IVF-PQ would lose precision and IVF cannot return them: use `rebuild(vectors:ids:)`).
    public func rebuild() throws {
        try locked { try rebuildLocked(vectors: nil, ids: nil) }
    }

    /// The stored vectors of `ids`, in order (Flat and HNSW keep them; IVF cannot return them).
    public func vectors(ids: [Int64]) throws -> [[Float]] {
        try locked {
            guard let handle, !ids.isEmpty else { return [] }
            for id in ids where !storedIDs.contains(id) || tombstoneSet.contains(id) {
                throw VectorIndexError.malformedInput("no vector for id \(id)")
            }
            var flat = [Float](repeating: 0, count: ids.count * dimension)
            guard cfaiss_index_reconstruct(handle, Int64(ids.count), ids, &flat) == 0 else {
                throw VectorIndexError.cannotReconstruct(factory: kindStorage.factory)
            }
            return (0..<ids.count).map { Array(flat[($0 * dimension)..<(($0 + 1) * dimension)]) }
        }
    }

    /// Replaces the whole content with these vectors (retraining an approximate index on them).
    public func rebuild(vectors: [[Float]], ids: [Int64]) throws {
        guard vectors.count == ids.count else {
            throw VectorIndexError.malformedInput("\(vectors.count) vectors but \(ids.count) ids")
        }
        try locked { try rebuildLocked(vectors: vectors, ids: ids) }
    }

    // MARK: Internals (call with the lock held)

    func rebuildLocked(vectors: [[Float]]?, ids: [Int64]?) throws {
        var flat: [Float]
        var keep: [Int64]
        if let vectors, let ids {
            flat = try flatten(vectors)
            keep = ids
            guard Set(ids).count == ids.count else {
                throw VectorIndexError.malformedInput("rebuild ids contain duplicates")
            }
        } else {
            guard let handle else { return }
            keep = storedIDs.subtracting(tombstoneSet).sorted()
            flat = [Float](repeating: 0, count: keep.count * dimension)
            if !keep.isEmpty, cfaiss_index_reconstruct(handle, Int64(keep.count), keep, &flat) != 0 {
                throw VectorIndexError.cannotReconstruct(factory: kindStorage.factory)
            }
        }
        var kind = kindStorage
        if kind.needsTraining {
            // Start from the automatic list count again when the original one was chosen by size.
            kind = kind.resolved(forTrainingCount: keep.count)
        }
        let fresh = try Self.makeHandle(kind: kind, dimension: dimension, metric: metric)
        do {
            if cfaiss_index_is_trained(fresh) == 0 {
                let rows = keep.count
                guard rows >= kind.minimumTrainingCount else {
                    throw VectorIndexError.tooFewTrainingVectors(
                        factory: kind.factory, have: rows, need: kind.minimumTrainingCount, suggestion: "Flat")
                }
                try check(cfaiss_index_train(fresh, Int64(rows), flat), "train")
            }
            if !keep.isEmpty {
                try check(cfaiss_index_add_with_ids(fresh, Int64(keep.count), flat, keep), "add")
            }
        } catch {
            cfaiss_index_free(fresh)
            throw error
        }
        cfaiss_index_free(handle)
        handle = fresh
        kindStorage = kind
        storedIDs = Set(keep)
        tombstoneSet = []
    }

    func flatten(_ vectors: [[Float]]) throws -> [Float] {
        var flat = [Float]()
        flat.reserveCapacity(vectors.count * dimension)
        for vector in vectors {
            guard vector.count == dimension else {
                throw VectorIndexError.dimensionMismatch(expected: dimension, got: vector.count)
            }
            flat.append(contentsOf: vector)
        }
        return flat
    }

    func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock()
        defer { lock.unlock() }
        return try body()
    }

    static func makeHandle(kind: VectorIndexKind, dimension: Int, metric: VectorMetric) throws -> OpaquePointer {
        var pointer: OpaquePointer?
        let code = cfaiss_index_new(
            kind.faissFactory, Int32(clamping: dimension),  // checked by init: 1...Int32.max
            metric == .innerProduct ? CFAISS_METRIC_INNER_PRODUCT : CFAISS_METRIC_L2, &pointer)
        guard code == 0, let pointer else {
            throw VectorIndexError.faiss(operation: "create \(kind.factory)", message: lastFAISSError())
        }
        return pointer
    }

    /// Up to 256 points per list: FAISS's k-means subsamples to that anyway, so more only costs time.
    static func trainingLimit(_ kind: VectorIndexKind) -> Int {
        switch kind {
        case .ivfFlat(let lists?): return max(lists * 256, VectorIndexKind.minimumPQTrainingPoints)
        case .ivfPQ(let lists?, _): return max(lists * 256, 256 * 64)
        default: return Int.max
        }
    }

    static func evenSample(_ vectors: [[Float]], limit: Int) -> [[Float]] {
        guard vectors.count > limit else { return vectors }
        let step = Double(vectors.count) / Double(limit)
        return (0..<limit).map { vectors[Int(Double($0) * step)] }
    }
}

private func isAutomaticPQ(_ kind: VectorIndexKind) -> Bool {
    if case .ivfPQ(nil, _) = kind { return true }
    return false
}

/// The shim's last error on this thread, on one line (FAISS messages can span several).
func lastFAISSError() -> String {
    String(cString: cfaiss_last_error()).split(whereSeparator: \.isNewline).joined(separator: " ")
}

func check(_ code: Int32, _ operation: String) throws {
    guard code == 0 else { throw VectorIndexError.faiss(operation: operation, message: lastFAISSError()) }
}
