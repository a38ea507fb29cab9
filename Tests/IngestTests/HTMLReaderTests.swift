import Foundation
import Testing

@testable import Ingest

@Suite("HTML reader")
struct HTMLReaderTests {
    @Test("scripts, styles, noscript, templates and comments are removed; blocks become paragraphs")
    func visibleText() {
        let html = """
            <!DOCTYPE html><html lang="fr-CA"><head><title> Le  Rhin &amp; ses ports </title>
            <style>p { color: red }</style><script type="text/javascript">var x = "<p>no</p>";</script></head>
            <body><!-- hidden --><h1>Le Rhin</h1><p>Il passe par <b>Bâle</b>,<br>Strasbourg
            et   Cologne.</p><noscript>Activez JavaScript</noscript><template><p>modèle</p></template>
            <ul><li>Un</li><li>Deux</li></ul><SCRIPT>alert(1)</SCRIPT ><p>Fin</p></body></html>
            """
        let result = HTMLReader.read(html)
        #expect(result.title == "Le Rhin & ses ports")
        #expect(result.language == "fr-CA")
        #expect(result.text == "Le Rhin\n\nIl passe par Bâle,\nStrasbourg et Cologne.\n\nUn\n\nDeux\n\nFin")
    }

    @Test("numeric and named entities are decoded; unknown ones stay literal")
    func entities() {
        let result = HTMLReader.read(
            "<p>&lt;a&gt; &#233;&#xE9; &eacute; &Uuml;ber &euro;5 &mdash; &nbsp;x &unknown; AT&T &#x1F600; &#150;</p>")
        #expect(result.text == "<a> éé é Über €5 — \u{A0}x &unknown; AT&T 😀 –")
    }

    @Test("pre keeps its whitespace; text outside tags keeps words apart")
    func preformatted() {
        let result = HTMLReader.read("<div>a\n   b</div><pre>x\n  y</pre><span>c</span><span>d</span> < 3")
        #expect(result.text == "a b\n\nx\n  y\n\ncd < 3")
    }

    @Test("the declared charset is found in the first bytes")
    func charset() {
        #expect(HTMLReader.declaredCharset(in: Data("<meta charset=\"ISO-8859-1\">".utf8)) == "iso-8859-1")
        #expect(
            HTMLReader.declaredCharset(
                in: Data("<meta http-equiv=Content-Type content='text/html; charset=windows-1252'>".utf8))
                == "windows-1252")
        #expect(HTMLReader.declaredCharset(in: Data("<p>none</p>".utf8)) == nil)
    }

    @Test("the sample HTML document")
    func sample() throws {
        let result = HTMLReader.read(try IngestFixtures.sample("kaffee.html"))
        #expect(result.title == "Kaffee in Wien")
        #expect(result.language == "de")
        #expect(!result.text.contains("nicht indexieren"))
        #expect(!result.text.contains("font-family"))
        #expect(result.text.contains("Milch & Milchschaum."))
        #expect(result.text.hasPrefix("Kaffeehäuser in Wien\n\nDas erste Wiener Kaffeehaus"))
    }
}
