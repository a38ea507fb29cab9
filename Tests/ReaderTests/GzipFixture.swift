import Foundation

/// Errors reading a gzip'd fixture.
struct GzipError: Error, CustomStringConvertible {
    let description: String
}

/// Reads gzip'd JSON fixtures committed under `Fixtures/`: a small RFC 1951/1952 inflater, so the tests
/// need no zlib module (Foundation on Linux cannot decompress).
enum GzipFixture {
    /// The decompressed contents of `Fixtures/<name>`.
    static func data(named name: String) throws -> Data {
        guard let url = Bundle.module.url(forResource: "Fixtures/\(name)", withExtension: nil) else {
            throw GzipError(description: "missing fixture \(name)")
        }
        return try gunzip(Data(contentsOf: url))
    }

    /// Decompresses one gzip member.
    static func gunzip(_ data: Data) throws -> Data {
        let bytes = [UInt8](data)
        guard bytes.count > 18, bytes[0] == 0x1f, bytes[1] == 0x8b, bytes[2] == 8 else {
            throw GzipError(description: "not a gzip stream")
        }
        let flags = bytes[3]
        var position = 10
        if flags & 0x04 != 0 { position += 2 + Int(bytes[position]) + Int(bytes[position + 1]) << 8 }
        if flags & 0x08 != 0 { while bytes[position] != 0 { position += 1 }; position += 1 }
        if flags & 0x10 != 0 { while bytes[position] != 0 { position += 1 }; position += 1 }
        if flags & 0x02 != 0 { position += 2 }
        var inflater = Inflater(bytes: bytes, position: position)
        return Data(try inflater.run())
    }
}

/// DEFLATE decoder (stored, fixed and dynamic Huffman blocks).
private struct Inflater {
    let bytes: [UInt8]
    var position: Int
    var bitBuffer: UInt32 = 0
    var bitCount = 0
    var output: [UInt8] = []

    init(bytes: [UInt8], position: Int) {
        self.bytes = bytes
        self.position = position
        output.reserveCapacity(bytes.count * 4)
    }

    /// A canonical Huffman code: counts per length and symbols ordered by code.
    struct Huffman {
        var counts = [Int](repeating: 0, count: 16)
        var symbols: [Int] = []

        init(lengths: [Int]) {
            for length in lengths { counts[length] += 1 }
            counts[0] = 0
            var offsets = [Int](repeating: 0, count: 16)
            for length in 1..<16 { offsets[length] = offsets[length - 1] + counts[length - 1] }
            symbols = [Int](repeating: 0, count: lengths.count)
            for (symbol, length) in lengths.enumerated() where length != 0 {
                symbols[offsets[length]] = symbol
                offsets[length] += 1
            }
        }
    }

    mutating func bits(_ count: Int) throws -> Int {
        while bitCount < count {
            guard position < bytes.count else { throw GzipError(description: "truncated deflate stream") }
            bitBuffer |= UInt32(bytes[position]) << UInt32(bitCount)
            position += 1
            bitCount += 8
        }
        let value = Int(bitBuffer & ((1 << UInt32(count)) - 1))
        bitBuffer >>= UInt32(count)
        bitCount -= count
        return value
    }

    mutating func decode(_ huffman: Huffman) throws -> Int {
        var code = 0
        var first = 0
        var index = 0
        for length in 1..<16 {
            code |= try bits(1)
            let count = huffman.counts[length]
            if code - count < first { return huffman.symbols[index + (code - first)] }
            index += count
            first += count
            first <<= 1
            code <<= 1
        }
        throw GzipError(description: "bad Huffman code")
    }

    static let lengthBase = [
        3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131,
        163, 195, 227, 258,
    ]
    static let lengthExtra = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0]
    static let distanceBase = [
        1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537,
        2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577,
    ]
    static let distanceExtra = [
        0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12,
        13, 13,
    ]

    mutating func run() throws -> [UInt8] {
        var last = 0
        while last == 0 {
            last = try bits(1)
            switch try bits(2) {
            case 0: try stored()
            case 1:
                let lengths =
                    [Int](repeating: 8, count: 144) + [Int](repeating: 9, count: 112)
                    + [Int](repeating: 7, count: 24) + [Int](repeating: 8, count: 8)
                try codes(Huffman(lengths: lengths), Huffman(lengths: [Int](repeating: 5, count: 30)))
            case 2: try dynamic()
            default: throw GzipError(description: "bad block type")
            }
        }
        return output
    }

    mutating func stored() throws {
        bitBuffer = 0
        bitCount = 0
        guard position + 4 <= bytes.count else { throw GzipError(description: "truncated stored block") }
        let length = Int(bytes[position]) | Int(bytes[position + 1]) << 8
        position += 4
        guard position + length <= bytes.count else { throw GzipError(description: "truncated stored block") }
        output.append(contentsOf: bytes[position..<(position + length)])
        position += length
    }

    mutating func dynamic() throws {
        let literalCount = try bits(5) + 257
        let distanceCount = try bits(5) + 1
        let codeCount = try bits(4) + 4
        let order = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15]
        var codeLengths = [Int](repeating: 0, count: 19)
        for index in 0..<codeCount { codeLengths[order[index]] = try bits(3) }
        let codeHuffman = Huffman(lengths: codeLengths)
        var lengths: [Int] = []
        while lengths.count < literalCount + distanceCount {
            let symbol = try decode(codeHuffman)
            switch symbol {
            case 0..<16: lengths.append(symbol)
            case 16:
                guard let previous = lengths.last else { throw GzipError(description: "repeat without length") }
                lengths += [Int](repeating: previous, count: 3 + (try bits(2)))
            case 17: lengths += [Int](repeating: 0, count: 3 + (try bits(3)))
            default: lengths += [Int](repeating: 0, count: 11 + (try bits(7)))
            }
        }
        try codes(
            Huffman(lengths: Array(lengths[0..<literalCount])),
            Huffman(lengths: Array(lengths[literalCount..<(literalCount + distanceCount)])))
    }

    mutating func codes(_ literals: Huffman, _ distances: Huffman) throws {
        while true {
            let symbol = try decode(literals)
            if symbol < 256 {
                output.append(UInt8(symbol))
            } else if symbol == 256 {
                return
            } else {
                let index = symbol - 257
                guard index < 29 else { throw GzipError(description: "bad length symbol") }
                let length = Self.lengthBase[index] + (try bits(Self.lengthExtra[index]))
                let distanceSymbol = try decode(distances)
                guard distanceSymbol < 30 else { throw GzipError(description: "bad distance symbol") }
                let distance = Self.distanceBase[distanceSymbol] + (try bits(Self.distanceExtra[distanceSymbol]))
                guard distance <= output.count else { throw GzipError(description: "distance too far back") }
                let start = output.count - distance
                for offset in 0..<length { output.append(output[start + offset]) }
            }
        }
    }
}
