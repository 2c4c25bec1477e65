"""The list's workflow and the review queue in the console, through the ASGI test client:
提交审核 and the reviewer's start page (counts and the objections themselves), a student's link
after the freeze (the outcome; being taken off the list as good news), the review queue's two
steps (the student, class and document shown before filing; 不是本系统材料 / 重复), and the
account form's choices from the roster."""

from __future__ import annotations

import io
import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
import scanlib
from conftest import TERM, sample_workspace
from PIL import Image

from yujing.qr import qr_png
from yujing.web.app import COOKIE, create_app
from yujing.workspace import Workspace

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PASSWORD = "correct-horse-1"
RED, ORANGE = "2023010104", "2023010101"  # 郑丽 红色预警, 陈明 橙色预警


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    ws = sample_workspace(tmp_path / "ws")
    ws.assess(TERM)
    ws.add_user("教务员", role="secretary", password=PASSWORD)
    ws.add_user("副院长", role="reviewer", password=PASSWORD)
    ws.open_review_window(TERM)
    yield ws
    ws.close()


def _as(client: TestClient, ws: Workspace, name: str) -> str:
    client.cookies.clear()
    cookie, csrf = ws.open_session(name)
    client.cookies.set(COOKIE, cookie)
    return csrf


def _token(ws: Workspace, sid: str) -> str:
    return next(s.token for s in ws.student_slips(TERM) if s.student_id == sid)


def _text(html: str) -> str:
    return re.sub(r"<[^>]+>", " ", html)


def test_submit_the_reviewers_start_page_and_the_students_outcome(ws: Workspace) -> None:
    client = TestClient(create_app(ws.root, worker=False))
    tokens = {sid: _token(ws, sid) for sid in (RED, ORANGE)}
    ws.respond_check(tokens[RED], agree=False, reason="补考成绩未录入")
    ws.respond_check(tokens[ORANGE], agree=False, reason="课程已免修")
    csrf = _as(client, ws, "教务员")
    page = client.get(f"/list?term={TERM}").text
    assert "提交审核" in page and "异议未处理" in page and "disabled>③ 冻结名单" in page
    assert client.post("/submit", data={"csrf": csrf, "term": str(TERM)}).status_code == 200
    assert 'action="/submit"' not in client.get(f"/list?term={TERM}").text  # waits: no 2nd submit
    # the reviewer lands on what waits: counts and the objections themselves
    rcsrf = _as(client, ws, "副院长")
    start = _text(client.get("/", follow_redirects=True).text)
    assert "待审核" in start and "确认 0 ，异议 2 ，其中未处理 2" in re.sub(r"\s+", " ", start)
    assert "补考成绩未录入" in start and "郑丽" in start and "课程已免修" in start
    client.post("/approve", data={"csrf": rcsrf, "term": str(TERM), "decision": "approve"})
    # the secretary decides both objections: the approval goes stale, shown where it is
    csrf = _as(client, ws, "教务员")
    for sid, outcome, level in ((RED, "corrected", "橙色预警"), (ORANGE, "removed", "")):
        client.post(
            "/objections",
            data={"csrf": csrf, "term": str(TERM), "student_id": sid, "reason": "学生异议",
                  "outcome": outcome, "level": level},
        )
    listing = client.get(f"/list?term={TERM}").text
    assert "此审核已失效" in listing
    _as(client, ws, "副院长")
    assert "此审核已失效" in client.get("/approvals").text
    csrf = _as(client, ws, "教务员")
    frozen = client.post("/freeze", data={"csrf": csrf, "term": str(TERM)})
    assert frozen.status_code == 200 and "已冻结" in frozen.text
    # after the freeze: each student's link shows the outcome; off the list is good news
    client.cookies.clear()
    red = client.get(f"/check/{tokens[RED]}")
    assert red.status_code == 200 and "更正为 橙色预警" in red.text and "核查已结束" in red.text
    off = client.get(f"/check/{tokens[ORANGE]}")
    assert off.status_code == 200 and "不在本学期的学业预警名单上" in off.text
    assert 'class="error"' not in off.text and "good-news" in off.text


def _wechat_pdf(path: Path, pages: int = 1) -> Path:
    page = Image.new("RGB", (1654, 2339), "white")
    page.paste(Image.open(io.BytesIO(qr_png("HTTPS://U.WECHAT.COM/GROUP/ABC"))).convert("RGB"), (400, 400))
    return scanlib.make_pdf([page] * pages, path, dpi=200)


def test_the_review_queue_files_only_after_confirmation(ws: Workspace, tmp_path: Path) -> None:
    ws.freeze(TERM)
    with ws.registry.transaction():  # a serial as `issue` gives one (no printing needed here)
        serial = ws.registry.allocate_serials(TERM, [ORANGE], "B-test")[ORANGE]
    with ws.acting_as("教务员"):
        ws.scan([_wechat_pdf(tmp_path / "wx.pdf", pages=2)])
    first, second = ws.review_items()
    part = ws.forms[0].parts[0]
    client = TestClient(create_app(ws.root, worker=False))
    csrf = _as(client, ws, "教务员")
    queue = client.get("/review").text
    assert "教务员（教学秘书/教务员）" in queue  # who uploaded, from which account
    assert '<option value="" selected>请选择</option>' in queue  # no part preselected
    archive = sorted(p for p in (ws.root / "archive").rglob("*") if p.is_file())
    check = client.post(
        f"/review/{first.id}/assign", data={"csrf": csrf, "serial": str(serial), "part": part.code}
    )
    assert check.status_code == 200
    shown = _text(check.text)
    assert "陈明" in shown and "机械2301" in shown and "核对无误，归档" in shown
    assert f"/review/{first.id}/image" in check.text  # the page beside whose it would be
    assert sorted(p for p in (ws.root / "archive").rglob("*") if p.is_file()) == archive
    none = client.post(
        f"/review/{first.id}/assign", data={"csrf": csrf, "serial": str(serial), "part": ""}
    )
    assert none.status_code == 400 and "联别" in none.text
    filed = client.post(
        f"/review/{first.id}/assign",
        data={"csrf": csrf, "serial": str(serial), "part": part.code, "confirm": "1"},
    )
    assert filed.status_code == 200 and "已归档到 陈明（2023010101，机械2301）" in filed.text
    (message,) = re.findall(r'<div class="ok" role="status">(.*?)</div>', filed.text)
    assert "「" in message and "archive" not in message and ".pdf" not in message  # no path
    aside = client.post(
        f"/review/{second.id}/set-aside", data={"csrf": csrf, "what": "discarded", "note": "微信群"}
    )
    assert aside.status_code == 200 and "不是本系统材料" in aside.text and "文件保留" in aside.text
    assert (ws.root / second.file).is_file() and ws.review_items() == []
    assert ws.registry.events("review-set-aside")[0]["account"] == "教务员"


def test_the_account_form_offers_the_roster_and_refuses_a_name_matching_nobody(
    ws: Workspace,
) -> None:
    client = TestClient(create_app(ws.root, worker=False))
    csrf = _as(client, ws, "教务员")
    form = client.get("/users").text
    assert '<option value="王老师">' in form and "<option>机械2301</option>" in form
    data = {"csrf": csrf, "name": "hq", "role": "counsellor", "password": PASSWORD}
    refused = client.post("/users", data={**data, "roster_name": "王老帅"})
    assert refused.status_code == 400 and "相近：王老师" in refused.text
    assert "--" not in _text(refused.text)  # no command-line flag in the console
    assert ws.registry.user("hq") is None
    kept = client.post("/users", data={**data, "roster_name": "新老师", "allow_unknown": "1"})
    assert kept.status_code == 200 and ws.registry.user("hq") is not None
    by_class = client.post(
        "/users",
        data={**data, "name": "ct", "role": "class-teacher", "class": ["机械2301", "机械2302"]},
    )
    assert by_class.status_code == 200
    user = ws.registry.user("ct")
    assert user is not None and user.classes == ("机械2301", "机械2302")
