"""The cover sheet (发放单) that heads each class's pile in a print batch: who receives it,
which students, which forms and parts, and a line to sign for it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import Mm, Pt

from yujing.docxkit import new_document, set_fonts
from yujing.files import atomic_write


@dataclass(frozen=True)
class CoverLine:
    """One student on a cover sheet."""

    student_id: str
    name: str
    level: str
    serial: str
    forms: str
    pages: int


@dataclass(frozen=True)
class Cover:
    """One class's cover sheet."""

    title: str
    """The sheet's title; a line break separates school and term from what the sheet is."""
    college: str
    class_name: str
    class_teacher: str
    counsellor: str
    batch: str
    lines: tuple[CoverLine, ...]
    serial: str = ""
    """第 N 号 of the cover sheet itself: its signed copy scans back into the college folder
    as the proof that the class teacher received the pile."""
    payload: str = ""
    """The QR payload printed top right (empty: no code)."""
    college_label: str = "学院"
    """What the pack calls a college (学院, 学部, 系部): the label of its forms' ``college``."""


def _font(run: Any, name: str, size: float, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    set_fonts(run._element.get_or_add_rPr(), name)


def _whole(text: str) -> str:
    """``text`` never broken over two lines (WORD JOINER between its characters)."""
    return "\u2060".join(text)


def _field(par: Any, instr: str) -> None:
    """A Word field (``PAGE``, ``NUMPAGES``) in ``par``; LibreOffice computes it when printing."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    for kind in ("begin", "instr", "separate", "text", "end"):
        run = par.add_run()
        _font(run, "宋体", 10.5)
        if kind == "instr":
            el = OxmlElement("w:instrText")
            el.set(qn("xml:space"), "preserve")
            el.text = f" {instr} "
        elif kind == "text":
            el = OxmlElement("w:t")
            el.text = "1"
        else:
            el = OxmlElement("w:fldChar")
            el.set(qn("w:fldCharType"), kind)
        run._r.append(el)


def _row_flags(row: Any, *, header: bool = False, keep: bool = False) -> None:
    from docx.oxml import OxmlElement

    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:cantSplit"))
    if header:
        tr_pr.append(OxmlElement("w:tblHeader"))
    if keep:
        for cell in row.cells:
            for par in cell.paragraphs:
                par.paragraph_format.keep_with_next = True


def _no_borders(cell: Any, sides: tuple[str, ...]) -> None:
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    tc_pr = cell._tc.get_or_add_tcPr()
    borders = OxmlElement("w:tcBorders")
    for side in sides:
        el = OxmlElement(f"w:{side}")
        el.set(qn("w:val"), "nil")
        borders.append(el)
    tc_pr.append(borders)


def write_cover(cover: Cover, out: Path) -> Path:
    """A one-class cover sheet as .docx (A4, 宋体). One table: its heading row (title, 第 N 号,
    第 k 页/共 n 页, the code) and column labels repeat on every page of a large class, and the
    signature block is its last row, kept with the last students' rows, so no page of it
    stands without its title and code."""
    import io

    doc = new_document(margins_mm=(18, 18, 18, 18))
    # 预警等级 wide enough for 留(降)级预警 on one line; 材料 one title a line, never split
    widths = (Mm(13), Mm(25), Mm(20), Mm(28), Mm(26), Mm(62))
    table = doc.add_table(rows=2, cols=6)
    table.style = "Table Grid"
    table.autofit = False
    head, labels = table.rows
    left = head.cells[0].merge(head.cells[4])
    code = head.cells[5]
    _no_borders(left, ("top", "left", "right"))
    _no_borders(code, ("top", "left", "right"))
    # the title's lines (school and term, then what the sheet is) each on a line of its own,
    # never a word broken at the cell's edge
    for k, words in enumerate(cover.title.split("\n")):
        title = left.paragraphs[0] if k == 0 else left.add_paragraph()
        title.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _font(title.add_run(words), "黑体", 16 if k else 14, bold=True)
    pages = left.add_paragraph()
    pages.alignment = WD_ALIGN_PARAGRAPH.CENTER
    if cover.serial:
        _font(pages.add_run(f"第 {cover.serial} 号    "), "宋体", 10.5)
    _font(pages.add_run("第 "), "宋体", 10.5)
    _field(pages, "PAGE")
    _font(pages.add_run(" 页/共 "), "宋体", 10.5)
    _field(pages, "NUMPAGES")
    _font(pages.add_run(" 页"), "宋体", 10.5)
    meta = left.add_paragraph()
    _font(
        meta.add_run(
            f"{cover.college_label}：{cover.college}    班级：{cover.class_name}"
        ),
        "宋体",
        11,
    )
    meta = left.add_paragraph()
    _font(
        meta.add_run(
            f"班主任：{cover.class_teacher or '        '}"
            f"    辅导员：{cover.counsellor or '        '}"
        ),
        "宋体",
        11,
    )
    meta2 = left.add_paragraph()
    _font(
        meta2.add_run(
            f"批次：{cover.batch}    共 {len(cover.lines)} 人，"
            f"{sum(line.pages for line in cover.lines)} 页"
        ),
        "宋体",
        11,
    )
    code_par = code.paragraphs[0]
    code_par.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    if cover.payload:
        from yujing.qr import qr_png

        code_par.add_run().add_picture(io.BytesIO(qr_png(cover.payload)), width=Mm(22))
    _row_flags(head, header=True)
    for cell, text in zip(
        labels.cells, ("序号", "学号", "姓名", "预警等级", "编号", "材料"), strict=True
    ):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(text), "黑体", 10.5, bold=True)
    _row_flags(labels, header=True)
    count = len(cover.lines)
    for i, line in enumerate(cover.lines, start=1):
        row = table.add_row()
        values = (
            str(i),
            line.student_id,
            line.name,
            line.level,
            f"第 {line.serial} 号",
            line.forms,
        )
        for cell, text in zip(row.cells, values, strict=True):
            cell.text = ""
            for k, words in enumerate(text.split("、") if text is line.forms else [text]):
                par = cell.paragraphs[0] if k == 0 else cell.add_paragraph()
                _font(par.add_run(_whole(words)), "宋体", 10)
        _row_flags(row, keep=i > count - 2)
    end = table.add_row()
    sign_cell = end.cells[0].merge(end.cells[5])
    _no_borders(sign_cell, ("left", "bottom", "right"))
    sign = sign_cell.paragraphs[0]
    sign.paragraph_format.space_before = Pt(12)
    _font(sign.add_run("领取人（签字）："), "宋体", 11)
    blank = sign.add_run("\u00a0" * 24 + "\u200b")  # a line to sign on, drawn even at a line end
    blank.font.underline = True
    _font(blank, "宋体", 11)
    _font(sign.add_run("    领取日期：      年    月    日"), "宋体", 11)
    note = sign_cell.add_paragraph()
    _font(
        note.add_run(
            "请按编号逐一发放；需交回的联（存根、回执、记录表）签字后统一交回，扫描归档。"
            "本发放单签字后一并交回，扫描后存入学院档案，作为材料已发放的凭证。"
        ),
        "宋体",
        9,
    )
    _row_flags(end)
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # sets w:gridCol, which LibreOffice and WPS follow
    for row in table.rows[2:-1]:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    with atomic_write(out, "wb") as fh:
        doc.save(fh)
    return out
