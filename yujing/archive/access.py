"""The archive as the console shows it (档案查阅与上传): a student's folder by opaque file ids,
an adviser's scan upload that refuses other advisers' students, review-queue previews, batch
downloads, and uploads checked for type and size before anything reads them."""

from __future__ import annotations

import secrets
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from yujing.accounts import students_of, token_digest
from yujing.engine.assess import Progress
from yujing.errors import (
    AccessDeniedError,
    InputError,
)
from yujing.files import atomic_write
from yujing.imports.legacy import kind_of
from yujing.registry import (
    UserRow,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from yujing.archive.intake import IntakeResult
    from yujing.stage import WorkspaceView

UPLOAD_SUFFIXES = {
    "import": frozenset({".csv", ".xlsx", ".xls"}),
    "scan": frozenset({".pdf", ".tif", ".tiff", ".jpg", ".jpeg", ".png"}),
}


def _starts(*magic: bytes) -> Callable[[bytes], bool]:
    return lambda content: content.startswith(magic)


_UPLOAD_CONTENT: dict[str, Callable[[bytes], bool]] = {
    ".pdf": _starts(b"%PDF"),
    ".png": _starts(b"\x89PNG"),
    ".jpg": _starts(b"\xff\xd8\xff"),
    ".jpeg": _starts(b"\xff\xd8\xff"),
    ".tif": _starts(b"II*\x00", b"MM\x00*"),
    ".tiff": _starts(b"II*\x00", b"MM\x00*"),
    ".xlsx": _starts(b"PK\x03\x04"),
    ".xls": lambda content: bool(kind_of(content[:4096])),  # Excel 97, a web page, XML, zip
}
"""What an upload's first bytes must be for its suffix (checked as well as the name)."""


@dataclass(frozen=True)
class FolderFile:
    """A file in a student's folder, named by an opaque id for download routes."""

    fid: str
    relative: str
    name: str
    term: str
    size: int


def student_folder_files(ws: WorkspaceView, student_id: str) -> list[FolderFile]:
    """Every file in the student's folder (一生一档), each with an opaque id."""
    from yujing.archive import folder_for

    row = ws.registry.student(student_id)
    if row is None:
        raise InputError(f"学生名单中没有学号 {student_id}。")
    folder = folder_for(ws, student_id, row["name"] or "", assign=False)
    out: list[FolderFile] = []
    if folder.is_dir():
        for path in sorted(p for p in folder.rglob("*") if p.is_file()):
            rel = str(path.relative_to(ws.root))
            term = path.parent.name if path.parent != folder else ""
            out.append(
                FolderFile(token_digest(rel)[:20], rel, path.name, term, path.stat().st_size)
            )
    return out


def student_folder_file(ws: WorkspaceView, student_id: str, fid: str) -> Path:
    for f in student_folder_files(ws, student_id):
        if f.fid == fid:
            return ws.root / f.relative
    raise InputError("档案中没有这个文件（可能已被移动）。")


def scan_own(
    ws: WorkspaceView,
    paths: Sequence[Path],
    user: UserRow,
    *,
    progress: Progress | None = None,
) -> IntakeResult:
    """Scan intake for an adviser's upload: every page whose code names a student who is
    not theirs refuses the whole upload (logged) before anything is filed."""
    from yujing.archive.intake import ingest
    from yujing.archive.reader import iter_pages, scan_pages
    from yujing.qr import load_secret, verify

    allowed = students_of(ws, user)
    retake: list[Path] = []
    if allowed is not None:
        secret = load_secret(ws.root)
        serials: dict[int, int] = {}
        for path in paths:
            coded = False
            for page, scan in scan_pages(
                iter_pages(path), accept=lambda text: verify(secret, text).ok
            ):
                coded = coded or bool(scan.codes) or scan.blank
                for code in scan.codes:
                    ref = verify(secret, code).ref
                    if ref is not None:
                        serials[ref.serial] = page.page
            if not coded and path.suffix.lower() in PHOTO_SUFFIXES:
                retake.append(path)
        owners = ws.registry.serial_students(serials)
        foreign = sorted((p, s) for s, p in serials.items() if owners.get(s, "") not in allowed)
        if foreign:
            page_no, serial = foreign[0]
            with ws.registry.transaction():
                ws.registry.log(
                    "access-denied",
                    f"{user.name} 上传的扫描件第 {page_no} 页属于其他学生（编号 {serial}），已拒收",
                    student_id=owners.get(serial, ""),
                )
            raise AccessDeniedError(
                f"上传的文件第 {page_no} 页的二维码属于不是您名下的学生，整份文件未归档。"
            )
    from dataclasses import replace

    from yujing.archive.intake import RETAKE, RETAKE_REASON, PageOutcome

    result = ingest(ws, [p for p in paths if p not in retake], progress=progress)
    back = tuple(PageOutcome(p, 1, RETAKE, RETAKE_REASON) for p in retake)
    return replace(result, pages=result.pages + back) if back else result


PHOTO_SUFFIXES = frozenset({".jpg", ".jpeg", ".png"})
"""A phone's photos: one without a readable code is handed back to retake (请重拍)."""


def review_preview(ws: WorkspaceView, item_id: int, *, dpi: int = 70) -> tuple[bytes, str]:
    """A picture of a review item's page for the browser: (PNG or JPEG bytes, media type);
    a PDF page is rendered with poppler's pdftoppm."""
    import subprocess

    item = ws.registry.review_item(item_id)
    if item is None or not item["file"]:
        raise InputError(f"没有待处理项 {item_id}。")
    path = ws.root / item["file"]
    suffix = path.suffix.lower()
    if suffix in (".png", ".jpg", ".jpeg"):
        return path.read_bytes(), "image/png" if suffix == ".png" else "image/jpeg"
    # rendered once and kept, named by the page file's content (a changed file renders anew)
    from yujing.files import sha256_file

    if not path.is_file():
        raise InputError(f"待处理项 {item_id} 的页面文件已不在（{path.name}）。")
    kept = ws.root / "review" / "previews" / f"{sha256_file(path)}-{dpi}.png"
    if kept.is_file():
        return kept.read_bytes(), "image/png"
    if shutil.which("pdftoppm") is None:
        raise InputError("无法显示页面图像：未安装 poppler-utils（pdftoppm）。")
    proc = subprocess.run(
        # -W/-H: at most 2000×2000 pixels drawn, whatever the page's size (an A4 page at 70 dpi
        # is 579×819; a 14,400-pt page would be 196 million pixels)
        ["pdftoppm", "-r", str(dpi), "-W", "2000", "-H", "2000", "-png", "-f", "1", "-l", "1",
         "-singlefile", str(path)],
        capture_output=True,
        check=False,
    )
    if proc.returncode != 0 or not proc.stdout:
        raise InputError(f"待处理项 {item_id} 的页面无法显示（{path.name}）。")
    kept.parent.mkdir(parents=True, exist_ok=True)
    with atomic_write(kept, "wb") as fh:
        fh.write(proc.stdout)
    return proc.stdout, "image/png"


def batch_file(ws: WorkspaceView, batch_id: str, what: str) -> Path:
    """A batch's file to download: ``print.pdf``, ``list.xlsx`` (批次名单) or ``covers.pdf``
    (the class cover sheets, 发放单, joined for printing apart)."""
    batch = ws.registry.batch(batch_id)
    if batch is None:
        raise InputError(f"没有批次 {batch_id}。")
    folder = ws.root / "batches" / batch["id"]
    if what == "print.pdf":
        return folder / "print.pdf"
    if what == "list.xlsx":
        return folder / "名单.xlsx"
    if what == "covers.pdf":
        from yujing.pdfkit import join_pdfs

        covers = sorted((folder / "pdf").glob("cover-*.pdf"))
        if not covers:
            raise InputError(
                f"批次 {batch_id} 没有发放单 PDF（LibreOffice 未安装时只有 Word 文件）。"
            )
        target = folder / "发放单.pdf"
        join_pdfs([(c, None) for c in covers], target)
        return target
    raise InputError(f"批次没有文件「{what}」。")


def save_upload(ws: WorkspaceView, purpose: str, name: str, content: bytes) -> Path:
    """Keep an uploaded file under ``uploads/<random>/``: the name is checked (no folders,
    no ``..``), the type by suffix and first bytes; the user's name is never a path."""
    suffixes = UPLOAD_SUFFIXES[purpose]
    if not name or "/" in name or "\\" in name or ".." in name or "\x00" in name:
        raise InputError(f"文件名「{name}」不可用（不能含有路径）。请改名后再上传。")
    suffix = Path(name).suffix.lower()
    if suffix not in suffixes:
        raise InputError(f"文件 {name} 的类型不支持；可上传：{'、'.join(sorted(suffixes))}。")
    if not content:
        raise InputError(f"文件 {name} 是空的。")
    fits = _UPLOAD_CONTENT.get(suffix)
    if fits is not None and not fits(content):
        raise InputError(f"文件 {name} 的内容与扩展名 {suffix} 不符。")
    from yujing.archive import safe_name

    folder = ws.root / "uploads" / f"{datetime.now():%Y%m%d-%H%M%S}-{secrets.token_hex(4)}"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / safe_name(name)
    with atomic_write(target, "wb") as fh:
        fh.write(content)
    with ws.registry.transaction():
        ws.registry.log("upload", f"{purpose}：{target.relative_to(ws.root)}")
    return target
