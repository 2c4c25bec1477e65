"""The small .docx kit (文档工具) shared by the cover sheets, the transcripts and the term
reports: A4 documents whose styles print Chinese in the right face, and runs set likewise.

East Asian fonts: python-docx's ``font.name`` sets only the Latin faces (python-docx #1396): Chinese text then
falls back to whatever the viewer picks. :func:`set_fonts` writes ``w:rFonts`` on a style's or
run's ``w:rPr`` explicitly — Latin faces and the East Asian face (宋体, 黑体, 仿宋…) — and
removes theme fonts, which would otherwise win. Used by the templates, the cover sheets, the
transcripts and the term reports.
"""

from __future__ import annotations

from typing import Any

from docx.oxml import OxmlElement
from docx.oxml.ns import qn

LATIN = "Times New Roman"


def set_fonts(rpr: Any, east_asia: str, *, latin: str = LATIN, hint: bool = False) -> None:
    """Set ``w:rFonts`` on ``rpr`` (a ``w:rPr`` element): ``latin`` for ascii/hAnsi/cs,
    ``east_asia`` for eastAsia; with ``hint`` Word treats ambiguous characters as East Asian."""
    rfonts = rpr.find(qn("w:rFonts"))
    if rfonts is None:
        rfonts = OxmlElement("w:rFonts")
        rpr.insert(0, rfonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        rfonts.attrib.pop(qn(attr), None)
    rfonts.set(qn("w:ascii"), latin)
    rfonts.set(qn("w:hAnsi"), latin)
    rfonts.set(qn("w:eastAsia"), east_asia)
    rfonts.set(qn("w:cs"), latin)
    if hint:
        rfonts.set(qn("w:hint"), "eastAsia")


SONG, HEI = "宋体", "黑体"


def new_document(
    *,
    landscape: bool = False,
    margins_mm: tuple[float, float, float, float] | None = None,
    body_font: str = SONG,
    body_size: float | None = None,
    line_spacing: float | None = None,
    headings: bool = False,
) -> Any:
    """An A4 document (portrait or landscape) whose Normal style prints Chinese in
    ``body_font``; margins as (left, right, top, bottom) in mm; with ``headings`` the Title
    and Heading 1–2 styles are plain black 黑体 without Word's theme colours and borders."""
    from docx import Document
    from docx.enum.section import WD_ORIENT
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.shared import Mm, Pt, RGBColor

    doc = Document()
    section = doc.sections[0]
    if landscape:
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = Mm(297), Mm(210)
    else:
        section.page_width, section.page_height = Mm(210), Mm(297)
    if margins_mm is not None:
        left, right, top, bottom = (Mm(v) for v in margins_mm)
        section.left_margin, section.right_margin = left, right
        section.top_margin, section.bottom_margin = top, bottom
    styles = doc.styles
    normal = styles["Normal"]
    if body_size is not None:
        normal.font.name = LATIN
        normal.font.size = Pt(body_size)
    set_fonts(normal.element.get_or_add_rPr(), body_font)
    if line_spacing is not None:
        lang = OxmlElement("w:lang")
        lang.set(qn("w:val"), "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")
        normal.element.get_or_add_rPr().append(lang)
        normal.paragraph_format.space_after = Pt(3)
        normal.paragraph_format.line_spacing = line_spacing
    if headings:
        for name, size in (("Title", 18), ("Heading 1", 15), ("Heading 2", 13)):
            style = styles[name]
            style.font.name = LATIN
            style.font.size = Pt(size)
            style.font.bold = True
            style.font.italic = False
            style.font.color.rgb = RGBColor(0, 0, 0)
            set_fonts(style.element.get_or_add_rPr(), HEI)
            ppr = style.element.get_or_add_pPr()
            border = ppr.find(qn("w:pBdr"))
            if border is not None:
                ppr.remove(border)
            style.paragraph_format.space_before = Pt(12 if name != "Title" else 0)
            style.paragraph_format.space_after = Pt(6)
        styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    return doc


def add_run(
    paragraph: Any, text: str, *, font: str = SONG, size: float | None = None, bold: bool = False
) -> Any:
    """A run of ``text`` in ``font`` (East Asian and Latin faces set), optionally sized/bold."""
    from docx.shared import Pt

    run = paragraph.add_run(text)
    set_fonts(run._element.get_or_add_rPr(), font)
    if size is not None:
        run.font.size = Pt(size)
    if bold:
        run.font.bold = True
    return run
