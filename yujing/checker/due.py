"""What is due per adviser (辅导员待办): the audit of their students, read as the documents
missing, pending or overdue with the policy's deadlines and the days left."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING, Any

from yujing.accounts import students_of
from yujing.errors import (
    ListStateError,
)
from yujing.model import Term
from yujing.registry import (
    UserRow,
)

if TYPE_CHECKING:
    from yujing.stage import WorkspaceView

_DATE_RE = re.compile(r"(\d{4}-\d{2}-\d{2}) 前完成")


@dataclass(frozen=True)
class DueItem:
    """One thing due for a student (待办): a required document missing, pending or overdue."""

    title: str
    status: str  # a key of yujing.checker.model.STATUSES
    status_text: str
    detail: str
    due: str = ""
    days_left: int | None = None


@dataclass(frozen=True)
class StudentDue:
    """A counsellor's warned student and what is due (辅导员待办)."""

    student_id: str
    name: str
    class_name: str
    level: str
    items: tuple[DueItem, ...]

    @property
    def overdue(self) -> bool:
        return any(i.status == "overdue" for i in self.items)


def due_for(
    ws: WorkspaceView,
    user: UserRow,
    term: Term,
    *,
    as_of: date | None = None,
    cache: dict[tuple[Any, ...], list[StudentDue]] | None = None,
    only: str = "",
) -> list[StudentDue]:
    """The adviser's warned students of ``term`` and what is due for each (待办), from
    the completeness audit: missing, pending with deadline and days left, overdue; only the
    student ``only`` when given (one folder's page).

    With ``cache`` (the workspace object's), the result is kept until the registry changes
    (any event, archived file or record) or the day turns; a file altered on disk behind yujing's
    back shows here after the next change, and at once in the audit itself."""
    from yujing.checker.audit import audit

    allowed = students_of(ws, user)
    if ws.registry.list_head(term) is None:
        raise ListStateError(
            f"{term} 还没有名单。请先生成名单（评估）。",
            cli=f"请先运行 yujing assess --term {term}。",
        )
    mine = [
        sid
        for sid in ws.registry.warned_ids(term)
        if (allowed is None or sid in allowed) and (not only or sid == only)
    ]
    if not mine:
        return []
    key = (str(term), tuple(mine), as_of or date.today(), ws.registry.change_mark())
    if cache is not None and key in cache:
        return cache[key]
    report = audit(ws, term, students=mine, as_of=as_of)
    today = as_of or date.today()
    out: list[StudentDue] = []
    for s in report.students:
        items: list[DueItem] = []
        for st in s.statuses:
            if st.status in ("ok", "n/a"):
                continue
            due = next((f.due for f in s.findings if f.requirement == st.requirement), "")
            if not due:
                m = _DATE_RE.search(st.detail)
                due = m.group(1) if m else ""
            left = (date.fromisoformat(due) - today).days if due else None
            items.append(DueItem(st.title, st.status, st.status_text, st.detail, due, left))
        out.append(StudentDue(s.student_id, s.name, s.class_name, s.level, tuple(items)))
    if cache is not None:
        if len(cache) > 32:
            cache.clear()
        cache[key] = out
    return out
