"""The console's authorisation, through the ASGI test client: every route × every role is
either allowed or refused with 403 (a route without a rule fails here), per-student refusals
are logged, CSRF, student check links, uploads, sign-in throttling and cookies."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import pytest
from conftest import TERM, sample_workspace
from starlette.routing import Mount, Route

from yujing.web import app as webapp
from yujing.web.app import COOKIE, create_app
from yujing.web.permissions import PUBLIC, RULES, action_of, allowed
from yujing.workspace import Workspace

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

PASSWORD = "correct-horse-1"
ACCOUNTS = {
    "secretary": {"role": "secretary"},
    "reviewer": {"role": "reviewer"},
    "counsellor": {"role": "counsellor", "classes": ["机械2301"]},
    "class-teacher": {"role": "class-teacher", "roster_name": "李老师"},
    "inspector": {"role": "inspector"},
}
OWN = "2023010101"  # 机械2301: the counsellor's
OTHER = "2023010104"  # 机械2302: not the counsellor's
NO_LIST_TERM = "1999-2000-1"  # POSTs in the route sweep name a term without a list: no side effects


@pytest.fixture(scope="module")
def ws(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Workspace]:
    ws = sample_workspace(tmp_path_factory.mktemp("web") / "ws")
    ws.assess(TERM)
    for name, spec in ACCOUNTS.items():
        ws.add_user(name, password=PASSWORD, **spec)  # type: ignore[arg-type]
    ws.add_user("victim", role="inspector", password=PASSWORD)
    ws.open_review_window(TERM)
    ws.record(OWN, kind="interview", when=None, who="辅导员", how="面谈", summary="谈话", term=TERM)
    ws.record(OTHER, kind="interview", when=None, who="辅导员", how="面谈", summary="谈话", term=TERM)
    yield ws
    ws.close()


@pytest.fixture(scope="module")
def client(ws: Workspace) -> TestClient:
    return TestClient(create_app(ws.root, worker=False))


def _as(client: TestClient, ws: Workspace, role: str | None) -> str:
    """Sign ``role``'s account in (a fresh session; logout in the sweep ends only it)."""
    client.cookies.clear()
    if role is None:
        return ""
    cookie, csrf = ws.open_session(role)
    client.cookies.set(COOKIE, cookie)
    return csrf


def _params(ws: Workspace, role: str | None) -> dict[str, str]:
    """Sample path values; the job is one the role submitted itself (per-object checks are
    tested on their own below)."""
    job = ws.start_job("transcripts", str(TERM), {}, role or "secretary")
    token = ws.student_slips(TERM)[0].token
    own_file = ws.student_folder_files(OWN)[0].fid
    return {
        "batch": "NO-SUCH-BATCH",
        "what": "print.pdf",
        "item": "1",
        "sid": OWN,
        "fid": own_file,
        "id": str(job),
        "name": "victim-not-there",
        "token": token,
    }


def test_every_route_has_a_rule_and_every_rule_a_use(client: TestClient) -> None:
    names = {r.name for r in client.app.routes if isinstance(r, Route | Mount)}  # type: ignore[attr-defined]
    actions = {action_of(n) for n in names}
    assert actions - set(RULES) == set(), "routes without a permission rule"
    # a rule no route declares must be one the library checks itself
    library = "\n".join(
        p.read_text(encoding="utf-8")
        for p in Path(webapp.__file__).parents[1].rglob("*.py")
        if p.name != "roles.py" and "web" not in p.parts
    )
    unused = {a for a in set(RULES) - actions if f'"{a}"' not in library}
    assert unused == set(), "rules nobody uses"


def test_app_refuses_a_route_without_a_rule(ws: Workspace, monkeypatch: pytest.MonkeyPatch) -> None:
    from yujing.web import routing, views

    monkeypatch.setattr(
        routing, "ROUTES", [*routing.ROUTES, ("/new", "new_route", views.home, ("GET",))]
    )
    with pytest.raises(RuntimeError, match="new_route"):
        create_app(ws.root, worker=False)


ROLES = [None, *ACCOUNTS]


@pytest.mark.parametrize("role", ROLES, ids=lambda r: r or "anonymous")
def test_every_route_as_every_role(client: TestClient, ws: Workspace, role: str | None) -> None:
    params = _params(ws, role)
    checked = 0
    for r in client.app.routes:  # type: ignore[attr-defined]
        if isinstance(r, Mount):
            _as(client, ws, role)
            assert client.get("/static/app.css").status_code == 200
            continue
        assert isinstance(r, Route)
        names = re.findall(r"{(\w+)}", r.path)
        missing = [n for n in names if n not in params]
        assert not missing, f"route {r.name}: no sample value for {missing}"
        url = r.path
        for n in names:
            url = url.replace("{" + n + "}", params[n])
        for method in sorted((r.methods or set()) - {"HEAD"}):
            csrf = _as(client, ws, role)
            if method == "GET":
                resp = client.get(url, follow_redirects=False)
            else:
                if RULES[action_of(r.name)] == PUBLIC and role is None:
                    client.get("/login")  # the pre-session CSRF cookie
                    csrf = client.cookies.get("yj_csrf") or ""
                resp = client.post(
                    url, data={"csrf": csrf, "term": NO_LIST_TERM}, follow_redirects=False
                )
            where = f"{method} {url} as {role}: {resp.status_code}"
            assert resp.status_code < 500, where
            if allowed(role, action_of(r.name)):
                assert resp.status_code != 403, where
            elif role is None:
                assert resp.status_code in (303, 401), where
                if method == "GET":
                    assert resp.headers["location"].startswith("/login"), where
            else:
                assert resp.status_code == 403, where
                assert "无权" in resp.text, where
            checked += 1
    assert checked >= 50


def test_each_role_lands_on_its_start_page_and_sees_only_its_buttons(
    client: TestClient, ws: Workspace
) -> None:
    landing = {}
    for role in ACCOUNTS:
        _as(client, ws, role)
        landing[role] = client.get("/", follow_redirects=False).headers["location"]
    assert landing == {
        "secretary": "/list",
        "reviewer": "/approvals",
        "counsellor": "/my",
        "class-teacher": "/my",
        "inspector": "/audit",
    }
    _as(client, ws, "reviewer")
    page = client.get(f"/list?term={TERM}").text
    assert 'action="/submit"' not in page and 'action="/freeze"' not in page
    assert 'action="/assess"' not in page
    _as(client, ws, "secretary")
    page = client.get(f"/list?term={TERM}").text
    assert 'action="/approve"' not in page and 'action="/assess"' in page


def test_a_job_opens_only_for_its_owner_or_a_role_that_sees_every_job(
    client: TestClient, ws: Workspace
) -> None:
    job = ws.start_job("transcripts", str(TERM), {}, "counsellor")
    _as(client, ws, "class-teacher")
    refused = client.get(f"/jobs/{job}")
    assert refused.status_code == 403 and "不是您提交的任务" in refused.text
    _as(client, ws, "counsellor")
    assert client.get(f"/jobs/{job}").status_code == 200
    _as(client, ws, "secretary")
    assert client.get(f"/jobs/{job}").status_code == 200


def test_refusals_are_logged_with_the_account(client: TestClient, ws: Workspace) -> None:
    _as(client, ws, "reviewer")
    assert client.get("/users").status_code == 403
    events = [e for e in ws.registry.events("access-denied") if e["account"] == "reviewer"]
    assert any("/users" in e["detail"] for e in events)


def test_adviser_sees_only_own_students(client: TestClient, ws: Workspace) -> None:
    _as(client, ws, "counsellor")
    my = client.get(f"/my?term={TERM}")
    assert my.status_code == 200
    assert OWN in my.text and OTHER not in my.text
    assert client.get(f"/students/{OWN}").status_code == 200
    other = client.get(f"/students/{OTHER}")
    assert other.status_code == 403 and "不是您名下" in other.text
    fid = ws.student_folder_files(OTHER)[0].fid
    assert client.get(f"/students/{OTHER}/files/{fid}").status_code == 403
    csrf = _as(client, ws, "counsellor")
    resp = client.post(
        f"/students/{OTHER}/record",
        data={"csrf": csrf, "kind": "interview", "summary": "x"},
    )
    assert resp.status_code == 403
    denied = [e for e in ws.registry.events("access-denied") if e["student_id"] == OTHER]
    assert len(denied) >= 3 and all(e["account"] == "counsellor" for e in denied)
    listing = client.get(f"/students?term={TERM}")
    assert OWN in listing.text and OTHER not in listing.text


def test_own_file_downloads_and_unknown_file_id_does_not(client: TestClient, ws: Workspace) -> None:
    _as(client, ws, "counsellor")
    f = ws.student_folder_files(OWN)[0]
    resp = client.get(f"/students/{OWN}/files/{f.fid}")
    assert resp.status_code == 200
    assert resp.content == (ws.root / f.relative).read_bytes()
    assert client.get(f"/students/{OWN}/files/..%2F..%2Fregistry.sqlite").status_code in (400, 404)
    assert client.get("/archive/").status_code == 404  # the archive is never served as static


def test_csrf_refused_without_or_with_a_wrong_token(client: TestClient, ws: Workspace) -> None:
    csrf = _as(client, ws, "secretary")
    before = len(ws.registry.events("assess"))
    assert client.post("/assess", data={"term": str(TERM)}).status_code == 403
    assert client.post("/assess", data={"term": str(TERM), "csrf": "forged"}).status_code == 403
    assert len(ws.registry.events("assess")) == before
    assert client.post("/assess", data={"term": str(TERM), "csrf": csrf}).status_code == 200
    assert len(ws.registry.events("assess")) == before + 1
    # the public forms carry a token too (sign-in, student check)
    client.cookies.clear()
    resp = client.post("/login", data={"name": "secretary", "password": PASSWORD})
    assert resp.status_code == 403


def test_student_link_shows_only_own_entry_and_objection_reaches_the_queue(
    client: TestClient, ws: Workspace
) -> None:
    slips = ws.student_slips(TERM)
    mine, other = slips[0], slips[1]
    client.cookies.clear()
    page = client.get(f"/check/{mine.token}")
    assert page.status_code == 200
    assert mine.student_id in page.text and mine.level in page.text
    assert other.student_id not in page.text and other.name not in page.text
    csrf = client.cookies.get("yj_csrf")
    resp = client.post(
        f"/check/{mine.token}",
        # a control character (no .docx/.xlsx can hold one) is dropped at the door
        data={"csrf": csrf, "answer": "object", "reason": "补考成绩\x07未录入\x00"},
    )
    assert resp.status_code == 200 and "异议已交" in resp.text
    queue = ws.objection_queue(TERM)
    assert [q["student_id"] for q in queue] == [mine.student_id]
    assert queue[0]["reason"] == "补考成绩未录入"
    # the secretary sees it in the objection queue
    _as(client, ws, "secretary")
    assert "补考成绩未录入" in client.get(f"/objections?term={TERM}").text
    # with a token nothing else is reachable
    client.cookies.clear()
    assert client.get("/list", follow_redirects=False).status_code == 303


def test_forged_and_expired_student_links_refused(tmp_path: Path) -> None:
    ws = sample_workspace(tmp_path / "ws")
    ws.assess(TERM)
    ws.open_review_window(TERM)
    token = ws.student_slips(TERM)[0].token
    client = TestClient(create_app(ws.root, worker=False))
    forged = token[:-2] + ("AA" if not token.endswith("AA") else "BB")
    for bad in (forged, "x" * 43, "../../etc/passwd"):
        resp = client.get(f"/check/{bad}")
        assert resp.status_code in (403, 404), bad
        if resp.status_code == 403:
            assert "无效" in resp.text
    assert client.get(f"/check/{token}").status_code == 200
    ws.freeze(TERM)
    # after the freeze the link stays readable (the student sees the outcome), takes no answer
    after = client.get(f"/check/{token}")
    assert after.status_code == 200 and "核查已结束" in after.text
    assert 'name="answer"' not in after.text
    refused = client.post(
        f"/check/{token}",
        data={"csrf": client.cookies.get("yj_csrf"), "answer": "agree"},
    )
    assert refused.status_code == 400 and "不能再修改答复" in refused.text
    ws.close()


def test_upload_names_with_paths_are_refused(client: TestClient, ws: Workspace, samples: Path) -> None:
    csrf = _as(client, ws, "secretary")
    content = (samples / "anshan_class_roster.xlsx").read_bytes()
    for name in ("../../evil.xlsx", "..\\..\\evil.xlsx", "sub/evil.xlsx"):
        resp = client.post(
            "/imports",
            data={"csrf": csrf, "kind": "roster"},
            files={"files": (name, content, "application/octet-stream")},
        )
        assert resp.status_code == 400, name
        assert "不能含有路径" in resp.text
    assert not (ws.root.parent / "evil.xlsx").exists()
    assert not list(ws.root.rglob("evil.xlsx"))
    # wrong type and a disguised file
    resp = client.post(
        "/imports",
        data={"csrf": csrf, "kind": "roster"},
        files={"files": ("名单.exe", b"MZ....", "application/octet-stream")},
    )
    assert resp.status_code == 400 and "类型不支持" in resp.text
    resp = client.post(
        "/imports",
        data={"csrf": csrf, "kind": "roster"},
        files={"files": ("名单.xlsx", b"not a zip", "application/octet-stream")},
    )
    assert resp.status_code == 400 and "不符" in resp.text


def test_upload_size_limited(
    client: TestClient, ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(webapp, "MAX_UPLOAD", 1000)
    csrf = _as(client, ws, "secretary")
    resp = client.post(
        "/scans",
        data={"csrf": csrf},
        files={"files": ("scan.pdf", b"%PDF" + b"0" * 5000, "application/pdf")},
    )
    assert resp.status_code == 413 and "过大" in resp.text


def test_import_shows_bad_rows_as_a_table(client: TestClient, ws: Workspace, samples: Path) -> None:
    csrf = _as(client, ws, "secretary")
    resp = client.post(
        "/imports",
        data={"csrf": csrf, "kind": "grades"},
        files={"files": ("grades_with_bad_rows.csv", (samples / "grades_with_bad_rows.csv").read_bytes())},
    )
    assert resp.status_code == 200
    assert "未导入任何数据" in resp.text
    assert resp.text.count("<tr><td class=\"num\">") >= 5  # one table row per bad row


def test_sign_in_throttled_and_cookie_flags(tmp_path: Path) -> None:
    ws = sample_workspace(tmp_path / "ws")
    ws.add_user("sec", role="secretary", password=PASSWORD)
    client = TestClient(create_app(ws.root, worker=False))

    def attempt(password: str) -> int:
        client.get("/login")
        csrf = client.cookies.get("yj_csrf")
        resp = client.post(
            "/login",
            data={"name": "sec", "password": password, "csrf": csrf},
            follow_redirects=False,
        )
        return resp.status_code

    first = attempt(PASSWORD)
    assert first == 303
    client.cookies.clear()
    for _ in range(5):
        assert attempt("wrong-password") == 401
    assert attempt(PASSWORD) == 401  # the right password is refused while throttled
    assert ws.registry.events("login-throttled")
    # the password hash never reaches a page or the log
    stored = ws.registry.password_hash("sec") or ""
    assert stored.startswith("$argon2")
    assert all(stored not in (e["detail"] or "") for e in ws.registry.events())
    ws.close()


def test_session_cookie_is_httponly_and_samesite(tmp_path: Path) -> None:
    ws = sample_workspace(tmp_path / "ws")
    ws.add_user("sec", role="secretary", password=PASSWORD)
    client = TestClient(create_app(ws.root, worker=False))
    client.get("/login")
    resp = client.post(
        "/login",
        data={"name": "sec", "password": PASSWORD, "csrf": client.cookies.get("yj_csrf")},
        follow_redirects=False,
    )
    header = resp.headers["set-cookie"].lower()
    assert "httponly" in header and "samesite=lax" in header
    page = client.get("/users")
    assert "$argon2" not in page.text
    assert "secret" not in page.text.lower() or "secret.key" not in page.text
    ws.close()


def test_reviewer_approval_gates_freeze_when_the_policy_asks(tmp_path: Path) -> None:
    ws = sample_workspace(tmp_path / "ws")
    policy = ws.root / "pack" / "policy.toml"
    policy.write_text(
        policy.read_text(encoding="utf-8").replace(
            "[policy]\n", "[policy]\nfreeze_needs_approval = true\n", 1
        ),
        encoding="utf-8",
    )
    ws.close()
    ws = Workspace(ws.root)
    ws.assess(TERM)
    ws.add_user("sec", role="secretary", password=PASSWORD)
    ws.add_user("rev", role="reviewer", password=PASSWORD)
    client = TestClient(create_app(ws.root, worker=False))
    cookie, csrf = ws.open_session("sec")
    client.cookies.set(COOKIE, cookie)
    refused = client.post("/freeze", data={"csrf": csrf, "term": str(TERM)})
    assert refused.status_code == 400 and "须先提交审核" in refused.text and "rev" in refused.text
    cookie, rcsrf = ws.open_session("rev")
    client.cookies.set(COOKIE, cookie)
    assert "没有待审核的名单" in client.get("/approvals").text
    early = client.post("/approve", data={"csrf": rcsrf, "term": str(TERM), "decision": "approve"})
    assert early.status_code == 400 and "尚未提交审核" in early.text
    # the secretary submits (提交审核); the reviewer's start page lists it
    cookie, csrf = ws.open_session("sec")
    client.cookies.set(COOKIE, cookie)
    submitted = client.post("/submit", data={"csrf": csrf, "term": str(TERM)})
    assert submitted.status_code == 200 and "已提交审核" in submitted.text
    cookie, rcsrf = ws.open_session("rev")
    client.cookies.set(COOKIE, cookie)
    start = client.get("/", follow_redirects=True)
    assert start.url.path == "/approvals" and f"{TERM} 名单" in start.text and "待审核" in start.text
    no_reason = client.post(
        "/approve", data={"csrf": rcsrf, "term": str(TERM), "decision": "return", "comment": ""}
    )
    assert no_reason.status_code == 400 and "理由" in no_reason.text
    sent_back = client.post(
        "/approve", data={"csrf": rcsrf, "term": str(TERM), "decision": "return", "comment": "请核实补考"}
    )
    assert sent_back.status_code == 200 and "请核实补考" in sent_back.text
    cookie, csrf = ws.open_session("sec")
    client.cookies.set(COOKIE, cookie)
    returned = client.post("/freeze", data={"csrf": csrf, "term": str(TERM)})
    assert returned.status_code == 400 and "已退回：请核实补考" in returned.text
    client.post("/submit", data={"csrf": csrf, "term": str(TERM)})
    cookie, rcsrf = ws.open_session("rev")
    client.cookies.set(COOKIE, cookie)
    client.post("/approve", data={"csrf": rcsrf, "term": str(TERM), "decision": "approve"})
    cookie, csrf = ws.open_session("sec")
    client.cookies.set(COOKIE, cookie)
    assert "审核同意" in client.get(f"/list?term={TERM}").text
    frozen = client.post("/freeze", data={"csrf": csrf, "term": str(TERM)})
    assert frozen.status_code == 200 and "已冻结" in frozen.text
    assert [e["account"] for e in ws.registry.events("freeze")] == ["sec"]
    assert [e["account"] for e in ws.registry.events("approve")] == ["rev"]
    ws.close()
