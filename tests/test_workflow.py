"""The list's workflow as library rules (名单流程): submit → approve or return → freeze; the
freeze refused while an objection is open (naming the students) and, where the policy asks,
until the list as it is now was approved; a change after an approval makes it stale; a
student's link shows the outcome of their objection after the freeze. The CLI's ``list
submit|approve|return|status|freeze`` and the roster check of ``user add``."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
import scanlib
from click.testing import CliRunner
from conftest import TERM, sample_workspace
from PIL import Image

from yujing.cli.main import cli
from yujing.errors import AccessDeniedError, AccountError, ListStateError, RosterMismatchError
from yujing.qr import qr_png
from yujing.roles import JobRef, Role, StudentRef, allowed
from yujing.workspace import Workspace

PASSWORD = "correct-horse-1"
RED, ORANGE = "2023010104", "2023010101"  # 郑丽 红色预警, 陈明 橙色预警


def _needs_approval(ws: Workspace) -> Workspace:
    policy = ws.root / "pack" / "policy.toml"
    policy.write_text(
        policy.read_text(encoding="utf-8").replace(
            "[policy]\n", "[policy]\nfreeze_needs_approval = true\n", 1
        ),
        encoding="utf-8",
    )
    root = ws.root
    ws.close()
    return Workspace(root)


@pytest.fixture
def ws(tmp_path: Path) -> Iterator[Workspace]:
    ws = _needs_approval(sample_workspace(tmp_path / "ws"))
    ws.assess(TERM)
    ws.add_user("sec", role="secretary", password=PASSWORD)
    ws.add_user("rev", role="reviewer", password=PASSWORD)
    ws.open_review_window(TERM)
    yield ws
    ws.close()


def _token(ws: Workspace, sid: str) -> str:
    return next(s.token for s in ws.student_slips(TERM) if s.student_id == sid)


def test_freeze_refused_while_an_objection_is_open_naming_the_student(ws: Workspace) -> None:
    ws.respond_check(_token(ws, RED), agree=False, reason="补考成绩未录入")
    ws.respond_check(_token(ws, ORANGE), agree=True, reason="")
    ws.submit_list(TERM, account="sec")
    ws.decide_list(TERM, approve=True, comment="", account="rev")
    flow = ws.workflow(TERM)
    assert (flow.confirmed, flow.objected, len(flow.open_objections)) == (1, 1, 1)
    assert flow.stage == "approved" and not flow.can_freeze
    with pytest.raises(ListStateError, match=f"异议未处理：郑丽（{RED}）"):
        ws.freeze(TERM)
    assert not ws.saved(TERM).frozen


def test_an_objection_moving_a_student_from_red_to_orange_makes_the_approval_stale(
    ws: Workspace,
) -> None:
    ws.respond_check(_token(ws, RED), agree=False, reason="补考成绩未录入")
    ws.submit_list(TERM, account="sec")
    with pytest.raises(ListStateError, match=r"已于 .* 提交审核，正待审核"):
        ws.submit_list(TERM, account="sec")
    approved = ws.decide_list(TERM, approve=True, comment="同意", account="rev")
    assert approved.approved and ws.workflow(TERM).stage == "approved"
    ws.decide_objection(
        TERM, RED, reason="补考成绩未录入", outcome="corrected", level="橙色预警", note="补考 72"
    )
    assert ws.saved(TERM).entry(RED).level == "橙色预警"  # type: ignore[union-attr]
    state = ws.approval(TERM)
    assert state.decision == "approved" and state.stale and not state.approved
    flow = ws.workflow(TERM)
    assert flow.stage == "checking" and flow.open_objections == ()
    with pytest.raises(ListStateError, match="审核后又有改动，须重新提交审核"):
        ws.freeze(TERM)
    # the reviewer cannot approve the changed list before it is submitted again
    with pytest.raises(ListStateError, match="提交审核后又有改动"):
        ws.decide_list(TERM, approve=True, comment="", account="rev")
    ws.submit_list(TERM, account="sec")
    ws.decide_list(TERM, approve=True, comment="", account="rev")
    assert ws.freeze(TERM).status == "frozen"


def test_a_new_assessment_makes_the_approval_stale(ws: Workspace) -> None:
    ws.submit_list(TERM, account="sec")
    ws.decide_list(TERM, approve=True, comment="", account="rev")
    ws.assess(TERM)
    assert ws.approval(TERM).stale
    with pytest.raises(ListStateError, match="须重新提交审核"):
        ws.freeze(TERM)


def test_return_needs_a_reason_and_blocks_until_resubmitted_and_approved(ws: Workspace) -> None:
    with pytest.raises(ListStateError, match=r"须先提交审核.*审核人（rev）"):
        ws.freeze(TERM)
    with pytest.raises(ListStateError, match="尚未提交审核"):
        ws.decide_list(TERM, approve=True, comment="", account="rev")
    ws.submit_list(TERM, account="sec")
    with pytest.raises(Exception, match="理由"):
        ws.decide_list(TERM, approve=False, comment=" ", account="rev")
    ws.decide_list(TERM, approve=False, comment="请核实补考", account="rev")
    assert ws.workflow(TERM).stage == "returned"
    with pytest.raises(ListStateError, match="已退回：请核实补考"):
        ws.freeze(TERM)
    ws.submit_list(TERM, account="sec")
    assert ws.workflow(TERM).stage == "submitted"  # the return concerned the earlier submission
    ws.decide_list(TERM, approve=True, comment="", account="rev")
    ws.freeze(TERM)
    assert ws.workflow(TERM).stage == "frozen"


def test_only_a_reviewer_account_decides(ws: Workspace) -> None:
    ws.submit_list(TERM, account="sec")
    with pytest.raises(AccessDeniedError, match="不是审核人"):
        ws.decide_list(TERM, approve=True, comment="", account="sec")
    with pytest.raises(AccountError, match="没有账号"):
        ws.decide_list(TERM, approve=True, comment="", account="nobody")
    assert ws.approval(TERM).decision == ""


def test_without_required_approval_only_open_objections_block(tmp_path: Path) -> None:
    ws = sample_workspace(tmp_path / "ws")
    ws.assess(TERM)
    ws.open_review_window(TERM)
    ws.respond_check(_token(ws, RED), agree=False, reason="补考成绩未录入")
    assert not ws.workflow(TERM).needs_approval
    with pytest.raises(ListStateError, match="郑丽"):
        ws.freeze(TERM)
    ws.decide_objection(TERM, RED, reason="补考成绩未录入", outcome="upheld")
    ws.freeze(TERM)
    ws.close()


def test_the_student_sees_the_outcome_after_the_freeze(ws: Workspace) -> None:
    red, orange = _token(ws, RED), _token(ws, ORANGE)
    ws.respond_check(red, agree=False, reason="补考成绩未录入")
    ws.respond_check(orange, agree=False, reason="课程已免修")
    open_view = ws.check_view(red)
    assert open_view.objection_open and not open_view.outcome
    ws.decide_objection(TERM, RED, reason="补考成绩未录入", outcome="corrected", level="黄色预警")
    ws.decide_objection(TERM, ORANGE, reason="课程已免修", outcome="removed")
    ws.submit_list(TERM, account="sec")
    ws.decide_list(TERM, approve=True, comment="", account="rev")
    ws.freeze(TERM)
    view = ws.check_view(red)  # readable after the freeze
    assert view.frozen and view.on_list and view.level == "黄色预警"
    assert "更正为 黄色预警" in view.outcome and not view.objection_open
    gone = ws.check_view(orange)
    assert gone.frozen and not gone.on_list and "不在本学期的学业预警名单上" in gone.outcome
    assert gone.name == "陈明" and gone.level == "" and gone.reason == ""
    with pytest.raises(ListStateError, match="不能再修改答复"):
        ws.respond_check(red, agree=True, reason="")


def test_the_authorisation_model() -> None:
    class Account:
        def __init__(self, name: str, role: str) -> None:
            self.name, self.role = name, role

    counsellor = Account("马颖", Role.COUNSELLOR.value)
    assert allowed(counsellor, "folder.read", StudentRef("1", mine=True))
    assert not allowed(counsellor, "folder.read", StudentRef("2", mine=False))
    assert allowed(Account("s", "secretary"), "folder.read", StudentRef("2", mine=False))
    assert not allowed(Account("r", "reviewer"), "folder.read")
    assert allowed(counsellor, "job", JobRef("马颖")) and not allowed(counsellor, "job", JobRef("x"))
    assert allowed(Account("s", "secretary"), "job", JobRef("x"))
    assert not allowed(Account("x", "admin"), "home") and not allowed(None, "home")
    assert allowed(None, "check") and allowed("reviewer", "list.decide")
    assert [r.value for r in Role] == [
        "secretary", "reviewer", "counsellor", "class-teacher", "inspector"
    ]  # the values stored in the registry


def test_adviser_accounts_must_match_the_roster(tmp_path: Path) -> None:
    ws = sample_workspace(tmp_path / "ws")
    with pytest.raises(RosterMismatchError, match="没有辅导员「王老帅」（相近：王老师）"):
        ws.add_user("w", role="counsellor", roster_name="王老帅", password=PASSWORD)
    with pytest.raises(RosterMismatchError, match="没有班级「机械2303」"):
        ws.add_user("w", role="class-teacher", classes=["机械2303"], password=PASSWORD)
    assert ws.registry.user("w") is None
    ws.add_user("w", role="counsellor", roster_name="王老师", password=PASSWORD)
    ws.add_user("k", role="counsellor", roster_name="新来的", password=PASSWORD, allow_unknown=True)
    choices = ws.roster_choices()
    assert "王老师" in choices["counsellor"] and "李老师" in choices["class-teacher"]
    assert "机械2301" in choices["classes"]
    ws.close()


def test_cli_submit_approve_return_status_and_freeze(ws: Workspace) -> None:
    root = str(ws.root)
    ws.respond_check(_token(ws, RED), agree=False, reason="补考成绩未录入")
    ws.close()
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        r = runner.invoke(cli, ["-w", root, *args], catch_exceptions=False)
        return r.exit_code, r.output

    code, out = run("list", "freeze", "--term", str(TERM))
    assert code == 1 and "郑丽" in out and "须先提交审核" in out
    assert "yujing list submit" in out and "yujing list approve" in out
    code, out = run("list", "submit", "--term", str(TERM), "--by", "sec")
    assert code == 0 and "已提交审核" in out and "异议未处理" in out and "补考成绩未录入" in out
    code, out = run("list", "approve", "--term", str(TERM), "--by", "sec")
    assert code == 1 and "不是审核人" in out
    code, out = run("list", "return", "--term", str(TERM), "--by", "rev")
    assert code == 2  # --reason is required
    code, out = run("list", "return", "--term", str(TERM), "--by", "rev", "--reason", "请核实")
    assert code == 0 and "已退回：请核实" in out
    run("list", "submit", "--term", str(TERM))
    code, out = run("list", "approve", "--term", str(TERM), "--by", "rev")
    assert code == 0 and "已审核同意" in out
    code, out = run("list", "status", "--term", str(TERM))
    assert code == 0 and "审核同意" in out and "还不能冻结" in out and "郑丽" in out
    code, out = run(
        "list", "objection", RED, "--term", str(TERM), "--reason", "补考成绩未录入",
        "--outcome", "upheld",
    )
    assert code == 0  # the student's objection is decided: off the queue, the approval stale
    code, out = run("list", "status", "--term", str(TERM))
    assert "此审核已失效" in out and "异议未处理" not in out
    code, out = run("list", "freeze", "--term", str(TERM))
    assert code == 1 and "须重新提交审核" in out
    events = Workspace(Path(root))
    assert [e["account"] for e in events.registry.events("approve")] == ["rev"]
    assert [e["account"] for e in events.registry.events("send-back")] == ["rev"]
    events.close()


def test_the_per_student_check_is_the_same_rule(ws: Workspace) -> None:
    ws.add_user("wang", role="counsellor", roster_name="王老师", password=PASSWORD)
    counsellor, reviewer, secretary = (ws.registry.user(n) for n in ("wang", "rev", "sec"))
    assert counsellor is not None and reviewer is not None and secretary is not None
    mine = sorted(ws.students_of(counsellor) or ())
    assert mine
    ws.check_student(counsellor, mine[0])
    ws.check_student(secretary, RED)
    with pytest.raises(AccessDeniedError, match="无权查看学生档案"):
        ws.check_student(reviewer, RED)
    denied = ws.registry.events("access-denied")
    assert denied and denied[-1]["detail"].startswith("rev")


def test_cli_review_queue_shows_the_uploader_and_sets_pages_aside(tmp_path: Path) -> None:
    ws = sample_workspace(tmp_path / "ws")
    page = Image.new("RGB", (1654, 2339), "white")
    code = Image.open(io.BytesIO(qr_png("HTTPS://U.WECHAT.COM/GROUP/ABC"))).convert("RGB")
    page.paste(code, (400, 400))
    ws.scan([scanlib.make_pdf([page, page.rotate(180)], tmp_path / "wx.pdf", dpi=200)])
    first, second = ws.review_items()
    root = str(ws.root)
    ws.close()
    runner = CliRunner()

    def run(*args: str) -> tuple[int, str]:
        r = runner.invoke(cli, ["-w", root, *args], catch_exceptions=False)
        return r.exit_code, r.output

    code_, out = run("review")
    assert code_ == 0 and "服务器上的命令行" in out and "yujing set-aside" in out
    code_, out = run("assign", str(first.id), "999999", "N1")
    assert code_ == 1 and "没有编号" in out
    code_, out = run("set-aside", str(first.id), "discarded", "--note", "微信群二维码页")
    assert code_ == 0 and "文件保留" in out
    code_, out = run("set-aside", str(second.id), "duplicate")
    assert code_ == 0
    code_, out = run("set-aside", str(first.id), "duplicate")
    assert code_ == 1 and "不是本系统材料" in out
    assert run("set-aside", str(first.id), "deleted")[0] == 2
    assert run("review")[1].strip() == "待处理队列为空。"
    assert (Path(root) / first.file).is_file() and (Path(root) / second.file).is_file()
