"""The archive (一生一档): one folder per student inside the workspace's ``archive/``.

``archive/<学号>-<姓名>/<学期>/`` holds what was issued to the student that term (the copy of
each notice as printed) and, later, what came back (scans, transcripts, records). Names built
from a student's name are sanitised: no path separators, no characters Windows refuses, no
control characters, no leading dots, bounded length.

**The folder follows the 学号.** A student's folder is named at first filing and recorded in
the registry (``student_folders``); every later filing looks it up by 学号, so a name changed
by a roster import renames nothing and starts no second folder. The 学号 part of the name is
encoded injectively (letters and digits kept, anything else as ``%XX``), so two ids never share
a folder (``2025/0001`` → ``2025%2F0001``, ``2025:0001`` → ``2025%3A0001``); ids of letters and
digits read as before. Workspaces filed before folders were recorded keep their folders: the
first path the registry holds for the student names it.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from yujing.stage import WorkspaceView

_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
_ID_KEEP = re.compile(r"[A-Za-z0-9]")
MAX_NAME = 60


def safe_name(text: str, *, fallback: str = "未命名") -> str:
    """A file-name-safe form of ``text`` (Chinese kept; separators and control characters
    replaced by ``_``; leading dots and spaces removed)."""
    cleaned = _FORBIDDEN.sub("_", unicodedata.normalize("NFC", text)).strip().lstrip(".").strip()
    cleaned = re.sub(r"\s+", " ", cleaned)
    return cleaned[:MAX_NAME] or fallback


def id_part(student_id: str) -> str:
    """The 学号 as a folder-name part, injectively: letters and digits as they are, every other
    character as ``%XX`` of its UTF-8 bytes (``-`` too, so the first ``-`` ends the id)."""
    return "".join(
        ch if _ID_KEEP.fullmatch(ch) else "".join(f"%{b:02X}" for b in ch.encode("utf-8"))
        for ch in student_id
    )


def id_from_part(part: str) -> str:
    """The inverse of :func:`id_part`."""
    out = bytearray()
    i = 0
    while i < len(part):
        if part[i] == "%" and re.fullmatch(r"[0-9A-F]{2}", part[i + 1 : i + 3]):
            out.append(int(part[i + 1 : i + 3], 16))
            i += 3
        else:
            out += part[i].encode("utf-8")
            i += 1
    return out.decode("utf-8", errors="replace")


COLLEGE_FOLDER = "_学院"
"""``archive/_学院/<学期>/``: the college-level documents of a term (名单、清单、汇总表 and the
signed cover sheets of the class piles), beside the students' folders."""


def college_folder(archive_root: Path, term: str) -> Path:
    """``archive/_学院/<学期>``."""
    return archive_root / COLLEGE_FOLDER / safe_name(term)


def student_folder(archive_root: Path, student_id: str, name: str) -> Path:
    """``archive/<学号>-<姓名>`` as a new folder would be named (the 学号 first, so folders sort
    and stay unique). Filing code uses :func:`folder_for`, which keeps a student's folder."""
    ident = id_part(student_id)
    if not name:
        return archive_root / ident
    return archive_root / (ident + "-" + safe_name(name)[: max(1, MAX_NAME - len(ident) - 1)])


def folder_for(
    ws: WorkspaceView,
    student_id: str,
    name: str,
    *,
    assign: bool = True,
    known: dict[str, str] | None = None,
) -> Path:
    """The student's folder in ``ws``'s archive: the one recorded for the 学号 (for an older
    workspace, recorded by registry migration 3 from the student's first filed path), else a
    new one (recorded when ``assign``;
    the caller holds the writer lock). Never another student's folder. ``known`` (学号 →
    folder, from :meth:`Registry.student_folders`) lets a caller filing many students read the
    table once; it is kept up to date."""
    registry = ws.registry
    if known is None:
        known = registry.student_folders()
    folder = known.get(student_id)  # older workspaces' folders: registry migration 3
    if folder is None:
        base = student_folder(Path(), student_id, name).name
        taken = {f.casefold() for sid, f in known.items() if sid != student_id}
        folder, n = base, 2
        while folder.casefold() in taken:  # case-insensitive disks (Windows, macOS)
            folder, n = f"{base}~{n}", n + 1
    if assign and known.get(student_id) != folder:
        registry.set_student_folder(student_id, folder)
        known[student_id] = folder
    return ws.archive_dir / folder


def _owner(folder: str, known: dict[str, str]) -> str:
    for sid, f in known.items():
        if f == folder:
            return sid
    return id_from_part(folder.split("-", 1)[0].split("~", 1)[0])


def folder_owner(ws: WorkspaceView, folder: str) -> str:
    """The 学号 a folder of ``archive/`` belongs to (recorded, else read from its name)."""
    return _owner(folder, ws.registry.student_folders())


def folder_problems(ws: WorkspaceView) -> dict[str, list[str]]:
    """学号 → its folders in ``archive/``, for every 学号 with more than one (a name changed
    before folders followed the 学号)."""
    archive = ws.archive_dir
    if not archive.is_dir():
        return {}
    known = ws.registry.student_folders()
    by_id: dict[str, list[str]] = {}
    for entry in sorted(archive.iterdir()):
        if entry.is_dir() and not entry.name.startswith("."):
            by_id.setdefault(_owner(entry.name, known), []).append(entry.name)
    return {sid: names for sid, names in by_id.items() if len(names) > 1}


def shared_folders(ws: WorkspaceView) -> dict[str, list[str]]:
    """Folder → the 学号 whose filed paths are in it, for folders holding more than one."""
    return _shared(ws.registry.student_paths())


def _shared(pairs: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    owners: dict[str, set[str]] = {}
    for sid, rel in pairs:
        parts = PurePosixPath(rel).parts
        if len(parts) > 2 and parts[0] == "archive":
            owners.setdefault(parts[1], set()).add(sid)
    return {f: sorted(s) for f, s in owners.items() if len(s) > 1}
