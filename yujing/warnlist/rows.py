"""The warning list (预警名单) as rows, its changes against the previous term, and its files.

:func:`list_rows` turns an :class:`~yujing.engine.assess.Assessment` and the previous term's
levels into :class:`ListRow` values marked 新增 / 升级 / 降级 / 持续 (and 解除 rows for the
students who left the list). :func:`write_xlsx` lays them out as the seeds' lists
(学业预警清单 / 学业警示学生名单汇总表) with a statistics sheet; :func:`write_csv` writes
UTF-8 with BOM so that Excel opens it.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields, replace
from pathlib import Path
from typing import Any

from yujing import outputs
from yujing.engine.assess import Assessment, NotAssessed
from yujing.model import ListFigures, ListRow, Student, Term
from yujing.policies import Policy

NEW, UP, DOWN, SAME, RELEASED = "新增", "升级", "降级", "持续", "解除"
CHANGES = (NEW, UP, DOWN, SAME, RELEASED)


def change_of(policy: Policy, level: str, previous: str | None) -> str:
    if not previous:
        return NEW
    now_rank, before = policy.severity(level), policy.severity(previous)
    if now_rank > before:
        return UP
    if now_rank < before:
        return DOWN
    return SAME


def _row(
    s: Student,
    level: str,
    reason: str,
    change: str,
    *,
    previous_level: str,
    carried_from: str = "",
    figures: ListFigures | None = None,
) -> ListRow:
    """A list row of student ``s`` with the roster's fields it repeats (学号、姓名 … 班级)."""
    return ListRow(
        student_id=s.student_id,
        name=s.name,
        gender=s.gender,
        college=s.college,
        major=s.major,
        grade=s.grade,
        class_name=s.class_name,
        level=level,
        reason=reason,
        change=change,
        previous_level=previous_level,
        carried_from=carried_from,
        figures=figures or ListFigures(),
    )


def list_rows(
    assessment: Assessment,
    previous_levels: Mapping[str, str],
    roster: Mapping[str, Student],
) -> list[ListRow]:
    """Rows of the warned students, then the 解除 rows of those warned last term only."""
    policy = assessment.policy
    rows = []
    for w in assessment.warned:
        s = w.student
        prev = previous_levels.get(s.student_id, "")
        rows.append(
            _row(
                s,
                w.level,
                w.reason,
                change_of(policy, w.level, prev),
                previous_level=prev,
                carried_from=str(w.carried_from or ""),
                figures=ListFigures.from_json(w.figures.to_json()),
            )
        )
    released = sorted(set(previous_levels) - set(assessment.levels))
    for sid in released:
        student = roster.get(sid, Student(sid, ""))
        rows.append(
            _row(student, "", "本学期未达预警条件", RELEASED, previous_level=previous_levels[sid])
        )
    return rows


def apply_objections(
    rows: Sequence[ListRow], objections: Iterable[Mapping[str, Any]], policy: Policy
) -> list[ListRow]:
    """Apply recorded objections (异议): ``removed`` empties the level (the row stays, with the
    objection, so the record of it is kept), ``corrected`` sets the level, ``upheld`` notes it."""
    by_id = {r.student_id: r for r in rows}
    order = [r.student_id for r in rows]
    for o in objections:
        sid, outcome = o["student_id"], o["outcome"]
        row = by_id.get(sid)
        if row is None:
            continue
        note = f"学生核查异议（{o['reason']}）"
        if outcome == "removed":
            by_id[sid] = replace(
                row,
                level="",
                change=RELEASED if row.previous_level else "",
                objection=note + "：已移出名单",
            )
        elif outcome == "corrected":
            level = o["level"]
            by_id[sid] = replace(
                row,
                level=level,
                change=change_of(policy, level, row.previous_level),
                objection=note + f"：等级由{row.level}更正为{level}",
            )
        else:
            by_id[sid] = replace(row, objection=note + "：维持原判")
    return [by_id[sid] for sid in order]


# -- files ---------------------------------------------------------------------------------

CSV_COLUMNS = (
    ("学号", "student_id"),
    ("姓名", "name"),
    ("性别", "gender"),
    ("学院", "college"),
    ("专业", "major"),
    ("年级", "grade"),
    ("班级", "class_name"),
    ("预警等级", "level"),
    ("预警原因", "reason"),
    ("较上学期", "change"),
    ("上学期等级", "previous_level"),
)

_FIGURE_COLUMNS = {
    "term_failed_credit_percent": [
        ("本学期未通过学分", "term_failed_credits"),
        ("本学期所选学分", "term_credits"),
        ("未通过学分占比(%)", "term_failed_percent"),
    ],
    "cumulative_failed_credits": [("累计未通过学分", "cumulative_failed_credits")],
    "gpa": [("平均学分绩点", "gpa")],
    "term_gpa_drop": [("本学期学分绩点", "term_gpa"), ("上学期学分绩点", "previous_term_gpa")],
    "credit_shortfall": [
        ("培养方案应修学分", "required_credits"),
        ("累计取得学分", "earned_credits"),
    ],
    "failed_after_makeup_courses": [("补考后未通过门数", "failed_after_makeup")],
    "failed_first_exam_courses_in_term": [("本学期正考不及格门数", "failed_first_exam_in_term")],
}


def figure_columns(policy: Policy) -> list[tuple[str, str]]:
    """The figure columns a list shows: those of the metrics the policy's criteria use."""
    out: list[tuple[str, str]] = []
    for level in policy.levels:
        for c in level.criteria:
            for col in _FIGURE_COLUMNS.get(c.metric, []):
                if col not in out:
                    out.append(col)
    return out


def _figure_cell(figures: ListFigures, key: str) -> str | int | None:
    """A figure as the list's cell holds it: a count as a number, others as printed text."""
    value = getattr(figures, key, None)
    if isinstance(value, int):
        return value
    return figures.text(key) or None


def list_title(school: str, policy: Policy, term: Term) -> str:
    """The list's title line: the school (the workspace's ``--school``), term, 预警 title."""
    return f"{school} {term.label()} {policy.title}学生名单"


def write_csv(path: Path, rows: Sequence[ListRow], policy: Policy) -> Path:
    """One row per warned student; UTF-8 with BOM (opens in Excel)."""
    figures = figure_columns(policy)
    header = [h for h, _ in CSV_COLUMNS] + [h for h, _ in figures]
    return outputs.write_csv(
        path,
        header,
        (
            [getattr(r, k) for _, k in CSV_COLUMNS] + [r.figure(k) for _, k in figures]
            for r in rows
            if r.warned
        ),
    )


def write_xlsx(
    path: Path,
    rows: Sequence[ListRow],
    policy: Policy,
    term: Term,
    *,
    school: str,
    basis: str | None = None,
    status: str = "草稿",
    not_assessed: Sequence[NotAssessed] = (),
) -> Path:
    """The list as an A4-landscape workbook: 名单, 统计, 解除名单, 未评估; titled with
    ``school`` (the workspace's name for it, not the pack's); ``basis`` is the 依据 cited
    (the policy's source when not given)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side
    from openpyxl.utils import get_column_letter

    thin = Side(style="thin", color="000000")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    body_font = Font(name="宋体", size=10)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)

    wb = Workbook()
    # Named styles: registered once, assigned by name (per-cell style objects are re-hashed
    # by openpyxl on every assignment, which cost seconds on a 5,000-row list).
    for name, font, alignment, fill in (
        (
            "yj-head",
            Font(name="宋体", bold=True, size=11),
            centre,
            PatternFill("solid", fgColor="D9E1F2"),
        ),
        ("yj-cell", body_font, centre, None),
        ("yj-text", body_font, Alignment(wrap_text=True, vertical="center"), None),
        ("yj-id", body_font, centre, None),
    ):
        style = NamedStyle(name=name, font=font, alignment=alignment, border=border)
        if fill is not None:
            style.fill = fill
        if name == "yj-id":
            style.number_format = "@"
        wb.add_named_style(style)
    ws = wb.active
    assert ws is not None
    ws.title = "预警名单"
    figures = figure_columns(policy)
    columns = [
        ("序号", ""),
        *CSV_COLUMNS[:9],
        *figures,
        ("较上学期", "change"),
        ("上学期等级", "previous_level"),
        ("核查异议", "objection"),
    ]
    widths = {"预警原因": 60, "学号": 13, "班级": 12, "专业": 18, "学院": 14, "核查异议": 24}
    ncol = len(columns)
    ws.merge_cells(start_row=1, start_column=1, end_row=1, end_column=ncol)
    ws.cell(1, 1, list_title(school, policy, term)).font = Font(name="黑体", size=16, bold=True)
    ws.cell(1, 1).alignment = centre
    ws.row_dimensions[1].height = 30
    warned = [r for r in rows if r.warned]
    counts = Counter(r.level for r in warned)
    summary = "，".join(f"{lv} {counts.get(lv, 0)} 人" for lv in policy.level_names)
    ws.merge_cells(start_row=2, start_column=1, end_row=2, end_column=ncol)
    ws.cell(2, 1, f"状态：{status}    共 {len(warned)} 人（{summary}）    依据：{basis or policy.source}")
    ws.cell(2, 1).font = body_font
    for j, (h, _) in enumerate(columns, start=1):
        ws.cell(3, j, h).style = "yj-head"
        ws.column_dimensions[get_column_letter(j)].width = widths.get(h, 10)
    styles = [
        "yj-text" if h in ("预警原因", "核查异议") else "yj-id" if k == "student_id" else "yj-cell"
        for h, k in columns
    ]
    row_fields = {f.name for f in fields(ListRow)}
    for i, r in enumerate(warned, start=1):
        values = [i] + [
            getattr(r, k) if k in row_fields else _figure_cell(r.figures, k)
            for _, k in columns[1:]
        ]
        for j, v in enumerate(values, start=1):
            ws.cell(3 + i, j, v).style = styles[j - 1]
    foot = 3 + len(warned) + 2
    ws.cell(foot, 1, "制表人：                审核人：                日期：      年   月   日")
    ws.freeze_panes = "A4"
    ws.print_title_rows = "3:3"
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    ws.auto_filter.ref = f"A3:{get_column_letter(ncol)}{3 + len(warned)}"

    stats = wb.create_sheet("统计")
    stats.append(["预警等级", "人数"])
    for lv in policy.level_names:
        stats.append([lv, counts.get(lv, 0)])
    stats.append(["合计", len(warned)])
    stats.append([])
    stats.append(["较上学期", "人数"])
    changes = Counter(r.change for r in rows)
    for ch in CHANGES:
        stats.append([ch, changes.get(ch, 0)])
    stats.append([])
    stats.append(["学院", "班级", *policy.level_names, "合计"])
    by_class: dict[tuple[str, str], Counter[str]] = {}
    for r in warned:
        by_class.setdefault((r.college, r.class_name), Counter())[r.level] += 1
    for (college, cls), cnt in sorted(by_class.items()):
        stats.append(
            [college, cls, *(cnt.get(lv, 0) for lv in policy.level_names), sum(cnt.values())]
        )
    for col in ("A", "B"):
        stats.column_dimensions[col].width = 16

    released = wb.create_sheet("解除名单")
    released.append(["学号", "姓名", "学院", "班级", "上学期等级", "说明"])
    for r in rows:
        if r.change == RELEASED:
            released.append(
                [
                    r.student_id,
                    r.name,
                    r.college,
                    r.class_name,
                    r.previous_level,
                    r.objection or r.reason,
                ]
            )
    if not_assessed:
        na = wb.create_sheet("未评估")
        na.append(["学号", "姓名", "原因"])
        for n in not_assessed:
            na.append([n.student_id, n.name, n.reason])
    return outputs.save_xlsx(wb, path)
