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
        let slice = text.unicodeScalars[lower..<upper]
        let utf8 = text.utf8
        var units: [UInt16] = []
        units.reserveCapacity(utf8.distance(from: lower, to: upper))
        for scalar in slice {
            if scalar.value < 0x1_0000 {
                units.append(UInt16(truncatingIfNeeded: scalar.value))
            } else {
                units.append(contentsOf: scalar.utf16)
            }
        }
        guard !units.isEmpty else { return [] }
        let boundaries = boundaries(kind, locale: locale, units: units)
        var spans: [TextSpan] = []
        spans.reserveCapacity(boundaries.count)
        // Walk the scalars once with an iterator, keeping UTF-16, scalar and UTF-8 offsets in step; string indices are
        // made from UTF-8 offsets, which is constant time for native strings.
        var iterator = slice.makeIterator()
        var unit = 0
        var offset = startOffset
        var utf8Offset = utf8.distance(from: utf8.startIndex, to: lower)
        var spanLower = lower
        var spanStart = startOffset
        for (boundary, status) in boundaries where boundary > unit {
            while unit < boundary, let scalar = iterator.next() {
                unit += scalar.value < 0x1_0000 ? 1 : 2
                offset += 1
                utf8Offset += UTF8.width(scalar)
            }
            let index = utf8.index(utf8.startIndex, offsetBy: utf8Offset)
            spans.append(TextSpan(lower: spanLower, upper: index, start: spanStart, end: offset, status: status))
            spanLower = index
            spanStart = offset
        }
        return spans
    }

    /// Boundaries after 0 up to and including `units.count`, each with its rule status.
    static func boundaries(_ kind: cicu_break_kind, locale: String, units: [UInt16]) -> [(Int, Int32)] {
        var result: [(Int, Int32)] = []
        units.withUnsafeBufferPointer { buffer in
            var error = [CChar](repeating: 0, count: 64)
            // ICU takes a 32-bit length; a longer text (4 GiB of UTF-16) stays one span instead of trapping.
            guard let length = Int32(exactly: buffer.count),
                let iterator = cicu_break_open(kind, locale, buffer.baseAddress, length, &error, 64)
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
