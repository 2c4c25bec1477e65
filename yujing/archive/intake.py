"""Scan intake (扫描归档): signed returns filed into each student's folder by their QR codes.

:func:`ingest` takes files and folders (PDF, TIFF, JPEG, PNG), reads every page's codes
(:mod:`yujing.archive.reader`), verifies them against the workspace secret and decides, per
page: **file** it into ``archive/<学号>-<姓名>/<学期>/`` as the part its code names, or put it
in the **review** queue (``review/``) with the reason — no code, a foreign code (e.g. a WeChat
group), a forged or altered code, a voided serial, two conflicting codes — or set it aside
quietly as a **blank** duplex back.

A filed part that must come back signed is checked for signatures (:mod:`yujing.archive.signature`):
the scan is aligned onto the issued page by its codes and printed structure, and each
signature blank's new ink is recorded with the page's verdict (``signature_checks``); uncertain
verdicts wait for a person (:func:`signature_reviews`, :func:`confirm_signature`), whose word
the audit then follows.

Nothing is lost: originals are only read; every decision is recorded (source file and its
hash, page, result, target, time); files are written under a temporary name and renamed into
place; a page is recorded only after its file is in place, so a crash or Ctrl-C loses nothing
and a re-run completes the work; the byte-identical file scanned again is recognised and
skipped; a new scan of a part already filed is kept as a new version.
"""

from __future__ import annotations

import hashlib
import io
import tempfile
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yujing.archive import COLLEGE_FOLDER, college_folder, folder_for, safe_name
from yujing.errors import FormsError, InputError, UnreadableFileError
from yujing.files import atomic_write, sha256_file
from yujing.forms import COVER_TITLE, part_by_code
from yujing.locking import writes
from yujing.model import Progress, Term
from yujing.qr import PartRef, Rejection, format_serial, load_secret, verify
from yujing.registry import SignatureRecord, now
from yujing.roles import ROLES

if TYPE_CHECKING:
    from yujing.stage import WorkspaceView


FILED, REVIEW, BLANK = "filed", "review", "blank"
RETAKE = "retake"
"""An adviser's phone photo with no readable code: returned to them to take again (请重拍),
not queued; they may send it on to the secretary's review queue."""
RETAKE_REASON = "照片上读不出二维码（可能模糊、太暗、反光或没拍全），请对准整页重拍，让二维码清楚。"
NO_CODE = "未找到二维码（可能不是本系统打印的材料，或二维码被遮挡、污损）"
VOIDED = "编号已作废"
UNKNOWN_SERIAL = "编号不在登记库中"
CLOSED = "该学期的档案已移交封闭，须先重新开启才能归档"
CONFLICT = "一页上有两个不同的本系统二维码"
BLANK_REASON = "空白页（双面扫描的背面）"


@dataclass(frozen=True)
class PageOutcome:
    """What happened to one page."""

    source: Path
    page: int
    result: str  # filed | review | blank | skipped
    reason: str = ""
    serial: int | None = None
    part: str = ""
    target: str = ""
    student_id: str = ""
    signed: bool | None = None
    """For parts that must come back signed: whether the signature areas carry ink (None when
    it could not be checked, or the part needs no signature)."""
    signature: Any = None
    """The page's :class:`~yujing.archive.signature.SignatureCheck`, when one was made."""


@dataclass(frozen=True)
class IntakeResult:
    """The result of :func:`ingest`."""

    pages: tuple[PageOutcome, ...]
    skipped_files: tuple[Path, ...] = ()
    """Files whose identical bytes were scanned before (nothing done)."""
    unsupported: tuple[Path, ...] = ()
    errors: tuple[str, ...] = field(default_factory=tuple)
    """Unreadable files, each with its message; the other files were still processed."""

    def count(self, result: str) -> int:
        return sum(1 for p in self.pages if p.result == result)


def expand(paths: Iterable[Path]) -> tuple[list[Path], list[Path]]:
    """Files to ingest (folders walked, sorted) and files of an unsupported kind."""
    from yujing.archive.reader import SUPPORTED_SUFFIXES

    files: list[Path] = []
    unsupported: list[Path] = []
    for path in paths:
        if not path.exists():
            raise InputError(f"找不到 {path}。")
        candidates = sorted(p for p in path.rglob("*") if p.is_file()) if path.is_dir() else [path]
        for p in candidates:
            if p.name.startswith("."):
                continue
            (files if p.suffix.lower() in SUPPORTED_SUFFIXES else unsupported).append(p)
    return files, unsupported


@writes
def ingest(
    ws: WorkspaceView, paths: Sequence[Path], *, progress: Progress | None = None
) -> IntakeResult:
    """File every page of ``paths`` (files or folders) by its QR code, or queue it for review."""
    files, unsupported = expand(paths)
    secret = load_secret(ws.root)
    outcomes: list[PageOutcome] = []
    skipped: list[Path] = []
    errors: list[str] = []
    # progress counts pages (已处理 120/209 页), estimated from each file's page count first
    sizes = [_page_estimate(p) for p in files]
    total, done = sum(sizes), 0

    def tick() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(min(done, total), total)

    if progress is not None:
        progress(0, total)
    for i, path in enumerate(files, start=1):
        before = done
        try:
            result = _ingest_file(ws, secret, path, tick)
        except UnreadableFileError as exc:
            errors.append(str(exc))
            ws.registry.log("scan-error", str(exc))
            result = None
        if isinstance(result, str):
            skipped.append(path)
        elif result is not None:
            outcomes.extend(result)
        done = before + sizes[i - 1]
        if progress is not None:
            progress(done, total)
    return IntakeResult(tuple(outcomes), tuple(skipped), tuple(unsupported), tuple(errors))


# -- one file -------------------------------------------------------------------------------


@dataclass
class _Decision:
    page: int
    result: str
    reason: str = ""
    ref: PartRef | None = None
    codes: tuple[str, ...] = ()
    signed: bool | None = None
    check: Any = None  # SignatureCheck


def _page_estimate(path: Path) -> int:
    """How many pages ``path`` holds, for progress only (1 when it cannot tell cheaply)."""
    suffix = path.suffix.lower()
    try:
        if suffix == ".pdf":
            from pypdf import PdfReader

            with path.open("rb") as fh:
                return max(1, len(PdfReader(fh, strict=False).pages))
        if suffix in (".tif", ".tiff"):
            from PIL import Image

            with Image.open(path) as image:
                return max(1, int(getattr(image, "n_frames", 1)))
    except Exception:  # a damaged file is reported by the real read; here it is one page
        return 1
    return 1


def _ingest_file(
    ws: WorkspaceView, secret: bytes, path: Path, tick: Callable[[], None] | None = None
) -> list[PageOutcome] | str:
    from yujing.archive.reader import iter_pages, scan_pages

    registry = ws.registry
    digest = sha256_file(path)
    source = registry.scan_source(digest)
    # Pages queued because their code failed the check are read again when the file was read
    # with another key (the right key is back from a backup); their old review items are closed
    # with the new outcome. The key's fingerprint is recorded only once the file is done.
    key_id = hashlib.sha256(b"yujing-key-id" + secret).hexdigest()[:16]
    retry: dict[int, int] = {}
    if source is not None and source.get("key_id") != key_id:
        retry = registry.rejected_pages(digest, Rejection.FORGED.value)
    if source is not None and source["status"] == "done" and not retry:
        registry.log("scan-skip", f"{path.name}：与已处理的 {source['name']} 内容相同，跳过")
        return "skipped"
    if retry:
        registry.log("scan-reread", f"{path.name}：重新识别校验失败的第 {_pages(retry)} 页")
    done_pages = registry.scanned_pages(digest) - set(retry)
    registry.save_scan_source(
        {
            "sha256": digest,
            "name": path.name,
            "path": str(path.resolve()),
            "size": path.stat().st_size,
            "status": "processing",
            "first_seen": source["first_seen"] if source else now(),
            "last_seen": now(),
        }
    )
    decisions: list[_Decision] = []
    todo = (page for page in iter_pages(path) if page.page not in done_pages)
    # Pages are read — and their signatures checked — by two worker threads (zxing, Pillow,
    # OpenCV release the GIL); decisions and the registry stay in this thread. The pages of an
    # image file (TIFF, JPEG, PNG) are kept as one-page PDFs in a temporary folder, not in
    # memory, so memory stays bounded per page however long the file (a 1,000-page TIFF).
    checker = _signature_checker(ws, secret)
    with tempfile.TemporaryDirectory(prefix="yujing-scan-") as spill:
        images: dict[int, Path] = {}
        for page, scan in scan_pages(
            todo, accept=lambda text: verify(secret, text).ok, after=checker
        ):
            if scan.blank:
                decisions.append(_Decision(page.page, BLANK, BLANK_REASON))
            else:
                decision = _decide(ws, secret, page.page, scan.codes)
                if (
                    decision.result == FILED
                    and decision.ref is not None
                    and scan.extra is not None
                ):
                    ref, check = scan.extra
                    if ref == decision.ref:
                        decision.check = check
                        decision.signed = check.signed
                decisions.append(decision)
            if tick is not None:
                tick()
            if path.suffix.lower() != ".pdf":
                images[page.page] = _spill(page.image, Path(spill) / f"{page.page}.pdf")
            if tick is not None:
                tick()
        outcomes = _apply(ws, path, digest, decisions, images, retry)
    registry.save_scan_source(
        {
            **(registry.scan_source(digest) or {}),
            "status": "done",
            "pages": len(registry.scanned_pages(digest)),
            "key_id": key_id,
            "last_seen": now(),
        }
    )
    return outcomes


def _signature_checker(ws: WorkspaceView, secret: bytes) -> Callable[[Any, Any], Any]:
    """The hook run in the reader's worker threads for each page: for a part that must come
    back signed (回执, 存根, 记录表 …), ``(ref, SignatureCheck)``; else None. What it needs from
    the registry is read here, in this thread (SQLite connections stay in their thread)."""
    from yujing.archive.signature import check_page, issued_page

    issued: dict[tuple[int, str], str] = {}
    for row in ws.registry.issued_parts():
        if row["file"]:
            issued.setdefault((row["serial"], row["part"]), row["file"])
    forms = ws.forms
    root = ws.root

    def check(page: Any, scan: Any) -> Any:
        if scan.blank:
            return None
        refs = {v.ref for v in (verify(secret, c) for c in scan.codes) if v.ref is not None}
        if len(refs) != 1:
            return None
        (ref,) = refs
        try:
            form, part = part_by_code(forms, ref.part)
        except FormsError:
            return None
        if not part.signed_by or not part.returns:
            return None
        file = issued.get((ref.serial, ref.part))
        if file is None or not (root / file).is_file():
            return None
        number = [p.code for p in form.parts].index(ref.part) + 1
        spots = [s for s in scan.spots if verify(secret, s.text).ref == ref]
        issued_form = issued_page(root / file, number)
        return ref, check_page(page.image, issued_form, spots, grey=scan.grey)

    return check


def _decide(ws: WorkspaceView, secret: bytes, page: int, codes: Sequence[str]) -> _Decision:
    checked = [verify(secret, c) for c in codes]
    refs = sorted({c.ref for c in checked if c.ref is not None}, key=lambda r: (r.serial, r.part))
    if len(refs) > 1:
        shown = "、".join(f"{format_serial(r.serial)}/{r.part}" for r in refs)
        return _Decision(page, REVIEW, f"{CONFLICT}（{shown}）", codes=tuple(codes))
    if refs:
        ref = refs[0]
        row = ws.registry.serial(ref.serial)
        if row is None:
            return _Decision(
                page, REVIEW, f"{UNKNOWN_SERIAL}（{format_serial(ref.serial)}）", codes=tuple(codes)
            )
        if row["status"] != "active":
            return _Decision(
                page,
                REVIEW,
                f"{VOIDED}（{format_serial(ref.serial)}：{row['void_reason']}）",
                ref=ref,
                codes=tuple(codes),
            )
        closed = ws.registry.archive_term_state(str(row["term"]))
        if closed is not None and closed["status"] == "closed":
            return _Decision(
                page, REVIEW, f"{CLOSED}（{row['term']}）", ref=ref, codes=tuple(codes)
            )
        college = ws.registry.college_doc(ref.serial)
        if college is not None:
            if college["part"] != ref.part:
                return _Decision(
                    page,
                    REVIEW,
                    f"联别代码 {ref.part} 与编号 {format_serial(ref.serial)} 的学院材料不符",
                    codes=tuple(codes),
                )
            return _Decision(page, FILED, ref=ref, codes=tuple(codes))
        try:
            part_by_code(ws.forms, ref.part)
        except FormsError:
            return _Decision(
                page, REVIEW, f"联别代码 {ref.part} 不在本规则的表单目录中", codes=tuple(codes)
            )
        return _Decision(page, FILED, ref=ref, codes=tuple(codes))
    rejections = {c.rejection for c in checked if c.rejection is not None}
    for rejection in (Rejection.FORGED, Rejection.MALFORMED, Rejection.FOREIGN):
        if rejection in rejections:
            return _Decision(page, REVIEW, rejection.value, codes=tuple(codes))
    return _Decision(page, REVIEW, NO_CODE)


@dataclass(frozen=True)
class _Placed:
    """A part's file written into its student's folder (not yet recorded)."""

    serial: int
    student_id: str
    term: str
    form: Any
    part: Any
    rel: str
    version: int
    sha256: str


def _place_part(ws: WorkspaceView, serial: int, code: str, content: bytes, how: str) -> _Placed:
    """Write ``content`` as part ``code`` of ``serial`` into the student's term folder, named
    ``<编号> <表单>-<联>（<how> <日期>）.pdf`` (a new version if a different file is there)."""
    registry = ws.registry
    row = registry.serial(serial)
    if row is None:  # callers check first; kept so a page is never filed under no one
        raise InputError(f"没有编号 {format_serial(serial)}。")
    college = registry.college_doc(serial)
    if college is not None:
        return _place_college(ws, college, code, content, how)
    form, part = part_by_code(ws.forms, code)
    students = registry.students()
    sid = row["student_id"]
    name = students[sid].name if sid in students else ""
    folder = folder_for(ws, sid, name) / row["term"]
    stamp = now()[:10].replace("-", "")
    base = safe_name(f"{format_serial(serial)} {_title(form, part)}（{how} {stamp}）")
    target, version = _place(folder, base, content)
    return _Placed(
        serial,
        sid,
        row["term"],
        form,
        part,
        str(target.relative_to(ws.root)),
        version,
        hashlib.sha256(content).hexdigest(),
    )


@dataclass(frozen=True)
class _CollegeTitle:
    """Stands in for a form and a part when filing a college-level document."""

    id: str
    code: str
    title: str


def _place_college(
    ws: WorkspaceView, doc: dict[str, Any], code: str, content: bytes, how: str
) -> _Placed:
    """Write a college-level document (a list, or a class's signed cover sheet) into
    ``archive/_学院/<学期>/``, named ``<编号> <学院> <标题>（<份别>）（<how> <日期>）.pdf``."""
    if doc["form"] == "cover":
        title = COVER_TITLE
        name = f"{doc['college']} {doc['copy']} {title}"
    else:
        forms = {f.id: f for f in ws.forms}
        title = forms[doc["form"]].title if doc["form"] in forms else doc["title"]
        name = f"{doc['college']} {title}" + (f"（{doc['copy']}）" if doc["copy"] else "")
    stamp = now()[:10].replace("-", "")
    base = safe_name(f"{format_serial(doc['serial'])} {name}（{how} {stamp}）")
    target, version = _place(college_folder(ws.archive_dir, doc["term"]), base, content)
    item = _CollegeTitle(doc["form"], code, title)
    return _Placed(
        doc["serial"],
        COLLEGE_FOLDER,
        doc["term"],
        item,
        item,
        str(target.relative_to(ws.root)),
        version,
        hashlib.sha256(content).hexdigest(),
    )


def _record_part(
    ws: WorkspaceView,
    placed: _Placed,
    *,
    source_name: str,
    source_sha: str,
    pages: str,
    signed: int | None,
) -> None:
    """Record a placed part (fixity and the archive file row); the caller holds the
    transaction."""
    ws.registry.remember_file(ws.root, placed.rel, placed.sha256)
    ws.registry.record_archive_file(
        {
            "student_id": placed.student_id,
            "term": placed.term,
            "serial": placed.serial,
            "form": placed.form.id,
            "part": placed.part.code,
            "title": _title(placed.form, placed.part),
            "kind": "scan",
            "path": placed.rel,
            "sha256": placed.sha256,
            "version": placed.version,
            "source_name": source_name,
            "source_sha": source_sha,
            "source_pages": pages,
            "signed": signed,
            "at": now(),
        }
    )


def _pages(pages: Iterable[int]) -> str:
    return "、".join(str(p) for p in sorted(pages))


def _apply(
    ws: WorkspaceView,
    path: Path,
    digest: str,
    decisions: Sequence[_Decision],
    images: dict[int, Path],
    superseded: Mapping[int, int] | None = None,
) -> list[PageOutcome]:
    """Write the files, then record every page (per group, after its file is in place)."""
    registry = ws.registry
    outcomes: list[PageOutcome] = []
    groups: dict[PartRef, list[_Decision]] = {}
    for d in decisions:
        if d.result == FILED and d.ref is not None:
            groups.setdefault(d.ref, []).append(d)
    for ref, group in groups.items():
        pages = ",".join(str(d.page) for d in group)
        placed = _place_part(
            ws, ref.serial, ref.part, _pages_pdf(path, [d.page for d in group], images), "回收"
        )
        rel, sid = placed.rel, placed.student_id
        with registry.transaction():
            registry.supersede_review_items(
                superseded[d.page] for d in group if superseded and d.page in superseded
            )
            for d in group:
                registry.record_scan_page(
                    {
                        "source_sha": digest,
                        "source_name": path.name,
                        "page": d.page,
                        "result": FILED,
                        "reason": "",
                        "serial": ref.serial,
                        "part": ref.part,
                        "file": rel,
                        "signed": _flag(d.signed),
                        "at": now(),
                    }
                )
            _record_part(
                ws,
                placed,
                source_name=path.name,
                source_sha=digest,
                pages=pages,
                signed=_flag(_all_signed(group)),
            )
            for index, d in enumerate(group, 1):
                if d.check is not None:
                    _record_signature(ws, path.name, digest, d, rel, index)
            registry.log(
                "scan-file", f"{path.name} 第 {pages} 页 → {rel}", term=placed.term, student_id=sid
            )
        outcomes += [
            PageOutcome(path, d.page, FILED, "", ref.serial, ref.part, rel, sid, d.signed, d.check)
            for d in group
        ]
    for d in decisions:
        if d.result == FILED:
            continue
        folder = ws.root / "review" / (BLANK if d.result == BLANK else "待处理")
        base = safe_name(f"{Path(path.name).stem}-第{d.page}页")
        content = _pages_pdf(path, [d.page], images)
        target, _ = _place(folder, base, content)
        rel = str(target.relative_to(ws.root))
        with registry.transaction():
            if superseded and d.page in superseded:
                registry.supersede_review_items([superseded[d.page]])
            registry.remember_file(ws.root, rel, hashlib.sha256(content).hexdigest())
            registry.record_scan_page(
                {
                    "source_sha": digest,
                    "source_name": path.name,
                    "page": d.page,
                    "result": d.result,
                    "reason": d.reason,
                    "serial": d.ref.serial if d.ref else None,
                    "part": d.ref.part if d.ref else "",
                    "file": rel,
                    "at": now(),
                }
            )
            registry.add_review_item(
                {
                    "source_sha": digest,
                    "source_name": path.name,
                    "page": d.page,
                    "file": rel,
                    "reason": d.reason,
                    "codes": " | ".join(d.codes),
                    "status": "blank" if d.result == BLANK else "open",
                    "at": now(),
                    "uploaded_by": registry.account,
                }
            )
        outcomes.append(
            PageOutcome(
                path,
                d.page,
                d.result,
                d.reason,
                d.ref.serial if d.ref else None,
                d.ref.part if d.ref else "",
                rel,
            )
        )
    return outcomes


def _record_signature(
    ws: WorkspaceView, source_name: str, digest: str, d: _Decision, rel: str, file_page: int
) -> None:
    check = d.check
    assert d.ref is not None
    ws.registry.record_signature_check(
        {
            "source_sha": digest,
            "source_name": source_name,
            "page": d.page,
            "serial": d.ref.serial,
            "part": d.ref.part,
            "file": rel,
            "file_page": file_page,
            "verdict": check.verdict,
            "reason": check.reason,
            "uncertain": int(check.uncertain),
        },
        [
            {
                "label": a.label,
                "x0": a.box[0],
                "y0": a.box[1],
                "x1": a.box[2],
                "y1": a.box[3],
                "ink": a.ink,
                "signed": int(a.signed),
                "match": round(a.match, 4),
                "uncertain": int(a.uncertain),
            }
            for a in check.areas
        ],
    )


def _title(form: Any, part: Any) -> str:
    """``学业预警通知书-学院留存联``; just the title when the form has one part of that name."""
    return form.title if part.title == form.title else f"{form.title}-{part.title}"


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(value)


def _all_signed(group: Sequence[_Decision]) -> bool | None:
    checked = [d.signed for d in group if d.signed is not None]
    return any(checked) if checked else None


def _pages_pdf(path: Path, pages: Sequence[int], images: dict[int, Path]) -> bytes:
    """The given pages as PDF bytes: copied from a PDF source without re-encoding, or the
    one-page PDFs of a TIFF/JPEG/PNG source's pages (see :func:`_spill`) joined."""
    from pypdf import PdfReader, PdfWriter

    buffer = io.BytesIO()
    writer = PdfWriter()
    if path.suffix.lower() == ".pdf":
        reader = PdfReader(path)
        for p in pages:
            writer.add_page(reader.pages[p - 1])
    else:
        for p in pages:
            writer.add_page(PdfReader(images[p]).pages[0])
    writer.write(buffer)
    return buffer.getvalue()


def _spill(image: Any, target: Path) -> Path:
    """Write a page image as a one-page PDF (at its own resolution) and forget the image."""
    frame = _printable(image)
    dpi = frame.info.get("dpi", (200, 200))[0] or 200
    frame.save(target, format="PDF", resolution=float(dpi))
    return target


def _printable(image: Any) -> Any:
    return image if image.mode in ("1", "L", "RGB") else image.convert("RGB")


def _place(folder: Path, base: str, content: bytes) -> tuple[Path, int]:
    """Write ``content`` as ``base.pdf`` (or ``base-v2.pdf`` … when a different file is there);
    the same bytes already there are reused, so a re-run after a crash adds no version."""
    version = 1
    while True:
        name = f"{base}.pdf" if version == 1 else f"{base}-v{version}.pdf"
        target = folder / name
        if not target.exists():
            with atomic_write(target, "wb") as fh:
                fh.write(content)
            return target, version
        if target.read_bytes() == content:
            return target, version
        version += 1


# -- signature verdicts a person checks (签字复核) ----------------------------------------------

SIGNATURE_CROPS = Path("review") / "signatures"
VERDICTS = ("signed", "unsigned")


@dataclass(frozen=True)
class SignatureReview:
    """A page's signature verdict with a picture of each signature area, for a person."""

    record: SignatureRecord
    crops: tuple[Path, ...]
    """One PNG per area (in the workspace's ``review/signatures/``), the scan aligned onto the
    issued page; a plain cut of the scan where the page could not be aligned."""


def signature_reviews(ws: WorkspaceView, *, everything: bool = False) -> list[SignatureReview]:
    """The pages whose signature verdict a person should check (uncertain or unknown, not yet
    confirmed) — every checked page with ``everything`` — each with crops of its areas."""
    return [
        SignatureReview(record, _crops(ws, record))
        for record in ws.registry.signature_checks(open_only=not everything)
    ]


def confirm_signature(ws: WorkspaceView, check_id: int, verdict: str, who: str) -> SignatureRecord:
    """A person's verdict on page ``check_id`` (``signed`` / ``unsigned``), recorded with who
    gave it; the archive file and the audit follow it."""
    if verdict not in VERDICTS:
        raise InputError(
            f"签字复核结论应为已签字或未签字，而不是「{verdict}」。",
            field="verdict",
            cli="（signed 已签字，unsigned 未签字）",
        )
    if not who.strip():
        raise InputError("请写明复核人（如 辅导员 王颖）。", field="who", cli="（--who）")
    if ws.registry.signature_check(check_id) is None:
        raise InputError(
            f"没有第 {check_id} 条签字检查记录。",
            cli="请用 yujing review --signatures 查看编号。",
        )
    return ws.registry.confirm_signature(check_id, verdict, who.strip())


def _crops(ws: WorkspaceView, record: SignatureRecord) -> tuple[Path, ...]:
    from yujing.archive.reader import iter_pages, scan_page
    from yujing.archive.signature import crop_area, issued_page

    path = ws.root / record.file
    if not path.is_file() or not record.areas:
        return ()
    try:
        page = next(p for p in iter_pages(path) if p.page == record.file_page)
    except (StopIteration, UnreadableFileError):
        return ()
    secret = load_secret(ws.root)
    want = PartRef(record.serial, record.part) if record.serial is not None else None
    scan = scan_page(page.image, accept=lambda text: verify(secret, text).ref == want)
    spots = [s for s in scan.spots if verify(secret, s.text).ref == want]
    issued = next(
        (
            r["file"]
            for r in ws.registry.issued_parts(record.serial)
            if r["part"] == record.part and r["file"]
        ),
        None,
    )
    crops: list[Path] = []
    folder = ws.root / SIGNATURE_CROPS
    for area in record.areas:
        image = None
        if issued is not None and (ws.root / issued).is_file():
            form, _ = part_by_code(ws.forms, record.part)
            number = [p.code for p in form.parts].index(record.part) + 1
            image = crop_area(page.image, issued_page(ws.root / issued, number), spots, area.box)
        if image is None:  # not alignable: the same place on the scan as it is
            w, h = page.image.size
            x0, y0, x1, y1 = area.box
            image = page.image.crop((int(x0 * w), int(y0 * h), int(x1 * w), int(y1 * h)))
        target = folder / f"{record.id}-{area.area}.png"
        buffer = io.BytesIO()
        image.save(buffer, format="PNG")
        with atomic_write(target, "wb") as fh:
            fh.write(buffer.getvalue())
        crops.append(target)
    return tuple(crops)


SET_ASIDE = {"discarded": "不是本系统材料", "duplicate": "重复"}
"""What a person may set a review item aside as; its file stays where it is (kept, logged)."""


@dataclass(frozen=True)
class ReviewItem:
    """A page of the review queue (待处理) as a person sees it: where it came from, why it
    waits, and who uploaded it from which account."""

    id: int
    source_name: str
    page: int
    reason: str
    status: str
    file: str
    uploaded_by: str
    """The account that uploaded it (empty: the command line on the server)."""
    uploader: str
    """Who that is, in words (账号、角色、名单中的姓名)."""
    at: str


def _review_item(row: Mapping[str, Any], accounts: Mapping[str, Any]) -> ReviewItem:
    account = row.get("uploaded_by")
    user = accounts.get(account) if account else None
    if user is not None:
        uploader = (
            f"{account}（{ROLES.get(user.role, user.role)}"
            + (f" {user.roster_name}" if user.roster_name else "")
            + "）"
        )
    elif account:
        uploader = str(account)
    else:
        uploader = "服务器上的命令行" if account == "" else "未记录（早期上传）"
    return ReviewItem(
        int(row["id"]),
        row["source_name"] or "",
        int(row["page"] or 0),
        row["reason"] or "",
        row["status"] or "",
        row["file"] or "",
        account or "",
        uploader,
        row["at"] or "",
    )


def review_items(ws: WorkspaceView, *, include_blank: bool = False) -> list[ReviewItem]:
    """The open review queue (blank backs only when asked), each with its uploader."""
    registry = ws.registry
    accounts = {u.name: u for u in registry.users()}
    return [_review_item(r, accounts) for r in registry.review_items(include_blank=include_blank)]


@dataclass(frozen=True)
class AssignPreview:
    """What filing a review item by hand would do (人工归档核对): the student (or the college
    document) the typed serial belongs to and the part's title — shown before anything is
    filed."""

    item: int
    serial: int
    part: str
    title: str
    """The document's title (学业预警通知书-学生联)."""
    student_id: str
    name: str
    class_name: str
    term: str

    @property
    def who(self) -> str:
        """``张三（2023010101，机械2301）``, or the college document's title."""
        if not self.student_id:
            return "学院材料"
        return f"{self.name}（{self.student_id}，{self.class_name}）"


@dataclass(frozen=True)
class Assigned:
    """A review item filed by hand: what was checked and what happened."""

    preview: AssignPreview
    outcome: PageOutcome


def _open_item(ws: WorkspaceView, item_id: int) -> dict[str, Any]:
    item = ws.registry.review_item(item_id)
    if item is None:
        raise InputError(f"待处理队列中没有第 {item_id} 项。")
    if item["status"] == "assigned":
        raise InputError(f"第 {item_id} 项已于 {item['assigned_at']} 归档。")
    if item["status"] in SET_ASIDE:
        raise InputError(
            f"第 {item_id} 项已标为「{SET_ASIDE[item['status']]}」（{item.get('decided_by') or ''}）。"
        )
    return item


def assign_preview(ws: WorkspaceView, item_id: int, serial: int, part: str) -> AssignPreview:
    """Check a hand filing before it is made: the serial is active, the part is one of the
    forms catalogue (none is assumed), and whose folder the page would go to."""
    registry = ws.registry
    _open_item(ws, item_id)
    if not part.strip():
        raise InputError("请选择这一页是哪一联（联别）。")
    row = registry.serial(serial)
    if row is None:
        raise InputError(f"没有编号 {format_serial(serial)}。")
    if row["status"] != "active":
        raise InputError(f"编号 {format_serial(serial)} 已作废，不能归档到它名下。")
    college = registry.college_doc(serial)
    if college is not None:
        if part.upper() != college["part"]:
            raise InputError(
                f"编号 {format_serial(serial)} 是学院材料「{college['title']}」，联别代码应为 "
                f"{college['part']}。"
            )
        return AssignPreview(
            item_id, serial, college["part"], college["title"], "", "", "", row["term"]
        )
    try:
        form, spec = part_by_code(ws.forms, part.upper())
    except FormsError as exc:
        raise InputError(f"联别代码「{part}」不在本规则的表单目录中：{exc}") from exc
    sid = row["student_id"]
    student = registry.student(sid) or {}
    return AssignPreview(
        item_id,
        serial,
        spec.code,
        _title(form, spec),
        sid,
        str(student.get("name") or ""),
        str(student.get("class_name") or ""),
        row["term"],
    )


@writes
def assign(
    ws: WorkspaceView, item_id: int, serial: int, part: str, *, confirmed: bool
) -> Assigned:
    """File review item ``item_id`` by hand as part ``part`` of ``serial`` (人工归档), once a
    person has checked :func:`assign_preview` (``confirmed``); refused otherwise."""
    preview = assign_preview(ws, item_id, serial, part)
    from yujing.archive.pdfa import check_open  # (pdfa loads PDFium: only when filing)

    check_open(ws, Term.parse(preview.term))  # a term handed over to the archive is closed
    if not confirmed:
        raise InputError(
            f"请先核对再确认归档：第 {item_id} 项将归入 {preview.who} 的「{preview.title}」"
            f"（编号 {format_serial(serial)}）。"
        )
    registry = ws.registry
    item = _open_item(ws, item_id)
    code = preview.part
    placed = _place_part(ws, serial, code, (ws.root / item["file"]).read_bytes(), "人工归档")
    rel, sid = placed.rel, placed.student_id
    with registry.transaction():
        _record_part(
            ws,
            placed,
            source_name=item["source_name"],
            source_sha=item["source_sha"],
            pages=str(item["page"]),
            signed=None,
        )
        registry.resolve_review_item(item_id, serial, code)
        registry.log("assign", f"待处理第 {item_id} 项 → {rel}", term=placed.term, student_id=sid)
    outcome = PageOutcome(
        Path(item["source_name"]), item["page"], FILED, "人工归档", serial, code, rel, sid
    )
    return Assigned(preview, outcome)


@writes
def set_aside(ws: WorkspaceView, item_id: int, status: str, note: str = "") -> ReviewItem:
    """Set a review item aside as 不是本系统材料 (``discarded``) or 重复 (``duplicate``): it
    leaves the queue, the decision is logged with the account, the file is kept."""
    if status not in SET_ASIDE:
        raise InputError(f"处理方式应为 {'、'.join(SET_ASIDE.values())} 之一。")
    item = _open_item(ws, item_id)
    registry = ws.registry
    with registry.transaction():
        registry.set_review_item_decision(item_id, status, registry.account, note.strip()[:500])
        registry.log(
            "review-set-aside",
            f"待处理第 {item_id} 项（{item['source_name']} 第 {item['page']} 页）标为"
            f"「{SET_ASIDE[status]}」" + (f"：{note.strip()[:500]}" if note.strip() else "")
            + f"；文件保留在 {item['file']}",
        )
    row = registry.review_item(item_id)
    assert row is not None
    return _review_item(row, {u.name: u for u in registry.users()})


def manifest_rows(ws: WorkspaceView) -> Iterator[dict[str, str]]:
    """Every archived file: issued copies, then scans and hand-filed pages."""
    registry = ws.registry
    students = registry.students()
    for issued in registry.issued_files():
        sid = issued.student_id
        yield {
            "学号": sid,
            "姓名": students[sid].name if sid in students else "",
            "编号": format_serial(issued.serial),
            "联别": issued.form_title,
            "文件": issued.file,
            "来源": "",
            "页码": "",
            "sha256": issued.sha256,
        }
    for doc in registry.college_docs():
        if doc["file"]:  # the issued copies of the college-level documents
            yield {
                "学号": COLLEGE_FOLDER,
                "姓名": doc["college"],
                "编号": format_serial(doc["serial"]),
                "联别": doc["title"] + (f"（{doc['copy']}）" if doc["copy"] else ""),
                "文件": doc["file"],
                "来源": "",
                "页码": "",
                "sha256": doc["sha256"] or "",
            }
    for row in registry.archive_file_rows():
        sid = row.student_id
        yield {
            "学号": sid,
            "姓名": students[sid].name if sid in students else "",
            "编号": format_serial(row.serial) if row.serial else "",
            "联别": row.title,
            "文件": row.path,
            "来源": row.source_name,
            "页码": row.source_pages,
            "sha256": row.sha256,
        }


def write_manifest(ws: WorkspaceView, output: Path) -> int:
    """``archive manifest``: the rows of :func:`manifest_rows` as CSV (UTF-8 with BOM)."""
    from yujing.outputs import write_csv

    if output.suffix.lower() != ".csv":
        raise InputError(f"清单文件 {output.name} 应以 .csv 结尾。")
    rows = list(manifest_rows(ws))
    header = ["学号", "姓名", "编号", "联别", "文件", "来源", "页码", "sha256"]
    write_csv(output, header, ([r[h] for h in header] for r in rows))
    return len(rows)
