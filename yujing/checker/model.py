"""What a completeness audit (档案完整性检查) returns: findings per student, statuses per
required document, totals per class and college. Values only; the audit itself is in
:mod:`yujing.checker.audit`, the renderings (HTML, .xlsx, table, JSON, CSV) elsewhere.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass, field
from typing import Any

# Problems a finding can report (问题类型), with the Chinese word a report prints.
PROBLEMS: dict[str, str] = {
    "missing": "缺失",
    "late": "逾期",
    "overdue": "已超期未完成",
    "unsigned": "未签字",
    "mismatch": "与编号或学生不符",
    "altered": "文件已被改动",
    "unreadable": "文件无法读取",
    "orphan": "登记库中没有记录的文件",
    "tampered": "登记库被改动",
    "two-names": "一个学号有两个档案夹",
}

# Statuses of one required document in one student's folder (a cell of the report).
STATUSES: dict[str, str] = {
    "ok": "齐全",
    "missing": "缺失",
    "late": "逾期",
    "overdue": "超期未交",
    "unsigned": "未签字",
    "altered": "被改动",
    "unreadable": "无法读取",
    "mismatch": "不符",
    "pending": "未到期",
    "n/a": "不适用",
}
GOOD_STATUSES = frozenset({"ok", "pending", "n/a"})


@dataclass(frozen=True)
class Finding:
    """One problem found (检查发现)."""

    student_id: str
    name: str
    college: str
    class_name: str
    level: str
    requirement: str  # requirement id, e.g. "notice-stub"; "" for a stray file
    title: str  # what is concerned, in Chinese, e.g. "通知书存根"
    problem: str  # a key of PROBLEMS
    detail: str  # one Chinese sentence with the figures (dates, counts, file)
    path: str = ""  # the file concerned, relative to the workspace
    due: str = ""  # ISO date the step was due, when a deadline applies

    @property
    def problem_text(self) -> str:
        return PROBLEMS.get(self.problem, self.problem)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "problem_text": self.problem_text}

    def as_row(self) -> list[str]:
        """The finding in the columns of :data:`FINDING_HEADERS`."""
        return [
            self.college,
            self.class_name,
            self.student_id,
            self.name,
            self.level,
            self.title,
            self.problem_text,
            self.detail,
            self.path,
        ]


FINDING_HEADERS = ("学院", "班级", "学号", "姓名", "预警等级", "材料", "问题", "说明", "文件")


@dataclass(frozen=True)
class RequirementStatus:
    """The state of one required document for one student (a cell of the report)."""

    requirement: str
    title: str
    status: str  # a key of STATUSES
    detail: str = ""
    count: int = 0  # documents found (e.g. interviews held)
    needed: int = 1  # documents required

    @property
    def ok(self) -> bool:
        return self.status in GOOD_STATUSES

    @property
    def status_text(self) -> str:
        return STATUSES.get(self.status, self.status)


@dataclass(frozen=True)
class StudentAudit:
    """One warned student's folder."""

    student_id: str
    name: str
    college: str
    class_name: str
    level: str
    folder: str
    statuses: tuple[RequirementStatus, ...]
    findings: tuple[Finding, ...]

    @property
    def complete(self) -> bool:
        return not self.findings


@dataclass(frozen=True)
class AuditReport:
    """The result of an audit of one term's folders."""

    school: str
    policy: str  # policy name, e.g. "anshan"
    policy_title: str  # e.g. "学业预警"
    term: str  # "2024-2025-1"
    term_label: str  # "2024-2025学年第1学期"
    generated_at: str  # ISO timestamp
    as_of: str  # ISO date deadlines were counted to
    verified: bool  # files re-hashed (--verify) rather than trusted by size and time
    requirements: tuple[tuple[str, str], ...]  # (id, title) of every requirement, in order
    students: tuple[StudentAudit, ...]
    stray: tuple[Finding, ...] = ()  # files the registry does not know (orphans)
    notes: tuple[str, ...] = field(default_factory=tuple)
    integrity: tuple[Finding, ...] = ()
    """Registry rows changed by hand (登记库被改动) and folders shared or split (档案夹)."""
    college: tuple[Finding, ...] = ()
    """What the college folder (``archive/_学院/<学期>/``) lacks: the policy's college-level
    requirements, per college with warned students (student_id ``_学院``, name = college)."""

    @property
    def findings(self) -> tuple[Finding, ...]:
        return (
            tuple(f for s in self.students for f in s.findings)
            + self.college
            + self.stray
            + self.integrity
        )

    @property
    def complete(self) -> bool:
        return not self.findings

    def by_class(self) -> dict[tuple[str, str], list[StudentAudit]]:
        out: dict[tuple[str, str], list[StudentAudit]] = {}
        for s in self.students:
            out.setdefault((s.college, s.class_name), []).append(s)
        return dict(sorted(out.items()))

    def totals(self, key: str = "class") -> dict[tuple[str, ...], dict[str, int]]:
        """Per class (``key="class"``) or college (``"college"``): students, complete
        students, and findings per problem."""
        out: dict[tuple[str, ...], Counter[str]] = {}
        for s in self.students:
            k = (s.college, s.class_name) if key == "class" else (s.college,)
            c = out.setdefault(k, Counter())
            c["students"] += 1
            c["complete"] += int(s.complete)
            for f in s.findings:
                c[f.problem] += 1
        return {k: dict(v) for k, v in sorted(out.items())}

    def to_json(self) -> dict[str, Any]:
        return {
            "school": self.school,
            "policy": self.policy,
            "term": self.term,
            "generated_at": self.generated_at,
            "as_of": self.as_of,
            "verified": self.verified,
            "complete": self.complete,
            "requirements": [{"id": i, "title": t} for i, t in self.requirements],
            "students": [
                {
                    "student_id": s.student_id,
                    "name": s.name,
                    "college": s.college,
                    "class_name": s.class_name,
                    "level": s.level,
                    "folder": s.folder,
                    "statuses": [
                        {**asdict(st), "status_text": st.status_text} for st in s.statuses
                    ],
                    "findings": [f.to_json() for f in s.findings],
                }
                for s in self.students
            ],
            "stray": [f.to_json() for f in self.stray],
            "integrity": [f.to_json() for f in self.integrity],
            "notes": list(self.notes),
            "college": [f.to_json() for f in self.college],
            "totals_by_class": [
                {"college": k[0], "class_name": k[1], **v} for k, v in self.totals().items()
            ],
            "totals_by_college": [
                {"college": k[0], **v} for k, v in self.totals("college").items()
            ],
        }
