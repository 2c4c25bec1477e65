"""Who may do what (角色与权限): the roles of the console and ONE rule, :func:`allowed`.

Every action — a console route (its name, declared on the route), a button a template shows or
hides, the library's per-student and per-job checks — is one entry of :data:`RULES`: the roles
that may take it. Two scopes narrow a role to what is its own: an adviser (辅导员、班主任) sees
only the students of their roster name or classes (:class:`StudentRef`), and a role that does
not see every background job opens only the jobs it started (:class:`JobRef`).

Adding a role (e.g. 教务处 ``office``, 督查 ``supervisor``) is one :class:`Role` member, its
label and start page, and its name in the rule entries it may take.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol


class Role(StrEnum):
    """A console account's role (角色); the value is what the registry stores."""

    SECRETARY = "secretary"
    REVIEWER = "reviewer"
    COUNSELLOR = "counsellor"
    CLASS_TEACHER = "class-teacher"
    INSPECTOR = "inspector"

    @property
    def label(self) -> str:
        return LABELS[self]

    @property
    def start_page(self) -> str:
        """The route a signed-in account of this role lands on (首页)."""
        return START_PAGE[self]


LABELS: dict[Role, str] = {
    Role.SECRETARY: "教学秘书/教务员",
    Role.REVIEWER: "审核人（教学副院长）",
    Role.COUNSELLOR: "辅导员",
    Role.CLASS_TEACHER: "班主任",
    Role.INSPECTOR: "检查（学院领导/教务处）",
}
START_PAGE: dict[Role, str] = {
    Role.SECRETARY: "list",
    Role.REVIEWER: "approvals",
    Role.COUNSELLOR: "my",
    Role.CLASS_TEACHER: "my",
    Role.INSPECTOR: "audit",
}
ROLES: dict[str, str] = {r.value: r.label for r in Role}
"""Role value → label (as the registry stores it and as a page shows it)."""

ADVISERS = frozenset({Role.COUNSELLOR, Role.CLASS_TEACHER})
"""Roles that see only their own students (名下学生)."""
ALL_JOBS = frozenset({Role.SECRETARY})
"""Roles that open every background job (the others only the jobs they started)."""

PUBLIC = "public"
"""No account needed: the sign-in page, static assets, a student's own check link."""

Rule = frozenset[Role] | str

_ALL = frozenset(Role)
_S = frozenset({Role.SECRETARY})
_LIST_READERS = frozenset({Role.SECRETARY, Role.REVIEWER})
_CHECKERS = frozenset({Role.SECRETARY, Role.INSPECTOR})
_FOLDERS = frozenset({Role.SECRETARY, Role.INSPECTOR, *ADVISERS})
_WRITERS = frozenset({Role.SECRETARY, *ADVISERS})

RULES: dict[str, Rule] = {
    # no account
    "static": PUBLIC,
    "login": PUBLIC,
    "login_cas": PUBLIC,
    "check": PUBLIC,
    # any signed-in account
    "home": _ALL,
    "logout": _ALL,
    "password": _ALL,
    # 名单 → 提交审核 → 审核 → 冻结
    "list": _LIST_READERS,
    "list_xlsx": _LIST_READERS,
    "imports": _S,
    "assess": _S,
    "approvals": frozenset({Role.REVIEWER}),
    "review_window": _S,
    "slips": _S,
    "objections": _S,
    "freeze": _S,
    # 打印
    "print": _S,
    "issue": _S,
    "batch_file": _S,
    "reprint": _S,
    "void": _S,
    # 回收
    "scans": _S,
    "review": _S,
    "review_image": _S,
    "review_page": _S,
    "assign": _S,
    "review_discard": _S,
    # 检查 / 报告
    "audit": _CHECKERS,
    "audit_html": _CHECKERS,
    "audit_xlsx": _CHECKERS,
    "audit_verify": _S,
    "reports": _CHECKERS,
    "reports_make": _S,
    "report_file": _CHECKERS,
    "events": _CHECKERS,
    # folders (一生一档): advisers only their own students (StudentRef)
    "students": _FOLDERS,
    "record": _WRITERS,
    "attach": _S,
    # the adviser's start page and phone upload
    "my": frozenset(ADVISERS),
    "upload_return": frozenset(ADVISERS),
    # the long-term archive (归档): the secretary builds, the inspector downloads
    "archive": frozenset({Role.SECRETARY, Role.INSPECTOR}),
    "archive_build": _S,
    "archive_file": frozenset({Role.SECRETARY, Role.INSPECTOR}),
    # background jobs: the roles without ALL_JOBS only their own (JobRef)
    "jobs": _S,
    "job": _WRITERS,
    "job_rerun": _S,
    "job_cancel": _WRITERS,  # the job's owner or the secretary (a JobRef)
    "job_send_on": ADVISERS,  # an adviser's photo with no code, sent on to the queue anyway
    # the term's other steps (yujing.web.views_term)
    "transcripts": _S,
    "slips_pdf": _S,
    "import_map": _S,
    "signatures": _S,
    "signature_crop": _S,
    "signature_confirm": _S,
    "backup": _S,
    "backup_file": _S,
    # accounts
    "users": _S,
    "user_disable": _S,
    "user_passwd": _S,
    # -- actions shared by routes (declared on them) and the library ---------------------------
    # a student's folder and list entry (the per-student check, with a StudentRef)
    "folder.read": _FOLDERS,
    # submit the list for review (提交审核); approve it or return it (审核同意 / 退回)
    "list.submit": _S,
    "list.decide": frozenset({Role.REVIEWER}),
}


class Actor(Protocol):
    """Who acts: a console account (``UserRow``)."""

    @property
    def name(self) -> str: ...

    @property
    def role(self) -> str: ...


@dataclass(frozen=True)
class StudentRef:
    """A student as a resource: ``mine`` when the student is in the actor's roster scope
    (名下学生; computed by :func:`yujing.accounts.students_of`)."""

    student_id: str
    mine: bool


@dataclass(frozen=True)
class JobRef:
    """A background job as a resource: the account that started it."""

    account: str


Resource = StudentRef | JobRef | None


def role_of(actor: Actor | str | None) -> Role | None:
    """The actor's role (an account, or a role's value); None for no account or an unknown
    value."""
    if actor is None:
        return None
    value = actor if isinstance(actor, str) else actor.role
    try:
        return Role(value)
    except ValueError:
        return None


def allowed(actor: Actor | str | None, action: str, resource: Resource = None) -> bool:
    """Whether ``actor`` (an account; a role's value where no account is at hand) may take
    ``action`` on ``resource``. An unknown action is a fault of the program (KeyError)."""
    rule = RULES[action]
    if rule == PUBLIC:
        return True
    role = role_of(actor)
    if role is None or role not in rule:
        return False
    if isinstance(resource, StudentRef):
        return role not in ADVISERS or resource.mine
    if isinstance(resource, JobRef):
        if role in ALL_JOBS:
            return True
        return actor is not None and not isinstance(actor, str) and resource.account == actor.name
    return True
