"""The list's workflow (名单流程) as rules: draft → students' check open (学生核查) → submitted
for review (提交审核) → approved or returned (审核同意 / 退回，附理由) → frozen (冻结).

- Freeze is refused while any student's objection is open (the message names the students),
  and, where the pack's policy says ``freeze_needs_approval``, until the reviewer approved the
  list as it is now.
- A decision is made on one submission of one revision of the list; any later change (a new
  assessment, an objection's outcome) makes it stale (:attr:`ApprovalState.current`): the list
  must be submitted and approved again where approval is required, and the staleness is shown
  wherever the decision is.
- A student's check link (HMAC token) stays readable after the freeze and shows the outcome of
  their objection; answers are taken until the freeze.

The CLI (``yujing list submit|approve|return|freeze``) and the console call the same functions
through :class:`yujing.workspace.Workspace`."""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from yujing.accounts import token_digest
from yujing.errors import (
    AccessDeniedError,
    AccountError,
    InputError,
    ListStateError,
    TokenError,
)
from yujing.model import Term
from yujing.roles import ROLES, allowed

if TYPE_CHECKING:
    from yujing.stage import WorkspaceView


OUTCOME_WORDS = {
    "corrected": "经核实，你的预警等级更正为 {level}。",
    "removed": "经核实，你已不在本学期的学业预警名单上。",
    "upheld": "经核实，维持原预警等级。",
}
"""What a student's link says of the outcome of their objection (异议处理结果)."""

STAGES = {
    "draft": "草稿",
    "checking": "学生核查中",
    "submitted": "已提交审核，待审核",
    "approved": "审核同意",
    "returned": "已退回",
    "frozen": "已冻结",
}
"""The stages of a term's list (名单流程), in order."""


@dataclass(frozen=True)
class ApprovalState:
    """The reviewer's decision on a submitted list (审核): approved, returned, or none yet."""

    decision: str  # "approved" | "returned" | ""
    comment: str
    account: str
    at: str
    current: bool
    """False when the list changed after the decision (a new assessment, an objection's
    outcome) or was submitted again: it must be reviewed again."""

    @property
    def approved(self) -> bool:
        return self.decision == "approved" and self.current

    @property
    def stale(self) -> bool:
        """A decision made on an earlier state of the list (shown wherever it is)."""
        return bool(self.decision) and not self.current


@dataclass(frozen=True)
class Submission:
    """The secretary's submission of the list for review (提交审核)."""

    id: int
    account: str
    at: str
    current: bool
    """False when the list changed after it was submitted."""


@dataclass(frozen=True)
class OpenObjection:
    """A student's objection raised through their link, not yet decided (异议待处理)."""

    student_id: str
    name: str
    class_name: str
    level: str
    reason: str
    at: str


@dataclass(frozen=True)
class Workflow:
    """Where a term's list stands (名单流程) and what it still needs before the freeze."""

    term: str
    stage: str
    needs_approval: bool
    """The pack's policy: the list is frozen only after the reviewer approved it."""
    submission: Submission | None
    approval: ApprovalState
    links: int
    """Students given a check link."""
    confirmed: int
    objected: int
    open_objections: tuple[OpenObjection, ...]
    reviewers: tuple[str, ...]
    """The reviewers' accounts (who must approve)."""
    blockers: tuple[str, ...]
    """Why the list cannot be frozen now, in words (empty: it can)."""
    frozen_at: str = ""

    @property
    def stage_label(self) -> str:
        return STAGES[self.stage]

    @property
    def frozen(self) -> bool:
        return self.stage == "frozen"

    @property
    def can_freeze(self) -> bool:
        return not self.frozen and not self.blockers

    @property
    def can_submit(self) -> bool:
        """Not frozen, and not already waiting for the reviewer as it is."""
        return not self.frozen and self.stage != "submitted"

    @property
    def waiting(self) -> bool:
        """Submitted and not yet decided: on the reviewer's start page."""
        return self.stage == "submitted"

    @property
    def unanswered(self) -> int:
        return self.links - self.confirmed - self.objected


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
    on_list: bool = True
    """False when the student is no longer on the list (the good news)."""
    frozen_at: str = ""
    """When the list was frozen; answers are no longer taken after it."""
    outcome: str = ""
    """The outcome of the student's objection, in words (empty: none decided)."""
    objection_open: bool = False

    @property
    def frozen(self) -> bool:
        return bool(self.frozen_at)


def _failed_courses(reason: str) -> tuple[str, ...]:
    """The courses named in a list reason (…：高等数学A(上)(5)、大学英语Ⅱ(2.5))."""
    out: list[str] = []
    for part in reason.split("；"):
        if "：" in part:
            out.extend(c.strip() for c in part.split("：", 1)[1].split("、") if c.strip())
    return tuple(dict.fromkeys(out))


def _submission(ws: WorkspaceView, term: Term, revision: int) -> Submission | None:
    rows = ws.registry.submissions(term)
    if not rows:
        return None
    last = rows[-1]
    return Submission(
        int(last["id"]), last["account"] or "", last["at"], last["list_revision"] == revision
    )


def approval(ws: WorkspaceView, term: Term) -> ApprovalState:
    """The last decision on ``term``'s list; current only while it concerns the latest
    submission and the list has not changed since."""
    registry = ws.registry
    rows = registry.approvals(term)
    if not rows:
        return ApprovalState("", "", "", "", False)
    last = rows[-1]
    revision = registry.list_revision(term)
    submissions = registry.submissions(term)
    if last.get("list_revision") is None:  # a decision from before submissions existed
        head = registry.list_head(term)
        current = (
            not submissions
            and head is not None
            and last["list_updated_at"] == (head["updated_at"] or "")
        )
    else:
        current = (
            last["list_revision"] == revision
            and bool(submissions)
            and last["submission_id"] == submissions[-1]["id"]
        )
    return ApprovalState(
        last["decision"], last["comment"] or "", last["account"] or "", last["at"], current
    )


def workflow(ws: WorkspaceView, term: Term) -> Workflow:
    """Where ``term``'s list stands, what waits and what the freeze still needs."""
    saved = ws.saved(term)
    registry = ws.registry
    revision = registry.list_revision(term)
    submission = _submission(ws, term, revision)
    state = approval(ws, term)
    tokens = registry.student_tokens(term)
    open_ = tuple(OpenObjection(**q) for q in objection_queue(ws, term))
    reviewers = tuple(
        u.name for u in registry.users() if allowed(u, "list.decide") and not u.disabled
    )
    needs = bool(ws.policy.freeze_needs_approval)
    if saved.frozen:
        stage = "frozen"
    elif state.current:
        stage = state.decision
    elif submission is not None and submission.current:
        stage = "submitted"
    elif tokens:
        stage = "checking"
    else:
        stage = "draft"
    blockers: list[str] = []
    if not saved.frozen:
        if open_:
            names = "、".join(f"{o.name or o.student_id}（{o.student_id}）" for o in open_)
            blockers.append(f"还有 {len(open_)} 名学生的异议未处理：{names}")
        if needs and not state.approved:
            who = (
                f"审核人（{'、'.join(reviewers)}）"
                if reviewers
                else "审核人（尚无审核人账号，请先添加）"
            )
            if state.decision == "returned" and state.current:
                why = f"{who}已退回：{state.comment}；改正后请重新提交审核"
            elif state.stale:
                why = f"名单在{who}审核后又有改动，须重新提交审核并经审核同意"
            elif stage == "submitted":
                why = f"已提交审核，待{who}审核同意"
            else:
                why = f"名单须先提交审核，再经{who}审核同意"
            blockers.append(why)
    return Workflow(
        str(term),
        stage,
        needs,
        submission,
        state,
        len(tokens),
        sum(1 for t in tokens if t["response"] == "agree"),
        sum(1 for t in tokens if t["response"] == "object"),
        open_,
        reviewers,
        tuple(blockers),
        saved.frozen_at or "",
    )


def workflows(ws: WorkspaceView) -> list[Workflow]:
    """Every term's list and where it stands, newest term first (the reviewer's start page)."""
    terms = [Term.parse(t["term"]) for t in ws.registry.list_terms()]
    return [workflow(ws, t) for t in sorted(terms, key=str, reverse=True)]


def submit_list(ws: WorkspaceView, term: Term, *, account: str = "") -> Workflow:
    """The secretary submits the list for review (提交审核); a submission of a list that has
    not changed since it was last submitted and not yet decided is refused."""
    state = workflow(ws, term)
    if state.frozen:
        raise ListStateError(f"{term} 的名单已冻结，无需再提交审核。")
    if state.stage == "submitted":
        assert state.submission is not None
        raise ListStateError(f"{term} 的名单已于 {state.submission.at} 提交审核，正待审核。")
    registry = ws.registry
    revision = registry.list_revision(term)
    with registry.transaction():
        registry.add_submission(term, account or registry.account, revision)
        registry.log(
            "submit",
            f"提交审核：预警 {len(ws.saved(term).warned)} 人，异议未处理 "
            f"{len(state.open_objections)} 人",
            term=str(term),
        )
    return workflow(ws, term)


def _reviewer(ws: WorkspaceView, account: str) -> None:
    user = ws.registry.user(account)
    if user is None:
        raise AccountError(f"没有账号 {account}。")
    if user.disabled:
        raise AccountError(f"账号 {account} 已停用。")
    if not allowed(user, "list.decide"):
        label = ROLES.get(user.role, user.role)
        raise AccessDeniedError(f"账号 {account} 是{label}，不是审核人，不能审核名单。")


def decide_list(
    ws, term: Term, *, approve: bool, comment: str, account: str, university: bool = False
) -> ApprovalState:
    """The reviewer (an account with the reviewer's role) approves the submitted list, or
    returns it with a reason (退回). With ``university`` the decision is the 教务处's, made by
    a university account the university folder has authorised (the pack's ``approved_by``);
    ``account`` then names it and is not a college account."""
    if not university:
        _reviewer(ws, account)
    saved = ws.saved(term)
    if saved.frozen:
        raise ListStateError(f"{term} 的名单已冻结，无需再审核。")
    if not approve and not comment.strip():
        raise InputError("退回名单时请写明理由。")
    registry = ws.registry
    revision = registry.list_revision(term)
    submission = _submission(ws, term, revision)
    if submission is None:
        raise ListStateError(f"{term} 的名单尚未提交审核，请待教学秘书提交后再审核。")
    if not submission.current:
        raise ListStateError(
            f"{term} 的名单在 {submission.at} 提交审核后又有改动，须教学秘书重新提交审核。"
        )
    head = registry.list_head(term) or {}
    decision = "approved" if approve else "returned"
    with registry.transaction():
        registry.add_approval(
            {
                "term": str(term),
                "decision": decision,
                "comment": comment.strip(),
                "account": account,
                "list_updated_at": head.get("updated_at") or "",
                "list_revision": revision,
                "submission_id": submission.id,
            }
        )
        registry.log(
            "approve" if approve else "send-back",
            comment.strip() or "同意",
            term=str(term),
        )
    return approval(ws, term)


def check_freeze_allowed(ws: WorkspaceView, term: Term) -> None:
    """Refuse the freeze while a student's objection is open, and where the policy says so
    (freeze_needs_approval) until the reviewer approved the list as it is now; the message
    says what is missing."""
    state = workflow(ws, term)
    if state.blockers:
        raise ListStateError(f"{term} 的名单还不能冻结：" + "；".join(state.blockers) + "。")


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
    sid = row["student_id"]
    entry = saved.entry(sid)
    decided = [o for o in ws.registry.objections(term) if o["student_id"] == sid]
    outcome = ""
    if decided:
        last = decided[-1]
        outcome = OUTCOME_WORDS.get(last["outcome"], "").format(level=last["level"] or "")
        if last.get("note"):
            outcome += f"（{last['note']}）"
    on_list = entry is not None and entry.warned
    if not on_list and not outcome:
        outcome = OUTCOME_WORDS["removed"]
    student = ws.registry.student(sid) or {}
    return CheckView(
        str(term),
        sid,
        entry.name if entry else str(student.get("name") or ""),
        entry.class_name if entry else str(student.get("class_name") or ""),
        entry.level if entry and on_list else "",
        entry.reason if entry and on_list else "",
        _failed_courses(entry.reason) if entry and on_list else (),
        row["response"] or "",
        row["reason"] or "",
        on_list,
        saved.frozen_at or "" if saved.frozen else "",
        outcome,
        row["response"] == "object" and not row["resolved"],
    )


def respond_check(ws: WorkspaceView, token: str, *, agree: bool, reason: str) -> CheckView:
    """The student confirms the entry, or objects with a reason (into the secretary's
    objection queue)."""
    view = check_view(ws, token)
    if view.frozen:
        raise ListStateError(f"{view.term} 的名单已于 {view.frozen_at} 确定，不能再修改答复。")
    if not view.on_list:
        raise ListStateError("你已不在本学期的预警名单上，无需答复。")
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
