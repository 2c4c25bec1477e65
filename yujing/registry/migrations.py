"""Versioned migrations of the registry (登记库版本升级).

Each change of the registry's schema (or of its data, when a stage used to carry a
compatibility branch for it) is one :class:`Migration` in :data:`MIGRATIONS`, in version
order. The registry records each migration it ran in ``schema_migrations`` (version, name,
time, note) and keeps ``PRAGMA user_version`` at the latest version, so a workspace says which
yujing it was last opened by. Before a migration runs on an existing registry, the registry is
copied (SQLite online backup, :func:`yujing.registry.snapshot.backup_registry`) into
``backups/before-migration-<from>-to-<to>-<time>/`` in the workspace, and the opening says so.
A registry whose version is newer than :data:`LATEST` is refused
(:class:`~yujing.errors.RegistryTooNewError`): an older yujing must not write to it.

To add a migration: write ``def apply(db: sqlite_utils.Database) -> None`` (idempotent, i.e.
``create table if not exists`` / add a column if missing) and append one line
``Migration(<next version>, "<name>", apply)`` to :data:`MIGRATIONS` (see docs/migrations.md).
A migration that makes new tables evidence names them in ``seals``: the runner seals their
rows as they are (the "first sealing"), once, and records it — it never happens on an ordinary
opening.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import cast

import sqlite_utils


@dataclass(frozen=True)
class Migration:
    """One named, ordered change of the registry (登记库升级步骤)."""

    version: int
    name: str
    apply: Callable[[sqlite_utils.Database], None]
    seals: tuple[str, ...] = ()
    """Tables this migration first seals (their rows as they are, once, recorded)."""


@dataclass(frozen=True)
class AppliedMigration:
    """A migration as recorded in ``schema_migrations``."""

    version: int
    name: str
    applied_at: str
    note: str


@dataclass(frozen=True)
class MigrationReport:
    """What opening the registry upgraded: from and to which version, where the backup made
    before it is (None for a new registry), and what each migration said."""

    from_version: int
    to_version: int
    backup: str | None
    notes: tuple[str, ...] = ()

    @property
    def message(self) -> str:
        """The sentence the command line prints (登记库已从第 N 版升级到第 M 版…)."""
        text = f"登记库已从第 {self.from_version} 版升级到第 {self.to_version} 版"
        if self.backup:
            text += f"，升级前的备份在 {self.backup}"
        return text + "。" + "".join(f"{n}。" for n in self.notes if n)


@dataclass(frozen=True)
class SchemaStatus:
    """The registry's version, the migrations it ran and those this program would run."""

    version: int
    latest: int
    applied: tuple[AppliedMigration, ...]
    pending: tuple[tuple[int, str], ...]


class _SchemaTarget:
    """A bare database seen as the registry's schema methods expect (``self.db``): migration 1
    runs the registry's own schema code (kept in the Registry class) on any database."""

    def __init__(self, db: sqlite_utils.Database) -> None:
        self.db = db

    def _add_missing_columns(self, name: str, columns: dict[str, type]) -> None:
        table = self.db.table(name)
        have = table.columns_dict
        for column, kind in columns.items():
            if column not in have:
                table.add_column(column, kind)


def base_schema(db: sqlite_utils.Database) -> None:
    """Version 1: every table, column and index as yujing made them before versions existed
    (``_ensure_schema``, ``_ensure_console_schema``, ``college_docs``). Idempotent, so a new
    registry and one made by any earlier release end up with the same tables."""
    from yujing.registry import Registry  # the schema code lives in the class (for merges)

    target = cast(Registry, _SchemaTarget(db))
    Registry._ensure_schema(target)
    Registry._ensure_console_schema(target)
    Registry._college_docs_table(target)


SET_SEALED_V2 = (
    "lists",
    "list_entries",
    "serials",
    "issued_parts",
    "approvals",
    "users",
    "signature_checks",
    "file_facts",
)
"""Tables sealed from version 2 on: rows that may change through yujing, so each row carries
an HMAC and the table's head an HMAC'd sum of them (see yujing/registry/seals.py)."""

SET_SEALED = (*SET_SEALED_V2, "list_submissions")
"""Every set-sealed table (each migration that adds one names it in its ``seals``)."""

CHAIN_SEALED_V2 = ("archive_files", "records", "events")
"""Append-only evidence tables, sealed (row HMAC + chain) since seals existed."""

CHAIN_SEALED = (*CHAIN_SEALED_V2, "archive_copies", "archive_handovers")
"""Every chain-sealed table (each migration that adds one names it in its ``seals``)."""


def seal_columns(db: sqlite_utils.Database) -> None:
    """Version 2: a ``seal`` column on every table that decides what is printed or audited."""
    for name in SET_SEALED_V2:
        table = db.table(name)
        if "seal" not in table.columns_dict:
            table.add_column("seal", str)


def record_folders(db: sqlite_utils.Database) -> None:
    """Version 3: the archive folder of every student filed before folders were recorded
    (``student_folders``), taken from the student's first filed path — the folder an older
    workspace used — unless another 学号 holds that folder. Before this, every filing looked
    the folder up in the student's filed paths (a branch of ``archive.folder_for``)."""
    from yujing.registry import COLLEGE_KEY, now

    known = {str(s): str(f) for s, f in db.execute("select student_id, folder from student_folders")}
    owners = {f: s for s, f in known.items()}
    cur = db.execute(
        "select s.student_id, p.file, p.id from issued_parts p join serials s "
        "on s.serial = p.serial where p.file != '' "
        "union all select student_id, path, 1000000000 + id from archive_files "
        "union all select student_id, path, 2000000000 + id from records "
        "order by 1, 3"
    )
    for sid, path, _order in cur.fetchall():
        sid = str(sid or "")
        if not sid or not path or sid in known or sid.startswith(COLLEGE_KEY):
            continue
        parts = str(path).split("/")
        if len(parts) > 2 and parts[0] == "archive" and owners.get(parts[1], sid) == sid:
            db.execute(
                "insert or ignore into student_folders (student_id, folder, at) values (?, ?, ?)",
                [sid, parts[1], now()],
            )
            known[sid], owners[parts[1]] = parts[1], sid


def list_workflow(db: sqlite_utils.Database) -> None:
    """Version 4: the list's workflow and the review queue's decisions
    (:mod:`yujing.registry.pending_workflow`); submissions are evidence, sealed."""
    from yujing.registry import pending_workflow

    pending_workflow.migrate(db)
    if "seal" not in db.table("list_submissions").columns_dict:
        db.table("list_submissions").add_column("seal", str)


def security_hardening(db: sqlite_utils.Database) -> None:
    """Version 5: records' 参与人, a job's cancel request and page count, the sign-in count's
    index (:mod:`yujing.registry.pending_security`)."""
    from yujing.registry import pending_security

    pending_security.migrate(db)


def adviser_phones(db: sqlite_utils.Database) -> None:
    """Version 6: the roster's 辅导员电话 and 班主任电话, printed on the notices
    (:mod:`yujing.registry.pending_print`)."""
    from yujing.registry import pending_print

    pending_print.migrate(db)


def long_term_archive(db: sqlite_utils.Database) -> None:
    """Version 7: the archive copies (PDF/A, 件号, 归档章), the handovers and the terms closed
    by them (:mod:`yujing.registry.pending_archive`); copies and handovers are evidence."""
    from yujing.registry import pending_archive

    pending_archive.migrate(db)


def account_phones(db: sqlite_utils.Database) -> None:
    """Version 8: an adviser account's 联系电话, printed on the notices where the roster has no
    辅导员电话. ``users`` is sealed: the column is nullable with no default, so every existing
    row keeps its seal."""
    table = db.table("users")
    if table.exists() and "phone" not in table.columns_dict:
        table.add_column("phone", str)


MIGRATIONS: tuple[Migration, ...] = (
    Migration(1, "base-schema", base_schema),
    Migration(2, "seal-evidence-tables", seal_columns, seals=CHAIN_SEALED_V2 + SET_SEALED_V2),
    Migration(3, "record-archive-folders", record_folders),
    Migration(4, "list-workflow", list_workflow, seals=("list_submissions",)),
    Migration(5, "security-hardening", security_hardening),
    Migration(6, "adviser-phones", adviser_phones),
    Migration(7, "long-term-archive", long_term_archive, seals=("archive_copies", "archive_handovers")),
    Migration(8, "account-phones", account_phones),
)
"""Every migration, in version order (append new ones at the end)."""

LATEST = MIGRATIONS[-1].version
"""The version this program brings a registry to (read :func:`latest` at run time)."""


def latest() -> int:
    """The newest version of :data:`MIGRATIONS` (read when called, so a migration appended
    later, or by a test, counts)."""
    return MIGRATIONS[-1].version


def check_order() -> None:
    """The versions are 1, 2, 3 … with no gap (a test calls this)."""
    versions = [m.version for m in MIGRATIONS]
    if versions != list(range(1, len(versions) + 1)):
        raise AssertionError(f"migration versions out of order: {versions}")


def read_status(path: Path) -> SchemaStatus:
    """The version of the registry at ``path`` and what opening it would run, read without
    changing it (read-only; nothing is migrated)."""
    import sqlite3

    from yujing.errors import RegistryError
    from yujing.registry.boundary import sqlite_message

    try:
        conn = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro", uri=True, timeout=30)
        try:
            version = int(conn.execute("pragma user_version").fetchone()[0])
            has_table = conn.execute(
                "select 1 from sqlite_master where name = 'schema_migrations'"
            ).fetchone()
            rows = (
                conn.execute(
                    "select version, name, applied_at, note from schema_migrations "
                    "order by version"
                ).fetchall()
                if has_table
                else []
            )
        finally:
            conn.close()
    except sqlite3.Error as exc:
        raise RegistryError(f"无法读取登记库 {path}：{sqlite_message(exc)}。") from exc
    applied = tuple(AppliedMigration(int(v), str(n), str(at), str(note or "")) for v, n, at, note in rows)
    pending = tuple((m.version, m.name) for m in MIGRATIONS if m.version > version)
    return SchemaStatus(version, latest(), applied, pending)
