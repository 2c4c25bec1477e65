"""Handover (移交) of a term's archive, its 四性检测, closing and reopening, and retention.

**The package** (``--output DIR``): ``卷/`` the volumes, ``目录/`` the 归档文件目录 (.xlsx and PDF),
``文件/`` every archive copy (named by its 档号), ``清单.csv`` (文件, 学号, 件号, 档号, sha256 of
every file of the package) and the 四性检测报告 (HTML and PDF).

**四性检测** (GB/T 18894-2016, DA/T 70-2018), per file:

* 真实性 (authenticity): the copy's sha256 is the one recorded, its registry row's seal (HMAC)
  matches, and the original beside it is unchanged;
* 完整性 (integrity): its page count is the one recorded and, for printed copies, the one
  printed; per student, every document the pack's requirements ask for is there (the audit);
  per numbering class, the 件号 run without gaps;
* 可用性 (usability): PDF/A-2b **as far as it can be checked offline** — pikepdf's PDF/A-2b
  validator (an allowlist: it approves only what it knows conforms), the XMP identification
  (``pdfaid:part`` 2, ``pdfaid:conformance`` B) and every font embedded, read with pypdf, no
  encryption, and the first page renders with PDFium. It is not veraPDF (the reference
  validator is Java and not installed): the report says so;
* 安全性 (security): no JavaScript, no launch actions, no embedded files or file attachments
  anywhere in the file.

**Recorded and closed.** A handover whose every check passed is recorded (sealed: who, to whom,
when, the manifest's hash) and closes the term: :func:`yujing.archive.pdfa.check_open` refuses
changes until :func:`reopen` — an explicit, logged reopening with a reason. A handover with
failures writes the package and report, records nothing and closes nothing.

**Retention** (保管期限): :func:`due` lists the folders whose period has run out — from
graduation (年级 + 学制) or from the last term, as the pack says; :func:`dispose` removes such
folders only after copying them to a backup and checking every file of the copy.
"""

from __future__ import annotations

import hashlib
import html
import re
import shutil
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

import pikepdf
import pypdfium2 as pdfium
from pypdf import PdfReader
from pypdf.errors import PyPdfError

from yujing.archive import COLLEGE_FOLDER
from yujing.archive.catalogue import (
    CatalogueFiles,
    table_doc,
    term_copies,
    to_pdfa,
    write_catalogues,
)
from yujing.archive.pdfa import _quiet, archive_year, check_open, documents
from yujing.archive.settings import ArchiveSettings
from yujing.archive.volume import Volume, build_volumes
from yujing.errors import ArchiveStateError, InputError, OutputError
from yujing.files import atomic_write, sha256_file
from yujing.locking import writes
from yujing.model import Progress, Term
from yujing.outputs import write_csv
from yujing.registry import now, today
from yujing.registry.pending_archive import COPIES, HANDOVERS, ArchiveCopy

if TYPE_CHECKING:
    from yujing.converter import Converter
    from yujing.stage import WorkspaceView

ASPECTS = ("真实性", "完整性", "可用性", "安全性")
PARTIAL_NOTE = (
    "可用性为离线部分检查：pikepdf 的 PDF/A-2b 校验器、XMP 标识、字体嵌入、无加密、PDFium 能打开渲染；"
    "未使用 PDF/A 参考校验器 veraPDF。"
)
MANIFEST_HEADERS = ("文件", "学号", "件号", "档号", "sha256")


@dataclass(frozen=True)
class Check:
    """One of the four aspects of one file: passed or not, and why."""

    aspect: str
    ok: bool
    detail: str


@dataclass(frozen=True)
class FileCheck:
    """The 四性 of one file of the package."""

    file: str
    """Path inside the package."""
    student_id: str
    doc_no: str
    checks: tuple[Check, ...]

    @property
    def ok(self) -> bool:
        return all(c.ok for c in self.checks)

    def aspect(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.aspect == name), None)


@dataclass(frozen=True)
class HandoverResult:
    """What ``archive handover`` wrote and found."""

    term: str
    folder: Path
    volumes: tuple[Volume, ...]
    catalogues: tuple[CatalogueFiles, ...]
    manifest: Path
    report_html: Path
    report_pdf: Path
    files: tuple[FileCheck, ...]
    term_problems: tuple[str, ...]
    """完整性 findings of the term as a whole (missing documents, gaps in numbering)."""
    recorded: bool

    @property
    def passed(self) -> bool:
        return all(f.ok for f in self.files) and not self.term_problems

    def failed(self) -> list[FileCheck]:
        return [f for f in self.files if not f.ok]


# ------------------------------------------------------------------------ the checks


def authenticity(ws: WorkspaceView, copy: ArchiveCopy, digest: str) -> Check:
    """真实性 of an archive copy whose current sha256 is ``digest``."""
    problems = []
    if digest != copy.sha256:
        problems.append("归档件的 sha256 与登记库不符（文件被改动）")
    seal = ws.registry.archive_seal_ok(COPIES, copy.id)
    if seal is False:
        problems.append("登记库中该件的记录与封印不符（登记库被改动）")
    original = ws.root / copy.original
    if not original.is_file():
        problems.append(f"原件 {copy.original} 不见了")
    elif sha256_file(original) != copy.original_sha256:
        problems.append(f"原件 {copy.original} 与登记的 sha256 不符")
    if problems:
        return Check("真实性", False, "；".join(problems))
    sealed = "，封印相符" if seal else "（登记库未加封）"
    return Check("真实性", True, f"sha256 与登记相符{sealed}，原件未变")


def _pages(path: Path) -> int | None:
    try:
        with pikepdf.open(path) as pdf:
            return len(pdf.pages)
    except (OSError, pikepdf.PdfError):
        return None


def completeness(ws: WorkspaceView, copy: ArchiveCopy, path: Path) -> Check:
    """完整性 of one archive copy: its page count as recorded and as printed."""
    pages = _pages(path)
    if pages is None:
        return Check("完整性", False, "无法读取页数")
    problems = []
    if pages != copy.pages:
        problems.append(f"有 {pages} 页，登记为 {copy.pages} 页")
    original = ws.root / copy.original
    if original.suffix.lower() == ".pdf" and original.is_file():
        printed = _pages(original)
        if printed is not None and printed != pages:
            problems.append(f"原件 {printed} 页，归档件 {pages} 页")
    if problems:
        return Check("完整性", False, "；".join(problems))
    return Check("完整性", True, f"{pages} 页，与登记及原件一致")


_PDFAID = re.compile(rb"pdfaid:(part|conformance)\s*(?:=\s*[\"']|>)\s*([0-9A-Za-z]+)")


def usability(path: Path) -> Check:
    """可用性 (partial, offline): see the module docstring."""
    from pikepdf import pdfa

    problems = []
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            problems.append("文件已加密")
        meta = reader.root_object.get("/Metadata")
        xmp = meta.get_object().get_data() if meta is not None else b""
        ident = {k.decode(): v.decode() for k, v in _PDFAID.findall(xmp)}
        if ident.get("part") != "2" or ident.get("conformance", "").upper() != "B":
            problems.append(
                f"XMP 中没有 PDF/A-2b 标识（pdfaid:part={ident.get('part', '无')}，"
                f"conformance={ident.get('conformance', '无')}）"
            )
        missing = sorted(_unembedded_fonts(reader))
        if missing:
            problems.append(f"字体未嵌入：{'、'.join(missing[:5])}")
    except (OSError, PyPdfError, KeyError, ValueError) as exc:
        return Check("可用性", False, f"无法读取：{exc}")
    try:
        doc = pdfium.PdfDocument(str(path))
        try:
            doc[0].render(scale=0.2)
        finally:
            doc.close()
    except pdfium.PdfiumError as exc:
        problems.append(f"PDFium 无法渲染：{exc}")
    with _quiet():
        report = pdfa.validate_written(path, "2b")
    if not report.passed:
        problems.append(f"pikepdf PDF/A-2b 校验未通过：{report.summary(limit=2)}")
    if problems:
        return Check("可用性", False, "；".join(problems))
    return Check("可用性", True, "PDF/A-2b（XMP 标识、字体嵌入、未加密、可渲染，pikepdf 校验通过）")


def _unembedded_fonts(reader: PdfReader) -> set[str]:
    """Names of the fonts used by pages (and their forms) that carry no font program."""
    missing: set[str] = set()
    seen: set[int] = set()

    def walk_resources(resources: Any) -> None:
        if resources is None:
            return
        resources = resources.get_object()
        for font in (resources.get("/Font") or {}).values():
            font = font.get_object()
            ref = id(font)
            if ref in seen:
                continue
            seen.add(ref)
            if font.get("/Subtype") == "/Type3":
                continue
            desc = font.get("/FontDescriptor")
            if desc is None and "/DescendantFonts" in font:
                desc = font["/DescendantFonts"][0].get_object().get("/FontDescriptor")
            desc = desc.get_object() if desc is not None else {}
            if not any(k in desc for k in ("/FontFile", "/FontFile2", "/FontFile3")):
                missing.add(str(font.get("/BaseFont", "?")).lstrip("/"))
        for xobj in (resources.get("/XObject") or {}).values():
            xobj = xobj.get_object()
            if xobj.get("/Subtype") == "/Form" and id(xobj) not in seen:
                seen.add(id(xobj))
                walk_resources(xobj.get("/Resources"))

    for page in reader.pages:
        walk_resources(page.get("/Resources"))
    return missing


def _dictionaries(pdf: pikepdf.Pdf) -> Iterator[pikepdf.Dictionary]:
    """Every dictionary of the file: the indirect objects (streams' dictionaries too) and the
    direct dictionaries nested in them (an /OpenAction action is often one)."""
    stack: list[Any] = [pdf.trailer, *pdf.objects]
    while stack:
        obj = stack.pop()
        if isinstance(obj, pikepdf.Stream):
            obj = obj.stream_dict
        if isinstance(obj, pikepdf.Dictionary):
            yield obj
            children: Iterable[Any] = obj.values()
        elif isinstance(obj, pikepdf.Array):
            children = obj
        else:
            continue
        stack.extend(
            v
            for v in children
            if isinstance(v, pikepdf.Dictionary | pikepdf.Array) and not v.is_indirect
        )


def security(path: Path) -> Check:
    """安全性: no JavaScript or launch actions, no embedded files or attachments."""
    found: set[str] = set()
    try:
        with pikepdf.open(path) as pdf:
            names = pdf.Root.get("/Names")
            if names is not None:
                if "/JavaScript" in names:
                    found.add("JavaScript")
                if "/EmbeddedFiles" in names:
                    found.add("嵌入文件")
            if "/AA" in pdf.Root:
                found.add("自动动作")
            for obj in _dictionaries(pdf):
                kind = obj.get("/S")
                if kind == pikepdf.Name.JavaScript or "/JS" in obj:
                    found.add("JavaScript")
                elif kind == pikepdf.Name.Launch:
                    found.add("启动外部程序的动作")
                if obj.get("/Type") == pikepdf.Name.EmbeddedFile or "/EF" in obj:
                    found.add("嵌入文件")
                if obj.get("/Subtype") == pikepdf.Name.FileAttachment:
                    found.add("附件注释")
    except (OSError, pikepdf.PdfError) as exc:
        return Check("安全性", False, f"无法读取：{exc}")
    if found:
        return Check("安全性", False, "含有 " + "、".join(sorted(found)))
    return Check("安全性", True, "无 JavaScript、启动动作、嵌入文件或附件")


def check_copy(ws: WorkspaceView, copy: ArchiveCopy) -> tuple[Check, ...]:
    """The four aspects of one archive copy in the workspace."""
    path = ws.root / copy.path
    if not path.is_file():
        gone = Check("真实性", False, f"归档件 {copy.path} 不见了")
        return (gone, *(Check(a, False, "文件不存在") for a in ASPECTS[1:]))
    return (
        authenticity(ws, copy, sha256_file(path)),
        completeness(ws, copy, path),
        usability(path),
        security(path),
    )


def term_problems(ws: WorkspaceView, term: Term, copies: Sequence[ArchiveCopy]) -> list[str]:
    """完整性 of the term as a whole: documents not archived, required documents missing (the
    audit), and gaps in the 件号 of each numbering class."""
    from yujing.checker.audit import audit

    problems = []
    archived = {c.original for c in copies}
    for doc in documents(ws, term):
        if doc.original not in archived:
            problems.append(f"{doc.original} 没有归档件")
    report = audit(ws, term)
    for f in report.findings:
        if f.problem == "missing":
            problems.append(f"{f.student_id} {f.name}：缺少{f.title}（{f.detail}）")
    classes: dict[tuple[str, int, str, str], list[int]] = {}
    for c in ws.registry.archive_copies():
        classes.setdefault((c.fonds, c.year, c.retention, c.org), []).append(c.item_no)
    for (fonds, year, retention, org), numbers in sorted(classes.items()):
        if year != archive_year(term):
            continue
        missing = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
        if missing:
            shown = "、".join(str(n) for n in missing[:10])
            problems.append(f"{fonds} {year} {retention} {org} 件号不连续，缺 {shown}")
    return problems


# --------------------------------------------------------------------------- reports


def _report_html(result_files: Sequence[FileCheck], problems: Sequence[str], head: str) -> str:
    e = html.escape
    ok = sum(f.ok for f in result_files)
    rows = []
    for f in result_files:
        cells = []
        for aspect in ASPECTS:
            c = f.aspect(aspect)
            mark = "—" if c is None else ("通过" if c.ok else "未通过")
            cls = "" if c is None or c.ok else ' class="bad"'
            title = "" if c is None else f' title="{e(c.detail)}"'
            cells.append(f"<td{cls}{title}>{mark}</td>")
        notes = "；".join(f"{c.aspect}：{c.detail}" for c in f.checks if not c.ok)
        rows.append(
            f"<tr><td>{e(f.file)}</td><td>{e(f.student_id)}</td><td>{e(f.doc_no)}</td>"
            + "".join(cells)
            + f"<td>{e(notes)}</td></tr>"
        )
    term_items = "".join(f"<li>{e(p)}</li>" for p in problems) or "<li>无</li>"
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>{e(head)}</title>
<style>
body{{font-family:"Noto Sans CJK SC","Microsoft YaHei",sans-serif;margin:2em;color:#222}}
table{{border-collapse:collapse;width:100%;font-size:13px}}
th,td{{border:1px solid #bbb;padding:3px 6px;text-align:left;vertical-align:top}}
th{{background:#eee}} td.bad{{background:#fdd;color:#900;font-weight:bold}}
.note{{color:#555}}
</style></head><body>
<h1>{e(head)}</h1>
<p>文件 {len(result_files)} 个，四性全部通过 {ok} 个，未通过 {len(result_files) - ok} 个。</p>
<p class="note">{e(PARTIAL_NOTE)}</p>
<h2>整体完整性</h2><ul>{term_items}</ul>
<h2>逐个文件</h2>
<table><thead><tr><th>文件</th><th>学号</th><th>档号</th>{"".join(f"<th>{a}</th>" for a in ASPECTS)}<th>说明</th></tr></thead>
<tbody>{"".join(rows)}</tbody></table>
</body></html>
"""


def _report_doc(result_files: Sequence[FileCheck], problems: Sequence[str], head: str) -> Any:
    ok = sum(f.ok for f in result_files)
    lines = [
        f"文件 {len(result_files)} 个，四性全部通过 {ok} 个，未通过 {len(result_files) - ok} 个。",
        PARTIAL_NOTE,
        "整体完整性：" + ("；".join(problems) if problems else "无问题"),
    ]
    rows = []
    for f in result_files:
        marks = []
        for aspect in ASPECTS:
            c = f.aspect(aspect)
            marks.append("—" if c is None else ("通过" if c.ok else "未通过"))
        notes = "；".join(f"{c.aspect}：{c.detail}" for c in f.checks if not c.ok)
        rows.append((PurePosixPath(f.file).name, f.doc_no, *marks, notes))
    return table_doc(
        head,
        lines,
        ("文件", "档号", *ASPECTS, "说明"),
        rows,
        (45, 30, 12, 12, 12, 12, 42),
    )


# -------------------------------------------------------------------------- handover


def _package_dir(out_dir: Path) -> Path:
    if out_dir.exists() and any(out_dir.iterdir()):
        raise InputError(f"移交目录 {out_dir} 不是空的。请给一个新的或空的目录，以免混入其他文件。")
    out_dir.mkdir(parents=True, exist_ok=True)
    return out_dir


@writes
def handover(
    ws: WorkspaceView,
    term: Term,
    settings: ArchiveSettings,
    out_dir: Path,
    *,
    who: str,
    recipient: str,
    converter: Converter | None = None,
    progress: Progress | None = None,
) -> HandoverResult:
    """Write the handover package of ``term`` into ``out_dir`` (new or empty) with its 四性
    report; when every check passed, record the handover and close the term."""
    if not who.strip() or not recipient.strip():
        raise InputError("移交须写明移交人和接收人。")
    check_open(ws, term)
    copies = term_copies(ws, term)
    folder = _package_dir(Path(out_dir))
    volumes = build_volumes(ws, term, settings, folder / "卷", converter=converter)
    catalogues = write_catalogues(ws, term, folder / "目录", converter)
    checks: list[FileCheck] = []
    manifest: list[tuple[str, str, Any, str, str]] = []
    total = len(copies) + len(volumes)
    for n, copy in enumerate(copies, start=1):
        source = ws.root / copy.path
        sub = copy.student_id if copy.student_id != COLLEGE_FOLDER else COLLEGE_FOLDER
        rel = f"文件/{sub}/{PurePosixPath(copy.path).name}"
        result = check_copy(ws, copy)
        if source.is_file():
            target = folder / rel
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(source, target)
            manifest.append((rel, copy.student_id, copy.item_no, copy.doc_no, sha256_file(target)))
        checks.append(FileCheck(rel, copy.student_id, copy.doc_no, result))
        if progress:
            progress(n, total)
    for k, volume in enumerate(volumes, start=1):
        rel = f"卷/{volume.path.name}"
        checks.append(FileCheck(rel, "", "", (usability(volume.path), security(volume.path))))
        manifest.append((rel, "", "", "", sha256_file(volume.path)))
        if progress:
            progress(len(copies) + k, total)
    for cat in catalogues:
        for path in (cat.pdf, cat.xlsx):
            manifest.append((f"目录/{path.name}", "", "", "", sha256_file(path)))
        checks.append(
            FileCheck(f"目录/{cat.pdf.name}", "", "", (usability(cat.pdf), security(cat.pdf)))
        )
    whole = term_problems(ws, term, copies)
    manifest_path = write_csv(folder / "清单.csv", MANIFEST_HEADERS, manifest)
    head = f"{ws.school} {term} 学业预警档案 四性检测报告"
    report_html = folder / "四性检测报告.html"
    with atomic_write(report_html, "w", encoding="utf-8") as fh:
        fh.write(_report_html(checks, whole, head))
    report_pdf = folder / "四性检测报告.pdf"
    to_pdfa([(_report_doc(checks, whole, head), report_pdf)], converter)
    passed = all(f.ok for f in checks) and not whole
    if passed:
        digest = hashlib.sha256(manifest_path.read_bytes()).hexdigest()
        with ws.registry.transaction():
            ws.registry.add_handover(
                {
                    "term": str(term),
                    "who": who,
                    "recipient": recipient,
                    "folder": str(folder),
                    "manifest_sha256": digest,
                    "files": len(manifest),
                    "passed": 1,
                    "at": now(),
                }
            )
            ws.registry.set_archive_term_state(term, "closed", who, f"移交给 {recipient}")
    else:
        bad = sum(not f.ok for f in checks)
        ws.registry.log(
            "archive-check",
            f"移交前四性检测：{bad} 个文件未通过，整体问题 {len(whole)} 个；未移交",
            term=str(term),
        )
    return HandoverResult(
        str(term),
        folder,
        tuple(volumes),
        tuple(catalogues),
        manifest_path,
        report_html,
        report_pdf,
        tuple(checks),
        tuple(whole),
        passed,
    )


@writes
def reopen(ws: WorkspaceView, term: Term, *, who: str, reason: str) -> None:
    """Reopen a term closed by its handover (an explicit, logged act with a reason)."""
    state = ws.registry.archive_term_state(term)
    if not state or state["status"] != "closed":
        raise ArchiveStateError(f"{term} 的档案没有封闭，无需重新开启。")
    if not who.strip() or not reason.strip():
        raise InputError("重新开启须写明经办人和原因。")
    ws.registry.set_archive_term_state(term, "open", who, reason)


# ------------------------------------------------------------------------- retention


@dataclass(frozen=True)
class DueFolder:
    """A student's folder whose 保管期限 has run out."""

    student_id: str
    name: str
    folder: str
    last_term: str
    start: str
    """Where the period started (毕业 or the last term's end), ISO date."""
    due: str
    """The day the period ran out, ISO date."""


def _term_end(term: Term) -> date:
    """The last day of a term (autumn: 31 January; spring and summer: 31 August)."""
    return (
        date(term.start_year + 1, 1, 31) if term.semester == 1 else date(term.start_year + 1, 8, 31)
    )


def due(ws: WorkspaceView, settings: ArchiveSettings, as_of: date | None = None) -> list[DueFolder]:
    """The students' folders whose 保管期限 ran out by ``as_of`` (today by default)."""
    years = settings.retention_years
    if years is None:
        return []
    as_of = as_of or today()
    registry = ws.registry
    students = registry.students()
    folders = registry.student_folders()
    last: dict[str, Term] = {}
    for copy in registry.archive_copies():
        if copy.student_id == COLLEGE_FOLDER:
            continue
        t = Term.parse(copy.term)
        if copy.student_id not in last or t > last[copy.student_id]:
            last[copy.student_id] = t
    out = []
    for sid, term in sorted(last.items()):
        st = students.get(sid)
        start = _term_end(term)
        if settings.retention_from == "graduation" and st and st.grade[:4].isdigit():
            start = max(start, date(int(st.grade[:4]) + settings.program_years, 7, 31))
        try:
            end = start.replace(year=start.year + years)
        except ValueError:
            end = start.replace(year=start.year + years, day=28)
        if end <= as_of:
            out.append(
                DueFolder(
                    sid,
                    st.name if st else "",
                    folders.get(sid, ""),
                    str(term),
                    start.isoformat(),
                    end.isoformat(),
                )
            )
    return out


@writes
def dispose(
    ws: WorkspaceView,
    settings: ArchiveSettings,
    student_ids: Sequence[str],
    backup: Path,
    *,
    who: str,
    as_of: date | None = None,
) -> list[Path]:
    """Remove the folders of ``student_ids`` whose 保管期限 ran out, each only after it was
    copied into ``backup`` and every file of the copy checked; returns the backup folders."""
    if not who.strip():
        raise InputError("销毁须写明经办人。")
    ready = {d.student_id: d for d in due(ws, settings, as_of)}
    not_due = [s for s in student_ids if s not in ready]
    if not_due:
        raise ArchiveStateError(
            f"{'、'.join(not_due)} 的档案未到保管期限（或没有归档件），不能销毁。"
            "可用 yujing archive due 查看到期的档案。"
        )
    made = []
    for sid in student_ids:
        entry = ready[sid]
        if not entry.folder:
            continue
        source = ws.archive_dir / entry.folder
        if not source.is_dir():
            continue
        target = Path(backup) / entry.folder
        if target.exists():
            raise OutputError(f"备份目录中已有 {target}，未做改动。请换一个备份目录。")
        try:
            shutil.copytree(source, target)
        except OSError as exc:
            raise OutputError(f"无法备份 {source} 到 {target}：{exc.strerror or exc}") from exc
        for path in source.rglob("*"):
            if path.is_file():
                copy = target / path.relative_to(source)
                if not copy.is_file() or sha256_file(copy) != sha256_file(path):
                    raise OutputError(f"备份 {copy} 与原件不一致，未删除任何文件。")
        shutil.rmtree(source)
        ws.registry.log(
            "archive-dispose",
            f"{who}：保管期限至 {entry.due} 已满，档案夹 {entry.folder} 已备份到 {target} 后删除",
            student_id=sid,
        )
        made.append(target)
    return made


def handovers(ws: WorkspaceView, term: Term) -> list[dict[str, Any]]:
    """The recorded handovers of ``term``, each with whether its seal matches."""
    out = []
    for row in ws.registry.handovers(term):
        out.append({**row, "seal_ok": ws.registry.archive_seal_ok(HANDOVERS, int(row["id"]))})
    return out
