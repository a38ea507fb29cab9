import Foundation

/// The FAISS index structure behind a `VectorIndex`, parsed from and printed as a factory string.
public enum VectorIndexKind: Hashable, Sendable {
    /// Exact search over every vector ("Flat"); the default.
    case flat
    /// Hierarchical navigable small-world graph ("HNSW32"): fast, approximate, cannot delete.
    case hnsw(neighbors: Int)
    /// Inverted lists over exact vectors ("IVF256,Flat"); `lists` nil picks it from the training set size.
    case ivfFlat(lists: Int?)
    /// Inverted lists over product-quantised vectors ("IVF256,PQ16"); `subquantizers` must divide the dimension.
    case ivfPQ(lists: Int?, subquantizers: Int)

    /// Parses "Flat", "HNSW<m>", "IVF<n>,Flat", "IVF<n>,PQ<m>"; "IVF,Flat" / "IVF,PQ<m>" leave the list count automatic.
    public init(factory: String) throws {
        let text = factory.trimmingCharacters(in: .whitespaces)
        let parts = text.split(separator: ",", omittingEmptySubsequences: false).map(String.init)
        // A factory string comes from a user's flag or manifest, and FAISS allocates by these numbers (lists,
        // neighbours per vector, codebooks): each is bounded (`limits`), so a typo cannot exhaust memory.
        func number(after prefix: String, in part: String, limit: Int) -> Int?? {
            guard part.hasPrefix(prefix) else { return nil }
            let digits = part.dropFirst(prefix.count)
            if digits.isEmpty { return .some(nil) }
            guard let value = Int(digits), value > 0, value <= limit else { return nil }
            return .some(value)
        }
        if parts.count == 1, parts[0] == "Flat" {
            self = .flat
        } else if parts.count == 1, let m = number(after: "HNSW", in: parts[0], limit: Self.maximumNeighbors),
            let neighbors = m
        {
            self = .hnsw(neighbors: neighbors)
        } else if parts.count == 2, let lists = number(after: "IVF", in: parts[0], limit: Self.maximumLists) {
            if parts[1] == "Flat" {
                self = .ivfFlat(lists: lists)
            } else if let m = number(after: "PQ", in: parts[1], limit: Self.maximumSubquantizers),
                let subquantizers = m
            {
                self = .ivfPQ(lists: lists, subquantizers: subquantizers)
            } else {
                throw VectorIndexError.unsupportedFactory(factory)
            }
        } else {
            throw VectorIndexError.unsupportedFactory(factory)
        }
    }

    /// The FAISS factory string ("IVF,Flat" while the list count is still automatic).
    public var factory: String {
        switch self {
        case .flat: return "Flat"
        case .hnsw(let neighbors): return "HNSW\(neighbors)"
        case .ivfFlat(let lists): return "IVF\(lists.map(String.init) ?? ""),Flat"
        case .ivfPQ(let lists, let m): return "IVF\(lists.map(String.init) ?? ""),PQ\(m)"
        }
    }

    /// The string handed to FAISS: `factory`, except that PQ gets `np` because FAISS otherwise runs
    /// polysemous training (tens of seconds), which only serves Hamming-filtered search AskDocs never uses.
    var faissFactory: String {
        if case .ivfPQ = self { return factory + "np" }
        return factory
    }

    /// Whether vectors can be added only after training on a sample.
    public var needsTraining: Bool {
        switch self {
        case .flat, .hnsw: return false
        case .ivfFlat, .ivfPQ: return true
        }
    }

    /// Whether FAISS can delete vectors from this structure (HNSW cannot: AskDocs keeps tombstones).
    public var supportsRemoval: Bool {
        if case .hnsw = self { return false }
        return true
    }

    /// The inverted-list count for `vectorCount` training vectors: 4·√n (FAISS's guideline for small
    /// corpora), capped so each list gets the 39 training points k-means needs.
    public static func suggestedLists(forVectorCount vectorCount: Int) -> Int {
        let byGuideline = Int((4 * Double(max(vectorCount, 0)).squareRoot()).rounded())
        return max(1, min(byGuideline, vectorCount / minimumTrainingPointsPerList))
    }

    /// The largest inverted-list count accepted (FAISS's guidelines stop at 2^20 lists, for billions of vectors).
    public static let maximumLists = 1 << 20
    /// The largest HNSW neighbour count accepted (FAISS's examples use 16 to 64; memory grows with it per vector).
    public static let maximumNeighbors = 1024
    /// The largest product-quantiser subquantizer count accepted (at most one per dimension in practice).
    public static let maximumSubquantizers = 1 << 16

    /// Whether every number is within the limits `init(factory:)` enforces.
    var isWithinLimits: Bool {
        switch self {
        case .flat: return true
        case .hnsw(let neighbors): return (1...Self.maximumNeighbors).contains(neighbors)
        case .ivfFlat(let lists): return lists.map { (1...Self.maximumLists).contains($0) } ?? true
        case .ivfPQ(let lists, let m):
            return (lists.map { (1...Self.maximumLists).contains($0) } ?? true)
                && (1...Self.maximumSubquantizers).contains(m)
        }
    }

    /// FAISS warns below 39 training points per centroid; AskDocs refuses instead of building poor lists.
    public static let minimumTrainingPointsPerList = 39
    /// A product quantiser learns 256 centroids per subquantizer, so it needs that many points.
    public static let minimumPQTrainingPoints = 256

    /// This kind with an automatic list count fixed for `vectorCount` training vectors.
    func resolved(forTrainingCount vectorCount: Int) -> VectorIndexKind {
        switch self {
        case .ivfFlat(nil): return .ivfFlat(lists: Self.suggestedLists(forVectorCount: vectorCount))
        case .ivfPQ(nil, let m):
            return .ivfPQ(lists: Self.suggestedLists(forVectorCount: vectorCount), subquantizers: m)
        default: return self
        }
    }

    /// `lists × 39`, saturating: a list count near `Int.max` needs more vectors than anyone has, not a trap.
    private static func trainingPoints(lists: Int) -> Int {
        let (product, overflow) = lists.multipliedReportingOverflow(by: minimumTrainingPointsPerList)
        return overflow ? .max : product
    }

    /// How many training vectors this (resolved) kind needs.
    var minimumTrainingCount: Int {
        switch self {
        case .flat, .hnsw: return 0
        case .ivfFlat(let lists): return Self.trainingPoints(lists: lists ?? 1)
        case .ivfPQ(let lists, _): return max(Self.trainingPoints(lists: lists ?? 1), Self.minimumPQTrainingPoints)
        }
    }
}
