"""归档文件目录 (DA/T 22-2015 §9): the catalogue of a term's archived documents, per college —
档号, 件号, 责任者, 题名, 日期, 页数, 备注 — as .xlsx (through :mod:`yujing.outputs`, no cell
ever a formula) and as PDF/A (a Word table through LibreOffice's PDF/A export).

The Word pages of the archive (this catalogue, a volume's 卷皮 and 卷内目录, the 四性 report) are
made here with the docx kit and converted in one LibreOffice call per command.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yujing.archive import COLLEGE_FOLDER, safe_name
from yujing.archive.pdfa import KIND_TITLES
from yujing.errors import ArchiveStateError, OutputError
from yujing.model import Term
from yujing.registry.pending_archive import ArchiveCopy

if TYPE_CHECKING:
    from yujing.converter import Converter
    from yujing.stage import WorkspaceView

HEADERS = ("档号", "件号", "责任者", "题名", "日期", "页数", "备注")


@dataclass(frozen=True)
class CatalogueRow:
    """One line of the 归档文件目录 (one 件)."""

    doc_no: str
    item_no: int
    responsible: str
    title: str
    date: str
    pages: int
    note: str

    def cells(self) -> tuple[Any, ...]:
        return (
            self.doc_no,
            self.item_no,
            self.responsible,
            self.title,
            self.date.replace("-", ""),
            self.pages,
            self.note,
        )


def row_of(copy: ArchiveCopy) -> CatalogueRow:
    return CatalogueRow(
        copy.doc_no,
        copy.item_no,
        copy.responsible,
        copy.title,
        copy.date,
        copy.pages,
        KIND_TITLES.get(copy.kind, copy.kind),
    )


def term_copies(ws: WorkspaceView, term: Term) -> list[ArchiveCopy]:
    """The term's archived documents in 件号 order; refuses a term not yet archived."""
    copies = sorted(ws.registry.archive_copies(term), key=lambda c: (c.year, c.item_no))
    if not copies:
        raise ArchiveStateError(
            f"{term} 还没有归档件。请先运行 yujing archive pdfa --term {term} 生成 PDF/A 归档件。"
        )
    return copies


def by_college(ws: WorkspaceView, copies: Sequence[ArchiveCopy]) -> dict[str, list[ArchiveCopy]]:
    """College → its documents: a student's by the roster's 学院; the college-level ones
    (``_学院``) to the college their title begins with."""
    students = ws.registry.students()
    colleges = sorted({s.college for s in students.values() if s.college})
    out: dict[str, list[ArchiveCopy]] = {}
    for copy in copies:
        if copy.student_id == COLLEGE_FOLDER:
            college = next((c for c in colleges if copy.title.startswith(c)), "")
        else:
            st = students.get(copy.student_id)
            college = st.college if st else ""
        out.setdefault(college, []).append(copy)
    return out


def write_xlsx(rows: Sequence[CatalogueRow], path: Path, heading: str) -> Path:
    """The catalogue as an .xlsx sheet: a heading line, the headers, one row per 件."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font

    from yujing.outputs import save_xlsx

    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "归档文件目录"
    ws.append([heading])
    ws["A1"].font = Font(bold=True, size=14)
    ws.append(list(HEADERS))
    for row in rows:
        ws.append(list(row.cells()))
    for col, width in zip("ABCDEFG", (26, 8, 18, 60, 11, 6, 12), strict=True):
        ws.column_dimensions[col].width = width
    for cells in ws.iter_rows(min_row=3):
        cells[3].alignment = Alignment(wrap_text=True, vertical="top")
    ws.freeze_panes = "A3"
    return save_xlsx(wb, path)


# ----------------------------------------------------------------------- Word pages


def table_doc(
    title: str,
    lines: Sequence[str],
    headers: Sequence[str],
    rows: Sequence[Sequence[Any]],
    widths_mm: Sequence[float],
) -> Any:
    """An A4 document: a centred title, a few lines, then a bordered table whose header
    row repeats on every page."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn
    from docx.shared import Mm

    from yujing.docxkit import HEI, SONG, add_run, new_document

    doc = new_document(margins_mm=(25, 20, 25, 20), body_size=10.5, line_spacing=1.0)
    head = doc.add_paragraph()
    head.alignment = WD_ALIGN_PARAGRAPH.CENTER
    add_run(head, title, font=HEI, size=18, bold=True)
    for line in lines:
        add_run(doc.add_paragraph(), line, font=SONG, size=10.5)
    table = doc.add_table(rows=1, cols=len(headers))
    table.style = "Table Grid"
    table.autofit = False  # LibreOffice lays a table out by its grid columns: set them
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    for cell, text, width in zip(table.rows[0].cells, headers, widths_mm, strict=True):
        cell.width = Mm(width)
        add_run(cell.paragraphs[0], text, font=HEI, size=10.5, bold=True)
    trpr = table.rows[0]._tr.get_or_add_trPr()
    repeat = OxmlElement("w:tblHeader")
    repeat.set(qn("w:val"), "true")
    trpr.append(repeat)
    for values in rows:
        cells = table.add_row().cells
        for cell, value, width in zip(cells, values, widths_mm, strict=True):
            cell.width = Mm(width)
            add_run(cell.paragraphs[0], str(value), font=SONG, size=9)
    return doc


def to_pdfa(
    docs: Sequence[tuple[Any, Path]], converter: Converter | None, *, processes: int = 1
) -> list[Path]:
    """Save each (python-docx document, target .pdf) as PDF/A-2b through LibreOffice, in one
    call; returns the targets."""
    from yujing.converter import MISSING_MESSAGE, convert_to_pdf

    if not docs:
        return []
    if converter is None:
        raise OutputError(MISSING_MESSAGE)
    with tempfile.TemporaryDirectory(prefix="yujing-archive-docx-") as tmp:
        staged = []
        for n, (doc, _target) in enumerate(docs):
            path = Path(tmp) / f"{n:06d}.docx"
            doc.save(str(path))
            staged.append(path)
        pdfs = convert_to_pdf(converter, staged, Path(tmp) / "pdf", processes=processes, pdfa=True)
        out = []
        for pdf, (_doc, target) in zip(pdfs, docs, strict=True):
            target.parent.mkdir(parents=True, exist_ok=True)
            save_pdfa(pdf, target)
            out.append(target)
    return out


def save_pdfa(source: Path, target: Path) -> None:
    """Copy ``source``'s pages into a new PDF/A-2b file ``target``, validated by pikepdf
    (LibreOffice's own PDF/A carries a trailer key, /DocChecksum, the validator does not
    know, and a new file carries nothing but the pages)."""
    import pikepdf
    from pikepdf import pdfa

    from yujing.archive.pdfa import _quiet
    from yujing.files import atomic_write

    with _quiet(), pikepdf.open(source) as src, pikepdf.new() as out:
        out.pages.extend(src.pages)
        try:
            with atomic_write(target, "wb") as fh:
                pdfa.save(out, fh, "2b")
        except pdfa.PdfaError as exc:
            raise OutputError(
                f"{target.name} 未通过 PDF/A-2b 校验：{exc.report.summary(limit=3)}"
            ) from exc


@dataclass(frozen=True)
class CatalogueFiles:
    """The catalogue of one college: its .xlsx and PDF, and how many 件."""

    college: str
    xlsx: Path
    pdf: Path
    items: int


def write_catalogues(
    ws: WorkspaceView, term: Term, out_dir: Path, converter: Converter | None
) -> list[CatalogueFiles]:
    """The 归档文件目录 of ``term``, one per college, as .xlsx and PDF/A in ``out_dir``."""
    copies = term_copies(ws, term)
    groups = by_college(ws, copies)
    docs: list[tuple[Any, Path]] = []
    out: list[CatalogueFiles] = []
    for college, items in sorted(groups.items()):
        rows = [row_of(c) for c in items]
        name = safe_name(f"归档文件目录 {term} {college or '未分学院'}")
        heading = f"{ws.school} {college} {term} 学业预警档案 归档文件目录"
        xlsx = write_xlsx(rows, out_dir / f"{name}.xlsx", heading)
        first = items[0]
        lines = [
            f"全宗号：{first.fonds}    年度：{first.year}    保管期限：{first.retention}    "
            f"机构（问题）：{first.org}    共 {len(rows)} 件"
        ]
        doc = table_doc(
            f"{college} 归档文件目录",
            lines,
            HEADERS,
            [r.cells() for r in rows],
            (38, 9, 20, 58, 20, 9, 11),
        )
        pdf = out_dir / f"{name}.pdf"
        docs.append((doc, pdf))
        out.append(CatalogueFiles(college, xlsx, pdf, len(rows)))
    to_pdfa(docs, converter)
    return out
