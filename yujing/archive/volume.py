"""Volumes (卷): a term's archived documents bound per class — or per class and 预警级别 where
the pack's ``volume_by`` says so (njmec 按班按级别) — as one PDF/A file each, ready to print
double-sided and bind:

1. the 卷皮 (cover): school, college, class (and level), term, 全宗号, 年度, 保管期限, 件数, 页数,
   起止件号;
2. the 卷内目录 (contents): each document's 档号, 责任者, 题名, 日期 and its page range (页号);
3. a blank page when the cover and contents end on a front side, so the first document starts
   on a front side;
4. every archived document of the class's students, by 学号 and then 件号, each page numbered
   (页号, from 1): odd pages at the top right, even pages at the top left, as duplex printing
   turns them (DA/T 22: 正面右上角、背面左上角), each number in a blank spot of the margin, or
   above the page when the page is printed to its edge.

The cover and contents come from LibreOffice's PDF/A export (one call for every volume); the
volume is written by pikepdf and validated as PDF/A-2b before it is moved into place.
"""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pikepdf
import pypdfium2 as pdfium

from yujing.archive import COLLEGE_FOLDER, safe_name
from yujing.archive.catalogue import table_doc, term_copies, to_pdfa
from yujing.archive.pdfa import _quiet
from yujing.archive.settings import ArchiveSettings
from yujing.archive.stamp import BLACK, number_image, place_mark
from yujing.errors import ArchiveStateError, OutputError
from yujing.files import atomic_write
from yujing.model import Progress, Term
from yujing.registry.pending_archive import ArchiveCopy

if TYPE_CHECKING:
    from yujing.converter import Converter
    from yujing.stage import WorkspaceView

NUMBER_SCALE = 50 / 72
TOC_HEADERS = ("序号", "档号", "责任者", "题名", "日期", "页号", "备注")


@dataclass(frozen=True)
class VolumeEntry:
    """A document in a volume and its pages (页号, from 1 at the first document page)."""

    doc_no: str
    student_id: str
    title: str
    path: str
    first: int
    last: int


@dataclass(frozen=True)
class Volume:
    """One bound volume (卷)."""

    path: Path
    class_name: str
    level: str
    entries: tuple[VolumeEntry, ...]
    front_pages: int
    """卷皮 + 卷内目录 (+ the blank page that makes the documents start on a front side)."""
    pages: int

    @property
    def document_pages(self) -> int:
        return self.pages - self.front_pages


@dataclass(frozen=True)
class _Group:
    class_name: str
    level: str
    college: str
    copies: tuple[ArchiveCopy, ...]


def groups(
    ws: WorkspaceView, term: Term, settings: ArchiveSettings, classes: Sequence[str] = ()
) -> list[_Group]:
    """The term's student documents grouped as the pack binds them."""
    copies = [c for c in term_copies(ws, term) if c.student_id != COLLEGE_FOLDER]
    students = ws.registry.students()
    saved = ws.registry.saved_list(term)
    levels = saved.levels() if saved is not None else {}
    by_level = "level" in settings.volume_by
    out: dict[tuple[str, str], list[ArchiveCopy]] = {}
    colleges: dict[tuple[str, str], str] = {}
    for copy in copies:
        st = students.get(copy.student_id)
        klass = st.class_name if st and st.class_name else "未分班"
        if classes and klass not in classes:
            continue
        key = (klass, levels.get(copy.student_id, "") if by_level else "")
        out.setdefault(key, []).append(copy)
        colleges.setdefault(key, st.college if st else "")
    if classes and not out:
        raise ArchiveStateError(f"{term} 没有班级 {'、'.join(classes)} 的归档件。")
    return [
        _Group(k[0], k[1], colleges[k], tuple(sorted(v, key=lambda c: (c.student_id, c.id))))
        for k, v in sorted(out.items())
    ]


def _entries(group: _Group) -> list[VolumeEntry]:
    out, page = [], 1
    for c in group.copies:
        out.append(VolumeEntry(c.doc_no, c.student_id, c.title, c.path, page, page + c.pages - 1))
        page += c.pages
    return out


def _cover(ws: WorkspaceView, term: Term, group: _Group, entries: Sequence[VolumeEntry]) -> Any:
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    from yujing.docxkit import HEI, SONG, add_run, new_document

    first, last = group.copies[0], group.copies[-1]
    doc = new_document(margins_mm=(30, 25, 40, 30))
    for text, size, font in (
        (ws.school, 22, HEI),
        ("学业预警档案", 26, HEI),
        ("", 12, SONG),
    ):
        para = doc.add_paragraph()
        para.alignment = WD_ALIGN_PARAGRAPH.CENTER
        add_run(para, text, font=font, size=size, bold=font == HEI)
    pages = entries[-1].last if entries else 0
    lines = [
        ("学院", group.college or "—"),
        ("班级", group.class_name + (f"（{group.level}）" if group.level else "")),
        ("学期", str(term)),
        ("全宗号", first.fonds),
        ("年度", str(first.year)),
        ("保管期限", first.retention),
        ("件数", f"{len(entries)} 件"),
        ("页数", f"{pages} 页"),
        ("起止件号", f"{first.item_no:04d} 至 {last.item_no:04d}"),
        ("档号前缀", first.doc_no.rsplit("-", 1)[0]),
    ]
    for label, value in lines:
        para = doc.add_paragraph()
        para.paragraph_format.left_indent = doc.sections[0].page_width // 12
        add_run(para, f"{label}：", font=HEI, size=14)
        add_run(para, value, font=SONG, size=14)
    return doc


def _toc(ws: WorkspaceView, term: Term, group: _Group, entries: Sequence[VolumeEntry]) -> Any:
    copies = {c.doc_no: c for c in group.copies}
    rows = []
    for n, e in enumerate(entries, start=1):
        c = copies[e.doc_no]
        span = str(e.first) if e.first == e.last else f"{e.first}-{e.last}"
        rows.append((n, e.doc_no, c.responsible, e.title, c.date.replace("-", ""), span, ""))
    where = group.class_name + (f" {group.level}" if group.level else "")
    return table_doc(
        "卷内目录",
        [f"{group.college} {where}    {term}"],
        TOC_HEADERS,
        rows,
        (8, 38, 20, 55, 20, 14, 10),
    )


def _number_pages(volume: pikepdf.Pdf, start: int, sources: Sequence[tuple[Path, int]]) -> None:
    """Stamp 页号 1… on the volume's pages from index ``start``, each rendered from its
    source file (path, pages) to find a blank spot."""
    index, number = start, 1
    for path, pages in sources:
        doc = pdfium.PdfDocument(str(path))
        try:
            for k in range(pages):
                image = doc[k].render(scale=NUMBER_SCALE, grayscale=True).to_pil().convert("L")
                place_mark(
                    volume,
                    index,
                    number_image(str(number)),
                    np.asarray(image),
                    NUMBER_SCALE,
                    color=BLACK,
                    corner="right" if number % 2 else "left",
                )
                index += 1
                number += 1
        finally:
            doc.close()


def volume_name(term: Term, group: _Group) -> str:
    parts = [str(term), group.class_name] + ([group.level] if group.level else [])
    return safe_name(" ".join(parts) + " 卷") + ".pdf"


def build_volumes(
    ws: WorkspaceView,
    term: Term,
    settings: ArchiveSettings,
    out_dir: Path,
    *,
    classes: Sequence[str] = (),
    converter: Converter | None = None,
    progress: Progress | None = None,
) -> list[Volume]:
    """Write one volume per class (or class and level) of ``term`` into ``out_dir``."""
    from pikepdf import pdfa

    todo = groups(ws, term, settings, classes)
    out_dir.mkdir(parents=True, exist_ok=True)
    plan = [(g, _entries(g)) for g in todo]
    fronts: list[tuple[Any, Path]] = []
    work = out_dir / ".yujing-volumes"
    for n, (g, entries) in enumerate(plan):
        fronts.append((_cover(ws, term, g, entries), work / f"{n:04d}-cover.pdf"))
        fronts.append((_toc(ws, term, g, entries), work / f"{n:04d}-toc.pdf"))
    total = len(plan)
    if progress:
        progress(0, total)
    volumes: list[Volume] = []
    try:
        to_pdfa(fronts, converter)
        for n, (g, entries) in enumerate(plan):
            cover, toc = fronts[2 * n][1], fronts[2 * n + 1][1]
            target = out_dir / volume_name(term, g)
            # pikepdf copies a page's streams when the volume is saved: sources stay open
            with _quiet(), contextlib.ExitStack() as stack:
                volume = stack.enter_context(pikepdf.new())
                volume.pages.extend(stack.enter_context(pikepdf.open(cover)).pages)
                volume.pages.extend(stack.enter_context(pikepdf.open(toc)).pages)
                if len(volume.pages) % 2:
                    first = volume.pages[0]
                    box = first.mediabox
                    volume.add_blank_page(
                        page_size=(float(box[2]) - float(box[0]), float(box[3]) - float(box[1]))
                    )
                front = len(volume.pages)
                sources = []
                for e in entries:
                    path = ws.root / e.path
                    try:
                        volume.pages.extend(stack.enter_context(pikepdf.open(path)).pages)
                    except (OSError, pikepdf.PdfError) as exc:
                        raise OutputError(f"归档件 {e.path} 无法读取：{exc}") from exc
                    sources.append((path, e.last - e.first + 1))
                _number_pages(volume, front, sources)
                pages = len(volume.pages)
                try:
                    with atomic_write(target, "wb") as fh:
                        pdfa.save(volume, fh, "2b")
                except pdfa.PdfaError as exc:
                    raise OutputError(
                        f"卷 {target.name} 未通过 PDF/A-2b 校验：{exc.report.summary(limit=3)}"
                    ) from exc
            volumes.append(Volume(target, g.class_name, g.level, tuple(entries), front, pages))
            if progress:
                progress(n + 1, total)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return volumes
