"""Domain values: terms, students, exam attempts, plan rows, flags (read from the imports),
and the warning list's rows with their figures (as the registry keeps them).

All are frozen dataclasses; credits and scores are kept as :class:`~decimal.Decimal` or text,
never floats (5% of 20 credits must be exactly 1 credit).
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, fields
from datetime import date, datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, ClassVar, NamedTuple

from yujing.errors import InvalidValueError

Progress = Callable[[int, int], None]
"""A progress callback (进度): ``progress(done, total)``. Library code reports long work
through it (the CLI draws a bar, the console a page) and never prints."""

RECORD_KINDS: dict[str, str] = {
    "interview": "谈话记录",
    "parent-contact": "家长联系记录",
    "plan": "学习计划",
    "transcript": "成绩单",
    "support": "帮扶记录",
    "other": "其他材料",
}
"""Documents filed without a scan (材料类型), by kind, with the title their files carry; the
policy's requirements name these kinds."""
TYPED_RECORD_KINDS = ("interview", "parent-contact", "plan", "support")
"""The kinds a person types in (``yujing record``, the console's forms); the others are files
attached as they are (``yujing attach``)."""

UNPRINTABLE = re.compile("[\\x00-\\x08\\x0b\\x0c\\x0e-\\x1f\\ufffe\\uffff]")
"""Characters no .docx or .xlsx can hold (XML 1.0 forbids the C0 controls but tab and line
breaks): the imports refuse a cell holding one (an export's stray U+0007 in a name, say —
printing would fail weeks later), and the console drops them from what is typed into its
forms."""


def without_unprintable(text: str) -> str:
    """``text`` without the characters of :data:`UNPRINTABLE`."""
    return UNPRINTABLE.sub("", text)


_TERM_RE = re.compile(r"^\s*(\d{4})\s*[-—–~至]\s*(\d{4})\s*[-—–]\s*([123])\s*$")
_YEAR_RE = re.compile(r"^\s*(\d{4})\s*[-—–~至]\s*(\d{4})\s*(?:学年)?\s*$")
_SEMESTER_WORDS = {
    "1": 1, "2": 2, "3": 3, "一": 1, "二": 2, "三": 3,
    "第一学期": 1, "第二学期": 2, "第三学期": 3, "第1学期": 1, "第2学期": 2, "第3学期": 3,
    "秋": 1, "春": 2, "夏": 3, "短学期": 3, "小学期": 3,
}  # fmt: skip


class Term(NamedTuple):
    """A term (学期): school year starting ``start_year``, ``semester`` 1, 2 or 3 (short summer).

    Orders by school year, then semester (1 < 2 < 3). Written ``2024-2025-1``. A NamedTuple
    rather than a frozen dataclass: terms are compared millions of times per assessment and
    tuple comparison runs in C (the dataclass's generated ``__le__`` cost seconds).
    """

    start_year: int
    semester: int

    @classmethod
    def parse(cls, text: str) -> Term:
        """Parse ``2024-2025-1``; raise :class:`InvalidValueError` (Chinese message) otherwise."""
        m = _TERM_RE.match(text or "")
        if not m or int(m.group(2)) != int(m.group(1)) + 1:
            raise InvalidValueError(
                f"学期「{text}」格式应为 2024-2025-1（学年-学期，学期为 1、2 或 3）"
            )
        return cls(int(m.group(1)), int(m.group(3)))

    @classmethod
    def from_columns(cls, year: str, semester: str) -> Term:
        """Build from the export's 学年 (``2024-2025``) and 学期 (``1``) columns."""
        return _term_from_columns(year, semester)

    @classmethod
    def _from_columns(cls, year: str, semester: str) -> Term:
        m = _YEAR_RE.match(year or "")
        if not m or int(m.group(2)) != int(m.group(1)) + 1:
            raise InvalidValueError(f"学年「{year}」格式应为 2024-2025")
        sem = _SEMESTER_WORDS.get((semester or "").strip())
        if sem is None:
            raise InvalidValueError(f"学期「{semester}」应为 1、2 或 3")
        return cls(int(m.group(1)), sem)

    @classmethod
    def from_key(cls, key: int) -> Term:
        return cls(key // 10, key % 10)

    @property
    def key(self) -> int:
        """Sortable integer, e.g. 20241 for 2024-2025-1."""
        return self.start_year * 10 + self.semester

    @property
    def school_year(self) -> str:
        return f"{self.start_year}-{self.start_year + 1}"

    def previous_regular(self) -> Term:
        """The regular term before this one (short summer terms skipped): the previous list's term."""
        if self.semester == 1:
            return Term(self.start_year - 1, 2)
        return Term(self.start_year, 1) if self.semester == 2 else Term(self.start_year, 2)

    def label(self) -> str:
        """``2024-2025学年第1学期``, as forms print it."""
        return f"{self.school_year}学年第{self.semester}学期"

    def __str__(self) -> str:
        return _term_text(self.start_year, self.semester)


@functools.lru_cache(maxsize=4096)
def _term_text(start_year: int, semester: int) -> str:
    return f"{start_year}-{start_year + 1}-{semester}"


@functools.lru_cache(maxsize=4096)
def _term_from_columns(year: str, semester: str) -> Term:
    # An export has a handful of distinct (学年, 学期) pairs over a million rows.
    return Term._from_columns(year, semester)


class AttemptKind(StrEnum):
    """考试性质: the kind of an exam attempt."""

    NORMAL = "正常考试"
    MAKEUP = "补考"
    RETAKE = "重修"


@dataclass(frozen=True)
class Student:
    """A roster entry (学生名单)."""

    student_id: str
    name: str
    gender: str = ""
    college: str = ""
    major: str = ""
    grade: str = ""
    class_name: str = ""
    parent_name: str = ""
    parent_phone: str = ""
    address: str = ""
    postcode: str = ""
    counsellor: str = ""
    class_teacher: str = ""
    counsellor_phone: str = ""
    """辅导员电话, printed where a form has the adviser's 联系电话."""
    class_teacher_phone: str = ""
    """班主任电话, the number printed when the roster names no 辅导员电话."""


class Attempt(NamedTuple):
    """One exam attempt (one row of the grade export, 成绩记录).

    A NamedTuple, not a frozen dataclass: a million of them are made per import and per
    assessment, and a frozen dataclass's ``__init__`` (one ``object.__setattr__`` per field)
    made that several seconds slower.
    """

    student_id: str
    term: Term
    course_code: str
    course_name: str
    credits: Decimal
    kind: AttemptKind
    score: str
    remark: str = ""
    kind_text: str = ""
    student_name: str = ""


@dataclass(frozen=True)
class PlanRow:
    """培养方案: credits a 年级 + 专业 must take in one term (应修学分)."""

    grade: str
    major: str
    term: Term
    credits: Decimal


@dataclass(frozen=True)
class Flag:
    """A per-term mark (标记): 旷课, 学习态度, 延长学习年限, 纪律处分 or 休学."""

    student_id: str
    term: Term
    flag: str


FLAG_NAMES = ("旷课", "学习态度", "延长学习年限", "纪律处分", "休学")
FAILING_REMARKS = frozenset({"缺考", "旷考", "作弊", "取消考试资格"})
"""成绩备注 that fail an attempt whatever its score."""
DEFERRED_REMARK = "缓考"
"""成绩备注 of an attempt with no result yet."""
EXEMPT_REMARK = "免修"
"""成绩备注 of a course passed without an exam."""
KNOWN_REMARKS = FAILING_REMARKS | {DEFERRED_REMARK, EXEMPT_REMARK}
"""Every 成绩备注 the engine gives a meaning (and a policy's ``remarks`` may name)."""


@dataclass(frozen=True)
class ImportedLevel:
    """A level taken from the 教务 system's own warning list (导入的预警等级)."""

    student_id: str
    term: Term
    level: str
    reason: str = ""
    name: str = ""


# -- the warning list as stored (预警名单) -----------------------------------------------------

_CENT = Decimal("0.01")


def _decimal(value: object) -> Decimal | None:
    if value is None or value == "":
        return None
    try:
        return Decimal(str(value))
    except ArithmeticError:
        return None


def _count(value: object) -> int:
    try:
        return int(str(value))
    except ValueError:
        return 0


def _plain(value: Decimal | None) -> str | None:
    """``4.50`` → ``4.5``, ``20`` → ``20`` (never exponent notation); None stays None."""
    return None if value is None else format(value.normalize(), "f")


@dataclass(frozen=True)
class FailedCourse:
    """A course counted as failed in a list entry (未通过课程): code, name and credits."""

    code: str
    name: str
    credits: Decimal | None

    @property
    def credits_text(self) -> str:
        """The credits as printed (``4.5``); "" when not known."""
        return _plain(self.credits) or ""


@dataclass(frozen=True)
class ListFigures:
    """The figures kept with a list entry (名单数据), as the assessment computed them: credits
    and percentages as :class:`~decimal.Decimal`, GPAs to two places, counts as ``int``;
    None where the policy's data did not give one. Stored as JSON in the registry
    (:meth:`to_json`), read back by :meth:`from_json`; :meth:`text` gives a figure as the
    forms and lists print it."""

    term_credits: Decimal | None = None
    term_failed_credits: Decimal | None = None
    term_failed_percent: Decimal | None = None
    """未通过学分占比, in per cent (22.5)."""
    cumulative_failed_credits: Decimal | None = None
    earned_credits: Decimal | None = None
    required_credits: Decimal | None = None
    gpa: Decimal | None = None
    term_gpa: Decimal | None = None
    previous_term_gpa: Decimal | None = None
    failed_courses: tuple[FailedCourse, ...] = ()
    failed_after_makeup: int = 0
    failed_first_exam_in_term: int = 0

    _GPAS: ClassVar[tuple[str, ...]] = ("gpa", "term_gpa", "previous_term_gpa")
    _COUNTS: ClassVar[tuple[str, ...]] = ("failed_after_makeup", "failed_first_exam_in_term")

    @classmethod
    def from_json(cls, data: str | Mapping[str, object] | None) -> ListFigures:
        """The figures of a stored entry (a JSON text or its parsed mapping); keys it does not
        know are ignored, values that are not numbers read as missing."""
        if data is None or data == "":
            return cls()
        raw = json.loads(data) if isinstance(data, str) else data
        if not isinstance(raw, Mapping):
            return cls()
        values: dict[str, Any] = {}
        for f in _fields_of(cls):
            if f.name not in raw:
                continue
            value = raw[f.name]
            if f.name == "failed_courses":
                values[f.name] = tuple(
                    FailedCourse(str(c[0] or ""), str(c[1] or ""), _decimal(c[2]))
                    for c in (value if isinstance(value, list) else [])
                    if isinstance(c, (list, tuple)) and len(c) == 3
                )
            elif f.name in cls._COUNTS:
                values[f.name] = _count(value)
            else:
                values[f.name] = _decimal(value)
        return cls(**values)

    def to_json(self) -> str:
        """The JSON text the registry keeps (keys sorted, numbers as text: exact)."""
        out: dict[str, object] = {}
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "failed_courses":
                out[f.name] = [[c.code, c.name, _plain(c.credits)] for c in value]
            elif f.name in self._COUNTS:
                out[f.name] = value
            else:
                out[f.name] = self.text(f.name) or None
        return json.dumps(out, ensure_ascii=False, sort_keys=True)

    def text(self, key: str) -> str:
        """Figure ``key`` as printed: ``4.5`` credits, ``22.5`` per cent, GPA ``2.00``, a count;
        "" when missing or not a figure."""
        if key not in {f.name for f in fields(self)} or key == "failed_courses":
            return ""
        value = getattr(self, key)
        if value is None:
            return ""
        if isinstance(value, Decimal):
            return format(value.quantize(_CENT), "f") if key in self._GPAS else str(_plain(value))
        return str(value)


@dataclass(frozen=True)
class ListRow:
    """One row of a warning list (预警名单的一行); ``level`` is empty on a 解除 row (and on a
    row an objection removed)."""

    student_id: str
    name: str
    gender: str
    college: str
    major: str
    grade: str
    class_name: str
    level: str
    reason: str
    change: str
    previous_level: str = ""
    carried_from: str = ""
    objection: str = ""
    figures: ListFigures = ListFigures()

    @property
    def warned(self) -> bool:
        return bool(self.level)

    def figure(self, key: str) -> str:
        """One of :attr:`figures` as printed (see :meth:`ListFigures.text`)."""
        return self.figures.text(key)

    def to_entry(self) -> dict[str, str]:
        """The row as the registry stores it (the figures as JSON)."""
        entry = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "figures"}
        entry["figures"] = self.figures.to_json()
        return entry

    @classmethod
    def from_entry(cls, entry: Mapping[str, Any]) -> ListRow:
        """A row from the registry's stored entry (other columns, such as its order, ignored)."""
        return cls(
            **{name: str(entry.get(name) or "") for name in _field_names(cls) if name != "figures"},
            figures=ListFigures.from_json(entry.get("figures")),
        )


_FIELDS: dict[type, tuple[Any, ...]] = {}


def _fields_of(cls: type) -> tuple[Any, ...]:
    """A dataclass's fields, looked up once (a list of thousands of rows reads them per row)."""
    found = _FIELDS.get(cls)
    if found is None:
        found = _FIELDS[cls] = fields(cls)
    return found


def _field_names(cls: type) -> tuple[str, ...]:
    return tuple(f.name for f in _fields_of(cls))


def when(value: object, *, seconds: bool = False) -> str:
    """A stored time for people: ``2026-12-08T00:01:27`` → ``2026-12-08 00:01`` (a date stays
    a date; empty stays empty)."""
    if value is None or value == "":
        return ""
    if isinstance(value, datetime):
        moment = value
    elif isinstance(value, date):
        return value.isoformat()
    else:
        text = str(value).strip()
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            return text.replace("T", " ")
        if "T" not in text and " " not in text and len(text) <= 10:
            return text
    return moment.strftime("%Y-%m-%d %H:%M:%S" if seconds else "%Y-%m-%d %H:%M")


BATCH_STATUS = {
    "allocated": "已分配编号",
    "docx-only": "只生成了 Word（缺 LibreOffice）",
    "complete": "已完成",
}
"""A print batch's status (批次状态) as the registry stores it → its words."""


def is_phone(text: str) -> bool:
    """Whether ``text`` reads as a phone number (联系电话): digits and - + ( ) and spaces only."""
    return all(ch.isdigit() or ch in "-+ ()" for ch in text)
