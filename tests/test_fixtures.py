"""Workspaces made by earlier releases (issue #17 item 2), opened with today's code.

Each fixture under tests/samples/fixtures/ is a whole term (list with an objection, frozen,
a batch issued, returns scanned and filed, records, accounts where the release had them) made
by that commit's own CLI with ``tools/make_fixture.py``. Opening it migrates the registry
(after a backup), and then ``audit --verify`` finds nothing changed, and the list entries,
serials and archive files are what the old release wrote — read with plain sqlite3 first."""

from __future__ import annotations

import json
import sqlite3
import zipfile
from pathlib import Path

import pytest
from conftest import SAMPLES, TERM
from integritylib import run_cli
from test_migrations import fresh_schema, schema_of

from yujing.checker.audit import audit
from yujing.files import sha256_file
from yujing.registry import SEAL_EVENT
from yujing.registry.migrations import LATEST
from yujing.workspace import Workspace

FIXTURES = sorted((SAMPLES / "fixtures").glob("workspace_made_by_*.zip"))
CHANGED = {"altered", "unreadable", "mismatch", "orphan", "tampered", "two-names"}
"""Findings that say a file or a registry row is not what it was."""


def unpack(fixture: Path, target: Path) -> Path:
    with zipfile.ZipFile(fixture) as zf:
        zf.extractall(target)
    return target / "workspace"


def as_written(root: Path) -> dict[str, object]:
    """What the old release wrote, read with plain sqlite3 (only the columns it had)."""
    conn = sqlite3.connect(root / "registry.sqlite")
    try:
        entries = conn.execute(
            "select term, student_id, seq, name, level, reason, change, objection "
            "from list_entries order by term, seq"
        ).fetchall()
        serials = conn.execute(
            "select serial, term, student_id, batch, status from serials order by serial"
        ).fetchall()
        archive = conn.execute(
            "select id, student_id, path, sha256, signed from archive_files order by id"
        ).fetchall()
        records = conn.execute("select id, student_id, path, sha256 from records").fetchall()
        issued = conn.execute(
            "select serial, file, sha256 from issued_parts where file != '' order by id"
        ).fetchall()
        version = conn.execute("pragma user_version").fetchone()[0]
    finally:
        conn.close()
    return {
        "entries": entries,
        "serials": serials,
        "archive": archive,
        "records": records,
        "issued": issued,
        "version": version,
    }


@pytest.fixture(params=FIXTURES, ids=[f.stem for f in FIXTURES])
def old(request: pytest.FixtureRequest, tmp_path: Path) -> Path:
    return unpack(request.param, tmp_path)


def test_the_fixtures_are_there_and_made_by_their_commits() -> None:
    made = {f.stem.removeprefix("workspace_made_by_") for f in FIXTURES}
    assert {"8536a50", "69861a9"} <= made
    for fixture in FIXTURES:
        with zipfile.ZipFile(fixture) as zf:
            about = json.loads(zf.read("fixture.json"))
        assert fixture.stem.endswith(about["commit"])
        assert "/tree/yujing/" in about["imported_from"]  # the old code, not today's
        assert fixture.stat().st_size < 2_000_000


def test_an_old_workspace_opens_migrated_and_unchanged(old: Path) -> None:
    before = as_written(old)
    assert before["version"] == 0 and before["archive"] and before["entries"]
    for _id, _sid, path, digest, _signed in before["archive"]:  # type: ignore[attr-defined]
        assert sha256_file(old / path) == digest  # the fixture is sound to begin with
    ws = Workspace(old)
    report = ws.registry.migration
    assert report is not None and (report.from_version, report.to_version) == (0, LATEST)
    assert report.backup and Path(report.backup).is_dir()
    assert Path(report.backup).name.startswith(f"before-migration-0-to-{LATEST}-")
    kept = sqlite3.connect(Path(report.backup) / "registry.sqlite")
    assert kept.execute("pragma user_version").fetchone()[0] == 0  # the registry as it was
    kept.close()
    assert ws.registry.events(SEAL_EVENT)  # the first sealing, recorded once
    audited = audit(ws, TERM, verify=True)
    changed = [f for f in audited.findings if f.problem in CHANGED]
    assert changed == [], changed
    assert audited.students  # the old list's warned students were audited
    ws.close()
    after = as_written(old)
    assert {k: v for k, v in after.items() if k != "version"} == {
        k: v for k, v in before.items() if k != "version"
    }
    assert after["version"] == LATEST
    for _id, _sid, path, digest, _signed in after["archive"]:  # type: ignore[attr-defined]
        assert sha256_file(old / path) == digest
    again = Workspace(old)
    assert again.registry.migration is None and len(again.registry.events(SEAL_EVENT)) == 1
    again.close()


def test_an_old_workspace_migrated_has_the_fresh_schema(old: Path, tmp_path: Path) -> None:
    ws = Workspace(old)
    assert ws.registry.migration is not None  # opening the registry migrates it
    ws.close()
    assert schema_of(old / "registry.sqlite") == fresh_schema(tmp_path)


def test_the_cli_says_it_upgraded_and_audit_verify_is_clean(old: Path) -> None:
    result = run_cli("--workspace", str(old), "audit", "--term", str(TERM), "--verify",
                     "--format", "json")
    assert f"登记库已从第 0 版升级到第 {LATEST} 版，升级前的备份在" in result.stderr
    data = json.loads(result.stdout)
    assert data["integrity"] == []
    changed = [
        f for s in data["students"] for f in s["findings"] if f["problem"] in CHANGED
    ] + [f for f in data["stray"] if f["problem"] in CHANGED]
    assert changed == []
    assert any(n.startswith("登记库封印头：") for n in data["notes"])
    assert any("首次加封" in n for n in data["notes"])
