"""One request as a route handler sees it (请求上下文): the workspace, the signed-in account
and its session, the form's fields and files, and how to answer (render a page, redirect
with a message). Shared by the app (:mod:`yujing.web.app`), which builds it, and the
handlers (:mod:`yujing.web.views`), which use it."""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

from jinja2 import Environment
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse, Response

from yujing.errors import YujingError
from yujing.model import Term
from yujing.workspace import ROLES, Resource, SessionRow, UserRow, Workspace, allowed

COOKIE = "yj_session"
"""The session cookie (HttpOnly, SameSite=Lax; the registry keeps only its hash)."""
PRE_COOKIE = "yj_csrf"
"""The CSRF token of a visitor not signed in (the sign-in page, a student's check link)."""
FLASH_COOKIE = "yj_flash"
"""The green banner's message after a redirect (提示), carried in a cookie signed with the
app's own key and read once; never in the URL, so no link can put words in the banner."""
STEPS = (
    ("list", "名单"),
    ("approve", "审核"),
    ("freeze", "冻结"),
    ("print", "打印"),
    ("scans", "回收"),
    ("audit", "检查"),
    ("reports", "报告"),
)
"""The secretary's steps of a term, in order, as the navigation shows them."""


@dataclass
class Ctx:
    """One request as a handler sees it."""

    request: Request
    ws: Workspace
    user: UserRow | None
    session: SessionRow | None
    route: str
    fields: dict[str, list[str]] = field(default_factory=dict)
    files: list[tuple[str, str, bytes]] = field(default_factory=list)
    pre_csrf: str = ""
    error: str = ""
    """A refused form's message, shown on the form itself (:func:`yujing.web.views_term.form`)."""
    error_field: str = ""

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0].strip() if values else default

    def getall(self, name: str) -> list[str]:
        return [v.strip() for v in self.fields.get(name, []) if v.strip()]

    def param(self, name: str) -> str:
        return str(self.request.path_params.get(name, ""))

    def query(self, name: str, default: str = "") -> str:
        return self.request.query_params.get(name, default)

    @property
    def term(self) -> Term | None:
        text = self.get("term") or self.query("term")
        if text:
            try:
                return Term.parse(text)
            except ValueError:
                return None
        terms = self.ws.registry.list_terms()
        return Term.parse(terms[0]["term"]) if terms else None

    def need_term(self) -> Term:
        term = self.term
        if term is None:
            raise YujingError("还没有任何学期的名单：请先导入成绩并生成名单（名单 → 评估）。")
        return term

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        env: Environment = self.request.app.state.env
        html = env.get_template(template).render(
            user=self.user,
            roles=ROLES,
            csrf=self.session.csrf if self.session else self.pre_csrf,
            route=self.route,
            steps=STEPS,
            school=self.ws.school,
            msg=self.flash,
            url=self.url,
            can=self.can,
            status_code=status,
            **{**self._page_context(values), **values},
        )
        response = HTMLResponse(html, status_code=status)
        if FLASH_COOKIE in self.request.cookies:
            response.delete_cookie(FLASH_COOKIE, path="/")
        if self.pre_csrf and self.session is None:
            response.set_cookie(
                PRE_COOKIE, self.pre_csrf, httponly=True, samesite="strict", path="/"
            )
        return response

    def can(self, action: str, resource: Resource = None) -> bool:
        """Whether the signed-in account may take ``action`` (templates show or hide buttons
        by it; the one rule of :mod:`yujing.roles`)."""
        return allowed(self.user, action, resource)

    def _page_context(self, values: dict[str, Any]) -> dict[str, Any]:
        """What every page may show: the refused form's error and input, the term picker's
        terms, the role's next step of the term."""
        from yujing.web.words import PICKS_TERM, STEP_PAGES

        extra: dict[str, Any] = {
            "form_error": self.error,
            "error_field": self.error_field,
            "form": {k: v[0] for k, v in self.fields.items() if v and k != "csrf"},
            "form_route": self.route if self.error else "",
            "terms": [],
            "next_step": None,
            "step_pages": STEP_PAGES,
        }
        if self.user is None or values.get("message"):
            return extra
        if self.route in PICKS_TERM:
            extra["terms"] = [t["term"] for t in self.ws.registry.list_terms()]
        term = values.get("term", self.term)
        try:
            extra["next_step"] = self.ws.next_step(self.user, term)
        except YujingError:
            extra["next_step"] = None
        return extra

    def url(self, name: str, **params: Any) -> str:
        query = params.pop("_query", None)
        path = str(self.request.app.url_path_for(name, **{k: str(v) for k, v in params.items()}))
        if query:
            path += "?" + "&".join(f"{k}={quote(str(v))}" for k, v in query.items() if v != "")
        return path

    @property
    def flash(self) -> str:
        """The message :meth:`done` left for this page ("" when none or not signed by us)."""
        cookie = self.request.cookies.get(FLASH_COOKIE, "")
        return unseal_flash(self.request.app.state.flash_key, cookie)

    def done(self, name: str, message: str = "", **params: Any) -> RedirectResponse:
        query = params.pop("_query", {}) or {}
        response = RedirectResponse(self.url(name, _query=query, **params), status_code=303)
        if message:
            response.set_cookie(
                FLASH_COOKIE,
                seal_flash(self.request.app.state.flash_key, message),
                httponly=True,
                samesite="strict",
                secure=self.request.url.scheme == "https",
                path="/",
            )
        return response


def seal_flash(key: bytes, message: str) -> str:
    """``message`` as a cookie value: base64 of its UTF-8 and an HMAC of it under ``key``."""
    body = base64.urlsafe_b64encode(message[:500].encode("utf-8")).decode("ascii")
    return f"{body}.{hmac.new(key, body.encode('ascii'), hashlib.sha256).hexdigest()}"


def unseal_flash(key: bytes, value: str) -> str:
    """The message of a :func:`seal_flash` cookie, or "" when it was not made with ``key``."""
    body, _, mac = value.partition(".")
    expected = hmac.new(key, body.encode("ascii", "replace"), hashlib.sha256).hexdigest()
    if not body or not hmac.compare_digest(mac, expected):
        return ""
    try:
        return base64.urlsafe_b64decode(body.encode("ascii")).decode("utf-8")
    except (ValueError, UnicodeDecodeError):
        return ""


Handler = Callable[[Ctx], Response]


def csp(*scripts: str) -> str:
    """The console's Content-Security-Policy: scripts only from the app's own static files
    (no inline script, no ``javascript:`` link), plus the hashes in ``scripts`` for a page
    that carries a known script of its own (the audit report)."""
    extra = "".join(f" '{s}'" for s in scripts)
    return (
        f"default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; "
        f"script-src 'self'{extra}; object-src 'none'; base-uri 'none'; "
        "form-action 'self'; frame-ancestors 'self'"
    )
