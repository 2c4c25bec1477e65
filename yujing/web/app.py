"""The console's ASGI app (Starlette): sessions, CSRF, role rules, the thread-local workspace,
the background workers (:mod:`yujing.web.jobs`). Route handlers live in :mod:`yujing.web.views`; each one parses the
request, calls the workspace (the same methods the CLI calls) and renders a template.
"""

from __future__ import annotations

import contextlib
import logging
import secrets
import threading
from collections.abc import AsyncIterator, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import UploadFile
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from yujing.errors import AccessDeniedError, TokenError, YujingError
from yujing.model import without_unprintable
from yujing.web import words
from yujing.web.context import COOKIE, PRE_COOKIE, Ctx, Handler, csp
from yujing.web.jobs import Workers
from yujing.web.permissions import PUBLIC, RULES, action_of, allowed
from yujing.workspace import Workspace

HERE = Path(__file__).parent
MAX_UPLOAD = 60 * 1024 * 1024
"""Largest request body accepted (a phone photo or a scanner's multi-page PDF)."""
MAX_ANONYMOUS = 64 * 1024
"""Largest request body of a visitor not signed in (the sign-in form, a student's check
form): refused from its Content-Length before a byte of it is read."""
log = logging.getLogger("yujing.web")

_local = threading.local()


def _workspace(root: Path) -> Workspace:
    """One workspace (one SQLite connection) per server thread."""
    cache: dict[Path, Workspace] = getattr(_local, "workspaces", None) or {}
    _local.workspaces = cache
    ws = cache.get(root)
    if ws is None:
        ws = cache[root] = Workspace(root)
    return ws


def page(name: str, handler: Handler) -> Callable[[Request], Any]:
    """Wrap a synchronous handler: read the body, authenticate, authorise by role, check the
    CSRF token of every POST, run in a worker thread with the account logged on events."""

    async def endpoint(request: Request) -> Response:
        fields: dict[str, list[str]] = {}
        files: list[tuple[str, str, bytes]] = []
        if request.method == "POST":
            size = request.headers.get("content-length", "")
            if not (size.isascii() and size.isdigit()):
                return HTMLResponse(_plain("请求未注明大小，未处理。"), status_code=411)
            if int(size) > MAX_ANONYMOUS and not await _signed_in(request):
                return HTMLResponse(
                    _plain("请求内容过大：请先登录再上传文件。"), status_code=413
                )
            if int(size) > MAX_UPLOAD:
                return HTMLResponse(
                    _plain("上传的内容过大：每次最多 60 MB。请分批上传。"),
                    status_code=413,
                )
            try:
                form = await request.form(max_files=50, max_fields=500)
            except Exception as exc:  # malformed multipart: a clear message, not a 500
                log.info("bad form: %s", exc)
                return HTMLResponse(_plain("表单内容无法读取，请重新提交。"), status_code=400)
            for key, value in form.multi_items():
                if isinstance(value, UploadFile):
                    if value.filename:
                        files.append((key, value.filename, await value.read()))
                else:
                    fields.setdefault(key, []).append(without_unprintable(str(value)))
            await form.close()
        return await run_in_threadpool(_handle, request, name, handler, fields, files)

    return endpoint


async def _signed_in(request: Request) -> bool:
    """Whether the request carries a live session (looked up before its body is read)."""
    cookie = request.cookies.get(COOKIE, "")
    if not cookie:
        return False
    root = request.app.state.root
    found = await run_in_threadpool(lambda: _workspace(root).session_user(cookie))
    return found is not None


def _plain(message: str) -> str:
    return (
        '<!doctype html><meta charset="utf-8"><link rel="stylesheet" href="/static/app.css">'
        f'<main class="narrow"><div class="error">{message}</div>'
        '<p><a href="/">返回首页</a></p></main>'
    )


def _handle(
    request: Request,
    name: str,
    handler: Handler,
    fields: dict[str, list[str]],
    files: list[tuple[str, str, bytes]],
) -> Response:
    ws = _workspace(request.app.state.root)
    found = ws.session_user(request.cookies.get(COOKIE, ""))
    user, session = found if found else (None, None)
    ctx = Ctx(request, ws, user, session, name, fields, files)
    rule = RULES[action_of(name)]
    try:
        with ws.acting_as(user.name if user else "-"):
            return _authorised(ctx, rule, handler)
    except AccessDeniedError as exc:
        return ctx.render("error.html", 403, message=exc.for_people())
    except TokenError as exc:
        return ctx.render("error.html", 403, message=exc.for_people())
    except YujingError as exc:
        return ctx.render("error.html", 400, message=exc.for_people())
    except Exception:  # a fault of ours: logged with its traceback, a plain page for the user
        log.exception("unexpected error in %s %s", request.method, request.url.path)
        message = "控制台内部出错，这次操作没有完成（已记录在服务器日志中）。请稍后重试或联系管理员。"
        try:
            return ctx.render("error.html", 500, message=message)
        except Exception:  # the fault is in rendering itself
            return HTMLResponse(_plain(message), status_code=500)


def _authorised(ctx: Ctx, rule: frozenset[str] | str, handler: Handler) -> Response:
    request, ws, user, session, fields = ctx.request, ctx.ws, ctx.user, ctx.session, ctx.fields
    if rule == PUBLIC:
        ctx.pre_csrf = request.cookies.get(PRE_COOKIE) or secrets.token_urlsafe(24)
        expected = session.csrf if session else request.cookies.get(PRE_COOKIE, "")
        if request.method == "POST" and not _same(fields.get("csrf", [""])[0], expected):
            return ctx.render("error.html", 403, message="表单已过期，请刷新页面后重新提交。")
        return handler(ctx)
    if user is None or session is None:
        if request.method == "GET":
            return RedirectResponse(f"/login?next={quote(str(request.url.path))}", status_code=303)
        return ctx.render("error.html", 401, message="请先登录。")
    if not allowed(user, action_of(ctx.route)):
        ws.deny(user, f"{request.method} {request.url.path}")
        return ctx.render("error.html", 403, message="您的角色无权使用此页面，此次访问已记录。")
    if request.method == "POST" and not _same(fields.get("csrf", [""])[0], session.csrf):
        ws.deny(user, f"CSRF {request.url.path}")
        return ctx.render("error.html", 403, message="表单已过期或来源不明，请刷新页面后重新提交。")
    return handler(ctx)


def _same(a: str, b: str) -> bool:
    return bool(a) and bool(b) and secrets.compare_digest(a, b)


def _security_headers(app: Any) -> Any:
    async def wrapped(scope: Any, receive: Any, send: Any) -> None:
        async def send_with_headers(message: Any) -> None:
            if message["type"] == "http.response.start":
                headers = list(message.get("headers", []))
                if not any(k.lower() == b"content-security-policy" for k, _ in headers):
                    headers.append((b"content-security-policy", csp().encode("ascii")))
                headers += [
                    (b"x-content-type-options", b"nosniff"),
                    (b"x-frame-options", b"SAMEORIGIN"),
                    (b"referrer-policy", b"no-referrer"),
                    (b"cache-control", b"no-store"),
                ]
                message = {**message, "headers": headers}
            await send(message)

        await app(scope, receive, send_with_headers)

    return wrapped


def uvicorn_proxy_options(ws: Workspace) -> dict[str, Any]:
    """uvicorn's proxy settings from ``[web] trusted_proxies``: forwarded headers are read
    only from those addresses; with none configured they are not read at all (a client
    cannot pick the address its sign-in failures are counted under)."""
    proxies = ws.trusted_proxies
    if not proxies:
        return {"proxy_headers": False}
    return {"proxy_headers": True, "forwarded_allow_ips": ",".join(proxies)}


def create_app(root: Path, *, worker: bool = True) -> Starlette:
    """The console over the workspace at ``root``."""
    from yujing.web import archive_views, views, views_term  # noqa: F401  (they register their routes)
    from yujing.web.routing import ROUTES

    root = Path(root).resolve()
    opened = Workspace(root)  # fails early (WorkspaceError) when root is not a workspace
    cas = bool(opened.cas_url)
    opened.close()
    routes: list[BaseRoute] = [
        Mount("/static", app=StaticFiles(directory=HERE / "static"), name="static")
    ]
    for path, name, handler, methods in ROUTES:
        routes.append(Route(path, page(name, handler), methods=list(methods), name=name))
    missing = [r.name for r in routes if isinstance(r, Route | Mount) and action_of(r.name or "") not in RULES]
    if missing:
        raise RuntimeError(f"routes without a permission rule: {missing}")
    state: dict[str, Any] = {}

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        if worker:
            ws = Workspace(root)
            ws.registry.interrupt_running_jobs()
            ws.close()
            state["workers"] = Workers(root)
            state["workers"].start()
        yield
        if "workers" in state:
            state["workers"].stop()

    app = Starlette(routes=routes, lifespan=lifespan)
    app.state.root = root
    app.state.flash_key = secrets.token_bytes(32)  # signs the banner's cookie (per process)
    app.state.env = Environment(
        loader=FileSystemLoader(HERE / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    app.state.env.globals["cas_enabled"] = cas  # the sign-in page's 统一身份认证登录 button
    words.install(app)
    app.state.wake = lambda: state["workers"].wake() if "workers" in state else None
    app.add_middleware(_SecurityHeaders)
    return app


class _SecurityHeaders:
    def __init__(self, app: Any) -> None:
        self.app = _security_headers(app)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        await self.app(scope, receive, send)
