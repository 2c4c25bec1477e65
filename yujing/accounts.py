"""Accounts of the web console (账号): passwords (argon2), sign-in throttling, sessions,
and whose students an account may see (名下学生: a counsellor's by the roster's 辅导员, a class
teacher's by 班主任 or classes). The SQL is in the registry."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from yujing.errors import (
    AccessDeniedError,
    AccountError,
    LoginThrottledError,
)
from yujing.registry import (
    SessionRow,
    UserRow,
    now,
)

if TYPE_CHECKING:
    from collections.abc import Sequence

    from yujing.stage import WorkspaceView

ROLES = {
    "secretary": "教学秘书/教务员",
    "reviewer": "审核人（教学副院长）",
    "counsellor": "辅导员",
    "class-teacher": "班主任",
    "inspector": "检查（学院领导/教务处）",
}
"""Roles of the console (角色)."""


ADVISER_ROLES = frozenset({"counsellor", "class-teacher"})


MIN_PASSWORD = 8


LOGIN_WINDOW = timedelta(minutes=15)


LOGIN_MAX_FAILURES = 5


SESSION_HOURS = 10


def token_digest(text: str) -> str:
    """The stored form of a secret the browser holds (session cookie, check link): sha256."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _hasher() -> Any:
    from argon2 import PasswordHasher

    return PasswordHasher()


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise AccountError(f"密码至少 {MIN_PASSWORD} 位。")


def add_user(
    ws: WorkspaceView,
    name: str,
    *,
    role: str,
    password: str,
    roster_name: str = "",
    classes: Sequence[str] = (),
) -> UserRow:
    name = name.strip()
    if not name or any(c in name for c in "/\\\n\r\t<>\"'"):
        raise AccountError("账号名不能为空，也不能含有 / \\ < > 引号或换行。")
    if role not in ROLES:
        raise AccountError(f"角色应为 {'、'.join(ROLES)} 之一。")
    if ws.registry.user(name) is not None:
        raise AccountError(f"账号 {name} 已存在；改密码用 yujing user passwd {name}。")
    if role in ADVISER_ROLES and not roster_name and not classes:
        raise AccountError(
            f"{ROLES[role]}账号须给出名单中的姓名，或给出所带班级。",
            field="roster_name",
            cli="（--counsellor 姓名，或 --class 班级）",
        )
    _check_password(password)
    registry = ws.registry
    with registry.transaction():
        registry.save_user(
            {
                "name": name,
                "role": role,
                "roster_name": roster_name.strip(),
                "classes": "\n".join(c.strip() for c in classes if c.strip()),
                "password_hash": _hasher().hash(password),
                "disabled": 0,
                "created_at": now(),
            }
        )
        registry.log("user-add", f"{name}（{ROLES[role]}）")
    user = registry.user(name)
    assert user is not None
    return user


def set_password(ws: WorkspaceView, name: str, password: str) -> None:
    registry = ws.registry
    if registry.user(name) is None:
        raise AccountError(f"没有账号 {name}。")
    _check_password(password)
    with registry.transaction():
        registry.save_user({"name": name, "password_hash": _hasher().hash(password)})
        registry.delete_sessions(user=name)
        registry.log("user-passwd", name)


def disable_user(ws: WorkspaceView, name: str) -> None:
    registry = ws.registry
    if registry.user(name) is None:
        raise AccountError(f"没有账号 {name}。")
    with registry.transaction():
        registry.save_user({"name": name, "disabled": 1})
        registry.delete_sessions(user=name)
        registry.log("user-disable", name)


def users(ws: WorkspaceView) -> list[UserRow]:
    return ws.registry.users()


def authenticate(ws: WorkspaceView, name: str, password: str, ip: str = "") -> UserRow:
    """Check a sign-in; after LOGIN_MAX_FAILURES failures in LOGIN_WINDOW for the account
    or the address, refuse until the window has passed (登录限流)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    registry = ws.registry
    since = (datetime.now() - LOGIN_WINDOW).isoformat(timespec="seconds")
    if registry.failed_logins_since(name, ip, since) >= LOGIN_MAX_FAILURES:
        registry.add_login_attempt(name, ip, False)
        registry.log("login-throttled", f"{name} {ip}")
        raise LoginThrottledError(
            f"登录失败次数过多，请 {int(LOGIN_WINDOW.total_seconds() // 60)} 分钟后再试。"
        )
    user = registry.user(name)
    stored = registry.password_hash(name)
    ok = False
    if user is not None and stored and not user.disabled:
        try:
            ok = _hasher().verify(stored, password)
        except (VerificationError, InvalidHashError):
            ok = False
    else:
        _hasher().hash(password)  # the same work, so a missing name is not faster
    registry.add_login_attempt(name, ip, ok)
    if not ok or user is None:
        registry.log("login-failed", f"{name} {ip}")
        raise AccountError("账号或密码不对，或账号已停用。")
    return user


def open_session(ws: WorkspaceView, name: str) -> tuple[str, str]:
    """A new session for ``name``: (cookie value, CSRF token); only a hash is stored."""
    cookie, csrf = secrets.token_urlsafe(32), secrets.token_urlsafe(32)
    expires = (datetime.now() + timedelta(hours=SESSION_HOURS)).isoformat(timespec="seconds")
    registry = ws.registry
    with registry.transaction():
        registry.add_session(token_digest(cookie), name, csrf, expires)
        registry.log("login", name)
    return cookie, csrf


def session_user(ws: WorkspaceView, cookie: str) -> tuple[UserRow, SessionRow] | None:
    if not cookie:
        return None
    session = ws.registry.session(token_digest(cookie))
    if session is None:
        return None
    user = ws.registry.user(session.user)
    return (user, session) if user is not None and not user.disabled else None


def close_session(ws: WorkspaceView, cookie: str) -> None:
    with ws.registry.transaction():
        ws.registry.delete_sessions(digest=token_digest(cookie))


def students_of(ws: WorkspaceView, user: UserRow) -> set[str] | None:
    """The 学号 an adviser may see (None: every student, for the other roles)."""
    if user.role not in ADVISER_ROLES:
        return None
    name = user.roster_name
    return ws.registry.students_of(
        counsellor=name if user.role == "counsellor" else "",
        class_teacher=name if user.role == "class-teacher" else "",
        classes=user.classes,
    )


def check_student(ws: WorkspaceView, user: UserRow, student_id: str, what: str = "") -> None:
    """Refuse (and log) an adviser asking for a student who is not theirs."""
    allowed = students_of(ws, user)
    if allowed is None or student_id in allowed:
        return
    with ws.registry.transaction():
        ws.registry.log(
            "access-denied", f"{user.name}：{what or '学生档案'}", student_id=student_id
        )
    raise AccessDeniedError(f"学号 {student_id} 不是您名下的学生，无权查看或操作。")


def deny(ws: WorkspaceView, user: UserRow, what: str) -> None:
    with ws.registry.transaction():
        ws.registry.log("access-denied", f"{user.name}（{ROLES.get(user.role, user.role)}）：{what}")
