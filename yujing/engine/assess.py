"""The assessment (预警判定): every student's level at a term under a policy.

:func:`assess` is the one entry point; it is pure (no I/O) and is used both inside a
workspace and by ``yujing assess --policy … --output …`` without one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction

from yujing.engine.courses import fmt_decimal
from yujing.engine.figures import (
    METRICS,
    Figures,
    StudentData,
    _courses_text,
    figures_at,
)
from yujing.errors import AssessmentError
from yujing.model import PlanRow, Progress, Student, Term
from yujing.policies import OPERATORS, Criterion, Level, Policy

"""``progress(done, total)``: called while a long job runs; the CLI draws the bar."""


@dataclass(frozen=True)
class WarnedStudent:
    """One row of the warning list (预警名单): a student, the level, and why."""

    student: Student
    level: str
    reason: str
    figures: Figures
    carried_from: Term | None = None
    """Set when the level is kept from an earlier term (警示期未解除) rather than met now."""


@dataclass(frozen=True)
class NotAssessed:
    """A roster entry that could not be assessed, and why (e.g. 无成绩记录)."""

    student_id: str
    name: str
    reason: str


@dataclass(frozen=True)
class Assessment:
    """The result of :func:`assess`."""

    policy: Policy
    term: Term
    warned: tuple[WarnedStudent, ...]
    assessed_count: int
    not_assessed: tuple[NotAssessed, ...] = ()
    levels: Mapping[str, str] = field(default_factory=dict)
    """学号 → level for every warned student (a convenience index)."""

    def count_by_level(self) -> dict[str, int]:
        counts = {name: 0 for name in self.policy.level_names}
        for w in self.warned:
            counts[w.level] = counts.get(w.level, 0) + 1
        return counts


def assess(
    policy: Policy,
    term: Term,
    students: Iterable[StudentData],
    *,
    plan: Sequence[PlanRow] = (),
    progress: Progress | None = None,
) -> Assessment:
    """Assess every student at ``term``.

    Students with no grade row of a term ≤ ``term`` (and no imported level for it) are
    reported in ``not_assessed``. Raises :class:`AssessmentError` when the policy needs a
    培养方案 that does not cover a student's 年级 + 专业.
    """
    population = list(students)
    required = _required_credits(policy, term, population, plan)
    with_previous = policy.uses("term_gpa_drop")
    warned: list[WarnedStudent] = []
    not_assessed: list[NotAssessed] = []
    assessed = 0
    total = len(population)
    for i, data in enumerate(population, start=1):
        if progress is not None and (i % 500 == 0 or i == total):
            progress(i, total)
        has_rows = any(a.term <= term for a in data.attempts)
        if not has_rows and term not in data.imported:
            reason = "无成绩记录" if not data.attempts else f"{term} 及以前无成绩记录"
            not_assessed.append(NotAssessed(data.student.student_id, data.student.name, reason))
            continue
        assessed += 1
        req = required.get((data.student.grade, data.student.major))
        entry = _assess_student(policy, term, data, req, plan, with_previous)
        if entry is not None:
            warned.append(entry)
    warned.sort(key=lambda w: (w.student.college, w.student.class_name, w.student.student_id))
    return Assessment(
        policy=policy,
        term=term,
        warned=tuple(warned),
        assessed_count=assessed,
        not_assessed=tuple(not_assessed),
        levels={w.student.student_id: w.level for w in warned},
    )


def _assess_student(
    policy: Policy,
    term: Term,
    data: StudentData,
    required: Decimal | None,
    plan: Sequence[PlanRow],
    with_previous: bool,
) -> WarnedStudent | None:
    figures = figures_at(data, term, required_credits=required, with_previous=with_previous)
    level = _level_met(policy, figures)
    if level is not None:
        return WarnedStudent(data.student, level.name, _reason(policy, figures), figures)
    if policy.history is None:
        return None
    carried = _carried_level(policy, term, data, plan, with_previous)
    if carried is None:
        return None
    level_name, since = carried
    # a continuing warning says so in words: since which term, and why it is not released
    # (e.g. 累计未通过学分 7，未低于 6), never a raw term code
    kept = "；".join(_unique(_why_kept(c, figures) for c in policy.history.keep_while))
    reason = f"{since.label()}起{level_name}，本学期未达警示条件，尚未解除：{kept}"
    if figures.failed_courses:
        reason += f"（不及格课程：{_courses_text(figures.failed_courses)}）"
    return WarnedStudent(data.student, level_name, reason, figures, carried_from=since)


def measure(criterion: Criterion, figures: Figures) -> Decimal | Fraction | None:
    """The value of the criterion's metric over ``figures`` (``None``: not measurable)."""
    return METRICS[criterion.metric].value(figures, criterion.params)


def holds(criterion: Criterion, figures: Figures, level_name: str) -> bool:
    """Whether ``criterion`` of the level ``level_name`` holds for ``figures``; a metric that
    cannot be measured holds no comparison. ``imported_level`` holds when the 教务 list gave
    the student this very level."""
    if criterion.metric == "imported_level":
        return figures.imported is not None and figures.imported.level == level_name
    measured = measure(criterion, figures)
    if measured is None:
        return False
    if isinstance(measured, Fraction):  # exact percentages
        return OPERATORS[criterion.op](measured, Fraction(criterion.value))
    return OPERATORS[criterion.op](measured, criterion.value)


def describe(criterion: Criterion, figures: Figures) -> str:
    """The sentence of a 预警原因 that states the criterion's metric with ``figures``."""
    return METRICS[criterion.metric].describe(figures, criterion.params)


_KEPT_WORDS = {">=": "未低于", ">": "高于", "<=": "未高于", "<": "低于", "==": "等于"}


def _why_kept(criterion: Criterion, figures: Figures) -> str:
    """Why a release condition is not met yet: ``累计未通过学分 7，未低于 6``."""
    metric = METRICS[criterion.metric]
    measured = metric.value(figures, criterion.params)
    shown = fmt_decimal(measured) if isinstance(measured, Decimal) else str(measured)
    return f"{metric.title} {shown}，{_KEPT_WORDS[criterion.op]} {fmt_decimal(criterion.value)}"


def _level_met(policy: Policy, figures: Figures) -> Level | None:
    for level in policy.levels:
        if any(holds(c, figures, level.name) for c in level.criteria):
            return level
    return None


def _keeps(criteria: Sequence[Criterion], figures: Figures) -> bool:
    return all(holds(c, figures, "") for c in criteria)


def _carried_level(
    policy: Policy,
    term: Term,
    data: StudentData,
    plan: Sequence[PlanRow],
    with_previous: bool,
) -> tuple[str, Term] | None:
    """Replay the student's history term by term (terms with rows, then ``term``) and return
    the level still held at ``term`` with the term it was last met, or ``None`` if released."""
    assert policy.history is not None
    level: str | None = None
    since: Term | None = None
    for s in sorted({*data.row_terms(term), term}):
        req = _required_for(data.student, s, plan) if policy.uses("credit_shortfall") else None
        fig = figures_at(data, s, required_credits=req, with_previous=with_previous)
        met = _level_met(policy, fig)
        if met is not None:
            level, since = met.name, s
        elif level is not None and not _keeps(policy.history.keep_while, fig):
            level, since = None, None
    if level is None or since is None or since == term:
        return None
    return level, since


def _reason(policy: Policy, figures: Figures) -> str:
    """The 预警原因: every criterion that holds (at any level), each stated once with its
    figures, in the policy's order."""
    texts = [
        describe(c, figures)
        for level in policy.levels
        for c in level.criteria
        if holds(c, figures, level.name)
    ]
    return "；".join(_unique(t for t in texts if t))


def _unique(texts: Iterable[str]) -> list[str]:
    seen: dict[str, None] = {}
    for t in texts:
        seen.setdefault(t, None)
    return list(seen)


def _required_for(student: Student, term: Term, plan: Sequence[PlanRow]) -> Decimal | None:
    rows = [p for p in plan if p.grade == student.grade and p.major == student.major]
    if not rows:
        return None
    return sum((p.credits for p in rows if p.term <= term), Decimal(0))


def _required_credits(
    policy: Policy, term: Term, population: Sequence[StudentData], plan: Sequence[PlanRow]
) -> dict[tuple[str, str], Decimal]:
    """Credits required through ``term`` per (年级, 专业); errors name every uncovered student."""
    if not policy.uses("credit_shortfall"):
        return {}
    totals: dict[tuple[str, str], Decimal] = {}
    for p in plan:
        key = (p.grade, p.major)
        totals.setdefault(key, Decimal(0))
        if p.term <= term:
            totals[key] += p.credits
    missing: dict[tuple[str, str], list[str]] = {}
    for data in population:
        if not any(a.term <= term for a in data.attempts):
            continue
        s = data.student
        key = (s.grade, s.major)
        if key not in totals:
            missing.setdefault(key, []).append(f"{s.student_id} {s.name}".strip())
    if missing:
        lines = []
        for (grade, major), who in sorted(missing.items()):
            label = f"{grade or '（年级为空）'}级 {major or '（专业为空）'}"
            sample = "、".join(who[:5]) + (f" 等 {len(who)} 人" if len(who) > 5 else "")
            lines.append(f"  {label}：{sample}")
        raise AssessmentError(
            f"规则「{policy.name}」按培养方案计算学分差额，但以下年级/专业没有培养方案学分：\n"
            + "\n".join(lines)
            + "\n请导入含这些年级、专业的培养方案（yujing import plan FILE，"
            "表头：年级, 专业, 学年, 学期, 应修学分），或在学生名单中改正年级/专业。"
        )
    return totals
