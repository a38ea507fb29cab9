"""Writes the DOCX, ODT and EPUB fixtures of Tests/IngestTests/Fixtures with the formats' reference writers.

    python3 -m venv /tmp/office-venv && /tmp/office-venv/bin/pip install python-docx odfpy ebooklib
    /tmp/office-venv/bin/python scripts/reference/office_fixtures.py

Each archive is rewritten with fixed timestamps (and its entries in their original order, `mimetype` first and
stored), so running it again gives the same bytes.
"""
import datetime
import io
import pathlib
import zipfile

import docx
import ebooklib
from ebooklib import epub
from odf import meta, text
from odf.opendocument import OpenDocumentText
from odf.dc import Title, Language

OUT = pathlib.Path(__file__).resolve().parents[2] / "Tests" / "IngestTests" / "Fixtures"
FIXED = datetime.datetime(2024, 1, 2, 3, 4, 5)


def normalise(path: pathlib.Path) -> None:
    """Rewrites a ZIP with fixed entry times so the file is byte-for-byte reproducible."""
    source = zipfile.ZipFile(io.BytesIO(path.read_bytes()))
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as target:
        for info in source.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = info.compress_type
            fixed.external_attr = 0o644 << 16
            target.writestr(fixed, source.read(info.filename))
    path.write_bytes(buffer.getvalue())


def write_docx() -> None:
    document = docx.Document()
    document.core_properties.title = "The Rhine Handbook"
    document.core_properties.language = "en"
    document.core_properties.created = FIXED
    document.core_properties.modified = FIXED
    document.add_heading("Course of the river", level=1)
    document.add_paragraph("The Rhine rises in the Swiss Alps and flows into the North Sea.")
    paragraph = document.add_paragraph("Basel lies on the ")
    paragraph.add_run("Rhine").bold = True
    paragraph.add_run(", where the river turns north.")
    document.add_heading("Shipping", level=2)
    document.add_paragraph("Barges carry coal, grain and containers between Rotterdam and Basel.")
    path = OUT / "rhine.docx"
    document.save(path)
    normalise(path)


def write_odt() -> None:
    document = OpenDocumentText()
    document.meta.addElement(Title(text="Die Donau"))
    document.meta.addElement(Language(text="de"))
    document.meta.addElement(meta.CreationDate(text="2024-01-02T03:04:05"))
    document.text.addElement(text.H(outlinelevel=1, text="Verlauf"))
    document.text.addElement(text.P(text="Die Donau entspringt im Schwarzwald und mündet ins Schwarze Meer."))
    paragraph = text.P(text="Wien liegt an der Donau,")
    paragraph.addElement(text.S(c=2))
    paragraph.addText("ebenso Budapest.")
    document.text.addElement(paragraph)
    document.text.addElement(text.H(outlinelevel=2, text="Schifffahrt"))
    document.text.addElement(text.P(text="Schiffe fahren von Regensburg bis zum Delta."))
    path = OUT / "donau.odt"
    document.save(str(path))
    normalise(path)


def write_epub() -> None:
    book = epub.EpubBook()
    book.set_identifier("askdocs-fixture-nile")
    book.set_title("The Nile")
    book.set_language("en")
    chapters = [
        ("source.xhtml", "Sources", "<h1>Sources</h1><p>The White Nile rises near Lake Victoria.</p>"),
        ("delta.xhtml", "Delta", "<h1>The delta</h1><h2>Cairo</h2><p>The Nile reaches the sea north of Cairo.</p>"),
    ]
    items = []
    for name, title, body in chapters:
        chapter = epub.EpubHtml(title=title, file_name=name, lang="en")
        chapter.content = body
        book.add_item(chapter)
        items.append(chapter)
    book.toc = items
    book.add_item(epub.EpubNcx())
    book.add_item(epub.EpubNav())
    book.spine = items
    path = OUT / "nile.epub"
    epub.write_epub(str(path), book, {"mtime": FIXED})
    normalise(path)


if __name__ == "__main__":
    OUT.mkdir(parents=True, exist_ok=True)
    write_docx()
    write_odt()
    write_epub()
    for name in ["rhine.docx", "donau.odt", "nile.epub"]:
        print(name, (OUT / name).stat().st_size)
