"""The university registry (校级登记库, ``university.sqlite`` in a university folder): the
university's own accounts (教务处 office, 督查 supervisor) with their sessions and sign-in
attempts, its sealed event log, inspections (督查抽样: which folders of which college were
drawn, with the seed), findings per folder, rectification deadlines (限期整改) and the term
summary reports the colleges filed with the 教务处 (报教务处备案).

It is a :class:`~yujing.registry.Registry` (the same accounts, sessions, throttling and sealed
event log as a college's) plus the tables below; a college's own figures are never copied here
— the roll-up reads each college's registry through its workspace.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any, TypeVar, cast

from yujing.registry import Registry, now

_T = TypeVar("_T")

UNIVERSITY_TABLES: dict[str, dict[str, type]] = {
    "inspections": {
        "id": int,
        "term": str,
        "college": str,
        "seed": int,
        "size": int,
        "drawn_at": str,
        "account": str,
    },
    "inspection_folders": {
        "id": int,
        "inspection_id": int,
        "college": str,
        "student_id": str,
        "name": str,
        "class_name": str,
        "level": str,
        "finding": str,
        "finding_at": str,
        "finding_account": str,
    },
    "rectifications": {
        "id": int,
        "inspection_id": int,
        "college": str,
        "term": str,
        "what": str,
        "deadline": str,
        "set_at": str,
        "account": str,
        "closed_at": str,
        "closed_account": str,
        "closing_note": str,
    },
    "filings": {
        "id": int,
        "college": str,
        "term": str,
        "report": str,
        "path": str,
        "sha256": str,
        "filed_at": str,
        "account": str,
    },
}


@dataclass(frozen=True)
class InspectionRow:
    """One inspection draw (督查抽样) of one college's folders."""

    id: int
    term: str
    college: str
    seed: int
    size: int
    drawn_at: str
    account: str


@dataclass(frozen=True)
class SampledFolder:
    """A folder drawn for an inspection, with the supervisor's finding (检查意见)."""

    id: int
    inspection_id: int
    college: str
    student_id: str
    name: str
    class_name: str
    level: str
    finding: str
    finding_at: str
    finding_account: str


@dataclass(frozen=True)
class Rectification:
    """A rectification order with its deadline (限期整改), open until closed."""

    id: int
    inspection_id: int
    college: str
    term: str
    what: str
    deadline: str
    set_at: str
    account: str
    closed_at: str
    closed_account: str
    closing_note: str

    @property
    def open(self) -> bool:
        return not self.closed_at


@dataclass(frozen=True)
class Filing:
    """A college's term summary report filed with the 教务处 (报教务处备案)."""

    id: int
    college: str
    term: str
    report: str
    path: str
    sha256: str
    filed_at: str
    account: str


class UniversityRegistry(Registry):
    """The registry of a university folder."""

    def _migrate(self) -> None:
        """The college registry's migrations (accounts, sessions, the sealed log), then the
        university's own four tables, made idempotently. They have no migration of their own
        yet: the first change to them gets a migration list of the university registry."""
        super()._migrate()
        with self.transaction():
            self._ensure_university_tables()

    def _ensure_university_tables(self) -> None:
        db = self.db
        for name, columns in UNIVERSITY_TABLES.items():
            if not db[name].exists():
                db.create_table(name, columns, pk="id")
            self._add_missing_columns(name, columns)
        db.execute(
            "create index if not exists idx_inspection_folders on inspection_folders(inspection_id)"
        )

    # -- inspections (督查抽样)

    def add_inspection(
        self, values: Mapping[str, Any], folders: Sequence[Mapping[str, Any]]
    ) -> int:
        with self._atomic():
            iid = int(self.db.table("inspections").insert(dict(values)).last_pk or 0)
            rows = [{**f, "inspection_id": iid, "finding": ""} for f in folders]
            if rows:
                self.db.table("inspection_folders").insert_all(rows)
            return iid

    def inspections(self, college: str | None = None) -> list[InspectionRow]:
        where, args = ("where college = ?", [college]) if college else ("", [])
        rows = self.db.query(f"select * from inspections {where} order by id", args)
        return [_value(InspectionRow, r) for r in rows]

    def inspection(self, inspection_id: int) -> InspectionRow | None:
        rows = list(self.db.query("select * from inspections where id = ?", [inspection_id]))
        if not rows:
            return None
        return _value(InspectionRow, rows[0])

    def sampled_folders(self, inspection_id: int) -> list[SampledFolder]:
        rows = self.db.query(
            "select * from inspection_folders where inspection_id = ? order by id",
            [inspection_id],
        )
        return [_value(SampledFolder, r) for r in rows]

    def sampled_folder(self, folder_id: int) -> SampledFolder | None:
        rows = list(self.db.query("select * from inspection_folders where id = ?", [folder_id]))
        if not rows:
            return None
        return _value(SampledFolder, rows[0])

    def set_finding(self, folder_id: int, finding: str) -> None:
        self.db.execute(
            "update inspection_folders set finding = ?, finding_at = ?, finding_account = ? "
            "where id = ?",
            [finding, now(), self.account, folder_id],
        )

    # -- rectifications (限期整改)

    def add_rectification(self, values: Mapping[str, Any]) -> int:
        row = {**values, "set_at": now(), "account": self.account, "closed_at": ""}
        return int(self.db.table("rectifications").insert(row).last_pk or 0)

    def rectifications(
        self, college: str | None = None, *, open_only: bool = False
    ) -> list[Rectification]:
        clauses, args = [], []
        if college:
            clauses.append("college = ?")
            args.append(college)
        if open_only:
            clauses.append("coalesce(closed_at, '') = ''")
        where = f"where {' and '.join(clauses)}" if clauses else ""
        rows = self.db.query(f"select * from rectifications {where} order by deadline, id", args)
        return [_value(Rectification, r) for r in rows]

    def rectification(self, rect_id: int) -> Rectification | None:
        rows = list(self.db.query("select * from rectifications where id = ?", [rect_id]))
        return _value(Rectification, rows[0]) if rows else None

    def close_rectification(self, rect_id: int, note: str) -> None:
        self.db.execute(
            "update rectifications set closed_at = ?, closed_account = ?, closing_note = ? "
            "where id = ?",
            [now(), self.account, note, rect_id],
        )

    # -- filings (报教务处备案)

    def add_filing(self, values: Mapping[str, Any]) -> int:
        row = {**values, "filed_at": now(), "account": self.account}
        return int(self.db.table("filings").insert(row).last_pk or 0)

    def filings(self, college: str | None = None) -> list[Filing]:
        where, args = ("where college = ?", [college]) if college else ("", [])
        rows = self.db.query(f"select * from filings {where} order by id", args)
        return [_value(Filing, r) for r in rows]

    def filing(self, filing_id: int) -> Filing | None:
        rows = list(self.db.query("select * from filings where id = ?", [filing_id]))
        if not rows:
            return None
        return _value(Filing, rows[0])


def _value(cls: type[_T], row: Mapping[str, Any]) -> _T:
    """A row as its frozen dataclass; NULL becomes "" (text) or 0 (ids, counts)."""
    values = {}
    for spec in fields(cast(Any, cls)):
        value = row.get(spec.name)
        if value is None:
            value = 0 if spec.type in ("int", int) else ""
        values[spec.name] = value
    return cls(**values)
