"""Nothing lost, nothing forged (issue #9): a sealed registry, the secret never replaced
silently, backups, archive folders that follow the 学号, one writer at a time, SQLite errors in
Chinese. Each test reproduces a finding of the issue on real files, then shows it fixed."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import ROSTER_XLSX, TERM, sample_workspace
from integritylib import Issued, copy_ws, end_state, issued_fixture, run_cli  # noqa: F401

from yujing.archive import folder_for, id_from_part, id_part, student_folder
from yujing.archive.intake import ingest
from yujing.archive.records import attach, record
from yujing.checker.audit import audit
from yujing.cli.main import cli
from yujing.errors import RegistryError, SecretMissingError
from yujing.generator.batch import issue
from yujing.locking import writer_lock
from yujing.qr import SECRET_NAME, Rejection
from yujing.registry import SEAL_EVENT, Registry, sqlite_message
from yujing.registry.migrations import LATEST, SET_SEALED
from yujing.workspace import Workspace


def hand_edit(root: Path, sql: str, args: tuple[object, ...] = ()) -> None:
    """Change the registry as someone with a SQLite tool would, bypassing yujing."""
    conn = sqlite3.connect(root / "registry.sqlite")
    conn.execute(sql, args)
    conn.commit()
    conn.close()


@pytest.fixture
def scanned(issued: Issued, tmp_path: Path) -> Workspace:
    """The issued workspace with all its pages scanned back."""
    ws = Workspace(copy_ws(issued.root, tmp_path / "ws"))
    ingest(ws, list(issued.scans))
    yield ws
    ws.close()


def tampered(ws: Workspace) -> list[str]:
    report = audit(ws, TERM, verify=True)
    return [f.detail for f in report.integrity if f.problem == "tampered"]


# -- 2. a sealed registry ----------------------------------------------------------------------


def test_an_untouched_registry_passes_and_a_hand_edit_is_reported(scanned: Workspace) -> None:
    assert tampered(scanned) == []
    rows = scanned.registry.archive_file_rows()
    unsigned = next(r for r in rows if r.signed == 0)
    # The finding of the issue: signed=1 by hand made 未签字 vanish, unseen.
    hand_edit(scanned.root, "update archive_files set signed = 1 where id = ?", (unsigned.id,))
    found = tampered(scanned)
    assert len(found) == 1 and f"第 {unsigned.id} 行" in found[0] and "被改动" in found[0]
    assert unsigned.path in found[0]


def test_a_replaced_file_with_its_hash_updated_is_reported(scanned: Workspace) -> None:
    row = scanned.registry.archive_file_rows()[0]
    other = scanned.registry.archive_file_rows()[1]
    shutil.copy(scanned.root / other.path, scanned.root / row.path)
    digest = other.sha256
    hand_edit(scanned.root, "update archive_files set sha256 = ? where id = ?", (digest, row.id))
    hand_edit(scanned.root, "update file_facts set sha256 = ? where path = ?", (digest, row.path))
    report = audit(scanned, TERM, verify=True)
    assert any(f.problem == "tampered" and row.path in f.detail for f in report.integrity)


def test_rows_deleted_or_inserted_by_hand_are_reported(scanned: Workspace) -> None:
    rows = scanned.registry.archive_file_rows()
    middle, last = rows[len(rows) // 2], rows[-1]
    hand_edit(scanned.root, "delete from archive_files where id = ?", (middle.id,))
    found = tampered(scanned)
    assert len(found) == 1 and "之前有行被删除" in found[0]
    hand_edit(scanned.root, "delete from archive_files where id = ?", (last.id,))
    assert any("末尾的行被删除" in d for d in tampered(scanned))
    hand_edit(
        scanned.root,
        "insert into events (at, action, detail) values ('2024-01-01', 'issue', '伪造')",
    )
    assert any("没有封印" in d and "伪造" in d for d in tampered(scanned))
    # The CLI says it in words, with the row.
    result = CliRunner().invoke(
        cli,
        ["--workspace", str(scanned.root), "audit", "--term", str(TERM), "--verify"],
        catch_exceptions=False,
    )
    assert "登记库被改动" in result.output


def as_before_seals(root: Path) -> None:
    """Make the registry look as one from before seals and versions: no seal values, no heads,
    no seal columns on the tables sealed since version 2, version 0, no checkpoint."""
    conn = sqlite3.connect(root / "registry.sqlite")
    for table in ("events", "records", "archive_files"):
        conn.execute(f"update {table} set seal = null")
    conn.execute("delete from seal_heads")
    for table in SET_SEALED:
        conn.execute(f"alter table {table} drop column seal")
    conn.execute("drop table schema_migrations")
    conn.execute("pragma user_version = 0")
    conn.commit()
    conn.close()
    (root / "registry.seal").unlink()


def test_an_old_registry_is_sealed_on_upgrade_and_says_so(tmp_path: Path) -> None:
    ws = sample_workspace(tmp_path / "ws")
    ws.assess(TERM)
    ws.close()
    as_before_seals(ws.root)
    said = CliRunner().invoke(cli, ["--workspace", str(ws.root), "review"], catch_exceptions=False)
    assert said.exit_code == 0 and f"登记库已从第 0 版升级到第 {LATEST} 版" in said.output
    assert "升级前的备份在" in said.output and "首次加封（升级）" in said.output
    (kept,) = (ws.root / "backups").iterdir()
    assert kept.name.startswith(f"before-migration-0-to-{LATEST}-")
    old = sqlite3.connect(kept / "registry.sqlite")
    assert old.execute("pragma user_version").fetchone()[0] == 0  # the registry as it was
    old.close()
    upgraded = Workspace(ws.root)
    events = upgraded.registry.events(SEAL_EVENT)
    assert len(events) == 1 and "首次加封" in events[0]["detail"]
    report = audit(upgraded, TERM, verify=True)
    assert all(f.problem != "tampered" for f in report.integrity)
    assert any("首次加封" in n for n in report.notes)
    upgraded.close()
    again = Workspace(ws.root)
    assert len(again.registry.events(SEAL_EVENT)) == 1  # once
    assert again.registry.migration is None  # nothing to do the second time
    again.close()


# -- 8. SQLite's English text never inside a Chinese message ---------------------------------


def test_sqlite_errors_are_chinese(tmp_path: Path) -> None:
    broken = tmp_path / "registry.sqlite"
    broken.write_bytes(b"this is not a database at all" * 100)
    with pytest.raises(RegistryError) as info:
        Registry(broken)
    message = str(info.value)
    assert "登记库" in message and "database" not in message and "file is" not in message
    assert sqlite_message(sqlite3.OperationalError("database is locked")).startswith("登记库正被")


# -- 4. the secret is never replaced silently; backup and restore -------------------------


def test_a_missing_key_refuses_scan_and_issue_with_how_to_restore(
    issued: Issued, tmp_path: Path
) -> None:
    ws = Workspace(copy_ws(issued.root, tmp_path / "ws"))
    (ws.root / SECRET_NAME).unlink()
    with pytest.raises(SecretMissingError, match="yujing restore"):
        ingest(ws, [issued.scans[0]])
    with pytest.raises(SecretMissingError, match="已经发放过编号"):
        issue(ws, TERM, converter=None)
    assert not (ws.root / SECRET_NAME).exists()  # not made anew
    result = run_cli("--workspace", str(ws.root), "scan", str(issued.scans[0]))
    assert result.returncode != 0 and "secret.key" in result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    ws.close()


def test_init_makes_the_key_and_an_older_workspace_gets_one_at_its_first_issue(
    issued: Issued, tmp_path: Path
) -> None:
    ws = Workspace(copy_ws(issued.frozen, tmp_path / "ws"))
    assert (ws.root / SECRET_NAME).exists()  # made by init
    (ws.root / SECRET_NAME).unlink()
    ws.close()
    with pytest.raises(SecretMissingError, match="登记库已用它加封"):
        issue(Workspace(ws.root), TERM, converter=None)
    # as a workspace from before init made the key (and before seals): one is made now
    as_before_seals(ws.root)
    ws = Workspace(ws.root)
    (batch,) = issue(ws, TERM, converter=None)
    assert batch.students and (ws.root / SECRET_NAME).exists()
    assert ws.registry.events("secret")
    assert audit(ws, TERM, verify=True).integrity == ()
    ws.close()


def test_backup_and_restore_bring_back_a_working_workspace(
    scanned: Workspace, tmp_path: Path
) -> None:
    before = end_state(scanned.root)
    scanned.close()
    result = run_cli("--workspace", str(scanned.root), "backup", str(tmp_path / "bk"))
    assert result.returncode == 0, result.stderr
    (scanned.root / SECRET_NAME).unlink()
    # a damaged backup is refused, nothing written
    damaged = tmp_path / "damaged"
    shutil.copytree(tmp_path / "bk", damaged)
    next((damaged / "archive").rglob("*.pdf")).write_bytes(b"%PDF-1.4 changed")
    bad = run_cli("restore", str(damaged), str(tmp_path / "bad"))
    assert bad.returncode != 0 and "不完整或已被改动" in bad.stdout + bad.stderr
    assert not (tmp_path / "bad").exists()
    good = run_cli("restore", str(tmp_path / "bk"), str(tmp_path / "restored"))
    assert good.returncode == 0, good.stderr
    after = end_state(tmp_path / "restored")
    assert after == before and after["seals"] == () and after["integrity_check"] == "ok"
    restored = Workspace(tmp_path / "restored")
    assert ingest(restored, [Path(p) for p in []]).pages == ()
    restored.close()


def test_pages_rejected_under_a_wrong_key_are_read_again_once_it_is_restored(
    issued: Issued, tmp_path: Path
) -> None:
    ws = Workspace(copy_ws(issued.root, tmp_path / "ws"))
    right = (ws.root / SECRET_NAME).read_bytes()
    ws.close()
    (ws.root / SECRET_NAME).write_text("ab" * 32 + "\n")  # a wrong key in place
    ws = Workspace(ws.root)
    first = ingest(ws, [issued.scans[0]])
    assert first.count("filed") == 0
    assert {p.reason for p in first.pages if p.result == "review"} >= {Rejection.FORGED.value}
    ws.close()
    (ws.root / SECRET_NAME).write_bytes(right)  # restored from the backup
    ws = Workspace(ws.root)
    again = ingest(ws, [issued.scans[0]])
    assert again.skipped_files == () and again.count("filed") > 0
    assert not any(i["reason"] == Rejection.FORGED.value for i in ws.registry.review_items())
    # and a third scan of the same file is skipped as done
    assert ingest(ws, [issued.scans[0]]).skipped_files == (issued.scans[0],)
    ws.close()


# -- 5. the archive folder follows the 学号 ---------------------------------------------------


def test_folder_names_are_injective_in_the_student_id() -> None:
    ids = ["2025/0001", "2025:0001", "2025_0001", "2025%2F0001", "20250001", "A-1", "A%2D1"]
    names = {student_folder(Path("archive"), i, "张三").name for i in ids}
    assert len(names) == len(ids)
    assert all(id_from_part(id_part(i)) == i for i in ids)
    assert student_folder(Path("archive"), "2023010101", "陈明").name == "2023010101-陈明"


def test_two_ids_never_share_a_folder_even_on_a_case_blind_disk(
    issued: Issued, tmp_path: Path
) -> None:
    ws = Workspace(copy_ws(issued.frozen, tmp_path / "ws"))
    with writer_lock(ws.root):
        a = folder_for(ws, "2025/0001", "张三")
        b = folder_for(ws, "2025:0001", "张三")
        upper = folder_for(ws, "AB1", "李四")
        lower = folder_for(ws, "ab1", "李四")
    assert len({a, b}) == 2 and upper.name.casefold() != lower.name.casefold()
    assert folder_for(ws, "2025/0001", "改名了") == a  # recorded: the 学号 keeps its folder
    ws.close()


def renamed_roster(path: Path, student_id: str, name: str) -> Path:
    import openpyxl

    wb = openpyxl.load_workbook(ROSTER_XLSX)
    sheet = wb.active
    assert sheet is not None
    for row in sheet.iter_rows(min_row=3):
        if row[0].value == student_id:
            row[1].value = name
    wb.save(path)
    return path


def test_a_renamed_student_keeps_one_folder_and_the_log_says_姓名(
    issued: Issued, tmp_path: Path
) -> None:
    ws = Workspace(copy_ws(issued.root, tmp_path / "ws"))
    sid = ws.registry.issued_files()[0].student_id
    issued_folder = Path(ws.registry.issued_files()[0].file).parts[1]
    old_name = ws.registry.students()[sid].name
    report = ws.import_file("roster", renamed_roster(tmp_path / "r.xlsx", sid, "新名字"))
    assert report.change_lines() == [f"{sid}：姓名「{old_name}」→「新名字」"]
    (event,) = ws.registry.events("roster-change")
    assert "姓名「" in event["detail"] and "name" not in event["detail"]
    ingest(ws, list(issued.scans))
    filed = record(ws, sid, kind="interview", when=None, who="辅导员", how="面谈", summary="谈话")
    folders = {
        Path(r.path).parts[1] for r in ws.registry.archive_file_rows() if r.student_id == sid
    }
    assert folders == {issued_folder} and Path(filed.path).parts[1] == issued_folder
    assert not [f for f in audit(ws, TERM).integrity if f.problem == "two-names"]
    ws.close()


def test_the_audit_reports_a_student_id_with_two_folders(issued: Issued, tmp_path: Path) -> None:
    ws = Workspace(copy_ws(issued.root, tmp_path / "ws"))
    first = Path(ws.registry.issued_files()[0].file)
    sid = ws.registry.issued_files()[0].student_id
    # As an older version did after a rename: a second folder under the new name.
    second = ws.root / "archive" / f"{sid}-改过的名字" / str(TERM)
    second.mkdir(parents=True)
    shutil.copy(ws.root / first, second / "回执.pdf")
    report = audit(ws, TERM)
    (finding,) = [f for f in report.integrity if f.problem == "two-names"]
    assert finding.student_id == sid and "改过的名字" in finding.detail
    assert finding.college and finding.class_name and finding.level  # who, in full
    ws.close()


def test_a_file_moved_into_another_students_folder_names_the_student_in_full(
    issued: Issued, tmp_path: Path
) -> None:
    ws = Workspace(copy_ws(issued.root, tmp_path / "ws"))
    files = ws.registry.issued_files()
    a = files[0]
    b = next(f for f in files if f.student_id != a.student_id)
    target = ws.root / Path(b.file).parent / "别人的.pdf"
    shutil.copy(ws.root / a.file, target)
    report = audit(ws, TERM)
    (finding,) = [f for f in report.findings if f.problem == "mismatch"]
    assert finding.student_id == b.student_id
    assert finding.college and finding.class_name and finding.level
    ws.close()


# -- 3. one writer at a time ---------------------------------------------------------------


def test_writers_take_turns_and_readers_do_not_wait(issued: Issued, tmp_path: Path) -> None:
    ws = Workspace(copy_ws(issued.root, tmp_path / "ws"))
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import sys; from pathlib import Path; from yujing.locking import writer_lock\n"
            f"with writer_lock(Path({str(ws.root)!r})):\n"
            "    print('held', flush=True); sys.stdin.read()",  # until the test lets go
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        # a reader works meanwhile
        assert audit(ws, TERM).students
        # a writer waits (here: gives up after 0.5 s with a Chinese message)
        result = run_cli(
            "--workspace",
            str(ws.root),
            "scan",
            str(issued.scans[0]),
            env={"YUJING_LOCK_TIMEOUT": "0.5"},
        )
        assert (
            result.returncode != 0
            and "另一个 yujing 命令正在修改工作区" in result.stdout + result.stderr
        )
        assert holder.poll() is None  # it really held the lock the whole time
    finally:
        assert holder.stdin is not None
        holder.stdin.close()
        holder.wait(timeout=30)
    ws.close()


def test_attach_in_two_threads_records_each_once(issued: Issued, tmp_path: Path) -> None:
    ws = Workspace(copy_ws(issued.root, tmp_path / "ws"))
    sid = ws.registry.issued_files()[0].student_id
    pdf = Path(ws.registry.issued_files()[0].file)
    sources = []
    for i in range(4):
        source = tmp_path / f"成绩单{i}.pdf"
        shutil.copy(ws.root / pdf, source)
        sources.append(source)

    def one(path: Path) -> str:
        other = Workspace(ws.root)
        try:
            return attach(other, sid, path, kind="transcript").path
        finally:
            other.close()

    with ThreadPoolExecutor(4) as pool:
        paths = list(pool.map(one, sources))
    assert len(set(paths)) == 4
    assert len(ws.registry.records()) == 4 and tampered(ws) == []
    ws.close()


def test_a_change_through_yujing_is_sealed_again_but_never_launders_a_hand_edit(
    scanned: Workspace,
) -> None:
    rows = scanned.registry.archive_file_rows()
    first, later = rows[1], rows[-1]
    scanned.registry.update_archive_file(first.id, {"signed": 1})
    assert tampered(scanned) == []
    assert scanned.registry.events("archive-update")
    hand_edit(scanned.root, "update archive_files set signed = 7 where id = ?", (later.id,))
    with pytest.raises(RegistryError, match=f"第 {later.id} 行与封印不符"):
        scanned.registry.update_archive_file(first.id, {"signed": 0})
    assert len(tampered(scanned)) == 1


def test_readers_do_not_wait_for_a_writer_in_the_middle_of_a_transaction(tmp_path: Path) -> None:
    ws = sample_workspace(tmp_path / "ws", freeze=True)
    ws.close()
    writer = sqlite3.connect(ws.root / "registry.sqlite", isolation_level=None)
    writer.execute("BEGIN IMMEDIATE")  # a scan between its writes
    writer.execute("insert into events (at, action) values ('2024-01-01', 'pending')")
    reader = Workspace(ws.root)
    start = time.monotonic()
    report = audit(reader, TERM)
    assert report.students and reader.registry.review_items() == []
    assert time.monotonic() - start < 10  # a blocked reader would wait busy_timeout (30 s)
    writer.execute("ROLLBACK")
    writer.close()
    reader.close()
