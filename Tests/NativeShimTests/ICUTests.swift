import CICU
import Testing

@Suite("ICU break iteration")
struct ICUTests {
    /// Splits text at ICU boundaries, returning the pieces.
    static func split(_ text: String, kind: cicu_break_kind, locale: String = "") -> [String] {
        let units = Array(text.utf16)
        var error = [CChar](repeating: 0, count: 64)
        guard
            let iterator = units.withUnsafeBufferPointer({ buffer in
                cicu_break_open(kind, locale, buffer.baseAddress, Int32(buffer.count), &error, 64)
            })
        else { return [] }
        defer { cicu_break_close(iterator) }
        var pieces: [String] = []
        var start = 0
        while case let end = Int(cicu_break_next(iterator)), end >= 0 {
            pieces.append(String(decoding: units[start..<end], as: UTF16.self))
            start = end
        }
        return pieces
    }

    @Test("Chinese sentences split at the ideographic full stop")
    func chineseSentences() {
        let text = "北京是中国的首都。上海是最大的城市！你去过吗？"
        #expect(Self.split(text, kind: CICU_BREAK_SENTENCE) == ["北京是中国的首都。", "上海是最大的城市！", "你去过吗？"])
    }

    @Test("Thai text without spaces between words splits into dictionary words")
    func thaiWords() {
        let words = Self.split("ภาษาไทยง่ายนิดเดียว", kind: CICU_BREAK_WORD, locale: "th")
        #expect(words.count >= 4)
        #expect(words.joined() == "ภาษาไทยง่ายนิดเดียว")
        #expect(words.contains("ภาษา"))
    }

    // ICU has no Thai sentence rules beyond punctuation: a space between Thai clauses is not a boundary.
    // The chunker relies on this being true and cuts such runs at word boundaries instead.
    @Test("Thai clauses separated by a space stay one ICU sentence")
    func thaiSentences() {
        let text = "กรุงเทพมหานครเป็นเมืองหลวงของประเทศไทย ประชากรมีมากกว่าสิบล้านคน"
        #expect(Self.split(text, kind: CICU_BREAK_SENTENCE, locale: "th") == [text])
    }

    @Test("Hindi sentences split at the danda")
    func hindiSentences() {
        let text = "भारत एक विशाल देश है। इसकी राजधानी नई दिल्ली है।"
        #expect(Self.split(text, kind: CICU_BREAK_SENTENCE) == ["भारत एक विशाल देश है। ", "इसकी राजधानी नई दिल्ली है।"])
    }
}
