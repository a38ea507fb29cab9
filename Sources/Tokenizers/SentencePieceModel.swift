import Foundation

/// The parts of a SentencePiece `ModelProto` (`sentencepiece.bpe.model`) a tokenizer needs, decoded by hand
/// from the protobuf wire format.
public struct SentencePieceModel: Sendable {
    /// One vocabulary entry.
    public struct Piece: Sendable {
        /// The piece text (`▁` for a space).
        public var piece: String
        /// Its log-probability.
        public var score: Float
        /// SentencePiece's type: 1 normal, 2 unknown, 3 control, 4 user-defined, 5 unused, 6 byte.
        public var type: Int
    }

    /// Pieces in SentencePiece id order.
    public var pieces: [Piece] = []
    /// The normalizer's precompiled charsmap (empty when the model has none).
    public var precompiledCharsmap: [UInt8] = []
    /// Whether SentencePiece adds a leading space (`add_dummy_prefix`, default true).
    public var addDummyPrefix = true

    /// Decodes a serialized `ModelProto`.
    public init(data: [UInt8]) throws(ProtobufError) {
        var reader = ProtobufReader(bytes: data[...])
        while let (field, wire) = try reader.nextField() {
            switch (field, wire) {
            case (1, 2):
                pieces.append(try Self.piece(try reader.lengthDelimited()))
            case (3, 2):
                var spec = ProtobufReader(bytes: try reader.lengthDelimited())
                while let (f, w) = try spec.nextField() {
                    switch (f, w) {
                    case (2, 2): precompiledCharsmap = Array(try spec.lengthDelimited())
                    case (3, 0): addDummyPrefix = try spec.varint() != 0
                    default: try spec.skip(wire: w)
                    }
                }
            default:
                try reader.skip(wire: wire)
            }
        }
        guard !pieces.isEmpty else { throw .noPieces }
    }

    private static func piece(_ bytes: ArraySlice<UInt8>) throws(ProtobufError) -> Piece {
        var reader = ProtobufReader(bytes: bytes)
        var piece = Piece(piece: "", score: 0, type: 1)
        while let (field, wire) = try reader.nextField() {
            switch (field, wire) {
            case (1, 2): piece.piece = String(decoding: try reader.lengthDelimited(), as: UTF8.self)
            case (2, 5): piece.score = Float(bitPattern: try reader.fixed32())
            case (3, 0):
                // A varint is 64 bits; a type beyond Int's range would trap the conversion.
                guard let type = Int(exactly: try reader.varint()) else { throw .valueOutOfRange }
                piece.type = type
            default: try reader.skip(wire: wire)
            }
        }
        return piece
    }

    /// The tokenizer `transformers` builds from this model for XLM-RoBERTa (`XLMRobertaConverter`): fairseq ids
    /// (`<s>` 0, `<pad>` 1, `</s>` 2, `<unk>` 3, SentencePiece ids from 3 on shifted by one, `<mask>` last),
    /// normalizer `Precompiled, Strip(right), Replace(" {2,}", "▁")`, Metaspace, `<s> $A </s> </s> $B </s>`.
    package func xlmRobertaTokenizer(file: String) throws(TokenizerError) -> UnigramTokenizer {
        var names = ["<s>", "<pad>", "</s>", "<unk>"]
        var scores: [Double] = [0, 0, 0, 0]
        for piece in pieces.dropFirst(3) {
            names.append(piece.piece)
            scores.append(Double(piece.score))
        }
        // Each piece takes at least two bytes of the file, so this only fails on a file of gigabytes.
        guard let maskId = Int32(exactly: names.count) else {
            throw .malformed(file: file, reason: "more than \(Int32.max) pieces")
        }
        names.append("<mask>")
        scores.append(0)
        var normalizers: [Normalizer] = []
        if !precompiledCharsmap.isEmpty {
            do {
                normalizers.append(.precompiled(try PrecompiledCharsMap(data: precompiledCharsmap)))
            } catch {
                throw .malformed(file: file, reason: error.errorDescription ?? "invalid precompiled_charsmap")
            }
        }
        normalizers.append(.strip(left: false, right: true))
        normalizers.append(.replace(.repeated(0x20, minimum: 2), content: [0x2581]))
        let added = [
            AddedToken(content: "<s>", id: 0, special: true), AddedToken(content: "<pad>", id: 1, special: true),
            AddedToken(content: "</s>", id: 2, special: true), AddedToken(content: "<unk>", id: 3, special: true),
            AddedToken(content: "<mask>", id: maskId, special: true, leftStrip: true),
        ]
        let pipeline = TokenizerPipeline(
            addedTokens: added, normalizedFlags: [false, false, false, false, true],
            normalizer: .sequence(normalizers),
            preTokenizer: .metaspace(replacement: 0x2581, prependScheme: .always, split: true),
            model: .unigram(UnigramModel(pieces: names, scores: scores, unknownId: 3, byteFallback: false)),
            postProcessor: .roberta(cls: ("<s>", 0), sep: ("</s>", 2)),
            decoder: .metaspace(replacement: "\u{2581}", dropInFirstToken: true), padTokenId: 1)
        return UnigramTokenizer(pipeline: pipeline)
    }
}

/// Why a protobuf could not be decoded.
public enum ProtobufError: LocalizedError, Sendable, Equatable {
    /// The bytes end inside a field.
    case truncated
    /// A field uses a wire type protobuf does not define (3, 4 are deprecated groups; 6, 7 do not exist).
    case unsupportedWireType(Int)
    /// A varint is too large for the field it sets.
    case valueOutOfRange
    /// The model declares no vocabulary pieces.
    case noPieces

    /// One line, lower case, for inclusion in `TokenizerError`'s message.
    public var errorDescription: String? {
        switch self {
        case .truncated: "the data ends inside a field (a truncated download, or not a SentencePiece model)"
        case .unsupportedWireType(let wire): "protobuf wire type \(wire) is not valid (not a SentencePiece model?)"
        case .valueOutOfRange: "a piece type is out of range"
        case .noPieces: "the model has no vocabulary pieces"
        }
    }
}

/// A minimal protobuf wire-format reader.
struct ProtobufReader {
    var bytes: ArraySlice<UInt8>

    mutating func nextField() throws(ProtobufError) -> (Int, Int)? {
        guard !bytes.isEmpty else { return nil }
        let key = try varint()
        return (Int(key >> 3), Int(key & 7))
    }

    mutating func varint() throws(ProtobufError) -> UInt64 {
        var result: UInt64 = 0
        var shift: UInt64 = 0
        while let byte = bytes.first {
            bytes.removeFirst()
            if shift < 64 { result |= UInt64(byte & 0x7F) << shift }
            if byte & 0x80 == 0 { return result }
            shift += 7
        }
        throw .truncated
    }

    mutating func fixed32() throws(ProtobufError) -> UInt32 {
        guard bytes.count >= 4 else { throw .truncated }
        let b = bytes.prefix(4).map(UInt32.init)
        bytes.removeFirst(4)
        return b[0] | b[1] << 8 | b[2] << 16 | b[3] << 24
    }

    mutating func lengthDelimited() throws(ProtobufError) -> ArraySlice<UInt8> {
        let length = try varint()
        guard length <= UInt64(bytes.count) else { throw .truncated }
        let value = bytes.prefix(Int(length))
        bytes.removeFirst(Int(length))
        return value
    }

    mutating func skip(wire: Int) throws(ProtobufError) {
        switch wire {
        case 0: _ = try varint()
        case 1:
            guard bytes.count >= 8 else { throw .truncated }
            bytes.removeFirst(8)
        case 2: _ = try lengthDelimited()
        case 5: _ = try fixed32()
        default: throw .unsupportedWireType(wire)
        }
    }
}
