"""Records as evidence (issue #18 item 2): file names that cannot collide, dates within the
term's window and not after today, deadlines measured by when a record was entered, and the
console's 记录人 taken from the signed-in account (with 参与人 beside it)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import TERM, sample_workspace

import yujing.archive.records
import yujing.registry
from yujing.cli.main import cli
from yujing.errors import InputError
from yujing.web.app import COOKIE, create_app
from yujing.workspace import Workspace

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

SID = "2023010101"
LONG = "辅导员 " + "欧阳" * 40  # an adviser's name longer than a file name may be


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    ws = sample_workspace(tmp_path / "ws")
    yield ws
    ws.close()


def test_two_records_of_one_day_by_a_long_name_keep_their_own_files(ws: Workspace) -> None:
    day = date.today().isoformat()
    first = ws.record(
        SID, kind="interview", when=day, who=LONG, how="面谈", summary="第一次", term=TERM
    )
    second = ws.record(
        SID, kind="interview", when=day, who=LONG, how="面谈", summary="第二次", term=TERM
    )
    assert first.path != second.path
    for filed, summary in ((first, "第一次"), (second, "第二次")):
        name = Path(filed.path).name
        assert re.search(r" [0-9a-f]{12}\.txt$", name), name
        assert len(name) <= 60
        assert summary in (ws.root / filed.path).read_text(encoding="utf-8")
    ws.assess(TERM)
    report = ws.audit(TERM, verify=True)
    assert not [f for f in report.findings if f.path in (first.path, second.path)]


def test_attached_file_keeps_its_extension_however_long_its_name(
    ws: Workspace, tmp_path: Path
) -> None:
    from PIL import Image

    long = tmp_path / ("教务处导出的成绩单" * 8 + ".pdf")
    Image.new("L", (595, 842), 255).save(long, format="PDF")
    filed = ws.attach(SID, long, kind="transcript", term=TERM)
    assert filed.path.endswith(".pdf") and len(Path(filed.path).name) <= 60


@pytest.mark.parametrize("when", ["1900-01-01", "2024-07-31", "tomorrow", "in-five-years"])
def test_record_dates_outside_the_term_window_are_refused(ws: Workspace, when: str) -> None:
    ahead = {"tomorrow": 1, "in-five-years": 5 * 365}
    if when in ahead:
        when = (date.today() + timedelta(days=ahead[when])).isoformat()
    with pytest.raises(
        InputError, match=r"不在2024-2025学年第1学期的记录时段内.*2024-08-01 至今天"
    ):
        ws.record(
            SID,
            kind="interview",
            when=when,
            who="辅导员 马颖",
            how="面谈",
            summary="谈话",
            term=TERM,
        )
    assert not ws.registry.records(str(TERM))


def test_cli_record_refuses_a_future_date(ws: Workspace) -> None:
    root = str(ws.root)
    future = (date.today() + timedelta(days=1)).isoformat()
    r = CliRunner().invoke(
        cli,
        [
            "-w",
            root,
            "record",
            "interview",
            SID,
            "--who",
            "辅导员 马颖",
            "--summary",
            "谈话",
            "--date",
            future,
            "--term",
            str(TERM),
        ],
    )
    assert r.exit_code != 0 and "记录时段" in r.output
    r = CliRunner().invoke(
        cli,
        [
            "-w",
            root,
            "record",
            "interview",
            SID,
            "--who",
            "辅导员 马颖",
            "--participants",
            "家长 王父",
            "--summary",
            "谈话",
            "--term",
            str(TERM),
        ],
    )
    assert r.exit_code == 0, r.output
    (row,) = Workspace(ws.root).registry.records(str(TERM))
    assert row["who"] == "辅导员 马颖" and row["participants"] == "家长 王父"


def _clock(monkeypatch: pytest.MonkeyPatch, at: datetime) -> None:
    monkeypatch.setattr(yujing.registry, "now", lambda: at.isoformat(timespec="seconds"))
    monkeypatch.setattr(yujing.archive.records, "now", yujing.registry.now)


def test_a_backdated_record_does_not_clear_an_overdue_interview(
    ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as m:  # the list was frozen 40 days ago; interviews due in 30
        _clock(m, datetime.now() - timedelta(days=40))
        ws.assess(TERM)
        ws.freeze(TERM)
    before = ws.audit(TERM)
    overdue = [f for f in before.findings if f.student_id == SID and f.requirement == "interview"]
    assert [f.problem for f in overdue] == ["overdue"]
    backdated = (date.today() - timedelta(days=35)).isoformat()  # written as if in time
    ws.record(
        SID,
        kind="interview",
        when=backdated,
        who="辅导员 马颖",
        how="面谈",
        summary="谈话",
        term=TERM,
    )
    after = ws.audit(TERM)
    (finding,) = [f for f in after.findings if f.student_id == SID and f.requirement == "interview"]
    assert finding.problem == "late"
    assert f"记录日期为 {backdated}" in finding.detail and "补录" in finding.detail


def test_console_records_under_the_signed_in_account(ws: Workspace) -> None:
    ws.add_user(
        "马颖", role="counsellor", classes=["机械2301"], password="pass-word-1"
    )
    client = TestClient(create_app(ws.root, worker=False))
    cookie, csrf = ws.open_session("马颖")
    client.cookies.set(COOKIE, cookie)
    page = client.get(f"/students/{SID}")
    assert 'name="participants"' in page.text and 'name="who"' not in page.text
    resp = client.post(
        f"/students/{SID}/record",
        data={
            "csrf": csrf,
            "term": str(TERM),
            "kind": "interview",
            "summary": "谈心",
            "who": "院长 张三",
            "participants": "家长 王父",
        },
        follow_redirects=False,
    )
    assert resp.status_code == 303
    (row,) = ws.registry.records(str(TERM))
    assert row["who"] == "辅导员 马颖"  # a typed 记录人 is ignored
    assert row["participants"] == "家长 王父"
    text = (ws.root / row["path"]).read_text(encoding="utf-8")
    assert "记录人：辅导员 马颖" in text and "参与人：家长 王父" in text and "录入时间：" in text
    resp = client.post(
        f"/students/{SID}/record",
        data={
            "csrf": csrf,
            "term": str(TERM),
            "kind": "interview",
            "summary": "谈心",
            "when": "1900-01-01",
        },
    )
    assert resp.status_code == 400 and "记录时段" in resp.text


def test_the_audit_notices_two_records_sharing_one_file(ws: Workspace) -> None:
    """A registry written when long names lost their digest: two rows, one file."""
    ws.assess(TERM)
    day = date.today().isoformat()
    first = ws.record(
        SID, kind="interview", when=day, who=LONG, how="面谈", summary="第一次", term=TERM
    )
    second = ws.record(
        SID, kind="interview", when=day, who=LONG, how="面谈", summary="第二次", term=TERM
    )
    (ws.root / first.path).write_bytes((ws.root / second.path).read_bytes())
    (ws.root / second.path).unlink()
    ws.registry.db.execute(
        "update records set path = ? where id = ?", [first.path, second.record_id]
    )
    ws.registry.db.conn.commit()
    report = ws.audit(TERM)
    (found,) = [f for f in report.integrity if f.path == first.path]
    assert found.problem == "altered" and "已被后来的覆盖" in found.detail
    assert f"{day} {LONG}" in found.detail
