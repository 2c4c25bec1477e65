"""Parsing input files into domain records: roster, grades, plan, flags, imported levels.

Each kind (:data:`KINDS`) declares its columns with their Chinese header and the 正方 field
aliases. :func:`parse_file` reads a file, maps headers, parses every row and returns a
:class:`ParsedFile` holding the records and one :class:`~yujing.errors.BadRow` per row that
cannot be read, naming file, row, column, value and reason. Nothing here touches a database.
"""

from __future__ import annotations

import functools
import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from yujing.engine.courses import KNOWN_REMARKS, parse_score
from yujing.errors import BadRow, InputError, MissingColumnsError
from yujing.imports.kinds import KINDS, Column, ImportKind
from yujing.imports.tables import Table, read_table
from yujing.model import (
    FLAG_NAMES,
    Attempt,
    AttemptKind,
    Flag,
    ImportedLevel,
    PlanRow,
    Student,
    Term,
)


@dataclass(frozen=True)
class ParsedFile:
    """The records read from one file, and the rows that could not be read."""

    kind: str
    path: Path
    encoding: str
    records: tuple[Any, ...]
    row_numbers: tuple[int, ...]
    bad_rows: tuple[BadRow, ...]
    total_rows: int


class _RowError(Exception):
    def __init__(self, column: str, value: str, reason: str) -> None:
        super().__init__(reason)
        self.column, self.value, self.reason = column, value, reason


def parse_file(
    kind: str,
    path: Path,
    *,
    term: Term | None = None,
    level_names: Iterable[str] | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> ParsedFile:
    """Read and parse ``path`` as ``kind``. ``term`` is the term of a levels list without
    学年/学期 columns; ``level_names`` restricts the levels a levels list may name."""
    spec = KINDS[kind]
    table = read_table(path, {n for c in spec.columns for n in c.names})
    index = _map_columns(spec, table)
    headers = {c.key: table.header[i] for c, i in index.items()}
    parse_row = _row_parser(kind, term, tuple(level_names) if level_names else None)
    records: list[Any] = []
    numbers: list[int] = []
    bad: list[BadRow] = []
    total = 0
    seen: dict[tuple[str, ...], tuple[int, Any]] = {}
    keys = tuple(c.key for c in index)
    positions = tuple(index.values())
    width = max(positions) + 1
    pick = operator.itemgetter(*positions) if len(positions) > 1 else None
    size = table.size
    for row_number, cells in table.iter_rows():
        if progress is not None and row_number % 50_000 == 0:
            progress(row_number - table.header_row, size)
        if len(cells) < width:
            cells = [*cells, *([""] * (width - len(cells)))]
        picked = pick(cells) if pick is not None else (cells[positions[0]],)
        values = dict(zip(keys, map(str.strip, picked), strict=True))
        if not any(values.values()):
            continue
        total += 1
        try:
            record = parse_row(values)
        except _RowError as err:
            bad.append(
                BadRow(
                    table.name,
                    row_number,
                    headers.get(err.column, err.column),
                    err.value,
                    err.reason,
                )
            )
            continue
        key = record_key(record)
        if key in seen:
            first_row, first = seen[key]
            if first != record:
                bad.append(
                    BadRow(
                        table.name,
                        row_number,
                        "",
                        "",
                        f"与第 {first_row} 行是同一记录（{'/'.join(key)}）但内容不同",
                    )
                )
            continue
        seen[key] = (row_number, record)
        records.append(record)
        numbers.append(row_number)
    if progress is not None:
        progress(size, size)
    return ParsedFile(
        kind, table.path, table.encoding, tuple(records), tuple(numbers), tuple(bad), total
    )


def record_key(record: Any) -> tuple[str, ...]:
    """The identity of a record: a re-import with the same key updates it."""
    if isinstance(record, Attempt):
        return (record.student_id, record.course_code, str(record.term), record.kind_text)
    if isinstance(record, Student):
        return (record.student_id,)
    if isinstance(record, PlanRow):
        return (record.grade, record.major, str(record.term))
    if isinstance(record, Flag):
        return (record.student_id, str(record.term), record.flag)
    if isinstance(record, ImportedLevel):
        return (record.student_id, str(record.term))
    raise TypeError(type(record))


def _map_columns(spec: ImportKind, table: Table) -> dict[Column, int]:
    positions = {h: i for i, h in reversed(list(enumerate(table.header))) if h}
    lowered = {h.lower(): i for h, i in positions.items()}
    index: dict[Column, int] = {}
    missing: list[str] = []
    for col in spec.columns:
        found = next(
            (
                positions.get(n, lowered.get(n.lower()))
                for n in col.names
                if n in positions or n.lower() in lowered
            ),
            None,
        )
        if found is not None:
            index[col] = found
        elif col.required:
            missing.append(col.header)
    if missing:
        have = "、".join(h for h in table.header if h) or "（无）"
        raise MissingColumnsError(
            f"{table.name}：作为{spec.title}缺少列 {'、'.join(missing)}。"
            f"文件中的列：{have}。请改正表头（也接受正方导出的字段名，如 xh、kch、cj）后重新导入。"
        )
    return index


def _term_of(values: dict[str, str]) -> Term:
    try:
        return Term.from_columns(values["school_year"], values["semester"])
    except ValueError as exc:
        bad = "school_year" if "学年" in str(exc) else "semester"
        raise _RowError(bad, values[bad], str(exc)) from None


def _required(values: dict[str, str], key: str, what: str) -> str:
    v = values.get(key, "").strip()
    if not v:
        raise _RowError(key, "", f"{what}为空")
    return v


def _decimal(values: dict[str, str], key: str, what: str) -> Decimal:
    text = values.get(key, "")
    value = _non_negative(text)
    if value is None:
        raise _RowError(key, text, f"{what}应为不小于 0 的数字")
    return value


@functools.lru_cache(maxsize=4096)
def _non_negative(text: str) -> Decimal | None:
    try:
        value = Decimal(text)
    except InvalidOperation:
        return None
    return value if value.is_finite() and value >= 0 else None


def _clean_id(text: str) -> str:
    """学号 kept as text; an Excel float like ``2022040101.0`` is undone."""
    t = text.strip()
    if t.endswith(".0") and t[:-2].isdigit():
        t = t[:-2]
    return t


def _parse_grade(values: dict[str, str]) -> Attempt:
    student_id = _clean_id(_required(values, "student_id", "学号"))
    term = _term_of(values)
    code = _required(values, "course_code", "课程代码")
    credits = _decimal(values, "credits", "学分")
    kind_text = values["kind"].strip()
    try:
        kind = AttemptKind.parse(kind_text)
    except ValueError as exc:
        raise _RowError("kind", kind_text, str(exc)) from None
    remark = values.get("remark", "").strip()
    score = values["score"].strip()
    if score in KNOWN_REMARKS and not remark:
        remark, score = score, ""  # some exports print 缺考/免修 in the 成绩 column
    if remark not in KNOWN_REMARKS:
        remark = ""  # other remarks (e.g. 重修报名) carry no meaning for the rules
    if not score and not remark:
        raise _RowError("score", "", "成绩为空且没有成绩备注（如缺考、缓考、免修）")
    if score:
        try:
            parse_score(score)
        except ValueError as exc:
            if not remark:
                raise _RowError("score", score, str(exc)) from None
    return Attempt(
        student_id=student_id,
        term=term,
        course_code=code,
        course_name=values.get("course_name", "").strip(),
        credits=credits,
        kind=kind,
        score=score,
        remark=remark,
        kind_text=kind_text,
        student_name=values.get("name", "").strip(),
    )


def _parse_student(values: dict[str, str]) -> Student:
    student_id = _clean_id(_required(values, "student_id", "学号"))
    name = _required(values, "name", "姓名")
    phone = values.get("parent_phone", "").strip()
    if phone and not all(ch.isdigit() or ch in "-+ ()" for ch in phone):
        raise _RowError("parent_phone", phone, "家长电话只能含数字和 - + ( )")
    return Student(
        student_id=student_id,
        name=name,
        **{
            k: values.get(k, "").strip()
            for k in (
                "gender",
                "college",
                "major",
                "grade",
                "class_name",
                "parent_name",
                "address",
                "postcode",
                "counsellor",
                "class_teacher",
            )
        },
        parent_phone=phone,
    )


def _parse_plan(values: dict[str, str]) -> PlanRow:
    return PlanRow(
        grade=_clean_id(_required(values, "grade", "年级")),
        major=_required(values, "major", "专业"),
        term=_term_of(values),
        credits=_decimal(values, "credits", "应修学分"),
    )


def _parse_flag(values: dict[str, str]) -> Flag:
    flag = values["flag"].strip()
    if flag not in FLAG_NAMES:
        raise _RowError("flag", flag, f"标记应为 {'、'.join(FLAG_NAMES)} 之一")
    return Flag(_clean_id(_required(values, "student_id", "学号")), _term_of(values), flag)


def _level_parser(
    term: Term | None, level_names: tuple[str, ...] | None
) -> Callable[[dict[str, str]], ImportedLevel]:
    def parse(values: dict[str, str]) -> ImportedLevel:
        student_id = _clean_id(_required(values, "student_id", "学号"))
        level = values["level"].strip()
        if level_names is not None and level not in level_names:
            raise _RowError("level", level, f"预警等级应为 {'、'.join(level_names)} 之一")
        if not level:
            raise _RowError("level", "", "预警等级为空")
        if values.get("school_year", "").strip():
            row_term = _term_of(values)
        elif term is not None:
            row_term = term
        else:
            raise _RowError("school_year", "", "名单没有学年/学期列：导入时请用 --term 指明学期")
        return ImportedLevel(
            student_id,
            row_term,
            level,
            values.get("reason", "").strip(),
            values.get("name", "").strip(),
        )

    return parse


def _row_parser(
    kind: str, term: Term | None, level_names: tuple[str, ...] | None
) -> Callable[[dict[str, str]], Any]:
    if kind == "levels":
        return _level_parser(term, level_names)
    parsers: dict[str, Callable[[dict[str, str]], Any]] = {
        "roster": _parse_student,
        "grades": _parse_grade,
        "plan": _parse_plan,
        "flags": _parse_flag,
    }
    return parsers[kind]


def checked(parsed: ParsedFile, *, skip_bad_rows: bool) -> ParsedFile:
    """Raise :class:`BadRowsError` when rows are bad and the user did not ask to skip them."""
    from yujing.errors import BadRowsError

    if parsed.bad_rows and not skip_bad_rows:
        raise BadRowsError(parsed.path.name, parsed.bad_rows, total_rows=parsed.total_rows)
    if not parsed.records and parsed.total_rows == 0:
        raise InputError(f"{parsed.path.name}：文件中没有数据行。")
    return parsed
