"""Print batches (打印批次): serials for the frozen list, every form and part rendered, one
``print.pdf`` sorted by 学院 / 班级 / 学号 with a cover sheet per class, and a copy of what was
issued filed into each student's archive folder.

:func:`issue` is the entry point; :func:`reprint` and :func:`void` act on one serial.
Crash safety: serials are allocated (and the batch recorded as ``allocated``) in one
transaction before anything is rendered; every file is written under a temporary name and
renamed into place; the batch is marked ``complete`` last. A batch left ``allocated`` by a
crash or Ctrl-C is rendered again, whole, by the next ``issue`` of its term, with the same
serials. Runs of ``issue`` (and every other command that writes) in one workspace take turns
(the workspace's writer lock, :mod:`yujing.locking`), and serial allocation is a ``BEGIN
IMMEDIATE`` transaction, so no serial is ever handed out twice.
"""

from __future__ import annotations

import os
import re
import time
from collections.abc import Callable, Iterable, Mapping, Sequence
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yujing.archive import college_folder, folder_for, safe_name
from yujing.errors import InputError, ListStateError, SecretMissingError
from yujing.files import sha256_file
from yujing.forms import COVER_CODE, COVER_TITLE, FormSpec, college_label, forms_for_level
from yujing.generator.context import part_payloads, student_context
from yujing.generator.cover import Cover, CoverLine, write_cover
from yujing.generator.render import ChunkTask, StudentDoc, chunked, render_single, run_chunk
from yujing.locking import writer_lock, writes
from yujing.model import BATCH_STATUS, ListRow, Progress, Student, Term
from yujing.qr import (
    RESTORE_HINT,
    create_secret,
    format_serial,
    load_secret,
    make_payload,
    read_secret,
)
from yujing.registry import now, today

if TYPE_CHECKING:
    from yujing.stage import WorkspaceView

CHUNK = 50
"""Students per rendered .docx: large enough to amortise template loading, small enough that
docx image bookkeeping (quadratic in images per document) stays cheap; measured in bench/."""
_SERIAL_RE = re.compile(r"第\s*(\d{6,})\s*号")


@dataclass(frozen=True)
class IssuedStudent:
    """One student of a batch: serial and the forms printed for them."""

    student_id: str
    name: str
    college: str
    class_name: str
    level: str
    serial: int
    forms: tuple[str, ...]


@dataclass(frozen=True)
class BatchResult:
    """What :func:`issue` (or :func:`reprint`) produced for one batch."""

    batch: str
    folder: Path
    students: tuple[IssuedStudent, ...]
    docx: tuple[Path, ...]
    pdf: Path | None
    pages: int
    archived: int
    resumed: bool = False
    missing: str = ""
    """Why no PDF was made (LibreOffice absent), with how to install it; empty otherwise."""
    notes: tuple[str, ...] = field(default_factory=tuple)
    timings: tuple[tuple[str, float], ...] = ()
    """Seconds per stage: docx, pdf, assemble (print.pdf and archive copies)."""
    documents: int = 0
    """Student-form documents rendered (one form of one student, all its parts)."""
    college_docs: tuple[str, ...] = ()
    """The college-level documents printed with the batch (名单、清单、汇总表), each
    ``第 N 号 学院 标题（份别）``; their copies are filed in ``archive/_学院/<学期>/``."""
    without_phone: int = 0
    """Students whose notices print the adviser's 联系电话 blank (no 辅导员电话 in the roster);
    also said in ``notes``."""


def issue(
    ws: WorkspaceView,
    term: Term,
    *,
    classes: Sequence[str] = (),
    levels: Sequence[str] = (),
    progress: Progress | None = None,
    converter: Any = "auto",
) -> list[BatchResult]:
    """Issue the notices of the frozen list of ``term`` (optionally only some classes/levels).

    Returns one result per batch rendered: first any batch of this term left incomplete (a
    crash, Ctrl-C, or made while LibreOffice was missing), then the new batch, if any student
    matching the filters has no active serial yet.
    """
    saved = ws.saved(term)
    if not saved.frozen:
        raise ListStateError(
            f"{term} 的名单尚未冻结。请先核查名单，再冻结。",
            cli=f"（yujing list freeze --term {term}）",
        )
    policy = ws.policy
    for level in levels:
        policy.level(level)
    entries = [
        e
        for e in saved.warned
        if (not classes or e.class_name in classes) and (not levels or e.level in levels)
    ]
    if classes and not any(e.class_name in classes for e in saved.warned):
        known = sorted({e.class_name for e in saved.warned})
        raise InputError(f"名单中没有班级 {'、'.join(classes)}；名单中的班级：{'、'.join(known)}")
    conv = _converter(converter)
    results: list[BatchResult] = []
    with writer_lock(ws.root):
        registry = ws.registry
        _ensure_secret(ws)
        for batch in registry.batches(term):
            if batch["kind"] == "issue" and (
                batch["status"] == "allocated" or (batch["status"] == "docx-only" and conv)
            ):
                serials = registry.serials_of_batch(batch["id"])
                if serials:
                    results.append(
                        _render(
                            ws,
                            term,
                            batch["id"],
                            serials,
                            saved.entries,
                            conv,
                            progress,
                            resumed=True,
                        )
                    )
        with registry.transaction():
            taken = registry.active_serials(term)
            todo = [e.student_id for e in entries if e.student_id not in taken]
            if todo:
                batch_id = _next_batch_id(term, registry.batches(term))
                serials = registry.allocate_serials(term, todo, batch_id)
                registry.save_batch(
                    {
                        "id": batch_id,
                        "term": str(term),
                        "kind": "issue",
                        "status": "allocated",
                        "filters": f"classes={','.join(classes)} levels={','.join(levels)}",
                        "students": len(serials),
                        "pages": 0,
                        "created_at": now(),
                        "completed_at": None,
                        "note": "",
                    }
                )
                registry.log("issue-allocate", f"{batch_id}: {len(serials)} 个编号", term=str(term))
        if todo:
            results.append(_render(ws, term, batch_id, serials, saved.entries, conv, progress))
    return results


def _next_batch_id(term: Term, batches: Sequence[Mapping[str, Any]]) -> str:
    """The next issue batch's number (批次号) of ``term``: one more than the highest so far.
    Reprints have numbers of their own (``<term>-R001-<serial>``) and use none of these."""
    numbers = [
        int(b["id"].rsplit("-", 1)[1])
        for b in batches
        if b["kind"] == "issue" and b["id"].rsplit("-", 1)[1].isdigit()
    ]
    return f"{term}-{max(numbers, default=0) + 1:03d}"


@writes
def reprint(
    ws: WorkspaceView, serial: int, *, progress: Progress | None = None, converter: Any = "auto"
) -> BatchResult:
    """Print serial ``serial`` again: the same number and the same codes, into a new folder."""
    row = ws.registry.serial(serial)
    if row is None:
        raise InputError(f"没有编号 {format_serial(serial)}。")
    college = ws.registry.college_doc(serial)
    if college is not None:
        where = f"，发出的副本在 {college['file']}" if college["file"] else ""
        raise InputError(
            f"编号 {format_serial(serial)} 是学院材料「{college['college']} {college['title']}」，"
            f"随批次 {college['batch']} 打印{where}，可直接重印该文件。"
        )
    if row["status"] != "active":
        raise ListStateError(
            f"编号 {format_serial(serial)} 已作废（{row['void_reason']}），不能重印；"
            f"请为该生重新发出 {row['term']} 的通知书（发放新编号）。",
            cli=f"（yujing issue --term {row['term']}）",
        )
    term = Term.parse(row["term"])
    from yujing.archive.pdfa import check_open  # (pdfa loads PDFium: only when printing)

    check_open(ws, term)  # a term handed over to the archive is closed
    saved = ws.saved(term)
    n = sum(1 for b in ws.registry.batches(term) if b["kind"] == "reprint") + 1
    batch_id = f"{term}-R{n:03d}-{format_serial(serial)}"
    with ws.registry.transaction():
        ws.registry.save_batch(
            {
                "id": batch_id,
                "term": str(term),
                "kind": "reprint",
                "status": "allocated",
                "filters": f"serial={serial}",
                "students": 1,
                "pages": 0,
                "created_at": now(),
                "completed_at": None,
                "note": "",
            }
        )
        ws.registry.log("reprint", f"{batch_id}", term=str(term), student_id=row["student_id"])
    return _render(
        ws,
        term,
        batch_id,
        {row["student_id"]: serial},
        saved.entries,
        _converter(converter),
        progress,
        archive=False,
    )


@writes
def void(ws: WorkspaceView, serial: int, reason: str) -> dict[str, Any]:
    """Void serial ``serial`` (作废): its codes are refused when scanned, and the next ``issue``
    of its term gives the student a new serial."""
    if not reason.strip():
        raise InputError("请写明作废原因。", field="reason", cli="（--reason）")
    registry = ws.registry
    row = registry.serial(serial)
    if row is None:
        raise InputError(f"没有编号 {format_serial(serial)}。")
    if row["status"] != "active":
        raise ListStateError(f"编号 {format_serial(serial)} 已于 {row['voided_at']} 作废。")
    with registry.transaction():
        registry.void_serial(serial, reason.strip())
        registry.log(
            "void",
            f"{format_serial(serial)}：{reason.strip()}",
            term=row["term"],
            student_id=row["student_id"],
        )
    return {**row, "status": "voided", "void_reason": reason.strip()}


# -- rendering -------------------------------------------------------------------------------


def _converter(converter: Any) -> Any:
    if converter != "auto":
        return converter
    from yujing.converter import find_converter

    return find_converter()


def _ensure_secret(ws: WorkspaceView) -> None:
    """The signing key must be there. ``init`` makes it; a workspace from before that which
    never issued a serial gets one now; otherwise a missing key is an error (a new key would
    make every printed code fail its check)."""
    if read_secret(ws.root) is not None:
        return
    if ws.registry.count("serials") > 0 or ws.registry.sealed:
        done = "已经发放过编号" if ws.registry.count("serials") else "登记库已用它加封"
        raise SecretMissingError(
            f"工作区 {ws.root} 缺少签名密钥 secret.key，而{done}，不能继续发放。{RESTORE_HINT}"
        )
    ws.registry.set_secret(create_secret(ws.root))
    ws.registry.log("secret", "首次发放前生成签名密钥 secret.key（工作区建于密钥随 init 生成之前）")


@dataclass(frozen=True)
class _Planned:
    student: Student
    entry: ListRow
    serial: int
    forms: tuple[FormSpec, ...]


def _render(
    ws: WorkspaceView,
    term: Term,
    batch_id: str,
    serials: Mapping[str, int],
    entries: Sequence[ListRow],
    converter: Any,
    progress: Progress | None,
    *,
    resumed: bool = False,
    archive: bool = True,
) -> BatchResult:
    policy = ws.policy
    roster = ws.registry.students()
    by_id = {e.student_id: e for e in entries}
    secret = load_secret(ws.root)
    issued_on = today()
    all_forms = ws.forms
    planned: list[_Planned] = []
    # where the roster has no 辅导员电话, the counsellor's own account gives it
    account_phones = {
        u.roster_name: u.phone
        for u in ws.registry.users()
        if u.role == "counsellor" and u.phone and u.roster_name and not u.disabled
    }
    for sid, serial in serials.items():
        entry = by_id.get(sid)
        if entry is None or not entry.warned:
            continue
        student = roster.get(sid) or Student(
            sid,
            entry.name,
            college=entry.college,
            major=entry.major,
            grade=entry.grade,
            class_name=entry.class_name,
        )
        if not student.counsellor_phone and account_phones.get(student.counsellor):
            student = replace(student, counsellor_phone=account_phones[student.counsellor])
        planned.append(_Planned(student, entry, serial, forms_for_level(all_forms, entry.level)))
    rank = class_order(roster.values())
    planned.sort(
        key=lambda p: (
            p.student.college,
            rank.get((p.student.college, p.student.class_name), len(rank)),
            natural_key(p.student.class_name),
            p.student.student_id,
        )
    )

    folder = ws.root / "batches" / batch_id
    docx_dir = folder / "docx"
    classes = _classes(planned)
    # College-level documents (the pack's lists, one per college and copy) and the class cover
    # sheets get serials of their own, so their signed copies scan back into the college
    # folder; a resumed batch keeps them. A reprint prints covers without a code.
    college_docs: list[_CollegeDoc] = []
    cover_serials: dict[tuple[str, str], int] = {}
    if archive:
        with ws.registry.transaction():
            for key, _group in classes:
                cover_serials[key] = ws.registry.college_serial(
                    term, batch_id, key[0] or ws.school, "cover", key[1], COVER_CODE, COVER_TITLE
                )
            for college in dict.fromkeys(p.student.college or ws.school for p in planned):
                for form in (f for f in all_forms if f.per_college):
                    for copy in form.copies or ("",):
                        serial = ws.registry.college_serial(
                            term, batch_id, college, form.id, copy, form.parts[0].code, form.title
                        )
                        college_docs.append(_CollegeDoc(college, form, copy, serial))
    notes: list[str] = []
    phoned = [f for f in all_forms if f.per_student and "counsellor_phone" in f.field_names]
    without = [p for p in planned if not p.student.counsellor_phone and set(p.forms) & set(phoned)]
    if without:
        notes.append(
            f"{len(without)} 名学生的通知上“辅导员联系电话”为空（学生名单和辅导员账号中都没有），"
            "打印后需手写；在名单中加“辅导员电话”一列重新导入，或在辅导员账号中填写电话，即可印上"
        )
    tasks: list[ChunkTask] = []
    for form in (f for f in all_forms if f.per_student):
        docs = [
            StudentDoc(
                student_context(
                    school=ws.school,
                    rules_title=ws.rules_title,
                    school_address=ws.school_address,
                    school_phone=ws.school_phone,
                    policy=policy,
                    term=term,
                    entry=p.entry,
                    student=p.student,
                    serial=p.serial,
                    issued=issued_on,
                ),
                part_payloads(secret, form, p.serial),
            )
            for p in planned
            if form in p.forms
        ]
        for i, chunk in enumerate(chunked(docs, CHUNK), start=1):
            tasks.append(
                ChunkTask(form.template_path, tuple(chunk), docx_dir / f"{form.id}-{i:03d}.docx")
            )
    covers = [
        write_cover(
            _cover(ws, policy, term, batch_id, key, group, secret, cover_serials.get(key)),
            docx_dir / f"cover-{i:03d}.docx",
        )
        for i, (key, group) in enumerate(classes, start=1)
    ]
    lists = [
        render_single(
            doc.form.template_path,
            _list_context(ws, term, doc, planned),
            {doc.form.parts[0].id: make_payload(secret, doc.serial, doc.form.parts[0].code)},
            docx_dir / f"college-{format_serial(doc.serial)}.docx",
        )
        for doc in college_docs
    ]
    total = len(tasks) * 2 + len(planned) + 1
    done = 0

    def tick(n: int = 1) -> None:
        nonlocal done
        done += n
        if progress is not None:
            progress(min(done, total), total)

    clock = time.perf_counter()
    rendered = _run_tasks(tasks, tick)
    timings = [("docx", time.perf_counter() - clock)]
    _write_batch_list(folder / "名单.xlsx", planned, policy, term)
    pdf_path: Path | None = None
    pages = 0
    archived = 0
    parts_rows: list[dict[str, Any]] = []
    remembered: list[tuple[str, str]] = []
    college_files: list[tuple[int, str, str]] = []
    if converter is None:
        from yujing.converter import MISSING_MESSAGE

        status, missing = "docx-only", MISSING_MESSAGE
        for p in planned:
            for form in p.forms:
                parts_rows += _part_rows(secret, batch_id, p.serial, form, "", "")
        tick(len(tasks) + len(planned))
    else:
        from yujing.converter import convert_to_pdf
        from yujing.pdfkit import join_pdfs

        missing = ""
        pdf_dir = folder / "pdf"
        clock = time.perf_counter()
        base = done

        def converted(d: int, t: int) -> None:
            if progress is not None:
                progress(min(base + d * len(tasks) // max(t, 1), total), total)

        pdfs = convert_to_pdf(converter, [*rendered, *covers, *lists], pdf_dir, progress=converted)
        timings.append(("pdf", time.perf_counter() - clock))
        clock = time.perf_counter()
        tick(len(tasks))
        form_pdfs = pdfs[: len(rendered)]
        cover_pdfs = pdfs[len(rendered) : len(rendered) + len(covers)]
        list_pdfs = pdfs[len(rendered) + len(covers) :]
        pages_of: dict[tuple[str, int], list[tuple[Path, int]]] = {}
        for task, pdf in zip(tasks, form_pdfs, strict=True):
            form_id = Path(task.out).stem.rsplit("-", 1)[0]
            for serial, index in _chunk_pages(task, pdf):
                pages_of.setdefault((form_id, serial), []).append((pdf, index))
        # the college office's documents first, then each class's pile under its cover sheet
        order: list[tuple[Path, list[int] | None]] = [(pdf, None) for pdf in list_pdfs]
        for (_key, group), cover_pdf in zip(classes, cover_pdfs, strict=True):
            order.append((cover_pdf, None))
            for p in group:
                for form in p.forms:
                    for pdf, index in pages_of.get((form.id, p.serial), []):
                        order.append((pdf, [index]))
        pdf_path = folder / "print.pdf"
        readers: dict[Path, Any] = {}
        pages = join_pdfs(order, pdf_path, readers=readers)
        if archive:
            college_dir = college_folder(ws.archive_dir, str(term))
            filed = [
                (doc.serial, doc.name, pdf)
                for doc, pdf in zip(college_docs, list_pdfs, strict=True)
            ]
            filed += [
                (
                    cover_serials[key],
                    f"{key[0] or ws.school} {key[1] or '（未分班）'} {COVER_TITLE}",
                    pdf,
                )
                for (key, _group), pdf in zip(classes, cover_pdfs, strict=True)
            ]
            for serial, name, pdf in filed:
                target = college_dir / safe_name(f"{format_serial(serial)} {name}（发出）.pdf")
                join_pdfs([(pdf, None)], target, readers=readers)
                rel, digest = str(target.relative_to(ws.root)), sha256_file(target)
                remembered.append((rel, digest))
                college_files.append((serial, rel, digest))
        known = ws.registry.student_folders()
        with ws.registry.transaction():  # every new folder of the batch recorded at once
            folders = {
                p.student.student_id: folder_for(
                    ws, p.student.student_id, p.student.name, known=known
                )
                for p in planned
            }
        for p in planned:
            term_dir = folders[p.student.student_id] / str(term)
            for form in p.forms:
                found = pages_of.get((form.id, p.serial), [])
                if not found:
                    notes.append(f"{p.student.student_id} 的《{form.title}》在 PDF 中找不到编号页")
                    continue
                target = term_dir / safe_name(f"{format_serial(p.serial)} {form.title}（发出）.pdf")
                if archive:
                    join_pdfs([(pdf, [index]) for pdf, index in found], target, readers=readers)
                    archived += 1
                    rel, digest = str(target.relative_to(ws.root)), sha256_file(target)
                    remembered.append((rel, digest))
                else:
                    rel, digest = "", ""
                parts_rows += _part_rows(secret, batch_id, p.serial, form, rel, digest)
            tick()
        status = "complete"
        timings.append(("assemble", time.perf_counter() - clock))
    with ws.registry.transaction():
        ws.registry.replace_issued_parts(batch_id, parts_rows)
        for rel, digest in remembered:
            ws.registry.remember_file(ws.root, rel, digest)
        for serial, rel, digest in college_files:
            ws.registry.set_college_doc_file(serial, rel, digest)
        ws.registry.save_batch(
            {
                **(ws.registry.batch(batch_id) or {}),
                "id": batch_id,
                "status": status,
                "pages": pages,
                "completed_at": now(),
                "note": "; ".join(notes),
            }
        )
        ws.registry.log(
            "issue", f"{batch_id}: {len(planned)} 人，{pages} 页，{BATCH_STATUS.get(status, status)}",
            term=str(term),
        )
    tick()
    issued = tuple(
        IssuedStudent(
            p.student.student_id,
            p.student.name,
            p.student.college,
            p.student.class_name,
            p.entry.level,
            p.serial,
            tuple(f.title for f in p.forms),
        )
        for p in planned
    )
    return BatchResult(
        batch_id,
        folder,
        issued,
        tuple(rendered),
        pdf_path,
        pages,
        archived,
        resumed,
        missing,
        tuple(notes),
        tuple(timings),
        sum(len(t.docs) for t in tasks),
        tuple(f"第 {format_serial(d.serial)} 号 {d.name}" for d in college_docs),
        len(without),
    )


@dataclass(frozen=True)
class _CollegeDoc:
    """A college-level document of a batch: a list form for one college (one copy of it)."""

    college: str
    form: FormSpec
    copy: str
    serial: int

    @property
    def name(self) -> str:
        """``机械工程学院 学业预警清单（辅导员）``: the catalogue's title, as printed."""
        return f"{self.college} {self.form.title}" + (f"（{self.copy}）" if self.copy else "")


def _list_context(
    ws: WorkspaceView, term: Term, doc: _CollegeDoc, planned: Sequence[_Planned]
) -> dict[str, Any]:
    """The list/summary context (see :mod:`yujing.forms.contract`) of ``doc``: the batch's
    students of its college."""
    from types import SimpleNamespace

    from yujing.generator.context import clean

    rows = [
        SimpleNamespace(
            seq=str(i),
            student_id=p.student.student_id,
            name=p.student.name,
            gender=p.student.gender or "",
            grade=p.student.grade or "",
            major=p.student.major or "",
            class_name=p.student.class_name or "",
            level=p.entry.level,
            reason=p.entry.reason,
            result="",
        )
        for i, p in enumerate(
            (p for p in planned if (p.student.college or ws.school) == doc.college), start=1
        )
    ]
    return clean(
        {
            "school": ws.school,
            "rules_title": ws.rules_title,
            "school_address": ws.school_address,
            "school_phone": ws.school_phone,
            "college": doc.college,
            "term_label": term.label(),
            "rows": rows,
            "serial": format_serial(doc.serial),
            "copy": doc.copy,
        }
    )


def _part_rows(
    secret: bytes, batch: str, serial: int, form: FormSpec, file: str, digest: str
) -> list[dict[str, Any]]:
    payloads = part_payloads(secret, form, serial)
    return [
        {
            "serial": serial,
            "batch": batch,
            "form": form.id,
            "form_title": form.title,
            "part": part.code,
            "part_title": part.title,
            "payload": payloads[part.id],
            "file": file,
            "sha256": digest,
        }
        for part in form.parts
    ]


def _run_tasks(tasks: Sequence[ChunkTask], tick: Callable[[int], None]) -> list[Path]:
    """Render chunks, in two worker processes when there is more than one chunk."""
    if len(tasks) <= 1 or os.environ.get("YUJING_WORKERS") == "1":
        out = []
        for task in tasks:
            out.append(run_chunk(task))
            tick(1)
        return out
    workers = min(len(tasks), int(os.environ.get("YUJING_WORKERS", "2")))
    with ProcessPoolExecutor(max_workers=workers) as pool:
        results = []
        for path in pool.map(run_chunk, tasks):
            results.append(path)
            tick(1)
    return results


def _chunk_pages(task: ChunkTask, pdf: Path) -> list[tuple[int, int]]:
    """(serial, page index) of every page of a converted chunk. When the PDF has one page per
    part, as the templates are laid out, pages follow the documents in order; otherwise (a part
    ran over its page) each page is placed by the 第 N 号 printed on it."""
    from yujing.pdfkit import page_count, page_texts

    expected = [(int(doc.context["serial"]), len(doc.qr)) for doc in task.docs]
    if page_count(pdf) == sum(n for _, n in expected):
        out, index = [], 0
        for serial, n in expected:
            out += [(serial, index + k) for k in range(n)]
            index += n
        return out
    return _pages_by_serial(page_texts(pdf))


def _pages_by_serial(texts: Sequence[str]) -> list[tuple[int, int]]:
    """(serial, page index) for each page; a page without 第 N 号 (a part that ran over a page)
    belongs to the serial of the page before it."""
    out: list[tuple[int, int]] = []
    current: int | None = None
    for index, text in enumerate(texts):
        m = _SERIAL_RE.search(text.replace(" ", ""))
        if m:
            current = int(m.group(1))
        if current is not None:
            out.append((current, index))
    return out


def natural_key(text: str) -> tuple[Any, ...]:
    """Sort key putting ``机制2202`` before ``机制2210`` (digits compared as numbers)."""
    return tuple(int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text))


def class_order(roster: Iterable[Student]) -> dict[tuple[str, str], int]:
    """(学院, 班级) → its place in the roster (the order the college lists its classes in)."""
    rank: dict[tuple[str, str], int] = {}
    for student in roster:
        rank.setdefault((student.college, student.class_name), len(rank))
    return rank


def _classes(planned: Sequence[_Planned]) -> list[tuple[tuple[str, str], list[_Planned]]]:
    groups: dict[tuple[str, str], list[_Planned]] = {}
    for p in planned:
        groups.setdefault((p.student.college, p.student.class_name), []).append(p)
    return list(groups.items())


def _cover(
    ws: WorkspaceView,
    policy: Any,
    term: Term,
    batch: str,
    key: tuple[str, str],
    group: Sequence[_Planned],
    secret: bytes = b"",
    serial: int | None = None,
) -> Cover:
    college, class_name = key
    first = group[0].student
    return Cover(
        serial=format_serial(serial) if serial is not None else "",
        payload=make_payload(secret, serial, COVER_CODE) if serial is not None else "",
        title=f"{ws.school} {term.label()}\n{policy.title}材料发放单",
        college=college or ws.school,
        college_label=college_label(ws.forms),
        class_name=class_name or "（未分班）",
        class_teacher=first.class_teacher,
        counsellor=first.counsellor,
        batch=batch,
        lines=tuple(
            CoverLine(
                p.student.student_id,
                p.student.name,
                p.entry.level,
                format_serial(p.serial),
                "、".join(f.title for f in p.forms),
                sum(len(f.parts) for f in p.forms),
            )
            for p in group
        ),
    )


def _write_batch_list(path: Path, planned: Sequence[_Planned], policy: Any, term: Term) -> None:
    from openpyxl import Workbook

    from yujing.outputs import save_xlsx

    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    sheet.title = "发放名单"
    sheet.append(["序号", "学院", "班级", "学号", "姓名", "预警等级", "编号", "材料", "页数"])
    for i, p in enumerate(planned, start=1):
        sheet.append(
            [
                i,
                p.student.college,
                p.student.class_name,
                p.student.student_id,
                p.student.name,
                p.entry.level,
                format_serial(p.serial),
                "、".join(f.title for f in p.forms),
                sum(len(f.parts) for f in p.forms),
            ]
        )
    for col, width in zip("ABCDEFGHI", (6, 14, 12, 13, 10, 12, 10, 60, 6), strict=True):
        sheet.column_dimensions[col].width = width
    save_xlsx(wb, path)
