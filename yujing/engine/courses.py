"""From exam attempts to course results and figures, as ``docs/policy-semantics.md`` fixes them.

An attempt passes, fails or has no result yet (缓考); a course is one 课程代码 of one student;
its term is the term of its earliest 正常考试 row; figures (term credits, failed credits,
GPA, …) are computed over the rows of terms ≤ the assessed term. Pure functions; no I/O.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable, Sequence
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import NamedTuple

from yujing.errors import InvalidValueError
from yujing.model import (
    DEFERRED_REMARK,
    EXEMPT_REMARK,
    FAILING_REMARKS,
    Attempt,
    AttemptKind,
    Term,
)

PASS_WORDS: dict[str, Decimal | None] = {
    "优秀": Decimal("4.5"),
    "良好": Decimal("3.5"),
    "中等": Decimal("2.5"),
    "及格": Decimal("1.5"),
    "合格": None,
    "通过": None,
}
FAIL_WORDS: dict[str, Decimal | None] = {"不及格": Decimal(0), "不合格": None, "不通过": None}
MAKEUP_POINT_CAP = Decimal("1.0")
_SIXTY = Decimal(60)
_TEN = Decimal(10)
_FIFTY = Decimal(50)
_CENT = Decimal("0.01")


class Outcome(StrEnum):
    PASSED = "通过"
    FAILED = "未通过"
    PENDING = "待定"


@functools.lru_cache(maxsize=8192)
def parse_score(text: str) -> Decimal | str | None:
    """A score cell as a number 0–100, a grade word, or ``None`` when empty.

    Raises :class:`~yujing.errors.InvalidValueError` (Chinese message) for anything else.
    """
    t = (text or "").strip()
    if not t:
        return None
    if t in PASS_WORDS or t in FAIL_WORDS:
        return t
    try:
        value = Decimal(t)
    except ArithmeticError:
        raise InvalidValueError(
            "成绩应为 0–100 的数字，或 优秀/良好/中等/及格/不及格，或 合格/不合格/通过/不通过"
        ) from None
    if not value.is_finite() or value < 0 or value > 100:
        raise InvalidValueError("成绩应在 0 到 100 之间")
    return value


def attempt_result(attempt: Attempt) -> tuple[Outcome, Decimal | None]:
    """Outcome and grade point (绩点) of one attempt, before the make-up cap."""
    return _result(attempt.remark, attempt.score)


@functools.lru_cache(maxsize=16384)
def _result(remark: str, score_text: str) -> tuple[Outcome, Decimal | None]:
    # Depends on (remark, score) only: a few thousand distinct pairs over a million rows.
    if remark in FAILING_REMARKS:
        return Outcome.FAILED, Decimal(0)
    if remark == DEFERRED_REMARK:
        return Outcome.PENDING, None
    if remark == EXEMPT_REMARK:
        return Outcome.PASSED, None
    score = parse_score(score_text)
    if score is None:
        # Importer refuses these rows; treated as no result if one slips through.
        return Outcome.PENDING, None
    if isinstance(score, str):
        if score in PASS_WORDS:
            return Outcome.PASSED, PASS_WORDS[score]
        return Outcome.FAILED, FAIL_WORDS[score]
    if score >= _SIXTY:
        return Outcome.PASSED, (score - _FIFTY) / _TEN
    return Outcome.FAILED, Decimal(0)


class CourseResult(NamedTuple):
    """One course (课程) of one student as it stands at the assessed term.

    A NamedTuple for speed (half a million are made per assessment of 30,000 students).
    """

    code: str
    name: str
    term: Term
    credits: Decimal
    outcome: Outcome
    grade_point: Decimal | None
    failed_after_makeup: bool
    failed_first_exam_terms: frozenset[Term]

    def label(self) -> str:
        """``高等数学A(4)``: name with credits, as reasons list failed courses."""
        return f"{self.name}({fmt_decimal(self.credits)})"


def course_results(attempts: Iterable[Attempt], upto: Term) -> list[CourseResult]:
    """Aggregate one student's attempts of terms ≤ ``upto`` into courses."""
    by_code: dict[str, list[Attempt]] = {}
    for a in attempts:
        if a.term <= upto:
            by_code.setdefault(a.course_code, []).append(a)
    return [_course(code, rows) for code, rows in by_code.items()]


_NO_TERMS: frozenset[Term] = frozenset()
_NORMAL, _MAKEUP = AttemptKind.NORMAL, AttemptKind.MAKEUP


def _course(code: str, rows: Sequence[Attempt]) -> CourseResult:
    if len(rows) == 1:  # most courses: one attempt
        a = rows[0]
        outcome, point = _result(a.remark, a.score)
        failed = outcome is Outcome.FAILED
        if a.kind is _MAKEUP and point is not None and not failed:
            point = min(point, MAKEUP_POINT_CAP)
        return CourseResult(
            code,
            a.course_name or code,
            a.term,
            a.credits,
            outcome,
            point if (point is not None or not failed) else None,
            failed and a.kind is _MAKEUP,
            frozenset((a.term,)) if failed and a.kind is _NORMAL else _NO_TERMS,
        )
    normal = [a for a in rows if a.kind is AttemptKind.NORMAL]
    first = min(normal or rows, key=lambda a: a.term)
    passed_points: list[Decimal | None] = []
    any_failed = False
    fail_has_point = False
    makeup_outcomes: list[Outcome] = []
    failed_first_terms: set[Term] = set()
    for a in rows:
        outcome, point = attempt_result(a)
        if a.kind is AttemptKind.MAKEUP:
            makeup_outcomes.append(outcome)
            if outcome is Outcome.PASSED and point is not None:
                point = min(point, MAKEUP_POINT_CAP)
        if outcome is Outcome.PASSED:
            passed_points.append(point)
        elif outcome is Outcome.FAILED:
            any_failed = True
            fail_has_point = fail_has_point or point is not None
            if a.kind is AttemptKind.NORMAL:
                failed_first_terms.add(a.term)
    if passed_points:
        outcome = Outcome.PASSED
        points = [p for p in passed_points if p is not None]
        grade_point = max(points) if points else None
    elif any_failed:
        outcome = Outcome.FAILED
        grade_point = Decimal(0) if fail_has_point else None
    else:
        outcome, grade_point = Outcome.PENDING, None
    failed_after_makeup = (
        bool(makeup_outcomes)
        and all(o is Outcome.FAILED for o in makeup_outcomes)
        and outcome is not Outcome.PASSED
    )
    return CourseResult(
        code=code,
        name=first.course_name or code,
        term=first.term,
        credits=first.credits,
        outcome=outcome,
        grade_point=grade_point,
        failed_after_makeup=failed_after_makeup,
        failed_first_exam_terms=frozenset(failed_first_terms),
    )


def gpa(courses: Iterable[CourseResult]) -> Decimal | None:
    """Σ(credits × grade point) / Σ credits over courses with a grade point, rounded half-up to
    2 decimals (as a transcript prints it); ``None`` when no course has a grade point."""
    total_points = Decimal(0)
    total_credits = Decimal(0)
    for c in courses:
        if c.grade_point is not None:
            total_points += c.credits * c.grade_point
            total_credits += c.credits
    if total_credits == 0:
        return None
    return (total_points / total_credits).quantize(_CENT, rounding=ROUND_HALF_UP)


def fmt_decimal(value: Decimal) -> str:
    """``4.50`` → ``4.5``, ``20.0`` → ``20``; never exponent notation."""
    text = format(value.normalize(), "f")
    return text
