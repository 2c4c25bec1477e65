"""The smaller items of issue #18 item 5, each reproduced first: Unicode digits in a URL or a
form, a write's leftover ``.part`` file and hidden files in a student folder, the banner's
message in the URL, anonymous bodies read before authentication, inline scripts under the
content security policy, full-width formula characters, 30,000-character error values, and
invisible characters in names."""

from __future__ import annotations

import base64
import hashlib
import os
import re
import time
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import TERM, sample_workspace

from yujing.errors import AccountError, BadRowsError, InputError
from yujing.outputs import csv_text, csv_value
from yujing.web.app import COOKIE, create_app
from yujing.workspace import Workspace

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PASSWORD = "correct-horse-1"
SID = "2023010101"
TEMPLATES = Path(__file__).parents[1] / "yujing" / "web" / "templates"


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = sample_workspace(tmp_path_factory.mktemp("small") / "ws")
    ws.assess(TERM)
    ws.add_user("sec", role="secretary", password=PASSWORD)
    ws.add_user("co", role="counsellor", classes=["机械2301"], password=PASSWORD)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def client(ws: Workspace) -> TestClient:
    return TestClient(create_app(ws.root, worker=False), raise_server_exceptions=False)


def _sign_in(client: TestClient, ws: Workspace, name: str) -> str:
    client.cookies.clear()
    cookie, csrf = ws.open_session(name)
    client.cookies.set(COOKIE, cookie)
    return csrf


@pytest.mark.parametrize("digit", ["²", "⑤", "٣"])
def test_unicode_digits_in_urls_and_forms_get_a_clean_4xx(
    ws: Workspace, client: TestClient, digit: str
) -> None:
    for account in ("sec", "co"):
        csrf = _sign_in(client, ws, account)
        for url in (
            f"/jobs/{digit}",
            f"/review/{digit}/image",
            f"/review/{digit}/page",
            f"/students/{SID}{digit}",
        ):
            status = client.get(url, follow_redirects=False).status_code
            assert 400 <= status < 500, (account, url, status)
        for url, data in (
            ("/reprint", {"serial": digit}),
            ("/void", {"serial": digit}),
            (f"/review/{digit}/assign", {"serial": "1"}),
            (f"/jobs/{digit}/rerun", {}),
        ):
            status = client.post(
                url, data={**data, "csrf": csrf}, follow_redirects=False
            ).status_code
            assert 400 <= status < 500, (account, url, status)


def test_a_leftover_part_file_and_hidden_files_are_reported(ws: Workspace) -> None:
    filed = ws.record(
        SID, kind="interview", when=None, who="辅导员 马颖", how="面谈", summary="谈话", term=TERM
    )
    folder = (ws.root / filed.path).parent
    leftover = folder / ".谈话记录.txt.k3j2h1.part"  # what atomic_write leaves after kill -9
    leftover.write_bytes(b"")
    hour_ago = time.time() - 3600
    os.utime(leftover, (hour_ago, hour_ago))
    hidden = folder / ".换下来的扫描件.pdf"
    hidden.write_bytes(b"%PDF-1.4 not registered")
    in_progress = folder / ".正在写入.pdf.a1b2c3.part"  # a write happening right now
    in_progress.write_bytes(b"")
    try:
        report = ws.audit(TERM)
        found = {f.path.split("/")[-1]: f for f in report.stray}
        assert found[leftover.name].problem == "orphan"
        assert "临时文件" in found[leftover.name].detail
        assert found[hidden.name].problem == "orphan" and "隐藏文件" in found[hidden.name].detail
        assert in_progress.name not in found
    finally:
        for f in (leftover, hidden, in_progress):
            f.unlink()


def test_the_banner_is_not_written_by_the_url(ws: Workspace, client: TestClient) -> None:
    client.cookies.clear()
    forged = "您的账号已过期，请访问 evil.example 重新激活"
    assert forged not in client.get("/login", params={"ok": forged}).text
    _sign_in(client, ws, "sec")
    assert forged not in client.get("/users", params={"ok": forged}).text
    # a cookie not signed by the app is ignored too
    client.cookies.set("yj_flash", base64.urlsafe_b64encode(forged.encode()).decode() + ".00")
    assert forged not in client.get("/users").text


def test_the_banner_comes_once_from_the_session(ws: Workspace, client: TestClient) -> None:
    csrf = _sign_in(client, ws, "sec")
    resp = client.post(
        "/users",
        data={"csrf": csrf, "name": "新秘书", "role": "secretary", "password": PASSWORD},
        follow_redirects=False,
    )
    assert resp.status_code == 303 and "ok=" not in resp.headers["location"]
    first = client.get(resp.headers["location"]).text
    assert re.search(r'<div class="ok"[^>]*>[^<]*新秘书', first)
    assert not re.search(r'<div class="ok"', client.get(resp.headers["location"]).text)


def test_anonymous_bodies_are_refused_before_they_are_read(
    ws: Workspace, client: TestClient
) -> None:
    read = [0]

    def body() -> Iterator[bytes]:
        for _ in range(64):
            read[0] += 1
            yield b"x" * 1024 * 1024

    client.cookies.clear()
    resp = client.post(
        "/login",
        content=body(),
        headers={
            "content-length": str(64 * 1024 * 1024),
            "content-type": "application/x-www-form-urlencoded",
        },
    )
    assert resp.status_code == 413 and "登录" in resp.text
    assert read[0] <= 1  # the app answered from the header, not after reading 64 MB
    big = {"name": "sec", "password": "x" * 200_000, "csrf": "x"}
    assert client.post("/login", data=big).status_code == 413
    # a signed-in account may send a large body (refused later for what it is, not its size)
    csrf = _sign_in(client, ws, "sec")
    resp = client.post(
        "/users", data={"csrf": csrf, "name": "x" * 200_000, "role": "nobody", "password": PASSWORD}
    )
    assert resp.status_code == 400


def test_no_inline_script_and_a_policy_that_forbids_it(ws: Workspace, client: TestClient) -> None:
    for template in TEMPLATES.glob("*.html"):
        text = template.read_text(encoding="utf-8")
        assert not re.search(r"<script(?![^>]*\bsrc=)", text), template.name
        assert not re.search(r"\son[a-z]+\s*=", text), template.name
        assert "javascript:" not in text, template.name
    client.cookies.clear()
    policy = client.get("/login").headers["content-security-policy"]
    script_src = re.search(r"script-src ([^;]*)", policy)
    assert script_src is not None and script_src.group(1).strip() == "'self'"
    assert "unsafe-inline" not in script_src.group(1)
    # the audit report carries one script, allowed by its hash and by nothing else
    _sign_in(client, ws, "sec")
    resp = client.get("/audit/report.html", params={"term": str(TERM)})
    assert resp.status_code == 200
    (script,) = re.findall(r"<script>(.*?)</script>", resp.text, re.S)
    digest = base64.b64encode(hashlib.sha256(script.encode("utf-8")).digest()).decode()
    assert f"'sha256-{digest}'" in resp.headers["content-security-policy"]
    assert "unsafe-inline" not in re.search(
        r"script-src ([^;]*)", resp.headers["content-security-policy"]
    ).group(1)  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "value", ["＝1+1", "＋86 138", "－3", "＠SUM(A1)", '＝HYPERLINK("//e.cn")']
)
def test_full_width_formula_characters_are_neutralised(value: str, tmp_path: Path) -> None:
    assert csv_value(value) == "'" + value
    assert csv_text(csv_value(value)) == value
    from openpyxl import Workbook, load_workbook

    from yujing.outputs import save_xlsx

    book = Workbook()
    book.active.append([value])  # type: ignore[union-attr]
    save_xlsx(book, tmp_path / "out.xlsx")
    cell = load_workbook(tmp_path / "out.xlsx").active["A1"]  # type: ignore[index]
    assert cell.value == value and cell.quotePrefix


def _roster(tmp_path: Path, name: str) -> Path:
    path = tmp_path / "roster.csv"
    path.write_text(
        "学号,姓名,性别,学院,专业,年级,班级\n"
        f"2099010101,{name},男,机械学院,机械工程,2099,机械9901\n",
        encoding="utf-8",
    )
    return path


def test_a_huge_cell_is_shown_cut_in_the_import_error(ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(BadRowsError) as caught:
        ws.import_file("roster", _roster(tmp_path, "张" * 30_000))
    message = str(caught.value)
    assert "…（共 30000 字）" in message
    assert "张" * 61 not in message and len(message) < 1000


@pytest.mark.parametrize("mark", ["\u202e", "\u200b", "\u2066", "\ufeff", "\u200f"])
def test_invisible_characters_are_refused_in_names(
    ws: Workspace, tmp_path: Path, mark: str
) -> None:
    with pytest.raises(BadRowsError, match=f"U\\+{ord(mark):04X}"):
        ws.import_file("roster", _roster(tmp_path, f"马{mark}颖"))
    assert "2099010101" not in ws.registry.students()
    with pytest.raises(AccountError, match=f"U\\+{ord(mark):04X}"):
        ws.add_user(f"ma{mark}ying", role="secretary", password=PASSWORD)
    with pytest.raises(InputError, match="参与人"):
        ws.record(
            SID,
            kind="interview",
            when=None,
            who="辅导员 马颖",
            how="面谈",
            summary="谈话",
            term=TERM,
            participants=f"家长 王{mark}父",
        )
