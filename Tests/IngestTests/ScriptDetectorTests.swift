import Testing

@testable import Ingest

@Suite("Script and language detection")
struct ScriptDetectorTests {
    @Test(
        "the sample corpus: script by majority, language by script or function words",
        arguments: [
            ("changjiang.txt", Script.han, "zh"), ("chaophraya.txt", .thai, "th"), ("ganga.txt", .devanagari, "hi"),
            ("nil.txt", .arabic, "ar"), ("volga.txt", .cyrillic, "ru"), ("rhine.md", .latin, "en"),
        ])
    func samples(name: String, script: Script, language: String) throws {
        let text = try IngestFixtures.sample(name)
        #expect(LanguageDetector.script(of: text) == script)
        #expect(LanguageDetector.language(of: text) == language)
    }

    @Test("Latin-script languages by their function words")
    func latinLanguages() {
        #expect(LanguageDetector.language(of: "Das ist nicht die Stadt, in der ich mit dem Zug ankam.") == "de")
        #expect(LanguageDetector.language(of: "El río es el más largo de los que hay en la región.") == "es")
        #expect(
            LanguageDetector.language(of: "Le fleuve est dans la ville et les ponts sont pour les piétons.") == "fr")
        #expect(
            LanguageDetector.language(of: "Sông Hồng là một trong những con sông của Việt Nam và có nhiều phù sa.")
                == "vi")
        #expect(LanguageDetector.language(of: "Xyzzy plugh") == nil)
    }

    @Test("Japanese Kana with Kanji is Japanese; Ukrainian letters make Cyrillic Ukrainian; a hint wins")
    func specialCases() {
        #expect(LanguageDetector.script(of: "東京は日本の首都です。") == .kana)
        #expect(LanguageDetector.language(of: "東京は日本の首都です。") == "ja")
        #expect(LanguageDetector.language(of: "Київ є столицею України.") == "uk")
        #expect(LanguageDetector.language(of: "whatever", hint: " PT_br ") == "pt-br")
        #expect(LanguageDetector.script(of: "123 !?") == nil)
        #expect(LanguageDetector.language(of: "123 !?") == nil)
    }
}
