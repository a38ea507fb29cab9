import Testing

@testable import Ingest

@Suite("Markdown reader")
struct MarkdownReaderTests {
    @Test("headings, emphasis, links, images, lists and quotes lose their markup but keep their words")
    func stripsMarkup() {
        let markdown = """
            # The *Rhine* river #

            It flows **north** past [Basel](https://basel.ch "Basel") and ![a barge](barge.png) `Köln`.
            - first item with snake_case_name
            2. second item
            > quoted __text__

            [ref]: https://example.org
            ***
            Setext heading
            --------------
            """
        let (text, title) = MarkdownReader.read(markdown)
        #expect(title == "The Rhine river")
        #expect(
            text == """
                The Rhine river

                It flows north past Basel and a barge Köln.
                first item with snake_case_name
                second item
                quoted text

                Setext heading
                """)
    }

    @Test("code fences are removed but the code is kept as text")
    func codeFences() {
        let (text, title) = MarkdownReader.read("Intro\n```swift\nlet x = [1](2) * 3\n```\nAfter")
        #expect(text == "Intro\nlet x = [1](2) * 3\nAfter")
        #expect(title == nil)
    }

    @Test("the sample Markdown document")
    func sample() throws {
        let (text, title) = MarkdownReader.read(try IngestFixtures.sample("rhine.md"))
        #expect(title == "The Rhine")
        #expect(text.hasPrefix("The Rhine\n\nThe Rhine rises in the Swiss Alps"))
        #expect(text.contains("\nShipping\n"))
        #expect(!text.contains("#"))
    }
}
