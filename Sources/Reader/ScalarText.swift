import Foundation

/// A text indexed by Unicode scalars, sliced with Python `str` semantics.
struct ScalarText: Sendable {
    let scalars: [Unicode.Scalar]

    init(_ text: String) { scalars = Array(text.unicodeScalars) }

    var count: Int { scalars.count }

    /// `text[lower:upper]` as Python slices it: bounds clamped, empty when `upper <= lower`.
    func slice(_ lower: Int, _ upper: Int) -> String {
        let lo = min(max(lower, 0), scalars.count)
        let hi = min(max(upper, 0), scalars.count)
        guard hi > lo else { return "" }
        var view = String.UnicodeScalarView()
        view.append(contentsOf: scalars[lo..<hi])
        return String(view)
    }
}

extension String {
    /// Python's `str.lower()`: full Unicode lowercase mapping per scalar, with the context-dependent
    /// final sigma rule, so answers merge exactly when the pipeline's `get_answer` would merge them.
    var pythonLowercased: String {
        let scalars = Array(unicodeScalars)
        var result = String.UnicodeScalarView()
        for (index, scalar) in scalars.enumerated() {
            if scalar.value == 0x03A3 {
                result.append(Self.isFinalSigma(scalars, at: index) ? "\u{03C2}" : "\u{03C3}")
            } else {
                result.append(contentsOf: scalar.properties.lowercaseMapping.unicodeScalars)
            }
        }
        return String(result)
    }

    /// Unicode's Final_Sigma condition: a cased letter before (skipping case-ignorables), none after.
    private static func isFinalSigma(_ scalars: [Unicode.Scalar], at index: Int) -> Bool {
        var before = index - 1
        while before >= 0 && scalars[before].properties.isCaseIgnorable { before -= 1 }
        guard before >= 0, scalars[before].properties.isCased else { return false }
        var after = index + 1
        while after < scalars.count && scalars[after].properties.isCaseIgnorable { after += 1 }
        return !(after < scalars.count && scalars[after].properties.isCased)
    }
}
