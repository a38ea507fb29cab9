import Foundation

/// A byte trie over vocabulary pieces for common-prefix search (the Unigram lattice's hot loop).
///
/// Children of a node are contiguous and sorted by label; the root's children are a direct 256-entry table.
public struct Trie: Sendable {
    private let labels: [UInt8]
    private let values: [Int32]
    private let firstChild: [Int32]
    private let childCount: [Int32]
    private let rootTable: [Int32]

    /// Builds the trie; when a key repeats, the last value wins (like the reference's token-to-id map).
    public init(keys: [[UInt8]], values keyValues: [Int32]) {
        // All keys in one buffer: the build is a large part of loading a 250k-piece vocabulary.
        var flat = [UInt8]()
        flat.reserveCapacity(keys.reduce(0) { $0 + $1.count })
        var keyStart = [Int](repeating: 0, count: keys.count + 1)
        for (i, key) in keys.enumerated() {
            keyStart[i] = flat.count
            flat.append(contentsOf: key)
        }
        keyStart[keys.count] = flat.count
        self.init(flat: flat, keyStart: keyStart, values: keyValues)
    }

    /// Builds the trie over the UTF-8 of `strings` (no per-key arrays: this is most of loading a vocabulary).
    public init(strings: [String], values keyValues: [Int32]) {
        var flat = [UInt8]()
        flat.reserveCapacity(strings.count * 8)
        var keyStart = [Int](repeating: 0, count: strings.count + 1)
        for (i, string) in strings.enumerated() {
            keyStart[i] = flat.count
            flat.append(contentsOf: string.utf8)
        }
        keyStart[strings.count] = flat.count
        self.init(flat: flat, keyStart: keyStart, values: keyValues)
    }

    private init(flat: [UInt8], keyStart: [Int], values keyValues: [Int32]) {
        let keyCount = keyStart.count - 1
        var order = Array(0..<keyCount)
        flat.withUnsafeBufferPointer { bytes in
            keyStart.withUnsafeBufferPointer { starts in
                order.sort { a, b in
                    let la = starts[a + 1] - starts[a]
                    let lb = starts[b + 1] - starts[b]
                    let n = Swift.min(la, lb)
                    if n > 0 {
                        let c = memcmp(bytes.baseAddress! + starts[a], bytes.baseAddress! + starts[b], n)
                        if c != 0 { return c < 0 }
                    }
                    return la == lb ? a < b : la < lb
                }
            }
        }
        // Local arrays: appending to stored properties from inside the pointer closures is much slower.
        var labels: [UInt8] = [0]
        var values: [Int32] = [-1]
        var firstChild: [Int32] = [0]
        var childCount: [Int32] = [0]
        var rootTable = [Int32](repeating: -1, count: 256)
        let capacity = flat.count / 2
        labels.reserveCapacity(capacity)
        values.reserveCapacity(capacity)
        firstChild.reserveCapacity(capacity)
        childCount.reserveCapacity(capacity)
        flat.withUnsafeBufferPointer { bytes in
            keyStart.withUnsafeBufferPointer { starts in
                order.withUnsafeBufferPointer { order in
                    @inline(__always) func length(_ i: Int) -> Int { starts[order[i] + 1] - starts[order[i]] }
                    @inline(__always) func byte(_ i: Int, _ depth: Int) -> UInt8 { bytes[starts[order[i]] + depth] }
                    // Breadth-first: (node, sorted key range sharing the node's prefix, depth).
                    var queue: [(node: Int32, lower: Int32, upper: Int32, depth: Int32)] = [(0, 0, Int32(keyCount), 0)]
                    queue.reserveCapacity(capacity)
                    var head = 0
                    while head < queue.count {
                        let node = Int(queue[head].node)
                        let upper = Int(queue[head].upper)
                        let depth = Int(queue[head].depth)
                        var i = Int(queue[head].lower)
                        head += 1
                        while i < upper, length(i) == depth {
                            values[node] = keyValues[order[i]]
                            i += 1
                        }
                        firstChild[node] = Int32(labels.count)
                        var count: Int32 = 0
                        while i < upper {
                            let label = byte(i, depth)
                            var j = i + 1
                            while j < upper, byte(j, depth) == label { j += 1 }
                            let child = labels.count
                            labels.append(label)
                            values.append(-1)
                            firstChild.append(0)
                            childCount.append(0)
                            if node == 0 { rootTable[Int(label)] = Int32(child) }
                            queue.append((Int32(child), Int32(i), Int32(j), Int32(depth + 1)))
                            count += 1
                            i = j
                        }
                        childCount[node] = count
                    }
                }
            }
        }
        self.labels = labels
        self.values = values
        self.firstChild = firstChild
        self.childCount = childCount
        self.rootTable = rootTable
    }

    @inline(__always) private func child(of node: Int, _ byte: UInt8) -> Int {
        if node == 0 { return Int(rootTable[Int(byte)]) }
        let first = Int(firstChild[node])
        let count = Int(childCount[node])
        return labels.withUnsafeBufferPointer { labels in
            if count <= 12 {
                for k in first..<(first + count) where labels[k] == byte { return k }
                return -1
            }
            var lo = first
            var hi = first + count
            while lo < hi {
                let mid = (lo + hi) >> 1
                let l = labels[mid]
                if l == byte { return mid }
                if l < byte { lo = mid + 1 } else { hi = mid }
            }
            return -1
        }
    }

    /// Calls `body(value, keyLength)` for every key that is a prefix of `bytes[start...]`, shortest first.
    @inline(__always) package func forEachPrefix(
        of bytes: UnsafeBufferPointer<UInt8>, from start: Int, _ body: (Int32, Int) -> Void
    ) {
        var node = 0
        var i = start
        let end = bytes.count
        while i < end {
            node = child(of: node, bytes[i])
            if node < 0 { return }
            i += 1
            let value = values[node]
            if value >= 0 { body(value, i - start) }
        }
    }

    /// The value stored for exactly `bytes`, if any.
    public func value(for bytes: some Sequence<UInt8>) -> Int32? {
        var node = 0
        for b in bytes {
            node = child(of: node, b)
            if node < 0 { return nil }
        }
        let value = values[node]
        return value >= 0 ? value : nil
    }
}
