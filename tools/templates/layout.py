"""Layout helpers for the form templates (document, styles, text markup, tables, parts).

The pack modules in ``tools/templates/packs/`` lay out each form with these helpers;
``python -m tools.templates.build`` writes the .docx files into each pack's ``templates/``.

Text markup used by the builders below (see :func:`add_text`):

* ``{{ … }}`` / ``{% … %}``  docxtpl (Jinja2) tags; each tag becomes a run of its own.
* ``[[ … ]]``               underlined (filled values and blanks for hand filling).
* a line starting ``>>`` is right-aligned, ``^^`` centred, ``__`` indented two characters,
  ``<<`` not indented, ``~~`` left-aligned and not indented (an address: never stretched).
* ``\\n`` separates paragraphs; ``\\t`` jumps to the right-aligned tab stop of ``YJ Meta``.

Layout rules the builder enforces (:meth:`Sheet.grid` refuses a layout that breaks them): a
label's first line fits its column whole at the form's font size, and no line of a label wraps
leaving fewer than three characters alone (``label_problem``); a title line fits its room
(``title_problem``); a line of check boxes (options, a level's boxes, 份别) fits its cell on one
line (``words_problem``: LibreOffice breaks Chinese between any two characters, so an option is
only safe on a line that does not wrap; its characters are also joined by word joiners).
A college-level list is one table (:meth:`Sheet.list_table`) whose heading row — title, 第 N 号,
第 k 页/共 n 页 fields, the code — and column labels repeat on every page, with the signature
block as its last row, kept with the last students. Text areas are left-aligned
(justified, a wrapped short line was stretched); a blank for hand filling is underlined
no-break spaces closed by a zero-width space, so its line shows even at a line's end.
``tests/test_form_layout.py`` checks the printed result: every template rendered with long
values, converted by LibreOffice and read back with character positions.

Seed layouts are reproduced where the seed gives them (xinglin, beihai, njmec-mech); anshan's
forms, lanzhou-life's 附件1–5 and njmec-mech's 帮扶记录表 are reconstructed from what the seed's
text says the form records (the catalogue's ``note`` says so).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from docx import Document
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_LINE_SPACING, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm, Pt, RGBColor
from docx.table import Table, _Cell
from docx.text.paragraph import Paragraph

from yujing.docxkit import set_fonts
from yujing.forms import FormSpec

LATIN = "Times New Roman"
SONG = "宋体"
HEI = "黑体"
FANGSONG = "仿宋"
PAGE_W, PAGE_H, MARGIN = 210.0, 297.0, 20.0
TEXT_W = PAGE_W - 2 * MARGIN  # 170 mm
QR_COL = 26.0
LIST_BOTTOM_MARGIN = 25.0
FIXED_TIME = datetime(2025, 1, 1, 0, 0, 0)

TAG_RE = re.compile(r"(\{\{.*?\}\}|\{%.*?%\})")
UL_RE = re.compile(r"(\[\[.*?\]\])")

# Reusable snippets ---------------------------------------------------------------------------
SERIAL = "第 {{ serial }} 号"
ISSUE_DATE = (
    '{{ issue_date.year or "    " }}年{{ issue_date.month or "   " }}月'
    '{{ issue_date.day or "   " }}日'
)
BLANK_DATE = "      年    月    日"
NAME = "{{ student.name }}"
SID = "{{ student.student_id }}"
# Major and class on lines of their own: in one line a narrow cell broke "机制2202班" as 机制/2202班.
MAJOR_CLASS = "{{ student.major }}\n{{ student.class_name }}"
# A filled value that may be empty keeps its line for hand filling (联系电话 with no line).
PHONE = '[[ {{ counsellor_phone or "                ​" }} ]]'

def courses(limit: int = 6, head: str = "不及格课程：") -> str:
    """The failed courses, at most ``limit`` of them, then "等共 N 门": a long list would push a
    part onto a second page (xinglin's 家长联存根 from 9 courses); the full list is in the
    warning list's .xlsx. A form with more room lists more (``limit`` as its lines hold);
    ``head`` says what the list is (njmec: the list is cumulative, the reason a term's count)."""
    return (
        "{% if failed_courses %}"
        f"{head}"
        "{% for c in failed_courses[:"
        f"{limit}"
        "] %}{{ c.name }}（{{ c.credits }}学分）{% if not loop.last %}、{% endif %}{% endfor %}"
        "{% if failed_courses|length > "
        f"{limit}"
        " %}等共 {{ failed_courses|length }} 门{% endif %}{% endif %}"
    )


COURSES = courses(6)
UL8 = "[[                ]]"


WJ = "\u2060"
"""WORD JOINER: no line break between the characters it joins (Word and LibreOffice honour it,
draw nothing for it, and a PDF's text has no trace of it)."""
OPTION_RE = re.compile(r"[☐☑][^\s☐☑{}\[\]：:，,。；;、]+")


def whole(text: str) -> str:
    """``text`` that is never broken over two lines (its characters joined by WJ)."""
    return WJ.join(text.replace(WJ, ""))


def boxes(levels: Sequence[str], *, label_first: bool = False, sep: str = "      ") -> str:
    """Level boxes, e.g. ``{{ box["黄色预警"] }}黄色预警      {{ box["橙色预警"] }}橙色预警``;
    each box and its level kept on one line (``留(降)级预/警`` no more)."""
    if label_first:
        return sep.join(f'{whole(lv)}{WJ}{{{{ box["{lv}"] }}}}' for lv in levels)
    return sep.join(f'{{{{ box["{lv}"] }}}}{WJ}{whole(lv)}' for lv in levels)


# --------------------------------------------------------------------------- document + styles


@dataclass(frozen=True)
class StyleSpec:
    name: str
    east_asia: str = SONG
    size: float = 10.5
    bold: bool = False
    align: WD_ALIGN_PARAGRAPH | None = None
    line: float | None = None  # exact line height in pt; None = single
    before: float = 0.0
    after: float = 0.0
    first_chars: int = 0  # first-line indent in characters
    keep_next: bool = False
    tab_right: bool = False  # right-aligned tab stop at the text width


BODY = "YJ Body"
TITLE = "YJ Title"
SUBTITLE = "YJ Subtitle"
ANNEX = "YJ Annex"
SERIAL_STYLE = "YJ Serial"
META = "YJ Meta"
CELL = "YJ Cell"
CELL_SMALL = "YJ Cell Small"
LETTER = "YJ Letter"
SIGN = "YJ Sign"
NOTE = "YJ Note"
QR = "YJ QR"
PAGE = "YJ Page"
GAP = "YJ Gap"

STYLES = (
    StyleSpec(BODY, SONG, 10.5, line=18, align=WD_ALIGN_PARAGRAPH.JUSTIFY),
    StyleSpec(TITLE, HEI, 16, align=WD_ALIGN_PARAGRAPH.CENTER, line=26, keep_next=True),
    StyleSpec(SUBTITLE, SONG, 12, bold=True, align=WD_ALIGN_PARAGRAPH.CENTER, line=20),
    StyleSpec(ANNEX, HEI, 12, align=WD_ALIGN_PARAGRAPH.LEFT, line=20),
    StyleSpec(SERIAL_STYLE, SONG, 10.5, align=WD_ALIGN_PARAGRAPH.CENTER, line=18, before=2),
    StyleSpec(
        META, SONG, 10.5, align=WD_ALIGN_PARAGRAPH.LEFT, line=18, before=3, after=3, tab_right=True
    ),
    StyleSpec(CELL, SONG, 10.5, align=WD_ALIGN_PARAGRAPH.CENTER, line=16),
    StyleSpec(CELL_SMALL, SONG, 9, align=WD_ALIGN_PARAGRAPH.CENTER, line=13),
    StyleSpec(LETTER, FANGSONG, 12, align=WD_ALIGN_PARAGRAPH.JUSTIFY, line=22, first_chars=2),
    StyleSpec(SIGN, SONG, 10.5, align=WD_ALIGN_PARAGRAPH.LEFT, line=20, before=4),
    StyleSpec(NOTE, SONG, 9, align=WD_ALIGN_PARAGRAPH.JUSTIFY, line=14, before=3),
    StyleSpec(QR, SONG, 10.5, align=WD_ALIGN_PARAGRAPH.RIGHT),
    StyleSpec(PAGE, SONG, 1, line=1),
    StyleSpec(GAP, SONG, 2, line=3),
)
STYLE_BY_NAME = {s.name: s for s in STYLES}


def _doc_defaults(doc: Any) -> None:
    styles_el = doc.styles.element
    defaults = styles_el.find(qn("w:docDefaults"))
    rpr = defaults.find(qn("w:rPrDefault")).find(qn("w:rPr"))
    set_fonts(rpr, SONG)
    for tag, val in (("w:sz", "21"), ("w:szCs", "21")):
        el = rpr.find(qn(tag))
        if el is not None:
            el.set(qn("w:val"), val)
    lang = rpr.find(qn("w:lang"))
    if lang is not None:
        lang.set(qn("w:val"), "en-US")
        lang.set(qn("w:eastAsia"), "zh-CN")
    ppr = defaults.find(qn("w:pPrDefault")).find(qn("w:pPr"))
    spacing = ppr.find(qn("w:spacing"))
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")
    spacing.set(qn("w:lineRule"), "auto")


def _add_style(doc: Any, spec: StyleSpec, text_w: float = TEXT_W) -> None:
    style = doc.styles.add_style(spec.name, WD_STYLE_TYPE.PARAGRAPH)
    style.base_style = doc.styles["Normal"]
    style.quick_style = True
    style.font.size = Pt(spec.size)
    style.font.bold = spec.bold
    set_fonts(style.element.get_or_add_rPr(), spec.east_asia)
    pf = style.paragraph_format
    if spec.align is not None:
        pf.alignment = spec.align
    pf.space_before = Pt(spec.before)
    pf.space_after = Pt(spec.after)
    if spec.line is None:
        pf.line_spacing_rule = WD_LINE_SPACING.SINGLE
    else:
        pf.line_spacing_rule = WD_LINE_SPACING.EXACTLY
        pf.line_spacing = Pt(spec.line)
    if spec.keep_next:
        pf.keep_with_next = True
    if spec.first_chars:
        pf.first_line_indent = Pt(spec.size * spec.first_chars)
        ind = style.element.get_or_add_pPr().find(qn("w:ind"))
        ind.set(qn("w:firstLineChars"), str(spec.first_chars * 100))
    if spec.tab_right:
        pf.tab_stops.add_tab_stop(Mm(text_w), WD_TAB_ALIGNMENT.RIGHT)


def new_document(title: str, *, landscape: bool = False) -> Any:
    """An empty A4 document with the YJ styles and East Asian fonts set everywhere
    (``landscape`` for the college-level lists, whose rows carry long reasons)."""
    text_w = (PAGE_H if landscape else PAGE_W) - 2 * MARGIN
    doc = Document()
    _doc_defaults(doc)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(10.5)
    set_fonts(normal.element.get_or_add_rPr(), SONG)
    for spec in STYLES:
        _add_style(doc, spec, text_w)
    set_fonts(doc.styles["Table Grid"].element.get_or_add_rPr(), SONG)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE if landscape else WD_ORIENT.PORTRAIT
    section.page_width = Mm(PAGE_H if landscape else PAGE_W)
    section.page_height = Mm(PAGE_W if landscape else PAGE_H)
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, Mm(MARGIN))
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)
    props = doc.core_properties
    props.title = title
    props.author = "yujing"
    props.last_modified_by = "yujing"
    props.comments = "由 python -m tools.templates.build 生成；docxtpl 模板。"
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    props.revision = 1
    return doc


# --------------------------------------------------------------------------- text and runs


def add_text(par: Paragraph, text: str, *, underline: bool = False) -> None:
    """Append ``text`` (markup: tags, ``[[underline]]``) to ``par``, one run per tag."""
    spec = STYLE_BY_NAME.get(par.style.name if par.style is not None else "")
    font = spec.east_asia if spec else SONG
    # a check-box option (☐心理辅导) is one word (outside the tags: "☑" in a condition stays)
    text = "".join(
        piece if TAG_RE.fullmatch(piece) else OPTION_RE.sub(lambda m: whole(m.group(0)), piece)
        for piece in TAG_RE.split(text)
    )
    for chunk in UL_RE.split(text):
        if not chunk:
            continue
        ul = underline
        if chunk.startswith("[[") and chunk.endswith("]]"):
            chunk, ul = chunk[2:-2], True
        for piece in TAG_RE.split(chunk):
            if not piece:
                continue
            run = par.add_run()
            rpr = run._r.get_or_add_rPr()
            set_fonts(rpr, font, hint=True)
            if ul:
                run.font.underline = True
            if ul and not TAG_RE.fullmatch(piece):
                # no-break spaces: Word and LibreOffice do not underline plain spaces at the
                # end of a line, and a blank for hand filling is exactly that
                piece = piece.replace(" ", "\u00a0")
                if len(piece) >= 4 and not piece.strip("\u00a0"):
                    # … nor no-break spaces when nothing follows them on the line: a zero-width
                    # space after a blank for hand filling keeps its underline drawn
                    piece += "\u200b"
            parts = piece.split("\t")
            for k, seg in enumerate(parts):
                if k:
                    run._r.append(OxmlElement("w:tab"))
                if seg:
                    t = OxmlElement("w:t")
                    t.set(qn("xml:space"), "preserve")
                    t.text = seg
                    run._r.append(t)


def _line_format(par: Paragraph, line: str) -> str:
    if line.startswith(">>"):
        par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        return line[2:]
    if line.startswith("^^"):
        par.alignment = WD_ALIGN_PARAGRAPH.CENTER
        return line[2:]
    if line.startswith("__"):
        par.paragraph_format.first_line_indent = Pt(21)
        ind = par._p.get_or_add_pPr().find(qn("w:ind"))
        ind.set(qn("w:firstLineChars"), "200")
        return line[2:]
    if line.startswith("~~"):  # left-aligned, not indented: a line of data never stretched
        par.alignment = WD_ALIGN_PARAGRAPH.LEFT
        par.paragraph_format.first_line_indent = Pt(0)
        ind = par._p.get_or_add_pPr().find(qn("w:ind"))
        ind.set(qn("w:firstLineChars"), "0")
        return line[2:]
    if line.startswith("<<"):
        par.paragraph_format.first_line_indent = Pt(0)
        ind = par._p.get_or_add_pPr().find(qn("w:ind"))
        ind.set(qn("w:firstLineChars"), "0")
        return line[2:]
    return line


def fill(container: Any, text: str, style: str, *, first: Paragraph | None = None) -> None:
    """Write ``text`` (paragraphs separated by ``\\n``) into a document or cell."""
    for i, line in enumerate(text.split("\n")):
        par = first if i == 0 and first is not None else container.add_paragraph()
        par.style = style
        add_text(par, _line_format(par, line))


# --------------------------------------------------------------------------- tables


@dataclass(frozen=True)
class C:
    """A table cell: markup text, column span, alignment."""

    text: str = ""
    span: int = 1
    align: str = "center"  # left | center | right | justify
    valign: str = "center"  # top | center | bottom
    style: str = CELL
    label: bool = False  # a label: checked to fit its column (see label_problem)


def L(text: str, span: int = 1) -> C:
    """A label cell: its first line must fit the column whole, a further line (a note in
    brackets) may wrap but never leaves fewer than three characters on its last line."""
    return C(text, span, label=True)


CELL_MARGIN = 1.9  # mm, Word's default left/right cell margin
MIN_PIECE = 3  # no label or short value broken with fewer characters than this on a line


def text_mm(text: str, size: float) -> float:
    """Printed width of ``text`` at ``size`` pt: a CJK or full-width character is one em,
    other characters half an em."""
    em = size * 25.4 / 72
    return sum(em if ord(ch) > 0x2E7F else em / 2 for ch in text)


def plain(text: str) -> str:
    """Markup text without tags, underline brackets and word joiners."""
    return UL_RE.sub(lambda m: m.group(0)[2:-2], TAG_RE.sub("", text)).replace(WJ, "").strip()


BOX_TAG_RE = re.compile(r"\{\{\s*box(_other|\[[^\]]*\])\s*\}\}")
DATA_EMS = 5
OPTION_LEAD = 14
"""A line whose first box comes after more characters than this is prose, not options."""
"""Width, in characters, a data tag beside check boxes is reckoned at (a name: 2–5)."""


def words_problem(text: str, width: float, size: float) -> str:
    """Why a line of check-box options (``☐学习小组    ☐心理辅导``, a level's boxes) would wrap
    in a cell ``width`` mm wide at ``size`` pt ("" if none would). Such a line holds no data
    (a data tag beside the boxes is reckoned at a name's length), so it fits whatever the
    data: an option is never split (LibreOffice breaks Chinese text between any two
    characters, a word joiner notwithstanding)."""
    room = width - 2 * CELL_MARGIN
    for line in text.split("\n"):
        shown = BOX_TAG_RE.sub("☐", re.sub(r"\{%.*?%\}", "", line))  # {% if %}: no width
        if "☐" not in shown and "☑" not in shown:
            continue
        shown = TAG_RE.sub("汉" * DATA_EMS, shown)
        words = _line_format_text(plain(shown))
        if len(words.split("☐")[0].split("☑")[0]) > OPTION_LEAD:
            continue  # options inside a sentence of prose (xinglin 家长联: 可能会（☐降级…）)
        if text_mm(words, size) > room + 0.01:
            return (
                f"options {words!r} need {text_mm(words, size):.1f} mm, column has {room:.1f} mm:"
                " break the line between options"
            )
    return ""


def _line_format_text(line: str) -> str:
    """A markup line without its alignment prefix (``>>`` ``^^`` ``__`` ``<<`` ``~~``)."""
    return line[2:] if line[:2] in (">>", "^^", "__", "<<", "~~") else line


def title_problem(line: str, width: float, size: float) -> str:
    """Why a title line does not fit ``width`` mm at ``size`` pt ("" if it does): a title is
    never broken (``学业警示 / 材料发放单``). A line made of data (``{{ school }}``) is the data's
    length; its words are the school's own."""
    words = plain(line)
    if not words or TAG_RE.search(line):
        return ""
    if text_mm(words, size) > width + 0.01:
        return f"title {words!r} needs {text_mm(words, size):.1f} mm, room is {width:.1f} mm"
    return ""


def label_problem(text: str, width: float, size: float) -> str:
    """Why label ``text`` does not fit a cell ``width`` mm wide at ``size`` pt ("" if it does)."""
    room = width - 2 * CELL_MARGIN
    em = size * 25.4 / 72
    for index, line in enumerate(plain(text).split("\n")):
        line = line.strip()
        if not line:
            continue
        if index == 0 and text_mm(line, size) > room + 0.01:
            return f"label {line!r} needs {text_mm(line, size):.1f} mm, column has {room:.1f} mm"
        per_line = max(1, int((room + 0.01) // em))
        ems = round(text_mm(line, size) / em)
        rest = ems % per_line
        if ems > per_line and 0 < rest < MIN_PIECE:
            return f"label {line!r} wraps leaving {rest} character(s) alone ({per_line} a line)"
    return ""


def V(text: str, span: int = 1) -> C:
    """A filled value cell (centred)."""
    return C(text, span)


def T(text: str, span: int = 1, valign: str = "top") -> C:
    """A text area (left-aligned, top-aligned: justified, a short wrapped line was stretched)."""
    return C(text, span, align="left", valign=valign)


@dataclass(frozen=True)
class R:
    cells: Sequence[C]
    height: float = 9.0  # mm
    exact: bool = False
    header: bool = False  # repeat at the top of each page
    cant_split: bool = True
    keep: bool = False  # keep with the next row or paragraph (a list's last rows + signatures)
    frameless: bool = False  # no borders (a list's heading rows above its column labels)
    footer: bool = False  # no left, right and bottom border (a list's signature block)


ALIGN = {
    "left": WD_ALIGN_PARAGRAPH.LEFT,
    "center": WD_ALIGN_PARAGRAPH.CENTER,
    "right": WD_ALIGN_PARAGRAPH.RIGHT,
    "justify": WD_ALIGN_PARAGRAPH.JUSTIFY,
}
VALIGN = {
    "top": WD_CELL_VERTICAL_ALIGNMENT.TOP,
    "center": WD_CELL_VERTICAL_ALIGNMENT.CENTER,
    "bottom": WD_CELL_VERTICAL_ALIGNMENT.BOTTOM,
}


TBL_PR_ORDER = (
    "w:tblStyle",
    "w:tblpPr",
    "w:tblOverlap",
    "w:bidiVisual",
    "w:tblStyleRowBandSize",
    "w:tblStyleColBandSize",
    "w:tblW",
    "w:jc",
    "w:tblCellSpacing",
    "w:tblInd",
    "w:tblBorders",
    "w:shd",
    "w:tblLayout",
    "w:tblCellMar",
    "w:tblLook",
    "w:tblCaption",
    "w:tblDescription",
    "w:tblPrChange",
)


def _insert_tbl_pr(tbl_pr: Any, element: Any) -> None:
    """Insert a child of ``w:tblPr`` in schema order (Word rejects out-of-order children)."""
    tag = element.tag
    for old in tbl_pr.findall(tag):
        tbl_pr.remove(old)
    names = [qn(t) for t in TBL_PR_ORDER]
    successors = names[names.index(tag) + 1 :]
    for index, child in enumerate(tbl_pr):
        if child.tag in successors:
            tbl_pr.insert(index, element)
            return
    tbl_pr.append(element)


def _borders(table: Table, *, style: str, outer: int = 8, inner: int = 4) -> None:
    tbl_pr = table._tbl.tblPr
    old = tbl_pr.find(qn("w:tblBorders"))
    if old is not None:
        tbl_pr.remove(old)
    borders = OxmlElement("w:tblBorders")
    for side in ("top", "left", "bottom", "right", "insideH", "insideV"):
        el = OxmlElement(f"w:{side}")
        if style == "none":
            el.set(qn("w:val"), "nil")
        else:
            el.set(qn("w:val"), style)
            el.set(qn("w:sz"), str(inner if side.startswith("inside") else outer))
            el.set(qn("w:space"), "0")
            el.set(qn("w:color"), "000000")
        borders.append(el)
    _insert_tbl_pr(tbl_pr, borders)


def _cell_margins(table: Table, mm: float) -> None:
    tbl_pr = table._tbl.tblPr
    mar = OxmlElement("w:tblCellMar")
    for side in ("top", "left", "bottom", "right"):
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:w"), str(round(mm * 56.7) if side in ("left", "right") else 0))
        el.set(qn("w:type"), "dxa")
        mar.append(el)
    _insert_tbl_pr(tbl_pr, mar)


def _cell_borders(cell: _Cell, sides: Sequence[str]) -> None:
    """No border on ``sides`` of ``cell``."""
    tc_pr = cell._tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    for side in ("top", "left", "bottom", "right"):
        if side not in sides:
            continue
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    # schema order: tcW, gridSpan, vMerge, tcBorders, shd, noWrap, tcMar, …, vAlign
    anchor = tc_pr.find(qn("w:vAlign"))
    for tag in ("w:shd", "w:noWrap", "w:tcMar", "w:textDirection", "w:tcFitText"):
        found = tc_pr.find(qn(tag))
        if found is not None:
            anchor = found
            break
    if anchor is not None:
        anchor.addprevious(borders)
    else:
        tc_pr.append(borders)


def add_field(par: Paragraph, instr: str, shown: str = "1") -> None:
    """A Word field (``PAGE``, ``NUMPAGES``) in ``par``; ``shown`` until it is updated
    (LibreOffice computes it when it prints)."""
    spec = STYLE_BY_NAME.get(par.style.name if par.style is not None else "")
    font = spec.east_asia if spec else SONG
    for kind in ("begin", "instr", "separate", "text", "end"):
        run = par.add_run()
        set_fonts(run._r.get_or_add_rPr(), font, hint=True)
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instr} "
        elif kind == "text":
            el = OxmlElement("w:t")
            el.text = shown
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        run._r.append(el)


def _fixed_layout(table: Table, widths: Sequence[float]) -> None:
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    tbl_pr = table._tbl.tblPr
    tbl_w = tbl_pr.find(qn("w:tblW"))
    if tbl_w is None:
        tbl_w = OxmlElement("w:tblW")
        tbl_pr.append(tbl_w)
    tbl_w.set(qn("w:w"), str(round(sum(widths) * 56.7)))
    tbl_w.set(qn("w:type"), "dxa")
    layout = tbl_pr.find(qn("w:tblLayout"))
    if layout is None:
        layout = OxmlElement("w:tblLayout")
        tbl_pr.append(layout)
    layout.set(qn("w:type"), "fixed")
    grid = table._tbl.tblGrid
    for col, w in zip(grid.findall(qn("w:gridCol")), widths, strict=True):
        col.set(qn("w:w"), str(round(w * 56.7)))


class Sheet:
    """One form's document: parts (pages) of header, tables and paragraphs."""

    def __init__(self, form: FormSpec, *, landscape: bool = False) -> None:
        self.form = form
        self.doc = new_document(form.title, landscape=landscape)
        self.text_w = (PAGE_H if landscape else PAGE_W) - 2 * MARGIN
        self.part_index = 0
        self._last_is_table = False

    # -- structure
    def part(
        self,
        part_id: str,
        title: Sequence[str],
        *,
        subtitle: str = "",
        annex: str | None = None,
        serial: bool = True,
    ) -> None:
        """Start a part (a page): QR header with annex label, title lines, 第 N 号; the second
        code (``qr2``) is anchored in the header and printed at the page's bottom-left corner."""
        expected = self.form.parts[self.part_index].id
        if part_id != expected:
            raise ValueError(f"{self.form.template}: part {part_id!r}, catalogue says {expected!r}")
        if self.part_index:
            page = self.doc.add_paragraph(style=PAGE)
            page.paragraph_format.page_break_before = True
        self.part_index += 1
        label = self.form.annex if annex is None else annex
        widths = (QR_COL, self.text_w - 2 * QR_COL, QR_COL)
        table = self.doc.add_table(rows=1, cols=3)
        _fixed_layout(table, widths)
        _borders(table, style="none")
        _cell_margins(table, 0.5)
        row = table.rows[0]
        row.height = Mm(24)
        row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        left, mid, right = row.cells
        for cell, w in zip(row.cells, widths, strict=True):
            cell.width = Mm(w)
        left.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
        mid.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        right.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
        fill(left, label, ANNEX, first=left.paragraphs[0])
        lines = list(title)
        self._check_titles(lines, widths[1] - 1.0)
        fill(mid, "\n".join(lines), TITLE, first=mid.paragraphs[0])
        if subtitle:
            fill(mid, subtitle, SUBTITLE)
        if serial:
            fill(mid, SERIAL, SERIAL_STYLE)
        # The part's code, and its second code: the same payload drawn by the generator as a
        # floating image in the page's bottom-left margin (anchored here, so it takes no room
        # in the layout), so a pen stroke or staple over one code leaves the other readable.
        fill(right, f"{{{{ qr.{part_id} }}}}{{{{ qr2.{part_id} }}}}", QR, first=right.paragraphs[0])
        self._last_is_table = True

    def list_table(
        self,
        part_id: str,
        title: Sequence[str],
        widths: Sequence[float],
        labels: Sequence[C],
        cells: Sequence[C],
        *,
        meta: Sequence[str] = (),
        subtitle: str = "",
        font_style: str = CELL_SMALL,
        row_height: float = 8.0,
        keep_last: int = 2,
        sign: Sequence[tuple[str, str]] = (),
    ) -> Table:
        """A college-level list as one table whose heading rows repeat on every page: the annex
        label, title, 第 N 号 with 第 k 页/共 n 页 and the part's code, then ``meta`` lines
        (学院、学年学期 …) and the column ``labels``; then one row of ``cells`` per ``rows``
        entry; then ``sign`` (markup, style) in a last row without side borders: the signature
        block is part of the table, so on whatever page it lands it is under the list's heading
        (LibreOffice does not keep a table's last rows with the paragraph after it when the
        table repeats a heading). The last ``keep_last`` rows keep with the next row (Word
        honours it)."""
        expected = self.form.parts[self.part_index].id
        if part_id != expected:
            raise ValueError(f"{self.form.template}: part {part_id!r}, catalogue says {expected!r}")
        self.part_index += 1
        # the part's second code (bottom-left, 4–22 mm from the edge) stays in the margin
        self.doc.sections[0].bottom_margin = Mm(LIST_BOTTOM_MARGIN)
        n = len(widths)
        # One heading row of two cells (a table nested in a repeated heading row, or more
        # than two heading rows, make LibreOffice ignore the last rows' keep-with-next).
        heading = [
            R([C("", n - 1, align="left"), C("", 1, align="right")], height=24, header=True,
              frameless=True)
        ]
        first, last = f"rows[:-{keep_last}]", f"rows[-{keep_last}:]"
        rows = [
            *heading,
            R(list(labels), header=True),
            R([C(f"{{%tr for r in {first} %}}", n)], height=4),
            R(list(cells), height=row_height),
            R([C("{%tr endfor %}", n)], height=4),
            R([C(f"{{%tr for r in {last} %}}", n)], height=4),
            R(list(cells), height=row_height, keep=True),
            R([C("{%tr endfor %}", n)], height=4),
        ]
        if sign:
            rows.append(R([C("", n, align="left")], height=row_height, footer=True))
        table = self.grid(widths, rows, font_style=font_style)
        row = table.rows[0]
        cell, code = row.cells[0], row.cells[-1]
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
        code.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
        # the title is centred on the page: indented by the code's column on the left
        shift = Mm(widths[-1])
        self._check_titles(title, self.text_w - 2 * widths[-1] - 2 * CELL_MARGIN)
        lines = [self.form.annex] if self.form.annex else []
        fill(cell, "\n".join([*lines, *title]), TITLE, first=cell.paragraphs[0])
        if self.form.annex:
            cell.paragraphs[0].style = ANNEX
        for par in cell.paragraphs[1 if self.form.annex else 0 :]:
            par.paragraph_format.left_indent = shift
        if subtitle:
            fill(cell, subtitle, SUBTITLE)
            cell.paragraphs[-1].paragraph_format.left_indent = shift
        fill(cell, SERIAL + "    第 ", SERIAL_STYLE)
        pages = cell.paragraphs[-1]
        pages.paragraph_format.left_indent = shift
        add_field(pages, "PAGE")
        add_text(pages, " 页/共 ")
        add_field(pages, "NUMPAGES")
        add_text(pages, " 页")
        if meta:
            # a line of check boxes (份别) fits the heading on one line
            room = self.text_w - widths[-1]
            for line in meta:
                problem = words_problem(line.replace("{% else %}☐", ""), room, STYLE_BY_NAME[META].size)
                if problem:
                    raise ValueError(f"{self.form.template}: heading: {problem}")
            fill(cell, "\n".join(meta), META)
        fill(code, f"{{{{ qr.{part_id} }}}}{{{{ qr2.{part_id} }}}}", QR, first=code.paragraphs[0])
        if sign:
            end = table.rows[-1].cells[0]
            for k, (text, style) in enumerate(sign):
                fill(end, text, style, first=end.paragraphs[0] if k == 0 else None)
        return table

    def _check_titles(self, lines: Sequence[str], width: float) -> None:
        size = STYLE_BY_NAME[TITLE].size
        for line in lines:
            problem = title_problem(line, width, size)
            if problem:
                raise ValueError(f"{self.form.template}: {problem}")

    def list_header(self, title: Sequence[str]) -> None:
        """Header of a list/summary form: annex label and title, no QR code, no serial."""
        self.part_index += 1
        if self.form.annex:
            self.par(self.form.annex, ANNEX)
        self.par("\n".join(title), TITLE)

    def par(self, text: str, style: str = BODY, *, keep: bool = False) -> None:
        """Paragraphs of ``text``; ``keep``: each keeps with the next (a signature block)."""
        start = len(self.doc.paragraphs)
        fill(self.doc, text, style)
        if keep:
            for p in self.doc.paragraphs[start:]:
                p.paragraph_format.keep_with_next = True
        self._last_is_table = False

    def gap(self) -> None:
        self.par("", GAP)

    def grid(
        self,
        widths: Sequence[float],
        rows: Sequence[R],
        *,
        border: str = "single",
        font_style: str = CELL,
    ) -> Table:
        if abs(sum(widths) - self.text_w) > 0.01:
            raise ValueError(
                f"{self.form.template}: widths {widths} do not add up to {self.text_w}"
            )
        if self._last_is_table:
            self.gap()
        table = self.doc.add_table(rows=len(rows), cols=len(widths))
        _fixed_layout(table, widths)
        _borders(table, style=border)
        for r_index, spec in enumerate(rows):
            row = table.rows[r_index]
            row.height = Mm(spec.height)
            row.height_rule = (
                WD_ROW_HEIGHT_RULE.EXACTLY if spec.exact else WD_ROW_HEIGHT_RULE.AT_LEAST
            )
            tr_pr = row._tr.get_or_add_trPr()
            if spec.header:
                tr_pr.append(OxmlElement("w:tblHeader"))
            if spec.cant_split:
                tr_pr.append(OxmlElement("w:cantSplit"))
            col = 0
            if sum(c.span for c in spec.cells) != len(widths):
                raise ValueError(f"{self.form.template}: row {r_index} spans != {len(widths)}")
            for cspec in spec.cells:
                cell: _Cell = row.cells[col]
                if cspec.span > 1:
                    cell = cell.merge(row.cells[col + cspec.span - 1])
                cell.width = Mm(sum(widths[col : col + cspec.span]))
                size = STYLE_BY_NAME[font_style if cspec.style == CELL else cspec.style].size
                width = sum(widths[col : col + cspec.span])
                problem = words_problem(cspec.text, width, size)
                if cspec.label and not problem:
                    problem = label_problem(cspec.text, width, size)
                if problem:
                    raise ValueError(f"{self.form.template}: row {r_index}: {problem}")
                cell.vertical_alignment = VALIGN[cspec.valign]
                style = font_style if cspec.style == CELL else cspec.style
                fill(cell, cspec.text, style, first=cell.paragraphs[0])
                for p in cell.paragraphs:
                    if p.alignment is None:
                        p.alignment = ALIGN[cspec.align]
                    if spec.keep:
                        p.paragraph_format.keep_with_next = True
                if spec.frameless:
                    _cell_borders(cell, ("top", "left", "right"))
                elif spec.footer:
                    _cell_borders(cell, ("left", "bottom", "right"))
                col += cspec.span
        self._last_is_table = True
        return table

    def dashed_box(self, text: str, height: float) -> None:
        """A single dashed-border cell (xinglin's 黏贴处)."""
        table = self.grid(
            [self.text_w], [R([C(text, valign="top")], height=height)], border="dashed"
        )
        for p in table.rows[0].cells[0].paragraphs:
            for run in p.runs:
                run.font.color.rgb = RGBColor(0x80, 0x80, 0x80)

    def finish(self) -> Any:
        if self.part_index != len(self.form.parts):
            raise ValueError(
                f"{self.form.template}: built {self.part_index} parts, "
                f"catalogue has {len(self.form.parts)}"
            )
        if self._last_is_table:
            self.gap()
        return self.doc


# Common column layouts (mm, sum = 170).
W4 = (28.0, 57.0, 28.0, 57.0)
W6 = (20.0, 36.0, 20.0, 36.0, 20.0, 38.0)


Builder = Callable[[FormSpec], Any]
