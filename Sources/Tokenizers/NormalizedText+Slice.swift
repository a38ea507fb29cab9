extension NormalizedText {
    /// Scalars `range` as their own text (the reference's `slice`), keeping absolute alignments.
    package func slice(_ range: Range<Int>) -> NormalizedText {
        var sub = self
        sub.scalars = Array(scalars[range])
        sub.starts = Array(starts[range])
        sub.ends = Array(ends[range])
        sub.origin = range.isEmpty ? origin : starts[range.lowerBound]
        return sub
    }
}
