"""Documents that do not come from a scan: outside files (``attach``), typed records of an
interview, a parent contact or a plan where no paper exists (``record``), and transcripts
rendered from the imported grades (``transcript``). Each lands in the student's folder
(``archive/<学号>-<姓名>/<学期>/``) and in the registry's ``records`` table; originals are
copied, never moved.
"""

from __future__ import annotations

import hashlib
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING

from yujing.archive import MAX_NAME, folder_for, safe_name
from yujing.archive.pdfa import check_open
from yujing.docxkit import new_document
from yujing.engine.courses import Outcome, course_results, fmt_decimal, gpa
from yujing.errors import InputError
from yujing.files import atomic_write, sha256_file
from yujing.imports.values import INVISIBLE, invisible_in
from yujing.locking import writes
from yujing.model import RECORD_KINDS, Progress, Term
from yujing.registry import now, today

if TYPE_CHECKING:
    from yujing.stage import WorkspaceView



@dataclass(frozen=True)
class Filed:
    """A document placed in a student's folder."""

    record_id: int
    student_id: str
    kind: str
    path: str


def _student(ws: WorkspaceView, student_id: str) -> tuple[str, str]:
    students = ws.registry.students()
    if student_id in students:
        return student_id, students[student_id].name
    raise InputError(f"学生名单中没有学号 {student_id}。请检查学号，或先导入学生名单。")


def _term(ws: WorkspaceView, term: Term | None) -> Term:
    if term is not None:
        return term
    latest = ws.registry.latest_term()
    if latest is None:
        raise InputError("还没有任何学期的名单；请指明学期。", field="term", cli="（--term）")
    return latest


TERM_OPENS = {1: (0, 8, 1), 2: (1, 1, 1), 3: (1, 6, 1)}
"""First day a record of a term may carry (记录时段的起点), by semester: (years after the school
year's first, month, day) — generous, so every school's calendar fits (a first term opens by
August, a second by January, a summer term by June)."""


def term_opens(term: Term) -> date:
    """The first day of ``term``'s record window (the window ends today)."""
    years, month, day = TERM_OPENS.get(term.semester, TERM_OPENS[1])
    return date(term.start_year + years, month, day)


def _parse_date(text: str | None, term: Term) -> str:
    """The date written on a record: a real date within the term's window (its opening day to
    today); a date before the term or in the future is refused (no 1900-01-01, no 2031)."""
    day = today()
    if text:
        try:
            day = date.fromisoformat(text)
        except ValueError:
            raise InputError(f"日期「{text}」格式应为 2024-10-08。") from None
    first, last = term_opens(term), today()
    if not first <= day <= last:
        raise InputError(
            f"日期 {day.isoformat()} 不在{term.label()}的记录时段内："
            f"应在 {first.isoformat()} 至今天（{last.isoformat()}）之间。"
        )
    return day.isoformat()


def _file_name(head: str, tail: str) -> str:
    """A file name of ``head`` cut to fit, then ``tail`` (the digest and the extension, which
    are always kept, so two records never share a name however long the adviser's name)."""
    tail = safe_name(tail)
    room = max(MAX_NAME - len(tail) - 1, 8)
    return f"{safe_name(head)[:room].rstrip()} {tail}"


def _free(folder: Path, head: str, tail: str, same: Path | None = None) -> Path:
    """A path in ``folder`` not yet taken (``-2``, ``-3``… before the tail when it is), or
    one already holding the same bytes as ``same``."""
    target = folder / _file_name(head, tail)
    version = 2
    while target.exists() and (same is None or sha256_file(target) != sha256_file(same)):
        target = folder / _file_name(head, f"v{version} {tail}")
        version += 1
    return target


@writes
def attach(
    ws: WorkspaceView,
    student_id: str,
    file: Path,
    *,
    kind: str,
    term: Term | None = None,
    when: str | None = None,
    note: str = "",
) -> Filed:
    """Copy an outside document (e.g. the official 成绩单 PDF) into the student's folder."""
    if kind not in RECORD_KINDS:
        raise InputError(f"材料类型应为 {'、'.join(RECORD_KINDS)} 之一。")
    if not file.is_file():
        raise InputError(f"找不到文件 {file}。")
    check_attachment(file)
    sid, name = _student(ws, student_id)
    term = _term(ws, term)
    check_open(ws, term)  # a term handed over to the archive is closed
    day = _parse_date(when, term)
    folder = folder_for(ws, sid, name) / str(term)
    digest = sha256_file(file)[:8]
    target = _free(
        folder, f"{RECORD_KINDS[kind]} {day} {file.stem}", f"{digest}{file.suffix}", file
    )
    with atomic_write(target, "wb") as out, open(file, "rb") as src:
        shutil.copyfileobj(src, out)
    return _register(
        ws, sid, term, kind, day, target, who="", how="附件", summary=note, source=file.name
    )


MAX_OFFICE_BYTES = 200 * 1024 * 1024
"""Largest uncompressed content of an attached Word/Excel file (a zip inside)."""
ACCEPTED = "PDF、JPEG、PNG、TIFF 图片或 Word/Excel（.docx/.xlsx）文件"


def check_attachment(file: Path) -> None:
    """Open what is about to be filed: a PDF must have readable pages, an image must decode
    (and not be absurdly large), a Word/Excel file must be a sound zip of bounded size; an
    empty file or anything else is refused, so the audit never counts an empty or broken file
    as a document."""
    try:
        size = file.stat().st_size
        with open(file, "rb") as fh:
            head = fh.read(8)
    except OSError as exc:
        raise InputError(f"无法读取 {file}：{exc.strerror}。") from exc
    if size == 0:
        raise InputError(f"{file.name} 是空文件（0 字节），未归档。请附上有内容的{ACCEPTED}。")
    if head.startswith(b"%PDF"):
        _check_pdf(file)
    elif head.startswith((b"\xff\xd8\xff", b"\x89PNG", b"II*\x00", b"MM\x00*")):
        _check_image(file)
    elif head.startswith(b"PK\x03\x04") and file.suffix.lower() in {".docx", ".xlsx"}:
        _check_office(file)
    else:
        raise InputError(f"{file.name} 不是可归档的材料（内容无法识别）。请附上{ACCEPTED}。")


def _check_pdf(file: Path) -> None:
    from pypdf import PdfReader

    from yujing.pdfkit import PDF_ERRORS

    try:
        reader = PdfReader(file, strict=False)
        if reader.is_encrypted and not reader.decrypt(""):
            raise InputError(f"{file.name} 是加密的 PDF，无法核对内容。请附上不加密的 PDF。")
        pages = len(reader.pages)
        for page in reader.pages:
            _ = page.mediabox
    except InputError:
        raise
    except PDF_ERRORS as exc:
        raise InputError(f"{file.name} 是损坏的 PDF，无法打开，未归档。") from exc
    if pages == 0:
        raise InputError(f"{file.name} 是没有任何页面的 PDF，未归档。")


def _check_image(file: Path) -> None:
    from PIL import Image, UnidentifiedImageError

    from yujing.archive.reader import MAX_PIXELS, open_image

    try:
        with open_image(file) as image:
            if image.size[0] * image.size[1] > MAX_PIXELS:
                raise InputError(
                    f"{file.name} 的图像尺寸异常巨大（{image.size[0]}×{image.size[1]}），未归档。"
                )
            image.load()
    except InputError:
        raise
    except (Image.DecompressionBombError, Image.DecompressionBombWarning) as exc:
        raise InputError(f"{file.name} 的图像尺寸异常巨大，未归档。") from exc
    except (OSError, UnidentifiedImageError, ValueError, SyntaxError) as exc:
        raise InputError(f"{file.name} 是损坏的图片，无法打开，未归档。") from exc


def _check_office(file: Path) -> None:
    import zipfile

    try:
        with zipfile.ZipFile(file) as z:
            infos = z.infolist()
            total = sum(i.file_size for i in infos)
            names = {i.filename for i in infos}
            if total > MAX_OFFICE_BYTES:
                raise InputError(
                    f"{file.name} 解压后有 {total // (1024 * 1024)} MB，远超正常文档，未归档"
                    "（可能是压缩炸弹）。"
                )
            if "[Content_Types].xml" not in names:
                raise InputError(f"{file.name} 不是 Word/Excel 文档，未归档。")
            bad = z.testzip()
    except InputError:
        raise
    except (zipfile.BadZipFile, OSError, EOFError, ValueError) as exc:
        raise InputError(f"{file.name} 是损坏的 Word/Excel 文件，无法打开，未归档。") from exc
    if bad is not None:
        raise InputError(f"{file.name} 中的 {bad} 已损坏，未归档。")


@writes
def record(
    ws: WorkspaceView,
    student_id: str,
    *,
    kind: str,
    when: str | None,
    who: str,
    how: str,
    summary: str,
    term: Term | None = None,
    participants: str = "",
) -> Filed:
    """A typed record (谈话、家长联系、计划) where no paper exists, kept as a text file.
    ``who`` is the 记录人 (in the console: the signed-in account's person), ``participants``
    (参与人) who else took part; the file says when it was entered (录入时间) as well as the
    date written on it, and its name always ends in its own digest and ``.txt``."""
    if kind not in RECORD_KINDS:
        raise InputError(f"记录类型应为 {'、'.join(RECORD_KINDS)} 之一。")
    if not who.strip() or not summary.strip():
        raise InputError(
            "请写明记录人和记录内容。",
            field="summary" if who.strip() else "who",
            cli="（--who 谁，--summary 内容摘要）",
        )
    for label, text in (("记录人", who), ("参与人", participants)):
        reason = invisible_in(text)
        if reason is not None:
            raise InputError(f"{label}「{INVISIBLE.sub('□', text)}」{reason}。")
    sid, name = _student(ws, student_id)
    term = _term(ws, term)
    check_open(ws, term)  # a term handed over to the archive is closed
    day = _parse_date(when, term)
    folder = folder_for(ws, sid, name) / str(term)
    body = (
        f"{RECORD_KINDS[kind]}\n学号：{sid}    姓名：{name}    学期：{term.label()}\n"
        f"日期：{day}\n记录人：{who}\n"
        + (f"参与人：{participants}\n" if participants.strip() else "")
        + f"方式：{how}\n录入时间：{now()}\n内容：\n{summary}\n"
    )
    digest = hashlib.sha256(body.encode("utf-8")).hexdigest()[:12]
    target = _free(folder, f"{RECORD_KINDS[kind]} {day} {who}", f"{digest}.txt")
    with atomic_write(target, "w", encoding="utf-8") as fh:
        fh.write(body)
    return _register(
        ws,
        sid,
        term,
        kind,
        day,
        target,
        who=who,
        how=how,
        summary=summary,
        source="",
        participants=participants.strip(),
    )


def _register(
    ws: WorkspaceView,
    sid: str,
    term: Term,
    kind: str,
    day: str,
    target: Path,
    *,
    who: str,
    how: str,
    summary: str,
    source: str,
    participants: str = "",
) -> Filed:
    rel = str(target.relative_to(ws.root))
    digest = sha256_file(target)
    registry = ws.registry
    with registry.transaction():
        registry.remember_file(ws.root, rel, digest)
        record_id = registry.add_record(
            {
                "student_id": sid,
                "term": str(term),
                "kind": kind,
                "date": day,
                "who": who,
                "how": how,
                "summary": summary,
                "path": rel,
                "sha256": digest,
                "source_name": source,
                **({"participants": participants} if participants else {}),
            }
        )
        registry.log(kind, f"{day} {who} {how} → {rel}", term=str(term), student_id=sid)
    return Filed(record_id, sid, kind, rel)


@writes
def transcripts(
    ws: WorkspaceView,
    term: Term,
    *,
    students: Sequence[str] = (),
    progress: Progress | None = None,
) -> list[Filed]:
    """Render a 成绩单 from the imported grades into each warned student's folder."""
    from docx.shared import Pt

    check_open(ws, term)  # a term handed over to the archive is closed
    saved = ws.saved(term)
    wanted = [e for e in saved.warned if not students or e.student_id in students]
    if students and not wanted:
        raise InputError(f"{term} 的名单上没有 {'、'.join(students)}。")
    attempts = ws.registry.attempts()
    out: list[Filed] = []
    for i, entry in enumerate(wanted, start=1):
        sid = entry.student_id
        courses = sorted(
            course_results(attempts.get(sid, []), term), key=lambda c: (c.term, c.code)
        )
        doc = new_document()
        style = doc.styles["Normal"]
        style.font.size = Pt(10.5)
        doc.add_heading(f"{ws.school} 学生成绩单", level=1)
        doc.add_paragraph(
            f"学号：{sid}    姓名：{entry.name}    班级：{entry.class_name}    "
            f"截至：{term.label()}"
        )
        table = doc.add_table(rows=1, cols=6)
        table.style = "Table Grid"
        for cell, text in zip(
            table.rows[0].cells,
            ("学期", "课程代码", "课程名称", "学分", "结果", "绩点"),
            strict=True,
        ):
            cell.text = text
        for c in courses:
            row = table.add_row().cells
            values = (
                str(c.term),
                c.code,
                c.name,
                fmt_decimal(c.credits),
                c.outcome.value,
                "" if c.grade_point is None else format(c.grade_point, ".2f"),
            )
            for cell, text in zip(row, values, strict=True):
                cell.text = text
        failed = sum((c.credits for c in courses if c.outcome is Outcome.FAILED), start=Decimal(0))
        average = gpa(courses)
        doc.add_paragraph(
            f"平均学分绩点：{'无' if average is None else format(average, '.2f')}    "
            f"未通过学分：{fmt_decimal(failed)}    "
            f"（由 yujing 根据导入的成绩生成，以教务系统为准）"
        )
        folder = folder_for(ws, sid, entry.name) / str(term)
        target = folder / safe_name(f"成绩单 {term}.docx")
        with atomic_write(target, "wb") as fh:
            doc.save(fh)
        out.append(
            _register(
                ws,
                sid,
                term,
                "transcript",
                today().isoformat(),
                target,
                who="系统",
                how="由导入成绩生成",
                summary="",
                source="",
            )
        )
        if progress is not None:
            progress(i, len(wanted))
    return out
