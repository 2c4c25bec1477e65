"""Parsing input files into domain records: roster, grades, plan, flags, imported levels.

A grade file is read through the export profile it was written in (:mod:`.profiles`, found from
its headers or forced with ``profile``); the other kinds declare their columns in :mod:`.kinds`.
:func:`parse_file` reads a file, maps headers, parses every row and returns a
:class:`ParsedFile` holding the records and one :class:`~yujing.errors.BadRow` per row that
cannot be read, naming file, row, column, value and reason. Nothing here touches a database.
"""

from __future__ import annotations

import operator
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yujing.errors import BadRow, InputError, InvalidValueError, MissingColumnsError
from yujing.imports.kinds import KINDS, ImportKind
from yujing.imports.profiles import (
    HEADERS,
    ProfileMatch,
    choose_profile,
    keyed_column_map,
    load_profiles,
    parse_column_map,
    term_reader,
)
from yujing.imports.tables import Table, read_table
from yujing.imports.values import (
    FORMULA_MARK,
    NAME_MAX_CHARS,
    RowError,
    Scores,
    StudentIds,
    check_names,
    decimal,
    required,
)
from yujing.model import (
    FLAG_NAMES,
    UNPRINTABLE,
    Attempt,
    AttemptKind,
    Flag,
    ImportedLevel,
    PlanRow,
    Progress,
    Student,
    Term,
    is_phone,
)


@dataclass(frozen=True)
class ParsedFile:
    """The records read from one file, and the rows that could not be read.

    ``profile`` is the title of the export profile a grade file was read with (e.g.
    强智教务 成绩导出); ``notes`` say how the file was read where it could have been read
    otherwise (e.g. 学期 3 as the short term rather than 正方's code for the first term)."""

    kind: str
    path: Path
    encoding: str
    records: tuple[Any, ...]
    row_numbers: tuple[int, ...]
    bad_rows: tuple[BadRow, ...]
    total_rows: int
    profile: str = ""
    profile_name: str = ""
    notes: tuple[str, ...] = ()
    column_map: Mapping[str, str] = field(default_factory=dict)
    """The column mapping the file was read with: template column name → the file's header."""


RowParser = Callable[[dict[str, str]], tuple[Any, ...]]


def parse_file(
    kind: str,
    path: Path,
    *,
    term: Term | None = None,
    level_names: Iterable[str] | None = None,
    progress: Progress | None = None,
    profile: str | None = None,
    column_map: Mapping[str, str] | None = None,
    student_id_pattern: str | None = None,
    saved_map: Mapping[str, str] | None = None,
) -> ParsedFile:
    """Read and parse ``path`` as ``kind``. ``term`` is the term of a levels list without
    学年/学期 columns; ``level_names`` restricts the levels a levels list may name.

    ``profile`` forces a grade export profile (``--profile``); ``column_map`` maps the
    template's column names to this file's headers (``--map 学年=开课学年``);
    ``student_id_pattern`` is the workspace's 学号 pattern. ``saved_map`` is the mapping saved
    in the workspace: used when every header it names is in the file (a file of a known
    layout imports as before), under ``column_map``."""
    spec = KINDS[kind]
    ids = StudentIds(student_id_pattern)
    notes: tuple[str, ...] = ()
    profile_title = profile_name = ""
    if kind == "grades":
        keyed = parse_column_map(column_map or {})
        saved = parse_column_map(saved_map or {})
        known = {n for p in load_profiles().values() for names in p.columns.values() for n in names}
        table = read_table(path, known | set(keyed.values()) | set(saved.values()))
        _check_mapped(table, keyed)
        if saved and _has_headers(table, saved.values()):
            keyed = {**saved, **keyed}
            notes = ("按工作区保存的列映射读取（yujing.toml 的 [import.map.grades]）。",)
        names = dict(HEADERS)
        match = choose_profile(table, forced=profile, mapping=keyed)
        index = match.index
        read_term, read_text, term_notes = term_reader(match, table)
        notes = (*notes, *term_notes)
        parse_row: RowParser = _grade_parser(match, read_term, read_text, ids)
        profile_title, profile_name = match.profile.title, match.profile.name
    else:
        if profile is not None:
            raise InputError("导出格式只用于成绩文件。", field="profile", cli="（--profile）")
        keyed = _kind_map(spec, column_map or {})
        saved = _kind_map(spec, saved_map or {})
        names = {c.key: c.header for c in spec.columns}
        known_names = {n for c in spec.columns for n in c.names}
        table = read_table(path, known_names | set(keyed.values()) | set(saved.values()))
        _check_mapped(table, keyed)
        if saved and _has_headers(table, saved.values()):
            keyed = {**saved, **keyed}
            notes = (f"按工作区保存的列映射读取（yujing.toml 的 [import.map.{kind}]）。",)
        index = _map_columns(spec, table, keyed)
        parse_row = _row_parser(kind, term, tuple(level_names) if level_names else None, ids)
    headers = {key: table.header[i] for key, i in index.items()}
    records: list[Any] = []
    numbers: list[int] = []
    bad: list[BadRow] = []
    total = 0
    seen: dict[tuple[str, ...], tuple[int, Any]] = {}
    keys = tuple(index)
    positions = tuple(index.values())
    width = max(positions) + 1
    pick = operator.itemgetter(*positions) if len(positions) > 1 else None
    size = table.size
    formulas = table.has_formulas
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
            if formulas:
                _no_formulas(values)
            _no_control_characters(values)
            check_names(values)
            parsed = parse_row(values)
        except RowError as err:
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
        for record in parsed:
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
        kind,
        table.path,
        table.encoding,
        tuple(records),
        tuple(numbers),
        tuple(bad),
        total,
        profile_title,
        profile_name,
        notes,
        {names[k]: h for k, h in keyed.items()},
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


def _no_formulas(values: dict[str, str]) -> None:
    for key, value in values.items():
        if value.startswith(FORMULA_MARK):
            raise RowError(
                key,
                value[len(FORMULA_MARK) :],
                "单元格是公式，不是导出的值：请在 Excel/WPS 中复制该列，"
                "用「选择性粘贴 → 数值」替换公式后重新导入",
            )


def _no_control_characters(values: dict[str, str]) -> None:
    """Refuse a cell that holds a character no .docx or .xlsx can (printing would fail later).
    One search over the row (cells joined by a tab, which is allowed) — per cell only when it
    finds one: 1.3 million rows pay one regex call each, not ten."""
    if UNPRINTABLE.search("\t".join(values.values())) is None:
        return
    for key, value in values.items():
        found = UNPRINTABLE.search(value)
        if found is not None:
            shown = UNPRINTABLE.sub("□", value)
            raise RowError(
                key,
                shown,
                f"含有看不见的控制字符 U+{ord(found.group()):04X}（显示为 □），"
                "通知书和表格中无法打印：请在 Excel/WPS 中删去该字符后重新导入",
            )


def _kind_map(spec: ImportKind, mapping: Mapping[str, str]) -> dict[str, str]:
    return keyed_column_map(mapping, {c.header: c.key for c in spec.columns}, spec.title)


def _has_headers(table: Table, headers: Iterable[str]) -> bool:
    have = {h for h in table.header if h} | {h.lower() for h in table.header if h}
    return all(h in have or h.lower() in have for h in headers)


def _check_mapped(table: Table, keyed: Mapping[str, str]) -> None:
    have = {h for h in table.header if h} | {h.lower() for h in table.header if h}
    absent = [h for h in keyed.values() if h not in have and h.lower() not in have]
    if absent:
        raise MissingColumnsError(
            f"{table.name}：列映射中的表头 {'、'.join(absent)} 不在文件中。"
            f"文件中的列：{'、'.join(h for h in table.header if h) or '（无）'}。",
            columns=[h for h in table.header if h],
        )


def _map_columns(spec: ImportKind, table: Table, mapping: Mapping[str, str]) -> dict[str, int]:
    positions = {h: i for i, h in reversed(list(enumerate(table.header))) if h}
    lowered = {h.lower(): i for h, i in positions.items()}
    index: dict[str, int] = {}
    missing: list[str] = []
    for col in spec.columns:
        names = (mapping[col.key], *col.names) if col.key in mapping else col.names
        found = next(
            (
                positions.get(n, lowered.get(n.lower()))
                for n in names
                if n in positions or n.lower() in lowered
            ),
            None,
        )
        if found is not None:
            index[col.key] = found
        elif col.required:
            missing.append(col.header)
    if missing:
        have = "、".join(h for h in table.header if h) or "（无）"
        raise MissingColumnsError(
            f"{table.name}：作为{spec.title}缺少列 {'、'.join(missing)}。"
            f"文件中的列：{have}。请改正表头（也接受各教务系统导出的列名，如 xh、jgmc、bjmc），"
            "或指明各列在文件中的表头（列映射）。",
            columns=[h for h in table.header if h],
            missing=missing,
            cli=f"命令行：用 --map 指明，如 --map {missing[0]}=文件中的表头。",
        )
    return index


# -- grades -----------------------------------------------------------------------------------

_BRACKETED = re.compile(r"^\s*[\[【［(（]\s*([^\]】］)）]+?)\s*[\]】］)）]\s*(.*)$")
_EXTRA_ATTEMPTS = (
    ("makeup_score", AttemptKind.MAKEUP, "补考成绩"),
    ("retake_score", AttemptKind.RETAKE, "重修成绩"),
)


def _grade_parser(
    match: ProfileMatch,
    read_term: Callable[[Mapping[str, str]], Term],
    read_text: Callable[[str, str], Term],
    ids: StudentIds,
) -> RowParser:
    profile = match.profile
    kinds = profile.exam_kinds
    scores = Scores(profile.grade_words)
    has_kind = "kind" in match.index
    extra = profile.layout == "extra_columns"
    bracketed = profile.course_format == "bracketed" and "course_code" not in match.index
    has_retake_term = "retake_term" in match.index
    flags = profile.retake_flag_values
    normal, retake = AttemptKind.NORMAL, AttemptKind.RETAKE
    allowed = "、".join(kinds)

    def parse(values: dict[str, str]) -> tuple[Attempt, ...]:
        student_id = ids(values.get("student_id", ""))
        term = read_term(values)
        if bracketed:
            code, name = _split_course(values.get("course", ""))
        else:
            code, name = required(values, "course_code", "课程代码"), values.get("course_name", "")
        credits = decimal(values, "credits", "学分")
        if has_kind:
            kind_text = values["kind"]
            rule = kinds.get(kind_text)
            if rule is None:
                raise RowError(
                    "kind",
                    kind_text,
                    (
                        f"考试性质「{kind_text}」不在{profile.title}的考试性质表中"
                        if kind_text
                        else "考试性质为空"
                    )
                    + f"（可为 {allowed}）",
                )
            kind = rule.kind
            implied = "" if rule.only_without_score and values["score"] else rule.remark
        else:
            kind = retake if values.get("retake_flag", "") in flags else normal
            kind_text, implied = kind.value, ""
        score, remark = scores(values["score"], values.get("remark", ""), implied, "score")
        if has_retake_term and kind is not normal and values.get("retake_term"):
            term = read_text(values["retake_term"], "retake_term")
        student_name = values.get("name", "")
        first = Attempt(
            student_id, term, code, name, credits, kind, score, remark, kind_text, student_name
        )
        if not extra:
            return (first,)
        attempts = [first]
        for key, extra_kind, text in _EXTRA_ATTEMPTS:
            value = values.get(key, "")
            if value:
                s, r = scores(value, "", "", key)
                attempts.append(
                    Attempt(
                        student_id, term, code, name, credits, extra_kind, s, r, text, student_name
                    )
                )
        return tuple(attempts)

    return parse


def _split_course(text: str) -> tuple[str, str]:
    """青果's 课程 cell ``[0101001]高等数学A`` → (code, name)."""
    m = _BRACKETED.match(text)
    if not m:
        raise RowError("course", text, "课程应写作「[课程代码]课程名称」，如 [0101001]高等数学A")
    return m.group(1).strip(), m.group(2).strip()


# -- the other kinds ------------------------------------------------------------------------


_PHONES = (
    ("parent_phone", "家长电话"),
    ("counsellor_phone", "辅导员电话"),
    ("class_teacher_phone", "班主任电话"),
)


def _student_parser(ids: StudentIds) -> RowParser:
    def parse(values: dict[str, str]) -> tuple[Student]:
        student_id = ids(values.get("student_id", ""))
        name = required(values, "name", "姓名")
        if len(name) > NAME_MAX_CHARS:
            raise RowError(
                "name",
                name,
                f"姓名超过 {NAME_MAX_CHARS} 个字（{len(name)} 个），通知书等表格中放不下；请核对",
            )
        phones = {}
        for key, title in _PHONES:
            phone = values.get(key, "")
            if phone and not is_phone(phone):
                raise RowError(key, phone, f"{title}只能含数字和 - + ( )")
            phones[key] = phone
        return (
            Student(
                student_id=student_id,
                name=name,
                **{
                    k: values.get(k, "")
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
                **phones,
            ),
        )

    return parse


def _term_of(values: dict[str, str]) -> Term:
    try:
        return Term.from_columns(values["school_year"], values["semester"])
    except InvalidValueError as exc:
        bad = "school_year" if "学年" in str(exc) else "semester"
        raise RowError(bad, values[bad], str(exc)) from None


def _clean_grade(text: str) -> str:
    """年级 kept as text; an Excel float like ``2023.0`` is undone."""
    return text[:-2] if text.endswith(".0") and text[:-2].isdigit() else text


def _parse_plan(values: dict[str, str]) -> tuple[PlanRow]:
    return (
        PlanRow(
            grade=_clean_grade(required(values, "grade", "年级")),
            major=required(values, "major", "专业"),
            term=_term_of(values),
            credits=decimal(values, "credits", "应修学分"),
        ),
    )


def _flag_parser(ids: StudentIds) -> RowParser:
    def parse(values: dict[str, str]) -> tuple[Flag]:
        flag = values["flag"]
        if flag not in FLAG_NAMES:
            raise RowError("flag", flag, f"标记应为 {'、'.join(FLAG_NAMES)} 之一")
        return (Flag(ids(values.get("student_id", "")), _term_of(values), flag),)

    return parse


def _level_parser(
    term: Term | None, level_names: tuple[str, ...] | None, ids: StudentIds
) -> RowParser:
    def parse(values: dict[str, str]) -> tuple[ImportedLevel]:
        student_id = ids(values.get("student_id", ""))
        level = values["level"]
        if level_names is not None and level not in level_names:
            raise RowError("level", level, f"预警等级应为 {'、'.join(level_names)} 之一")
        if not level:
            raise RowError("level", "", "预警等级为空")
        if values.get("school_year", ""):
            row_term = _term_of(values)
        elif term is not None:
            row_term = term
        else:
            raise RowError("school_year", "", "名单没有学年/学期列：导入时请用 --term 指明学期")
        return (
            ImportedLevel(
                student_id, row_term, level, values.get("reason", ""), values.get("name", "")
            ),
        )

    return parse


def _row_parser(
    kind: str, term: Term | None, level_names: tuple[str, ...] | None, ids: StudentIds
) -> RowParser:
    if kind == "levels":
        return _level_parser(term, level_names, ids)
    if kind == "roster":
        return _student_parser(ids)
    if kind == "flags":
        return _flag_parser(ids)
    if kind == "plan":
        return _parse_plan
    raise InputError(f"未知的导入类型「{kind}」；可用：{'、'.join(KINDS)}")


def checked(parsed: ParsedFile, *, skip_bad_rows: bool) -> ParsedFile:
    """Raise :class:`BadRowsError` when rows are bad and the user did not ask to skip them."""
    from yujing.errors import BadRowsError

    if parsed.bad_rows and not skip_bad_rows:
        raise BadRowsError(parsed.path.name, parsed.bad_rows, total_rows=parsed.total_rows)
    if not parsed.records and parsed.total_rows == 0:
        raise InputError(f"{parsed.path.name}：文件中没有数据行。")
    return parsed
