"""The archive (一生一档): one folder per student inside the workspace's ``archive/``.

``archive/<学号>-<姓名>/<学期>/`` holds what was issued to the student that term (the copy of
each notice as printed) and, later, what came back (scans, transcripts, records). Names built
from a student's name are sanitised: no path separators, no characters Windows refuses, no
control characters, no leading dots, bounded length.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

_FORBIDDEN = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]')
MAX_NAME = 60


def safe_name(text: str, *, fallback: str = "未命名") -> str:
    """A file-name-safe form of ``text`` (Chinese kept; separators and control characters
    replaced by ``_``; leading dots and spaces removed)."""
    cleaned = _FORBIDDEN.sub("_", unicodedata.normalize("NFC", text)).strip().lstrip(".").strip()
    cleaned = re.sub(r"\s+", " ", cleaned)
    return cleaned[:MAX_NAME] or fallback


COLLEGE_FOLDER = "_学院"
"""``archive/_学院/<学期>/``: the college-level documents of a term (名单、清单、汇总表 and the
signed cover sheets of the class piles), beside the students' folders."""


def college_folder(archive_root: Path, term: str) -> Path:
    """``archive/_学院/<学期>``."""
    return archive_root / COLLEGE_FOLDER / safe_name(term)


def student_folder(archive_root: Path, student_id: str, name: str) -> Path:
    """``archive/<学号>-<姓名>``; the 学号 comes first so folders sort and stay unique."""
    return archive_root / safe_name(f"{student_id}-{name}" if name else student_id)
