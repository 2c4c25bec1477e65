"""The workspace's SQLite registry (登记库), through sqlite-utils.

Tables: ``students``, ``grades``, ``plan``, ``flags``, ``imported_levels`` (the imports, each
keyed by the record's identity), ``imports`` and ``changes`` (what every import did),
``lists`` and ``list_entries`` (warning lists per term, draft or frozen), ``objections``
(学生核查异议), ``events`` (the log of every action). sqlite3 errors are wrapped in
:class:`~yujing.errors.RegistryError` with a Chinese message (SQLite's English text stays in
the exception's cause, for debugging).

**Seals (封印).** The rows that are evidence — ``archive_files`` (filed scans), ``records``
(attachments, typed records) and ``events`` (the log) — each carry a seal: an HMAC with the
workspace secret over the row's content (``row``) and a chain HMAC over the previous row's
chain and this row's mac (``chain``), stored as ``"<row>.<chain>"``; ``seal_heads`` keeps,
per table, the row count, the last id and the last chain, itself under an HMAC. A row changed
by hand fails its ``row`` mac; a row deleted breaks the chain of the row after it (or the
head, when it was the last); a row inserted by hand has no valid seal. These tables are
append-only: a legitimate change to one of their rows must go through a method here that
seals it again.

The tables that decide what is printed or audited — ``lists``, ``list_entries``, ``serials``,
``issued_parts``, ``approvals``, ``users``, ``signature_checks``, ``file_facts`` — change
through yujing, so each row carries its HMAC and the table's head the count and the sum of
them (a row deleted, inserted, changed or put back to an older version no longer adds up);
every write goes through :meth:`Registry._sealed_change`, which refuses to touch a row that
fails its seal. The heads are also kept outside the SQLite file, in the signed checkpoint
``registry.seal`` (:mod:`yujing.registry.sealfile`). A registry is sealed for the first time
only by the migration from a version without these seals (:mod:`yujing.registry.migrations`),
once, with an event ``registry-seal`` — never on an ordinary opening, so deleting
``seal_heads`` is found, not re-sealed. What the seals prove and cannot: docs/seals.md.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlite_utils
from filelock import FileLock, Timeout

from yujing.errors import RegistryError, RegistryTooNewError, SecretMissingError
from yujing.faults import checkpoint
from yujing.model import (
    Attempt,
    AttemptKind,
    Flag,
    ImportedLevel,
    ListRow,
    PlanRow,
    Progress,
    Student,
    Term,
)
from yujing.registry import migrations as schema
from yujing.registry import pending_archive
from yujing.registry.boundary import sqlite_message, translate_sqlite_errors
from yujing.registry.migrations import (
    CHAIN_SEALED,
    SET_SEALED,
    AppliedMigration,
    MigrationReport,
    SchemaStatus,
)
from yujing.registry.pending_archive import ArchiveCopy, copy_row
from yujing.registry.sealfile import (
    CheckpointProblem,
    Head,
    checkpoint_path,
    heads_digest,
    read_checkpoint,
    write_checkpoint,
)

KEY_SEP = "\x1f"
SEALED_TABLES = CHAIN_SEALED
"""Append-only sealed tables (row HMAC + chain); :data:`SET_SEALED` are sealed by sum."""
_SUM = 1 << 128
SEAL_EVENT = "registry-seal"
RECORD_TABLES = {
    "roster": "students",
    "grades": "grades",
    "plan": "plan",
    "flags": "flags",
    "levels": "imported_levels",
}


COLLEGE_KEY = "_学院/"
"""Prefix of the ``student_id`` under which a college-level document's serial is kept."""


def now() -> str:
    """The one clock (时间): local time to the second, as stored in the registry and printed."""
    return datetime.now().isoformat(timespec="seconds")


def today() -> date:
    """Today's date by :func:`now` (the same clock)."""
    return date.fromisoformat(now()[:10])


def record_row(record: Any, key: tuple[str, ...]) -> dict[str, Any]:
    """A record as a registry row (Decimals and terms as text)."""
    row: dict[str, Any] = {"key": KEY_SEP.join(key)}
    if isinstance(record, Attempt):
        row.update(
            student_id=record.student_id,
            term=str(record.term),
            term_key=record.term.key,
            course_code=record.course_code,
            course_name=record.course_name,
            credits=str(record.credits),
            kind=record.kind.value,
            kind_text=record.kind_text,
            student_name=record.student_name,
            score=record.score,
            remark=record.remark,
        )
    elif isinstance(record, Student):
        row.update(record.__dict__)
    elif isinstance(record, PlanRow):
        row.update(
            grade=record.grade,
            major=record.major,
            term=str(record.term),
            term_key=record.term.key,
            credits=str(record.credits),
        )
    elif isinstance(record, Flag):
        row.update(student_id=record.student_id, term=str(record.term), flag=record.flag)
    elif isinstance(record, ImportedLevel):
        row.update(
            student_id=record.student_id,
            term=str(record.term),
            level=record.level,
            reason=record.reason,
            name=record.name,
        )
    else:  # pragma: no cover - programming error
        raise TypeError(type(record))
    return row


@dataclass(frozen=True)
class SignatureAreaRecord:
    """One signature blank of a checked page (签字处): how much new ink it carries."""

    area: int
    label: str
    box: tuple[float, float, float, float]
    ink: float
    signed: bool
    match: float
    uncertain: bool


@dataclass(frozen=True)
class SignatureRecord:
    """The signature verdict of one filed page (签字检查记录), and a person's word on it."""

    id: int
    source_name: str
    page: int
    serial: int | None
    part: str
    file: str
    file_page: int
    verdict: str
    """``signed``, ``unsigned``, ``partial`` or ``unknown`` (as the machine judged)."""
    reason: str
    uncertain: bool
    confirmed: str | None
    """``signed`` / ``unsigned`` once a person has said so, else None."""
    confirmed_by: str
    confirmed_at: str
    areas: tuple[SignatureAreaRecord, ...]

    @property
    def effective(self) -> str:
        """The verdict that counts: the person's word if given, else the machine's."""
        return self.confirmed or self.verdict


@dataclass(frozen=True)
class StoreResult:
    """What storing one file's records did."""

    inserted: int
    updated: int
    unchanged: int
    changes: tuple[tuple[str, str, str, str], ...]
    """(key, column, old, new) for every changed value."""


@dataclass(frozen=True)
class SavedList:
    """A stored warning list (预警名单) of one term."""

    term: Term
    policy: str
    status: str
    assessed_count: int
    created_at: str
    frozen_at: str | None
    entries: tuple[ListRow, ...]
    """Its rows in list order: the warned students, then the 解除 rows."""

    @property
    def frozen(self) -> bool:
        return self.status == "frozen"

    @property
    def warned(self) -> tuple[ListRow, ...]:
        return tuple(e for e in self.entries if e.level)

    def levels(self) -> dict[str, str]:
        return {e.student_id: e.level for e in self.warned}

    def entry(self, student_id: str) -> ListRow | None:
        """The row of ``student_id`` (warned or not), if the list has one."""
        return next((e for e in self.entries if e.student_id == student_id), None)


@dataclass(frozen=True)
class SerialRow:
    """A serial (编号) as stored: whose it is, of which term and batch, active or voided."""

    serial: int
    term: str
    student_id: str
    batch: str
    status: str
    void_reason: str
    created_at: str
    voided_at: str

    @property
    def active(self) -> bool:
        return self.status == "active"


@dataclass(frozen=True)
class ArchiveFile:
    """A file filed into a student's folder from a scan or by hand (归档文件)."""

    id: int
    student_id: str
    term: str
    serial: int | None
    form: str
    part: str
    title: str
    kind: str
    path: str
    sha256: str
    version: int
    source_name: str
    source_sha: str
    source_pages: str
    signed: int | None
    at: str


@dataclass(frozen=True)
class IssuedFile:
    """The archive copy of a part issued to a student (发出的通知书留档)."""

    student_id: str
    term: str
    serial: int
    form_title: str
    file: str
    sha256: str


@dataclass(frozen=True)
class ReturnedPart:
    """A part of a form that came back by scan (回收的联): student, form id, part code."""

    student_id: str
    form: str
    part: str


@dataclass(frozen=True)
class SealProblem:
    """A sealed row that does not match its seal (登记库被改动): table, row id, what is wrong,
    and the row's main values as stored now (empty when the row is gone)."""

    table: str
    row_id: int
    problem: str
    student_id: str = ""
    summary: str = ""


@dataclass(frozen=True)
class SealState:
    """What :meth:`Registry.check_seals` found: the problems, and when and how many rows the
    registry was first sealed (on upgrade from a version without seals; empty otherwise)."""

    problems: tuple[SealProblem, ...]
    checked: int
    sealed_on_upgrade: tuple[tuple[str, str], ...] = ()
    """(time, detail) of each ``registry-seal`` event."""
    head: str = ""
    """One HMAC over every sealed table's head (printed on audit reports); "" when unsealed."""
    checkpoint_at: str = ""
    """When the checkpoint ``registry.seal`` was last written ("" when there is none)."""


@translate_sqlite_errors
class Registry:
    """The registry of one workspace. Every public method and property turns a sqlite3 error
    into a :class:`~yujing.errors.RegistryError` with a Chinese message
    (:func:`~yujing.registry.boundary.translate_sqlite_errors`)."""

    account: str = ""
    """Who acts through this connection (an account of the web console); logged with every
    event. Empty for the command line."""

    def __init__(self, path: Path, secret: bytes | None = None) -> None:
        self.path = path
        self._secret = secret
        self.upgrade_note = ""
        """Said when this opening upgraded the registry (登记库已从第 N 版升级到第 M 版…)."""
        self.migration: MigrationReport | None = None
        """What this opening migrated (None when the registry was up to date)."""
        self._in_transaction = False
        self._heads_before: dict[str, Head] | None = None
        """Every sealed table's head before the running transaction changed one (for the
        checkpoint); None while no head changed."""
        try:
            conn = sqlite3.connect(path, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")  # readers never wait for a writer
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable across crashes of the app
            self.db = sqlite_utils.Database(conn)
            self._migrate()
        except sqlite3.Error as exc:
            raise RegistryError(f"无法打开登记库 {path}：{sqlite_message(exc)}。") from exc

    def close(self) -> None:
        self.db.conn.close()

    @contextmanager
    def transaction(self) -> Iterator[None]:
        """One atomic unit: everything inside lands, or nothing does. ``BEGIN IMMEDIATE``
        takes the write lock first, so two processes never interleave; sqlite-utils' own
        ``atomic()`` blocks inside become savepoints."""
        conn = self.db.conn
        try:
            conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise RegistryError(f"登记库无法写入（{self.path}）：{sqlite_message(exc)}。") from exc
        self._in_transaction, self._heads_before = True, None
        try:
            yield
            before = self._heads_before
            if before is not None:  # the checkpoint vouches for both sides until the commit
                self._write_checkpoint(previous=before)
            checkpoint("before-commit")
            conn.execute("COMMIT")
            checkpoint("after-commit")
            if before is not None:
                self._write_checkpoint()
        except sqlite3.Error as exc:
            conn.rollback()
            raise RegistryError(f"登记库写入失败（{self.path}）：{sqlite_message(exc)}。") from exc
        except BaseException:
            conn.rollback()
            raise
        finally:
            self._in_transaction, self._heads_before = False, None

    @contextmanager
    def _atomic(self) -> Iterator[None]:
        """Inside the caller's transaction, or a transaction of its own. A transaction that
        sqlite3 opened implicitly (a bare ``conn.execute`` outside :meth:`transaction`) is
        committed first, so what is sealed here is always committed with its checkpoint."""
        if self._in_transaction:
            yield
            return
        if self.db.conn.in_transaction:
            self.db.conn.commit()
        with self.transaction():
            yield

    def _ensure_schema(self) -> None:
        db = self.db
        text, integer = str, int
        specs: dict[str, dict[str, type]] = {
            "students": {"key": text, **{k: text for k in Student.__dataclass_fields__}},
            "grades": {
                "key": text,
                "student_id": text,
                "term": text,
                "term_key": integer,
                "course_code": text,
                "course_name": text,
                "credits": text,
                "kind": text,
                "kind_text": text,
                "student_name": text,
                "score": text,
                "remark": text,
            },
            "plan": {
                "key": text,
                "grade": text,
                "major": text,
                "term": text,
                "term_key": integer,
                "credits": text,
            },
            "flags": {"key": text, "student_id": text, "term": text, "flag": text},
            "imported_levels": {
                "key": text,
                "student_id": text,
                "term": text,
                "level": text,
                "reason": text,
                "name": text,
            },
        }
        for name, columns in specs.items():
            if not db[name].exists():
                db.create_table(name, columns, pk="key")
        if not db["grades"].exists() or "idx_grades_student" not in {
            i.name for i in db.table("grades").indexes
        }:
            db.table("grades").create_index(
                ["student_id"], index_name="idx_grades_student", if_not_exists=True
            )
        tables: dict[str, tuple[dict[str, type], Any]] = {
            "imports": (
                {
                    "id": integer,
                    "kind": text,
                    "file": text,
                    "sha256": text,
                    "encoding": text,
                    "rows": integer,
                    "inserted": integer,
                    "updated": integer,
                    "unchanged": integer,
                    "skipped": integer,
                    "at": text,
                },
                "id",
            ),
            "changes": (
                {
                    "id": integer,
                    "import_id": integer,
                    "tbl": text,
                    "key": text,
                    "column": text,
                    "old": text,
                    "new": text,
                },
                "id",
            ),
            "lists": (
                {
                    "term": text,
                    "policy": text,
                    "status": text,
                    "assessed_count": integer,
                    "created_at": text,
                    "updated_at": text,
                    "frozen_at": text,
                },
                "term",
            ),
            "list_entries": (
                {
                    "term": text,
                    "student_id": text,
                    "seq": integer,
                    "name": text,
                    "gender": text,
                    "college": text,
                    "major": text,
                    "grade": text,
                    "class_name": text,
                    "level": text,
                    "reason": text,
                    "change": text,
                    "previous_level": text,
                    "carried_from": text,
                    "objection": text,
                    "figures": text,
                },
                ("term", "student_id"),
            ),
            "objections": (
                {
                    "id": integer,
                    "term": text,
                    "student_id": text,
                    "reason": text,
                    "outcome": text,
                    "level": text,
                    "note": text,
                    "at": text,
                },
                "id",
            ),
            "events": (
                {
                    "id": integer,
                    "at": text,
                    "action": text,
                    "term": text,
                    "student_id": text,
                    "detail": text,
                },
                "id",
            ),
        }
        for name, (columns, pk) in tables.items():
            if not db[name].exists():
                db.create_table(name, columns, pk=pk)
        # Serials (编号): AUTOINCREMENT so a number is never handed out again, even after a void.
        db.execute(
            "create table if not exists serials (serial integer primary key autoincrement, "
            "term text not null, student_id text not null, batch text not null, "
            "status text not null default 'active', void_reason text, created_at text, "
            "voided_at text)"
        )
        db.execute(
            "create unique index if not exists idx_serials_active on serials(term, student_id) "
            "where status = 'active'"
        )
        extra: dict[str, tuple[dict[str, type], Any]] = {
            "batches": (
                {
                    "id": text,
                    "term": text,
                    "kind": text,
                    "status": text,
                    "filters": text,
                    "students": integer,
                    "pages": integer,
                    "created_at": text,
                    "completed_at": text,
                    "note": text,
                },
                "id",
            ),
            "issued_parts": (
                {
                    "id": integer,
                    "serial": integer,
                    "batch": text,
                    "form": text,
                    "form_title": text,
                    "part": text,
                    "part_title": text,
                    "payload": text,
                    "file": text,
                    "sha256": text,
                    "at": text,
                },
                "id",
            ),
        }
        scans: dict[str, tuple[dict[str, type], Any]] = {
            # Fixity (真实性): what every file yujing put in the archive was when written.
            "file_facts": (
                {"path": text, "sha256": text, "size": integer, "mtime_ns": integer, "at": text},
                "path",
            ),
            # Documents that do not come from a scan: attachments and typed records.
            "records": (
                {
                    "id": integer,
                    "student_id": text,
                    "term": text,
                    "kind": text,
                    "date": text,
                    "who": text,
                    "how": text,
                    "summary": text,
                    "path": text,
                    "sha256": text,
                    "source_name": text,
                    "at": text,
                },
                "id",
            ),
            "scan_sources": (
                {
                    "sha256": text,
                    "name": text,
                    "path": text,
                    "size": integer,
                    "pages": integer,
                    "status": text,
                    "first_seen": text,
                    "last_seen": text,
                    # fingerprint of the key the file was last read with (see intake)
                    "key_id": text,
                },
                "sha256",
            ),
            "scan_pages": (
                {
                    "source_sha": text,
                    "page": integer,
                    "source_name": text,
                    "result": text,
                    "reason": text,
                    "serial": integer,
                    "part": text,
                    "file": text,
                    "signed": integer,
                    "at": text,
                },
                ("source_sha", "page"),
            ),
            "archive_files": (
                {
                    "id": integer,
                    "student_id": text,
                    "term": text,
                    "serial": integer,
                    "form": text,
                    "part": text,
                    "title": text,
                    "kind": text,
                    "path": text,
                    "sha256": text,
                    "version": integer,
                    "source_name": text,
                    "source_sha": text,
                    "source_pages": text,
                    "signed": integer,
                    "at": text,
                },
                "id",
            ),
            "review_items": (
                {
                    "id": integer,
                    "source_sha": text,
                    "source_name": text,
                    "page": integer,
                    "file": text,
                    "reason": text,
                    "codes": text,
                    "status": text,
                    "assigned_serial": integer,
                    "assigned_part": text,
                    "assigned_at": text,
                    "at": text,
                },
                "id",
            ),
            # The signature verdict of each filed page that has signature blanks (签字检查),
            # and per blank how much new ink was found; a person's word overrides the verdict.
            "signature_checks": (
                {
                    "id": integer,
                    "source_sha": text,
                    "source_name": text,
                    "page": integer,
                    "serial": integer,
                    "part": text,
                    "file": text,
                    "file_page": integer,
                    "verdict": text,
                    "reason": text,
                    "uncertain": integer,
                    "confirmed": text,
                    "confirmed_by": text,
                    "confirmed_at": text,
                    "at": text,
                },
                "id",
            ),
            "signature_areas": (
                {
                    "check_id": integer,
                    "area": integer,
                    "label": text,
                    "x0": float,
                    "y0": float,
                    "x1": float,
                    "y1": float,
                    "ink": float,
                    "signed": integer,
                    "match": float,
                    "uncertain": integer,
                },
                ("check_id", "area"),
            ),
        }
        integrity: dict[str, tuple[dict[str, type], Any]] = {
            "seal_heads": (
                {"tbl": text, "rows": integer, "last_id": integer, "chain": text, "mac": text},
                "tbl",
            ),
            # The folder of each student in archive/ (档案夹), fixed at first filing.
            "student_folders": ({"student_id": text, "folder": text, "at": text}, "student_id"),
        }
        for name, (columns, pk) in {**extra, **scans, **integrity}.items():
            if not db[name].exists():
                db.create_table(name, columns, pk=pk)
        for name in schema.CHAIN_SEALED_V2:  # the base schema's own; later ones by their migration
            columns = (tables.get(name) or scans[name])[0]
            columns["seal"] = text
        every = {
            **specs,
            **{n: c for n, (c, _) in {**tables, **extra, **scans, **integrity}.items()},
        }
        for name, columns in every.items():
            self._add_missing_columns(name, columns)
        # a student's filed paths are looked up per student when folders are assigned
        for index, table, column in (
            ("idx_issued_parts_serial", "issued_parts", "serial"),
            ("idx_archive_files_student", "archive_files", "student_id"),
            ("idx_records_student", "records", "student_id"),
        ):
            db.execute(f"create index if not exists {index} on {table}({column})")

    def _add_missing_columns(self, name: str, columns: Mapping[str, type]) -> None:
        """Migrate a registry made by an earlier version: add the columns it lacks (new
        columns are always nullable, so old rows stay valid)."""
        table = self.db.table(name)
        have = table.columns_dict
        for column, kind in columns.items():
            if column not in have:
                table.add_column(column, kind)

    # -- events ------------------------------------------------------------------------

    @contextmanager
    def acting_as(self, account: str) -> Iterator[None]:
        """Log every event of the block with ``account`` (who did it: the signed-in account)."""
        before, self.account = self.account, account
        try:
            yield
        finally:
            self.account = before

    def log(self, action: str, detail: str = "", *, term: str = "", student_id: str = "") -> None:
        """Append to the event log (操作日志), sealed."""
        self._sealed_insert(
            "events",
            {
                "at": now(),
                "action": action,
                "term": term,
                "student_id": student_id,
                "detail": detail,
                "account": self.account,
            },
        )

    def events(self, action: str | None = None) -> list[dict[str, Any]]:
        where, args = ("action = ?", [action]) if action else (None, None)
        return list(self.db.table("events").rows_where(where, args, order_by="id"))

    # -- imports -----------------------------------------------------------------------

    def store(self, kind: str, rows: Sequence[dict[str, Any]]) -> StoreResult:
        """Insert new rows, update changed ones (recording each change), skip the same.

        Bulk rows go through ``executemany`` on sqlite-utils' connection: its ``insert_all``
        took 39 s for 1.3 million grade rows here, ``executemany`` a few seconds.
        """
        table = self.db.table(RECORD_TABLES[kind])
        columns = [c for c in table.columns_dict if c != "key"]
        existing = self._existing(table.name, columns, [r["key"] for r in rows])
        new_rows, changed_rows = [], []
        changes: list[tuple[str, str, str, str]] = []
        for row in rows:
            old = existing.get(row["key"])
            if old is None:
                new_rows.append(row)
                continue
            diffs = [
                (row["key"], c, _text(o), _text(row.get(c)))
                for c, o in zip(columns, old, strict=True)
                if _text(o) != _text(row.get(c))
            ]
            if diffs:
                changed_rows.append(row)
                changes.extend(diffs)
        names = ["key", *columns]
        fields = ", ".join(f"[{c}]" for c in names)
        values = ", ".join("?" * len(names))
        for chunk in _chunks(new_rows, 2000):
            checkpoint("store-chunk")
            self.db.conn.executemany(
                f"insert into [{table.name}] ({fields}) values ({values})",
                (tuple(r.get(c) for c in names) for r in chunk),
            )
        if changed_rows:
            self.db.conn.executemany(
                f"replace into [{table.name}] ({fields}) values ({values})",
                (tuple(r.get(c) for c in names) for r in changed_rows),
            )
        unchanged = len(rows) - len(new_rows) - len(changed_rows)
        return StoreResult(len(new_rows), len(changed_rows), unchanged, tuple(changes))

    def _existing(
        self, table: str, columns: Sequence[str], keys: Sequence[str]
    ) -> dict[str, tuple[Any, ...]]:
        """Stored values of ``keys`` (a full scan when the file covers much of the table)."""
        select = f"select key, {', '.join(f'[{c}]' for c in columns)} from [{table}]"
        count = self.db.table(table).count
        if count == 0:
            return {}
        if len(keys) * 4 >= count:
            wanted = set(keys)
            return {r[0]: tuple(r[1:]) for r in self.db.execute(select) if r[0] in wanted}
        out: dict[str, tuple[Any, ...]] = {}
        for chunk in _chunks(keys, 500):
            cur = self.db.execute(f"{select} where key in ({','.join('?' * len(chunk))})", chunk)
            out.update((r[0], tuple(r[1:])) for r in cur)
        return out

    def record_import(
        self, values: Mapping[str, Any], changes: Iterable[tuple[str, ...]], tbl: str
    ) -> int:
        self.db.table("imports").insert(dict(values))
        import_id = int(self.db.execute("select max(id) from imports").fetchone()[0])
        self.db.table("changes").insert_all(
            (
                {
                    "import_id": import_id,
                    "tbl": tbl,
                    "key": k.replace(KEY_SEP, "/"),
                    "column": c,
                    "old": o,
                    "new": n,
                }
                for k, c, o, n in changes
            ),
            batch_size=2000,
        )
        return import_id

    def changes(self) -> list[dict[str, Any]]:
        return list(self.db.table("changes").rows_where(order_by="id"))

    def imports(self) -> list[dict[str, Any]]:
        return list(self.db.table("imports").rows_where(order_by="id"))

    # -- reading records -----------------------------------------------------------------

    def students(self) -> dict[str, Student]:
        fields = list(Student.__dataclass_fields__)
        return {
            r["student_id"]: Student(**{f: r[f] or "" for f in fields})
            for r in self.db.table("students").rows
        }

    def attempts(
        self, progress: Progress | None = None
    ) -> dict[str, list[Attempt]]:
        """All grade rows, grouped by 学号."""
        out: dict[str, list[Attempt]] = {}
        terms: dict[int, Term] = {}
        kinds = {k.value: k for k in AttemptKind}
        decimals: dict[str, Decimal] = {}
        total = self.db.table("grades").count
        cur = self.db.execute(
            "select student_id, term_key, course_code, course_name, credits, kind, score, "
            "remark, kind_text, student_name from grades order by student_id, term_key"
        )
        for i, (sid, tkey, code, name, credits, kind, score, remark, kind_text, sname) in enumerate(
            cur, start=1
        ):
            term = terms.get(tkey)
            if term is None:
                term = terms[tkey] = Term.from_key(tkey)
            dec = decimals.get(credits)
            if dec is None:
                dec = decimals[credits] = Decimal(credits)
            out.setdefault(sid, []).append(
                Attempt(
                    sid,
                    term,
                    code,
                    name or "",
                    dec,
                    kinds[kind],
                    score or "",
                    remark or "",
                    kind_text or "",
                    sname or "",
                )
            )
            if progress is not None and i % 100_000 == 0:
                progress(i, total)
        return out

    def plan(self) -> list[PlanRow]:
        return [
            PlanRow(r["grade"], r["major"], Term.parse(r["term"]), Decimal(r["credits"]))
            for r in self.db.table("plan").rows
        ]

    def flags(self) -> list[Flag]:
        return [
            Flag(r["student_id"], Term.parse(r["term"]), r["flag"])
            for r in self.db.table("flags").rows
        ]

    def imported_levels(self) -> list[ImportedLevel]:
        return [
            ImportedLevel(
                r["student_id"],
                Term.parse(r["term"]),
                r["level"],
                r["reason"] or "",
                r["name"] or "",
            )
            for r in self.db.table("imported_levels").rows
        ]

    def saved_list(self, term: Term) -> SavedList | None:
        try:
            head = self.db.table("lists").get(str(term))
        except sqlite_utils.db.NotFoundError:
            return None
        entries = tuple(
            ListRow.from_entry(row)
            for row in self.db.table("list_entries").rows_where(
                "term = ?", [str(term)], order_by="seq"
            )
        )
        return SavedList(
            term,
            head["policy"],
            head["status"],
            head["assessed_count"],
            head["created_at"],
            head["frozen_at"],
            entries,
        )

    def replace_list(
        self, term: Term, policy: str, assessed_count: int, entries: Sequence[ListRow]
    ) -> None:
        """Store the draft list of ``term`` (caller holds a transaction)."""
        t = str(term)
        old = self.saved_list(term)
        with self._sealed_change("list_entries", "term = ?", [t]):
            self.db.table("list_entries").delete_where("term = ?", [t])
            self.db.table("list_entries").insert_all(
                ({"term": t, "seq": i, **e.to_entry()} for i, e in enumerate(entries, start=1)),
                batch_size=2000,
            )
        with self._sealed_change("lists", "term = ?", [t]):
            self.db.table("lists").upsert(
                {
                    "term": t,
                    "policy": policy,
                    "status": "draft",
                    "assessed_count": assessed_count,
                    "created_at": old.created_at if old else now(),
                    "updated_at": now(),
                    "frozen_at": None,
                },
                pk="term",
            )

    def update_entry(self, term: Term, row: ListRow) -> None:
        """Store the changed ``row`` of ``term``'s list (an objection's outcome)."""
        with self._sealed_change(
            "list_entries", "term = ? and student_id = ?", [str(term), row.student_id]
        ):
            self.db.table("list_entries").update((str(term), row.student_id), row.to_entry())

    def set_frozen(self, term: Term) -> None:
        with self._sealed_change("lists", "term = ?", [str(term)]):
            self.db.table("lists").update(str(term), {"status": "frozen", "frozen_at": now()})

    def objections(self, term: Term) -> list[dict[str, Any]]:
        return list(self.db.table("objections").rows_where("term = ?", [str(term)], order_by="id"))

    def add_objection(self, values: Mapping[str, Any]) -> None:
        self.db.table("objections").insert({**values, "at": now()})

    # -- serials, batches, issued parts ------------------------------------------------------

    def allocate_serials(
        self, term: Term, student_ids: Sequence[str], batch: str
    ) -> dict[str, int]:
        """Give each student without an active serial for ``term`` a new one (caller holds a
        transaction: BEGIN IMMEDIATE makes two concurrent runs take turns)."""
        active = self.active_serials(term)
        out: dict[str, int] = {}
        with self._sealed_change("serials", "0") as scope:
            for sid in student_ids:
                if sid in active:
                    continue
                cur = self.db.execute(
                    "insert into serials (term, student_id, batch, status, created_at) "
                    "values (?, ?, ?, 'active', ?)",
                    [str(term), sid, batch, now()],
                )
                out[sid] = int(cur.lastrowid or 0)
            if out:  # AUTOINCREMENT: the new serials are the highest
                scope.after("serial >= ?", [min(out.values())])
        return out

    def active_serials(self, term: Term) -> dict[str, int]:
        rows = self.db.execute(
            "select student_id, serial from serials where term = ? and status = 'active'",
            [str(term)],
        )
        # students only: college-level documents' serials are keyed "_学院/…"
        return {sid: serial for sid, serial in rows if not sid.startswith(COLLEGE_KEY)}

    def serial(self, serial: int) -> dict[str, Any] | None:
        rows = list(self.db.query("select * from serials where serial = ?", [serial]))
        return rows[0] if rows else None

    def serials_of_batch(self, batch: str) -> dict[str, int]:
        rows = self.db.execute(
            "select student_id, serial from serials where batch = ? and status = 'active'",
            [batch],
        )
        return {sid: serial for sid, serial in rows}

    def void_serial(self, serial: int, reason: str) -> None:
        with self._sealed_change("serials", "serial = ?", [serial]):
            self.db.execute(
                "update serials set status = 'voided', void_reason = ?, voided_at = ? "
                "where serial = ?",
                [reason, now(), serial],
            )

    # -- college-level documents (名单、清单、汇总表, class cover sheets) --------------------

    def _college_docs_table(self) -> None:
        self.db.execute(
            "create table if not exists college_docs (serial integer primary key, "
            "term text not null, batch text not null, college text not null, "
            "form text not null, copy text not null default '', part text not null, "
            "title text not null, file text, sha256 text, created_at text)"
        )

    def college_serial(
        self,
        term: Term,
        batch: str,
        college: str,
        form: str,
        copy: str,
        part: str,
        title: str,
    ) -> int:
        """The serial (编号) of a college-level document of ``batch``: ``form`` (a list form's
        id, or "cover" for a class's cover sheet with the class as ``copy``) for ``college``.
        Allocated on first call from the same sequence as the students' serials (so a QR code
        names one document), the same on later calls (a resumed batch keeps its codes). The
        caller holds a transaction."""
        rows = list(
            self.db.query(
                "select serial from college_docs where batch = ? and college = ? and form = ? "
                "and copy = ?",
                [batch, college, form, copy],
            )
        )
        if rows:
            return int(rows[0]["serial"])
        with self._sealed_change("serials", "0") as scope:
            cur = self.db.execute(
                "insert into serials (term, student_id, batch, status, created_at) "
                "values (?, ?, ?, 'active', ?)",
                [str(term), f"{COLLEGE_KEY}{batch}/{college}/{form}/{copy}", batch, now()],
            )
            serial = int(cur.lastrowid or 0)
            scope.after("serial = ?", [serial])
        self.db.execute(
            "insert into college_docs (serial, term, batch, college, form, copy, part, title, "
            "created_at) values (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [serial, str(term), batch, college, form, copy, part, title, now()],
        )
        return serial

    def college_doc(self, serial: int) -> dict[str, Any] | None:
        """The college-level document of ``serial``, or None (a student's serial)."""
        rows = list(self.db.query("select * from college_docs where serial = ?", [serial]))
        return rows[0] if rows else None

    def college_docs(
        self, term: Term | str | None = None, batch: str | None = None
    ) -> list[dict[str, Any]]:
        where, args = ["1 = 1"], []
        if term is not None:
            where.append("term = ?")
            args.append(str(term))
        if batch is not None:
            where.append("batch = ?")
            args.append(batch)
        return list(
            self.db.query(
                f"select * from college_docs where {' and '.join(where)} order by serial", args
            )
        )

    def set_college_doc_file(self, serial: int, file: str, sha256: str) -> None:
        """Record the issued copy of a college-level document filed in the college folder."""
        self.db.execute(
            "update college_docs set file = ?, sha256 = ? where serial = ?", [file, sha256, serial]
        )

    def batches(self, term: Term | None = None) -> list[dict[str, Any]]:
        where, args = ("term = ?", [str(term)]) if term else (None, None)
        return list(self.db.table("batches").rows_where(where, args, order_by="created_at, id"))

    def batch(self, batch_id: str) -> dict[str, Any] | None:
        try:
            return dict(self.db.table("batches").get(batch_id))
        except sqlite_utils.db.NotFoundError:
            return None

    def save_batch(self, values: Mapping[str, Any]) -> None:
        self.db.table("batches").upsert(dict(values), pk="id")

    def replace_issued_parts(self, batch: str, rows: Sequence[Mapping[str, Any]]) -> None:
        with self._sealed_change("issued_parts", "batch = ?", [batch]):
            self.db.table("issued_parts").delete_where("batch = ?", [batch])
            self.db.table("issued_parts").insert_all([{**r, "at": now()} for r in rows])

    def issued_parts(self, serial: int | None = None) -> list[dict[str, Any]]:
        where, args = ("serial = ?", [serial]) if serial is not None else (None, None)
        return list(self.db.table("issued_parts").rows_where(where, args, order_by="id"))

    # -- scans -------------------------------------------------------------------------------

    def scan_source(self, sha256: str) -> dict[str, Any] | None:
        try:
            return dict(self.db.table("scan_sources").get(sha256))
        except sqlite_utils.db.NotFoundError:
            return None

    def save_scan_source(self, values: Mapping[str, Any]) -> None:
        self.db.table("scan_sources").upsert(dict(values), pk="sha256")

    def scanned_pages(self, sha256: str) -> set[int]:
        rows = self.db.execute("select page from scan_pages where source_sha = ?", [sha256])
        return {r[0] for r in rows}

    def record_scan_page(self, values: Mapping[str, Any]) -> None:
        self.db.table("scan_pages").upsert(dict(values), pk=("source_sha", "page"))

    def scan_pages(self) -> list[dict[str, Any]]:
        return list(self.db.table("scan_pages").rows_where(order_by="at, source_name, page"))

    def remember_file(self, root: Path, relative: str, sha256: str) -> None:
        """Record size, modification time and hash of a file yujing placed in the archive."""
        st = (root / relative).stat()
        with self._sealed_change("file_facts", "path = ?", [relative]):
            self.db.table("file_facts").upsert(
                {
                    "path": relative,
                    "sha256": sha256,
                    "size": st.st_size,
                    "mtime_ns": st.st_mtime_ns,
                    "at": now(),
                },
                pk="path",
            )

    def file_facts(self) -> dict[str, dict[str, Any]]:
        return {r["path"]: r for r in self.db.table("file_facts").rows}

    def add_record(self, values: Mapping[str, Any]) -> int:
        return self._sealed_insert("records", {**values, "at": now()})

    def records(self, term: str | None = None) -> list[dict[str, Any]]:
        where, args = ("term = ?", [term]) if term else (None, None)
        return list(self.db.table("records").rows_where(where, args, order_by="id"))

    def record_archive_file(self, values: Mapping[str, Any]) -> None:
        self._sealed_insert("archive_files", values)

    def archive_files(self) -> list[dict[str, Any]]:
        return list(self.db.table("archive_files").rows_where(order_by="id"))

    def add_review_item(self, values: Mapping[str, Any]) -> None:
        self.db.table("review_items").insert(dict(values))

    def review_items(self, *, include_blank: bool = False) -> list[dict[str, Any]]:
        statuses = ("open", "blank") if include_blank else ("open",)
        marks = ",".join("?" * len(statuses))
        return list(
            self.db.table("review_items").rows_where(
                f"status in ({marks})", list(statuses), order_by="id"
            )
        )

    def review_item(self, item_id: int) -> dict[str, Any] | None:
        try:
            return dict(self.db.table("review_items").get(item_id))
        except sqlite_utils.db.NotFoundError:
            return None

    # -- signature verdicts (签字检查) ------------------------------------------------------

    def record_signature_check(
        self, values: Mapping[str, Any], areas: Sequence[Mapping[str, Any]]
    ) -> int:
        """Store one page's signature verdict and its areas (the caller holds the
        transaction); a re-run of the same source page replaces the earlier record."""
        checks = self.db.table("signature_checks")
        page = ("source_sha = ? and page = ?", [values["source_sha"], values["page"]])
        with self._sealed_change("signature_checks", *page):
            old = [r["id"] for r in checks.rows_where(*page)]
            for check_id in old:
                self.db.execute("delete from signature_areas where check_id = ?", [check_id])
                self.db.execute("delete from signature_checks where id = ?", [check_id])
            checks.insert({**values, "at": now()})
            check_id = int(checks.last_pk) if checks.last_pk is not None else 0
        self.db.table("signature_areas").insert_all(
            [{**a, "check_id": check_id, "area": i} for i, a in enumerate(areas, 1)]
        )
        return check_id

    def signature_checks(self, *, open_only: bool = False) -> list[SignatureRecord]:
        """Every page's signature verdict; with ``open_only`` those a person should look at
        (uncertain or unknown) and has not confirmed yet."""
        where = (
            "confirmed is null and (uncertain = 1 or verdict = 'unknown')" if open_only else None
        )
        rows = list(self.db.table("signature_checks").rows_where(where, order_by="id"))
        return [self._signature_record(r) for r in rows]

    def signature_check(self, check_id: int) -> SignatureRecord | None:
        try:
            row = dict(self.db.table("signature_checks").get(check_id))
        except sqlite_utils.db.NotFoundError:
            return None
        return self._signature_record(row)

    def _signature_record(self, row: Mapping[str, Any]) -> SignatureRecord:
        areas = tuple(
            SignatureAreaRecord(
                r["area"],
                r["label"] or "",
                (r["x0"], r["y0"], r["x1"], r["y1"]),
                float(r["ink"] or 0.0),
                bool(r["signed"]),
                float(r["match"] or 0.0),
                bool(r["uncertain"]),
            )
            for r in self.db.table("signature_areas").rows_where(
                "check_id = ?", [row["id"]], order_by="area"
            )
        )
        return SignatureRecord(
            id=row["id"],
            source_name=row["source_name"] or "",
            page=row["page"],
            serial=row["serial"],
            part=row["part"] or "",
            file=row["file"] or "",
            file_page=row["file_page"] or 1,
            verdict=row["verdict"],
            reason=row["reason"] or "",
            uncertain=bool(row["uncertain"]),
            confirmed=row["confirmed"],
            confirmed_by=row["confirmed_by"] or "",
            confirmed_at=row["confirmed_at"] or "",
            areas=areas,
        )

    def confirm_signature(self, check_id: int, verdict: str, who: str) -> SignatureRecord:
        """A person's verdict on a page (``signed`` or ``unsigned``): stored beside the
        machine's, carried to the page and to its archive file (what the audit reads), and
        logged with who said it."""
        record = self.signature_check(check_id)
        if record is None:
            raise RegistryError(f"没有第 {check_id} 条签字检查记录。")
        with self.transaction():
            with self._sealed_change("signature_checks", "id = ?", [check_id]):
                self.db.table("signature_checks").update(
                    check_id, {"confirmed": verdict, "confirmed_by": who, "confirmed_at": now()}
                )
            source_sha = self.db.execute(
                "select source_sha from signature_checks where id = ?", [check_id]
            ).fetchone()[0]
            self.db.execute(
                "update scan_pages set signed = ? where source_sha = ? and page = ?",
                [int(verdict == "signed"), source_sha, record.page],
            )
            pages = self.db.execute(
                "select coalesce(confirmed, verdict) from signature_checks"
                " where file = ? and source_sha = ?",
                [record.file, source_sha],
            ).fetchall()
            known = [v for (v,) in pages if v in ("signed", "unsigned", "partial")]
            if known:  # through the seal: a person's word is not tampering
                signed = int(any(v == "signed" for v in known))
                for (row_id,) in self.db.execute(
                    "select id from archive_files where path = ? and source_sha = ?",
                    [record.file, source_sha],
                ).fetchall():
                    self.update_archive_file(row_id, {"signed": signed})
            row = self.serial(record.serial) if record.serial is not None else None
            self.log(
                "signature-confirm",
                f"{who} 判定 {record.file} 第 {record.file_page} 页为"
                f"{'已签字' if verdict == 'signed' else '未签字'}（机器判定：{record.verdict}）",
                term=row["term"] if row else "",
                student_id=row["student_id"] if row else "",
            )
        updated = self.signature_check(check_id)
        assert updated is not None
        return updated

    def resolve_review_item(self, item_id: int, serial: int, part: str) -> None:
        self.db.table("review_items").update(
            item_id,
            {
                "status": "assigned",
                "assigned_serial": serial,
                "assigned_part": part,
                "assigned_at": now(),
            },
        )

    # -- typed queries (the only SQL of the package lives in this module) --------------------

    def count(self, table: str) -> int:
        """Rows of ``table`` (one of the registry's tables)."""
        return int(self.db.table(table).count)

    def latest_term(self, *, frozen: bool = False) -> Term | None:
        """The latest term with a warning list (only frozen lists when ``frozen``)."""
        sql = "select term from lists" + (" where status = 'frozen'" if frozen else "")
        row = self.db.execute(sql + " order by term desc limit 1").fetchone()
        return Term.parse(row[0]) if row else None

    def latest_frozen_term(self) -> Term | None:
        """The latest term whose warning list is frozen (冻结)."""
        return self.latest_term(frozen=True)

    def serial_rows(
        self, term: Term | None = None, *, active_only: bool = False
    ) -> dict[int, SerialRow]:
        """Serials by number (of ``term`` only, and only active ones, when asked)."""
        clauses, args = [], []
        if term is not None:
            clauses.append("term = ?")
            args.append(str(term))
        if active_only:
            clauses.append("status = 'active'")
        where = f" where {' and '.join(clauses)}" if clauses else ""
        cur = self.db.execute(
            "select serial, term, student_id, batch, status, void_reason, created_at, voided_at "
            f"from serials{where} order by serial",
            args,
        )
        return {
            r[0]: SerialRow(r[0], r[1], r[2], r[3], r[4], r[5] or "", r[6] or "", r[7] or "")
            for r in cur
        }

    def archive_file_rows(self, term: Term | None = None) -> list[ArchiveFile]:
        """Filed scans and hand-filed pages (of ``term`` when given), in filing order."""
        where, args = ("term = ?", [str(term)]) if term is not None else (None, None)
        return [
            ArchiveFile(
                r["id"],
                r["student_id"],
                r["term"],
                r["serial"],
                r["form"] or "",
                r["part"] or "",
                r["title"] or "",
                r["kind"] or "",
                r["path"] or "",
                r["sha256"] or "",
                r["version"] or 1,
                r["source_name"] or "",
                r["source_sha"] or "",
                r["source_pages"] or "",
                r["signed"],
                r["at"] or "",
            )
            for r in self.db.table("archive_files").rows_where(where, args, order_by="id")
        ]

    def issued_files(self, term: Term | None = None) -> list[IssuedFile]:
        """The archive copies of issued parts (one per student, form and file), in issue
        order; of ``term`` only when given."""
        where = " and s.term = ?" if term is not None else ""
        cur = self.db.execute(
            "select s.student_id, s.term, p.serial, p.form_title, p.file, p.sha256 "
            "from issued_parts p join serials s on s.serial = p.serial "
            f"where p.file != ''{where} order by p.id",
            [str(term)] if term is not None else [],
        )
        out: list[IssuedFile] = []
        seen: set[str] = set()
        for sid, t, serial, title, file, digest in cur:
            if file in seen:
                continue
            seen.add(file)
            out.append(IssuedFile(sid, t, serial, title or "", file, digest or ""))
        return out

    def record_counts(self, term: Term) -> dict[tuple[str, str], int]:
        """(学号, record kind) → number of records (attachments, typed records) of ``term``."""
        cur = self.db.execute(
            "select student_id, kind, count(*) from records where term = ? "
            "group by student_id, kind",
            [str(term)],
        )
        return {(str(sid), str(kind)): int(n) for sid, kind, n in cur}

    def returned_parts(self, term: Term) -> list[ReturnedPart]:
        """The distinct (student, form, part) filed from scans for ``term``."""
        cur = self.db.execute(
            "select distinct student_id, form, part from archive_files "
            "where term = ? and kind = 'scan' order by student_id, form, part",
            [str(term)],
        )
        return [ReturnedPart(str(sid), str(form or ""), str(part or "")) for sid, form, part in cur]

    # -- seals (封印) -----------------------------------------------------------------------

    @property
    def sealed(self) -> bool:
        """Whether the registry's evidence tables carry seals (any head recorded)."""
        return self.db.execute("select count(*) from seal_heads").fetchone()[0] > 0

    def set_secret(self, secret: bytes) -> None:
        """Give the registry the workspace secret (made after the registry was opened, at the
        first ``issue`` of a workspace from before ``init`` made one); seals an unsealed
        registry."""
        self._secret = secret
        with self._atomic():
            detail = self._first_seal(CHAIN_SEALED + SET_SEALED)
            if detail:
                self.upgrade_note = detail + "（已记入操作日志）。"

    def _mac(self, *parts: str) -> str:
        assert self._secret is not None
        body = "\x1e".join(parts).encode("utf-8")
        return hmac.new(self._secret, body, hashlib.sha256).hexdigest()[:32]

    def _row_mac(self, table: str, row: Mapping[str, Any]) -> str:
        content = {k: v for k, v in row.items() if k != "seal" and v is not None}
        return self._mac("row", table, json.dumps(content, sort_keys=True, ensure_ascii=False))

    def _head_mac(self, table: str, rows: int, last_id: int, chain: str) -> str:
        return self._mac("head", table, str(rows), str(last_id), chain)

    def _head(self, table: str) -> tuple[int, int, str, str] | None:
        row = self.db.execute(
            "select rows, last_id, chain, mac from seal_heads where tbl = ?", [table]
        ).fetchone()
        return None if row is None else (int(row[0]), int(row[1]), str(row[2]), str(row[3]))

    def _set_head(self, table: str, rows: int, last_id: int, chain: str) -> None:
        if self._heads_before is None:
            self._heads_before = self._all_heads()
        self.db.execute(
            "insert or replace into seal_heads (tbl, rows, last_id, chain, mac) "
            "values (?, ?, ?, ?, ?)",
            [table, rows, last_id, chain, self._head_mac(table, rows, last_id, chain)],
        )

    def _rows(
        self, table: str, where: str = "", args: Sequence[Any] = ()
    ) -> Iterator[dict[str, Any]]:
        cur = self.db.execute(f"select * from [{table}] {where} order by id", list(args))
        names = [d[0] for d in cur.description]
        for values in cur:
            yield dict(zip(names, values, strict=True))

    def _sealed_insert(self, table: str, values: Mapping[str, Any]) -> int:
        """Insert a row into a sealed table and seal it (chained to the row before)."""
        with self._atomic():
            head = self._head(table)
            if head is None:  # unsealed (no key yet), or its head deleted: never sealed here
                if self._secret is None and self._any_head():
                    raise SecretMissingError(_MISSING_SECRET)
                rid = self.db.table(table).insert(dict(values)).last_pk
                return int(rid or 0)
            if self._secret is None:
                raise SecretMissingError(_MISSING_SECRET)
            rid = int(self.db.table(table).insert(dict(values)).last_pk or 0)
            rows, _last, chain, _mac = head
            (row,) = self._rows(table, "where id = ?", [rid])
            row_mac = self._row_mac(table, row)
            chain = self._mac("chain", table, chain, row_mac)
            self.db.execute(
                f"update [{table}] set seal = ? where id = ?", [f"{row_mac}.{chain}", rid]
            )
            self._set_head(table, rows + 1, rid, chain)
            return rid

    def _seal_table(self, table: str) -> int:
        """Seal every row of ``table`` as it is now (caller holds a transaction)."""
        chain, count, last = "", 0, 0
        updates = []
        for row in self._rows(table):
            row_mac = self._row_mac(table, row)
            chain = self._mac("chain", table, chain, row_mac)
            updates.append((f"{row_mac}.{chain}", row["id"]))
            count, last = count + 1, int(row["id"])
        self.db.conn.executemany(f"update [{table}] set seal = ? where id = ?", updates)
        self._set_head(table, count, last, chain)
        return count

    def update_archive_file(self, row_id: int, values: Mapping[str, Any]) -> None:
        """Change a filed scan's row (e.g. its signature verdict) through yujing: the row and
        the chain after it are sealed again, so the change is not reported as tampering. The
        change is logged. Sealed tables are otherwise append-only."""
        with self._atomic():
            sealed = self._head("archive_files") is not None
            if sealed:  # never launder a row changed by hand: check before sealing again
                for row in self._rows("archive_files", "where id >= ?", [row_id]):
                    stored = str(row.get("seal") or "").partition(".")[0]
                    if not hmac.compare_digest(stored, self._row_mac("archive_files", row)):
                        raise RegistryError(
                            f"归档文件第 {row['id']} 行与封印不符（登记库被改动），不能修改。"
                            "请先运行 yujing audit --verify 查明。"
                        )
            self.db.table("archive_files").update(row_id, dict(values))
            if sealed:
                self._reseal_from("archive_files", row_id)
            shown = "，".join(f"{k}={v}" for k, v in values.items())
            self.log("archive-update", f"归档文件第 {row_id} 行：{shown}")

    def _reseal_from(self, table: str, first_id: int) -> None:
        """Seal the rows of ``table`` from ``first_id`` on again (caller holds a transaction)."""
        before = self.db.execute(
            f"select seal from [{table}] where id < ? order by id desc limit 1", [first_id]
        ).fetchone()
        chain = str(before[0]).partition(".")[2] if before and before[0] else ""
        head = self._head(table)
        rows, last = (head[0], head[1]) if head else (0, 0)
        updates = []
        for row in self._rows(table, "where id >= ?", [first_id]):
            row_mac = self._row_mac(table, row)
            chain = self._mac("chain", table, chain, row_mac)
            updates.append((f"{row_mac}.{chain}", row["id"]))
            last = max(last, int(row["id"]))
        self.db.conn.executemany(f"update [{table}] set seal = ? where id = ?", updates)
        self._set_head(table, rows, last, chain)

    # -- migrations (登记库版本) --------------------------------------------------------------

    def _migrate(self) -> None:
        """Bring the registry to :data:`~yujing.registry.migrations.LATEST`: a backup of an
        existing registry first, then each pending migration in its own transaction, recorded
        in ``schema_migrations`` with ``PRAGMA user_version``. A newer registry is refused."""
        version = int(self.db.execute("pragma user_version").fetchone()[0])
        latest = schema.latest()
        if version > latest:
            self.db.conn.close()
            raise RegistryTooNewError(
                f"登记库 {self.path} 是较新版本的 yujing 建立或升级的（第 {version} 版，"
                f"本程序只认识到第 {latest} 版）。请升级 yujing 后再打开这个工作区；"
                "旧版本不能写入它，以免损坏记录。"
            )
        if version == latest:
            return
        existing = bool(self.db.execute("select count(*) from sqlite_master").fetchone()[0])
        backup = self._backup_before_migration(version, latest) if existing else None
        notes: list[str] = []
        for migration in schema.MIGRATIONS[version:]:
            note = ""
            with self.transaction():
                done = int(self.db.execute("pragma user_version").fetchone()[0])
                if done >= migration.version:  # another process ran it while we waited
                    continue
                self.db.execute(
                    "create table if not exists schema_migrations (version integer primary key, "
                    "name text not null, applied_at text not null, note text)"
                )
                migration.apply(self.db)
                note = self._first_seal(migration.seals) if migration.seals else ""
                self.db.execute(
                    "insert or replace into schema_migrations (version, name, applied_at, note) "
                    "values (?, ?, ?, ?)",
                    [migration.version, migration.name, now(), note],
                )
                self.db.execute(f"pragma user_version = {int(migration.version)}")
            if note and existing:
                notes.append(note)
        if existing:
            self.migration = MigrationReport(version, latest, backup, tuple(notes))
            self.upgrade_note = self.migration.message

    def _backup_before_migration(self, version: int, latest: int) -> str:
        """Copy the registry (and its checkpoint) into the workspace's ``backups/`` folder."""
        from yujing.registry.snapshot import backup_registry

        stamp = now().replace(":", "").replace("-", "")
        base = self.path.parent / "backups" / f"before-migration-{version}-to-{latest}-{stamp}"
        # two openings in the same second: each keeps its own copy (-2, -3 …)
        return str(backup_registry(self.path, base))

    def schema_status(self) -> SchemaStatus:
        """The registry's version, the migrations it ran (from ``schema_migrations``; a registry
        from before versions has run none there) and those this program has beyond it."""
        version = int(self.db.execute("pragma user_version").fetchone()[0])
        applied = tuple(
            AppliedMigration(int(v), str(n), str(at), str(note or ""))
            for v, n, at, note in self.db.execute(
                "select version, name, applied_at, note from schema_migrations order by version"
            )
        )
        pending = tuple((m.version, m.name) for m in schema.MIGRATIONS if m.version > version)
        return SchemaStatus(version, schema.latest(), applied, pending)

    # -- first sealing, set seals, the checkpoint --------------------------------------------

    def _any_head(self) -> bool:
        return bool(self.db.execute("select count(*) from seal_heads").fetchone()[0])

    def _carries_seals(self, table: str) -> bool:
        """Whether any row of ``table`` carries a seal (it was sealed once)."""
        row = self.db.execute(
            f"select 1 from [{table}] where coalesce(seal, '') != '' limit 1"
        ).fetchone()
        return row is not None

    def _first_seal(self, tables: Sequence[str]) -> str:
        """Seal, as they are, the rows of ``tables`` that were never sealed (the first sealing
        of a migration, or of a registry whose key was made after it; the caller holds a
        transaction). A table whose head is gone while its rows carry seals is left alone: its
        heads were deleted, which the audit reports. Returns what was sealed, for the log."""
        if self._secret is None:
            return "缺少签名密钥 secret.key，暂未加封（首次发放通知书生成密钥时加封）"
        counts: dict[str, int] = {}
        for table in tables:
            if self._head(table) is not None or self._carries_seals(table):
                continue
            counts[table] = (
                self._seal_set(table) if table in SET_SEALED else self._seal_table(table)
            )
        filled = {t: n for t, n in counts.items() if n}
        if not filled:
            return ""
        detail = (
            "登记库首次加封（升级）："
            + "，".join(f"{TABLE_TITLES.get(t, t)} {n} 行" for t, n in filled.items())
            + "；此前的记录按加封时的内容封印"
        )
        self.log(SEAL_EVENT, detail)
        return detail

    def _set_rows(
        self, table: str, where: str, args: Sequence[Any] = ()
    ) -> Iterator[tuple[int, dict[str, Any]]]:
        cur = self.db.execute(
            f"select rowid as yj_rowid, * from [{table}] where {where}", list(args)
        )
        names = [d[0] for d in cur.description]
        for values in cur:
            row = dict(zip(names, values, strict=True))
            yield int(row.pop("yj_rowid")), row

    def _seal_set(self, table: str) -> int:
        """Seal every row of the set-sealed ``table`` as it is (caller holds a transaction)."""
        updates = [(self._row_mac(table, row), rid) for rid, row in self._set_rows(table, "1")]
        self.db.conn.executemany(f"update [{table}] set seal = ? where rowid = ?", updates)
        self._set_head(table, len(updates), 0, _moved("0", [m for m, _ in updates], []))
        return len(updates)

    @contextmanager
    def _sealed_change(
        self, table: str, where: str, args: Sequence[Any] = ()
    ) -> Iterator[_Scope]:
        """Change the rows of the set-sealed ``table`` that ``where`` selects, through yujing:
        each row is checked against its seal first (a row changed or inserted by hand is never
        sealed again: RegistryError), the block changes them, and the rows the scope selects
        afterwards (``scope.after(...)`` for new rows) are sealed, the head moved by their
        macs. Writes to a sealed table must go through here."""
        scope = _Scope(where, list(args))
        with self._atomic():
            head = self._head(table)
            if head is None:  # not sealed (no key yet), or its head deleted: no seal made here
                if self._secret is None and self._any_head():
                    raise SecretMissingError(_MISSING_SECRET)
                yield scope
                return
            if self._secret is None:
                raise SecretMissingError(_MISSING_SECRET)
            removed = []
            for _rid, row in self._set_rows(table, where, args):
                stored = str(row.get("seal") or "")
                if not stored or not hmac.compare_digest(stored, self._row_mac(table, row)):
                    _who, summary = _summary(table, row)
                    raise RegistryError(
                        f"{TABLE_TITLES.get(table, table)}中的一行与封印不符（登记库被改动）："
                        f"{summary}，不能修改。请先运行 yujing audit --verify 查明。"
                    )
                removed.append(stored)
            yield scope
            added, updates = [], []
            for rid, row in self._set_rows(table, scope.where, scope.args):
                mac = self._row_mac(table, row)
                added.append(mac)
                updates.append((mac, rid))
            self.db.conn.executemany(f"update [{table}] set seal = ? where rowid = ?", updates)
            rows, _last, total, _mac = head
            self._set_head(
                table, rows - len(removed) + len(added), 0, _moved(total, added, removed)
            )

    def _all_heads(self) -> dict[str, Head]:
        return {
            str(t): (int(r), int(last), str(chain))
            for t, r, last, chain in self.db.execute(
                "select tbl, rows, last_id, chain from seal_heads order by tbl"
            )
        }

    def _write_checkpoint(self, previous: Mapping[str, Head] | None = None) -> None:
        """Write ``registry.seal`` with the heads as they are in this connection (pending,
        with ``previous``, before a commit; confirmed after it)."""
        if self._secret is None:
            return
        path = checkpoint_path(self.path)
        try:
            # Writers take turns on the file (a confirm of one never overwrites the pending
            # checkpoint of another that committed meanwhile): the heads are read inside.
            with FileLock(f"{path}.lock", timeout=60):
                heads = self._all_heads()
                if previous is None and self._pending_elsewhere(path, heads):
                    return
                write_checkpoint(path, self._secret, heads, now(), previous)
        except Timeout as exc:
            raise RegistryError(f"封印检查点 {path} 被另一个程序长时间占用，请稍后再试。") from exc
        except OSError as exc:
            raise RegistryError(f"无法写入封印检查点 {path}：{exc.strerror}。") from exc

    def _pending_elsewhere(self, path: Path, heads: Mapping[str, Head]) -> bool:
        """Whether the checkpoint is another writer's pending commit on top of ``heads`` (its
        own confirm follows; overwriting it would lose its heads if it crashed meanwhile)."""
        assert self._secret is not None
        try:
            point = read_checkpoint(path, self._secret)
        except CheckpointProblem:
            return False
        return (
            point.previous is not None
            and point.previous == dict(heads)
            and point.heads != dict(heads)
        )

    def _sealing_expected(self) -> bool:
        """Whether this registry has been sealed (so a missing head is a finding)."""
        if self._any_head() or checkpoint_path(self.path).exists():
            return True
        if any(self._carries_seals(t) for t in (*CHAIN_SEALED, *SET_SEALED)):
            return True
        row = self.db.execute(
            "select note from schema_migrations where version = 2"
        ).fetchone()
        return row is not None and not str(row[0] or "").startswith("缺少签名密钥")

    def seal_head(self) -> str:
        """One HMAC over every sealed table's head (printed on each audit report); "" when the
        registry is not sealed or the key is missing."""
        if self._secret is None or not self._any_head():
            return ""
        return heads_digest(self._secret, self._all_heads())

    def check_seals(self) -> SealState:
        """Check every sealed row against its seal (needs the secret)."""
        if self._secret is None:
            raise SecretMissingError(_MISSING_SECRET)
        problems: list[SealProblem] = []
        checked = 0
        was_sealed = self._sealing_expected()
        for table in SEALED_TABLES:
            head = self._head(table)
            if head is None and not was_sealed:
                continue
            chain, count, last = "", 0, 0
            for row in self._rows(table):
                checked += 1
                previous = last
                count, last = count + 1, int(row["id"])
                seal = str(row.get("seal") or "")
                stored_row, _, stored_chain = seal.partition(".")
                who, summary = _summary(table, row)
                if not stored_row or not stored_chain:  # not part of the chain
                    problems.append(
                        SealProblem(
                            table, last, "没有封印：这一行是绕过 yujing 直接写入的", who, summary
                        )
                    )
                    count, last = count - 1, previous
                    continue
                if not hmac.compare_digest(stored_row, self._row_mac(table, row)):
                    problems.append(
                        SealProblem(table, last, "内容与封印不符：这一行被改动过", who, summary)
                    )
                expected = self._mac("chain", table, chain, stored_row)
                if not hmac.compare_digest(stored_chain, expected):
                    problems.append(
                        SealProblem(
                            table, last, "封印链断开：这一行之前有行被删除或插入", who, summary
                        )
                    )
                chain = stored_chain
            if head is None:
                problems.append(SealProblem(table, 0, _HEAD_GONE))
                continue
            rows, last_id, head_chain, mac = head
            if not hmac.compare_digest(mac, self._head_mac(table, rows, last_id, head_chain)):
                problems.append(SealProblem(table, last_id, "封印记录本身被改动"))
            elif (last_id, head_chain) != (last, chain):
                if last < last_id:
                    what = (
                        f"末尾的行被删除（加封时最后一行为第 {last_id} 行，共 {rows} 行；"
                        f"现在最后一行为第 {last} 行）"
                    )
                else:
                    what = f"封印记录与现有的行不符（加封时最后一行为第 {last_id} 行）"
                problems.append(SealProblem(table, last_id, what))
        for table in SET_SEALED:
            checked += self._check_set(table, was_sealed, problems)
        at = ""
        if was_sealed:
            at = self._check_checkpoint(problems)
        return SealState(
            tuple(problems), checked, self.seal_upgrades(), self.seal_head(), at
        )

    def _check_set(self, table: str, expected: bool, problems: list[SealProblem]) -> int:
        """Check the rows of a set-sealed table and its head (count and sum of the macs)."""
        head = self._head(table)
        if head is None and not expected:
            return 0
        checked, count, macs = 0, 0, []
        for rid, row in self._set_rows(table, "1"):
            checked += 1
            stored = str(row.get("seal") or "")
            who, summary = _summary(table, row)
            if not stored:
                problems.append(
                    SealProblem(table, rid, "没有封印：这一行是绕过 yujing 直接写入的", who, summary)
                )
                continue
            if not hmac.compare_digest(stored, self._row_mac(table, row)):
                problems.append(
                    SealProblem(table, rid, "内容与封印不符：这一行被改动过", who, summary)
                )
            if re.fullmatch(r"[0-9a-f]{32}", stored):
                count += 1
                macs.append(stored)
        if head is None:
            problems.append(SealProblem(table, 0, _HEAD_GONE))
            return checked
        rows, last_id, total, mac = head
        if not hmac.compare_digest(mac, self._head_mac(table, rows, last_id, total)):
            problems.append(SealProblem(table, 0, "封印记录本身被改动"))
        elif count != rows or _moved("0", macs, []) != total:
            problems.append(
                SealProblem(
                    table,
                    0,
                    f"有行被删除、插入或换回了旧内容（加封记录为 {rows} 行，现有带封印的 {count} 行）",
                )
            )
        return checked

    def _check_checkpoint(self, problems: list[SealProblem]) -> str:
        """Compare the heads with the checkpoint outside the file; returns when it was
        written ("" when it cannot be read)."""
        assert self._secret is not None
        path = checkpoint_path(self.path)
        try:
            point = read_checkpoint(path, self._secret)
        except CheckpointProblem as exc:
            problems.append(SealProblem(CHECKPOINT_TABLE, 0, f"{exc}"))
            return ""
        heads = self._all_heads()
        if not point.accepts(heads):
            changed = sorted(
                t for t in {*heads, *point.heads} if heads.get(t) != point.heads.get(t)
            )
            problems.append(
                SealProblem(
                    CHECKPOINT_TABLE,
                    0,
                    f"登记库的封印记录与 {path.name}（写于 {point.at.replace('T', ' ')[:16]}）不符："
                    + "、".join(TABLE_TITLES.get(t, t) for t in changed)
                    + "的封印记录被删除、回退或改动，或登记库文件被换成了旧的副本",
                )
            )
            return ""
        return point.at

    def seal_upgrades(self) -> tuple[tuple[str, str], ...]:
        """(time, detail) of the event that sealed a registry made before seals existed."""
        cur = self.db.execute(
            "select at, detail from events where action = ? order by id", [SEAL_EVENT]
        )
        return tuple((str(at), str(detail)) for at, detail in cur)

    # -- archive folders, review re-reads ---------------------------------------------------

    def student_folders(self) -> dict[str, str]:
        """学号 → folder name in archive/ (fixed at first filing)."""
        return {
            str(sid): str(folder)
            for sid, folder in self.db.execute("select student_id, folder from student_folders")
        }

    def set_student_folder(self, student_id: str, folder: str) -> None:
        with self._atomic():
            self.db.execute(
                "insert or ignore into student_folders (student_id, folder, at) values (?, ?, ?)",
                [student_id, folder, now()],
            )

    def filed_paths(self, student_id: str) -> list[str]:
        """Paths the registry holds for a student (issued copies, filed scans, records), oldest
        first: the folder of a student filed before folders were recorded is found from them."""
        cur = self.db.execute(
            "select p.file, p.id from issued_parts p join serials s on s.serial = p.serial "
            "where s.student_id = ? and p.file != '' "
            "union all select path, 1000000000 + id from archive_files where student_id = ? "
            "union all select path, 2000000000 + id from records where student_id = ? "
            "order by 2",
            [student_id, student_id, student_id],
        )
        return [str(r[0]) for r in cur if r[0]]

    def student_paths(self) -> list[tuple[str, str]]:
        """(学号, path) of every file the registry holds (issued copies, scans, records)."""
        cur = self.db.execute(
            "select s.student_id, p.file from issued_parts p join serials s "
            "on s.serial = p.serial where p.file != '' "
            "union select student_id, path from archive_files where path != '' "
            "union select student_id, path from records where path != ''"
        )
        return [(str(sid), str(path)) for sid, path in cur]

    def rejected_pages(self, source_sha: str, reason: str) -> dict[int, int]:
        """Page → open review item of ``source_sha`` queued for ``reason`` (e.g. a failed
        check, to be read again once the right key is back)."""
        cur = self.db.execute(
            "select page, id from review_items where source_sha = ? and status = 'open' "
            "and reason = ?",
            [source_sha, reason],
        )
        return {int(page): int(rid) for page, rid in cur}

    def supersede_review_items(self, item_ids: Iterable[int]) -> None:
        """Close review items whose pages were read again (status ``reread``)."""
        self.db.conn.executemany(
            "update review_items set status = 'reread', assigned_at = ? where id = ?",
            [(now(), i) for i in item_ids],
        )

    def scan_counts(self) -> dict[str, int]:
        """Rows per table of the scan intake (for comparing runs)."""
        return {
            t: self.count(t)
            for t in ("scan_sources", "scan_pages", "archive_files", "review_items", "serials")
        }

    # == web console: accounts, sessions, login attempts, student tokens, approvals, jobs ==
    # (issue #13; a separate block so it merges cleanly with the rest of the registry)

    def _ensure_console_schema(self) -> None:
        db, text, integer = self.db, str, int
        tables: dict[str, tuple[dict[str, type], Any]] = {
            "users": (
                {
                    "name": text,
                    "role": text,
                    "roster_name": text,
                    "classes": text,
                    "password_hash": text,
                    "disabled": integer,
                    "created_at": text,
                    "updated_at": text,
                },
                "name",
            ),
            "sessions": (
                {
                    "id": text,
                    "user": text,
                    "csrf": text,
                    "created_at": text,
                    "expires_at": text,
                },
                "id",
            ),
            "login_attempts": (
                {"id": integer, "name": text, "ip": text, "ok": integer, "at": text},
                "id",
            ),
            "student_tokens": (
                {
                    "digest": text,
                    "term": text,
                    "student_id": text,
                    "nonce": text,
                    "created_at": text,
                    "response": text,
                    "reason": text,
                    "responded_at": text,
                    "resolved": integer,
                },
                "digest",
            ),
            "approvals": (
                {
                    "id": integer,
                    "term": text,
                    "decision": text,
                    "comment": text,
                    "account": text,
                    "list_updated_at": text,
                    "at": text,
                },
                "id",
            ),
            "jobs": (
                {
                    "id": integer,
                    "kind": text,
                    "term": text,
                    "params": text,
                    "status": text,
                    "done": integer,
                    "total": integer,
                    "message": text,
                    "result": text,
                    "account": text,
                    "created_at": text,
                    "started_at": text,
                    "finished_at": text,
                },
                "id",
            ),
        }
        for name, (columns, pk) in tables.items():
            if not db[name].exists():
                db.create_table(name, columns, pk=pk)
            self._add_missing_columns(name, columns)
        self._add_missing_columns("events", {"account": text})
        db.execute(
            "create index if not exists idx_student_tokens on student_tokens(term, student_id)"
        )
        db.execute("create index if not exists idx_login_attempts on login_attempts(at)")

    # -- accounts

    def user(self, name: str) -> UserRow | None:
        rows = list(self.db.query("select * from users where name = ?", [name]))
        return _user(rows[0]) if rows else None

    def users(self) -> list[UserRow]:
        return [_user(r) for r in self.db.query("select * from users order by role, name")]

    def save_user(self, values: Mapping[str, Any]) -> None:
        with self._sealed_change("users", "name = ?", [values["name"]]):
            self.db.table("users").upsert({**values, "updated_at": now()}, pk="name")

    def password_hash(self, name: str) -> str | None:
        rows = list(self.db.query("select password_hash from users where name = ?", [name]))
        return rows[0]["password_hash"] if rows else None

    # -- sessions (the cookie holds a random id; only its hash is stored)

    def add_session(self, digest: str, user: str, csrf: str, expires_at: str) -> None:
        self.db.execute(
            "insert into sessions (id, user, csrf, created_at, expires_at) values (?, ?, ?, ?, ?)",
            [digest, user, csrf, now(), expires_at],
        )

    def session(self, digest: str) -> SessionRow | None:
        rows = list(
            self.db.query(
                "select s.id, s.user, s.csrf, s.expires_at from sessions s "
                "join users u on u.name = s.user where s.id = ? and coalesce(u.disabled, 0) = 0",
                [digest],
            )
        )
        if not rows or rows[0]["expires_at"] < now():
            return None
        r = rows[0]
        return SessionRow(r["id"], r["user"], r["csrf"], r["expires_at"])

    def delete_sessions(self, *, digest: str | None = None, user: str | None = None) -> None:
        if digest is not None:
            self.db.execute("delete from sessions where id = ?", [digest])
        if user is not None:
            self.db.execute("delete from sessions where user = ?", [user])

    # -- whose students (辅导员 / 班主任 / classes of the roster)

    def students_of(
        self, *, counsellor: str = "", class_teacher: str = "", classes: Sequence[str] = ()
    ) -> set[str]:
        clauses, args = [], []
        if counsellor:
            clauses.append("counsellor = ?")
            args.append(counsellor)
        if class_teacher:
            clauses.append("class_teacher = ?")
            args.append(class_teacher)
        if classes:
            clauses.append(f"class_name in ({','.join('?' * len(classes))})")
            args.extend(classes)
        if not clauses:
            return set()
        rows = self.db.execute(
            f"select student_id from students where {' or '.join(clauses)}", args
        )
        return {r[0] for r in rows}

    def student(self, student_id: str) -> dict[str, Any] | None:
        rows = list(self.db.query("select * from students where student_id = ?", [student_id]))
        return rows[0] if rows else None

    def list_terms(self) -> list[dict[str, Any]]:
        return list(self.db.query("select * from lists order by term desc"))

    def list_head(self, term: Term) -> dict[str, Any] | None:
        rows = list(self.db.query("select * from lists where term = ?", [str(term)]))
        return rows[0] if rows else None

    def list_entries(self, term: Term, student_ids: Iterable[str] | None = None) -> list[ListRow]:
        """The rows of ``term``'s list in list order; only those of ``student_ids`` if given."""
        if student_ids is None:
            return [
                ListRow.from_entry(r)
                for r in self.db.query(
                    "select * from list_entries where term = ? order by seq", [str(term)]
                )
            ]
        wanted = sorted(set(student_ids))
        out: list[dict[str, Any]] = []
        for chunk in _chunks(wanted, 500):
            out.extend(
                self.db.query(
                    f"select * from list_entries where term = ? and student_id in "
                    f"({','.join('?' * len(chunk))})",
                    [str(term), *chunk],
                )
            )
        return [ListRow.from_entry(r) for r in sorted(out, key=lambda r: r["seq"])]

    def change_mark(self) -> tuple[Any, ...]:
        """Changes whenever anything is logged, archived or recorded (for caches)."""
        row = self.db.execute(
            "select (select max(id) from events), (select max(id) from archive_files), "
            "(select max(id) from records), (select count(*) from file_facts)"
        ).fetchone()
        return tuple(row)

    def warned_ids(self, term: Term) -> list[str]:
        rows = self.db.execute(
            "select student_id from list_entries where term = ? and coalesce(level, '') != '' "
            "order by seq",
            [str(term)],
        )
        return [r[0] for r in rows]

    def events_of(self, *, student_id: str | None = None, limit: int = 200) -> list[dict[str, Any]]:
        if student_id is None:
            return list(self.db.query("select * from events order by id desc limit ?", [limit]))
        return list(
            self.db.query(
                "select * from events where student_id = ? order by id desc limit ?",
                [student_id, limit],
            )
        )

    def records_of(self, student_id: str) -> list[dict[str, Any]]:
        return list(
            self.db.query("select * from records where student_id = ? order by id", [student_id])
        )

    def archive_files_of(self, student_id: str) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "select * from archive_files where student_id = ? order by id", [student_id]
            )
        )

    def serial_students(self, serials: Iterable[int]) -> dict[int, str]:
        wanted = list(serials)
        if not wanted:
            return {}
        rows = self.db.execute(
            f"select serial, student_id from serials where serial in ({','.join('?' * len(wanted))})",
            wanted,
        )
        return {int(a): b for a, b in rows}

    # -- student check tokens (学生核查)

    def add_student_token(self, digest: str, term: Term, student_id: str, nonce: str) -> None:
        self.db.execute(
            "insert into student_tokens (digest, term, student_id, nonce, created_at, resolved) "
            "values (?, ?, ?, ?, ?, 0)",
            [digest, str(term), student_id, nonce, now()],
        )

    def student_tokens(self, term: Term) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "select * from student_tokens where term = ? order by student_id", [str(term)]
            )
        )

    def student_token(self, digest: str) -> dict[str, Any] | None:
        rows = list(self.db.query("select * from student_tokens where digest = ?", [digest]))
        return rows[0] if rows else None

    def set_token_response(self, digest: str, response: str, reason: str) -> None:
        self.db.execute(
            "update student_tokens set response = ?, reason = ?, responded_at = ?, resolved = 0 "
            "where digest = ?",
            [response, reason, now(), digest],
        )

    def resolve_token(self, term: Term, student_id: str) -> None:
        self.db.execute(
            "update student_tokens set resolved = 1 where term = ? and student_id = ?",
            [str(term), student_id],
        )

    # -- approvals (审核)

    def add_approval(self, values: Mapping[str, Any]) -> None:
        with self._sealed_change("approvals", "0") as scope:
            table = self.db.table("approvals")
            table.insert({**values, "at": now()})
            scope.after("id = ?", [table.last_pk])

    def approvals(self, term: Term) -> list[dict[str, Any]]:
        """The reviewer's decisions on ``term``'s list, oldest first. Once the table is sealed,
        a row without a valid seal (written by hand, e.g. to let freeze pass) does not count;
        ``audit --verify`` reports it."""
        rows = list(
            self.db.query("select * from approvals where term = ? order by id", [str(term)])
        )
        if self._secret is None or self._head("approvals") is None:
            return rows
        return [
            r
            for r in rows
            if hmac.compare_digest(str(r.get("seal") or ""), self._row_mac("approvals", r))
        ]

    # -- background jobs (后台任务)

    def add_job(self, kind: str, term: str, params: str, account: str) -> int:
        cur = self.db.execute(
            "insert into jobs (kind, term, params, status, done, total, message, account, "
            "created_at) values (?, ?, ?, 'queued', 0, 0, '', ?, ?)",
            [kind, term, params, account, now()],
        )
        return int(cur.lastrowid or 0)

    def job(self, job_id: int) -> dict[str, Any] | None:
        rows = list(self.db.query("select * from jobs where id = ?", [job_id]))
        return rows[0] if rows else None

    def jobs(self, limit: int = 50) -> list[dict[str, Any]]:
        return list(self.db.query("select * from jobs order by id desc limit ?", [limit]))

    def claim_job(self) -> dict[str, Any] | None:
        """Take the oldest queued job (BEGIN IMMEDIATE: two workers never take the same)."""
        with self.transaction():
            rows = list(
                self.db.query("select * from jobs where status = 'queued' order by id limit 1")
            )
            if not rows:
                return None
            self.db.execute(
                "update jobs set status = 'running', started_at = ? where id = ?",
                [now(), rows[0]["id"]],
            )
        return {**rows[0], "status": "running"}

    def update_job(self, job_id: int, **values: Any) -> None:
        sets = ", ".join(f"[{k}] = ?" for k in values)
        self.db.execute(f"update jobs set {sets} where id = ?", [*values.values(), job_id])

    def interrupt_running_jobs(self) -> int:
        """Jobs left running by a server that stopped: marked interrupted (they can be re-run;
        the library resumes batches and scans)."""
        cur = self.db.execute(
            "update jobs set status = 'interrupted', finished_at = ?, "
            "message = '服务器重启时任务未完成，可重新运行' where status = 'running'",
            [now()],
        )
        return int(cur.rowcount or 0)

    def integrity_check(self) -> str:
        return str(self.db.execute("pragma integrity_check").fetchone()[0])

    # -- long-term archive (归档: PDF/A copies, 件号, handover, closed terms) ------------------

    def archive_copies(self, term: Term | str | None = None) -> list[ArchiveCopy]:
        """The archived documents (件) of ``term`` (all when None), by 件号 order of filing."""
        where, args = ("term = ?", [str(term)]) if term is not None else (None, None)
        table = self.db.table(pending_archive.COPIES)
        return [copy_row(r) for r in table.rows_where(where, args, order_by="id")]

    def archive_copies_of(self, student_id: str) -> list[ArchiveCopy]:
        """A student's archived documents (件), in filing order."""
        table = self.db.table(pending_archive.COPIES)
        return [copy_row(r) for r in table.rows_where("student_id = ?", [student_id], order_by="id")]

    def archive_copy_of(self, original: str) -> ArchiveCopy | None:
        """The latest archive copy made of the file ``original`` (path in the workspace)."""
        rows = list(
            self.db.table(pending_archive.COPIES).rows_where(
                "original = ?", [original], order_by="id desc", limit=1
            )
        )
        return copy_row(rows[0]) if rows else None

    def next_item_no(self, fonds: str, year: int, retention: str, org: str) -> int:
        """The next 件号 of the class (全宗, 年度, 保管期限, 机构): numbers are never reused."""
        row = self.db.execute(
            f"select max(item_no) from {pending_archive.COPIES} "
            "where fonds = ? and year = ? and retention = ? and org = ?",
            [fonds, year, retention, org],
        ).fetchone()
        return int(row[0] or 0) + 1

    def add_archive_copy(self, values: Mapping[str, Any]) -> int:
        """Record (and seal) one archived document and its archive copy."""
        return self._sealed_insert(pending_archive.COPIES, values)

    def archive_seal_ok(self, table: str, row_id: int) -> bool | None:
        """Whether the row's seal matches its content (None when the registry has no key).
        ``table`` is one of the archive's sealed tables."""
        if table not in (pending_archive.COPIES, pending_archive.HANDOVERS):
            raise RegistryError(f"{table} 不是归档的封印表。")
        if self._secret is None:
            return None
        rows = list(self._rows(table, "where id = ?", [row_id]))
        if not rows:
            return False
        stored = str(rows[0].get("seal") or "").partition(".")[0]
        return hmac.compare_digest(stored, self._row_mac(table, rows[0]))

    def add_handover(self, values: Mapping[str, Any]) -> int:
        """Record (and seal) a term's handover (移交)."""
        return self._sealed_insert(pending_archive.HANDOVERS, values)

    def handovers(self, term: Term | str | None = None) -> list[dict[str, Any]]:
        where, args = ("term = ?", [str(term)]) if term is not None else (None, None)
        return list(self.db.table(pending_archive.HANDOVERS).rows_where(where, args, order_by="id"))

    def archive_term_state(self, term: Term | str) -> dict[str, Any] | None:
        """The archive state of ``term`` (``closed`` / ``open``, who, why, when), if any."""
        rows = list(self.db.table(pending_archive.TERMS).rows_where("term = ?", [str(term)]))
        return rows[0] if rows else None

    def set_archive_term_state(self, term: Term | str, status: str, who: str, reason: str) -> None:
        """Close or reopen ``term``'s folders; logged with who and why."""
        with self._atomic():
            self.db.table(pending_archive.TERMS).upsert(
                {"term": str(term), "status": status, "who": who, "reason": reason, "at": now()},
                pk="term",
            )
            action = "archive-close" if status == "closed" else "archive-reopen"
            self.log(action, f"{who}：{reason}", term=str(term))


    # == security (issue #18): sign-in attempts, job limits, records ==

    def claim_login_attempt(
        self, name: str, ip: str, since: str, wait: Callable[[int, str], bool]
    ) -> int:
        """Count this sign-in attempt BEFORE its password is checked, in one transaction:
        the failures of the account from this address since ``since`` (and since the pair's
        last success) are counted and, unless ``wait(failures, last_failure_at)`` says the
        pair must wait, a row is written as a failure (ok = 0) that :meth:`finish_login_attempt`
        turns into a success; a refused attempt is written with ok = -1 and 0 returned.
        Two parallel attempts take turns (BEGIN IMMEDIATE), so each sees the other's row."""
        with self.transaction():
            last_ok = self.db.execute(
                "select max(at) from login_attempts where name = ? and ip = ? and ok = 1",
                [name, ip],
            ).fetchone()[0]
            failures, last_failure = self.db.execute(
                "select count(*), max(at) from login_attempts "
                "where ok = 0 and name = ? and ip = ? and at >= ?",
                [name, ip, max(since, last_ok or "")],
            ).fetchone()
            refused = wait(int(failures), last_failure or "")
            cur = self.db.execute(
                "insert into login_attempts (name, ip, ok, at) values (?, ?, ?, ?)",
                [name, ip, -1 if refused else 0, now()],
            )
        return 0 if refused else int(cur.lastrowid or 0)

    def finish_login_attempt(self, attempt_id: int) -> None:
        """The password of a claimed attempt was right: the row becomes a success."""
        with self.transaction():
            self.db.execute("update login_attempts set ok = 1 where id = ?", [attempt_id])

    def claim_job_of(self, kinds: Sequence[str]) -> dict[str, Any] | None:
        """Take the oldest queued job of ``kinds`` (one queue), as :meth:`claim_job` does."""
        marks = ", ".join("?" for _ in kinds)
        with self.transaction():
            rows = list(
                self.db.query(
                    f"select * from jobs where status = 'queued' and kind in ({marks}) "
                    "order by id limit 1",
                    list(kinds),
                )
            )
            if not rows:
                return None
            started = now()
            self.db.execute(
                "update jobs set status = 'running', started_at = ? where id = ?",
                [started, rows[0]["id"]],
            )
        return {**rows[0], "status": "running", "started_at": started}

    def request_job_cancel(self, job_id: int, at: str) -> str:
        """A queued job is cancelled at once; a running one gets its cancel flag (its worker
        stops it between pages). Returns the job's status after this."""
        with self._atomic():
            self.db.execute(
                "update jobs set status = 'cancelled', finished_at = ?, cancel = 1, "
                "message = '已取消（尚未开始）' where id = ? and status = 'queued'",
                [at, job_id],
            )
            self.db.execute(
                "update jobs set cancel = 1 where id = ? and status = 'running'", [job_id]
            )
            row = self.db.execute("select status from jobs where id = ?", [job_id]).fetchone()
        return str(row[0]) if row else ""

    def finish_job(self, job_id: int, status: str, message: str, result: str = "") -> None:
        """A job's end: its status (done, failed, cancelled), message and result, now."""
        self.db.execute(
            "update jobs set status = ?, message = ?, result = ?, finished_at = ? where id = ?",
            [status, message, result, now(), job_id],
        )

    def job_cancel_requested(self, job_id: int) -> bool:
        row = self.db.execute("select cancel from jobs where id = ?", [job_id]).fetchone()
        return bool(row and row[0])


    # -- the list's workflow and the review queue (名单流程、待处理队列; pending_workflow) --

    def list_revision(self, term: Term) -> int:
        """The list's revision: the id of the last event that changed ``term``'s list (a new
        assessment, an objection's outcome); 0 when none."""
        row = self.db.execute(
            "select max(id) from events where term = ? and action in ('assess', 'objection')",
            [str(term)],
        ).fetchone()
        return int(row[0] or 0)

    def add_submission(self, term: Term, account: str, revision: int) -> int:
        """Record a submission for review (提交审核), sealed like the approvals."""
        with self._sealed_change("list_submissions", "0") as scope:
            table = self.db.table("list_submissions")
            table.insert({"term": str(term), "account": account, "list_revision": revision, "at": now()})
            rid = int(table.last_pk or 0)
            scope.after("id = ?", [rid])
        return rid

    def submissions(self, term: Term) -> list[dict[str, Any]]:
        return list(
            self.db.query(
                "select * from list_submissions where term = ? order by id", [str(term)]
            )
        )

    def set_review_item_decision(
        self, item_id: int, status: str, account: str, note: str
    ) -> None:
        """Set a review item aside (``discarded`` 不是本系统材料, ``duplicate`` 重复); its file
        stays where it is."""
        self.db.execute(
            "update review_items set status = ?, decided_by = ?, decided_at = ?, note = ? "
            "where id = ?",
            [status, account, now(), note, item_id],
        )

    def roster_names(self) -> dict[str, tuple[str, ...]]:
        """The distinct values of the roster's ``counsellor``, ``class_teacher`` and
        ``class_name`` columns, each sorted."""
        out: dict[str, tuple[str, ...]] = {}
        for column in ("counsellor", "class_teacher", "class_name"):
            rows = self.db.execute(
                f"select distinct [{column}] from students where coalesce([{column}], '') != '' "
                f"order by [{column}]"
            )
            out[column] = tuple(r[0] for r in rows)
        return out


TABLE_TITLES = {
    "archive_files": "归档文件",
    "records": "附件与记录",
    "events": "操作日志",
    "lists": "预警名单",
    "list_entries": "名单条目",
    "serials": "编号",
    "issued_parts": "发出的联",
    "approvals": "审核意见",
    "users": "账号",
    "signature_checks": "签字检查",
    "file_facts": "文件指纹",
    "list_submissions": "提交审核",
    "archive_copies": "归档件",
    "archive_handovers": "档案移交",
    "registry.seal": "封印检查点",
}
CHECKPOINT_TABLE = "registry.seal"
"""The ``table`` of a :class:`SealProblem` about the checkpoint file."""
_HEAD_GONE = "封印记录（seal_heads）被删除：这张表的封印无法核对，删除前后的改动都可能被掩盖"


@dataclass
class _Scope:
    """The rows a sealed change covers (``after`` names the new rows once they exist)."""

    where: str
    args: list[Any]

    def after(self, where: str, args: Sequence[Any]) -> None:
        self.where, self.args = where, list(args)


def _moved(total: str, added: Iterable[str], removed: Iterable[str]) -> str:
    """The sum of a set-sealed table's macs (mod 2^128) after adding and removing some."""
    value = int(total or "0", 16)
    value += sum(int(m, 16) for m in added) - sum(int(m, 16) for m in removed)
    return f"{value % _SUM:032x}"
_MISSING_SECRET = (
    "工作区缺少签名密钥 secret.key，登记库的封印无法核对或延续。请从备份恢复："
    "把备份中的 secret.key 复制回工作区，或运行 yujing restore 备份目录 新工作区目录。"
    "切勿新建密钥：已印发的二维码会全部无法核验。"
)


def _summary(table: str, row: Mapping[str, Any]) -> tuple[str, str]:
    """(学号, the row's main values) for a seal problem."""
    sid = str(row.get("student_id") or "")
    if table == "archive_files":
        text = (
            f"{row.get('path')}（签字 {row.get('signed')}，sha256 {str(row.get('sha256'))[:12]}…）"
        )
    elif table == "records":
        text = f"{row.get('kind')} {row.get('path')}（sha256 {str(row.get('sha256'))[:12]}…）"
    elif table == "events":
        text = f"{row.get('at')} {row.get('action')} {row.get('detail')}"
    else:  # the row's values (never a password hash nor a seal)
        shown = {k: v for k, v in row.items() if k not in ("seal", "password_hash", "figures")}
        text = " ".join(f"{k}={v}" for k, v in shown.items() if v not in (None, ""))[:300]
    return sid, text


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _chunks(items: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]


# == web console values (issue #13) ==


@dataclass(frozen=True)
class UserRow:
    """An account of the web console (账号); never carries the password hash."""

    name: str
    role: str
    roster_name: str
    classes: tuple[str, ...]
    disabled: bool
    created_at: str
    phone: str = ""
    """联系电话 (an adviser's, printed on the notices where the roster has none)."""


@dataclass(frozen=True)
class SessionRow:
    """A signed-in browser (会话): the hashed cookie id, its account and CSRF token."""

    id: str
    user: str
    csrf: str
    expires_at: str


def _user(row: Mapping[str, Any]) -> UserRow:
    classes = tuple(c for c in (row.get("classes") or "").split("\n") if c)
    return UserRow(
        row["name"],
        row["role"],
        row.get("roster_name") or "",
        classes,
        bool(row.get("disabled")),
        row.get("created_at") or "",
        row.get("phone") or "",
    )

