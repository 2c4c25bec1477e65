"""Review of the draft list (名单审核与学生核查): the reviewer's approval (教学副院长审核),
students' personal check links (HMAC tokens valid until the list is frozen), their answers
and the secretary's objection queue."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from yujing.accounts import token_digest
from yujing.errors import (
    InputError,
    ListStateError,
    TokenError,
)
from yujing.model import Term

if TYPE_CHECKING:
    from yujing.stage import WorkspaceView


@dataclass(frozen=True)
class ApprovalState:
    """The reviewer's decision on a draft list (审核): approved, returned, or none yet."""

    decision: str  # "approved" | "returned" | ""
    comment: str
    account: str
    at: str
    current: bool
    """False when the list was re-assessed after the decision (it must be reviewed again)."""

    @property
    def approved(self) -> bool:
        return self.decision == "approved" and self.current


@dataclass(frozen=True)
class Slip:
    """A student's check link (核查条): the token is shown only on the slip."""

    student_id: str
    name: str
    class_name: str
    level: str
    token: str
    response: str


@dataclass(frozen=True)
class CheckView:
    """What a student sees through their link: only their own entry."""

    term: str
    student_id: str
    name: str
    class_name: str
    level: str
    reason: str
    courses: tuple[str, ...]
    response: str
    response_reason: str


def _failed_courses(reason: str) -> tuple[str, ...]:
    """The courses named in a list reason (…：高等数学A(上)(5)、大学英语Ⅱ(2.5))."""
    out: list[str] = []
    for part in reason.split("；"):
        if "：" in part:
            out.extend(c.strip() for c in part.split("：", 1)[1].split("、") if c.strip())
    return tuple(dict.fromkeys(out))


def approval(ws: WorkspaceView, term: Term) -> ApprovalState:
    rows = ws.registry.approvals(term)
    head = ws.registry.list_head(term)
    if not rows:
        return ApprovalState("", "", "", "", False)
    last = rows[-1]
    current = head is not None and last["list_updated_at"] == (head["updated_at"] or "")
    return ApprovalState(
        last["decision"], last["comment"] or "", last["account"] or "", last["at"], current
    )


def decide_list(ws, term: Term, *, approve: bool, comment: str, account: str) -> ApprovalState:
    """The reviewer approves the draft list, or sends it back with a comment."""
    saved = ws.saved(term)
    if saved.frozen:
        raise ListStateError(f"{term} 的名单已冻结，无需再审核。")
    if not approve and not comment.strip():
        raise InputError("退回名单时请写明意见。")
    head = ws.registry.list_head(term) or {}
    decision = "approved" if approve else "returned"
    registry = ws.registry
    with registry.transaction():
        registry.add_approval(
            {
                "term": str(term),
                "decision": decision,
                "comment": comment.strip(),
                "account": account,
                "list_updated_at": head.get("updated_at") or "",
            }
        )
        registry.log(
            "approve" if approve else "send-back",
            comment.strip() or "同意",
            term=str(term),
        )
    return ws.approval(term)


def check_freeze_allowed(ws: WorkspaceView, term: Term) -> None:
    """Where the policy says so (freeze_needs_approval), the reviewer must have approved
    the current draft before it is frozen."""
    if not ws.policy.freeze_needs_approval:
        return
    state = approval(ws, term)
    if not state.approved:
        why = (
            f"审核人已退回：{state.comment}"
            if state.decision == "returned" and state.current
            else "名单在审核后又重新评估过，须重新审核"
            if state.decision and not state.current
            else "名单尚未经审核"
        )
        raise ListStateError(f"{term} 的名单须经审核同意后才能冻结（{why}）。")


def check_token(
    ws: WorkspaceView, term: str, student_id: str, nonce: str, secret: bytes | None = None
) -> str:
    from yujing.qr import load_secret

    secret = secret if secret is not None else load_secret(ws.root)
    mac = hmac.new(secret, f"check|{term}|{student_id}|{nonce}".encode(), hashlib.sha256)
    return base64.urlsafe_b64encode(mac.digest()).decode("ascii").rstrip("=")


def open_review_window(ws: WorkspaceView, term: Term) -> int:
    """Give every warned student of the draft list a personal check link; returns how many
    were new. The links are valid until the list is frozen."""
    saved = ws.saved(term)
    if saved.frozen:
        raise ListStateError(f"{term} 的名单已冻结，不能再开放核查。")
    registry = ws.registry
    have = {r["student_id"] for r in registry.student_tokens(term)}
    new = 0
    with registry.transaction():
        for e in saved.warned:
            if e.student_id in have:
                continue
            nonce = secrets.token_hex(8)
            token = check_token(ws, str(term), e.student_id, nonce)
            registry.add_student_token(token_digest(token), term, e.student_id, nonce)
            new += 1
        registry.log("review-window", f"核查链接 {new} 个", term=str(term))
    return new


def student_slips(ws: WorkspaceView, term: Term) -> list[Slip]:
    from yujing.qr import load_secret

    entries = {e.student_id: e for e in ws.saved(term).warned}
    secret = load_secret(ws.root)  # read once, not once per slip
    out: list[Slip] = []
    for r in ws.registry.student_tokens(term):
        e = entries.get(r["student_id"])
        if e is None:
            continue
        token = check_token(ws, r["term"], r["student_id"], r["nonce"], secret)
        out.append(
            Slip(e.student_id, e.name, e.class_name, e.level, token, r["response"] or "")
        )
    return sorted(out, key=lambda s: (s.class_name, s.student_id))


def check_view(ws: WorkspaceView, token: str) -> CheckView:
    """The entry a check link shows, or TokenError (unknown, forged, or frozen list)."""
    row = ws.registry.student_token(token_digest(token)) if token else None
    if row is None or not hmac.compare_digest(
        check_token(ws, row["term"], row["student_id"], row["nonce"]), token
    ):
        raise TokenError("核查链接无效。请向辅导员索取本人的核查条。")
    term = Term.parse(row["term"])
    saved = ws.saved(term)
    if saved.frozen:
        raise TokenError(f"{term} 的名单已于 {saved.frozen_at} 确定，核查已结束，链接失效。")
    entry = saved.entry(row["student_id"])
    if entry is None or not entry.warned:
        raise TokenError("经核查，您已不在本学期的预警名单上，链接失效。")
    courses = _failed_courses(entry.reason)
    return CheckView(
        str(term),
        entry.student_id,
        entry.name,
        entry.class_name,
        entry.level,
        entry.reason,
        courses,
        row["response"] or "",
        row["reason"] or "",
    )


def respond_check(ws: WorkspaceView, token: str, *, agree: bool, reason: str) -> CheckView:
    """The student confirms the entry, or objects with a reason (into the secretary's
    objection queue)."""
    view = check_view(ws, token)
    if not agree and not reason.strip():
        raise InputError("提出异议时请写明理由（例如：补考成绩未录入）。")
    registry = ws.registry
    with registry.transaction():
        registry.set_token_response(
            token_digest(token),
            "agree" if agree else "object",
            "" if agree else reason.strip()[:500],
        )
        registry.log(
            "student-confirm" if agree else "student-objection",
            "学生确认无误" if agree else f"学生异议：{reason.strip()[:500]}",
            term=view.term,
            student_id=view.student_id,
        )
    return check_view(ws, token)


def objection_queue(ws: WorkspaceView, term: Term) -> list[dict[str, Any]]:
    """Students' objections raised through their links and not yet decided (异议待处理)."""
    rows = [r for r in ws.registry.student_tokens(term) if r["response"] == "object"]
    entries = {
        e.student_id: e for e in ws.registry.list_entries(term, [r["student_id"] for r in rows])
    }
    out = []
    for r in rows:
        if not r["resolved"]:
            e = entries.get(r["student_id"])
            out.append(
                {
                    "student_id": r["student_id"],
                    "name": e.name if e else "",
                    "class_name": e.class_name if e else "",
                    "level": e.level if e else "",
                    "reason": r["reason"],
                    "at": r["responded_at"],
                }
            )
    return out


def close_objection(ws: WorkspaceView, term: Term, student_id: str) -> None:
    """Take a student's objection, once its outcome is recorded, off the queue."""
    with ws.registry.transaction():
        ws.registry.resolve_token(term, student_id)
