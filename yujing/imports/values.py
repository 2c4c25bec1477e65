"""Reading single cell values the same way for every kind: 学号, numbers, scores and remarks.

A value that cannot be read raises :class:`RowError` (column key, value, reason); the parser
turns it into a :class:`~yujing.errors.BadRow` naming file, row, header and value.
"""

from __future__ import annotations

import functools
import re
import unicodedata
from collections.abc import Mapping
from decimal import Decimal, InvalidOperation

from yujing.engine.courses import parse_score
from yujing.errors import InputError, InvalidValueError
from yujing.model import KNOWN_REMARKS

DEFAULT_STUDENT_ID_PATTERN = r"^[A-Za-z0-9]+$"
"""学号: ASCII letters and digits (after full-width characters are folded, NFKC); a workspace
may set another one as ``[import] student_id_pattern`` in yujing.toml."""

NAME_MAX_CHARS = 20
"""姓名 longer than this does not fit the name boxes of the printed forms."""

FORMULA_MARK = "\x00公式\x00"
"""Prefix :mod:`yujing.imports.tables` puts before the text of a formula cell of a workbook, so
that a formula is reported with its text instead of being read as a value."""

SCORE_HELP = (
    "成绩应为 0–100 的数字，或 优秀/优、良好/良、中等/中、及格/及、不及格/不及，"
    "或 合格/不合格、通过/不通过，或 缺考、旷考、作弊、取消考试资格、缓考、免修"
)


SHOWN_VALUE_CHARS = 60
"""A bad value longer than this is shown cut (a 30,000-character cell is not repeated)."""

INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2066-\u2069\ufeff]")
"""Zero-width and bidirectional-control characters (U+200B–U+200F, U+202A–U+202E,
U+2066–U+2069, U+FEFF): invisible in a name, they make two names that look alike differ, or
turn the text around it (``\u202e`` prints 「马颖」 as something else). Refused in names."""

NAME_KEYS = ("name", "student_name", "counsellor", "class_teacher")
"""The columns that hold a person's name (姓名、辅导员、班主任)."""


def shown_value(text: str) -> str:
    """``text`` as an error message shows it: its first SHOWN_VALUE_CHARS characters and
    「…（共 N 字）」 when it is longer."""
    if len(text) <= SHOWN_VALUE_CHARS:
        return text
    return f"{text[:SHOWN_VALUE_CHARS]}…（共 {len(text)} 字）"


def invisible_in(text: str) -> str | None:
    """The reason a name is refused for its invisible characters, or None."""
    found = INVISIBLE.search(text)
    if found is None:
        return None
    return (
        f"含有看不见的排版字符 U+{ord(found.group()):04X}（零宽或改变文字方向的字符），"
        "名字看起来一样却不同：请删去该字符后重新输入或导入"
    )


def check_names(values: Mapping[str, str]) -> None:
    """Refuse a row whose name columns hold an invisible character (:data:`INVISIBLE`); one
    search per row, per column only on a hit."""
    if INVISIBLE.search("\t".join([values.get(k, "") for k in NAME_KEYS])) is None:
        return
    for key in NAME_KEYS:
        reason = invisible_in(values.get(key, ""))
        if reason is not None:
            raise RowError(key, INVISIBLE.sub("□", values[key]), reason)


class RowError(Exception):
    """One cell of a row cannot be read: ``column`` is the internal column key; the value is
    kept readable (:func:`shown_value`)."""

    def __init__(self, column: str, value: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, shown_value(value), reason


class StudentIds:
    """学号 as text: full-width digits and letters folded to ASCII (NFKC), spaces around
    trimmed, an Excel float like ``2022040101.0`` undone, then checked against the pattern."""

    def __init__(self, pattern: str | None = None) -> None:
        self.pattern_text = pattern or DEFAULT_STUDENT_ID_PATTERN
        try:
            self.pattern = re.compile(self.pattern_text)
        except re.error as exc:
            raise InputError(
                f"学号格式 student_id_pattern「{self.pattern_text}」不是有效的正则表达式（{exc}）。"
                "请在工作区配置 yujing.toml 的 [import] 表中改正。"
            ) from exc
        self._memo: dict[str, str | tuple[str]] = {}

    def __call__(self, text: str) -> str:
        found = self._memo.get(text)
        if found is None:
            found = self._memo[text] = self._check(text)
        if isinstance(found, tuple):
            raise RowError("student_id", text, found[0])
        return found

    def _check(self, text: str) -> str | tuple[str]:
        t = unicodedata.normalize("NFKC", text).strip()
        if not t:
            return ("学号为空",)
        if t.endswith(".0") and t[:-2].isdigit():
            t = t[:-2]
        if any(ch.isspace() for ch in t):
            return ("学号中间有空格：请核对（一个学号应连续书写）",)
        if not self.pattern.fullmatch(t):
            if self.pattern_text == DEFAULT_STUDENT_ID_PATTERN:
                return ("学号只能由字母和数字组成",)
            return (f"学号不符合工作区规定的格式（{self.pattern_text}）",)
        return t


def required(values: Mapping[str, str], key: str, what: str) -> str:
    v = values.get(key, "")
    if not v:
        raise RowError(key, "", f"{what}为空")
    return v


def decimal(values: Mapping[str, str], key: str, what: str) -> Decimal:
    text = values.get(key, "")
    value = _non_negative(text)
    if value is None:
        raise RowError(key, text, f"{what}应为不小于 0 的数字")
    return value


@functools.lru_cache(maxsize=4096)
def _non_negative(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None


def _is_number(text: str) -> bool:
    try:
        Decimal(text)
    except InvalidOperation:
        return False
    return True


class Scores:
    """成绩 and 成绩备注 of one attempt, read with a profile's grade words.

    Returns ``(score, remark)``: the score as the scale's word or the number as written, the
    remark one of the remark words or empty. A remark word in the 成绩 column is the remark;
    other remarks (e.g. 重修报名) carry no meaning for the rules and are dropped.
    """

    def __init__(self, grade_words: Mapping[str, str]) -> None:
        self.words = grade_words
        self._memo: dict[tuple[str, str, str], tuple[str, str] | tuple[str]] = {}

    def __call__(self, score: str, remark: str, implied: str, column: str) -> tuple[str, str]:
        key = (score, remark, implied)
        found = self._memo.get(key)
        if found is None:
            found = self._memo[key] = self._read(score, remark, implied)
        if len(found) == 1:
            raise RowError(column, score, found[0])
        return found

    def _read(self, score: str, remark: str, implied: str) -> tuple[str, str] | tuple[str]:
        remark = implied or (remark if remark in KNOWN_REMARKS else "")
        if score in KNOWN_REMARKS and not remark:
            remark, score = score, ""  # some exports print 缺考/免修 in the 成绩 column
        score = self.words.get(score, score)
        if not score and not remark:
            return ("成绩为空且没有成绩备注（如缺考、缓考、免修）",)
        if score and not remark:
            try:
                parse_score(score)
            except InvalidValueError as exc:
                return (str(exc) if _is_number(score) else SCORE_HELP,)
        return score, remark
