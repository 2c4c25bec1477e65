"""Tables of the long-term archive (归档: PDF/A copies, 件号, handovers, closed terms), until
the migration framework turns them into a named migration.

- ``archive_copies`` — **evidence, sealed** (HMAC per row, chained, like ``archive_files``):
  one row per 件 (archived document): the original in the student's folder and its hash, the
  PDF/A archive copy beside it and its hash, the DA/T 22 identifiers (全宗号, 年度, 保管期限,
  机构, 件号 and the 档号 built from them), the page count, how it was made.
- ``archive_handovers`` — **evidence, sealed**: each handover (移交) of a term: who, to whom,
  when, the package's folder and its manifest's hash, how many files, the 四性 result.
- ``archive_terms`` — a term's archive state (``closed`` after its handover, ``open`` after an
  explicit reopening, with who and why); every change also goes to the event log.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlite_utils

COPIES = "archive_copies"
HANDOVERS = "archive_handovers"
TERMS = "archive_terms"


def migrate(db: sqlite_utils.Database) -> None:
    """Create the archive tables if missing (idempotent)."""
    text, integer = str, int
    copies = {
        "id": integer,
        "student_id": text,
        "term": text,
        "kind": text,
        "title": text,
        "date": text,
        "responsible": text,
        "original": text,
        "original_sha256": text,
        "path": text,
        "sha256": text,
        "pages": integer,
        "method": text,
        "fonds": text,
        "year": integer,
        "retention": text,
        "org": text,
        "item_no": integer,
        "doc_no": text,
        "at": text,
        "seal": text,
    }
    handovers = {
        "id": integer,
        "term": text,
        "who": text,
        "recipient": text,
        "folder": text,
        "manifest_sha256": text,
        "files": integer,
        "passed": integer,
        "at": text,
        "seal": text,
    }
    terms = {"term": text, "status": text, "who": text, "reason": text, "at": text}
    for name, columns, pk in (
        (COPIES, copies, "id"),
        (HANDOVERS, handovers, "id"),
        (TERMS, terms, "term"),
    ):
        table = db.table(name)
        if not table.exists():
            db.create_table(name, columns, pk=pk)
        else:
            have = table.columns_dict
            for column, kind in columns.items():
                if column not in have:
                    table.add_column(column, kind)
    db.execute(f"create index if not exists idx_{COPIES}_original on {COPIES}(original)")
    db.execute(f"create index if not exists idx_{COPIES}_term on {COPIES}(term)")
    db.execute(f"create index if not exists idx_{COPIES}_student on {COPIES}(student_id)")


@dataclass(frozen=True)
class ArchiveCopy:
    """One 件 (archived document) and its PDF/A archive copy (归档件)."""

    id: int
    student_id: str
    term: str
    kind: str
    """issued (发出留存) | scan (回收扫描) | record (附件与记录) | college (学院材料)"""
    title: str
    date: str
    responsible: str
    """责任者 (the school or college that made the document)."""
    original: str
    original_sha256: str
    path: str
    sha256: str
    pages: int
    method: str
    fonds: str
    year: int
    retention: str
    org: str
    item_no: int
    doc_no: str
    """档号 (全宗号-门类·年度-保管期限-机构-件号)."""
    at: str
    seal: str


def copy_row(row: dict[str, Any]) -> ArchiveCopy:
    """A row of ``archive_copies`` as a value (NULL as 0 or "")."""
    ints = {"id", "pages", "year", "item_no"}

    def value(name: str) -> Any:
        v = row.get(name)
        if v is None:
            return 0 if name in ints else ""
        return int(v) if name in ints else str(v)

    return ArchiveCopy(*(value(name) for name in ArchiveCopy.__dataclass_fields__))
