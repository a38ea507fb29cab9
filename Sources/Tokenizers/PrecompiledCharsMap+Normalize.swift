extension PrecompiledCharsMap {
    /// Applies the charsmap per extended grapheme cluster as the reference's `Precompiled` normalizer does:
    /// a cluster shorter than 6 UTF-8 bytes is looked up whole first, otherwise (or when it has no rule) each
    /// scalar is looked up alone. Alignments follow the reference's `replace` bookkeeping, quirks included
    /// (a removal is charged to the previous output scalar).
    package func normalize(_ text: inout NormalizedText) {
        let n = text.count
        guard n > 0 else { return }
        var outScalars = [UInt32]()
        var changes = [Int]()
        outScalars.reserveCapacity(n + 8)
        changes.reserveCapacity(n + 8)
        var modified = false
        var utf8 = [UInt8](repeating: 0, count: 8)

        func replace(oldCount: Int, with replacement: [Unicode.Scalar]) {
            modified = true
            for r in replacement {
                outScalars.append(r.value)
                changes.append(0)
            }
            let diff = replacement.count - oldCount
            if diff > 0 {
                var k = changes.count - 1
                for _ in 0..<diff where k >= 0 {
                    changes[k] = 1
                    k -= 1
                }
            } else if diff < 0, !changes.isEmpty {
                changes[changes.count - 1] += diff
            }
        }

        func lookupSingle(_ c: UInt32) -> [Unicode.Scalar]? {
            if c < 0x80 { return asciiReplacement(c) }
            let length = UnicodeTables.encodeUTF8(c, into: &utf8, at: 0)
            return utf8.withUnsafeBufferPointer { transform(UnsafeBufferPointer(rebasing: $0[0..<length])) }
        }

        var i = 0
        let scalars = text.scalars
        while i < n {
            let c = scalars[i]
            // Between two ASCII scalars there is always a grapheme break, except CR LF.
            if c < 0x80, i + 1 == n || (scalars[i + 1] < 0x80 && !(c == 0x0D && scalars[i + 1] == 0x0A)) {
                if let replacement = asciiReplacement(c) {
                    replace(oldCount: 1, with: replacement)
                } else {
                    outScalars.append(c)
                    changes.append(0)
                }
                i += 1
                continue
            }
            // A run that needs real grapheme segmentation: up to the next ASCII scalar that follows an ASCII
            // scalar other than CR, where a cluster break is certain.
            var m = i + 1
            while m < n, !(scalars[m] < 0x80 && scalars[m - 1] < 0x80 && scalars[m - 1] != 0x0D) { m += 1 }
            if m <= i { m = i + 1 }
            var run = String()
            run.unicodeScalars.append(contentsOf: scalars[i..<m].lazy.map { Unicode.Scalar($0) ?? "\u{FFFD}" })
            for cluster in run {
                let clusterCount = cluster.unicodeScalars.count
                var byteCount = 0
                for k in i..<(i + clusterCount) { byteCount += UnicodeTables.utf8Length(scalars[k]) }
                var done = false
                if byteCount < 6 {
                    var p = 0
                    for k in i..<(i + clusterCount) { p += UnicodeTables.encodeUTF8(scalars[k], into: &utf8, at: p) }
                    let found = utf8.withUnsafeBufferPointer { transform(UnsafeBufferPointer(rebasing: $0[0..<p])) }
                    if let replacement = found {
                        replace(oldCount: clusterCount, with: replacement)
                        done = true
                    }
                }
                if !done {
                    for k in i..<(i + clusterCount) {
                        if let replacement = lookupSingle(scalars[k]) {
                            replace(oldCount: 1, with: replacement)
                        } else {
                            outScalars.append(scalars[k])
                            changes.append(0)
                        }
                    }
                }
                i += clusterCount
            }
        }
        if modified { text.transform(outScalars, changes, initialOffset: 0) }
    }
}
