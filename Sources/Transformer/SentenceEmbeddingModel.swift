import Foundation

/// A sentence-transformers embedding model: the encoder, pooling (`1_Pooling/config.json`) and an
/// optional L2 normalisation (`Normalize` module).
public struct SentenceEmbeddingModel: Sendable {
    /// The encoder underneath.
    public let encoder: EncoderModel
    /// Pooling, normalisation and prompts.
    public let settings: SentenceTransformersConfiguration

    /// Named prompts to prepend to the text before tokenising (`config_sentence_transformers.json`).
    public var prompts: [String: String] { settings.prompts }

    /// The length of each embedding.
    public var dimension: Int { encoder.configuration.hiddenSize * settings.pooling.modes.count }

    /// Loads the model and its sentence-transformers settings from `directory`, the encoder in `precision`.
    public init(directory: ModelDirectory, precision: Precision = .fp32) throws {
        try self.init(
            encoder: EncoderModel(directory: directory, precision: precision),
            settings: SentenceTransformersConfiguration(directory: directory))
    }

    /// Combines an encoder with explicit settings.
    public init(encoder: EncoderModel, settings: SentenceTransformersConfiguration) {
        self.encoder = encoder
        self.settings = settings
    }

    /// One embedding per sequence (token ids with special tokens), batched by length, in the caller's order.
    public func embed(_ sequences: [[Int32]], maxBatchSize: Int = 32) throws -> [[Float]] {
        try embed(sequences, planner: BatchPlanner(maxBatchSize: maxBatchSize))
    }

    /// One embedding per sequence, batched by `planner`, in the caller's order.
    public func embed(_ sequences: [[Int32]], planner: BatchPlanner) throws -> [[Float]] {
        try planner.map(sequences, length: \.count) { batch in
            let packed = try encoder.forward(batch)
            return (0..<packed.count).map { pool(packed, sequence: $0) }
        }
    }

    /// Pools one sequence's rows as sentence-transformers does (every token is attended, so the mask is all ones).
    func pool(_ packed: PackedHiddenStates, sequence index: Int) -> [Float] {
        let h = packed.hiddenSize
        let rows = packed.rows(index)
        var result: [Float] = []
        result.reserveCapacity(dimension)
        for mode in settings.pooling.modes {
            switch mode {
            case .cls:
                result += packed.values[(rows.lowerBound * h)..<((rows.lowerBound + 1) * h)]
            case .lastToken:
                result += packed.values[((rows.upperBound - 1) * h)..<(rows.upperBound * h)]
            case .max:
                var maximum = [Float](repeating: -.infinity, count: h)
                for row in rows {
                    for i in 0..<h { maximum[i] = max(maximum[i], packed.values[row * h + i]) }
                }
                result += maximum
            case .mean, .meanSquareRootLength:
                var sums = [Double](repeating: 0, count: h)
                for row in rows {
                    for i in 0..<h { sums[i] += Double(packed.values[row * h + i]) }
                }
                let divisor = mode == .mean ? Double(rows.count) : Double(rows.count).squareRoot()
                result += sums.map { Float($0 / divisor) }
            }
        }
        if settings.normalize {
            let norm = result.reduce(0) { $0 + Double($1) * Double($1) }.squareRoot()
            let scale = Float(1 / max(norm, 1e-12))
            result = result.map { $0 * scale }
        }
        return result
    }
}
