"""East Asian fonts in .docx files.

python-docx's ``font.name`` sets only the Latin faces (python-docx #1396): Chinese text then
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
