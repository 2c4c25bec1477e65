"""Words for people (issue #19, item 4): after a whole term, every role signs in and follows
every link it can reach; no visible text names a command-line flag, shows a raw code or an
ISO timestamp. Also: the styled 404, errors on the form they concern with the input kept,
the labels table and the time format the CLI shares."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urldefrag, urljoin, urlsplit

import pytest
from conftest import TERM, sample_workspace
from PIL import Image, ImageDraw
from sysparts import requires_soffice

from yujing.labels import GROUPS, label, when
from yujing.web.app import COOKIE, create_app
from yujing.web.jobs import run_next_job
from yujing.workspace import Workspace

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PASSWORD = "correct-horse-1"
ACCOUNTS = {
    "sec": {"role": "secretary"},
    "rev": {"role": "reviewer"},
    "coun": {"role": "counsellor", "classes": ["机械2301"]},
    "teacher": {"role": "class-teacher", "classes": ["机械2302"]},
    "insp": {"role": "inspector"},
}
FLAG = re.compile(r"(?<![\w-])--[a-z][a-z-]+")
ISO_T = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")
RAW_CODES = (
    "grades",
    "roster",
    "flags",
    "done",
    "failed",
    "complete",
    "issue",
    "send-back",
    "student-objection",
    "access-denied",
    "interview",
    "parent-contact",
    "transcript",
    "queued",
    "running",
    "interrupted",
    "filed",
    "review",
    "blank",
    "approved",
    "returned",
    "corrected",
    "removed",
    "upheld",
    "secretary",
    "reviewer",
    "counsellor",
    "class-teacher",
    "inspector",
    "allocated",
    "docx-only",
    "yujing",
)
RAW = re.compile(r"(?<![\w./-])(" + "|".join(re.escape(c) for c in RAW_CODES) + r")(?![\w/-])")


class _Page(HTMLParser):
    """The visible text of a page and its links (scripts, styles and attributes left out)."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.links: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style", "title"):
            self._skip += 1
        href = dict(attrs).get("href") or dict(attrs).get("src")
        if href and tag in ("a", "iframe"):
            self.links.append(href)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style", "title") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.text.append(data.strip())


def _photo_without_code(path: Path, step: int = 60) -> Path:
    """A phone photo of a page that carries no code of ours (a WeChat group's poster)."""
    img = Image.new("RGB", (1240, 1754), "white")
    draw = ImageDraw.Draw(img)
    for y in range(200, 1500, step):
        draw.line((150, y, 1090, y), fill="black", width=4)
    img.save(path, "JPEG", quality=85)
    return path


@pytest.fixture(scope="module")
def term_ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    """A whole term: imports, assessment, the student check with an objection and its
    outcome, approval, freeze, one printed batch, its pages scanned back (and a foreign
    photo), a record, transcripts, the audit, the term reports, a backup — through the jobs
    the console runs."""
    root = tmp_path_factory.mktemp("term") / "ws"
    ws = sample_workspace(root)
    ws.assess(TERM)
    for name, spec in ACCOUNTS.items():
        ws.add_user(name, password=PASSWORD, **spec)  # type: ignore[arg-type]
    ws.open_review_window(TERM)
    slips = ws.student_slips(TERM)
    ws.respond_check(slips[0].token, agree=True, reason="")
    ws.respond_check(slips[1].token, agree=False, reason="补考成绩未录入")
    ws.decide_objection(TERM, slips[1].student_id, reason="补考成绩未录入", outcome="upheld")
    ws.submit_list(TERM, account="sec")
    ws.decide_list(TERM, approve=True, comment="同意", account="rev")
    ws.freeze(TERM)
    with ws.acting_as("sec"):
        ws.start_job("issue", str(TERM), {"classes": ["机械2301"], "levels": []}, "sec")
        assert run_next_job(ws) is not None
        batch = ws.registry.batches(TERM)[0]["id"]
        pdf = ws.batch_file(batch, "print.pdf")
        photo = _photo_without_code(root.parent / "poster.jpg")
        scans = [
            ws.save_upload("scan", n, p.read_bytes())
            for n, p in (("print.pdf", pdf), ("poster.jpg", photo))
        ]
        ws.start_job(
            "scan",
            "",
            {"paths": [str(p.relative_to(root)) for p in scans], "account": "sec"},
            "sec",
        )
        ws.start_job("transcripts", str(TERM), {"students": []}, "sec")
        ws.start_job("audit", str(TERM), {"verify": True}, "sec")
        ws.start_job("reports", str(TERM), {}, "sec")
        while run_next_job(ws) is not None:
            pass
    with ws.acting_as("coun"):
        ws.record(
            "2023010101",
            kind="interview",
            when=None,
            who="辅导员 王颖",
            how="面谈",
            summary="谈话",
            term=TERM,
        )
        blurred = _photo_without_code(root.parent / "blurred.jpg", step=45)
        mine = ws.save_upload("scan", "blurred.jpg", blurred.read_bytes())
        ws.start_job(
            "scan", "", {"paths": [str(mine.relative_to(root))], "account": "coun"}, "coun"
        )
        run_next_job(ws)
    assert {j["status"] for j in ws.registry.jobs()} == {"done"}, [
        (j["kind"], j["status"], j["message"]) for j in ws.registry.jobs()
    ]
    yield ws
    ws.close()


def _crawl(client: TestClient, start: str, limit: int = 400) -> dict[str, str]:
    """Every page reachable from ``start`` by links (same site, GET, HTML); visible texts."""
    seen: dict[str, str] = {}
    todo = [start]
    while todo and len(seen) < limit:
        url = todo.pop()
        if url in seen:
            continue
        resp = client.get(url)
        assert resp.status_code in (200, 303), f"{url}: {resp.status_code}"
        assert resp.status_code != 403, f"{url} is linked but refused"
        if "text/html" not in resp.headers.get("content-type", ""):
            seen[url] = ""
            continue
        parser = _Page()
        parser.feed(resp.text)
        seen[url] = "\n".join(parser.text)
        for href in parser.links:
            full, _frag = urldefrag(urljoin(str(resp.url), href))
            parts = urlsplit(full)
            if parts.netloc != "testserver" or parts.path.startswith(("/static", "/logout")):
                continue
            if parts.path.endswith((".pdf", ".xlsx", ".docx", ".zip", "/image", "/crop", "/page")):
                continue
            if "/files/" in parts.path:
                continue
            todo.append(parts.path + (f"?{parts.query}" if parts.query else ""))
    return seen


@requires_soffice
@pytest.mark.parametrize("account", list(ACCOUNTS))
def test_every_reachable_page_speaks_to_a_person(term_ws: Workspace, account: str) -> None:
    client = TestClient(create_app(term_ws.root, worker=False))
    cookie, _ = term_ws.open_session(account)
    client.cookies.set(COOKIE, cookie)
    pages = _crawl(client, "/")
    assert len(pages) >= 3, pages.keys()
    problems = []
    for url, text in pages.items():
        for pattern, what in ((FLAG, "flag"), (RAW, "raw code"), (ISO_T, "ISO time")):
            for hit in pattern.finditer(text):
                around = text[max(0, hit.start() - 30) : hit.end() + 30].replace("\n", " ")
                problems.append(f"{url}: {what} {hit.group()!r} in …{around}…")
    assert not problems, "\n".join(problems[:40])
    denied = [e for e in term_ws.registry.events_of(limit=2000) if e["action"] == "access-denied"]
    assert not [e for e in denied if e["account"] == account], "a followed link was refused"


@requires_soffice
def test_the_next_step_and_the_problems_of_a_scan_are_shown(term_ws: Workspace) -> None:
    client = TestClient(create_app(term_ws.root, worker=False))
    cookie, _ = term_ws.open_session("sec")
    client.cookies.set(COOKIE, cookie)
    listing = client.get(f"/list?term={TERM}").text  # frozen: a new draft is not the big button
    assert "为另一学期生成名单" in listing
    assert '<button class="primary">按规则生成名单' not in listing
    page = client.get(f"/print?term={TERM}").text
    assert 'name="term"' in page  # the term picker
    assert 'id="next-step"' in page and ("归档待处理的扫描页" in page or "复核签字" in page)
    scan = next(j for j in term_ws.registry.jobs() if j["kind"] == "scan" and j["account"] == "sec")
    job = client.get(f"/jobs/{scan['id']}").text
    assert 'id="job-problems"' in job and "poster.jpg 第 1 页" in job
    assert job.index("需要处理") < job.index("<h2>已归档")
    names = {s.name for s in term_ws.registry.students().values()}
    assert any(n in job for n in names)  # students by name, not 学号 alone
    # the counsellor's own upload: the photo without a code asks to retake
    cookie, _ = term_ws.open_session("coun")
    client.cookies.set(COOKIE, cookie)
    mine = next(
        j for j in term_ws.registry.jobs() if j["kind"] == "scan" and j["account"] == "coun"
    )
    page = client.get(f"/jobs/{mine['id']}").text
    assert "请重拍" in page and "读不出二维码" in page and "blurred.jpg" in page
    queued = len(term_ws.review_items())
    assert not any(i.source_name == "blurred.jpg" for i in term_ws.review_items())
    # the adviser decides the photo is right: it goes on to the secretary's queue
    csrf = re.search(r'name="csrf" value="([^"]+)"', page)
    assert csrf is not None
    resp = client.post(
        f"/jobs/{mine['id']}/send-on", data={"csrf": csrf.group(1)}, follow_redirects=False
    )
    assert resp.status_code == 303
    assert run_next_job(term_ws) is not None
    assert len(term_ws.review_items()) == queued + 1
    # not someone else's upload
    other = next(j for j in term_ws.registry.jobs() if j["account"] == "sec")
    refused = client.post(f"/jobs/{other['id']}/send-on", data={"csrf": csrf.group(1)})
    assert refused.status_code == 400


def test_an_unknown_address_is_a_styled_page(tmp_path: Path) -> None:
    ws = sample_workspace(tmp_path / "ws")
    client = TestClient(create_app(ws.root, worker=False))
    resp = client.get("/no/such/page")
    assert resp.status_code == 404
    assert "没有这个页面" in resp.text and "/static/app.css" in resp.text
    assert "Not Found" not in resp.text
    ws.close()


def test_a_refused_form_keeps_its_input_and_speaks_without_flags(tmp_path: Path) -> None:
    ws = sample_workspace(tmp_path / "ws", freeze=True)
    ws.add_user("sec", role="secretary", password=PASSWORD)
    cookie, csrf = ws.open_session("sec")
    client = TestClient(create_app(ws.root, worker=False))
    client.cookies.set(COOKIE, cookie)
    resp = client.post(
        "/void", data={"csrf": csrf, "serial": "12", "reason": "  ", "term": str(TERM)}
    )
    assert resp.status_code == 400
    assert "请写明作废原因" in resp.text and "--reason" not in resp.text
    assert 'value="12"' in resp.text  # the serial typed is still in the form
    assert resp.text.index("请写明作废原因") > resp.text.index('id="void"')  # on the void form
    resp = client.post(
        "/students/2023010101/record",
        data={
            "csrf": csrf,
            "kind": "interview",
            "summary": "",
            "participants": "家长 王父",
            "term": str(TERM),
        },
    )
    assert (
        resp.status_code == 400
        and "请填写记录内容" in resp.text
        and 'value="家长 王父"' in resp.text  # what was typed is kept on the form
    )
    ws.close()


def test_the_cli_still_names_its_options(tmp_path: Path) -> None:
    from yujing.errors import InputError

    ws = sample_workspace(tmp_path / "ws", freeze=True)
    with pytest.raises(InputError) as err:
        ws.void(1, " ")
    assert err.value.for_people() == "请写明作废原因。" and err.value.field == "reason"
    assert "--reason" in str(err.value)  # what the CLI prints
    ws.close()


def test_labels_and_times() -> None:
    assert label("done", "job-state") == "已完成"
    assert label("student-objection", "event") == "学生提出异议"
    assert label("grades", "import-kind") == "成绩"
    assert label("class-teacher", "role") == "班主任"
    assert when("2026-12-07T23:52:27") == "2026-12-07 23:52"
    assert when("2026-12-07") == "2026-12-07" and when(None) == ""
    for group, table in GROUPS.items():
        for code, word in table.items():
            assert word and not RAW.fullmatch(word), (group, code, word)
