import Testing

@testable import Ingest

@Suite("Token counters and search terms")
struct TokenCounterTests {
    @Test("the UTF-8 length counter: one token per started 4 bytes of each word")
    func utf8Counter() {
        let counter = UTF8LengthTokenCounter()
        #expect(counter.tokenCount("") == 0)
        #expect(counter.tokenCount("a bb ccc dddd eeeee") == 6)
        #expect(counter.tokenCount("中文字") == 3)  // 9 bytes
        #expect(counter.tokenCount("  spaced\n\tout  ") == 3)
    }

    @Test("word terms: ICU words, lowercased, punctuation left out, Thai and Chinese split into words")
    func wordTerms() {
        let termizer = WordTermizer()
        #expect(termizer.terms("The Rhine, the RHINE! 1,230 km.") == ["the", "rhine", "the", "rhine", "1,230", "km"])
        let thai = termizer.terms("ภาษาไทยง่ายนิดเดียว")
        #expect(thai.count >= 4 && thai.contains("ภาษา"))
        #expect(termizer.terms("北京是中国的首都。").count >= 3)
        #expect(termizer.terms("  ...  ").isEmpty)
    }
}
