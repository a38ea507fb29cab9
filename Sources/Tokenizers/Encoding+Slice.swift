extension Encoding {
    /// Tokens `range` of this encoding.
    package func slice(_ range: Range<Int>) -> Encoding {
        Encoding(
            ids: Array(ids[range]), tokens: Array(tokens[range]), offsets: Array(offsets[range]),
            sequenceIds: Array(sequenceIds[range]), wordIds: Array(wordIds[range]), typeIds: Array(typeIds[range]),
            attentionMask: Array(attentionMask[range]))
    }
}
