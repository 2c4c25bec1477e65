"""Building the term's warning list (学业预警名单) from imported records.

Shared by the workspace (``yujing assess --term T``) and the file-only mode
(``yujing assess --policy NAME --grades FILE …``), so both run the same engine the same way:
:func:`population` joins roster, attempts, flags and imported levels per student;
:func:`previous_levels` finds last term's levels to mark 新增/升级/降级/持续/解除;
:func:`assess_files` is the whole file-only job.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from yujing.engine.assess import Assessment, Progress, assess
from yujing.engine.figures import StudentData
from yujing.errors import InputError
from yujing.files import bulk
from yujing.imports import ParsedFile, checked, parse_file, record_key
from yujing.model import Attempt, Flag, ImportedLevel, PlanRow, Student, Term
from yujing.policies import Policy
from yujing.warnlist.rows import ListRow, list_rows, write_csv, write_xlsx


def population(
    roster: Mapping[str, Student],
    attempts: Mapping[str, Sequence[Attempt]],
    flags: Iterable[Flag] = (),
    imported: Iterable[ImportedLevel] = (),
) -> list[StudentData]:
    """One :class:`StudentData` per student on the roster, in the grades or in a levels list.

    A student missing from the roster is assessed under the name the grade rows give.
    """
    flag_map: dict[str, set[tuple[Term, str]]] = {}
    for f in flags:
        flag_map.setdefault(f.student_id, set()).add((f.term, f.flag))
    level_map: dict[str, dict[Term, ImportedLevel]] = {}
    for lv in imported:
        level_map.setdefault(lv.student_id, {})[lv.term] = lv
    ids = sorted(set(roster) | set(attempts) | set(level_map))
    out = []
    for sid in ids:
        rows = attempts.get(sid, ())
        student = roster.get(sid)
        if student is None:
            name = next((a.student_name for a in rows if a.student_name), "")
            if not name and sid in level_map:
                name = next(iter(level_map[sid].values())).name
            student = Student(sid, name)
        out.append(
            StudentData(
                student, tuple(rows), frozenset(flag_map.get(sid, ())), level_map.get(sid, {})
            )
        )
    return out


def unrostered(roster: Mapping[str, Student], people: Sequence[StudentData]) -> list[str]:
    """学号 of students with grade rows who are not on the roster."""
    return [
        d.student.student_id for d in people if d.student.student_id not in roster and d.attempts
    ]


def previous_levels(
    policy: Policy,
    term: Term,
    people: Sequence[StudentData],
    plan: Sequence[PlanRow] = (),
) -> dict[str, str]:
    """Levels of the previous regular term, computed by the engine from the same rows.

    Empty when no grade row is that old (the first assessed term: everyone is 新增).
    """
    previous = term.previous_regular()
    if not any(a.term <= previous for d in people for a in d.attempts) and not any(
        previous in d.imported for d in people
    ):
        return {}
    return dict(assess(policy, previous, people, plan=plan).levels)


@dataclass(frozen=True)
class FileAssessment:
    """The result of :func:`assess_files`."""

    assessment: Assessment
    rows: tuple[ListRow, ...]
    output: Path
    inputs: tuple[ParsedFile, ...]
    unrostered: tuple[str, ...]


@bulk()
def assess_files(
    policy: Policy,
    term: Term,
    *,
    grades: Sequence[Path],
    roster: Path,
    output: Path,
    plan: Path | None = None,
    flags: Path | None = None,
    levels: Path | None = None,
    skip_bad_rows: bool = False,
    progress: Progress | None = None,
) -> FileAssessment:
    """Assess straight from files (one or more grade exports) and write the list (``.csv`` or
    ``.xlsx``)."""
    suffix = output.suffix.lower()
    if suffix not in {".csv", ".xlsx"}:
        raise InputError(f"输出文件 {output.name} 应以 .csv 或 .xlsx 结尾。")
    for needed in sorted(policy.requires):
        if {"plan": plan, "flags": flags, "levels": levels}[needed] is None:
            raise InputError(f"规则「{policy.name}」需要 --{needed} 文件。")
    parsed_grades = [checked(parse_file("grades", g), skip_bad_rows=skip_bad_rows) for g in grades]
    parsed_roster = checked(parse_file("roster", roster), skip_bad_rows=skip_bad_rows)
    inputs = [*parsed_grades, parsed_roster]
    plan_rows: list[PlanRow] = []
    flag_rows: list[Flag] = []
    level_rows: list[ImportedLevel] = []
    if plan is not None:
        p = checked(parse_file("plan", plan), skip_bad_rows=skip_bad_rows)
        plan_rows, inputs = list(p.records), [*inputs, p]
    if flags is not None:
        f = checked(parse_file("flags", flags), skip_bad_rows=skip_bad_rows)
        flag_rows, inputs = list(f.records), [*inputs, f]
    if levels is not None:
        lv = checked(
            parse_file("levels", levels, term=term, level_names=policy.level_names),
            skip_bad_rows=skip_bad_rows,
        )
        level_rows, inputs = list(lv.records), [*inputs, lv]
    students = {s.student_id: s for s in parsed_roster.records}
    attempts: dict[tuple[str, ...], Attempt] = {}
    for parsed in parsed_grades:  # the same row in two exports counts once; the later file wins
        attempts.update((record_key(a), a) for a in parsed.records)
    by_student: dict[str, list[Attempt]] = {}
    for a in attempts.values():
        by_student.setdefault(a.student_id, []).append(a)
    people = population(students, by_student, flag_rows, level_rows)
    result = assess(policy, term, people, plan=plan_rows, progress=progress)
    rows = list_rows(result, previous_levels(policy, term, people, plan_rows), students)
    if suffix == ".csv":
        write_csv(output, rows, policy)
    else:
        write_xlsx(
            output, rows, policy, term, school=policy.school, not_assessed=result.not_assessed
        )
    return FileAssessment(
        result, tuple(rows), output, tuple(inputs), tuple(unrostered(students, people))
    )
