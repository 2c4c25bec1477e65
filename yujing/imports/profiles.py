"""Export profiles (导出格式): how each academic-affairs system lays out its grade export.

Each system and layout is one TOML file in ``yujing/imports/profiles/`` (正方 with Chinese
headers, with field codes and its old 历年成绩 layout, 强智 new and old, 青果, URP, yujing's own
template), stating its header aliases, how it codes the term, its exam-kind values, its grade
words and how 补考/重修 are represented. ``common.toml`` holds the values all of them share.

:func:`choose_profile` finds the profile a file was written in from its headers (and, when
several fit, from the values of its term column); :func:`term_reader` reads the term the way
that profile codes it, decided once for the whole file, never guessed row by row.
"""

from __future__ import annotations

import functools
import re
import tomllib
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yujing.errors import InputError, InvalidValueError, MissingColumnsError
from yujing.imports.kinds import GRADE_COLUMNS
from yujing.imports.tables import Table
from yujing.imports.values import RowError
from yujing.model import AttemptKind, Term

PROFILE_DIR = Path(__file__).parent / "profiles"
COMMON_FILE = "common.toml"
TEMPLATE_PROFILE = "yujing"
"""The project's own template: the layout a column mapping (--map) reads into."""

TERM_STYLES = ("one_column", "year_and_semester", "auto")
LAYOUTS = ("row_per_attempt", "extra_columns")
COURSE_FORMATS = ("plain", "bracketed")
HEADERS = {c.key: c.header for c in GRADE_COLUMNS}
"""Column key → its name in yujing's template (学年, 学期, 课程代码 …): the names --map uses."""
KEYS_BY_HEADER = {h: k for k, h in HEADERS.items()}
DEFAULT_CODES = {"3": 1, "12": 2, "16": 3}
"""正方 jwglxt's term codes (xqm): 3 is the first term, 12 the second, 16 the summer term."""
SAMPLE_ROWS = 20


@dataclass(frozen=True)
class ExamKind:
    """What one 考试性质 value means: the attempt's kind and the remark it implies."""

    kind: AttemptKind
    remark: str = ""
    only_without_score: bool = False
    """The remark applies only to a row whose 成绩 is empty (缓考 with a score is its result)."""


@dataclass(frozen=True)
class TermCoding:
    """How a profile writes the term (学年学期)."""

    style: str
    semesters: Mapping[str, int]
    codes: Mapping[str, int]
    codes_when_values: frozenset[str]


@dataclass(frozen=True)
class ExportProfile:
    """One system's grade export layout (导出格式), read from its TOML file."""

    name: str
    title: str
    priority: int
    columns: Mapping[str, tuple[str, ...]]
    required: tuple[str, ...]
    distinctive: tuple[str, ...]
    term: TermCoding
    exam_kinds: Mapping[str, ExamKind]
    grade_words: Mapping[str, str]
    layout: str
    retake_flag_values: frozenset[str]
    course_format: str
    source: Path

    def header_of(self, key: str) -> str:
        """The header this profile's export uses for ``key`` (开课学期, 课程编号 …)."""
        names = self.columns.get(key)
        return names[0] if names else HEADERS.get(key, key)


@dataclass(frozen=True)
class ProfileMatch:
    """A profile fitted to a file's header row: where each of its columns is."""

    profile: ExportProfile
    index: dict[str, int]
    missing: tuple[str, ...]
    score: int


# -- loading ----------------------------------------------------------------------------------


@functools.cache
def load_profiles() -> dict[str, ExportProfile]:
    """Every built-in profile by name, most specific first."""
    common = _read_toml(PROFILE_DIR / COMMON_FILE)
    profiles = [
        _profile(path, _read_toml(path), common)
        for path in sorted(PROFILE_DIR.glob("*.toml"))
        if path.name != COMMON_FILE
    ]
    profiles.sort(key=lambda p: -p.priority)
    return {p.name: p for p in profiles}


def exam_kind(text: str) -> AttemptKind:
    """The kind of attempt a 考试性质 value names, by the shared table (``common.toml``), never
    by its first characters: 正常考试补考 or 补修 must be in the table to be read."""
    kinds = load_profiles()["yujing"].exam_kinds
    found = kinds.get((text or "").strip())
    if found is None:
        raise InvalidValueError(f"考试性质「{text}」不在对照表中；可用：{'、'.join(kinds)}")
    return found.kind


def profile_names() -> tuple[str, ...]:
    return tuple(load_profiles())


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise InputError(f"导出格式文件 {path.name} 无法读取：{exc}") from exc


def _profile(path: Path, data: dict[str, Any], common: dict[str, Any]) -> ExportProfile:
    def bad(key: str, why: str) -> InputError:
        return InputError(f"导出格式文件 {path.name}：{key} {why}")

    columns = {}
    for key, names in data.get("columns", {}).items():
        if key not in HEADERS:
            raise bad(f"[columns] {key}", f"不是已知的列（可用：{'、'.join(HEADERS)}）")
        columns[key] = tuple(str(n) for n in names)
    term = data.get("term", {})
    style = term.get("style", "")
    if style not in TERM_STYLES:
        raise bad("[term] style", f"应为 {'、'.join(TERM_STYLES)} 之一")
    coding = TermCoding(
        style,
        {_norm(str(k)): int(v) for k, v in term.get("semesters", {}).items()},
        {str(k): int(v) for k, v in term.get("codes", DEFAULT_CODES).items()},
        frozenset(str(v) for v in term.get("codes_when_values", ())),
    )
    kinds: dict[str, ExamKind] = {}
    for value, meaning in {**common.get("exam_kinds", {}), **data.get("exam_kinds", {})}.items():
        spec = meaning if isinstance(meaning, dict) else {"kind": meaning}
        try:
            kinds[str(value)] = ExamKind(
                AttemptKind(spec["kind"]),
                str(spec.get("remark", "")),
                bool(spec.get("only_without_score", False)),
            )
        except (KeyError, ValueError) as exc:
            raise bad(f"[exam_kinds] {value}", "应为 正常考试、补考 或 重修") from exc
    words = {**common.get("grade_words", {}), **data.get("grade_words", {})}
    attempts = data.get("attempts", {})
    layout = attempts.get("layout", "row_per_attempt")
    if layout not in LAYOUTS:
        raise bad("[attempts] layout", f"应为 {'、'.join(LAYOUTS)} 之一")
    course_format = data.get("course", {}).get("format", "plain")
    if course_format not in COURSE_FORMATS:
        raise bad("[course] format", f"应为 {'、'.join(COURSE_FORMATS)} 之一")
    detect = data.get("detect", {})
    for key in detect.get("required", ()):
        if key not in HEADERS:
            raise bad(f"[detect] required {key}", f"不是已知的列（可用：{'、'.join(HEADERS)}）")
    if not data.get("name") or not data.get("title"):
        raise bad("name / title", "必须给出")
    return ExportProfile(
        name=str(data["name"]),
        title=str(data["title"]),
        priority=int(data.get("priority", 0)),
        columns=columns,
        required=tuple(detect.get("required", ())),
        distinctive=tuple(detect.get("distinctive", ())),
        term=coding,
        exam_kinds=kinds,
        grade_words={str(k): str(v) for k, v in words.items()},
        layout=layout,
        retake_flag_values=frozenset(str(v) for v in attempts.get("retake_flag_values", ())),
        course_format=course_format,
        source=path,
    )


# -- matching a file ------------------------------------------------------------------------


def parse_column_map(pairs: Mapping[str, str]) -> dict[str, str]:
    """``{"学年": "开课学年", …}`` (template name → the file's header) as ``{key: header}``;
    raises :class:`InputError` for a name that is not a column of the grade template."""
    return keyed_column_map(pairs, KEYS_BY_HEADER, "成绩模板")


def keyed_column_map(
    pairs: Mapping[str, str], keys_by_header: Mapping[str, str], what: str
) -> dict[str, str]:
    """A column map (template name → the file's header) as ``{key: header}`` for a template
    whose columns are ``keys_by_header``; an unknown name is an InputError listing ``what``'s
    columns."""
    out = {}
    for name, header in pairs.items():
        key = keys_by_header.get(name.strip())
        if key is None:
            raise InputError(
                f"列映射「{name}={header}」：「{name}」不是{what}的列。"
                f"可映射的列：{'、'.join(keys_by_header)}。"
            )
        out[key] = header.strip()
    return out


def match_profile(
    profile: ExportProfile, header: Sequence[str], mapping: Mapping[str, str] | None = None
) -> ProfileMatch:
    """Fit ``profile`` to a header row; ``mapping`` (key → header) names columns first."""
    positions = _positions(header)
    index: dict[str, int] = {}
    for key in {**profile.columns, **(mapping or {})}:
        names = ((mapping or {}).get(key), *profile.columns.get(key, ()))
        for name in names:
            if name is None:
                continue
            found = positions.get(name, positions.get(name.lower()))
            if found is not None:
                index[key] = found
                break
    missing = [k for k in profile.required if k not in index]
    if profile.course_format == "bracketed":
        missing = [k for k in missing if k != "course_code"]
        if "course_code" not in index and "course" not in index:
            missing.append("course_code")
    missing.extend(_missing_term(profile.term.style, index))
    present = {h.lower() for h in header if h}
    score = 10 * sum(1 for d in profile.distinctive if d.lower() in present) + len(index)
    if mapping and profile.name == TEMPLATE_PROFILE:
        score += 5  # a mapping names the template's columns: read into it unless another
        # profile's own headers (worth 10 each) say otherwise
    return ProfileMatch(profile, index, tuple(missing), score)


def _missing_term(style: str, index: Mapping[str, int]) -> list[str]:
    pair = ["school_year"] if "school_year" not in index else []
    if "semester" not in index and "semester_code" not in index:
        pair.append("semester")
    if style == "one_column":
        return [] if "term" in index else ["term"]
    if style == "auto" and "term" in index:
        return []
    return pair


def _positions(header: Sequence[str]) -> dict[str, int]:
    positions = {h: i for i, h in reversed(list(enumerate(header))) if h}
    positions.update({h.lower(): i for h, i in positions.items() if h.lower() not in positions})
    return positions


def choose_profile(
    table: Table, *, forced: str | None = None, mapping: Mapping[str, str] | None = None
) -> ProfileMatch:
    """The profile ``table`` was exported in: ``forced`` (``--profile``) or the best fitting
    one. Raises :class:`MissingColumnsError` listing the file's headers and what is missing."""
    profiles = load_profiles()
    if forced is not None:
        profile = profiles.get(forced)
        if profile is None:
            raise InputError(f"没有名为「{forced}」的导出格式。可用：{'、'.join(profiles)}。")
        match = match_profile(profile, table.header, mapping)
        if match.missing:
            names = "、".join(_missing_names(profile, match.missing))
            raise MissingColumnsError(
                f"{table.name}：按{profile.title}读取，缺少列 {names}。"
                f"文件中的列：{_have(table)}。{_MAP_WORDS}",
                columns=[h for h in table.header if h],
                missing=[HEADERS.get(k, k) for k in match.missing],
                cli=_MAP_HINT,
            )
        return match
    matches = [
        m for p in profiles.values() if not (m := match_profile(p, table.header, mapping)).missing
    ]
    if not matches:
        template = match_profile(profiles[TEMPLATE_PROFILE], table.header, mapping)
        names = "、".join(_missing_names(template.profile, template.missing))
        raise MissingColumnsError(
            f"{table.name}：认不出这是哪个教务系统的成绩导出"
            f"（已知：{'、'.join(p.title for p in profiles.values())}）。\n"
            f"文件中的列：{_have(table)}。\n按本系统成绩模板还缺少：{names}。\n{_MAP_WORDS}",
            columns=[h for h in table.header if h],
            missing=[HEADERS.get(k, k) for k in template.missing],
            cli=_MAP_HINT,
        )
    matches.sort(key=lambda m: (m.score, m.profile.priority), reverse=True)
    for match in matches:
        if _terms_readable(match, table):
            return match
    return matches[0]


_MAP_WORDS = "请指明各列在文件中的表头（列映射），存入工作区配置后，下学期同样的文件无需再指明。"
_MAP_HINT = (
    "\n命令行：可用 --map 指明各列在文件中的表头，如 yujing import grades FILE --map 学年=开课学年 "
    "--map 课程代码=课号；加 --save-map 存入工作区配置，下学期同样的文件无需再指明。"
)


def _have(table: Table) -> str:
    return "、".join(h for h in table.header if h) or "（无）"


def _missing_names(profile: ExportProfile, missing: Sequence[str]) -> list[str]:
    out = []
    for key in missing:
        if key == "semester" and profile.term.style == "auto":
            out.append("学期（或一列 学年学期，如 2024-2025-1）")
        else:
            out.append(profile.header_of(key))
    return out


def _terms_readable(match: ProfileMatch, table: Table) -> bool:
    """Do the first rows' terms read under this profile's coding? (Decides between profiles
    whose headers fit equally, e.g. 强智's 2024-2025-1 and 青果's 2024-2025学年第一学期.)"""
    style = _style(match)
    semesters = {**match.profile.term.semesters, **DEFAULT_ONE}
    for n, (_, cells) in enumerate(table.iter_rows()):
        if n >= SAMPLE_ROWS:
            break
        try:
            if style == "one_column":
                _one_column(_cell(cells, match.index["term"]), semesters, "term")
            else:
                _year(_cell(cells, match.index["school_year"]))
        except RowError:
            return False
    return True


def _cell(cells: Sequence[str], i: int) -> str:
    return cells[i].strip() if i < len(cells) else ""


def _style(match: ProfileMatch) -> str:
    style = match.profile.term.style
    if style == "auto":
        return "one_column" if "term" in match.index else "year_and_semester"
    return style


# -- reading the term ---------------------------------------------------------------------------

_ONE_COLUMN = re.compile(r"^(\d{4})\s*[-—–~至]\s*(\d{4})\s*(?:学年)?\s*[-—–]?\s*(.*?)\s*$")
_YEAR = re.compile(r"^(\d{4})(?:\s*[-—–~至]\s*(\d{4}))?\s*(?:学年)?$")


def _norm(text: str) -> str:
    return unicodedata.normalize("NFKC", text).replace(" ", "").strip()


def _one_column(text: str, semesters: Mapping[str, int], column: str) -> Term:
    m = _ONE_COLUMN.match(unicodedata.normalize("NFKC", text))
    if not m or int(m.group(2)) != int(m.group(1)) + 1:
        raise RowError(column, text, "学年学期格式应为 2024-2025-1（学年-学期）")
    semester = semesters.get(_norm(m.group(3)))
    if semester is None:
        allowed = "、".join(semesters)
        raise RowError(column, text, f"学期「{m.group(3)}」不是本格式的写法（应为 {allowed}）")
    return Term(int(m.group(1)), semester)


def _year(text: str) -> int:
    m = _YEAR.match(unicodedata.normalize("NFKC", text).strip())
    if not m or (m.group(2) and int(m.group(2)) != int(m.group(1)) + 1):
        raise RowError("school_year", text, "学年格式应为 2024-2025（正方学年代码 2024 亦可）")
    return int(m.group(1))


def term_reader(
    match: ProfileMatch, table: Table
) -> tuple[Callable[[Mapping[str, str]], Term], Callable[[str, str], Term], tuple[str, ...]]:
    """``(read(values), read_text(text, column), notes)`` for the whole file, as ``match``'s
    profile codes the term. ``read_text`` reads a one-column term (补重学期)."""
    coding = match.profile.term
    memo: dict[Any, Term | tuple[str, str, str]] = {}
    one_semesters = {**coding.semesters, **DEFAULT_ONE}

    def read_text(text: str, column: str) -> Term:
        key = ("one", text, column)
        found = memo.get(key)
        if found is None:
            try:
                found = _one_column(text, one_semesters, column)
            except RowError as err:
                found = (err.column, err.value, err.reason)
            memo[key] = found
        if isinstance(found, Term):
            return found
        raise RowError(*found)

    if _style(match) == "one_column":

        def read_one(values: Mapping[str, str]) -> Term:
            return read_text(values.get("term", ""), "term")

        return read_one, read_text, ()

    notes: list[str] = []
    if "semester_code" in match.index:
        sem_key, semesters = "semester_code", dict(coding.codes)
    else:
        sem_key, semesters = "semester", dict(coding.semesters)
        if coding.codes_when_values:
            seen = table.column_values(match.index["semester"])
            if seen & coding.codes_when_values:
                semesters = dict(coding.codes)
                notes.append(
                    f"学期列含有 {'、'.join(sorted(seen & coding.codes_when_values, key=int))}："
                    "按正方学期代码读取（3 = 第一学期，12 = 第二学期，16 = 第三学期）。"
                )
            elif seen - {""} == {"3"}:
                notes.append(
                    "学期列只有 3：已按第 3 学期（短学期）读取。若这是正方的学期代码"
                    "（3 = 第一学期），请加 --map 学期代码="
                    + table.header[match.index["semester"]]
                    + " 重新导入。"
                )

    def read_pair(values: Mapping[str, str]) -> Term:
        year, sem = values.get("school_year", ""), values.get(sem_key, "")
        key = (year, sem)
        found = memo.get(key)
        if found is None:
            try:
                semester = semesters.get(_norm(sem))
                if semester is None:
                    allowed = "、".join(semesters)
                    raise RowError(sem_key, sem, f"学期应为 {allowed}（本文件的写法）")
                found = Term(_year(year), semester)
            except RowError as err:
                found = (err.column, err.value, err.reason)
            memo[key] = found
        if isinstance(found, Term):
            return found
        raise RowError(*found)

    return read_pair, read_text, tuple(notes)


DEFAULT_ONE = {"1": 1, "2": 2, "3": 3}
"""A one-column term ``2024-2025-1`` is read in every profile (补重学期 is written so)."""
