"""One student's figures at one term, and the metrics that policy criteria compare.

:class:`StudentData` bundles what the imports hold about a student; :func:`figures_at`
computes :class:`Figures` at a term; :data:`METRICS` names every quantity a policy file may
use in a criterion, with the sentence that explains it in a 预警原因.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction

from yujing.engine.courses import CourseResult, Outcome, course_results, fmt_decimal, gpa
from yujing.model import Attempt, ImportedLevel, Student, Term
from yujing.policies.metrics import METRIC_SPECS

_ZERO = Decimal(0)
_CENT = Decimal("0.01")


@dataclass(frozen=True)
class StudentData:
    """Everything imported about one student: roster entry, attempts, flags, imported levels."""

    student: Student
    attempts: tuple[Attempt, ...] = ()
    flags: frozenset[tuple[Term, str]] = frozenset()
    imported: Mapping[Term, ImportedLevel] = field(default_factory=dict)
    _courses: dict[Term, tuple[CourseResult, ...]] = field(
        default_factory=dict, compare=False, repr=False
    )

    def courses_at(self, term: Term) -> tuple[CourseResult, ...]:
        """The student's courses as they stand at ``term`` (memoised: an assessment asks for
        the same term several times — the term, its previous term, last term's list)."""
        found = self._courses.get(term)
        if found is None:
            found = self._courses[term] = tuple(course_results(self.attempts, term))
        return found

    def row_terms(self, upto: Term) -> list[Term]:
        """Terms ≤ ``upto`` in which the student has grade rows, ascending."""
        return sorted({a.term for a in self.attempts if a.term <= upto})


@dataclass(frozen=True)
class Figures:
    """A student's figures at term ``term`` (rows of terms ≤ term only)."""

    term: Term
    courses: tuple[CourseResult, ...]
    term_credits: Decimal
    term_failed_credits: Decimal
    term_course_count: int
    cumulative_failed_credits: Decimal
    earned_credits: Decimal
    gpa: Decimal | None
    term_gpa: Decimal | None
    previous_term: Term | None
    previous_term_gpa: Decimal | None
    term_remarks: tuple[tuple[str, str], ...]
    flags: frozenset[str]
    required_credits: Decimal | None
    imported: ImportedLevel | None

    @property
    def failed_courses(self) -> tuple[CourseResult, ...]:
        return tuple(c for c in self.courses if c.outcome is Outcome.FAILED)

    @property
    def failed_after_makeup(self) -> tuple[CourseResult, ...]:
        return tuple(c for c in self.courses if c.failed_after_makeup)

    @property
    def failed_first_exam_in_term(self) -> tuple[CourseResult, ...]:
        return tuple(c for c in self.courses if self.term in c.failed_first_exam_terms)

    @property
    def term_failed_percent(self) -> Fraction | None:
        if self.term_course_count == 0 or self.term_credits == 0:
            return None
        return Fraction(self.term_failed_credits) * 100 / Fraction(self.term_credits)

    @property
    def term_gpa_drop(self) -> Decimal | None:
        if self.term_gpa is None or self.previous_term_gpa is None:
            return None
        return self.previous_term_gpa - self.term_gpa

    @property
    def credit_shortfall(self) -> Decimal | None:
        if self.required_credits is None:
            return None
        return self.required_credits - self.earned_credits

    def to_json(self) -> dict[str, object]:
        """The figures as plain JSON values (kept with each list entry)."""

        def d(v: Decimal | None) -> str | None:
            return None if v is None else fmt_decimal(v)

        pct = self.term_failed_percent
        return {
            "term_credits": d(self.term_credits),
            "term_failed_credits": d(self.term_failed_credits),
            "term_failed_percent": None if pct is None else fmt_percent(pct),
            "cumulative_failed_credits": d(self.cumulative_failed_credits),
            "earned_credits": d(self.earned_credits),
            "gpa": None if self.gpa is None else _g(self.gpa),
            "term_gpa": None if self.term_gpa is None else _g(self.term_gpa),
            "previous_term_gpa": None
            if self.previous_term_gpa is None
            else _g(self.previous_term_gpa),
            "failed_courses": [[c.code, c.name, d(c.credits)] for c in self.failed_courses],
            "failed_after_makeup": len(self.failed_after_makeup),
            "failed_first_exam_in_term": len(self.failed_first_exam_in_term),
            "required_credits": d(self.required_credits),
        }


def figures_at(
    data: StudentData,
    term: Term,
    *,
    required_credits: Decimal | None = None,
    with_previous: bool = True,
) -> Figures:
    """Compute a student's figures at ``term``; ``with_previous=False`` skips the previous
    term's GPA (only the GPA-drop criterion needs it)."""
    courses = data.courses_at(term)
    in_term = [c for c in courses if c.term == term]
    term_credits = sum((c.credits for c in in_term), _ZERO)
    term_failed = sum((c.credits for c in in_term if c.outcome is Outcome.FAILED), _ZERO)
    cumulative_failed = sum((c.credits for c in courses if c.outcome is Outcome.FAILED), _ZERO)
    earned = sum((c.credits for c in courses if c.outcome is Outcome.PASSED), _ZERO)
    earlier_terms = {c.term for c in courses if c.term < term}
    previous = max(earlier_terms) if earlier_terms else None
    previous_gpa = None
    if previous is not None and with_previous:
        at_previous = data.courses_at(previous)
        previous_gpa = gpa(c for c in at_previous if c.term == previous)
    remarks = tuple(
        (a.remark, a.course_name or a.course_code)
        for a in data.attempts
        if a.term == term and a.remark
    )
    return Figures(
        term=term,
        courses=courses,
        term_credits=term_credits,
        term_failed_credits=term_failed,
        term_course_count=len(in_term),
        cumulative_failed_credits=cumulative_failed,
        earned_credits=earned,
        gpa=gpa(courses),
        term_gpa=gpa(in_term),
        previous_term=previous,
        previous_term_gpa=previous_gpa,
        term_remarks=remarks,
        flags=frozenset(f for t, f in data.flags if t == term),
        required_credits=required_credits,
        imported=data.imported.get(term),
    )


def fmt_percent(value: Fraction) -> str:
    """22.5, 25, 33.3: a percentage rounded half-up to one decimal, trailing zero dropped."""
    dec = (Decimal(value.numerator) / Decimal(value.denominator)).quantize(
        Decimal("0.1"), rounding=ROUND_HALF_UP
    )
    return fmt_decimal(dec)


def _courses_text(courses: tuple[CourseResult, ...]) -> str:
    return "、".join(c.label() for c in sorted(courses, key=lambda c: (c.term, c.code)))


MetricValue = Decimal | Fraction | None


@dataclass(frozen=True)
class Metric:
    """A quantity a criterion compares (指标), and how a 预警原因 states it."""

    name: str
    title: str
    value: Callable[[Figures, frozenset[str]], MetricValue]
    describe: Callable[[Figures, frozenset[str]], str]
    params: str = ""
    """Name of the list parameter the metric takes (``remarks`` / ``flags``), if any."""


def _g(v: Decimal | None) -> str:
    """A GPA as a transcript prints it: two decimals (2.00, 1.00)."""
    return "无" if v is None else format(v.quantize(_CENT), "f")


def _d(v: Decimal | None) -> str:
    return "无" if v is None else fmt_decimal(v)


def _describe_term_failed(f: Figures, _: frozenset[str]) -> str:
    pct = f.term_failed_percent
    pct_text = f"({fmt_percent(pct)}%)" if pct is not None else ""
    return (
        f"本学期未通过 {fmt_decimal(f.term_failed_credits)}/{fmt_decimal(f.term_credits)} "
        f"学分{pct_text}"
    )


def _describe_cumulative(f: Figures, _: frozenset[str]) -> str:
    text = f"累计未通过 {fmt_decimal(f.cumulative_failed_credits)} 学分"
    if f.failed_courses:
        text += "：" + _courses_text(f.failed_courses)
    return text


def _remark_count(f: Figures, remarks: frozenset[str]) -> Decimal:
    return Decimal(sum(1 for r, _ in f.term_remarks if r in remarks))


def _describe_remarks(f: Figures, remarks: frozenset[str]) -> str:
    hits = [(r, c) for r, c in f.term_remarks if r in remarks]
    return "本学期" + "、".join(f"{c}{r}" for r, c in hits)


FLAG_WORDS = {
    "旷课": "存在旷课等学习态度不端正情况",
    "学习态度": "学习态度不端正",
    "延长学习年限": "延长学习年限",
    "纪律处分": "受到学校纪律处分",
    "休学": "休学",
}
"""How a 预警原因 states a flag, in the seeds' words (鞍山: 存在旷考、旷课等学习态度不端正情况 …
延长学习年限; 北海: 受到学校纪律处分), not "有学习态度记录"."""


def _describe_flags(f: Figures, flags: frozenset[str]) -> str:
    order = list(FLAG_WORDS)
    hits = sorted(f.flags & flags, key=lambda h: (order.index(h) if h in order else 99, h))
    if "旷课" in hits and "学习态度" in hits:  # the first says the second already
        hits.remove("学习态度")
    return "本学期" + "、".join(FLAG_WORDS.get(h, f"有{h}记录") for h in hits)


def _describe_drop(f: Figures, _: frozenset[str]) -> str:
    return (
        f"本学期学分绩点 {_g(f.term_gpa)}，较上学期 {_g(f.previous_term_gpa)} "
        f"下降 {_g(f.term_gpa_drop)}"
    )


def _describe_shortfall(f: Figures, _: frozenset[str]) -> str:
    return (
        f"累计取得 {fmt_decimal(f.earned_credits)} 学分，培养方案要求 {_d(f.required_credits)} "
        f"学分，差 {_d(f.credit_shortfall)} 学分"
    )


def _describe_imported(f: Figures, _: frozenset[str]) -> str:
    if f.imported is None:
        return ""
    return f.imported.reason or f"教务系统预警名单：{f.imported.level}"


_MEASURES: dict[
    str,
    tuple[
        Callable[[Figures, frozenset[str]], MetricValue],
        Callable[[Figures, frozenset[str]], str],
    ],
] = {
    "term_failed_credit_percent": (lambda f, _: f.term_failed_percent, _describe_term_failed),
    "term_failed_credits": (
        lambda f, _: f.term_failed_credits if f.term_course_count else None,
        _describe_term_failed,
    ),
    "cumulative_failed_credits": (lambda f, _: f.cumulative_failed_credits, _describe_cumulative),
    "earned_credits": (
        lambda f, _: f.earned_credits,
        lambda f, _: f"累计取得 {fmt_decimal(f.earned_credits)} 学分",
    ),
    "gpa": (lambda f, _: f.gpa, lambda f, _: f"平均学分绩点 {_g(f.gpa)}"),
    "term_gpa": (lambda f, _: f.term_gpa, lambda f, _: f"本学期学分绩点 {_g(f.term_gpa)}"),
    "term_gpa_drop": (lambda f, _: f.term_gpa_drop, _describe_drop),
    "failed_courses": (
        lambda f, _: Decimal(len(f.failed_courses)),
        lambda f, _: f"累计不及格课程 {len(f.failed_courses)} 门：" + _courses_text(f.failed_courses),
    ),
    "failed_after_makeup_courses": (
        lambda f, _: Decimal(len(f.failed_after_makeup)),
        lambda f, _: (
            f"经补考未通过 {len(f.failed_after_makeup)} 门：" + _courses_text(f.failed_after_makeup)
        ),
    ),
    "failed_first_exam_courses_in_term": (
        lambda f, _: Decimal(len(f.failed_first_exam_in_term)),
        lambda f, _: (
            f"本学期正考不及格 {len(f.failed_first_exam_in_term)} 门："
            + _courses_text(f.failed_first_exam_in_term)
        ),
    ),
    "credit_shortfall": (lambda f, _: f.credit_shortfall, _describe_shortfall),
    "remarks_in_term": (_remark_count, _describe_remarks),
    "flags_in_term": (lambda f, flags: Decimal(len(f.flags & flags)), _describe_flags),
    # compared by level name, see yujing.engine.assess.holds
    "imported_level": (lambda f, _: None, _describe_imported),
}
"""How each metric of the policy vocabulary (:data:`~yujing.policies.metrics.METRIC_SPECS`)
is measured and stated."""

if set(_MEASURES) != set(METRIC_SPECS):  # pragma: no cover - a programming error, caught by tests
    raise RuntimeError(f"指标与其算法不一致：{sorted(set(_MEASURES) ^ set(METRIC_SPECS))}")

METRICS: dict[str, Metric] = {
    name: Metric(name, spec.title, *_MEASURES[name], params=spec.params)
    for name, spec in METRIC_SPECS.items()
}
