"""The workspace's SQLite registry (登记库), through sqlite-utils.

Tables: ``students``, ``grades``, ``plan``, ``flags``, ``imported_levels`` (the imports, each
keyed by the record's identity), ``imports`` and ``changes`` (what every import did),
``lists`` and ``list_entries`` (warning lists per term, draft or frozen), ``objections``
(学生核查异议), ``events`` (the log of every action). sqlite3 errors are wrapped in
:class:`~yujing.errors.RegistryError`.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import sqlite_utils

from yujing.errors import RegistryError
from yujing.model import Attempt, AttemptKind, Flag, ImportedLevel, PlanRow, Student, Term

KEY_SEP = "\x1f"
RECORD_TABLES = {
    "roster": "students",
    "grades": "grades",
    "plan": "plan",
    "flags": "flags",
    "levels": "imported_levels",
}


def now() -> str:
    return datetime.now().isoformat(timespec="seconds")


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
    entries: tuple[dict[str, Any], ...]

    @property
    def frozen(self) -> bool:
        return self.status == "frozen"

    @property
    def warned(self) -> tuple[dict[str, Any], ...]:
        return tuple(e for e in self.entries if e["level"])

    def levels(self) -> dict[str, str]:
        return {e["student_id"]: e["level"] for e in self.warned}


class Registry:
    """The registry of one workspace."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            conn = sqlite3.connect(path, timeout=30)
            conn.execute("PRAGMA journal_mode=WAL")
            conn.execute("PRAGMA busy_timeout=30000")
            conn.execute("PRAGMA synchronous=NORMAL")  # WAL: durable across crashes of the app
            self.db = sqlite_utils.Database(conn)
            self._ensure_schema()
        except sqlite3.Error as exc:
            raise RegistryError(f"无法打开登记库 {path}：{exc}") from exc

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
            raise RegistryError(f"登记库正被占用或无法写入（{self.path}）：{exc}") from exc
        try:
            yield
            conn.execute("COMMIT")
        except sqlite3.Error as exc:
            conn.rollback()
            raise RegistryError(f"登记库写入失败（{self.path}）：{exc}") from exc
        except BaseException:
            conn.rollback()
            raise

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
        for name, (columns, pk) in {**extra, **scans}.items():
            if not db[name].exists():
                db.create_table(name, columns, pk=pk)
        every = {**specs, **{n: c for n, (c, _) in {**tables, **extra, **scans}.items()}}
        for name, columns in every.items():
            self._add_missing_columns(name, columns)

    def _add_missing_columns(self, name: str, columns: Mapping[str, type]) -> None:
        """Migrate a registry made by an earlier version: add the columns it lacks (new
        columns are always nullable, so old rows stay valid)."""
        table = self.db.table(name)
        have = table.columns_dict
        for column, kind in columns.items():
            if column not in have:
                table.add_column(column, kind)

    # -- events ------------------------------------------------------------------------

    def log(self, action: str, detail: str = "", *, term: str = "", student_id: str = "") -> None:
        """Append to the event log (操作日志)."""
        self.db.table("events").insert(
            {
                "at": now(),
                "action": action,
                "term": term,
                "student_id": student_id,
                "detail": detail,
            }
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
        if new_rows:
            self.db.conn.executemany(
                f"insert into [{table.name}] ({fields}) values ({values})",
                (tuple(r.get(c) for c in names) for r in new_rows),
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
        self, progress: Callable[[int, int], None] | None = None
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
            self.db.table("list_entries").rows_where("term = ?", [str(term)], order_by="seq")
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
        self, term: Term, policy: str, assessed_count: int, entries: Sequence[dict[str, Any]]
    ) -> None:
        """Store the draft list of ``term`` (caller holds a transaction)."""
        t = str(term)
        old = self.saved_list(term)
        self.db.table("list_entries").delete_where("term = ?", [t])
        self.db.table("list_entries").insert_all(
            ({"term": t, "seq": i, **e} for i, e in enumerate(entries, start=1)),
            batch_size=2000,
        )
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

    def update_entry(self, term: Term, student_id: str, values: Mapping[str, Any]) -> None:
        self.db.table("list_entries").update((str(term), student_id), dict(values))

    def set_frozen(self, term: Term) -> None:
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
        for sid in student_ids:
            if sid in active:
                continue
            cur = self.db.execute(
                "insert into serials (term, student_id, batch, status, created_at) "
                "values (?, ?, ?, 'active', ?)",
                [str(term), sid, batch, now()],
            )
            out[sid] = int(cur.lastrowid or 0)
        return out

    def active_serials(self, term: Term) -> dict[str, int]:
        rows = self.db.execute(
            "select student_id, serial from serials where term = ? and status = 'active'",
            [str(term)],
        )
        return {sid: serial for sid, serial in rows}

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
        self.db.execute(
            "update serials set status = 'voided', void_reason = ?, voided_at = ? where serial = ?",
            [reason, now(), serial],
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
        table = self.db.table("records")
        table.insert({**values, "at": now()})
        return int(table.last_pk) if table.last_pk is not None else 0

    def records(self, term: str | None = None) -> list[dict[str, Any]]:
        where, args = ("term = ?", [term]) if term else (None, None)
        return list(self.db.table("records").rows_where(where, args, order_by="id"))

    def record_archive_file(self, values: Mapping[str, Any]) -> None:
        self.db.table("archive_files").insert(dict(values))

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
        old = [
            r["id"]
            for r in checks.rows_where(
                "source_sha = ? and page = ?", [values["source_sha"], values["page"]]
            )
        ]
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
            if known:
                self.db.execute(
                    "update archive_files set signed = ? where path = ? and source_sha = ?",
                    [int(any(v == "signed" for v in known)), record.file, source_sha],
                )
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


def _text(value: Any) -> str:
    return "" if value is None else str(value)


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for i in range(0, len(items), size):
        yield items[i : i + size]
