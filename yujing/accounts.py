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
    RosterMismatchError,
)
from yujing.imports.values import INVISIBLE, invisible_in
from yujing.model import is_phone
from yujing.registry import (
    SessionRow,
    UserRow,
    now,
)
from yujing.roles import ADVISERS, ROLES, Role, StudentRef, allowed

if TYPE_CHECKING:
    from collections.abc import Mapping, Sequence

    from yujing.stage import WorkspaceView

ADVISER_ROLES = ADVISERS
"""The advisers' roles (kept under this name for callers; the rule is in yujing.roles)."""


MIN_PASSWORD = 8


LOGIN_WINDOW = timedelta(minutes=15)
"""Failures older than this are forgotten (登录失败的统计时段)."""


LOGIN_MAX_FAILURES = 5
"""Failures of one account from one address tried without delay; after them each further
attempt from that address waits LOGIN_DELAY, doubled per failure, at most LOGIN_WINDOW."""


LOGIN_DELAY = timedelta(seconds=30)


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
    allow_unknown: bool = False,
    roles: Mapping[str, str] = ROLES,
    phone: str = "",
) -> UserRow:
    """Add an account with one of ``roles`` (a college's console roles by default; the
    university registry passes its own: 教务处, 督查). An adviser's roster name and classes
    must be in the roster (学生名单) unless ``allow_unknown`` (e.g. an account made before the
    roster is imported). An adviser's ``phone`` (联系电话) is printed on the notices of their
    students where the roster gives none."""
    name = name.strip()
    if not name or any(c in name for c in "/\\\n\r\t<>\"'"):
        raise AccountError("账号名不能为空，也不能含有 / \\ < > 引号或换行。")
    if role not in roles:
        raise AccountError(f"角色应为 {'、'.join(roles)} 之一。")
    for text in (name, roster_name, *classes):
        reason = invisible_in(text)
        if reason is not None:
            raise AccountError(f"「{INVISIBLE.sub('□', text)}」{reason}。")
    if ws.registry.user(name) is not None:
        raise AccountError(f"账号 {name} 已存在；改密码用 yujing user passwd {name}。")
    if role in ADVISER_ROLES and not roster_name and not classes:
        raise AccountError(
            f"{ROLES[role]}账号须给出名单中的姓名，或给出所带班级。",
            field="roster_name",
            cli="（--counsellor 姓名，或 --class 班级）",
        )
    if role in ADVISER_ROLES and not allow_unknown:
        check_roster_scope(ws, Role(role), roster_name, classes)
    phone = phone.strip()
    if phone and not is_phone(phone):
        raise AccountError(
            f"联系电话「{phone}」只能含数字和 - + ( )。", field="phone", cli="（--phone）"
        )
    _check_password(password)
    registry = ws.registry
    with registry.transaction():
        registry.save_user(
            {
                "name": name,
                "role": role,
                "phone": phone or None,
                "roster_name": roster_name.strip(),
                "classes": "\n".join(c.strip() for c in classes if c.strip()),
                "password_hash": _hasher().hash(password),
                "disabled": 0,
                "created_at": now(),
            }
        )
        registry.log("user-add", f"{name}（{roles[role]}）")
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


def login_wait(failures: int, last_failure: str, at: datetime | None = None) -> timedelta:
    """How long one account must still wait at one address (登录延时): nothing for the first
    LOGIN_MAX_FAILURES failures, then LOGIN_DELAY doubled per further failure (at most
    LOGIN_WINDOW), counted from the last failure."""
    if failures < LOGIN_MAX_FAILURES or not last_failure:
        return timedelta(0)
    delay = min(LOGIN_DELAY * 2 ** min(failures - LOGIN_MAX_FAILURES, 16), LOGIN_WINDOW)
    left = datetime.fromisoformat(last_failure) + delay - (at or datetime.now())
    return max(left, timedelta(0))


def authenticate(ws: WorkspaceView, name: str, password: str, ip: str = "") -> UserRow:
    """Check a sign-in (or the old password of the password form). The attempt is counted
    BEFORE the password is checked, atomically in the registry, per account AND address: one
    address guessing at an account only delays itself, with a delay that grows per failure
    (:func:`login_wait`); the account stays open from every other address (登录限流)."""
    from argon2.exceptions import InvalidHashError, VerificationError

    registry = ws.registry
    since = (datetime.now() - LOGIN_WINDOW).isoformat(timespec="seconds")
    waits: list[timedelta] = []

    def must_wait(failures: int, last_failure: str) -> bool:
        waits.append(login_wait(failures, last_failure))
        return waits[-1] > timedelta(0)

    attempt = registry.claim_login_attempt(name, ip, since, must_wait)
    if not attempt:
        registry.log("login-throttled", f"{name} {ip}")
        seconds = max(1, int(waits[-1].total_seconds()))
        wait_text = f"{seconds} 秒" if seconds < 120 else f"{-(-seconds // 60)} 分钟"
        raise LoginThrottledError(f"登录失败次数过多，请 {wait_text}后再试。")
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
    if not ok or user is None:
        registry.log("login-failed", f"{name} {ip}")
        raise AccountError("账号或密码不对，或账号已停用。")
    registry.finish_login_attempt(attempt)
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
        counsellor=name if user.role == Role.COUNSELLOR else "",
        class_teacher=name if user.role == Role.CLASS_TEACHER else "",
        classes=user.classes,
    )


def check_student(ws: WorkspaceView, user: UserRow, student_id: str, what: str = "") -> None:
    """Refuse (and log) an account asking for a student it may not see (an adviser's student
    who is not theirs): the one rule of :func:`yujing.roles.allowed`."""
    scope = students_of(ws, user)
    if allowed(user, "folder.read", StudentRef(student_id, scope is None or student_id in scope)):
        return
    if scope is None:  # a role that sees no folder at all
        deny(ws, user, f"{what or '学生档案'} {student_id}")
        raise AccessDeniedError("您的角色无权查看学生档案，此次访问已记录。")
    with ws.registry.transaction():
        ws.registry.log(
            "access-denied", f"{user.name}：{what or '学生档案'}", student_id=student_id
        )
    raise AccessDeniedError(f"学号 {student_id} 不是您名下的学生，无权查看或操作。")


def deny(ws: WorkspaceView, user: UserRow, what: str) -> None:
    with ws.registry.transaction():
        ws.registry.log("access-denied", f"{user.name}（{ROLES.get(user.role, user.role)}）：{what}")


# -- accounts that match the roster (账号与学生名单一致) -------------------------------------


def roster_choices(ws: WorkspaceView) -> dict[str, tuple[str, ...]]:
    """The names an adviser's account may carry, from the roster: ``counsellor`` (辅导员),
    ``class-teacher`` (班主任) and ``classes`` (班级), each sorted."""
    names = ws.registry.roster_names()
    return {
        Role.COUNSELLOR.value: names["counsellor"],
        Role.CLASS_TEACHER.value: names["class_teacher"],
        "classes": names["class_name"],
    }


def check_roster_scope(
    ws: WorkspaceView, role: Role, roster_name: str, classes: Sequence[str]
) -> None:
    """Refuse an adviser's roster name or class that matches nobody in the roster (a typo such
    as 黄琦 for 黄琪 would leave the account with no students), naming the close ones."""
    import difflib

    choices = roster_choices(ws)
    problems: list[str] = []
    name = roster_name.strip()
    if name:
        known = choices[role.value]
        if name not in known:
            close = difflib.get_close_matches(name, known, n=3, cutoff=0.5)
            problems.append(
                f"学生名单中没有{role.label}「{name}」"
                + (f"（相近：{'、'.join(close)}）" if close else "")
            )
    for cls in (c.strip() for c in classes if c.strip()):
        if cls not in choices["classes"]:
            close = difflib.get_close_matches(cls, choices["classes"], n=3, cutoff=0.6)
            problems.append(
                f"学生名单中没有班级「{cls}」" + (f"（相近：{'、'.join(close)}）" if close else "")
            )
    if problems:
        raise RosterMismatchError(
            "；".join(problems) + "。请按学生名单改正；若名单尚未导入此人，可先保留此账号。"
        )
