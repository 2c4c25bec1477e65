"""Sign-in through the university's 统一身份认证 (CAS 2.0/3.0) with python-cas, the client
django-cas-ng uses: the browser goes to the CAS server's login page with this console's
``service`` URL and comes back with a service ticket, which the server (never the browser)
validates at the CAS server's ``/p3/serviceValidate``. CAS says who someone is; the CAS user id
must be the name of an existing account, whose role says what they may do. A ticket the CAS
server does not confirm for exactly this service (forged, used already, or issued for another
service) signs nobody in.
"""

from __future__ import annotations

import logging
import re

from starlette.requests import Request
from starlette.responses import RedirectResponse, Response

from yujing.errors import AccountError, InputError
from yujing.web.context import COOKIE, Ctx

log = logging.getLogger("yujing.web")

CAS_VERSION = 3
"""CAS protocol of ``/p3/serviceValidate`` (CAS 3.0; a CAS 2.0 server answers the same XML)."""


def service_url(request: Request, public_url: str, path: str) -> str:
    """This console's own address of ``path`` (the CAS ``service``): ``[web] public_url`` when
    set (behind a proxy), else the address the browser used."""
    base = public_url or f"{request.url.scheme}://{request.url.netloc}"
    return base.rstrip("/") + path


def cas_login_url(cas_url: str, service: str) -> str:
    if not cas_url:
        raise InputError("本校未设置统一身份认证（university.toml 的 [web] cas_url）。")
    from cas import CASClient

    client = CASClient(
        version=CAS_VERSION, service_url=service, server_url=cas_url.rstrip("/") + "/"
    )
    return str(client.get_login_url())


def cas_user(cas_url: str, service: str, ticket: str) -> str | None:
    """The CAS user id the server vouches for, given the ticket it issued for ``service``;
    None when there is no ticket yet. A ticket the server does not confirm for this service
    (forged, used, or issued for another service) is refused with an error."""
    if not cas_url:
        raise InputError("本校未设置统一身份认证（university.toml 的 [web] cas_url）。")
    if not ticket:
        return None
    if len(ticket) > 256 or not re.fullmatch(r"[A-Za-z0-9._\-]+", ticket):
        raise AccountError("统一身份认证的票据无效，未登录。")
    from cas import CASClient

    client = CASClient(
        version=CAS_VERSION, service_url=service, server_url=cas_url.rstrip("/") + "/"
    )
    try:
        user, _attributes, _pgt = client.verify_ticket(ticket)
    except Exception as exc:  # network, XML: the sign-in fails with a message
        log.warning("CAS validation failed: %s", exc)
        raise AccountError("无法连接统一身份认证服务器验证票据，未登录。请稍后再试。") from exc
    if not user:
        raise AccountError(
            "统一身份认证未确认此票据（票据无效、已用过或不是签发给本系统的），未登录。"
        )
    return str(user)


def college_sign_in(ctx: Ctx) -> Response:
    """``/login/cas`` of a college's own console (``[web] cas_url`` in its ``yujing.toml``):
    the CAS user id must be one of the college's accounts."""
    ws = ctx.ws
    service = service_url(ctx.request, ws.public_url, ctx.request.url.path)
    name = cas_user(ws.cas_url, service, ctx.query("ticket"))
    if name is None:
        return RedirectResponse(cas_login_url(ws.cas_url, service), status_code=303)
    user = ws.registry.user(name)
    if user is None or user.disabled:
        with ws.registry.transaction():
            ws.registry.log("login-failed", f"CAS {name}：没有同名账号")
        return ctx.render(
            "error.html",
            403,
            message=f"统一身份认证账号「{name}」在{ws.school}没有账号，请联系教学秘书添加。",
        )
    cookie, _csrf = ws.open_session(user.name)
    with ws.registry.transaction():
        ws.registry.log("login-cas", user.name)
    response = RedirectResponse("/", status_code=303)
    response.set_cookie(
        COOKIE,
        cookie,
        httponly=True,
        samesite="lax",
        secure=ctx.request.url.scheme == "https",
        path="/",
    )
    return response
