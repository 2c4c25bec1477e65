"""PDF/A archive copies (归档件): every file yujing put in a folder gets a PDF/A-2b copy beside
it, numbered (件号) and stamped with the 归档章 of DA/T 22-2015 on its first page.

``archive/<学号>-<姓名>/<学期>/归档件/<档号> <原文件名>.pdf`` sits beside the original, which is
never changed, moved or overwritten; both hashes are recorded in the sealed ``archive_copies``
table with the document's 全宗号, 年度, 保管期限, 机构 and 件号 (numbers never reused).

How each kind of file becomes PDF/A-2b (GB/T 23286.1 / ISO 19005-2, level b):

* **a PDF** (a printed copy as issued, a scan, an attached PDF): pikepdf repairs and declares
  the PDF/A structures (sRGB output intent, XMP identification, document id) and **validates
  the bytes it wrote** with its PDF/A-2b validator — the "speculative" conversion OCRmyPDF
  tries first. LibreOffice's copies and scanned JPEG pages pass as they are. A PDF that does
  not pass goes through OCRmyPDF (Ghostscript's PDF/A conversion), then through the same
  validation. (Debian 12's Ghostscript 10.0.0 damages PDFs that carry text; OCRmyPDF refuses
  it for those, so born-digital PDFs must pass the first way, and do.)
* **a photo or image** (JPEG, PNG, TIFF): OCRmyPDF makes the PDF, then the same validation.
* **a Word file** (typed records, transcripts): LibreOffice's PDF/A-2b export (one
  ``soffice`` call for all of them), then the same validation.
* with ``ocr``, scans get a Simplified Chinese text layer (OCRmyPDF + Tesseract ``chi_sim``)
  when Tesseract and its chi_sim data are installed; otherwise the copy has none, and the
  result says so.

The run is idempotent and resumable: a file whose copy is recorded is skipped; a copy is
written atomically before its row, so a crash mid-run leaves at most a file the next run
rewrites under the same 件号.
"""

from __future__ import annotations

import contextlib
import logging
import shutil
import tempfile
import warnings
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import numpy as np
import pikepdf
import pypdfium2 as pdfium

from yujing.archive import COLLEGE_FOLDER
from yujing.archive.settings import ArchiveSettings
from yujing.archive.stamp import StampFields, place_mark, stamp_image
from yujing.errors import ArchiveStateError, OutputError
from yujing.files import atomic_write, sha256_file
from yujing.locking import writes
from yujing.model import RECORD_KINDS, TYPED_RECORD_KINDS, Progress, Term
from yujing.registry import now

if TYPE_CHECKING:
    from yujing.converter import Converter
    from yujing.stage import WorkspaceView

COPY_FOLDER = "归档件"
"""The sub-folder of a term folder holding its archive copies."""
FLAVOUR = "2b"
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png", ".tif", ".tiff"}
WORD_SUFFIXES = {".docx"}
KIND_ORDER = {"college": 0, "issued": 1, "scan": 2, "record": 3}
KIND_TITLES = {
    "college": "学院材料",
    "issued": "发出留存",
    "scan": "回收扫描",
    "record": "附件与记录",
}
RENDER_SCALE = 100 / 72
TRAILER_KEYS = {"/Root", "/Info", "/ID", "/Size", "/Prev", "/Encrypt", "/XRefStm"}
"""Trailer keys the PDF standard defines; pikepdf's validator rejects any other."""


@dataclass(frozen=True)
class Document:
    """A file of a folder to be archived (件)."""

    student_id: str
    term: str
    kind: str
    title: str
    date: str
    responsible: str
    original: str
    """Path relative to the workspace."""
    class_name: str = ""


@dataclass(frozen=True)
class PdfaProblem:
    """A file that could not be archived, and why."""

    original: str
    reason: str


@dataclass(frozen=True)
class PdfaResult:
    """What ``archive pdfa`` did."""

    made: tuple[str, ...]
    skipped: int
    problems: tuple[PdfaProblem, ...]
    ocr: str
    """How scans got a text layer: 'chi_sim', 'none' (not asked) or 'unavailable'."""
    settings: ArchiveSettings
    methods: dict[str, int] = field(default_factory=dict)


def archive_year(term: Term | str) -> int:
    """年度 of a term's documents: the calendar year they are made in (autumn term: the
    school year's first year; spring and summer: its second)."""
    t = term if isinstance(term, Term) else Term.parse(str(term))
    return t.start_year if t.semester == 1 else t.start_year + 1


def doc_no(settings: ArchiveSettings, year: int, item_no: int) -> str:
    """档号 (DA/T 22-2015 §7.2): 全宗号-门类代码·年度-保管期限代码-机构代码-件号."""
    return f"{settings.fonds}-WS·{year}-{settings.retention_code}-{settings.org_code}-{item_no:04d}"


def _title_of(path: str) -> str:
    stem = PurePosixPath(path).stem
    head, _, rest = stem.partition(" ")
    return rest if head.isdigit() and rest else stem


def documents(ws: WorkspaceView, term: Term) -> list[Document]:
    """Every file yujing filed for ``term`` (issued copies, the college's documents, scans,
    attachments and records), in archive order: the college's, then by class and 学号."""
    registry = ws.registry
    students = registry.students()
    school = ws.school
    out: list[Document] = []

    def who(sid: str) -> tuple[str, str]:
        st = students.get(sid)
        return (st.name, st.class_name) if st else ("", "")

    for issued in registry.issued_files(term):
        name, klass = who(issued.student_id)
        serial = registry.serial(issued.serial) or {}
        out.append(
            Document(
                issued.student_id,
                str(term),
                "issued",
                f"{name} {_title_of(issued.file)}".strip(),
                str(serial.get("created_at") or "")[:10],
                school,
                issued.file,
                klass,
            )
        )
    for doc in registry.college_docs(term):
        if doc["file"]:
            out.append(
                Document(
                    COLLEGE_FOLDER,
                    str(term),
                    "college",
                    _title_of(doc["file"]),
                    str(doc["created_at"] or "")[:10],
                    school,
                    doc["file"],
                )
            )
    for row in registry.archive_file_rows(term):
        name, klass = who(row.student_id)
        college = row.student_id == COLLEGE_FOLDER
        out.append(
            Document(
                row.student_id,
                str(term),
                "college" if college else "scan",
                _title_of(row.path) if college else f"{name} {_title_of(row.path)}".strip(),
                row.at[:10],
                school,
                row.path,
                "" if college else klass,
            )
        )
    for rec in registry.records(str(term)):
        if not rec.get("path"):
            continue
        sid = str(rec["student_id"])
        name, klass = who(sid)
        kind_title = RECORD_KINDS.get(str(rec["kind"]), str(rec["kind"]))
        out.append(
            Document(
                sid,
                str(term),
                "record",
                f"{name} {kind_title}（{_title_of(str(rec['path']))}）".strip(),
                str(rec.get("date") or rec.get("at") or "")[:10],
                (str(rec.get("who") or "") if rec["kind"] in TYPED_RECORD_KINDS else "") or school,
                str(rec["path"]),
                klass,
            )
        )
    out.sort(
        key=lambda d: (
            d.student_id != COLLEGE_FOLDER,
            d.class_name,
            d.student_id,
            KIND_ORDER[d.kind],
            d.date,
            d.original,
        )
    )
    return out


def ocr_available() -> bool:
    """Whether Tesseract with Simplified Chinese (chi_sim) is installed."""
    import subprocess

    exe = shutil.which("tesseract")
    if exe is None:
        return False
    try:
        done = subprocess.run(
            [exe, "--list-langs"], capture_output=True, text=True, timeout=30, check=False
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return "chi_sim" in done.stdout.split()


@contextlib.contextmanager
def _quiet() -> Iterator[None]:
    """pikepdf and OCRmyPDF log and warn about dates and fonts; library code never prints."""
    names = ("pikepdf", "ocrmypdf", "PIL", "fontTools")
    loggers = [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    root = logging.getLogger()
    root_level = root.level
    for lg in loggers:
        lg.setLevel(logging.ERROR + 10)
    root.setLevel(logging.ERROR + 10)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            yield
    finally:
        for lg, level in zip(loggers, levels, strict=True):
            lg.setLevel(level)
        root.setLevel(root_level)


def _ocrmypdf(src: Path, out: Path, *, ocr: bool) -> None:
    import ocrmypdf

    kwargs: dict[str, Any] = {
        "output_type": "pdfa-2",
        "progress_bar": False,
        "jobs": 1,
        "optimize": 0,
    }
    if ocr:
        kwargs["language"] = ["chi_sim"]
    else:
        kwargs["ocr_engine"] = "none"
    if src.suffix.lower() in IMAGE_SUFFIXES:
        kwargs["image_dpi"] = 200  # used only when the image does not say its resolution
    try:
        ocrmypdf.ocr(src, out, **kwargs)
    except Exception as exc:  # OCRmyPDF raises many kinds; each becomes one message
        raise OutputError(f"OCRmyPDF 无法把 {src.name} 转为 PDF/A：{exc}") from exc


def _render_first(pdf_path: Path) -> np.ndarray | None:
    try:
        doc = pdfium.PdfDocument(str(pdf_path))
        try:
            image = doc[0].render(scale=RENDER_SCALE, grayscale=True).to_pil().convert("L")
        finally:
            doc.close()
    except pdfium.PdfiumError:
        return None
    return np.asarray(image)


def _stamp_and_save(pdf_path: Path, fields_of: StampFields, target: Path) -> int:
    """Stamp ``pdf_path``'s first page, save it as validated PDF/A-2b to ``target``
    (atomically); return the page count. Raises pikepdf.pdfa.PdfaError when not conforming."""
    from pikepdf import pdfa

    gray = _render_first(pdf_path)
    with pikepdf.open(pdf_path) as pdf:
        pages = len(pdf.pages)
        fields = StampFields(
            fields_of.fonds,
            fields_of.year,
            fields_of.item_no,
            fields_of.org,
            fields_of.retention,
            pages,
        )
        place_mark(pdf, 0, stamp_image(fields), gray, RENDER_SCALE)
        if isinstance(pdf.Root.get("/OpenAction"), pikepdf.Array):
            del pdf.Root.OpenAction  # LibreOffice's "open at page 1": a viewer hint, not content
        for key in list(pdf.trailer.keys()):  # e.g. LibreOffice's /DocChecksum
            if key not in TRAILER_KEYS:
                del pdf.trailer[key]
        target.parent.mkdir(parents=True, exist_ok=True)
        with atomic_write(target, "wb") as fh:
            pdfa.save(pdf, fh, FLAVOUR)
    return pages


def make_copy(
    src: Path, stamp: StampFields, target: Path, *, scan: bool, ocr: bool, work: Path
) -> tuple[int, str]:
    """Write the stamped PDF/A-2b copy of ``src`` (a PDF or an image; Word files come
    converted) to ``target``; return (pages, how it was made)."""
    from pikepdf import pdfa

    suffix = src.suffix.lower()
    with _quiet():
        if suffix == ".pdf" and not (scan and ocr):
            try:
                return _stamp_and_save(src, stamp, target), "pikepdf"
            except (pdfa.PdfaError, pikepdf.PdfError):
                pass
        elif suffix not in IMAGE_SUFFIXES and suffix != ".pdf":
            raise OutputError(f"{src.name}：不能转为 PDF/A 的文件类型（{suffix or '无扩展名'}）")
        made = work / f"{target.stem}.ocr.pdf"
        _ocrmypdf(src, made, ocr=scan and ocr)
        try:
            return _stamp_and_save(made, stamp, target), (
                "ocrmypdf+chi_sim" if scan and ocr else "ocrmypdf"
            )
        except (pdfa.PdfaError, pikepdf.PdfError) as exc:
            raise OutputError(f"{src.name} 转换后仍未通过 PDF/A-2b 校验：{exc}") from exc


def _word_pdfs(
    ws: WorkspaceView, docs: Sequence[Document], work: Path, converter: Converter | None
) -> tuple[dict[str, Path], list[PdfaProblem]]:
    """The Word files among ``docs`` through LibreOffice's PDF/A export (one call)."""
    from yujing.converter import ConversionError, convert_to_pdf

    words = [d for d in docs if PurePosixPath(d.original).suffix.lower() in WORD_SUFFIXES]
    if not words:
        return {}, []
    if converter is None:
        return {}, [
            PdfaProblem(d.original, "没有 LibreOffice，Word 文件无法转为 PDF/A") for d in words
        ]
    staged: list[Path] = []
    for n, d in enumerate(words):
        copy = work / "word" / f"{n:06d}.docx"
        copy.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(ws.root / d.original, copy)
        staged.append(copy)
    try:
        pdfs = convert_to_pdf(converter, staged, work / "word-pdf", pdfa=True)
    except ConversionError as exc:
        return {}, [PdfaProblem(d.original, str(exc)) for d in words]
    return {d.original: p for d, p in zip(words, pdfs, strict=True)}, []


def check_open(ws: WorkspaceView, term: Term) -> None:
    """Refuse a change to a term whose folders were closed by their handover."""
    state = ws.registry.archive_term_state(term)
    if state and state["status"] == "closed":
        raise ArchiveStateError(
            f"{term} 的档案已于 {str(state['at'])[:10]} 移交并封闭，不能再改动。"
            "确需改动时，请先办理重新开启（yujing archive reopen，需写明原因）。"
        )


@writes
def archive_pdfa(
    ws: WorkspaceView,
    term: Term,
    settings: ArchiveSettings,
    *,
    ocr: bool = False,
    converter: Converter | None = None,
    progress: Progress | None = None,
) -> PdfaResult:
    """Make the PDF/A archive copy of every file of ``term`` that has none (see the module
    docstring); resumable, never overwrites an original."""
    check_open(ws, term)
    registry = ws.registry
    docs = documents(ws, term)
    todo = [d for d in docs if registry.archive_copy_of(d.original) is None]
    skipped = len(docs) - len(todo)
    use_ocr = ocr and ocr_available()
    problems: list[PdfaProblem] = []
    made: list[str] = []
    methods: dict[str, int] = {}
    year = archive_year(term)
    total = len(todo)
    if progress:
        progress(0, total)
    work = Path(tempfile.mkdtemp(prefix="yujing-pdfa-"))
    try:
        words, word_problems = _word_pdfs(ws, todo, work, converter)
        problems += word_problems
        failed = {p.original for p in word_problems}
        for done, doc in enumerate(todo, start=1):
            if doc.original in failed:
                continue
            original = ws.root / doc.original
            if not original.is_file():
                problems.append(PdfaProblem(doc.original, "原件不在档案夹中"))
                continue
            original_sha = sha256_file(original)
            item_no = registry.next_item_no(settings.fonds, year, settings.retention, settings.org)
            number = doc_no(settings, year, item_no)
            rel = PurePosixPath(doc.original)
            target_rel = str(rel.parent / COPY_FOLDER / f"{number} {rel.stem}.pdf")
            target = ws.root / target_rel
            fields = StampFields(settings.fonds, year, item_no, settings.org, settings.retention, 0)
            source = words.get(doc.original, original)
            try:
                pages, method = make_copy(
                    source, fields, target, scan=doc.kind == "scan", ocr=use_ocr, work=work
                )
            except OutputError as exc:
                problems.append(PdfaProblem(doc.original, str(exc)))
                continue
            if doc.original in words:
                method = "libreoffice"
            digest = sha256_file(target)
            with registry.transaction():
                registry.add_archive_copy(
                    {
                        "student_id": doc.student_id,
                        "term": doc.term,
                        "kind": doc.kind,
                        "title": doc.title,
                        "date": doc.date,
                        "responsible": doc.responsible,
                        "original": doc.original,
                        "original_sha256": original_sha,
                        "path": target_rel,
                        "sha256": digest,
                        "pages": pages,
                        "method": method,
                        "fonds": settings.fonds,
                        "year": year,
                        "retention": settings.retention,
                        "org": settings.org,
                        "item_no": item_no,
                        "doc_no": number,
                        "at": now(),
                    }
                )
                registry.remember_file(ws.root, target_rel, digest)
            made.append(target_rel)
            methods[method] = methods.get(method, 0) + 1
            if progress:
                progress(done, total)
        if made:
            registry.log("archive-pdfa", f"归档件 {len(made)} 份（PDF/A-2b）", term=str(term))
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return PdfaResult(
        tuple(made),
        skipped,
        tuple(problems),
        "chi_sim" if use_ocr else ("unavailable" if ocr else "none"),
        settings,
        methods,
    )
