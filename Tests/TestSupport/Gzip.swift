import Foundation

/// Decompresses gzip fixtures (RFC 1952 / DEFLATE RFC 1951) without a zlib dependency: Foundation on Linux
/// cannot, and the committed goldens are gzip'd to stay small. Shared by every test target that reads them.
public enum Gzip {
    /// A stream that is not gzip or is damaged.
    public struct Failure: Error, CustomStringConvertible {
        /// What is wrong with the stream.
        public let description: String

        /// A failure with a message.
        public init(description: String) { self.description = description }
    }

    /// The decompressed bytes of one gzip member.
    public static func decompress(_ data: Data) throws -> Data {
        let bytes = [UInt8](data)
        guard bytes.count >= 18, bytes[0] == 0x1F, bytes[1] == 0x8B, bytes[2] == 8 else {
            throw Failure(description: "not a gzip file")
        }
        let flags = bytes[3]
        var p = 10
        if flags & 4 != 0 { p += 2 + (Int(bytes[p]) | Int(bytes[p + 1]) << 8) }
        if flags & 8 != 0 { while bytes[p] != 0 { p += 1 }; p += 1 }
        if flags & 16 != 0 { while bytes[p] != 0 { p += 1 }; p += 1 }
        if flags & 2 != 0 { p += 2 }
        var inflater = Inflater(input: bytes, position: p)
        try inflater.run()
        return Data(inflater.output)
    }
}

private struct Huffman {
    var counts = [Int](repeating: 0, count: 16)
    var symbols: [Int] = []

    init(lengths: [Int]) {
        for l in lengths { counts[l] += 1 }
        counts[0] = 0
        var offsets = [Int](repeating: 0, count: 16)
        for i in 1..<16 { offsets[i] = offsets[i - 1] + counts[i - 1] }
        symbols = [Int](repeating: 0, count: lengths.count)
        for (symbol, l) in lengths.enumerated() where l != 0 {
            symbols[offsets[l]] = symbol
            offsets[l] += 1
        }
    }
}

private struct Inflater {
    let input: [UInt8]
    var position: Int
    var bitBuffer = 0
    var bitCount = 0
    var output: [UInt8] = []

    init(input: [UInt8], position: Int) {
        self.input = input
        self.position = position
        output.reserveCapacity(input.count * 6)
    }

    mutating func bits(_ n: Int) throws -> Int {
        while bitCount < n {
            guard position < input.count else { throw Gzip.Failure(description: "truncated deflate stream") }
            bitBuffer |= Int(input[position]) << bitCount
            position += 1
            bitCount += 8
        }
        let value = bitBuffer & ((1 << n) - 1)
        bitBuffer >>= n
        bitCount -= n
        return value
    }

    mutating func decode(_ h: Huffman) throws -> Int {
        var code = 0
        var first = 0
        var index = 0
        for length in 1..<16 {
            code |= try bits(1)
            let count = h.counts[length]
            if code - count < first { return h.symbols[index + (code - first)] }
            index += count
            first += count
            first <<= 1
            code <<= 1
        }
        throw Gzip.Failure(description: "bad Huffman code")
    }

    static let lengthBase = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227,
        258,
    ]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
        6145, 8193, 12289, 16385, 24577,
    ]
    static let distanceExtra = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
    ]

    mutating func run() throws {
        var last = 0
        repeat {
            last = try bits(1)
            let type = try bits(2)
            switch type {
            case 0:
                bitBuffer = 0
                bitCount = 0
                guard position + 4 <= input.count else { throw Gzip.Failure(description: "truncated stored block") }
                let length = Int(input[position]) | Int(input[position + 1]) << 8
                position += 4
                output.append(contentsOf: input[position..<(position + length)])
                position += length
            case 1:
                var lengths = [Int](repeating: 8, count: 288)
                for i in 144..<256 { lengths[i] = 9 }
                for i in 256..<280 { lengths[i] = 7 }
                try block(Huffman(lengths: lengths), Huffman(lengths: [Int](repeating: 5, count: 30)))
            case 2:
                let nlen = try bits(5) + 257
                let ndist = try bits(5) + 1
                let ncode = try bits(4) + 4
                let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
                var codeLengths = [Int](repeating: 0, count: 19)
                for i in 0..<ncode { codeLengths[order[i]] = try bits(3) }
                let codeHuffman = Huffman(lengths: codeLengths)
                var lengths: [Int] = []
                while lengths.count < nlen + ndist {
                    let symbol = try decode(codeHuffman)
                    if symbol < 16 {
                        lengths.append(symbol)
                    } else if symbol == 16 {
                        guard let previous = lengths.last else { throw Gzip.Failure(description: "bad repeat") }
                        lengths.append(contentsOf: repeatElement(previous, count: 3 + (try bits(2))))
                    } else if symbol == 17 {
                        lengths.append(contentsOf: repeatElement(0, count: 3 + (try bits(3))))
                    } else {
                        lengths.append(contentsOf: repeatElement(0, count: 11 + (try bits(7))))
                    }
                }
                try block(Huffman(lengths: Array(lengths[0..<nlen])), Huffman(lengths: Array(lengths[nlen...])))
            default:
                throw Gzip.Failure(description: "bad block type")
            }
        } while last == 0
    }

    mutating func block(_ literals: Huffman, _ distances: Huffman) throws {
        while true {
            let symbol = try decode(literals)
            if symbol < 256 {
                output.append(UInt8(symbol))
            } else if symbol == 256 {
                return
            } else {
                let index = symbol - 257
                guard index < 29 else { throw Gzip.Failure(description: "bad length symbol") }
                let length = Self.lengthBase[index] + (try bits(Self.lengthExtra[index]))
                let d = try decode(distances)
                guard d < 30 else { throw Gzip.Failure(description: "bad distance symbol") }
                let distance = Self.distanceBase[d] + (try bits(Self.distanceExtra[d]))
                guard distance <= output.count else { throw Gzip.Failure(description: "distance too far") }
                let start = output.count - distance
                for k in 0..<length { output.append(output[start + k]) }
            }
        }
    }
}
