import Foundation

/// WordPiece: greedy longest-match-first over a word, continuation pieces prefixed with `##`; a word with a
/// piece that cannot be matched, or longer than `maxInputCharsPerWord`, becomes one unknown token.
public struct WordPieceModel: Sendable {
    /// Pieces by id.
    public let pieces: [String]
    /// The unknown token id.
    public let unknownId: Int32
    /// The continuation prefix (`##`).
    public let continuingSubwordPrefix: String
    /// Words longer than this (in scalars) are unknown.
    public let maxInputCharsPerWord: Int
    private let trie: Trie
    private let prefixBytes: [UInt8]

    /// Builds the model from (piece, id) entries; pieces are compared byte-wise, like the reference.
    public init(
        vocabulary: [(String, Int32)], unknownToken: String, continuingSubwordPrefix: String, maxInputCharsPerWord: Int
    ) throws(WordPieceError) {
        let trie = Trie(strings: vocabulary.map(\.0), values: vocabulary.map(\.1))
        guard let unknownId = trie.value(for: unknownToken.utf8) else { throw .missingUnknownToken(unknownToken) }
        var pieces = [String](repeating: "", count: (vocabulary.map(\.1).max().map { Int($0) } ?? -1) + 1)
        for (piece, id) in vocabulary where id >= 0 { pieces[Int(id)] = piece }
        self.pieces = pieces
        self.trie = trie
        self.prefixBytes = Array(continuingSubwordPrefix.utf8)
        self.unknownId = unknownId
        self.continuingSubwordPrefix = continuingSubwordPrefix
        self.maxInputCharsPerWord = maxInputCharsPerWord
    }

    /// The id of a piece, if known.
    public func id(of piece: String) -> Int32? { trie.value(for: piece.utf8) }

    /// Splits one word (scalars) into tokens with scalar ranges into the word.
    package func tokenize(_ word: ArraySlice<UInt32>) -> [(Int32, String, Range<Int>)] {
        let count = word.count
        let unknown = [(unknownId, pieces[Int(unknownId)], 0..<count)]
        if count > maxInputCharsPerWord { return unknown }
        // UTF-8 of the word with the byte offset of each scalar, so candidates are byte slices.
        var bytes = [UInt8]()
        var byteOffsets = [Int]()
        bytes.reserveCapacity(count * 2)
        var buffer = [UInt8](repeating: 0, count: 4)
        for c in word {
            byteOffsets.append(bytes.count)
            let n = UnicodeTables.encodeUTF8(c, into: &buffer, at: 0)
            bytes.append(contentsOf: buffer[0..<n])
        }
        byteOffsets.append(bytes.count)
        var result: [(Int32, String, Range<Int>)] = []
        var start = 0
        while start < count {
            var end = count
            var found: Int32? = nil
            while start < end {
                let slice = bytes[byteOffsets[start]..<byteOffsets[end]]
                let id = start > 0 ? trie.value(for: [prefixBytes[...], slice].joined()) : trie.value(for: slice)
                if let id {
                    found = id
                    break
                }
                end -= 1
            }
            guard let id = found else { return unknown }
            let piece =
                (start > 0 ? continuingSubwordPrefix : "")
                + String(decoding: bytes[byteOffsets[start]..<byteOffsets[end]], as: UTF8.self)
            result.append((id, piece, start..<end))
            start = end
        }
        return result
    }
}

/// Why a WordPiece model could not be built.
public enum WordPieceError: LocalizedError, Sendable, Equatable {
    /// `unk_token` names no vocabulary piece.
    case missingUnknownToken(String)

    /// One line, lower case, for inclusion in `TokenizerError`'s message.
    public var errorDescription: String? {
        switch self {
        case .missingUnknownToken(let token): "WordPiece unk_token \"\(token)\" is not in the vocabulary"
        }
    }
}
