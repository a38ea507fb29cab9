import CCLD2
import Testing

@Suite("CLD2 shim")
struct CLD2Tests {
    func detect(_ text: String) -> (code: String, result: ccld2_result) {
        var result = text.withCString { ccld2_detect($0, Int32(text.utf8.count)) }
        let code = withUnsafeBytes(of: &result.code) { String(decoding: $0.prefix { $0 != 0 }, as: UTF8.self) }
        return (code, result)
    }

    @Test("German and Russian sentences: their codes, reliable")
    func languages() {
        let german = detect("Der Rhein entspringt in den Alpen und fließt durch Basel, Straßburg und Köln.")
        #expect(german.code == "de" && german.result.reliable == 1 && german.result.percent > 90)
        let russian = detect("Волга впадает в Каспийское море и является самой длинной рекой Европы.")
        #expect(russian.code == "ru" && russian.result.reliable == 1)
    }

    @Test("an empty text scores nothing")
    func empty() {
        let empty = detect("")
        #expect(empty.result.percent == 0 && empty.result.text_bytes == 0)
    }
}
