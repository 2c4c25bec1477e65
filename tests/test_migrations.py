"""Versioned registry migrations (issue #17 item 1): every migration from version 0 ends in the
schema of a fresh workspace; an upgrade is recorded, makes a backup first and says so; a
registry newer than the program is refused; ``yujing migrate`` shows the version."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
import sqlite_utils
from click.testing import CliRunner
from conftest import TERM, sample_workspace

from yujing.cli.main import cli
from yujing.errors import RegistryTooNewError
from yujing.registry import Registry, migrations
from yujing.registry.migrations import LATEST, MIGRATIONS, SET_SEALED, Migration
from yujing.workspace import Workspace

Schema = dict[str, tuple[frozenset[tuple[str, str]], frozenset[tuple[str, tuple[str, ...], int]]]]


def schema_of(path: Path) -> Schema:
    """Tables → (columns (name, type), indexes (name, columns, unique)), read with sqlite3.
    Column order is not compared: a column added to an old table is appended at its end."""
    conn = sqlite3.connect(path)
    try:
        out: Schema = {}
        tables = [
            r[0]
            for r in conn.execute(
                "select name from sqlite_master where type = 'table' and name not like 'sqlite_%'"
            )
        ]
        for table in tables:
            columns = frozenset(
                (r[1], r[2].lower()) for r in conn.execute(f"pragma table_info([{table}])")
            )
            indexes = frozenset(
                (
                    r[1],
                    tuple(c[2] for c in conn.execute(f"pragma index_info([{r[1]}])")),
                    int(r[2]),
                )
                for r in conn.execute(f"pragma index_list([{table}])")
            )
            out[table] = (columns, indexes)
        return out
    finally:
        conn.close()


def fresh_schema(tmp_path: Path) -> Schema:
    ws = Workspace.init(tmp_path / "fresh", pack="anshan", school="测试学院")
    ws.close()
    return schema_of(ws.root / "registry.sqlite")


def test_versions_are_ordered_and_a_new_workspace_is_at_the_latest(tmp_path: Path) -> None:
    migrations.check_order()
    ws = Workspace.init(tmp_path / "ws", pack="anshan", school="测试学院")
    status = ws.registry_status()
    assert status.version == LATEST == status.latest and status.pending == ()
    assert [(m.version, m.name) for m in status.applied] == [
        (m.version, m.name) for m in MIGRATIONS
    ]
    assert ws.registry.migration is None  # nothing to report for a new workspace
    assert not (ws.root / "backups").exists()
    ws.close()


def test_every_migration_from_version_0_gives_the_fresh_schema(tmp_path: Path) -> None:
    empty = tmp_path / "empty.sqlite"
    Registry(empty, b"k" * 32).close()
    assert schema_of(empty) == fresh_schema(tmp_path)
    conn = sqlite3.connect(empty)
    assert conn.execute("pragma user_version").fetchone()[0] == LATEST
    assert [r[0] for r in conn.execute("select version from schema_migrations")] == list(
        range(1, LATEST + 1)
    )
    conn.close()


def test_a_registry_of_before_versions_is_migrated_backed_up_and_told(tmp_path: Path) -> None:
    ws = sample_workspace(tmp_path / "ws")
    ws.assess(TERM)
    ws.close()
    path = ws.root / "registry.sqlite"
    conn = sqlite3.connect(path)
    for table in SET_SEALED:  # as 69861a9 made it: no seal on these tables, no versions
        conn.execute(f"alter table {table} drop column seal")
        conn.execute("delete from seal_heads where tbl = ?", [table])
    conn.execute("drop table schema_migrations")
    conn.execute("pragma user_version = 0")
    conn.commit()
    entries = conn.execute("select * from list_entries order by term, seq").fetchall()
    conn.close()
    (ws.root / "registry.seal").unlink()
    result = CliRunner().invoke(cli, ["--workspace", str(ws.root), "migrate", "--check"])
    assert result.exit_code == 0, result.output
    assert "登记库第 0 版" in result.output and "待运行的升级：第 1 版 base-schema" in result.output
    result = CliRunner().invoke(cli, ["--workspace", str(ws.root), "migrate"])
    assert result.exit_code == 0, result.output
    assert f"登记库已从第 0 版升级到第 {LATEST} 版，升级前的备份在" in result.output
    assert "首次加封（升级）" in result.output and "没有待运行的升级" in result.output
    (backup,) = (ws.root / "backups").iterdir()
    assert backup.name.startswith(f"before-migration-0-to-{LATEST}-")
    old = sqlite3.connect(backup / "registry.sqlite")
    assert old.execute("select * from list_entries order by term, seq").fetchall() == entries
    old.close()
    assert schema_of(path) == fresh_schema(tmp_path)
    conn = sqlite3.connect(path)
    assert [r[0] for r in conn.execute("select * from list_entries order by term, seq")] == [
        e[0] for e in entries
    ]
    conn.close()
    again = CliRunner().invoke(cli, ["--workspace", str(ws.root), "migrate"])
    assert "升级" in again.output and "已从第" not in again.output  # once


def test_a_registry_newer_than_the_program_is_refused(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws", pack="anshan", school="测试学院")
    ws.close()
    conn = sqlite3.connect(ws.root / "registry.sqlite")
    conn.execute(f"pragma user_version = {LATEST + 1}")
    conn.commit()
    conn.close()
    with pytest.raises(RegistryTooNewError, match=f"第 {LATEST + 1} 版.*请升级 yujing"):
        Registry(ws.root / "registry.sqlite")
    result = CliRunner().invoke(cli, ["--workspace", str(ws.root), "review"])
    assert result.exit_code == 1 and "较新版本的 yujing" in result.output
    assert "Traceback" not in result.output
    assert not (ws.root / "backups").exists()  # refused before anything


def test_a_pending_module_becomes_a_migration_by_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ws = Workspace.init(tmp_path / "ws", pack="anshan", school="测试学院")
    ws.close()

    def migrate(db: sqlite_utils.Database) -> None:  # as a helper's pending_<name>.py has it
        db.execute("create table if not exists notes_demo (id integer primary key, text text)")

    appended = (*MIGRATIONS, Migration(LATEST + 1, "notes-demo", migrate))
    monkeypatch.setattr(migrations, "MIGRATIONS", appended)
    registry = Registry(ws.root / "registry.sqlite", (ws.root / "secret.key").read_bytes())
    assert registry.migration is not None and registry.migration.from_version == LATEST
    assert registry.schema_status().version == LATEST + 1
    assert "notes_demo" in schema_of(ws.root / "registry.sqlite")
    registry.close()


def test_folders_of_an_older_workspace_are_recorded_by_a_migration(tmp_path: Path) -> None:
    path = tmp_path / "registry.sqlite"
    Registry(path).close()
    conn = sqlite3.connect(path)
    conn.execute("delete from schema_migrations where version >= 3")
    conn.execute("pragma user_version = 2")
    for sid, rel in (
        ("2023010101", "archive/2023010101-旧名/2024-2025-1/000001 通知书.pdf"),
        ("2023010101", "archive/2023010101-新名/2024-2025-1/000002 通知书.pdf"),
        ("2023010109", "archive/2023010101-旧名/2024-2025-1/000003 放错了.pdf"),
        ("2023010102", "archive/2023010102-王芳/2024-2025-1/000004 谈话.pdf"),
    ):
        conn.execute("insert into archive_files (student_id, path) values (?, ?)", [sid, rel])
    conn.commit()
    conn.close()
    registry = Registry(path)
    assert registry.migration is not None and registry.migration.from_version == 2
    # the first filed path's folder, never one another 学号 holds
    assert registry.student_folders() == {
        "2023010101": "2023010101-旧名",
        "2023010102": "2023010102-王芳",
    }
    registry.close()


def test_sqlite_errors_of_methods_and_properties_are_registry_errors(tmp_path: Path) -> None:
    from yujing.errors import RegistryError

    registry = Registry(tmp_path / "registry.sqlite")
    registry.db.execute("drop table seal_heads")
    with pytest.raises(RegistryError, match="登记库缺少数据表") as info:
        registry.sealed  # noqa: B018  (a property: wrapped as well as the methods)
    assert isinstance(info.value.__cause__, sqlite3.Error)
    with pytest.raises(RegistryError, match="登记库缺少数据表"):
        registry.count("seal_heads")
    registry.close()


def test_two_openings_of_an_old_workspace_at_once_migrate_it_once(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    from test_integrity import as_before_seals

    from yujing.registry import SEAL_EVENT

    ws = sample_workspace(tmp_path / "ws")
    ws.assess(TERM)
    ws.close()
    as_before_seals(ws.root)

    def opening(_n: int) -> int:
        other = Workspace(ws.root)  # a connection of its own, as another process has
        try:
            return other.registry.schema_status().version
        finally:
            other.close()

    with ThreadPoolExecutor(3) as pool:
        assert list(pool.map(opening, range(3))) == [LATEST] * 3
    again = Workspace(ws.root)
    assert len(again.registry.events(SEAL_EVENT)) == 1
    assert again.registry.check_seals().problems == ()
    again.close()
