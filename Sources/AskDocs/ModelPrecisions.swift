import Transformer

/// The arithmetic each model of a pipeline runs its dense layers in (`Precision`); fp32 for both unless
/// configured, because that is what `transformers` computes and what the published accuracy was measured on.
public struct ModelPrecisions: Sendable, Equatable {
    /// The extractive reader's.
    public var reader: Precision
    /// The sentence-embedding retriever's (documents and queries).
    public var retriever: Precision

    /// Creates precisions.
    public init(reader: Precision, retriever: Precision) {
        self.reader = reader
        self.retriever = retriever
    }

    /// Both models in `precision`.
    public init(_ precision: Precision) {
        self.init(reader: precision, retriever: precision)
    }

    /// fp32 for both: the default.
    public static let fp32 = ModelPrecisions(.fp32)

    /// One line per model whose precision runs differently on this CPU (`Precision.hardwareNote`), for stderr.
    public var hardwareNotes: [String] {
        var seen: Set<Precision> = []
        return [reader, retriever].compactMap { precision in
            guard seen.insert(precision).inserted, let note = precision.hardwareNote else { return nil }
            return "note: \(note)"
        }
    }
}
