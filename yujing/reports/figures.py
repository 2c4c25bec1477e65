"""The figures of the end-of-term reports (学期报告的数字): :func:`term_summary` reads the
term's list, the previous term's and the archive's records from the registry and returns frozen
values (:class:`TermSummary`), no files. The definitions (对比, 转化率, notices issued, returns
filed, interviews) are in the package docstring (:mod:`yujing.reports`).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from typing import TYPE_CHECKING

from yujing.forms import FormSpec
from yujing.model import Term
from yujing.policies import Policy
from yujing.warnlist.rows import CHANGES, DOWN, RELEASED, change_of

if TYPE_CHECKING:
    from yujing.stage import WorkspaceView

__all__ = [
    "ClassFigures",
    "StudentChange",
    "StudentResult",
    "TermSummary",
    "percent_text",
    "term_summary",
]

Pairs = tuple[tuple[str, int], ...]
NOTICE_KINDS = ("notice", "parent-notice")


class _Counts:
    """What a class's and the term's figures compute alike from ``levels`` and ``changes``."""

    levels: Pairs
    changes: Pairs

    @property
    def warned(self) -> int:
        return sum(n for _, n in self.levels)

    def level_count(self, level: str) -> int:
        return dict(self.levels).get(level, 0)

    def change_count(self, change: str) -> int:
        return dict(self.changes).get(change, 0)

    @property
    def converted(self) -> int:
        """降级 + 解除: students of the previous list now at a lower level or released."""
        return self.change_count(DOWN) + self.change_count(RELEASED)


@dataclass(frozen=True)
class ClassFigures(_Counts):
    """The figures of one class (班级)."""

    college: str
    class_name: str
    levels: Pairs  # this term, per level (policy order, most severe first)
    previous_warned: int  # on the previous term's list (0 when it has none)
    changes: Pairs  # 新增/升级/降级/持续/解除, in CHANGES order
    notices_issued: int
    returns_filed: int
    interviews: int
    parent_contacts: int

    @property
    def conversion_rate(self) -> Fraction | None:
        return Fraction(self.converted, self.previous_warned) if self.previous_warned else None


@dataclass(frozen=True)
class StudentChange:
    """A student of the previous list whose level fell (降级) or who was released (解除)."""

    student_id: str
    name: str
    college: str
    class_name: str
    previous_level: str
    level: str  # "" when released
    change: str


@dataclass(frozen=True)
class StudentResult:
    """One warned student with what the registry knows of the follow-up (处理结果)."""

    student_id: str
    name: str
    college: str
    major: str
    class_name: str
    level: str
    reason: str
    change: str
    serial: int | None  # active serial (编号) of the term's notice, None when none was issued
    notice_returned: bool  # a returned part of a notice form is filed in the archive
    returns_filed: int
    interviews: int
    parent_contacts: int

    @property
    def result(self) -> str:
        """The 处理结果 cell: interview and parent-contact counts, whether the notice came
        back; "" (for hand filling) when the registry knows nothing of the follow-up."""
        parts = []
        if self.interviews:
            parts.append(f"谈话 {self.interviews} 次")
        if self.parent_contacts:
            parts.append(f"家长联系 {self.parent_contacts} 次")
        if self.notice_returned:
            parts.append("通知书已交回")
        elif self.serial is not None:
            parts.append("通知书未交回")
        return "；".join(parts)


@dataclass(frozen=True)
class TermSummary(_Counts):
    """A term's warning list and follow-up work in figures."""

    term: Term
    previous_term: Term
    school: str
    basis: str  # 依据: the rules cited (Workspace.rules_basis)
    title: str  # 学业预警 / 学业警示
    policy_name: str
    level_names: tuple[str, ...]  # policy order (most severe first), then unknown names met
    status: str  # frozen / draft
    assessed_count: int
    levels: Pairs
    colleges: tuple[tuple[str, Pairs], ...]
    classes: tuple[ClassFigures, ...]
    has_previous: bool  # the previous term has a saved list
    previous_status: str  # "" when it has none
    previous_levels: Pairs  # zeros when it has none
    changes: Pairs  # CHANGES order
    fallen: tuple[StudentChange, ...]  # 降级 and 解除, by class
    students: tuple[StudentResult, ...]  # the warned students, by college, class, 学号
    notices_issued: int
    returns_filed: int
    interviews: int
    parent_contacts: int
    records_available: bool  # any record (谈话、家长联系…) registered for the term

    @property
    def previous_warned(self) -> int:
        return sum(n for _, n in self.previous_levels)

    @property
    def conversion_rate(self) -> Fraction | None:
        """(降级 + 解除) / previous warned; None without a previous list or warned student."""
        if not self.has_previous or not self.previous_warned:
            return None
        return Fraction(self.converted, self.previous_warned)

    @property
    def status_text(self) -> str:
        return "已冻结" if self.status == "frozen" else "草稿"


def percent_text(rate: Fraction | None) -> str:
    """``50%``, ``33.3%``; ``—`` for None."""
    if rate is None:
        return "—"
    value = round(float(rate) * 100, 1)
    return f"{value:.0f}%" if value == int(value) else f"{value:.1f}%"


def term_summary(ws: WorkspaceView, term: Term) -> TermSummary:
    """The figures of ``term`` in workspace ``ws``.

    Raises :class:`~yujing.errors.ListStateError` when the term has no saved list.
    """
    saved = ws.saved(term)  # ListStateError: "… 还没有名单。请先运行 yujing assess --term T。"
    policy: Policy = ws.policy
    registry = ws.registry
    previous_term = term.previous_regular()
    previous = registry.saved_list(previous_term)

    entries = list(saved.entries)
    current = {e.student_id: e for e in entries if e.warned}
    prev_entries = {e.student_id: e for e in previous.warned} if previous else {}

    # changes: between the two saved lists, else the list's own column
    change_by_sid: dict[str, str] = {}
    if previous is not None:
        for sid, e in current.items():
            earlier = prev_entries.get(sid)
            change_by_sid[sid] = change_of(policy, e.level, earlier.level if earlier else "")
        for sid in prev_entries:
            if sid not in current:
                change_by_sid[sid] = RELEASED
    else:
        for e in entries:
            if e.change in CHANGES:
                change_by_sid[e.student_id] = e.change

    known = {e.student_id: e for e in entries}
    roster = registry.students()

    def place(sid: str) -> tuple[str, str, str, str]:
        """(name, college, major, class_name) of a student."""
        e = known.get(sid) or prev_entries.get(sid)
        if e is not None:
            return e.name, e.college, e.major, e.class_name
        s = roster.get(sid)
        if s is not None:
            return s.name, s.college, s.major, s.class_name
        return "", "", "", ""

    level_names = _level_order(
        policy.level_names,
        [e.level for e in current.values()],
        [e.level for e in prev_entries.values()],
    )
    serials: dict[str, int] = registry.active_serials(term)
    returns, notice_returned = _returns(ws, term)
    records = registry.record_counts(term)
    records_available = bool(records)

    students = []
    for sid, e in current.items():
        name, college, major, class_name = place(sid)
        students.append(
            StudentResult(
                student_id=sid,
                name=name,
                college=college,
                major=major,
                class_name=class_name,
                level=e.level,
                reason=e.reason,
                change=change_by_sid.get(sid, ""),
                serial=serials.get(sid),
                notice_returned=sid in notice_returned,
                returns_filed=returns.get(sid, 0),
                interviews=records.get((sid, "interview"), 0),
                parent_contacts=records.get((sid, "parent-contact"), 0),
            )
        )
    students.sort(key=lambda s: (s.college, s.class_name, s.student_id))

    # per class
    keys: set[tuple[str, str]] = set()
    level_by_class: dict[tuple[str, str], Counter[str]] = {}
    change_by_class: dict[tuple[str, str], Counter[str]] = {}
    prev_by_class: Counter[tuple[str, str]] = Counter()
    work: dict[tuple[str, str], Counter[str]] = {}
    for s in students:
        key = (s.college, s.class_name)
        keys.add(key)
        level_by_class.setdefault(key, Counter())[s.level] += 1
    for sid, change in change_by_sid.items():
        _, college, _, class_name = place(sid)
        key = (college, class_name)
        keys.add(key)
        change_by_class.setdefault(key, Counter())[change] += 1
    for sid in prev_entries:
        _, college, _, class_name = place(sid)
        keys.add((college, class_name))
        prev_by_class[(college, class_name)] += 1
    for sid in serials:
        _, college, _, class_name = place(sid)
        keys.add((college, class_name))
        work.setdefault((college, class_name), Counter())["notices"] += 1
    for sid, n in returns.items():
        _, college, _, class_name = place(sid)
        keys.add((college, class_name))
        work.setdefault((college, class_name), Counter())["returns"] += n
    for (sid, kind), n in records.items():
        if kind not in ("interview", "parent-contact"):
            continue
        _, college, _, class_name = place(sid)
        keys.add((college, class_name))
        work.setdefault((college, class_name), Counter())[kind] += n
    classes = tuple(
        ClassFigures(
            college=key[0],
            class_name=key[1],
            levels=_pairs(level_names, level_by_class.get(key, Counter())),
            previous_warned=prev_by_class[key],
            changes=_pairs(CHANGES, change_by_class.get(key, Counter())),
            notices_issued=work.get(key, Counter())["notices"],
            returns_filed=work.get(key, Counter())["returns"],
            interviews=work.get(key, Counter())["interview"],
            parent_contacts=work.get(key, Counter())["parent-contact"],
        )
        for key in sorted(keys)
    )
    by_college: dict[str, Counter[str]] = {}
    for s in students:
        by_college.setdefault(s.college, Counter())[s.level] += 1

    fallen = []
    for sid, change in change_by_sid.items():
        if change not in (DOWN, RELEASED):
            continue
        name, college, _, class_name = place(sid)
        earlier, row = prev_entries.get(sid), known.get(sid)
        before = earlier.level if earlier else (row.previous_level if row else "")
        fallen.append(
            StudentChange(
                student_id=sid,
                name=name,
                college=college,
                class_name=class_name,
                previous_level=before,
                level=current[sid].level if sid in current else "",
                change=change,
            )
        )
    fallen.sort(key=lambda c: (c.college, c.class_name, c.student_id))

    return TermSummary(
        term=term,
        previous_term=previous_term,
        school=ws.school,
        basis=ws.rules_basis,
        title=policy.title,
        policy_name=policy.name,
        level_names=level_names,
        status=saved.status,
        assessed_count=saved.assessed_count,
        levels=_pairs(level_names, Counter(s.level for s in students)),
        colleges=tuple((c, _pairs(level_names, n)) for c, n in sorted(by_college.items())),
        classes=classes,
        has_previous=previous is not None,
        previous_status=previous.status if previous is not None else "",
        previous_levels=_pairs(level_names, Counter(e.level for e in prev_entries.values())),
        changes=_pairs(CHANGES, Counter(change_by_sid.values())),
        fallen=tuple(fallen),
        students=tuple(students),
        notices_issued=len(serials),
        returns_filed=sum(returns.values()),
        interviews=sum(n for (_, k), n in records.items() if k == "interview"),
        parent_contacts=sum(n for (_, k), n in records.items() if k == "parent-contact"),
        records_available=records_available,
    )


def _level_order(policy_levels: Sequence[str], *met: Iterable[str]) -> tuple[str, ...]:
    """Policy levels, then any other level name met on a list (a policy edited since)."""
    out = list(policy_levels)
    for names in met:
        for name in names:
            if name and name not in out:
                out.append(name)
    return tuple(out)


def _pairs(names: Sequence[str], counts: Mapping[str, int]) -> Pairs:
    return tuple((n, int(counts.get(n, 0))) for n in names)


def _notice_forms(forms: Sequence[FormSpec]) -> frozenset[str]:
    """Ids of the notice forms of the pack's catalogue."""
    return frozenset(f.id for f in forms if f.kind in NOTICE_KINDS)


def _returns(ws: WorkspaceView, term: Term) -> tuple[dict[str, int], set[str]]:
    """Returned parts filed per student (distinct form + part), and the students whose notice
    came back."""
    rows = ws.registry.returned_parts(term)
    per_student: Counter[str] = Counter(r.student_id for r in rows)
    notices = _notice_forms(ws.forms)
    returned = {r.student_id for r in rows if r.form in notices}
    return dict(per_student), returned
