import Foundation
import Testing

@testable import Ingest

@Suite("CLD2 detector")
struct CLD2DetectorTests {
    @Test("no letters CLD2 can score is no language (CLD2 itself answers English at 0 %)")
    func cannotTell() {
        #expect(CLD2Detector.detect("123 !? 456") == nil)
        #expect(CLD2Detector.detect("Xyzzy plugh") == nil)
        #expect(CLD2Detector.detect("") == nil)
    }

    @Test("a clear sentence: the language, reliable, most of the letters")
    func clearSentence() throws {
        let detection = try #require(
            CLD2Detector.detect("The river flows through the city and the bridges are for pedestrians only."))
        #expect(detection.language == "en")
        #expect(detection.isReliable)
        #expect(detection.percent > 90)
    }

    @Test("withdrawn codes come back current: Hebrew is he, not CLD2's iw")
    func currentCodes() {
        let hebrew = "ירושלים היא בירת ישראל והעיר הגדולה ביותר בה, ובה יושבים הכנסת, הממשלה ובית המשפט העליון."
        #expect(CLD2Detector.detect(hebrew)?.language == "he")
        #expect(CLD2Detector.bcp47("iw") == "he" && CLD2Detector.bcp47("en") == "en")
    }

    @Test("a text longer than the bytes read is cut at a scalar boundary, not inside a character")
    func longText() {
        // 3-byte scalars: 65,536 is not a multiple of 3, so the cut falls inside one.
        let japanese = String(repeating: "東京は日本の首都であり、最大の都市です。", count: 2000)
        #expect(japanese.utf8.count > CLD2Detector.maxBytes)
        #expect(CLD2Detector.detect(japanese)?.language == "ja")
    }
}
