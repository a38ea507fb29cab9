import CICU

/// A range of a string with its Unicode-scalar offsets.
struct TextSpan: Equatable {
    /// Scalar-aligned bounds in the string.
    var lower: String.Index
    var upper: String.Index
    /// Scalar offsets of the bounds.
    var start: Int
    var end: Int
    /// ICU's rule status of the boundary that ends the span (word breaks: >= 100 for words).
    var status: Int32 = 0

    var isEmpty: Bool { start == end }
}

/// ICU sentence and word boundaries (through CICU) mapped from UTF-16 offsets to scalar offsets and string indices.
enum TextBreaks {
    /// Splits `text[lower..<upper]` at ICU boundaries of `kind`; `startOffset` is the scalar offset of `lower`.
    /// Without ICU (it failed to open) the whole range is one span.
    static func spans(
        _ kind: cicu_break_kind, locale: String, in text: String, from lower: String.Index, to upper: String.Index,
        startOffset: Int
    ) -> [TextSpan] {
        let scalars = text.unicodeScalars
        var units: [UInt16] = []
        units.reserveCapacity(scalars.distance(from: lower, to: upper) + 16)
        for scalar in scalars[lower..<upper] { units.append(contentsOf: scalar.utf16) }
        guard !units.isEmpty else { return [] }
        let boundaries = boundaries(kind, locale: locale, units: units)
        var spans: [TextSpan] = []
        spans.reserveCapacity(boundaries.count)
        var index = lower
        var unit = 0
        var offset = startOffset
        for (boundary, status) in boundaries where boundary > unit {
            let spanLower = index
            let spanStart = offset
            while unit < boundary, index < upper {
                unit += scalars[index].utf16.count
                offset += 1
                scalars.formIndex(after: &index)
            }
            spans.append(TextSpan(lower: spanLower, upper: index, start: spanStart, end: offset, status: status))
        }
        return spans
    }

    /// Boundaries after 0 up to and including `units.count`, each with its rule status.
    static func boundaries(_ kind: cicu_break_kind, locale: String, units: [UInt16]) -> [(Int, Int32)] {
        var result: [(Int, Int32)] = []
        units.withUnsafeBufferPointer { buffer in
            var error = [CChar](repeating: 0, count: 64)
            guard let iterator = cicu_break_open(kind, locale, buffer.baseAddress, Int32(buffer.count), &error, 64)
            else {
                return
            }
            defer { cicu_break_close(iterator) }
            while case let boundary = cicu_break_next(iterator), boundary >= 0 {
                result.append((Int(boundary), cicu_break_rule_status(iterator)))
            }
        }
        if result.last?.0 != units.count { result.append((units.count, 0)) }
        return result
    }
}
