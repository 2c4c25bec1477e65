"""Build every form template: ``python -m yujing.templates.build [--out DIR]``.

Writes ``<DIR>/<policy>/<form id>.docx`` (default DIR: this package's directory) for every form
of every built-in catalogue (``yujing/forms/*.toml``). The output is deterministic: the same
source gives the same bytes (fixed zip timestamps and document properties), so a test can
rebuild into a temporary directory and compare with the committed files.

Text markup used by the builders below (see :func:`add_text`):

* ``{{ … }}`` / ``{% … %}``  docxtpl (Jinja2) tags; each tag becomes a run of its own.
* ``[[ … ]]``               underlined (filled values and blanks for hand filling).
* a line starting ``>>`` is right-aligned, ``^^`` centred, ``__`` indented two characters.
* ``\\n`` separates paragraphs; ``\\t`` jumps to the right-aligned tab stop of ``YJ Meta``.

Seed layouts are reproduced where the seed gives them (xinglin, beihai, njmec-mech); anshan's
forms, lanzhou-life's 附件1–5 and njmec-mech's 帮扶记录表 are reconstructed from what the seed's
text says the form records (the catalogue's ``note`` says so).
"""

from __future__ import annotations

import argparse
import io
import re
import sys
import zipfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
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

from yujing.docxfonts import set_fonts
from yujing.forms import BUILTIN_NAMES, FormSpec, _load
from yujing.templates import TEMPLATES_DIR

LATIN = "Times New Roman"
SONG = "宋体"
HEI = "黑体"
FANGSONG = "仿宋"
PAGE_W, PAGE_H, MARGIN = 210.0, 297.0, 20.0
TEXT_W = PAGE_W - 2 * MARGIN  # 170 mm
QR_COL = 26.0
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
MAJOR_CLASS = "{{ student.major }} {{ student.class_name }}"
# At most 6 courses are listed, then "等共 N 门": a long list would push a part onto a second
# page (xinglin's 家长联存根 from 9 courses); the full list is in the warning list's .xlsx.
COURSES = (
    "{% if failed_courses %}不及格课程：{% for c in failed_courses[:6] %}{{ c.name }}"
    "（{{ c.credits }}学分）{% if not loop.last %}、{% endif %}{% endfor %}"
    "{% if failed_courses|length > 6 %}等共 {{ failed_courses|length }} 门{% endif %}{% endif %}"
)
UL8 = "[[                ]]"


def boxes(levels: Sequence[str], *, label_first: bool = False, sep: str = "      ") -> str:
    """Level boxes, e.g. ``{{ box["黄色预警"] }}黄色预警      {{ box["橙色预警"] }}橙色预警``."""
    if label_first:
        return sep.join(f'{lv}{{{{ box["{lv}"] }}}}' for lv in levels)
    return sep.join(f'{{{{ box["{lv}"] }}}}{lv}' for lv in levels)


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


def _add_style(doc: Any, spec: StyleSpec) -> None:
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
        pf.tab_stops.add_tab_stop(Mm(TEXT_W), WD_TAB_ALIGNMENT.RIGHT)


def new_document(title: str) -> Any:
    """An empty A4 document with the YJ styles and East Asian fonts set everywhere."""
    doc = Document()
    _doc_defaults(doc)
    normal = doc.styles["Normal"]
    normal.font.size = Pt(10.5)
    set_fonts(normal.element.get_or_add_rPr(), SONG)
    for spec in STYLES:
        _add_style(doc, spec)
    set_fonts(doc.styles["Table Grid"].element.get_or_add_rPr(), SONG)
    section = doc.sections[0]
    section.orientation = WD_ORIENT.PORTRAIT
    section.page_width = Mm(PAGE_W)
    section.page_height = Mm(PAGE_H)
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, Mm(MARGIN))
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)
    props = doc.core_properties
    props.title = title
    props.author = "yujing"
    props.last_modified_by = "yujing"
    props.comments = "由 python -m yujing.templates.build 生成；docxtpl 模板，一名学生一份。"
    props.created = FIXED_TIME
    props.modified = FIXED_TIME
    props.revision = 1
    return doc


# --------------------------------------------------------------------------- text and runs


def add_text(par: Paragraph, text: str, *, underline: bool = False) -> None:
    """Append ``text`` (markup: tags, ``[[underline]]``) to ``par``, one run per tag."""
    spec = STYLE_BY_NAME.get(par.style.name if par.style is not None else "")
    font = spec.east_asia if spec else SONG
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


def L(text: str, span: int = 1) -> C:
    """A label cell."""
    return C(text, span)


def V(text: str, span: int = 1) -> C:
    """A filled value cell (centred)."""
    return C(text, span)


def T(text: str, span: int = 1, valign: str = "top") -> C:
    """A text area (justified, top-aligned)."""
    return C(text, span, align="justify", valign=valign)


@dataclass(frozen=True)
class R:
    cells: Sequence[C]
    height: float = 9.0  # mm
    exact: bool = False
    header: bool = False  # repeat at the top of each page
    cant_split: bool = True


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

    def __init__(self, form: FormSpec) -> None:
        self.form = form
        self.doc = new_document(form.title)
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
        """Start a part (a page): QR header with annex label, title lines, 第 N 号."""
        expected = self.form.parts[self.part_index].id
        if part_id != expected:
            raise ValueError(f"{self.form.template}: part {part_id!r}, catalogue says {expected!r}")
        if self.part_index:
            page = self.doc.add_paragraph(style=PAGE)
            page.paragraph_format.page_break_before = True
        self.part_index += 1
        label = self.form.annex if annex is None else annex
        widths = (QR_COL, TEXT_W - 2 * QR_COL, QR_COL)
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
        fill(mid, "\n".join(lines), TITLE, first=mid.paragraphs[0])
        if subtitle:
            fill(mid, subtitle, SUBTITLE)
        if serial:
            fill(mid, SERIAL, SERIAL_STYLE)
        fill(right, f"{{{{ qr.{part_id} }}}}", QR, first=right.paragraphs[0])
        self._last_is_table = True

    def list_header(self, title: Sequence[str]) -> None:
        """Header of a list/summary form: annex label and title, no QR code, no serial."""
        self.part_index += 1
        if self.form.annex:
            self.par(self.form.annex, ANNEX)
        self.par("\n".join(title), TITLE)

    def par(self, text: str, style: str = BODY) -> None:
        fill(self.doc, text, style)
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
        if abs(sum(widths) - TEXT_W) > 0.01:
            raise ValueError(f"{self.form.template}: widths {widths} do not add up to {TEXT_W}")
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
                cell.vertical_alignment = VALIGN[cspec.valign]
                style = font_style if cspec.style == CELL else cspec.style
                fill(cell, cspec.text, style, first=cell.paragraphs[0])
                for p in cell.paragraphs:
                    if p.alignment is None:
                        p.alignment = ALIGN[cspec.align]
                col += cspec.span
        self._last_is_table = True
        return table

    def dashed_box(self, text: str, height: float) -> None:
        """A single dashed-border cell (xinglin's 黏贴处)."""
        table = self.grid([TEXT_W], [R([C(text, valign="top")], height=height)], border="dashed")
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


# =========================================================================== anshan
ANSHAN_LEVELS = ("黄色预警", "橙色预警", "红色预警")
ANSHAN_SCHOOL = "鞍山师范学院"
ANSHAN_RULES = "《鞍山师范学院学生学业预警制度实施办法》"


def anshan_head_rows(third: tuple[str, str] = ("预警等级", "{{ level }}")) -> list[R]:
    return [
        R([L("学号"), V(SID), L("姓名"), V(NAME)]),
        R([L("学院"), V("{{ college }}"), L("专业班级"), V(MAJOR_CLASS)]),
        R([L(third[0]), V(third[1]), L("学年学期"), V("{{ term_label }}")]),
    ]


def anshan_notice(form: FormSpec) -> Any:
    s = Sheet(form)
    for part_id, sub in (("stub", "（学院留存联）"), ("student", "（学生联）")):
        s.part(part_id, [ANSHAN_SCHOOL, "学业预警通知书"], subtitle=sub)
        s.par(
            f"<<[[ {NAME} ]]同学：\n"
            f"根据{ANSHAN_RULES}，经学院对你{{{{ term_label }}}}学业成绩的统计分析，你已达到学业预警"
            "标准，现向你下达学业预警通知，预警等级为{{ level }}。具体情况如下：",
            LETTER,
        )
        s.grid(
            W4,
            [
                R([L("学号"), V(SID), L("姓名"), V(NAME)]),
                R([L("性别"), V("{{ student.gender }}"), L("年级"), V("{{ student.grade }}")]),
                R([L("学院"), V("{{ college }}"), L("专业班级"), V(MAJOR_CLASS)]),
                R([L("预警等级"), C(boxes(ANSHAN_LEVELS), 3, align="left")]),
                R(
                    [
                        L("预警原因"),
                        T(
                            "{{ reason }}\n" + COURSES + "\n"
                            "{% if failed_credits %}累计未通过课程学分：{{ failed_credits }}"
                            "{% endif %}{% if gpa %}    平均学分绩点（GPA）：{{ gpa }}{% endif %}",
                            3,
                        ),
                    ],
                    height=30,
                ),
                R(
                    [
                        L("可能产生的后果"),
                        T(
                            "未通过课程须参加补考或重修；若学业状况得不到改善，将影响评奖评优、"
                            "按期毕业及学位授予，严重者可能延长学习年限（留级），甚至无法完成学业。",
                            3,
                        ),
                    ],
                    height=18,
                ),
                R(
                    [
                        L("帮扶安排"),
                        T(
                            '{% if level == "红色预警" %}学院将成立由班导师、辅导员和专业教师组成的'
                            "帮扶小组，为你制定个性化帮扶计划，并在1个月内通知你的家长。"
                            '{% elif level == "橙色预警" %}学院将为你安排学习小组及针对薄弱课程的'
                            "辅导课程或讲座，辅导员每周与你沟通一次，并与你的家长保持联系。"
                            "{% else %}学院将为你安排学习小组、推荐在线学习资源，班导师每月与你"
                            "交流一次。{% endif %}\n"
                            "请你在收到本通知书后主动与辅导员、班导师联系，按时参加警示谈话，"
                            "认真分析原因，制定并落实学习计划。",
                            3,
                        ),
                    ],
                    height=24,
                ),
                R(
                    [
                        L("学生确认"),
                        T(
                            "本人已收到《学业预警通知书》，知悉本人的预警等级、原因及可能产生的后果。\n"
                            f"\n学生签字：{UL8}          {BLANK_DATE}",
                            3,
                        ),
                    ],
                    height=24,
                ),
                R(
                    [
                        L("学院（盖章）"),
                        T(
                            "辅导员：{{ student.counsellor }}        联系电话：{{ counsellor_phone }}\n"
                            f"\n>>{{{{ college }}}}（盖章）    {ISSUE_DATE}",
                            3,
                        ),
                    ],
                    height=22,
                ),
            ],
        )
        s.par(
            "注：本通知书一式两份（学院留存联、学生联），学生签字确认后，学院留存一份，"
            "学生留存一份。",
            NOTE,
        )
    return s.finish()


def anshan_interview(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", [ANSHAN_SCHOOL, "学业预警学生谈话记录表"])
    s.grid(
        W4,
        [
            *anshan_head_rows(),
            R([L("预警原因"), T("{{ reason }}", 3, valign="center")], height=14),
            R([L("谈话时间"), V("     年   月   日   时"), L("谈话地点"), V("")]),
            R(
                [
                    L("谈话人员"),
                    C(
                        "☐辅导员 {{ student.counsellor }}    ☐班导师 {{ student.class_teacher }}"
                        f"    ☐其他：{UL8}",
                        3,
                        align="left",
                    ),
                ]
            ),
            R([L("谈话内容\n（学习困难、生活情况、原因分析）"), T("", 3)], height=54),
            R([L("学生的反馈"), T("", 3)], height=30),
            R([L("改进计划及帮扶措施"), T("", 3)], height=30),
            R(
                [
                    C(
                        f"谈话人签字：{UL8}      学生签字：{UL8}      {BLANK_DATE}",
                        4,
                        align="left",
                    )
                ],
                height=14,
            ),
        ],
    )
    s.par(
        "注：黄色预警谈话重点提醒学生重视学业，分析未通过课程的原因，制定短期学习计划；"
        "橙色预警谈话要更加深入，了解学习方法、学习动力等问题，共同制定中期学习提升计划；"
        "红色预警须在1个月内通知家长，与学生和家长共同商讨制定长期的学业帮扶方案。",
        NOTE,
    )
    return s.finish()


def anshan_parent_interview(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", [ANSHAN_SCHOOL, "学业预警家长谈话记录表"])
    s.grid(
        W4,
        [
            *anshan_head_rows(),
            R([L("预警原因"), T("{{ reason }}", 3, valign="center")], height=14),
            R([L("家长姓名"), V("{{ student.parent_name }}"), L("与学生关系"), V("")]),
            R(
                [
                    L("沟通时间"),
                    V("     年   月   日   时"),
                    L("沟通方式"),
                    V("☐电话  ☐面谈  ☐通知函  ☐其他"),
                ]
            ),
            R([L("学院沟通人员"), C("", 3)]),
            R([L("沟通内容\n（预警情况、在校表现等）"), T("", 3)], height=50),
            R([L("家长的意见"), T("", 3)], height=30),
            R([L("商定的帮扶方案\n（含是否考虑申请休学调整状态等）"), T("", 3)], height=28),
            R(
                [
                    C(
                        f"谈话人签字：{UL8}      家长签字（面谈时）：{UL8}      {BLANK_DATE}",
                        4,
                        align="left",
                    )
                ],
                height=14,
            ),
        ],
    )
    s.par(
        "注：对红色预警学生，辅导员须在接到预警名单后1个月内通知家长（电话、面谈或发送通知函等方式），"
        "详细说明学生的学业预警情况，争取家长的配合与支持，并填写本表。",
        NOTE,
    )
    return s.finish()


def anshan_study_plan(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", [ANSHAN_SCHOOL, "学业预警学生个性化帮扶计划"])
    s.grid(
        W4,
        [
            R([L("学号"), V(SID), L("姓名"), V(NAME)]),
            R([L("学院"), V("{{ college }}"), L("专业班级"), V(MAJOR_CLASS)]),
            R(
                [
                    L("辅导员"),
                    V("{{ student.counsellor }}"),
                    L("班导师"),
                    V("{{ student.class_teacher }}"),
                ]
            ),
            R(
                [
                    L("预警等级"),
                    C(
                        '{{ box["黄色预警"] }}黄色预警（短期学习计划）    '
                        '{{ box["橙色预警"] }}橙色预警（中期学习提升计划）\n'
                        '{{ box["红色预警"] }}红色预警（长期学业帮扶方案）    学年学期：{{ term_label }}',
                        3,
                        align="left",
                    ),
                ],
                height=12,
            ),
            R([L("预警原因"), T("{{ reason }}", 3, valign="center")], height=14),
            R([L("学习困难及原因分析"), T("", 3)], height=24),
            R([L("学习目标"), T("", 3)], height=18),
            R([L("学习时间安排\n（每周学习时间、课程复习、补考重修安排）"), T("", 3)], height=30),
            R([L("学习方法改进"), T("", 3)], height=22),
            R(
                [
                    L("帮扶措施"),
                    T(
                        "☐学习小组    ☐在线学习资源    ☐班导师一对一指导    ☐辅导课程或讲座\n"
                        "☐学习互助小组活动    ☐帮扶小组（班导师、辅导员、专业教师）    ☐心理辅导\n"
                        f"☐调整学习培养方案    ☐其他：{UL8}",
                        3,
                        valign="center",
                    ),
                ],
                height=18,
            ),
            R([L("帮扶人员"), C(f"专业教师：{UL8}    其他：{UL8}", 3, align="left")]),
            R(
                [
                    C(
                        f"学生签字：{UL8}    辅导员签字：{UL8}    班导师签字：{UL8}\n"
                        f">>{BLANK_DATE}",
                        4,
                        align="left",
                    )
                ],
                height=16,
            ),
        ],
    )
    s.par(
        "注：帮扶过程（辅导课程、辅导时间、效果评估）记入《学业预警学生帮扶过程记录表》；"
        "辅导员定期跟进学生的执行情况，及时调整帮扶措施。",
        NOTE,
    )
    return s.finish()


def anshan_support_record(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", [ANSHAN_SCHOOL, "学业预警学生帮扶过程记录表"])
    s.grid(
        W4,
        [
            R([L("学号"), V(SID), L("姓名"), V(NAME)]),
            R([L("专业班级"), V(MAJOR_CLASS), L("预警等级"), V("{{ level }}")]),
        ],
    )
    s.gap()
    rows = [
        R([L("序号"), L("辅导时间"), L("辅导课程及内容"), L("帮扶人"), L("效果评估")], header=True)
    ]
    rows += [R([V(str(i)), V(""), T(""), V(""), V("")], height=13) for i in range(1, 9)]
    s.grid((12.0, 30.0, 70.0, 28.0, 30.0), rows)
    s.gap()
    s.grid(
        W4,
        [
            R(
                [
                    L("效果评估\n（学期末）"),
                    T("☐明显进步    ☐有进步    ☐无明显变化    ☐退步\n", 3),
                ],
                height=24,
            ),
            R([L("帮扶措施调整"), T("", 3)], height=20),
        ],
    )
    s.par(
        f"帮扶人签字：{UL8}    辅导员签字：{UL8}    学生签字：{UL8}\n>>{BLANK_DATE}",
        SIGN,
    )
    return s.finish()


# =========================================================================== lanzhou-life
LZ_LEVELS = ("口头警示", "书面警示")
LZ_SCHOOL = "兰州理工大学生命科学与工程学院"
LZ_RULES = "《生命科学与工程学院本科生学业警示及帮扶工作实施细则》"
LZ_HEAD = [
    R([L("学号"), V(SID), L("姓名"), V(NAME)]),
    R([L("专业"), V("{{ student.major }}"), L("班级"), V("{{ student.class_name }}")]),
]


def lz_list(form: FormSpec) -> Any:
    s = Sheet(form)
    s.list_header(["学业警示学生名单汇总表"])
    s.par("学院：[[ {{ college }} ]]\t学年学期：{{ term_label }}", META)
    widths = (10.0, 24.0, 16.0, 34.0, 18.0, 42.0, 16.0, 10.0)
    s.grid(
        widths,
        [
            R(
                [
                    L("序号"),
                    L("学号"),
                    L("姓名"),
                    L("专业班级"),
                    L("警示等级"),
                    L("警示原因"),
                    L("学生确认签字"),
                    L("备注"),
                ],
                header=True,
            ),
            R([C("{%tr for r in rows %}", 8)], height=4),
            R(
                [
                    V("{{ r.seq }}"),
                    V("{{ r.student_id }}"),
                    V("{{ r.name }}"),
                    V("{{ r.major }} {{ r.class_name }}"),
                    V("{{ r.level }}"),
                    C("{{ r.reason }}", align="left"),
                    V(""),
                    V("{{ r.result }}"),
                ],
                height=10,
            ),
            R([C("{%tr endfor %}", 8)], height=4),
        ],
        font_style=CELL_SMALL,
    )
    s.par(
        f"制表：{UL8}    分管教学副院长：{UL8}    分管学生工作副书记：{UL8}\n>>{BLANK_DATE}",
        SIGN,
    )
    s.par(
        "注：每学期开学2周内由学院本科教学工作办公室根据培养方案及学生选课情况对学生成绩进行审核，"
        "形成本表，反馈分管教学副院长和分管学生工作副书记，并经学生确认无异议后在全院范围公布。",
        NOTE,
    )
    return s.finish()


def lz_notice(form: FormSpec) -> Any:
    s = Sheet(form)
    for part_id, sub in (("stub", "（学院存根）"), ("student", "（学生存根）")):
        s.part(part_id, [LZ_SCHOOL, "学业警示通知单"], subtitle=sub)
        s.par("学年学期：{{ term_label }}", META)
        rows = [
            *LZ_HEAD,
            R([L("性别"), V("{{ student.gender }}"), L("年级"), V("{{ student.grade }}")]),
            R([L("警示等级"), C(boxes(LZ_LEVELS), 3, align="left")]),
            R([L("警示原因"), T("{{ reason }}\n" + COURSES, 3)], height=28),
            R(
                [
                    C(
                        f"<<[[ {NAME} ]]同学：\n"
                        f"根据{LZ_RULES}，经学院本科教学办公室审核，你{{{{ term_label }}}}的学习情况"
                        "符合学业警示条件，现给予{{ level }}。\n"
                        "学业警示是学院对学生的一种提醒性帮助，不是纪律处分，不记入学生档案。"
                        "请你正视自己的学业问题，主动与班主任、辅导员联系，与班主任共同制定切实可行的"
                        "《学业警示学生个人学习计划》，并按计划完成学习任务。\n"
                        "在警示期按所修专业、所在年级的正常教学进度，完成所有课程学习或挂科学分、"
                        "应重修课程学分累计低于6学分，解除学业警示。\n"
                        "辅导员：{{ student.counsellor }}    联系电话：{{ counsellor_phone }}    "
                        "班主任：{{ student.class_teacher }}\n"
                        f">>生命科学与工程学院（盖章）\n>>{ISSUE_DATE}",
                        4,
                        align="justify",
                        valign="top",
                        style=LETTER,
                    )
                ],
                height=96,
            ),
        ]
        if part_id == "stub":
            rows.append(
                R(
                    [
                        L("学生签收"),
                        T(
                            "本人已收到《学业警示通知单》。\n"
                            f"学生签字：{UL8}            {BLANK_DATE}",
                            3,
                            valign="center",
                        ),
                    ],
                    height=20,
                )
            )
        s.grid(W4, rows)
        if part_id == "stub":
            s.par("注：通知单送达学生须有学生本人签字；学院存根由学生工作办公室存档备查。", NOTE)
        else:
            s.par("注：学生存根由学生本人保存。", NOTE)
    return s.finish()


def lz_parent_notice(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("parent", [LZ_SCHOOL, "学业警示通知单（家长联）"])
    s.par("学年学期：{{ term_label }}", META)
    s.grid(
        W4,
        [
            *LZ_HEAD,
            R([L("警示等级"), C(boxes(LZ_LEVELS), 3, align="left")]),
            R([L("警示原因"), T("{{ reason }}\n" + COURSES, 3)], height=24),
        ],
    )
    s.par(
        "<<尊敬的家长：\n"
        f"您好！您的孩子[[ {NAME} ]]（学号：{SID}）在{{{{ term_label }}}}的学习中出现了困难，"
        f"根据{LZ_RULES}，学院给予其{{{{ level }}}}。\n"
        "学业警示是学院对学生的一种提醒性帮助，不是纪律处分，不记入学生档案。学业警示制度旨在通过"
        "学校、家长、学生之间的沟通与协作，督促学生努力学习，防止学生出现留降级、退学等影响正常学业"
        "的情况。希望您及时了解孩子在校学习状况，加强与孩子的沟通，配合学院共同做好教育和帮扶工作。\n"
        "请您在收到本通知单后填写《家长回执》，签字后寄回学院或交辅导员存档。\n"
        "辅导员：[[ {{ student.counsellor }} ]]    联系电话：[[ {{ counsellor_phone }} ]]\n"
        f">>{LZ_SCHOOL}（盖章）\n>>{ISSUE_DATE}",
        LETTER,
    )
    s.part("receipt", [LZ_SCHOOL, "学业警示通知单（家长回执）"], annex="")
    s.par("学年学期：{{ term_label }}", META)
    s.grid(
        W4,
        [
            *LZ_HEAD,
            R([L("警示等级"), V("{{ level }}"), L("辅导员"), V("{{ student.counsellor }}")]),
            R(
                [
                    L("家长回执"),
                    T(
                        "本人已收到《学业警示通知单（家长联）》，已了解孩子的学业警示情况，"
                        "将配合学院共同督促孩子努力学习。",
                        3,
                        valign="center",
                    ),
                ],
                height=22,
            ),
            R([L("家长意见和建议"), T("", 3)], height=80),
            R([L("家长签字"), V(""), L("联系电话"), V("")], height=14),
            R([L("日期"), C(BLANK_DATE, 3, align="left")]),
        ],
    )
    s.par("注：请将本回执签字后寄回学院或交辅导员，由学生工作办公室存档备查。", NOTE)
    return s.finish()


def lz_interview(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", [LZ_SCHOOL, "学业警示学生谈话记录表"])
    s.grid(
        W4,
        [
            *LZ_HEAD,
            R([L("警示等级"), V("{{ level }}"), L("学年学期"), V("{{ term_label }}")]),
            R([L("警示原因"), T("{{ reason }}", 3, valign="center")], height=14),
            R(
                [
                    L("谈话人"),
                    C(f"☐辅导员    ☐班主任    ☐任课教师    ☐其他：{UL8}", 3, align="left"),
                ]
            ),
            R([L("谈话次数"), V("第 [[    ]] 次"), L("谈话时间"), V("     年   月   日")]),
            R([L("谈话地点"), C("", 3)]),
            R([L("谈话内容\n（学习和生活状况、存在问题及原因）"), T("", 3)], height=60),
            R([L("学生反馈"), T("", 3)], height=28),
            R([L("帮扶措施及要求"), T("", 3)], height=28),
            R(
                [C(f"学生签字：{UL8}      谈话人签字：{UL8}      {BLANK_DATE}", 4, align="left")],
                height=14,
            ),
        ],
    )
    s.par(
        "注：辅导员每学期至少安排2次谈话，班主任每月至少安排1次及以上谈话；本表期末统一交学生工作"
        "办公室汇总，按学生班级装订成册。",
        NOTE,
    )
    return s.finish()


def lz_study_plan(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", [LZ_SCHOOL, "学业警示学生个人学习计划"])
    s.grid(
        W4,
        [
            *LZ_HEAD,
            R([L("警示等级"), V("{{ level }}"), L("班主任"), V("{{ student.class_teacher }}")]),
            R([L("警示原因"), T("{{ reason }}", 3, valign="center")], height=14),
            R([L("学习问题与原因分析"), T("", 3)], height=22),
            R([L("学习目标"), T("", 3)], height=16),
            R([L("学习计划及措施\n（课程学习、补考重修、时间安排）"), T("", 3)], height=32),
            R(
                [
                    L("朋辈帮扶"),
                    C(f"帮扶同学：{UL8}（☐党员    ☐学生干部    ☐同寝室同学）", 3, align="left"),
                ]
            ),
            R(
                [C(f"学生签字：{UL8}      班主任签字：{UL8}      {BLANK_DATE}", 4, align="left")],
                height=12,
            ),
            R([C("执行情况（学期末由学生填写，交学生工作办公室存档）", 4, style=SUBTITLE)]),
            R([L("执行情况"), T("", 3)], height=24),
            R([L("本学期成绩情况"), T("", 3)], height=14),
            R([L("班主任意见"), T("", 3)], height=16),
            R(
                [C(f"学生签字：{UL8}      班主任签字：{UL8}      {BLANK_DATE}", 4, align="left")],
                height=12,
            ),
        ],
    )
    return s.finish()


def lz_parent_interview(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", [LZ_SCHOOL, "学业警示学生家长谈话记录"])
    s.grid(
        W4,
        [
            *LZ_HEAD,
            R([L("警示等级"), V("{{ level }}"), L("学年学期"), V("{{ term_label }}")]),
            R([L("警示原因"), T("{{ reason }}", 3, valign="center")], height=14),
            R([L("学生面临情况"), C("☐降级        ☐延期毕业        ☐退学", 3, align="left")]),
            R([L("家长姓名"), V("{{ student.parent_name }}"), L("与学生关系"), V("")]),
            R([L("谈话时间"), V("     年   月   日   时   分"), L("谈话地点"), V("")]),
            R(
                [
                    L("学院参加人员"),
                    C(
                        f"分管院系领导：{UL8}  班主任：{{{{ student.class_teacher }}}}  "
                        "辅导员：{{ student.counsellor }}",
                        3,
                        align="left",
                    ),
                ]
            ),
            R([L("谈话内容"), T("", 3)], height=62),
            R([L("家长意见"), T("", 3)], height=30),
            R(
                [
                    L("家长确认"),
                    T(
                        f"以上记录经本人确认无误。\n家长签字：{UL8}            {BLANK_DATE}",
                        3,
                        valign="center",
                    ),
                ],
                height=20,
            ),
        ],
    )
    s.par(f"记录人签字：{UL8}            {BLANK_DATE}", SIGN)
    s.par(
        "注：对面临降级、延期毕业或退学的学生，分管院系领导、班主任、辅导员要与家长联系，邀请家长来校"
        "面谈；面谈后整理书面记录，记录确切时间、地点及谈话内容，经家长确认、签字后存档。",
        NOTE,
    )
    return s.finish()


# =========================================================================== xinglin
XL_LEVELS = ("一般预警", "留(降)级预警", "退学预警")
XL_SCHOOL = "南通大学杏林学院"
XL_TERM = "{{ year_from }}-{{ year_to }}学年第{{ semester }}学期"
XL_TERM_DASH = "{{ year_from }}—{{ year_to }}学年第{{ semester }}学期"
XL_REASON = (
    "{{ reason }}\n"
    + COURSES
    + "\n{% if shortfall %}截至本学期，培养计划规定应取得{{ required_credits }}学分，"
    "累计已取得{{ earned_credits }}学分，少于规定数{{ shortfall }}学分。{% endif %}"
)


def xl_list(form: FormSpec) -> Any:
    s = Sheet(form)
    s.list_header([f"{XL_SCHOOL}学业预警清单"])
    s.par("学部：[[ {{ college }} ]]\t学年学期：{{ term_label }}", META)
    s.par("份别：☐副主任    ☐党总支副书记    ☐教务老师    ☐辅导员", META)
    widths = (10.0, 24.0, 16.0, 14.0, 30.0, 22.0, 18.0, 36.0)
    s.grid(
        widths,
        [
            R(
                [
                    L("序号"),
                    L("学号"),
                    L("姓名"),
                    L("年级"),
                    L("专业"),
                    L("班级"),
                    L("预警等级"),
                    L("预警原因"),
                ],
                header=True,
            ),
            R([C("{%tr for r in rows %}", 8)], height=4),
            R(
                [
                    V("{{ r.seq }}"),
                    V("{{ r.student_id }}"),
                    V("{{ r.name }}"),
                    V("{{ r.grade }}"),
                    V("{{ r.major }}"),
                    V("{{ r.class_name }}"),
                    V("{{ r.level }}"),
                    C("{{ r.reason }}", align="left"),
                ],
                height=10,
            ),
            R([C("{%tr endfor %}", 8)], height=4),
        ],
        font_style=CELL_SMALL,
    )
    s.par(f"教务老师（制表）：{UL8}    学部副主任：{UL8}    党总支副书记：{UL8}", SIGN)
    s.par(f">>{BLANK_DATE}", SIGN)
    s.par("注：学业预警清单一式四份，副主任、党总支副书记、教务老师和辅导员各一份。", NOTE)
    return s.finish()


XL_NOTICE_TEXT = (
    "__根据《南通大学杏林学院学生学业预警与帮扶机制实施办法》（通大院杏教〔2024〕110号）以及学院"
    "关于学生学籍管理的相关规定，依据学生的专业培养方案要求及学业成绩等情况，开展学业预警工作。\n"
    "__学生在收到本通知书后，应主动与辅导员、班主任等联系，寻求必要的指导和帮助。希望学生结合自身"
    "实际情况，深入剖析问题根源，合理制定学习计划，并切实规划好在校期间的学业路径。学生应努力克服"
    "学习上的困难，提升自主学习能力和学习质量，确保在规定的学习年限内达到毕业要求。"
)


def xl_notice(form: FormSpec) -> Any:
    s = Sheet(form)
    for part_id, sub in (
        ("student", "学生学业预警通知书（学生联）"),
        ("stub", "学生学业预警通知书（学生联存根）"),
    ):
        s.part(part_id, [XL_SCHOOL, sub], annex=None if part_id == "student" else "", serial=False)
        s.grid(
            (34.0, 51.0, 34.0, 51.0),
            [
                R(
                    [
                        L("学部"),
                        V("{{ college }}"),
                        L("年级专业"),
                        V("{{ student.grade }}级{{ student.major }}"),
                    ],
                    height=10,
                ),
                R([L("姓名"), V(NAME), L("学号"), V(SID)], height=10),
                R([L("预警开展学年学期"), C(XL_TERM, 3)], height=10),
                R([L("预警等级"), C(boxes(XL_LEVELS, label_first=True), 3)], height=10),
                R([L("预警原因\n（可附不及格课程）"), T(XL_REASON, 3)], height=40),
                R([C(XL_NOTICE_TEXT, 4, align="justify", valign="center", style=BODY)], height=48),
                R(
                    [
                        L("经办人"),
                        V(""),
                        C(f"{ISSUE_DATE}（公章）", 2, align="right", valign="bottom"),
                    ],
                    height=16,
                ),
                R([L("学部分管领导签发"), C("", 3)], height=16),
            ],
        )
        s.par(f"学生本人签收：{UL8}\t{SERIAL}", META)
    return s.finish()


def xl_parent_notice(form: FormSpec) -> Any:
    s = Sheet(form)
    head = [
        R([L("姓  名"), V(NAME), L("性  别"), V("{{ student.gender }}"), L("学  号"), V(SID)]),
        R(
            [
                L("学  部"),
                V("{{ college }}"),
                L("专  业"),
                V("{{ student.major }}"),
                L("班  级"),
                V("{{ student.class_name }}"),
            ]
        ),
    ]
    # 家长联存根
    s.part("stub", [XL_SCHOOL, "学业预警通知书（家长联存根）"], serial=False)
    s.par(f"{XL_TERM_DASH}\t{SERIAL}（存根）", META)
    s.grid(
        W6,
        [
            *head,
            R(
                [
                    L("学业\n具体情况"),
                    T(XL_REASON, 3),
                    C(boxes(XL_LEVELS, sep="\n"), 2, align="left"),
                ],
                height=32,
            ),
            R(
                [
                    L("家庭地址"),
                    C("{{ student.address }}", 3, align="left"),
                    L("邮编"),
                    V("{{ student.postcode }}"),
                ]
            ),
            R(
                [
                    L("家长姓名"),
                    V("{{ student.parent_name }}", 2),
                    L("家长联系电话"),
                    V("{{ student.parent_phone }}", 2),
                ]
            ),
            R([L("学生签名"), V("", 2), L("学生电话"), V("", 2)]),
            R(
                [
                    L("学业预警通知书送达方式和时间", 2),
                    C(f"☐邮件    ☐微信    ☐QQ    ☐其他：{UL8}\n>>{BLANK_DATE}", 4, align="left"),
                ],
                height=16,
            ),
        ],
    )
    s.par("^^-----------黏贴处，预警通知书送达证明-----------", META)
    s.dashed_box("（黏贴邮件、微信、QQ等送达证明）", 92)
    # 家长联
    s.part("parent", [XL_SCHOOL, "学业预警通知书（家长联）"], annex="", serial=False)
    s.par(f"{XL_TERM_DASH}\t{SERIAL}", META)
    s.grid(
        W6,
        [
            *head,
            R(
                [
                    C(
                        "<<尊敬的家长：\n"
                        f"[[ {NAME} ]]同学目前在学业上出现了困难，共有[[ {{{{ failed_course_count }}}} ]]"
                        "门课程不及格，已积欠[[ {{ shortfall }} ]]学分，按照《南通大学杏林学院学生学业"
                        "预警与帮扶机制实施办法》（通大院杏教〔2024〕110号），现给予学业预警：\n"
                        + boxes(XL_LEVELS, sep="；    ")
                        + "\n现我们通过《学业预警通知书》向您告知，接下来"
                        f"[[ {NAME} ]]同学可能会（"
                        '{{ box["留(降)级预警"] }}降级、{{ box["退学预警"] }}退学'
                        f"{{{{ box_other }}}}其他：{UL8}）。希望您在了解有关情况后及时与子女联系，"
                        f"配合学校，共同督促、教育，期待[[ {NAME} ]]同学在下一学年重修和补考考试中"
                        "取得好成绩。衷心感谢您的理解与支持！\n"
                        "如有任何问题，请联系辅导员：[[ {{ student.counsellor }} ]]    "
                        "联系电话：[[ {{ counsellor_phone }} ]]\n"
                        f"\n>>学部公章：        {ISSUE_DATE}",
                        6,
                        align="justify",
                        valign="top",
                        style=LETTER,
                    )
                ],
                height=120,
            ),
        ],
    )
    s.par(
        "注：一般预警表示学习出现问题。留(降)级预警表示学习问题较严重。退学预警表示学习问题非常严重。",
        NOTE,
    )
    return s.finish()


def xl_interview(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", [XL_SCHOOL, "学生学业预警帮扶谈话记录表"])
    s.par("学部（公章）：{{ college }}", META)
    s.grid(
        W6,
        [
            R([L("班级"), V("{{ student.class_name }}"), L("学号"), V(SID), L("姓名"), V(NAME)]),
            R([L("年级"), V("{{ student.grade }}"), L("专业"), V("{{ student.major }}", 3)]),
            R([L("约谈时间"), V(""), L("预谈地点"), V("", 3)]),
            R(
                [
                    L("预谈记录"),
                    C(
                        f"教师签名：{UL8}          学生签名：{UL8}",
                        5,
                        align="left",
                        valign="bottom",
                    ),
                ],
                height=164,
            ),
        ],
    )
    s.par("注：每次约谈填写一份，存入被预警学生帮扶档案。", NOTE)
    return s.finish()


# =========================================================================== beihai
BH_SCHOOL = "北海艺术设计学院"
BH_RULES = "《北海艺术设计学院学生学业预警与学业帮扶管理办法》"
BH_URL = "https://jwglxt.sszss.com:8443/jwglxt"
BH_REMINDER = (
    "提醒：学生在校期间，从第一学期结束起，所修读的课程经正常补考或重修后，累计不及格科目达五门者，"
    "予以留级；累计不及格科目达七门者，予以退学。"
)
BH_TEXT = {
    "notice-1": (
        "一级",
        "经我处审核，你在校学习期间，从第一学期结束起，所修读的课程经正常补考或重修后，累计不及格"
        f"课程达[[ {{{{ failed_course_count }}}} ]]门，根据{BH_RULES}，决定对你作学业一级警示。\n"
        "请你务必调整好学习计划，尽早取得应修课程的学分，按要求修完相关课程，以便能顺利地进入下一"
        "环节的学习。若你不重视、不积极、不及时地调整学习计划，预计将无法按期毕业。",
    ),
    "notice-2": (
        "二级",
        "经我处审核，你在校学习期间，从第一学期结束起，所修读的课程经正常补考或重修后，累计不及格"
        f"课程达[[ {{{{ failed_course_count }}}} ]]门，根据{BH_RULES}，予以学业二级警示，"
        "希望引起你的高度重视。\n"
        "请你务必调整好学习计划，努力学习，方能按期完成学业。如果不及格课程从第一学期结束起累积"
        "达到6门以上（含6门）的，将予以学业一级预警。",
    ),
}


def bh_notice(form: FormSpec) -> Any:
    grade, body = BH_TEXT[form.id]
    s = Sheet(form)
    for part_id, sub in (("student", "（学生联）"), ("stub", "（存根）")):
        s.part(
            part_id,
            [f"{BH_SCHOOL}学业{grade}预警通知书"],
            subtitle=sub,
            annex=None if part_id == "student" else "",
        )
        s.par(
            "学院：[[ {{ college }} ]]    班级：[[ {{ student.class_name }} ]]    "
            f"学号：[[ {SID} ]]",
            META,
        )
        s.par(
            f"<<[[ {NAME} ]]同学：\n{body}\n"
            f"同时请你及时登录我校教务系统平台（{BH_URL}）查询自己的所修课程成绩情况。\n"
            f"特此通知。\n{BH_REMINDER}\n\n"
            f">>{BH_SCHOOL}教务处（公章）    \n>>{ISSUE_DATE}    ",
            LETTER,
        )
        if part_id == "stub":
            s.par(f"\n学生签收：{UL8}            {BLANK_DATE}", SIGN)
            s.par("注：存根由学生签收后交回学院，存入被预警学生帮扶档案。", NOTE)
    return s.finish()


def bh_interview(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", [f"{BH_SCHOOL}学业预警学生谈话记录表"])
    s.grid(
        W6,
        [
            R([L("学生姓名"), V(NAME), L("学号"), V(SID), L("学院"), V("{{ college }}")]),
            R([L("专业班级"), V(MAJOR_CLASS), L("谈话时间"), V(""), L("谈话地点"), V("")]),
            R([L("谈话内容", 6)]),
            R([T("", 6)], height=150),
        ],
    )
    s.par(f"学生（签字）：{UL8}            谈话人（签字）：{UL8}", SIGN)
    s.par(f"记录人（签字）：{UL8}", SIGN)
    s.par(f">>{BLANK_DATE}", SIGN)
    return s.finish()


def bh_summary(form: FormSpec) -> Any:
    s = Sheet(form)
    s.list_header([f"{BH_SCHOOL}学生学业预警处理结果汇总表"])
    s.par("^^学年学期：{{ term_label }}", META)
    s.par(f"学院（公章）：[[ {{{{ college }}}} ]]\t教学副院长签名：{UL8}", META)
    widths = (10.0, 24.0, 16.0, 30.0, 18.0, 40.0, 32.0)
    s.grid(
        widths,
        [
            R(
                [
                    L("序号"),
                    L("学号"),
                    L("姓名"),
                    L("专业班级"),
                    L("预警等级"),
                    L("预警原因"),
                    L("处理结果"),
                ],
                header=True,
            ),
            R([C("{%tr for r in rows %}", 7)], height=4),
            R(
                [
                    V("{{ r.seq }}"),
                    V("{{ r.student_id }}"),
                    V("{{ r.name }}"),
                    V("{{ r.major }} {{ r.class_name }}"),
                    V("{{ r.level }}"),
                    C("{{ r.reason }}", align="left"),
                    C("{{ r.result }}", align="left"),
                ],
                height=10,
            ),
            R([C("{%tr endfor %}", 7)], height=4),
        ],
        font_style=CELL_SMALL,
    )
    s.par(f"填表人：{UL8}\t{BLANK_DATE}", META)
    return s.finish()


# =========================================================================== njmec-mech
NJ_LEVELS = ("黄色预警", "橙色预警", "红色预警")
NJ_W6 = (24.0, 34.0, 18.0, 36.0, 18.0, 40.0)
NJ_HEAD = [
    R(
        [
            L("系部"),
            V("{{ college }}"),
            L("年级"),
            V("{{ student.grade }}"),
            L("专业"),
            V("{{ student.major }}"),
        ]
    ),
    R([L("班级"), V("{{ student.class_name }}"), L("学号"), V(SID), L("姓名"), V(NAME)]),
]


def nj_notice(form: FormSpec) -> Any:
    s = Sheet(form)
    for part_id, title in (
        ("stub", "学业预警通知书（存根）"),
        ("student", "学业预警通知书（学生告知联）"),
    ):
        s.part(part_id, [title], serial=False, annex=None if part_id == "stub" else "")
        s.par(f"学年学期：{{{{ term_label }}}}\t{SERIAL}", META)
        s.grid(
            NJ_W6,
            [
                *NJ_HEAD,
                R(
                    [
                        L("学业具体情况"),
                        T("{{ reason }}\n" + COURSES, 3),
                        C(boxes(NJ_LEVELS, sep="\n"), 2, align="left"),
                    ],
                    height=36,
                ),
                R([L("学业预警填发时间"), C(ISSUE_DATE, 5, align="left")], height=12),
            ],
        )
    s.part("receipt", ["学业预警通知书（学生告知单）回执单"], serial=False, annex="")
    s.par(f"学年学期：{{{{ term_label }}}}\t{SERIAL}", META)
    s.grid(
        NJ_W6,
        [
            *NJ_HEAD,
            R([L("预警级别"), C(boxes(NJ_LEVELS, sep="         "), 5, align="left")]),
            R(
                [
                    T(
                        "\n__本人接到学校《学业预警通知书（学生告知联）》，确认签字。\n\n"
                        f"__学生签字：{UL8}\n__联系电话：{UL8}\n>>{BLANK_DATE}    ",
                        6,
                    )
                ],
                height=60,
            ),
        ],
    )
    return s.finish()


def nj_interview(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", ["预警学生谈话记录表"])
    s.grid(
        W4,
        [
            R([L("系部"), V("{{ college }}"), L("专业"), V("{{ student.major }}")]),
            R([L("姓名"), V(NAME), L("学号"), V(SID)]),
            R([L("谈话时间"), V(""), L("谈话地点"), V("")]),
            R([L("预警等级"), V("{{ level }}"), L("未获学分累计"), V("{{ failed_credits }}")]),
            R(
                [T("谈话内容（学生学业情况，原因总结，解决方案，学习计划，是否需要帮扶等）：", 4)],
                height=146,
            ),
            R([T(f"谈话人签字：{UL8}\n学生签字：{UL8}", 4, valign="center")], height=20),
        ],
    )
    s.par("注：谈话记录须包含本表内容，格式不限。", NOTE)
    return s.finish()


def nj_parent_notice(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("parent", ["学业预警致家长（监护人）通知书"], serial=False)
    s.par(f"学年学期：{{{{ term_label }}}}\t{SERIAL}", META)
    s.grid(
        (24.0, 61.0, 24.0, 61.0),
        [
            R([L("姓名"), V(NAME), L("学号"), V(SID)]),
            R([L("系部"), V("{{ college }}"), L("专业"), V("{{ student.major }}")]),
            R(
                [
                    C(
                        "<<尊敬的家长：\n"
                        "您好！您的孩子目前在学业上面临严重困难，累计已有"
                        "[[ {{ failed_course_count }} ]]门课程不及格，未获学分累计"
                        "[[ {{ failed_credits }} ]]分。根据《南京机电职业技术学院预警工作管理办法"
                        '（试行）》，现给予[[ {{ level|replace("预警", "") }} ]]预警。\n'
                        "我们通过《学业预警致家长（监护人）通知书》向您告知此事实，希望您在了解有关"
                        "情况后及时与子女联系，配合学校共同督促教育，弥补差距，迎头赶上。请在收到本"
                        "通知书后两周内将回执寄回。\n"
                        "衷心感谢您的理解和支持！\n"
                        "<<辅导员：[[ {{ student.counsellor }} ]]        联系电话：[[ {{ counsellor_phone }} ]]\n"
                        f"<<通讯地址：[[                                        ]]    邮编：{UL8}\n"
                        f"<<日期：{ISSUE_DATE}",
                        4,
                        align="justify",
                        valign="top",
                        style=LETTER,
                    )
                ],
                height=100,
            ),
            R(
                [
                    T(f"院系意见（盖章）：\n\n\n\n>>日期：{BLANK_DATE}", 2),
                    T(f"教务处意见（盖章）：\n\n\n\n>>日期：{BLANK_DATE}", 2),
                ],
                height=44,
            ),
        ],
    )
    s.part("receipt", ["《学业预警致家长（监护人）通知书》", "回执"], serial=False, annex="")
    s.par(f"学年学期：{{{{ term_label }}}}\t{SERIAL}", META)
    s.grid(
        W6,
        [
            R([L("姓名"), V(NAME), L("学号"), V(SID), L("专业"), V("{{ student.major }}")]),
            R(
                [
                    L("家\n长\n意\n见"),
                    T(
                        "\n1.学生目前的情况家长已了解。（☐是    ☐否）\n"
                        "2.院系的联系方式家长已清楚。（☐是    ☐否）\n"
                        "3.您的想法、建议（可另附纸）：\n\n\n\n\n\n\n\n\n\n"
                        f">>家长签名：{UL8}    \n>>日期：{BLANK_DATE}    ",
                        5,
                    ),
                ],
                height=130,
            ),
        ],
    )
    s.par("注：请在收到本通知书后两周内将回执寄回，谢谢配合。通讯地址见通知书。", NOTE)
    return s.finish()


def nj_parent_interview(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", ["学业预警家长（监护人）谈话记录表"])
    s.grid(
        W4,
        [
            R([L("系部"), V("{{ college }}"), L("专业"), V("{{ student.major }}")]),
            R([L("姓名"), V(NAME), L("学号"), V(SID)]),
            R([L("预警等级"), V("{{ level }}"), L("未获学分累计"), V("{{ failed_credits }}")]),
            R(
                [
                    L("家长姓名"),
                    V("{{ student.parent_name }}"),
                    L("家长联系电话"),
                    V("{{ student.parent_phone }}"),
                ]
            ),
            R([L("谈话地点"), V(""), L("谈话时间"), V("")]),
            R([L("谈话方式"), C(f"☐电话        ☐面谈        ☐其他{UL8}", 3, align="left")]),
            R(
                [T("谈话记录（学生在家情况，在校表现，家长对学生和学校的想法、建议等）：", 4)],
                height=128,
            ),
            R(
                [T(f"谈话人签字：{UL8}                家长面谈签字：{UL8}", 4, valign="center")],
                height=18,
            ),
        ],
    )
    s.par("注：谈话记录须包含本表内容，格式不限。", NOTE)
    return s.finish()


def nj_support_record(form: FormSpec) -> Any:
    s = Sheet(form)
    s.part("record", ["预警学生学业帮扶记录表"])
    s.grid(
        W4,
        [
            R([L("系部"), V("{{ college }}"), L("专业"), V("{{ student.major }}")]),
            R([L("姓名"), V(NAME), L("学号"), V(SID)]),
            R([L("班级"), V("{{ student.class_name }}"), L("学年学期"), V("{{ term_label }}")]),
            R([L("预警等级"), V("{{ level }}"), L("未获学分累计"), V("{{ failed_credits }}")]),
            R([L("帮扶教师"), V(""), L("帮扶形式"), V("☐一对二  ☐一对三  ☐线上  ☐线下")]),
            R([L("帮扶计划\n（学习计划、补考重修安排）"), T("", 3)], height=26),
        ],
    )
    s.gap()
    rows = [
        R(
            [L("序号"), L("帮扶时间"), L("帮扶方式"), L("帮扶内容及学生表现"), L("帮扶教师签字")],
            header=True,
        )
    ]
    rows += [R([V(str(i)), V(""), V(""), T(""), V("")], height=13) for i in range(1, 6)]
    s.grid((12.0, 28.0, 28.0, 72.0, 30.0), rows)
    s.gap()
    s.grid(
        W4,
        [
            R(
                [
                    L("帮扶结果\n（学期末）"),
                    T(
                        "当学期课程：☐全部合格    ☐仍有不合格课程\n"
                        "补考、重修：☐已完成    ☐未完成\n"
                        "☐需下个学期继续跟进（督促失败名单报教务员）",
                        3,
                        valign="center",
                    ),
                ],
                height=24,
            ),
        ],
    )
    s.par(f"帮扶教师签字：{UL8}    辅导员签字：{UL8}    学生签字：{UL8}", SIGN)
    s.par(f">>{BLANK_DATE}", SIGN)
    s.par(
        "注：本表由教务员实时发布，专业团队教师填写，做好过程督促；学期末帮扶过程记录提交给辅导员，"
        "按一人一档存入学业预警档案。",
        NOTE,
    )
    return s.finish()


# =========================================================================== registry + main

Builder = Callable[[FormSpec], Any]
BUILDERS: dict[tuple[str, str], Builder] = {
    ("anshan", "notice"): anshan_notice,
    ("anshan", "interview"): anshan_interview,
    ("anshan", "parent-interview"): anshan_parent_interview,
    ("anshan", "study-plan"): anshan_study_plan,
    ("anshan", "support-record"): anshan_support_record,
    ("lanzhou-life", "list"): lz_list,
    ("lanzhou-life", "notice"): lz_notice,
    ("lanzhou-life", "parent-notice"): lz_parent_notice,
    ("lanzhou-life", "interview"): lz_interview,
    ("lanzhou-life", "study-plan"): lz_study_plan,
    ("lanzhou-life", "parent-interview"): lz_parent_interview,
    ("xinglin", "list"): xl_list,
    ("xinglin", "notice"): xl_notice,
    ("xinglin", "parent-notice"): xl_parent_notice,
    ("xinglin", "interview"): xl_interview,
    ("beihai", "notice-1"): bh_notice,
    ("beihai", "notice-2"): bh_notice,
    ("beihai", "interview"): bh_interview,
    ("beihai", "summary"): bh_summary,
    ("njmec-mech", "notice"): nj_notice,
    ("njmec-mech", "interview"): nj_interview,
    ("njmec-mech", "parent-notice"): nj_parent_notice,
    ("njmec-mech", "parent-interview"): nj_parent_interview,
    ("njmec-mech", "support-record"): nj_support_record,
}


def deterministic_bytes(doc: Any) -> bytes:
    """Save ``doc`` and rewrite the zip with fixed timestamps, so rebuilding is byte-stable."""
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


@dataclass
class BuildResult:
    written: list[Path] = field(default_factory=list)


def build_form(form: FormSpec) -> bytes:
    try:
        builder = BUILDERS[(form.policy, form.id)]
    except KeyError:
        raise ValueError(f"没有为表单 {form.policy}/{form.id} 编写模板生成函数") from None
    return deterministic_bytes(builder(form))


def build_all(out_dir: Path | None = None, policies: Sequence[str] = BUILTIN_NAMES) -> BuildResult:
    """Write every template of ``policies`` under ``out_dir`` (default: this package)."""
    root = TEMPLATES_DIR if out_dir is None else out_dir
    result = BuildResult()
    for policy in policies:
        for form in _load(policy, check_templates=False):
            target = root / form.template
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(build_form(form))
            result.written.append(target)
    _load.cache_clear()
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m yujing.templates.build", description=__doc__)
    parser.add_argument(
        "--out", type=Path, default=None, help="output directory (default: package)"
    )
    parser.add_argument("policies", nargs="*", default=list(BUILTIN_NAMES))
    args = parser.parse_args(argv)
    result = build_all(args.out, args.policies)
    for path in result.written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
