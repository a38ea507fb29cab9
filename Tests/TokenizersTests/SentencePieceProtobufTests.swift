import Testing
import Tokenizers

@Suite("SentencePiece protobuf decoding")
struct SentencePieceProtobufTests {
    /// Encodes one `SentencePiece` message: piece (1, string), score (2, float), type (3, varint).
    private func piece(_ text: String, _ score: Float, type: UInt8 = 1) -> [UInt8] {
        let bytes = Array(text.utf8)
        var message: [UInt8] = [0x0A, UInt8(bytes.count)] + bytes
        let bits = score.bitPattern
        message += [0x15, UInt8(bits & 0xFF), UInt8(bits >> 8 & 0xFF), UInt8(bits >> 16 & 0xFF), UInt8(bits >> 24)]
        message += [0x18, type]
        return [0x0A, UInt8(message.count)] + message
    }

    @Test("pieces, scores and normalizer flags; unknown fields skipped")
    func decode() throws {
        var data = piece("<unk>", 0, type: 2) + piece("<s>", 0, type: 3) + piece("</s>", 0, type: 3) + piece("▁a", -1.5)
        data += [0x12, 0x02, 0x08, 0x01]  // trainer_spec { model_type: 1 } is skipped
        data += [0x1A, 0x02, 0x18, 0x00]  // normalizer_spec { add_dummy_prefix: false }
        let model = try SentencePieceModel(data: data)
        #expect(model.pieces.map(\.piece) == ["<unk>", "<s>", "</s>", "▁a"])
        #expect(model.pieces[3].score == -1.5)
        #expect(model.pieces[0].type == 2)
        #expect(model.addDummyPrefix == false)
        #expect(model.precompiledCharsmap.isEmpty)
    }

    @Test("a piece type beyond Int's range is an error, not a trap")
    func hugePieceType() {
        // piece { piece: "a", type: 2^64 - 1 } (found reading the parser for unchecked conversions).
        let message: [UInt8] = [0x0A, 0x01, 0x61, 0x18] + [UInt8](repeating: 0xFF, count: 9) + [0x01]
        #expect(throws: ProtobufError.self) { try SentencePieceModel(data: [0x0A, UInt8(message.count)] + message) }
    }

    @Test(
        "truncated data is an error, not a crash", arguments: [[UInt8]([0x0A, 0x05, 0x0A]), [0x0A], [0x0B, 0x00], []])
    func truncated(data: [UInt8]) {
        #expect(throws: ProtobufError.self) { try SentencePieceModel(data: data) }
    }
}
