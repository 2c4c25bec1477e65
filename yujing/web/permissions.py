"""Who may call which route of the console (权限表).

Every route of the app has a rule here, by its name; :func:`yujing.web.app.create_app` refuses
to start when a route has none, and ``tests/test_web_permissions.py`` calls every route as
every role. Per-student checks (an adviser's own students) are made by the library
(:meth:`yujing.workspace.Workspace.check_student`) inside the routes that name a student.
"""

from __future__ import annotations

SECRETARY, REVIEWER, COUNSELLOR, CLASS_TEACHER, INSPECTOR = (
    "secretary",
    "reviewer",
    "counsellor",
    "class-teacher",
    "inspector",
)
ALL_ROLES = frozenset({SECRETARY, REVIEWER, COUNSELLOR, CLASS_TEACHER, INSPECTOR})
ADVISERS = frozenset({COUNSELLOR, CLASS_TEACHER})
PUBLIC = "public"
"""No account: the sign-in page, static assets, a student's own check link."""

S = frozenset({SECRETARY})

RULES: dict[str, frozenset[str] | str] = {
    # no account
    "static": PUBLIC,
    "login": PUBLIC,
    "check": PUBLIC,
    # any signed-in account
    "home": ALL_ROLES,
    "logout": ALL_ROLES,
    "password": ALL_ROLES,
    # 名单 → 审核 → 冻结
    "list": frozenset({SECRETARY, REVIEWER}),
    "list_xlsx": frozenset({SECRETARY, REVIEWER}),
    "imports": S,
    "assess": S,
    "approve": frozenset({REVIEWER}),
    "review_window": S,
    "slips": S,
    "objections": S,
    "freeze": S,
    # 打印
    "print": S,
    "issue": S,
    "batch_file": S,
    "reprint": S,
    "void": S,
    # 回收
    "scans": S,
    "review": S,
    "review_image": S,
    "review_page": S,
    "assign": S,
    # 检查 / 报告
    "audit": frozenset({SECRETARY, INSPECTOR}),
    "audit_html": frozenset({SECRETARY, INSPECTOR}),
    "audit_xlsx": frozenset({SECRETARY, INSPECTOR}),
    "audit_verify": S,
    "reports": frozenset({SECRETARY, INSPECTOR}),
    "reports_make": S,
    "report_file": frozenset({SECRETARY, INSPECTOR}),
    "events": frozenset({SECRETARY, INSPECTOR}),
    # folders (一生一档): advisers only their own students
    "students": frozenset({SECRETARY, INSPECTOR, COUNSELLOR, CLASS_TEACHER}),
    "student": frozenset({SECRETARY, INSPECTOR, COUNSELLOR, CLASS_TEACHER}),
    "student_file": frozenset({SECRETARY, INSPECTOR, COUNSELLOR, CLASS_TEACHER}),
    "record": frozenset({SECRETARY, COUNSELLOR, CLASS_TEACHER}),
    "attach": S,
    # the adviser's start page and phone upload
    "my": ADVISERS,
    "upload_return": ADVISERS,
    # the long-term archive (归档): the secretary builds, the inspector downloads
    "archive": frozenset({SECRETARY, INSPECTOR}),
    "archive_build": S,
    "archive_file": frozenset({SECRETARY, INSPECTOR}),
    # background jobs
    "jobs": S,
    "job": frozenset({SECRETARY, COUNSELLOR, CLASS_TEACHER}),
    "job_rerun": S,
    # accounts
    "users": S,
    "user_disable": S,
    "user_passwd": S,
}


def allowed(route: str, role: str | None) -> bool:
    rule = RULES[route]
    if rule == PUBLIC:
        return True
    return role is not None and role in rule
