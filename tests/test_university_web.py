"""The university's one server (``yujing serve -w DIR`` on a university folder), through the
ASGI test client: every university route × every role; every college route × every role of
one college × the other college's ids (never reached); cookies and links under each college's
prefix; the office's approval where the pack says so; the supervisor's sample, findings and
deadline that the college sees; filed reports; CAS sign-in against the suite's own CAS server
(a forged ticket, a used one, one for another service)."""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from caslib import cas_server
from starlette.routing import Mount, Route
from universitylib import (
    COLLEGE_ROLES,
    OFFICE,
    PASSWORD,
    SUPERVISOR,
    TERM,
    build_university,
    role_account,
)

from yujing.university import University
from yujing.web import archive_views, routing, views, views_term  # noqa: F401  (every route registered)
from yujing.web.university import COLLEGE_RULES, RULES, UCOOKIE, create_university_app
from yujing.workspace import Workspace

with warnings.catch_warnings():
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")
NO_LIST_TERM = "1999-2000-1"


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_university(tmp_path_factory.mktemp("uni"))


@pytest.fixture(scope="module")
def app(folder: Path):  # type: ignore[no-untyped-def]
    return create_university_app(folder, worker=False)


def _client(app) -> TestClient:  # type: ignore[no-untyped-def]
    return TestClient(app, follow_redirects=False)


def _uni_session(folder: Path, client: TestClient, name: str | None) -> str:
    client.cookies.clear()
    if name is None:
        return ""
    uni = University(folder)
    cookie, csrf = uni.open_session(name)
    uni.close()
    client.cookies.set(UCOOKIE, cookie)
    return csrf


def _college_session(folder: Path, slug: str, client: TestClient, role: str, *, path: str) -> str:
    """Sign the college account of ``role`` in; its cookie set for ``path`` (``/`` to send it
    to every college: the worst a browser could do)."""
    client.cookies.clear()
    ws = Workspace(folder / slug)
    cookie, csrf = ws.open_session(role_account(role))
    ws.close()
    client.cookies.set("yj_session", cookie, path=path)
    return csrf


def _ids(folder: Path, slug: str) -> dict[str, str]:
    """Sample path values of ``slug``'s own objects (a warned student, a file, a job, a slip)."""
    ws = Workspace(folder / slug)
    try:
        sid = ws.report(TERM).warned[0].student_id
        ws.open_review_window(TERM)
        return {
            "batch": "NO-SUCH-BATCH",
            "what": "print.pdf",
            "item": "1",
            "sid": sid,
            "fid": ws.student_folder_files(sid)[0].fid,
            "id": str(ws.start_job("transcripts", str(TERM), {}, "秘书")),
            "name": role_account("inspector"),
            "token": ws.student_slips(TERM)[0].token,
            "slug": slug,
        }
    finally:
        ws.close()


def _call(client: TestClient, method: str, url: str, csrf: str) -> httpx.Response:
    if method == "GET":
        return client.get(url)
    return client.post(url, data={"csrf": csrf, "term": NO_LIST_TERM})


# -- the university's routes -----------------------------------------------------------------


def test_every_university_route_has_a_rule(app) -> None:  # type: ignore[no-untyped-def]
    names = {
        r.name for r in app.routes if isinstance(r, Route) or (isinstance(r, Mount) and r.name)
    }
    assert names == set(RULES)


@pytest.mark.parametrize("who", [None, OFFICE, SUPERVISOR, "college-secretary"])
def test_every_university_route_as_every_role(folder: Path, app, who: str | None) -> None:  # type: ignore[no-untyped-def]
    client = _client(app)
    params = {**_ids(folder, "art"), "name": f"{TERM} 学期学业帮扶总结报告.docx"}
    checked = 0
    for r in app.routes:
        if not isinstance(r, Route):
            continue
        names = re.findall(r"{(\w+)}", r.path)
        url = r.path
        for n in names:
            url = url.replace("{" + n + "}", params[n])
        for method in sorted(r.methods or {"GET"}):
            if method == "HEAD":
                continue
            if who == "college-secretary":
                csrf = _college_session(folder, "mech", client, "secretary", path="/")
                role = None  # a college account is nobody on the university's pages
            else:
                csrf = _uni_session(folder, client, who)
                role = {OFFICE: "office", SUPERVISOR: "supervisor"}.get(who or "")
            resp = _call(client, method, url, csrf)
            rule = RULES[r.name]
            if rule == "public":
                assert resp.status_code != 500, (r.name, resp.text[:300])
            elif role is None:
                expected = (303,) if method == "GET" else (401,)
                assert resp.status_code in expected, (r.name, method, resp.status_code)
                if method == "GET":
                    assert resp.headers["location"].startswith("/login?next=")
            elif role in rule:
                assert resp.status_code not in (401, 403, 500), (r.name, method, resp.text[:300])
            else:
                assert resp.status_code == 403, (r.name, method, resp.status_code)
            checked += 1
    assert checked >= len(RULES) - 1


def test_a_university_post_needs_its_csrf_token(folder: Path, app) -> None:  # type: ignore[no-untyped-def]
    client = _client(app)
    _uni_session(folder, client, SUPERVISOR)
    resp = client.post(
        "/u/inspections/draw",
        data={"csrf": "forged", "college": "art", "term": str(TERM), "size": "2"},
    )
    assert resp.status_code == 403
    uni = University(folder)
    assert not uni.inspections()
    uni.close()


# -- the colleges' consoles under /c/<slug> ----------------------------------------------------


COLLEGE_ROUTES = [(p, n, m) for p, n, _h, m in routing.ROUTES] + [
    ("/university", "c_university", ("GET",)),
    ("/university/file-report", "c_file_report", ("POST",)),
]


@pytest.mark.parametrize("role", COLLEGE_ROLES)
def test_a_college_account_never_reaches_another_college(folder: Path, app, role: str) -> None:  # type: ignore[no-untyped-def]
    """Every route of the other college, with the other college's ids, as every role of this
    college — even with the session cookie sent to every path: signed in nowhere but home."""
    client = _client(app)
    theirs = _ids(folder, "art")
    checked = 0
    for path, name, methods in COLLEGE_ROUTES:
        rule = COLLEGE_RULES.get(name) or views_rule(name)
        if rule == "public":
            continue
        url = "/c/art" + re.sub(r"{(\w+)}", lambda m: theirs[m.group(1)], path)
        for method in methods:
            csrf = _college_session(folder, "mech", client, role, path="/")
            resp = _call(client, method, url, csrf)
            if method == "GET":
                assert resp.status_code == 303, (name, resp.status_code, resp.text[:200])
                assert resp.headers["location"].startswith("/c/art/login?next=/c/art/")
            else:
                assert resp.status_code in (401, 403), (name, method, resp.status_code)
            checked += 1
    assert checked > 40
    # the same account at home is signed in (the sweep above could fail)
    _college_session(folder, "mech", client, role, path="/c/mech")
    assert client.get("/c/mech/account/password").status_code == 200


def views_rule(name: str) -> object:
    from yujing.web.permissions import RULES as COLLEGE_APP_RULES
    from yujing.web.permissions import action_of

    return COLLEGE_APP_RULES[action_of(name)]


@pytest.mark.parametrize("role", COLLEGE_ROLES)
def test_a_college_account_sees_only_its_own_students(folder: Path, app, role: str) -> None:  # type: ignore[no-untyped-def]
    """At home, another college's 学号 that is not also on this college's roster is unknown."""
    client = _client(app)
    art = Workspace(folder / "art")
    mech = Workspace(folder / "mech")
    try:
        art_only = sorted(set(art.registry.students()) - set(mech.registry.students()))
    finally:
        art.close()
        mech.close()
    _college_session(folder, "mech", client, role, path="/c/mech")
    for sid in art_only[:3]:
        resp = client.get(f"/c/mech/students/{sid}")
        assert resp.status_code in (400, 403, 404), resp.status_code


def test_cookies_links_and_redirects_stay_under_the_college_prefix(folder: Path, app) -> None:  # type: ignore[no-untyped-def]
    client = _client(app)
    resp = client.get("/c/mech/list")
    assert resp.status_code == 303 and resp.headers["location"] == "/c/mech/login?next=/c/mech/list"
    page = client.get("/c/mech/login")
    assert 'action="/c/mech/login"' in page.text and 'href="/c/mech/static/app.css"' in page.text
    assert 'href="/static/' not in page.text and 'action="/login"' not in page.text
    resp = client.post(
        "/c/mech/login",
        data={
            "name": role_account("secretary"),
            "password": PASSWORD,
            "csrf": client.cookies.get("yj_csrf", path="/c/mech"),
            "next": "/c/mech/list",
        },
    )
    assert resp.status_code == 303 and resp.headers["location"] == "/c/mech/list"
    set_cookie = resp.headers["set-cookie"]
    assert "Path=/c/mech" in set_cookie and "HttpOnly" in set_cookie
    page = client.get("/c/mech/list")
    assert page.status_code == 200
    assert 'href="/c/mech/print"' in page.text and 'href="/print"' not in page.text
    assert "/c/mech/c/mech" not in page.text


# -- the office, the supervisor, the college's side ----------------------------------------------


def test_office_approves_only_where_the_pack_says_so(folder: Path, app) -> None:  # type: ignore[no-untyped-def]
    client = _client(app)
    csrf = _uni_session(folder, client, OFFICE)
    page = client.get(f"/u/c/art?term={TERM}")
    assert 'id="approve"' in page.text
    assert 'id="approve"' not in client.get(f"/u/c/mech?term={TERM}").text
    art = Workspace(folder / "art")
    art.submit_list(TERM, account="secretary")  # the college submits its list (提交审核)
    art.close()
    resp = client.post(
        "/u/c/art/approve",
        data={"csrf": csrf, "term": str(TERM), "decision": "approve", "comment": "同意建档"},
    )
    assert resp.status_code == 303
    ws = Workspace(folder / "art")
    try:
        state = ws.approval(TERM)
        assert state.approved and state.account == f"{OFFICE}（教务处）"
        assert any(
            e["action"] == "approve" and e["account"] == f"{OFFICE}（教务处）"
            for e in ws.registry.events()
        )
    finally:
        ws.close()
    refused = client.post(
        "/u/c/mech/approve", data={"csrf": csrf, "term": str(TERM), "decision": "approve"}
    )
    assert refused.status_code == 403 and "学院审核" in refused.text
    ws = Workspace(folder / "mech")
    assert not ws.registry.approvals(TERM)
    ws.close()
    csrf = _uni_session(folder, client, SUPERVISOR)
    assert (
        client.post(
            "/u/c/art/approve",
            data={"csrf": csrf, "term": str(TERM), "decision": "return", "comment": "x"},
        ).status_code
        == 403
    )
    # the college's reviewer sees the 教务处's decision on the college's own list page
    _college_session(folder, "art", client, "reviewer", path="/c/art")
    assert f"{OFFICE}（教务处）" in client.get(f"/c/art/list?term={TERM}").text


def test_supervisor_samples_records_findings_and_a_deadline_the_college_sees(
    folder: Path, app
) -> None:  # type: ignore[no-untyped-def]
    client = _client(app)
    csrf = _uni_session(folder, client, SUPERVISOR)
    resp = client.post(
        "/u/inspections/draw",
        data={"csrf": csrf, "college": "art", "term": str(TERM), "size": "3", "seed": "7"},
    )
    assert resp.status_code == 303
    page = client.get(resp.headers["location"].split("?")[0])
    sampled = re.findall(r'data-student="(\d+)"', page.text)
    uni = University(folder)
    inspection = uni.inspections("art")[-1]
    folders = uni.inspection(inspection.id).folders
    uni.close()
    assert inspection.seed == 7 and len(sampled) == 3 == len(folders)
    assert client.get(f"/u/c/art/students/{sampled[0]}").status_code == 200
    resp = client.post(
        f"/u/inspections/{inspection.id}/finding",
        data={"csrf": csrf, "folder": str(folders[0].id), "finding": "谈话记录缺签字"},
    )
    assert resp.status_code == 303
    assert "谈话记录缺签字" in client.get(f"/u/inspections/{inspection.id}").text
    resp = client.post(
        f"/u/inspections/{inspection.id}/deadline",
        data={"csrf": csrf, "what": "补齐谈话记录签字", "deadline": "2030-01-15"},
    )
    assert resp.status_code == 303
    bad = client.post(
        f"/u/inspections/{inspection.id}/deadline",
        data={"csrf": csrf, "what": "x", "deadline": "明天"},
    )
    assert bad.status_code == 400 and "日期" in bad.text
    # the college's secretary sees it on the start page; the other college does not
    _college_session(folder, "art", client, "secretary", path="/c/art")
    start = client.get("/c/art/", follow_redirects=True)
    assert "补齐谈话记录签字" in start.text and "限 2030-01-15 前" in start.text
    assert "补齐谈话记录签字" in client.get("/c/art/university").text
    _college_session(folder, "mech", client, "secretary", path="/c/mech")
    assert "补齐谈话记录签字" not in client.get("/c/mech/", follow_redirects=True).text
    # the roll-up tracks it until closed
    uni = University(folder)
    row = next(r for r in uni.rollup(TERM).rows if r.current.slug == "art")
    assert row.current.open_rectifications == 1 and row.current.next_deadline == "2030-01-15"
    rect = uni.rectifications("art", open_only=True)[0]
    uni.close()
    csrf = _uni_session(folder, client, SUPERVISOR)
    assert (
        client.post(
            f"/u/rectifications/{rect.id}/close", data={"csrf": csrf, "note": "已补签"}
        ).status_code
        == 303
    )
    uni = University(folder)
    row = next(r for r in uni.rollup(TERM).rows if r.current.slug == "art")
    assert row.current.open_rectifications == 0
    uni.close()
    _college_session(folder, "art", client, "secretary", path="/c/art")
    assert "补齐谈话记录签字" not in client.get(f"/c/art/list?term={TERM}").text


def test_the_rollup_page_shows_every_college_with_the_libraries_figures(folder: Path, app) -> None:  # type: ignore[no-untyped-def]
    client = _client(app)
    _uni_session(folder, client, OFFICE)
    home = client.get("/")
    assert home.headers["location"] == "/u/rollup"
    page = client.get(f"/u/rollup?term={TERM}")
    uni = University(folder)
    report = uni.rollup(TERM)
    uni.close()
    for row in report.rows:
        f = row.current
        cells = dict(
            re.findall(rf'<tr data-college="{f.slug}">(.*?)</tr>', page.text, re.S)[0:1]
            and re.findall(
                r'data-col="(\w+)">(.*?)</td>',
                re.findall(rf'<tr data-college="{f.slug}">(.*?)</tr>', page.text, re.S)[0],
                re.S,
            )
        )
        assert cells["warned"] == str(f.warned) and cells["assessed"] == str(f.assessed)
        assert cells["complete"] == str(f.complete)
    assert client.get(f"/u/rollup.xlsx?term={TERM}").status_code == 200
    assert "档案" in client.get(f"/u/c/art/audit?term={TERM}").text


def test_a_college_files_its_term_summary_with_the_office(folder: Path, app) -> None:  # type: ignore[no-untyped-def]
    client = _client(app)
    csrf = _college_session(folder, "art", client, "secretary", path="/c/art")
    refused = client.post("/c/art/university/file-report", data={"csrf": csrf, "term": str(TERM)})
    assert refused.status_code == 400 and "请先生成学期报告" in refused.text
    csrf_c = _college_session(folder, "art", client, "counsellor", path="/c/art")
    assert (
        client.post(
            "/c/art/university/file-report", data={"csrf": csrf_c, "term": str(TERM)}
        ).status_code
        == 403
    )
    ws = Workspace(folder / "art")
    made = ws.term_reports(TERM)
    ws.close()
    csrf = _college_session(folder, "art", client, "secretary", path="/c/art")
    resp = client.post("/c/art/university/file-report", data={"csrf": csrf, "term": str(TERM)})
    assert resp.status_code == 303 and resp.headers["location"].startswith("/c/art/university")
    _uni_session(folder, client, OFFICE)
    page = client.get("/u/filings")
    assert "学期学业帮扶总结报告" in page.text and "艺术设计学院" in page.text
    fid = re.search(r'href="/u/filings/(\d+)"', page.text).group(1)  # type: ignore[union-attr]
    summary = next(p for p in made if "总结报告" in p.name)
    assert client.get(f"/u/filings/{fid}").content == summary.read_bytes()


# -- 统一身份认证 (CAS) ----------------------------------------------------------------------------


@pytest.fixture
def cas() -> Iterator[object]:
    with cas_server() as server:
        yield server


def _with_cas(folder: Path, url: str) -> None:
    path = folder / "university.toml"
    text = re.sub(r'\ncas_url = "[^"]*"', "", path.read_text(encoding="utf-8"))
    path.write_text(text.replace("[web]\n", f'[web]\ncas_url = "{url}"\n'), encoding="utf-8")


def _cas_sign_in(client: TestClient, cas, path: str, user: str) -> httpx.Response:  # type: ignore[no-untyped-def]
    start = client.get(path)
    assert start.status_code == 303
    login_url = start.headers["location"]
    assert login_url.startswith(cas.url + "/login?service=")
    at_cas = httpx.get(
        login_url + "&" + httpx.QueryParams({"user": user}).__str__(), follow_redirects=False
    )
    assert at_cas.status_code == 302
    back = at_cas.headers["location"]
    assert back.startswith("http://testserver" + path + "?ticket=ST-")
    return client.get(back.removeprefix("http://testserver"))


def test_cas_signs_in_an_existing_account_and_refuses_forged_used_and_foreign_tickets(
    folder: Path,
    cas,  # type: ignore[no-untyped-def]
) -> None:
    _with_cas(folder, cas.url)
    try:
        client = _client(create_university_app(folder, worker=False))
        assert "统一身份认证登录" in client.get("/login").text
        assert "统一身份认证登录" in client.get("/c/mech/login").text
        resp = _cas_sign_in(client, cas, "/login/cas", OFFICE)
        assert resp.status_code == 303 and f"{UCOOKIE}=" in resp.headers["set-cookie"]
        assert client.get("/u/rollup").status_code == 200
        assert cas.validations[-1][2] is True
        # the same ticket again: validated once only
        used = cas.validations[-1][0]
        client.cookies.clear()
        again = client.get(f"/login/cas?ticket={used}")
        assert again.status_code == 400 and f"{UCOOKIE}=" not in again.headers.get("set-cookie", "")
        # a forged ticket
        forged = client.get("/login/cas?ticket=ST-forged0123456789")
        assert forged.status_code == 400 and "未登录" in forged.text
        assert f"{UCOOKIE}=" not in forged.headers.get("set-cookie", "")
        assert client.get("/u/rollup").status_code == 303
        # a ticket issued for another service (a college's sign-in) signs nobody in here
        other = cas.issue("http://testserver/c/mech/login/cas", OFFICE)
        foreign = client.get(f"/login/cas?ticket={other}")
        assert foreign.status_code == 400
        assert cas.validations[-1] == (other, "http://testserver/login/cas", False)
        # a CAS user with no account of that name: authenticated, not authorised
        stranger = _cas_sign_in(client, cas, "/login/cas", "张三丰")
        assert stranger.status_code == 403 and "没有学校账号" in stranger.text
        # a college account through the same CAS, at its college's door
        resp = _cas_sign_in(client, cas, "/c/mech/login/cas", role_account("secretary"))
        assert resp.status_code == 303 and "Path=/c/mech" in resp.headers["set-cookie"]
        assert client.get("/c/mech/list").status_code == 200
        assert client.get("/c/art/list").status_code == 303  # not another college
        # a mangled ticket is refused before anything is asked of the CAS server
        asked = len(cas.validations)
        assert client.get("/login/cas?ticket=ST-<script>").status_code == 400
        assert len(cas.validations) == asked
    finally:
        _with_cas(folder, "")
        path = folder / "university.toml"
        path.write_text(
            path.read_text(encoding="utf-8").replace('cas_url = ""\n', ""), encoding="utf-8"
        )


def test_without_cas_the_button_is_absent_and_local_passwords_work(folder: Path, app) -> None:  # type: ignore[no-untyped-def]
    client = _client(app)
    assert "统一身份认证登录" not in client.get("/login").text
    assert "统一身份认证登录" not in client.get("/c/mech/login").text
    resp = client.get("/login/cas")
    assert resp.status_code == 400 and "未设置统一身份认证" in resp.text
    client.get("/login")
    resp = client.post(
        "/login",
        data={
            "name": OFFICE,
            "password": PASSWORD,
            "next": "/",
            "csrf": client.cookies.get("yj_univ_csrf"),
        },
    )
    assert resp.status_code == 303
    client.cookies.clear()  # signed out: the sign-in form's own token again
    client.get("/login")
    wrong = client.post(
        "/login",
        data={
            "name": OFFICE,
            "password": "wrong-password",
            "next": "/",
            "csrf": client.cookies.get("yj_univ_csrf"),
        },
    )
    assert wrong.status_code == 401


def test_a_college_served_alone_signs_in_through_its_own_cas(folder: Path, cas) -> None:  # type: ignore[no-untyped-def]
    """``yujing serve -w COLLEGE`` with ``[web] cas_url`` in the college's yujing.toml."""
    from yujing.web.app import create_app

    config = folder / "mech" / "yujing.toml"
    before = config.read_text(encoding="utf-8")
    config.write_text(before + f'\n[web]\ncas_url = "{cas.url}"\n', encoding="utf-8")
    try:
        client = _client(create_app(folder / "mech", worker=False))
        assert "统一身份认证登录" in client.get("/login").text
        resp = _cas_sign_in(client, cas, "/login/cas", role_account("secretary"))
        assert resp.status_code == 303 and resp.headers["location"] == "/"
        assert "yj_session=" in resp.headers["set-cookie"]
        assert client.get("/list").status_code == 200
        client.cookies.clear()
        forged = client.get("/login/cas?ticket=ST-forged0123456789")
        assert forged.status_code == 400 and "yj_session=" not in forged.headers.get(
            "set-cookie", ""
        )
        other = cas.issue("http://testserver/c/mech/login/cas", role_account("secretary"))
        assert client.get(f"/login/cas?ticket={other}").status_code == 400
        stranger = _cas_sign_in(client, cas, "/login/cas", "张三丰")
        assert stranger.status_code == 403 and "没有账号" in stranger.text
        assert client.get("/list").status_code == 303
    finally:
        config.write_text(before, encoding="utf-8")


def test_student_check_links_point_into_their_college(folder: Path, app) -> None:  # type: ignore[no-untyped-def]
    """The slips' links and QR codes carry the college's prefix, and open the student's entry."""
    client = _client(app)
    ws = Workspace(folder / "art")
    ws.open_review_window(TERM)
    ws.close()
    _college_session(folder, "art", client, "secretary", path="/c/art")
    page = client.get(f"/c/art/slips?term={TERM}")
    links = re.findall(r"http://testserver/c/art/check/([\w-]+)", page.text)
    assert links and "http://testserver/check/" not in page.text
    client.cookies.clear()
    entry = client.get(f"/c/art/check/{links[0]}")
    assert entry.status_code == 200 and "核查" in entry.text
    assert client.get(f"/c/mech/check/{links[0]}").status_code in (400, 403, 404)


def test_no_link_puts_words_in_the_university_banner(folder: Path, app) -> None:  # type: ignore[no-untyped-def]
    """The green banner comes from a signed cookie a redirect left, never from the URL."""
    client = _client(app)
    _uni_session(folder, client, OFFICE)
    forged = "请立即转账到此账户"
    page = client.get(f"/u/rollup?ok={forged}")
    assert page.status_code == 200 and forged not in page.text
    _college_session(folder, "art", client, "secretary", path="/c/art")
    assert forged not in client.get(f"/c/art/university?ok={forged}").text
