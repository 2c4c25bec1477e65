"""The next step of the term for one role (下一步): what a person signing in should do next —
import, assess, answer objections, approve, freeze, print, collect returns, review, check,
report — read from the workspace's state. The console shows it on every page; the words are
in :mod:`yujing.labels` (group ``step``)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from yujing.accounts import ADVISER_ROLES

if TYPE_CHECKING:
    from yujing.accounts import UserRow
    from yujing.model import Term
    from yujing.stage import WorkspaceView


@dataclass(frozen=True)
class NextStep:
    """One next step (下一步): its code (``import``, ``assess``, ``objections`` …) and how many
    things wait in it (objections open, pages to file …; 0 when not counted)."""

    code: str
    count: int = 0


def next_step(ws: WorkspaceView, user: UserRow, term: Term | None) -> NextStep | None:
    """The next step of ``term`` for ``user``'s role; None when nothing waits for it."""
    from yujing.warnlist.review import approval

    registry = ws.registry
    role = user.role
    head = registry.list_head(term) if term is not None else None
    if role == "inspector":
        return NextStep("audit") if head is not None else None
    if role in ADVISER_ROLES:
        return NextStep("my") if head is not None and head["status"] == "frozen" else None
    if role == "reviewer":
        if term is None or head is None or head["status"] == "frozen":
            return None
        return None if approval(ws, term).approved else NextStep("approve")
    if role != "secretary":
        return None
    if registry.count("students") == 0:
        return NextStep("import-roster")
    if term is None or head is None:
        return NextStep("assess")
    if head["status"] != "frozen":
        tokens = registry.student_tokens(term)
        if not tokens:
            return NextStep("review-window")
        open_objections = sum(1 for r in tokens if r["response"] == "object" and not r["resolved"])
        if open_objections:
            return NextStep("objections", open_objections)
        if ws.policy.freeze_needs_approval and not approval(ws, term).approved:
            return NextStep("wait-approval")
        return NextStep("freeze")
    if not registry.batches(term):
        return NextStep("issue")
    waiting = len(registry.review_items())
    if waiting:
        return NextStep("review", waiting)
    signatures = len(registry.signature_checks(open_only=True))
    if signatures:
        return NextStep("signatures", signatures)
    return NextStep("audit")
