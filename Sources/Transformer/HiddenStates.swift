/// The encoder's last hidden states for one sequence: `tokenCount × hiddenSize`, row-major.
public struct HiddenStates: Sendable, Equatable {
    /// Number of tokens (the unpadded sequence length).
    public let tokenCount: Int
    /// Width of each token vector.
    public let hiddenSize: Int
    /// `tokenCount × hiddenSize` values, one token after another.
    public let values: [Float]

    /// A hidden-state matrix from its values (`values.count == tokenCount × hiddenSize`).
    package init(tokenCount: Int, hiddenSize: Int, values: [Float]) {
        precondition(values.count == tokenCount * hiddenSize, "values must hold tokenCount × hiddenSize floats")
        self.tokenCount = tokenCount
        self.hiddenSize = hiddenSize
        self.values = values
    }

    /// The vector of token `index`.
    public subscript(token index: Int) -> ArraySlice<Float> {
        values[(index * hiddenSize)..<((index + 1) * hiddenSize)]
    }
}

/// Hidden states of several sequences packed without padding: sequence `i` owns rows `offsets[i]..<offsets[i+1]`.
package struct PackedHiddenStates: Sendable {
    /// `offsets.last! × hiddenSize` values.
    package let values: [Float]
    /// Row offsets, `count + 1` entries starting at 0.
    package let offsets: [Int]
    /// Width of each row.
    package let hiddenSize: Int

    /// Number of sequences.
    package var count: Int { offsets.count - 1 }

    /// The rows of sequence `index`.
    package func rows(_ index: Int) -> Range<Int> { offsets[index]..<offsets[index + 1] }

    /// Sequence `index` as a standalone matrix.
    package func sequence(_ index: Int) -> HiddenStates {
        let range = rows(index)
        return HiddenStates(
            tokenCount: range.count, hiddenSize: hiddenSize,
            values: Array(values[(range.lowerBound * hiddenSize)..<(range.upperBound * hiddenSize)]))
    }
}
