"""Shared builders for the policy-semantics tests (docs/policy-semantics.md).

A grade row is written as a compact tuple, as the export prints it::

    ("2024-2025-1", "M1", "4", "45", "正常考试", "")          # term, code, credits, score, 考试性质, 备注
    ("2024-2025-1", "M1", "4", "45", "正常考试", "", "高等数学A")  # … and an optional course name

and :func:`student` turns a list of them into a :class:`StudentData`.
"""

from __future__ import annotations

import csv
import inspect
from collections.abc import Iterable, Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

from yujing.engine.assess import Assessment, WarnedStudent, assess
from yujing.engine.courses import CourseResult, course_results
from yujing.engine.figures import Figures, StudentData, figures_at
from yujing.imports import exam_kind
from yujing.institutions import load_pack_policy
from yujing.model import Attempt, ImportedLevel, PlanRow, Student, Term
from yujing.policies import Policy
from yujing.warnlist import FileAssessment, assess_files

SAMPLES = Path(__file__).parent / "samples" / "semantics"

Row = tuple[str, ...]

T1 = "2023-2024-1"
T2 = "2023-2024-2"
T3 = "2023-2024-3"  # short summer term
T4 = "2024-2025-1"
T5 = "2024-2025-2"

_POLICIES: dict[str, Policy] = {}


def policy(name: str) -> Policy:
    """A built-in policy, loaded once per session."""
    if name not in _POLICIES:
        _POLICIES[name] = load_pack_policy(name)
    return _POLICIES[name]


def term(text: str) -> Term:
    return Term.parse(text)


def attempt(sid: str, row: Row) -> Attempt:
    """``(term, code, credits, score, 考试性质[, 备注[, 课程名称]])`` → :class:`Attempt`."""
    t, code, credits, score, kind, *rest = row
    remark = rest[0] if rest else ""
    name = rest[1] if len(rest) > 1 else code
    return Attempt(
        student_id=sid,
        term=Term.parse(t),
        course_code=code,
        course_name=name,
        credits=Decimal(credits),
        kind=exam_kind(kind),
        score=score,
        remark=remark,
        kind_text=kind,
    )


def student(
    rows: Iterable[Row] = (),
    *,
    sid: str = "S1",
    name: str = "学生",
    flags: Iterable[tuple[str, str]] = (),
    imported: Iterable[tuple[str, str, str]] = (),
    grade: str = "2023",
    major: str = "计算机科学与技术",
) -> StudentData:
    """A student with grade rows, flags ``(term, 标记)`` and imported levels
    ``(term, 预警等级, 预警原因)``."""
    levels = {
        Term.parse(t): ImportedLevel(sid, Term.parse(t), lv, reason, name)
        for t, lv, reason in imported
    }
    return StudentData(
        Student(sid, name, grade=grade, major=major),
        tuple(attempt(sid, r) for r in rows),
        frozenset((Term.parse(t), f) for t, f in flags),
        levels,
    )


def passes(t: str, credits: str | Decimal, *, score: str = "85", prefix: str = "P") -> list[Row]:
    """Passed 正常考试 rows worth ``credits`` in term ``t`` (5-credit courses and a remainder)."""
    left = Decimal(credits)
    rows: list[Row] = []
    i = 0
    while left > 0:
        c = min(left, Decimal(5))
        rows.append((t, f"{prefix}{t}-{i}", str(c), score, "正常考试", ""))
        left -= c
        i += 1
    return rows


def run(
    policy_name: str,
    at: str,
    *students: StudentData,
    plan: Sequence[PlanRow] = (),
) -> Assessment:
    return assess(policy(policy_name), Term.parse(at), list(students), plan=plan)


def level(policy_name: str, at: str, data: StudentData, plan: Sequence[PlanRow] = ()) -> str | None:
    """The level of the one student ``data`` at ``at`` (``None``: not warned)."""
    return run(policy_name, at, data, plan=plan).levels.get(data.student.student_id)


def warned(
    policy_name: str, at: str, data: StudentData, plan: Sequence[PlanRow] = ()
) -> WarnedStudent | None:
    result = run(policy_name, at, data, plan=plan)
    return next((w for w in result.warned if w.student.student_id == data.student.student_id), None)


def figures(data: StudentData, at: str, **kw: Any) -> Figures:
    return figures_at(data, Term.parse(at), **kw)


def courses(rows: Iterable[Row], at: str, sid: str = "S1") -> dict[str, CourseResult]:
    """Course results by 课程代码 of the rows, at term ``at``."""
    return {c.code: c for c in course_results([attempt(sid, r) for r in rows], Term.parse(at))}


def read_list_csv(path: Path) -> dict[str, dict[str, str]]:
    """The written warning list (UTF-8 with BOM) as 学号 → row."""
    with path.open(encoding="utf-8-sig", newline="") as fh:
        return {row["学号"]: row for row in csv.DictReader(fh)}


def write_csv(
    path: Path, header: Sequence[str], rows: Iterable[Sequence[str]], *, encoding: str = "utf-8-sig"
) -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        w.writerows(rows)
    return path


GRADE_HEADER = (
    "学年",
    "学期",
    "学号",
    "姓名",
    "课程代码",
    "课程名称",
    "学分",
    "成绩",
    "考试性质",
    "成绩备注",
)
ROSTER_HEADER = ("学号", "姓名", "性别", "学院", "专业", "年级", "班级")


def assess_export(policy_name: str, at: str, *, grades: Path, **kw: Any) -> FileAssessment:
    """``assess_files`` on one grade export (the API takes one path or a sequence of paths)."""
    annotation = str(inspect.signature(assess_files).parameters["grades"].annotation)
    many = any(word in annotation for word in ("Sequence", "list", "Iterable"))
    kw["grades"] = [grades] if many else grades
    return assess_files(policy(policy_name), Term.parse(at), **kw)
