"""How the console speaks (用语): the Jinja filters over :mod:`yujing.labels` (``label``,
``when``), the styled pages for an unknown address and a refused method (404/405), and the
term picker's list of terms. Installed on the app by :func:`install`."""

from __future__ import annotations

from typing import Any

from jinja2 import Environment
from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from yujing.workspace import label, when

STEP_PAGES = {
    "import-roster": "/imports",
    "assess": "/imports",
    "objections": "/objections",
    "review-window": "/list",
    "wait-approval": "/list",
    "freeze": "/list#freeze",
    "issue": "/print",
    "review": "/review",
    "signatures": "/signatures",
    "audit": "/audit",
    "approve": "/list",
    "my": "/my",
}
"""Where each next step (:mod:`yujing.nextstep`) is done in the console."""
PICKS_TERM = frozenset(
    {"slips", "objections", "print", "audit", "reports", "students", "my", "transcripts"}
)
"""The pages that show one term's state: they carry the term picker (the list page has its
own, beside its title)."""
MISSING_PAGE = "没有这个页面：地址可能输错了，或页面已经移走。"
WRONG_METHOD = "这个地址不能这样打开：请从页面上的按钮或链接进入。"


def install(app: Starlette) -> None:
    """The filters on the app's template environment and the styled 404/405 pages."""
    env: Environment = app.state.env
    env.filters["label"] = label
    env.filters["when"] = when
    env.filters["tel"] = tel_href

    async def http_error(request: Request, exc: Exception) -> Response:
        code = exc.status_code if isinstance(exc, HTTPException) else 500
        message = {404: MISSING_PAGE, 405: WRONG_METHOD}.get(code, "这个请求无法完成。")
        return HTMLResponse(error_page(env, message, status_code=code), status_code=code)

    app.add_exception_handler(HTTPException, http_error)


def error_page(env: Environment, message: str, **values: Any) -> str:
    """The error page (403/404/500) without a request's context: no account shown."""
    return env.get_template("error.html").render(
        user=None, csrf="", route="", msg="", school="", message=message, **values
    )


def tel_href(phone: object) -> str:
    """A ``tel:`` link for a phone number as the roster writes it (spaces and dashes out)."""
    digits = "".join(c for c in str(phone or "") if c.isdigit() or c == "+")
    return f"tel:{digits}" if digits else ""
