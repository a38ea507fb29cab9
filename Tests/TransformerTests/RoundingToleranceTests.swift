import TestSupport
import Testing

@testable import Transformer

@Suite("Rounding tolerance (test support)")
struct RoundingToleranceTests {
    @Test("the bound is 4·2·√N·u·magnitude, below the worst case 2·γ_N once N exceeds 16")
    func formula() {
        let path = RoundingTolerance(reductionLengths: [64, 36])
        #expect(path.roundings == 100)
        #expect(path.absolute(magnitude: 2) == Float(4 * 2 * 10 * 0x1p-24 * 2))
        #expect(path.absolute(magnitude: 2) < path.worstCase(magnitude: 2))
        #expect(RoundingTolerance(reductionLengths: [16]).absolute(magnitude: 1) == Float(32 * 0x1p-24))
        #expect(path.absolute(around: [0.5, -3, 1]) == path.absolute(magnitude: 3))
    }

    @Test("an encoder's path counts every reduction of every layer")
    func encoderPath() throws {
        let model = try EncoderModel(directory: ModelDirectory(url: Fixture.model("tiny-bert-mean")))
        let c = model.configuration
        let path = RoundingTolerance.encoder(c, tokens: 7)
        let perLayer = 5 * c.hiddenSize + c.headSize + 7 + c.intermediateSize
        #expect(path.roundings == 2 * c.hiddenSize + c.layerCount * perLayer)
        #expect(path.then(c.hiddenSize).roundings == path.roundings + c.hiddenSize)
    }
}
