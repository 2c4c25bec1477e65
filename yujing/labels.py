"""Words for people (用语表): the one table that turns the codes yujing stores — statuses,
kinds, outcomes, roles, job kinds and states, event codes — into the Chinese a person reads,
and the one way a stored time is shown (``2026-12-08 00:01``).

The CLI and every console page speak through :func:`label` and :func:`when` (the console
as the Jinja filters ``label`` and ``when``), so a code never reaches a screen raw and a
word is changed in one place. The tables the library already keeps beside its own code
(roles, record kinds, objection outcomes, signature verdicts, audit statuses and problems,
job kinds) are taken in as they are, so there is still one word per code.
"""

from __future__ import annotations

from types import MappingProxyType
from typing import Final

from yujing.accounts import ROLES
from yujing.archive.verdicts import VERDICT_TEXT
from yujing.checker.model import PROBLEMS, STATUSES
from yujing.jobs import JOB_KINDS
from yujing.model import BATCH_STATUS, RECORD_KINDS, when

__all__ = ["GROUPS", "label", "when"]  # when: the one time format, defined with the plain values

EVENTS: Final = {
    "init": "创建工作区",
    "import": "导入",
    "import-map": "保存列映射",
    "roster-change": "学生名单变动",
    "assess": "生成名单",
    "review-window": "开放学生核查",
    "student-confirm": "学生确认无误",
    "student-objection": "学生提出异议",
    "objection": "登记异议处理",
    "approve": "审核同意",
    "send-back": "审核退回",
    "submit": "提交审核",
    "freeze": "冻结名单",
    "issue-allocate": "分配编号",
    "issue": "打印批次",
    "reprint": "重印",
    "void": "作废编号",
    "secret": "签名密钥",
    "scan-file": "扫描归档",
    "scan-skip": "跳过重复文件",
    "scan-reread": "重新读取",
    "scan-error": "扫描出错",
    "assign": "人工归档",
    "upload": "上传",
    "signature-confirm": "确认签字",
    "archive-update": "档案登记变动",
    "interview": "谈话记录",
    "parent-contact": "家长联系",
    "plan": "学习计划",
    "support": "帮扶记录",
    "transcript": "成绩单",
    "other": "其他材料",
    "attach": "附加材料",
    "job": "后台任务",
    "backup": "备份",
    "restore": "恢复",
    "login": "登录",
    "login-failed": "登录失败",
    "login-throttled": "登录受限",
    "access-denied": "拒绝访问",
    "user-add": "添加账号",
    "user-disable": "停用账号",
    "user-passwd": "重设密码",
    "registry-seal": "登记库封印",
}
"""Event codes of the operation log (操作日志)."""

GROUPS: Final = MappingProxyType(
    {
        "role": ROLES,
        "event": EVENTS,
        "record-kind": RECORD_KINDS,
        "job-kind": JOB_KINDS,
        "job-state": {
            "queued": "排队中",
            "running": "进行中",
            "done": "已完成",
            "failed": "失败",
            "interrupted": "已中断",
            "cancelled": "已取消",
        },
        "job-unit": {
            "issue": "步",
            "scan": "页",
            "audit": "人",
            "reports": "份",
            "transcripts": "人",
            "backup": "个文件",
        },
        "import-kind": {
            "roster": "学生名单",
            "grades": "成绩",
            "plan": "培养方案学分",
            "flags": "学生标记",
            "levels": "教务预警名单",
        },
        "list-status": {"draft": "草稿", "frozen": "已冻结"},
        "decision": {"approved": "已同意", "returned": "已退回", "": "未审核"},
        "outcome": {"corrected": "更正", "removed": "移出", "upheld": "维持"},
        "response": {"agree": "确认无误", "object": "提出异议", "": "未回复"},
        "batch-kind": {"issue": "发出", "reprint": "重印"},
        "batch-status": BATCH_STATUS,
        "serial-status": {"active": "有效", "voided": "已作废"},
        "page-result": {
            "filed": "已归档",
            "review": "待处理",
            "blank": "空白页",
            "retake": "请重拍",
        },
        "verdict": VERDICT_TEXT,
        "step": {
            "import-roster": "导入学生名单和成绩",
            "assess": "导入本学期成绩，生成预警名单",
            "objections": "处理学生异议",
            "review-window": "开放学生核查，发出核查条",
            "wait-approval": "等待审核人审核名单",
            "freeze": "冻结名单",
            "issue": "打印通知书",
            "review": "归档待处理的扫描页",
            "signatures": "复核签字",
            "audit": "检查学生档案",
            "approve": "审核名单",
            "my": "上传签字回执、登记谈话和家长联系",
        },
        "audit-status": STATUSES,
        "problem": PROBLEMS,
    }
)
"""Every group of codes, by name."""


def label(code: object, group: str) -> str:
    """The Chinese word for ``code`` in ``group`` (``label("done", "job-state")`` → 已完成);
    an unknown code is shown as it is (the crawl test finds it)."""
    text = "" if code is None else str(code)
    return GROUPS[group].get(text, text)
