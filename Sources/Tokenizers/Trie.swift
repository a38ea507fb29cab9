/// A byte trie over vocabulary pieces for common-prefix search (the Unigram lattice's hot loop).
///
/// Children of a node are contiguous and sorted by label; the root's children are a direct 256-entry table.
public struct Trie: Sendable {
    private var labels: [UInt8] = []
    private var values: [Int32] = []
    private var firstChild: [Int32] = []
    private var childCount: [Int32] = []
    private var rootTable = [Int32](repeating: -1, count: 256)

    /// Builds the trie; when a key repeats, the last value wins (like the reference's token-to-id map).
    public init(keys: [[UInt8]], values keyValues: [Int32]) {
        let order = keys.indices.sorted { a, b in
            let x = keys[a]
            let y = keys[b]
            let n = Swift.min(x.count, y.count)
            for i in 0..<n where x[i] != y[i] { return x[i] < y[i] }
            return x.count == y.count ? a < b : x.count < y.count
        }
        labels = [0]
        values = [-1]
        firstChild = [0]
        childCount = [0]
        // Breadth-first: (node, sorted key range sharing the node's prefix, depth).
        var queue: [(node: Int, lower: Int, upper: Int, depth: Int)] = [(0, 0, order.count, 0)]
        var head = 0
        while head < queue.count {
            let (node, lower, upper, depth) = queue[head]
            head += 1
            var i = lower
            while i < upper, keys[order[i]].count == depth {
                values[node] = keyValues[order[i]]
                i += 1
            }
            firstChild[node] = Int32(labels.count)
            var count: Int32 = 0
            while i < upper {
                let label = keys[order[i]][depth]
                var j = i + 1
                while j < upper, keys[order[j]][depth] == label { j += 1 }
                let child = labels.count
                labels.append(label)
                values.append(-1)
                firstChild.append(0)
                childCount.append(0)
                if node == 0 { rootTable[Int(label)] = Int32(child) }
                queue.append((child, i, j, depth + 1))
                count += 1
                i = j
            }
            childCount[node] = count
        }
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
