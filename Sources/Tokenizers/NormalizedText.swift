/// Text being normalized, with every scalar aligned to the span of original scalars it came from.
///
/// Mirrors the reference's `NormalizedString`, in Unicode scalars instead of bytes: the reference aligns each
/// byte to a whole original character, so scalar alignments give the same offsets.
package struct NormalizedText: Sendable {
    /// The normalized scalars (as raw values).
    package var scalars: [UInt32]
    /// Original start offset (absolute, in scalars of the whole input) of each normalized scalar.
    package var starts: [Int32]
    /// Original end offset of each normalized scalar.
    package var ends: [Int32]
    /// Where this text starts in the original: the reference's alignments are relative to it, so its
    /// "no previous character" alignment `(0, 0)` is `(origin, origin)` here.
    package var origin: Int32

    /// Scalars `range` of `original`, aligned one-to-one.
    package init(original: [UInt32], range: Range<Int>) {
        scalars = Array(original[range])
        starts = (range.lowerBound..<range.upperBound).map { Int32($0) }
        ends = (range.lowerBound..<range.upperBound).map { Int32($0 + 1) }
        origin = Int32(range.lowerBound)
    }

    package var count: Int { scalars.count }
    package var isEmpty: Bool { scalars.isEmpty }

    /// Applies the reference's `transform(dest, initial_offset)`: each `(scalar, change)` replaces the next
    /// original scalar (change 0), also swallows `-change` following ones (change < 0), or is inserted with the
    /// alignment of the scalar before it (change > 0).
    package mutating func transform(_ scalarsOut: [UInt32], _ changes: [Int], initialOffset: Int) {
        var newStarts = [Int32]()
        var newEnds = [Int32]()
        newStarts.reserveCapacity(scalarsOut.count)
        newEnds.reserveCapacity(scalarsOut.count)
        var source = initialOffset
        let n = scalars.count
        for i in 0..<scalarsOut.count {
            let change = changes[i]
            let s: Int32
            let e: Int32
            if change > 0 {
                if source < 1 || n == 0 {
                    (s, e) = (origin, origin)
                } else {
                    let p = min(source - 1, n - 1)
                    (s, e) = (starts[p], ends[p])
                }
            } else if source < n {
                (s, e) = (starts[source], ends[source])
            } else if n > 0 {
                // The reference would index past its alignments here; stay in range.
                (s, e) = (ends[n - 1], ends[n - 1])
            } else {
                (s, e) = (origin, origin)
            }
            if change <= 0 { source += 1 }
            if change < 0 { source += -change }
            newStarts.append(s)
            newEnds.append(e)
        }
        scalars = scalarsOut
        starts = newStarts
        ends = newEnds
    }

    /// Keeps the scalars for which `keep` is true, each with its own alignment (the reference's `filter`).
    package mutating func filter(_ keep: (UInt32) -> Bool) {
        var j = 0
        for i in 0..<scalars.count where keep(scalars[i]) {
            scalars[j] = scalars[i]
            starts[j] = starts[i]
            ends[j] = ends[i]
            j += 1
        }
        scalars.removeLast(scalars.count - j)
        starts.removeLast(starts.count - j)
        ends.removeLast(ends.count - j)
    }

    /// Replaces each scalar by one or more scalars; extra ones share its alignment (`map`, `lowercase`, `nfd`).
    package mutating func flatMap(_ expand: (UInt32) -> [UInt32]?) {
        var out = [UInt32]()
        var outStarts = [Int32]()
        var outEnds = [Int32]()
        out.reserveCapacity(scalars.count)
        outStarts.reserveCapacity(scalars.count)
        outEnds.reserveCapacity(scalars.count)
        for i in 0..<scalars.count {
            if let replacement = expand(scalars[i]) {
                for r in replacement {
                    out.append(r)
                    outStarts.append(starts[i])
                    outEnds.append(ends[i])
                }
            } else {
                out.append(scalars[i])
                outStarts.append(starts[i])
                outEnds.append(ends[i])
            }
        }
        scalars = out
        starts = outStarts
        ends = outEnds
    }

    /// The original span covered by normalized scalars `range` (the reference's `expand_alignments`).
    package func originalRange(_ range: Range<Int>) -> Range<Int> {
        guard !range.isEmpty else { return 0..<0 }
        let lower = Int(starts[range.lowerBound])
        let upper = Int(ends[range.upperBound - 1])
        return lower..<max(lower, upper)
    }
}
