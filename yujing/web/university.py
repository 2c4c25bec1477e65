"""One server for the whole university (全校控制台): ``yujing serve -w DIR`` on a university
folder.

- ``/c/<slug>/…`` is each college's own console (:func:`yujing.web.app.create_app`, every
  route, role rule and per-student check unchanged), mounted under its prefix. The college's
  absolute links, redirects and cookies are moved under the prefix on the way out (a college's
  session cookie is only ever sent to its own prefix, and is only known to its own registry),
  so a college account never reaches another college.
- ``/``, ``/login``, ``/u/…`` are the university's pages for its own accounts (the university
  registry): the 教务处 (office: the roll-up, every college's list, audit and reports
  read-only, the approval where the college's pack says the 教务处 approves, the reports the
  colleges filed) and the 督查 (supervisor: read-only, samples folders, records findings and
  rectification deadlines).
- ``/login/cas`` (and ``/c/<slug>/login/cas``) sign in through the university's 统一身份认证
  (CAS) when ``[web] cas_url`` is set: the ticket is validated by the server, and the CAS user
  id must be an existing account's name.
- ``/c/<slug>/university`` shows a college's secretary the rectification orders and lets them
  file the term summary report with the 教务处 (报教务处备案).

Every route has a rule in :data:`RULES` (the app refuses to start otherwise); handlers parse,
call one :class:`~yujing.university.University` method, and render.
"""

from __future__ import annotations

import contextlib
import logging
import re
import secrets
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from yujing.errors import AccessDeniedError, InputError, TokenError, YujingError
from yujing.model import Term, without_unprintable
from yujing.university import OFFICE, ROLES, SUPERVISOR, University
from yujing.web.app import HERE, MAX_UPLOAD, _SecurityHeaders, create_app
from yujing.web.cas import cas_login_url, cas_user, service_url
from yujing.web.context import COOKIE as COLLEGE_COOKIE
from yujing.web.context import FLASH_COOKIE, seal_flash, unseal_flash
from yujing.web.jobs import Workers
from yujing.workspace import ROLES as COLLEGE_ROLES
from yujing.workspace import Workspace, allowed, render_audit_html

log = logging.getLogger("yujing.web")

UCOOKIE = "yj_univ"
"""The university account's session cookie (the registry keeps only its hash)."""
PRE_COOKIE = "yj_univ_csrf"
PUBLIC = "public"
BOTH = frozenset({OFFICE, SUPERVISOR})
RULES: dict[str, frozenset[str] | str] = {
    "u_static": PUBLIC,
    "u_login": PUBLIC,
    "u_cas": PUBLIC,
    "u_logout": BOTH,
    "u_home": BOTH,
    "u_rollup": BOTH,
    "u_rollup_xlsx": BOTH,
    "u_college": BOTH,
    "u_college_list": BOTH,
    "u_college_audit": BOTH,
    "u_college_report": BOTH,
    "u_approve": frozenset({OFFICE}),
    "u_folder": BOTH,
    "u_folder_file": BOTH,
    "u_filings": BOTH,
    "u_filing_file": BOTH,
    "u_inspections": BOTH,
    "u_draw": frozenset({SUPERVISOR}),
    "u_inspection": BOTH,
    "u_finding": frozenset({SUPERVISOR}),
    "u_deadline": frozenset({SUPERVISOR}),
    "u_close": frozenset({SUPERVISOR}),
}
"""Who may call which university route (by the university account's role)."""

COLLEGE_RULES: dict[str, frozenset[str] | str] = {
    "c_cas": PUBLIC,
    "c_university": frozenset({"secretary", "reviewer", "inspector"}),
    "c_file_report": frozenset({"secretary"}),
}
"""The routes the university adds to each mounted college console (by the college role)."""


@dataclass
class UCtx:
    """One request to a university page, as a handler sees it."""

    request: Request
    uni: University
    user: Any
    session: Any
    route: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    pre_csrf: str = ""

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0].strip() if values else default

    def param(self, name: str) -> str:
        return str(self.request.path_params.get(name, ""))

    def query(self, name: str, default: str = "") -> str:
        return self.request.query_params.get(name, default)

    def term(self) -> Term:
        text = self.get("term") or self.query("term")
        if text:
            return Term.parse(text)  # a bad term: InvalidValueError, shown as the page's error
        return _latest_term(self.uni)

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        env: Environment = self.request.app.state.env
        html = env.get_template(f"university/{template}").render(
            user=self.user,
            roles=ROLES,
            csrf=self.session.csrf if self.session else self.pre_csrf,
            route=self.route,
            university=self.uni.name,
            cas_url=self.uni.cas_url,
            msg=_flash(self.request),
            **values,
        )
        response = HTMLResponse(html, status_code=status)
        if FLASH_COOKIE in self.request.cookies:
            response.delete_cookie(FLASH_COOKIE, path="/")
        if self.pre_csrf and self.session is None:
            response.set_cookie(
                PRE_COOKIE, self.pre_csrf, httponly=True, samesite="strict", path="/"
            )
        return response

    def done(self, path: str, message: str = "", **query: str) -> RedirectResponse:
        q = urlencode({k: v for k, v in query.items() if v})
        return _with_flash(
            RedirectResponse(path + (f"?{q}" if q else ""), status_code=303), self.request, message
        )


def _flash(request: Request) -> str:
    """The banner's message, from the signed cookie a redirect left (never from the URL, so
    nobody can put words in the green banner with a link)."""
    return unseal_flash(request.app.state.flash_key, request.cookies.get(FLASH_COOKIE, ""))


def _with_flash(response: RedirectResponse, request: Request, message: str) -> RedirectResponse:
    if message:
        response.set_cookie(
            FLASH_COOKIE,
            seal_flash(request.app.state.flash_key, message),
            httponly=True,
            samesite="strict",
            secure=request.url.scheme == "https",
            path="/",
        )
    return response


UHandler = Callable[[UCtx], Response]
ROUTES: list[tuple[str, str, UHandler, tuple[str, ...]]] = []


def route(
    path: str, name: str, methods: tuple[str, ...] = ("GET",)
) -> Callable[[UHandler], UHandler]:
    def register(fn: UHandler) -> UHandler:
        ROUTES.append((path, name, fn, methods))
        return fn

    return register


def _latest_term(uni: University) -> Term:
    terms: set[str] = set()
    for college in uni.colleges:
        try:
            ws = Workspace(college.root)
        except YujingError:
            continue
        try:
            terms.update(t["term"] for t in ws.registry.list_terms())
        finally:
            ws.close()
    if not terms:
        raise InputError("各学院还没有任何学期的名单。")
    return Term.parse(max(terms, key=lambda t: Term.parse(t)))


async def _form(request: Request) -> tuple[dict[str, list[str]], Response | None]:
    fields: dict[str, list[str]] = {}
    if request.method != "POST":
        return fields, None
    size = request.headers.get("content-length")
    if size is None or not size.isdigit() or int(size) > MAX_UPLOAD:
        return fields, HTMLResponse(_plain("提交的内容过大（或未注明大小）。"), status_code=413)
    try:
        form = await request.form(max_files=0, max_fields=100)
    except Exception as exc:  # malformed body: a clear message, not a 500
        log.info("bad form: %s", exc)
        return fields, HTMLResponse(_plain("表单内容无法读取，请重新提交。"), status_code=400)
    for key, value in form.multi_items():
        if not isinstance(value, UploadFile):
            fields.setdefault(key, []).append(without_unprintable(str(value)))
    await form.close()
    return fields, None


def _plain(message: str) -> str:
    return (
        '<!doctype html><meta charset="utf-8"><link rel="stylesheet" href="/static/app.css">'
        f'<main class="narrow"><div class="error">{message}</div>'
        '<p><a href="javascript:history.back()">返回</a></p></main>'
    )


def upage(name: str, handler: UHandler) -> Callable[[Request], Any]:
    """Wrap a university handler: authenticate the university account, authorise by role,
    check the CSRF token of every POST, log events with the account."""

    async def endpoint(request: Request) -> Response:
        fields, refused = await _form(request)
        if refused is not None:
            return refused
        return await run_in_threadpool(_uhandle, request, name, handler, fields)

    return endpoint


_local = threading.local()


def _university(root: Path) -> University:
    """One university (one registry connection) per server thread."""
    cache: dict[Path, University] = getattr(_local, "universities", None) or {}
    _local.universities = cache
    uni = cache.get(root)
    if uni is None:
        uni = cache[root] = University(root)
    else:
        uni.reload()
    return uni


@contextlib.contextmanager
def _thread_workspace(root: Path) -> Iterator[Workspace]:
    """A college's workspace kept open in this server thread (the roll-up page reads every
    college on every request; opening 20 registries each time would cost more than reading)."""
    cache: dict[Path, Workspace] = getattr(_local, "workspaces", None) or {}
    _local.workspaces = cache
    ws = cache.get(root)
    if ws is None:
        ws = cache[root] = Workspace(root)
    yield ws


def _uhandle(
    request: Request, name: str, handler: UHandler, fields: dict[str, list[str]]
) -> Response:
    try:
        uni = _university(request.app.state.root)
    except YujingError as exc:  # university.toml unreadable: say so, plainly
        return HTMLResponse(_plain(str(exc)), status_code=500)
    try:
        found = uni.session_user(request.cookies.get(UCOOKIE, ""))
        user, session = found if found else (None, None)
        ctx = UCtx(request, uni, user, session, name, fields)
        rule = RULES[name]
        try:
            with uni.acting_as(user.name if user else "-"):
                return _uauthorised(ctx, rule, handler)
        except (AccessDeniedError, TokenError) as exc:
            return ctx.render("error.html", 403, message=str(exc))
        except YujingError as exc:
            return ctx.render("error.html", 400, message=str(exc))
    except Exception:  # a fault of ours: logged with its traceback, a plain page for the user
        log.exception("unexpected error in %s %s", request.method, request.url.path)
        return HTMLResponse(
            _plain("控制台内部出错，这次操作没有完成（已记录在服务器日志中）。"), status_code=500
        )


def _uauthorised(ctx: UCtx, rule: frozenset[str] | str, handler: UHandler) -> Response:
    request, user, session = ctx.request, ctx.user, ctx.session
    if rule == PUBLIC:
        ctx.pre_csrf = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
        expected = session.csrf if session else request.cookies.get(PRE_COOKIE, "")
        if request.method == "POST" and not _same(ctx.get("csrf"), expected):
            return ctx.render("error.html", 403, message="表单已过期，请刷新页面后重新提交。")
        return handler(ctx)
    if user is None or session is None:
        if request.method == "GET":
            return RedirectResponse(f"/login?next={quote(request.url.path)}", status_code=303)
        return ctx.render("error.html", 401, message="请先登录。")
    if user.role not in rule:
        with ctx.uni.registry.transaction():
            ctx.uni.registry.log(
                "access-denied", f"{user.name}（{user.role}）：{request.method} {request.url.path}"
            )
        return ctx.render("error.html", 403, message="您的角色无权使用此页面，此次访问已记录。")
    if request.method == "POST" and not _same(ctx.get("csrf"), session.csrf):
        return ctx.render("error.html", 403, message="表单已过期或来源不明，请刷新页面后重新提交。")
    return handler(ctx)


def _same(a: str, b: str) -> bool:
    return bool(a) and bool(b) and secrets.compare_digest(a, b)


def _signed_in(
    response: Response, cookie: str, request: Request, *, name: str, path: str
) -> Response:
    response.set_cookie(
        name, cookie, httponly=True, samesite="lax", secure=request.url.scheme == "https", path=path
    )
    return response


def _next(text: str) -> str:
    return text if text.startswith("/") and not text.startswith("//") else "/"


# -- sign-in ---------------------------------------------------------------------------------


@route("/login", "u_login", ("GET", "POST"))
def login(ctx: UCtx) -> Response:
    nxt = _next(ctx.get("next") or ctx.query("next"))
    colleges = ctx.uni.colleges
    if ctx.request.method == "GET":
        return ctx.render("login.html", next=nxt, error=ctx.query("error"), colleges=colleges)
    name = ctx.get("name")
    ip = ctx.request.client.host if ctx.request.client else ""
    try:
        user = ctx.uni.authenticate(name, ctx.get("password"), ip)
    except YujingError as exc:
        return ctx.render("login.html", 401, next=nxt, error=str(exc), name=name, colleges=colleges)
    cookie, _csrf = ctx.uni.open_session(user.name)
    return _signed_in(
        RedirectResponse(nxt, status_code=303), cookie, ctx.request, name=UCOOKIE, path="/"
    )


@route("/login/cas", "u_cas")
def cas_login(ctx: UCtx) -> Response:
    """统一身份认证: to the CAS server, and back with a ticket validated here."""
    service = service_url(ctx.request, ctx.uni.public_url, "/login/cas")
    name = cas_user(ctx.uni.cas_url, service, ctx.query("ticket"))
    if name is None:
        return RedirectResponse(cas_login_url(ctx.uni.cas_url, service), status_code=303)
    user = next((u for u in ctx.uni.users() if u.name == name and not u.disabled), None)
    if user is None:
        with ctx.uni.registry.transaction():
            ctx.uni.registry.log("login-failed", f"CAS {name}：没有同名的学校账号")
        return ctx.render(
            "login.html",
            403,
            next="/",
            colleges=ctx.uni.colleges,
            error=f"统一身份认证账号「{name}」在本系统没有学校账号；学院账号请从本学院入口登录。",
        )
    cookie, _csrf = ctx.uni.open_session(user.name)
    with ctx.uni.registry.transaction():
        ctx.uni.registry.log("login-cas", user.name)
    return _signed_in(
        RedirectResponse("/", status_code=303), cookie, ctx.request, name=UCOOKIE, path="/"
    )


@route("/logout", "u_logout", ("POST",))
def logout(ctx: UCtx) -> Response:
    ctx.uni.close_session(ctx.request.cookies.get(UCOOKIE, ""))
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(UCOOKIE, path="/")
    return response


@route("/", "u_home")
def home(ctx: UCtx) -> Response:
    target = "/u/rollup" if ctx.user.role == OFFICE else "/u/inspections"
    return RedirectResponse(target, status_code=303)


# -- the roll-up -------------------------------------------------------------------------------


@route("/u/rollup", "u_rollup")
def rollup_page(ctx: UCtx) -> Response:
    from yujing.university import ROLLUP_HEADERS, rollup_cells

    term = ctx.term()
    report = ctx.uni.rollup(term, opener=_thread_workspace)
    return ctx.render(
        "rollup.html",
        report=report,
        headers=ROLLUP_HEADERS,
        cells=rollup_cells,
        term=term,
        filings=ctx.uni.filings(),
    )


@route("/u/rollup.xlsx", "u_rollup_xlsx")
def rollup_xlsx(ctx: UCtx) -> Response:
    from yujing.university import write_rollup_xlsx

    term = ctx.term()
    out = ctx.uni.root / "rollups" / f"{term} 全校学业预警汇总.xlsx"
    out.parent.mkdir(exist_ok=True)
    write_rollup_xlsx(ctx.uni.rollup(term, opener=_thread_workspace), out)
    return _download(out)


def _download(path: Path, inline: bool = False) -> Response:
    if not path.is_file():
        raise InputError("文件不存在（可能尚未生成）。")
    disposition = "inline" if inline else "attachment"
    return FileResponse(
        path, headers={"content-disposition": f"{disposition}; filename*=UTF-8''{quote(path.name)}"}
    )


# -- a college, read-only (the office approves where the pack says so) --------------------------


@route("/u/c/{slug}", "u_college")
def college_page(ctx: UCtx) -> Response:
    slug, term = ctx.param("slug"), ctx.term()
    college = ctx.uni.college(slug)
    with ctx.uni.open_college(slug) as ws:
        head = ws.registry.list_head(term)
        report = ws.report(term) if head else None
        reports = [p.name for p in sorted((ws.root / "reports").glob(f"{term} *.docx"))]
        values: dict[str, Any] = {
            "report": report,
            "by_level": report.count_by_level() if report else {},
            "approval": ws.approval(term) if report else None,
            "approvals": ws.registry.approvals(term),
            "office_approves": ws.policy.approved_by == "university",
            "reports": reports,
        }
    return ctx.render(
        "college.html",
        college=college,
        term=term,
        filings=ctx.uni.filings(slug),
        rectifications=ctx.uni.rectifications(slug),
        **values,
    )


@route("/u/c/{slug}/list", "u_college_list")
def college_list(ctx: UCtx) -> Response:
    slug, term = ctx.param("slug"), ctx.term()
    with ctx.uni.open_college(slug) as ws:
        report = ws.report(term)
        rows = report.warned
    return ctx.render(
        "list.html", college=ctx.uni.college(slug), term=term, report=report, rows=rows
    )


@route("/u/c/{slug}/audit", "u_college_audit")
def college_audit(ctx: UCtx) -> Response:
    slug, term = ctx.param("slug"), ctx.term()
    with ctx.uni.open_college(slug) as ws:
        html = render_audit_html(ws.audit(term))
    return Response(html, media_type="text/html")


@route("/u/c/{slug}/reports/{name}", "u_college_report")
def college_report(ctx: UCtx) -> Response:
    return _download(ctx.uni.report_file(ctx.param("slug"), ctx.param("name")))


@route("/u/c/{slug}/approve", "u_approve", ("POST",))
def approve(ctx: UCtx) -> Response:
    slug, term = ctx.param("slug"), ctx.term()
    state = ctx.uni.decide_list(
        slug,
        term,
        approve=ctx.get("decision") == "approve",
        comment=ctx.get("comment"),
        account=f"{ctx.user.name}（教务处）",
    )
    text = "已审核同意" if state.decision == "approved" else "已退回，意见已记录"
    return ctx.done(f"/u/c/{slug}", text, term=str(term))


@route("/u/c/{slug}/students/{sid}", "u_folder")
def folder(ctx: UCtx) -> Response:
    slug, sid = ctx.param("slug"), ctx.param("sid")
    with ctx.uni.open_college(slug) as ws:
        student = ws.registry.student(sid)
        if student is None:
            raise InputError(f"{ctx.uni.college(slug).name}没有学号 {sid} 的学生。")
        files = ws.student_folder_files(sid)
    return ctx.render("folder.html", college=ctx.uni.college(slug), student=student, files=files)


@route("/u/c/{slug}/students/{sid}/files/{fid}", "u_folder_file")
def folder_file(ctx: UCtx) -> Response:
    slug, sid = ctx.param("slug"), ctx.param("sid")
    with ctx.uni.open_college(slug) as ws:
        path = ws.student_folder_file(sid, ctx.param("fid"))
    return _download(path, inline=path.suffix.lower() in (".pdf", ".png", ".jpg", ".jpeg"))


# -- filed term reports (报教务处备案) -----------------------------------------------------------


@route("/u/filings", "u_filings")
def filings(ctx: UCtx) -> Response:
    names = {c.slug: c.name for c in ctx.uni.colleges}
    return ctx.render("filings.html", filings=ctx.uni.filings(), names=names)


@route("/u/filings/{id}", "u_filing_file")
def filing_file(ctx: UCtx) -> Response:
    fid = ctx.param("id")
    if not fid.isdigit():
        raise InputError("没有这份备案报告。")
    return _download(ctx.uni.filing_file(int(fid)))


# -- inspections (督查) ------------------------------------------------------------------------


@route("/u/inspections", "u_inspections")
def inspections(ctx: UCtx) -> Response:
    names = {c.slug: c.name for c in ctx.uni.colleges}
    return ctx.render(
        "inspections.html",
        inspections=ctx.uni.inspections()[::-1],
        names=names,
        colleges=ctx.uni.colleges,
        rectifications=ctx.uni.rectifications(),
        today=date.today().isoformat(),
    )


@route("/u/inspections/draw", "u_draw", ("POST",))
def draw(ctx: UCtx) -> Response:
    size, seed = ctx.get("size", "5"), ctx.get("seed")
    if not size.isdigit() or (seed and not seed.isdigit()):
        raise InputError("抽样份数和随机种子应为正整数。")
    inspection = ctx.uni.draw_sample(
        ctx.get("college"), ctx.term(), int(size), seed=int(seed) if seed else None
    )
    return ctx.done(f"/u/inspections/{inspection.row.id}", f"已抽取 {inspection.row.size} 份档案")


def _inspection_id(ctx: UCtx) -> int:
    text = ctx.param("id")
    if not text.isdigit():
        raise InputError("没有这次抽查。")
    return int(text)


@route("/u/inspections/{id}", "u_inspection")
def inspection(ctx: UCtx) -> Response:
    found = ctx.uni.inspection(_inspection_id(ctx))
    return ctx.render(
        "inspection.html",
        inspection=found,
        college=ctx.uni.college(found.row.college),
        rectifications=[
            r for r in ctx.uni.rectifications(found.row.college) if r.inspection_id == found.row.id
        ],
    )


@route("/u/inspections/{id}/finding", "u_finding", ("POST",))
def finding(ctx: UCtx) -> Response:
    iid = _inspection_id(ctx)
    folder_id = ctx.get("folder")
    found = ctx.uni.inspection(iid)
    if not folder_id.isdigit() or int(folder_id) not in {f.id for f in found.folders}:
        raise InputError("这份档案不在本次抽查中。")
    ctx.uni.record_finding(int(folder_id), ctx.get("finding"))
    return ctx.done(f"/u/inspections/{iid}", "检查意见已记录")


@route("/u/inspections/{id}/deadline", "u_deadline", ("POST",))
def deadline(ctx: UCtx) -> Response:
    iid = _inspection_id(ctx)
    found = ctx.uni.inspection(iid)
    try:
        day = date.fromisoformat(ctx.get("deadline"))
    except ValueError as exc:
        raise InputError("整改期限应为日期，如 2025-01-10。") from exc
    ctx.uni.set_deadline(
        found.row.college, Term.parse(found.row.term), ctx.get("what"), day, inspection_id=iid
    )
    return ctx.done(f"/u/inspections/{iid}", f"已下达整改要求（限 {day.isoformat()} 前）")


@route("/u/rectifications/{id}/close", "u_close", ("POST",))
def close(ctx: UCtx) -> Response:
    rid = ctx.param("id")
    if not rid.isdigit():
        raise InputError("没有这条整改要求。")
    ctx.uni.close_rectification(int(rid), ctx.get("note"))
    return ctx.done("/u/inspections", "整改要求已关闭")


# == each college's console, mounted under /c/<slug> =========================================


class CollegeMount:
    """A college's console under ``/c/<slug>``: its links, redirects and cookies moved under
    the prefix on the way out; the university's college routes (:data:`COLLEGE_RULES`)
    answered here, authorised by the college's own accounts."""

    def __init__(self, uni_root: Path, slug: str, app: Starlette) -> None:
        self.uni_root, self.slug, self.app = uni_root, slug, app
        self.prefix = f"/c/{slug}"
        self.links = re.compile(
            rb'((?:href|action|src|formaction)=")/(?!/|'
            + re.escape(self.prefix[1:].encode())
            + rb"/)"
        )
        self.extra = {
            "/login/cas": ("c_cas", college_cas),
            "/university": ("c_university", college_university),
            "/university/file-report": ("c_file_report", college_file_report),
        }

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] == "http":
            rest = scope["path"][len(scope.get("root_path", "")) :] or "/"
            if rest in self.extra:
                name, handler = self.extra[rest]
                request = Request(scope, receive)
                fields, refused = await _form(request)
                if refused is None:
                    refused = await run_in_threadpool(
                        self._college_route, request, name, handler, fields
                    )
                await self._send_rewritten(refused, scope, receive, send)
                return
        if scope["type"] == "http":
            # the college's own absolute addresses (request.base_url: the student check links
            # and their QR codes) carry its prefix
            scope = {**scope, "app_root_path": scope.get("root_path", "")}
            await self.app(scope, receive, self._rewriter(send))
            return
        await self.app(scope, receive, send)

    async def _send_rewritten(
        self, response: Response, scope: Any, receive: Any, send: Any
    ) -> None:
        await response(scope, receive, self._rewriter(send))

    def _rewriter(self, send: Any) -> Any:
        prefix = self.prefix.encode()
        state: dict[str, Any] = {"html": False, "start": None, "body": b""}

        async def wrapped(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = []
                for k, v in message.get("headers", []):
                    if (
                        k == b"location"
                        and v.startswith(b"/")
                        and not v.startswith(prefix + b"/")
                        and v != prefix
                    ):
                        v = prefix + v
                    elif k == b"set-cookie":
                        v = re.sub(rb"(?i)path=/(;|$)", b"Path=" + prefix + rb"\1", v)
                    elif k == b"content-type" and v.startswith(b"text/html"):
                        state["html"] = True
                    headers.append((k, v))
                message = {**message, "headers": headers}
                if state["html"]:
                    state["start"] = message
                    return
                await send(message)
                return
            if message["type"] == "http.response.body" and state["html"]:
                state["body"] += message.get("body", b"")
                if message.get("more_body"):
                    return
                body = self.links.sub(rb"\1" + prefix + b"/", state["body"])
                start = state["start"]
                headers = [(k, v) for k, v in start["headers"] if k != b"content-length"]
                headers.append((b"content-length", str(len(body)).encode()))
                await send({**start, "headers": headers})
                await send({"type": "http.response.body", "body": body})
                return
            await send(message)

        return wrapped

    def _college_route(
        self,
        request: Request,
        name: str,
        handler: Callable[..., Response],
        fields: dict[str, list[str]],
    ) -> Response:
        uni = University(self.uni_root)
        ws = Workspace(uni.college(self.slug).root)
        try:
            found = ws.session_user(request.cookies.get(COLLEGE_COOKIE, ""))
            user, session = found if found else (None, None)
            rule = COLLEGE_RULES[name]
            env: Environment = self.app.state.env
            page = _CollegePage(request, uni, ws, user, session, self.slug, fields, env)
            if rule != PUBLIC:
                if user is None or session is None:
                    if request.method == "GET":
                        return RedirectResponse(
                            f"/login?next={quote(request.url.path)}", status_code=303
                        )
                    return page.render("error.html", 401, message="请先登录。")
                if user.role not in rule:
                    ws.deny(user, f"{request.method} {request.url.path}")
                    return page.render(
                        "error.html", 403, message="您的角色无权使用此页面，此次访问已记录。"
                    )
                if request.method == "POST" and not _same(page.get("csrf"), session.csrf):
                    ws.deny(user, f"CSRF {request.url.path}")
                    return page.render(
                        "error.html", 403, message="表单已过期或来源不明，请刷新页面后重新提交。"
                    )
            try:
                with (
                    ws.acting_as(user.name if user else "-"),
                    uni.acting_as(f"{user.name}（{ws.school}）" if user else "-"),
                ):
                    return handler(page)
            except (AccessDeniedError, TokenError) as exc:
                return page.render("error.html", 403, message=str(exc))
            except YujingError as exc:
                return page.render("error.html", 400, message=str(exc))
        except Exception:
            log.exception("unexpected error in %s %s", request.method, request.url.path)
            return HTMLResponse(
                _plain("控制台内部出错，这次操作没有完成（已记录在服务器日志中）。"),
                status_code=500,
            )
        finally:
            ws.close()
            uni.close()


@dataclass
class _CollegePage:
    """A request to one of the university's routes of a college console."""

    request: Request
    uni: University
    ws: Workspace
    user: Any
    session: Any
    slug: str
    fields: dict[str, list[str]]
    env: Environment

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0].strip() if values else default

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        html = self.env.get_template(template).render(
            user=self.user,
            roles=COLLEGE_ROLES,
            csrf=self.session.csrf if self.session else "",
            route="c_university",
            steps=(),
            school=self.ws.school,
            msg=_flash(self.request),
            can=self.can,
            **values,
        )
        return HTMLResponse(html, status_code=status)

    def can(self, action: str, resource: Any = None) -> bool:
        """The college page's buttons by the one rule of :mod:`yujing.roles`."""
        return allowed(self.user, action, resource)


def college_cas(page: _CollegePage) -> Response:
    """A college account signs in through the university's CAS (or the college's own
    ``[web] cas_url``); the CAS user id must be one of the college's accounts."""
    cas_url = _college_cas_url(page.ws, page.uni)
    prefix = f"/c/{page.slug}"
    public = page.uni.public_url
    service = service_url(page.request, public, f"{prefix}/login/cas")
    name = cas_user(cas_url, service, page.request.query_params.get("ticket", ""))
    if name is None:
        return RedirectResponse(cas_login_url(cas_url, service), status_code=303)
    user = page.ws.registry.user(name)
    if user is None or user.disabled:
        with page.ws.registry.transaction():
            page.ws.registry.log("login-failed", f"CAS {name}：没有同名账号")
        return page.render(
            "error.html",
            403,
            message=f"统一身份认证账号「{name}」在{page.ws.school}没有账号，请联系教学秘书添加。",
        )
    cookie, _csrf = page.ws.open_session(user.name)
    with page.ws.registry.transaction():
        page.ws.registry.log("login-cas", user.name)
    return _signed_in(
        RedirectResponse("/", status_code=303), cookie, page.request, name=COLLEGE_COOKIE, path="/"
    )


def _college_cas_url(ws: Workspace, uni: University) -> str:
    """The college's own CAS server (its ``yujing.toml``), else the university's."""
    return ws.cas_url or uni.cas_url


def college_university(page: _CollegePage) -> Response:
    """The college's view of the university: rectification orders and filed reports."""
    return page.render(
        "university/college_side.html",
        rectifications=page.uni.rectifications(page.slug),
        filings=page.uni.filings(page.slug),
        terms=[t["term"] for t in page.ws.registry.list_terms()],
        today=date.today().isoformat(),
    )


def college_file_report(page: _CollegePage) -> Response:
    term = Term.parse(page.get("term"))
    filing = page.uni.file_report(page.slug, term)
    with page.ws.registry.transaction():
        page.ws.registry.log("report-filed", f"{filing.report} 报教务处备案", term=str(term))
    return _with_flash(
        RedirectResponse("/university", status_code=303),
        page.request,
        f"已报教务处备案：{filing.report}",
    )


def college_notices(uni_root: Path, slug: str) -> Callable[[], list[Any]]:
    """What a college's pages show at the top: its open rectification orders (限期整改)."""

    def notices() -> list[Any]:
        return _university(uni_root).rectifications(slug, open_only=True)

    return notices


def _warm_rollup(root: Path) -> None:
    """Compute the latest term's roll-up once at start-up, so the 教务处's first page is warm."""
    uni = University(root)
    try:
        uni.rollup(_latest_term(uni))
    except YujingError as exc:
        log.info("roll-up not warmed: %s", exc)
    finally:
        uni.close()


# == the app ====================================================================================


def create_university_app(root: Path, *, worker: bool = True) -> Starlette:
    """Every college of the university folder ``root`` under one address."""
    root = Path(root).resolve()
    uni = University(root)
    colleges = uni.colleges
    uni.close()
    routes: list[BaseRoute] = [
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="u_static")
    ]
    for path, name, handler, methods in ROUTES:
        routes.append(Route(path, upage(name, handler), methods=list(methods), name=name))
    missing = [r.name for r in routes if isinstance(r, Route | Mount) and r.name not in RULES]
    if missing:
        raise RuntimeError(f"routes without a permission rule: {missing}")
    college_apps: dict[str, Starlette] = {}
    for college in colleges:
        app = create_app(college.root, worker=False)
        app.state.env.globals["university_notices"] = college_notices(root, college.slug)
        ws = Workspace(college.root)
        app.state.env.globals["cas_enabled"] = bool(_college_cas_url(ws, uni))
        ws.close()
        college_apps[college.slug] = app
        routes.append(Mount(f"/c/{college.slug}", app=CollegeMount(root, college.slug, app)))
    state: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if worker:
            workers = []
            for college in colleges:
                ws = Workspace(college.root)
                ws.registry.interrupt_running_jobs()
                ws.close()
                w = Workers(college.root)
                w.start()
                college_apps[college.slug].state.wake = w.wake
                workers.append(w)
            state["workers"] = workers
            threading.Thread(target=_warm_rollup, args=(root,), daemon=True).start()
        yield
        for w in state.get("workers", []):
            w.stop()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.root = root
    app.state.flash_key = secrets.token_bytes(32)  # signs the banner's cookie (per process)
    for college_app in college_apps.values():  # one key, whichever app a request reaches
        college_app.state.flash_key = app.state.flash_key
    app.state.env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    app.state.colleges = college_apps
    app.add_middleware(_SecurityHeaders)
    return app
