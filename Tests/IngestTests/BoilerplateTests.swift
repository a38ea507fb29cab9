import Foundation
import Testing

@testable import Ingest

@Suite("Boilerplate removed at ingest")
struct BoilerplateTests {
    @Test("Markdown HTML comments go, on one line and over several; comments in code fences stay")
    func markdownComments() throws {
        let markdown = """
            <!-- badges: generated, do not edit -->
            # Title <!-- inline -->
            Before <!-- a --> between <!-- b --> after.
            <!--
            A comment over
            several lines.
            -->
            Kept text.
            ```
            <!-- code stays -->
            ```
            """
        let result = try DocumentReader().read(Data(markdown.utf8), path: "README.md")
        let document = try #require(result.documents.first)
        #expect(document.title == "Title")
        #expect(!document.text.contains("badges") && !document.text.contains("inline"))
        #expect(!document.text.contains("several lines") && !document.text.contains("-->\n"))
        #expect(document.text.contains("Before  between  after.\n"))
        #expect(document.text.hasSuffix("\nKept text.\n<!-- code stays -->"))
    }

    @Test("texinfo navigation lines leave HTML pages; a sentence that starts with Next: stays")
    func navigation() throws {
        let html = """
            <html><body><div class="header"><p>
            Previous: <a href="a.html">Closure Example</a>, Up: <a href="u.html">Using libffi</a> &nbsp; \
            [<a href="Index.html">Index</a>]</p></div><hr>
            <h3>2.7 Thread Safety</h3><p>libffi is not completely thread-safe.</p>
            <p>Next: we look at closures, which are harder.</p>
            <div class="nav-panel"><p>Next: <a href="b.html">Memory Usage</a> [<a href="c.html">Contents</a>]</p></div>
            </body></html>
            """
        let document = try #require(try DocumentReader().read(Data(html.utf8), path: "t.html").documents.first)
        #expect(!document.text.contains("Previous:") && !document.text.contains("Memory Usage"))
        #expect(document.text.contains("2.7 Thread Safety"))
        #expect(document.text.contains("Next: we look at closures, which are harder."))
    }

    @Test("Debian copyright separators (lone dots, rules of one character) become empty lines")
    func separators() throws {
        let copyright = """
            Files: *
            Copyright: 2024 Someone
            License: GPL-2
             This program is free software.
             .
             On Debian systems, see /usr/share/common-licenses/GPL-2.
            ------------------------------------------------------------
            Also: =====
            """
        let document = try #require(try DocumentReader().read(Data(copyright.utf8), path: "copyright").documents.first)
        #expect(
            document.text == """
                Files: *
                Copyright: 2024 Someone
                License: GPL-2
                 This program is free software.

                 On Debian systems, see /usr/share/common-licenses/GPL-2.

                Also: =====
                """)
    }
}
