"""The audit report (档案检查报告) as an .xlsx workbook for the office that keeps the folders.

Sheets: 汇总 (the verdict, the figures, totals per college and per class), 学生 (a row per
student, a column per requirement with the status word, coloured like the HTML report),
问题清单 (a row per finding, stray files included) and 孤立文件. Headers are frozen and
filtered, 学号 is text, pages print A4 landscape. Styles are NamedStyles registered once and
assigned by name: per-cell style objects are re-hashed by openpyxl on every assignment.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

from yujing.checker.html import (
    GROUP_COLOURS,
    PROBLEM_GROUP,
    STATUS_GROUP,
    report_title,
    verdict,
)
from yujing.checker.model import PROBLEMS, AuditReport, Finding
from yujing.outputs import save_xlsx

FINDING_HEADERS = (
    "学院",
    "班级",
    "学号",
    "姓名",
    "预警等级",
    "材料",
    "问题",
    "说明",
    "文件",
    "截止日期",
)
STRAY_HEADERS = ("文件", "问题", "说明", "学院", "班级", "学号", "姓名")


def _register_styles(wb: Any) -> None:
    from openpyxl.styles import Alignment, Border, Font, NamedStyle, PatternFill, Side

    thin = Side(style="thin", color="999999")
    border = Border(left=thin, right=thin, top=thin, bottom=thin)
    body = Font(name="宋体", size=10)
    centre = Alignment(horizontal="center", vertical="center", wrap_text=True)
    left = Alignment(horizontal="left", vertical="center", wrap_text=True)
    specs: list[tuple[str, Font, Alignment, str | None, str | None]] = [
        ("yja-title", Font(name="黑体", size=15, bold=True), left, None, None),
        ("yja-head", Font(name="宋体", size=10, bold=True), centre, "D9E1F2", None),
        ("yja-cell", body, centre, None, None),
        ("yja-text", body, left, None, None),
        ("yja-id", body, centre, None, "@"),
        ("yja-num", body, Alignment(horizontal="right", vertical="center"), None, "0"),
        ("yja-label", Font(name="宋体", size=10, bold=True), left, "F2F2F2", None),
    ]
    for group, (bg, fg) in GROUP_COLOURS.items():
        specs.append(
            (
                f"yja-{group}",
                Font(name="宋体", size=10, bold=True, color=fg.lstrip("#").upper()),
                centre,
                bg.lstrip("#").upper(),
                None,
            )
        )
    for name, font, alignment, fill, number_format in specs:
        style = NamedStyle(name=name, font=font, alignment=alignment)
        if name != "yja-title":
            style.border = border
        if fill:
            style.fill = PatternFill("solid", fgColor=fill)
        if number_format:
            style.number_format = number_format
        wb.add_named_style(style)


def _widths(ws: Any, widths: list[float]) -> None:
    from openpyxl.utils import get_column_letter

    for j, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(j)].width = w


def _page(ws: Any, header_row: int | None = None) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr.fitToPage = True
    if header_row is not None:
        ws.print_title_rows = f"{header_row}:{header_row}"


def _table(ws: Any, top: int, headers: list[str], rows: list[list[Any]], styles: list[str]) -> int:
    """Write a header row at ``top`` and ``rows`` below it; returns the last row written."""
    for j, h in enumerate(headers, start=1):
        ws.cell(top, j, h).style = "yja-head"
    r = top
    for r, values in enumerate(rows, start=top + 1):
        for j, v in enumerate(values, start=1):
            ws.cell(r, j, v).style = styles[j - 1]
    return r


def _filter_and_freeze(ws: Any, top: int, last: int, ncol: int, freeze: str) -> None:
    from openpyxl.utils import get_column_letter

    ws.freeze_panes = freeze
    ws.auto_filter.ref = f"A{top}:{get_column_letter(ncol)}{max(last, top)}"


def _summary_sheet(wb: Any, report: AuditReport) -> None:
    ws = wb.active
    ws.title = "汇总"
    students = report.students
    complete = sum(1 for s in students if s.complete)
    by_problem = Counter(f.problem for f in report.findings)
    problems = list(PROBLEMS) + sorted(set(by_problem) - set(PROBLEMS))
    student_problems = [p for p in problems if p != "orphan"]

    ws.cell(1, 1, report_title(report)).style = "yja-title"
    ws.row_dimensions[1].height = 26
    info: list[tuple[str, Any, str]] = [
        ("结论", verdict(report), "yja-good" if report.complete else "yja-bad"),
        ("学校", report.school, "yja-text"),
        ("学期", report.term_label, "yja-text"),
        ("预警办法", f"{report.policy_title}（{report.policy}）", "yja-text"),
        ("期限计算到", report.as_of, "yja-text"),
        ("生成时间", report.generated_at, "yja-text"),
        (
            "文件核对",
            "已逐一校验文件哈希" if report.verified else "按文件大小和修改时间判断",
            "yja-text",
        ),
        ("预警学生", len(students), "yja-num"),
        ("材料齐全", complete, "yja-num"),
        ("有问题的学生", len(students) - complete, "yja-num"),
        ("问题总数", len(report.findings), "yja-num"),
    ]
    info += [(f"问题：{PROBLEMS.get(p, p)}", by_problem.get(p, 0), "yja-num") for p in problems]
    info.append(("孤立文件", len(report.stray), "yja-num"))
    row = 3
    for label, value, style in info:
        ws.cell(row, 1, label).style = "yja-label"
        ws.cell(row, 2, value).style = style
        row += 1

    problem_heads = [PROBLEMS.get(p, p) for p in student_problems]
    row += 1
    ws.cell(row, 1, "各学院").style = "yja-label"
    college_rows = [
        [
            college,
            t.get("students", 0),
            t.get("complete", 0),
            t.get("students", 0) - t.get("complete", 0),
            *(t.get(p, 0) for p in student_problems),
        ]
        for (college,), t in report.totals("college").items()
    ]
    ncol = 4 + len(student_problems)
    last = _table(
        ws,
        row + 1,
        ["学院", "预警学生", "齐全", "未齐全", *problem_heads],
        college_rows,
        ["yja-text", *["yja-num"] * (ncol - 1)],
    )
    row = last + 2
    ws.cell(row, 1, "各班级").style = "yja-label"
    class_rows = [
        [
            college,
            cls,
            t.get("students", 0),
            t.get("complete", 0),
            t.get("students", 0) - t.get("complete", 0),
            *(t.get(p, 0) for p in student_problems),
        ]
        for (college, cls), t in report.totals("class").items()
    ]
    last = _table(
        ws,
        row + 1,
        ["学院", "班级", "预警学生", "齐全", "未齐全", *problem_heads],
        class_rows,
        ["yja-text", "yja-text", *["yja-num"] * ncol],
    )
    row = last + 2
    if report.notes:
        ws.cell(row, 1, "说明").style = "yja-label"
        for i, note in enumerate(report.notes, start=1):
            ws.cell(row + i, 1, note)
    _widths(ws, [18, 24, 10, 10, 10, *[12] * len(student_problems)])
    _page(ws)


def _students_sheet(wb: Any, report: AuditReport) -> None:
    ws = wb.create_sheet("学生")
    reqs = report.requirements
    headers = [
        "学院",
        "班级",
        "学号",
        "姓名",
        "预警等级",
        *(t for _, t in reqs),
        "问题数",
        "档案目录",
    ]
    for j, h in enumerate(headers, start=1):
        ws.cell(1, j, h).style = "yja-head"
    r = 1
    for r, s in enumerate(
        sorted(report.students, key=lambda s: (s.college, s.class_name, s.student_id)), start=2
    ):
        by_req = {st.requirement: st for st in s.statuses}
        ws.cell(r, 1, s.college).style = "yja-text"
        ws.cell(r, 2, s.class_name).style = "yja-text"
        ws.cell(r, 3, s.student_id).style = "yja-id"
        ws.cell(r, 4, s.name).style = "yja-cell"
        ws.cell(r, 5, s.level).style = "yja-cell"
        for j, (rid, _) in enumerate(reqs, start=6):
            st = by_req.get(rid)
            if st is None:
                ws.cell(r, j, "—").style = "yja-cell"
                continue
            text = st.status_text if st.needed <= 1 else f"{st.status_text} {st.count}/{st.needed}"
            ws.cell(r, j, text).style = f"yja-{STATUS_GROUP.get(st.status, 'neutral')}"
        n = len(s.findings)
        ws.cell(r, 6 + len(reqs), n).style = "yja-num" if n == 0 else "yja-bad"
        ws.cell(r, 7 + len(reqs), s.folder).style = "yja-text"
    _filter_and_freeze(ws, 1, r, len(headers), "F2")
    _widths(ws, [16, 16, 14, 10, 10, *[11] * len(reqs), 8, 40])
    ws.row_dimensions[1].height = 32
    _page(ws, 1)


def _finding_row(f: Finding) -> list[Any]:
    return [
        f.college,
        f.class_name,
        f.student_id,
        f.name,
        f.level,
        f.title,
        f.problem_text,
        f.detail,
        f.path,
        f.due,
    ]


def _findings_sheet(wb: Any, report: AuditReport) -> None:
    ws = wb.create_sheet("问题清单")
    findings = [
        f
        for s in sorted(report.students, key=lambda s: (s.college, s.class_name, s.student_id))
        for f in s.findings
    ] + list(report.college) + list(report.stray) + list(report.integrity)
    for j, h in enumerate(FINDING_HEADERS, start=1):
        ws.cell(1, j, h).style = "yja-head"
    styles = ["yja-text", "yja-text", "yja-id", "yja-cell", "yja-cell", "yja-text", "", "yja-text"]
    styles += ["yja-text", "yja-id"]
    r = 1
    for r, f in enumerate(findings, start=2):
        for j, v in enumerate(_finding_row(f), start=1):
            style = styles[j - 1] or f"yja-{PROBLEM_GROUP.get(f.problem, 'neutral')}"
            ws.cell(r, j, v).style = style
    _filter_and_freeze(ws, 1, r, len(FINDING_HEADERS), "E2")
    _widths(ws, [16, 16, 14, 10, 10, 16, 14, 60, 40, 12])
    _page(ws, 1)


def _stray_sheet(wb: Any, report: AuditReport) -> None:
    ws = wb.create_sheet("孤立文件")
    for j, h in enumerate(STRAY_HEADERS, start=1):
        ws.cell(1, j, h).style = "yja-head"
    r = 1
    for r, f in enumerate(report.stray, start=2):
        values = [f.path, f.problem_text, f.detail, f.college, f.class_name, f.student_id, f.name]
        styles = ["yja-text", "yja-neutral", "yja-text", "yja-text", "yja-text", "yja-id"]
        styles.append("yja-cell")
        for j, v in enumerate(values, start=1):
            ws.cell(r, j, v).style = styles[j - 1]
    if not report.stray:
        ws.cell(2, 1, "没有孤立文件。")
    _filter_and_freeze(ws, 1, r, len(STRAY_HEADERS), "A2")
    _widths(ws, [50, 16, 50, 16, 16, 14, 10])
    _page(ws, 1)


def write_xlsx(report: AuditReport, path: Path) -> Path:
    """Write the report as an .xlsx workbook (atomically); returns ``path``."""
    from openpyxl import Workbook

    wb = Workbook()
    _register_styles(wb)
    _summary_sheet(wb, report)
    _students_sheet(wb, report)
    _findings_sheet(wb, report)
    _stray_sheet(wb, report)
    return save_xlsx(wb, Path(path))
