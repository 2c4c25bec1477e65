"""Evidence that cannot be laundered (issue #18 item 1): each attack of the issue on a real
issued and scanned workspace, done as someone holding the registry file (plain sqlite3, no
key) would, is found by ``audit --verify`` — in the table and in the JSON."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import TERM
from integritylib import Issued, copy_ws, issued_fixture, run_cli  # noqa: F401

from yujing.archive.intake import ingest
from yujing.checker.audit import audit
from yujing.errors import RegistryError, SecretMissingError
from yujing.registry import SEAL_EVENT
from yujing.registry.sealfile import CHECKPOINT_NAME
from yujing.workspace import Workspace


def hand_edit(root: Path, *statements: str | tuple[str, tuple[object, ...]]) -> None:
    """Change the registry with a SQLite tool, bypassing yujing (and without the key)."""
    conn = sqlite3.connect(root / "registry.sqlite")
    for statement in statements:
        sql, args = statement if isinstance(statement, tuple) else (statement, ())
        conn.execute(sql, args)
    conn.commit()
    conn.close()


def plain(root: Path, sql: str, args: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(root / "registry.sqlite")
    try:
        return conn.execute(sql, args).fetchall()
    finally:
        conn.close()


@pytest.fixture
def scanned(issued: Issued, tmp_path: Path) -> Path:
    """A copy of the issued workspace with all its pages scanned back (closed)."""
    root = copy_ws(issued.root, tmp_path / "ws")
    ws = Workspace(root)
    ingest(ws, list(issued.scans))
    ws.close()
    return root


def tampered(root: Path) -> list[str]:
    """The 登记库被改动 findings of ``audit --verify``, read through the library."""
    ws = Workspace(root)
    try:
        report = audit(ws, TERM, verify=True)
    finally:
        ws.close()
    return [f.detail for f in report.integrity if f.problem == "tampered"]


def cli_findings(root: Path) -> tuple[list[str], list[str], str]:
    """(tampered details in the JSON, the JSON's notes, the table output) of the CLI."""
    as_json = run_cli("--workspace", str(root), "audit", "--term", str(TERM), "--verify",
                      "--format", "json")
    assert as_json.returncode == 1, as_json.stderr
    data = json.loads(as_json.stdout)
    table = run_cli("--workspace", str(root), "audit", "--term", str(TERM), "--verify",
                    env={"COLUMNS": "600"})
    assert table.returncode == 1
    details = [f["detail"] for f in data["integrity"] if f["problem"] == "tampered"]
    return details, data["notes"], table.stdout


def test_an_untouched_workspace_is_clean_and_its_head_is_on_the_report(scanned: Path) -> None:
    assert tampered(scanned) == []
    result = run_cli("--workspace", str(scanned), "audit", "--term", str(TERM), "--verify",
                     "--format", "json")
    data = json.loads(result.stdout)
    assert data["integrity"] == [] or all(f["problem"] != "tampered" for f in data["integrity"])
    (head,) = [n for n in data["notes"] if n.startswith("登记库封印头：")]
    assert any("registry.seal" in n and "一致" in n for n in data["notes"])
    table = run_cli("--workspace", str(scanned), "audit", "--term", str(TERM), "--verify",
                    env={"COLUMNS": "600"})
    assert head.split("（")[0] in table.stdout  # the same head in the table output


def test_changed_rows_then_seal_heads_deleted_is_found_not_sealed_again(scanned: Path) -> None:
    unsigned = plain(scanned, "select id, path from archive_files where signed = 0 limit 1")
    assert unsigned, "the sample scans have a page left unsigned"
    (row_id, path), events = unsigned[0], plain(scanned, "select count(*) from events")[0][0]
    # The attack of the issue: 未签字 made 已签字, an event deleted, then the heads deleted.
    hand_edit(
        scanned,
        ("update archive_files set signed = 1 where id = ?", (row_id,)),
        "delete from events where id = (select max(id) - 3 from events)",
        "delete from seal_heads",
    )
    found = tampered(scanned)
    assert any(f"第 {row_id} 行" in d and "被改动" in d and path in d for d in found)
    assert any("seal_heads" in d and "被删除" in d for d in found)
    assert any("registry.seal" in d and "不符" in d for d in found)
    # Opening again did not seal the altered rows: no registry-seal event, still found.
    assert plain(scanned, "select count(*) from events where action = ?", (SEAL_EVENT,)) == [(0,)]
    assert plain(scanned, "select count(*) from seal_heads") == [(0,)]
    assert plain(scanned, "select count(*) from events")[0][0] >= events - 1
    details, _notes, table = cli_findings(scanned)
    assert any("seal_heads" in d for d in details) and any("被改动" in d for d in details)
    assert "登记库被改动" in table and "seal_heads" in table


def test_a_swapped_scan_with_its_file_facts_updated_is_found(scanned: Path) -> None:
    (row_id, path), (other_path,) = (
        plain(scanned, "select id, path from archive_files order by id limit 1")[0],
        plain(scanned, "select path from archive_files order by id desc limit 1")[0],
    )
    shutil.copy(scanned / str(other_path), scanned / str(path))
    st = (scanned / str(path)).stat()
    digest = plain(scanned, "select sha256 from file_facts where path = ?", (other_path,))[0][0]
    hand_edit(
        scanned,
        (
            "update file_facts set sha256 = ?, size = ?, mtime_ns = ? where path = ?",
            (digest, st.st_size, st.st_mtime_ns, path),
        ),
    )
    found = tampered(scanned)
    assert any("文件指纹" in d and "被改动" in d and str(path) in d for d in found)
    details, _notes, _table = cli_findings(scanned)
    assert any("文件指纹" in d for d in details)
    assert row_id


def test_students_taken_off_a_frozen_list_are_found(scanned: Path) -> None:
    warned = plain(
        scanned,
        "select student_id from list_entries where term = ? and coalesce(level, '') != '' "
        "order by seq limit 3",
        (str(TERM),),
    )
    assert len(warned) == 3
    for (sid,) in warned:
        hand_edit(scanned, ("delete from list_entries where term = ? and student_id = ?",
                            (str(TERM), sid)))
    found = tampered(scanned)
    assert any("名单条目" in d and "被删除" in d and "3" in d for d in found), found
    details, _notes, table = cli_findings(scanned)
    assert any("名单条目" in d for d in details) and "名单条目" in table


def test_a_voided_serial_made_active_again_is_found(scanned: Path) -> None:
    ws = Workspace(scanned)
    serial = next(iter(ws.registry.active_serials(TERM).values()))
    ws.void(serial, "重印")
    ws.close()
    assert tampered(scanned) == []  # a void through yujing is sealed again
    hand_edit(scanned, ("update serials set status = 'active', void_reason = null, "
                        "voided_at = null where serial = ?", (serial,)))
    found = tampered(scanned)
    assert any("编号" in d and "被改动" in d and f"serial={serial}" in d for d in found), found
    details, _notes, _table = cli_findings(scanned)
    assert any("编号" in d for d in details)


def test_an_approval_inserted_by_hand_does_not_let_freeze_pass(tmp_path: Path) -> None:
    from conftest import sample_workspace

    from yujing.errors import ListStateError

    ws = sample_workspace(tmp_path / "ws")
    policy = ws.root / "pack" / "policy.toml"
    policy.write_text(
        policy.read_text("utf-8").replace(
            "[policy]\n", "[policy]\nfreeze_needs_approval = true\n", 1
        ),
        "utf-8",
    )
    ws.close()
    ws = Workspace(ws.root)
    ws.assess(TERM)
    updated = ws.registry.list_head(TERM)["updated_at"]  # type: ignore[index]
    ws.close()
    hand_edit(
        ws.root,
        ("insert into approvals (term, decision, comment, account, list_updated_at, at) "
         "values (?, 'approved', '同意', 'reviewer', ?, ?)", (str(TERM), updated, updated)),
    )
    ws = Workspace(ws.root)
    assert not ws.approval(TERM).approved  # the forged row does not count
    with pytest.raises(ListStateError):
        ws.freeze(TERM)
    ws.close()
    assert any("审核意见" in d and "没有封印" in d for d in tampered(ws.root))


def test_an_approval_inserted_by_hand_is_found(scanned: Path) -> None:
    hand_edit(
        scanned,
        ("insert into approvals (term, decision, comment, account, list_updated_at, at) "
         "values (?, 'approve', '同意', 'secretary', '', '2025-01-01T00:00:00')", (str(TERM),)),
    )
    found = tampered(scanned)
    assert any("审核意见" in d and "没有封印" in d for d in found), found
    details, _notes, _table = cli_findings(scanned)
    assert any("审核意见" in d for d in details)


def test_a_submission_for_review_changed_by_hand_is_found(scanned: Path) -> None:
    ws = Workspace(scanned)
    ws.registry.add_submission(TERM, "教务员", ws.registry.list_revision(TERM))
    ws.close()
    assert tampered(scanned) == []
    hand_edit(scanned, "update list_submissions set account = '副院长'")
    found = tampered(scanned)
    assert any("提交审核" in d for d in found), found


def test_a_registry_rolled_back_to_an_older_copy_is_found(scanned: Path, tmp_path: Path) -> None:
    older = tmp_path / "older.sqlite"
    shutil.copy(scanned / "registry.sqlite", older)
    ws = Workspace(scanned)
    serial = next(iter(ws.registry.active_serials(TERM).values()))
    ws.void(serial, "重印")
    ws.close()
    for suffix in ("-wal", "-shm"):
        (scanned / f"registry.sqlite{suffix}").unlink(missing_ok=True)
    shutil.copy(older, scanned / "registry.sqlite")
    found = tampered(scanned)
    assert any("registry.seal" in d and "旧的副本" in d for d in found), found
    (scanned / CHECKPOINT_NAME).unlink()
    assert any("registry.seal" in d and "不存在" in d for d in tampered(scanned))


def test_a_change_through_yujing_never_seals_a_row_changed_by_hand(scanned: Path) -> None:
    ws = Workspace(scanned)
    serial = next(iter(ws.registry.active_serials(TERM).values()))
    ws.close()
    hand_edit(scanned, ("update serials set batch = 'forged' where serial = ?", (serial,)))
    ws = Workspace(scanned)
    with pytest.raises(RegistryError, match="与封印不符"):
        ws.registry.void_serial(serial, "重印")
    ws.close()
    assert any("编号" in d for d in tampered(scanned))


def test_the_key_can_live_outside_the_workspace(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from conftest import sample_workspace

    key = tmp_path / "keys" / "college.key"
    monkeypatch.setenv("YUJING_SECRET_FILE", str(key))
    ws = sample_workspace(tmp_path / "ws", freeze=True)
    assert key.is_file() and not (ws.root / "secret.key").exists()
    assert (ws.root / "registry.seal").is_file()
    assert ws.registry.seal_head()
    ws.backup(tmp_path / "backup")
    ws.close()
    assert not (tmp_path / "backup" / "secret.key").exists()  # the key stays outside
    manifest = json.loads((tmp_path / "backup" / "yujing-backup.json").read_text("utf-8"))
    assert manifest["secret_outside"] == str(key)
    assert (tmp_path / "backup" / "registry.seal").is_file()  # the checkpoint goes along
    restored = Workspace.restore(tmp_path / "backup", tmp_path / "restored")
    assert restored.registry.check_seals().problems == ()
    restored.close()
    # Without the variable, the workspace config names the key ([secret] path).
    monkeypatch.delenv("YUJING_SECRET_FILE")
    config = ws.root / "yujing.toml"
    config.write_text(
        config.read_text("utf-8") + f'\n[secret]\npath = "{key.as_posix()}"\n', "utf-8"
    )
    ws = Workspace(ws.root)
    assert ws.registry.check_seals().problems == ()
    ws.close()
    key.rename(tmp_path / "elsewhere.key")  # the key gone: nothing sealed anew, refused
    ws = Workspace(ws.root)
    with pytest.raises(SecretMissingError):
        ws.registry.log("test", "需要密钥")
    ws.close()


def test_two_writers_at_once_leave_the_checkpoint_in_step(tmp_path: Path) -> None:
    from concurrent.futures import ThreadPoolExecutor

    root = Workspace.init(tmp_path / "ws", pack="anshan", school="测试学院").root

    def writer(n: int) -> None:
        ws = Workspace(root)  # a connection of its own, as another process has
        try:
            for i in range(15):
                with ws.registry.transaction():
                    ws.registry.log("test", f"写入者 {n} 第 {i} 次")
        finally:
            ws.close()

    with ThreadPoolExecutor(3) as pool:
        list(pool.map(writer, range(3)))
    ws = Workspace(root)
    state = ws.registry.check_seals()
    assert state.problems == () and state.checkpoint_at
    assert len(ws.registry.events("test")) == 45
    ws.close()
