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


def _font(run: Any, name: str, size: float, bold: bool = False) -> None:
    run.font.size = Pt(size)
    run.font.bold = bold
    set_fonts(run._element.get_or_add_rPr(), name)


def write_cover(cover: Cover, out: Path) -> Path:
    """A one-class cover sheet as .docx (A4, 宋体; the table continues on further pages if the
    class is large)."""
    doc = new_document(margins_mm=(18, 18, 18, 18))
    if cover.payload:
        import io

        from yujing.qr import qr_png

        code = doc.add_paragraph()
        code.alignment = WD_ALIGN_PARAGRAPH.RIGHT
        code.add_run().add_picture(io.BytesIO(qr_png(cover.payload)), width=Mm(22))
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _font(p.add_run(cover.title), "黑体", 16, bold=True)
    meta = doc.add_paragraph()
    _font(
        meta.add_run(
            f"学院：{cover.college}    班级：{cover.class_name}    班主任：{cover.class_teacher or '        '}"
            f"    辅导员：{cover.counsellor or '        '}"
        ),
        "宋体",
        11,
    )
    meta2 = doc.add_paragraph()
    number = f"第 {cover.serial} 号    " if cover.serial else ""
    _font(
        meta2.add_run(
            f"{number}批次：{cover.batch}    共 {len(cover.lines)} 人，"
            f"{sum(line.pages for line in cover.lines)} 页"
        ),
        "宋体",
        11,
    )
    table = doc.add_table(rows=1, cols=6)
    table.style = "Table Grid"
    for cell, text in zip(
        table.rows[0].cells, ("序号", "学号", "姓名", "预警等级", "编号", "材料"), strict=True
    ):
        cell.text = ""
        _font(cell.paragraphs[0].add_run(text), "黑体", 10.5, bold=True)
    for i, line in enumerate(cover.lines, start=1):
        cells = table.add_row().cells
        values = (
            str(i),
            line.student_id,
            line.name,
            line.level,
            f"第 {line.serial} 号",
            line.forms,
        )
        for cell, text in zip(cells, values, strict=True):
            cell.text = ""
            _font(cell.paragraphs[0].add_run(text), "宋体", 10)
    widths = (Mm(12), Mm(26), Mm(20), Mm(22), Mm(26), Mm(68))
    table.autofit = False
    for column, width in zip(table.columns, widths, strict=True):
        column.width = width  # sets w:gridCol, which LibreOffice and WPS follow
    for row in table.rows:
        for cell, width in zip(row.cells, widths, strict=True):
            cell.width = width
    doc.add_paragraph()
    sign = doc.add_paragraph()
    _font(sign.add_run("领取人（签字）："), "宋体", 11)
    blank = sign.add_run("\u00a0" * 24 + "\u200b")  # a line to sign on, drawn even at a line end
    blank.font.underline = True
    _font(blank, "宋体", 11)
    _font(sign.add_run("    领取日期：      年    月    日"), "宋体", 11)
    note = doc.add_paragraph()
    _font(
        note.add_run(
            "请按编号逐一发放；需交回的联（存根、回执、记录表）签字后统一交回，扫描归档。"
            "本发放单签字后一并交回，扫描后存入学院档案，作为材料已发放的凭证。"
        ),
        "宋体",
        9,
    )
    with atomic_write(out, "wb") as fh:
        doc.save(fh)
    return out
