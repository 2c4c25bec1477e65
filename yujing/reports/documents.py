"""The three documents of the end of a term (学期报告): 帮扶效果分析报告, 学期学业帮扶总结报告 and
学生学业预警处理结果汇总表, as .docx (A4, 宋体 body and 黑体 headings set as East Asian fonts),
from the figures (:mod:`yujing.reports.figures`) and the charts (:mod:`yujing.reports.charts`).
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.shared import Mm, Pt

from yujing.docxkit import add_run, new_document
from yujing.files import atomic_write
from yujing.forms import FormSpec
from yujing.model import Progress, Term
from yujing.policies import Policy
from yujing.registry import today
from yujing.reports.charts import class_level_charts, conversion_charts, previous_current_chart
from yujing.reports.figures import (
    StudentResult,
    TermSummary,
    percent_text,
    term_summary,
)
from yujing.warnlist.rows import DOWN, NEW, RELEASED, SAME, UP

if TYPE_CHECKING:
    from yujing.stage import WorkspaceView

__all__ = ["REPORT_NAMES", "report_paths", "write_term_reports"]

# File names (after "{term} "), in the order write_term_reports returns them.
REPORT_NAMES = (
    "帮扶效果分析报告.docx",
    "学期学业帮扶总结报告.docx",
    "学生学业预警处理结果汇总表.docx",
)
SONG, HEI, LATIN = "宋体", "黑体", "Times New Roman"
TO_FILL = "【待填写】"


def _run(
    paragraph: Any,
    text: str,
    *,
    font: str = SONG,
    size: float | None = None,
    bold: bool = False,
    fill: bool = False,
) -> Any:
    run = add_run(paragraph, text, font=font, size=size, bold=bold)
    if fill:
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW
    return run


def _new_document(*, landscape: bool = False) -> Any:
    margins = (15, 15, 18, 15) if landscape else (25, 25, 25, 22)
    return new_document(
        landscape=landscape, margins_mm=margins, body_size=12, line_spacing=1.25, headings=True
    )


def _title(doc: Any, text: str, subtitle: str = "") -> None:
    p = doc.add_paragraph(style="Title")
    _run(p, text, font=HEI)
    if subtitle:
        s = doc.add_paragraph()
        s.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(s, subtitle, size=11)


def _heading(doc: Any, text: str, level: int = 1) -> None:
    p = doc.add_paragraph(style=f"Heading {level}")
    _run(p, text, font=HEI)


def _para(doc: Any, text: str, *, indent: bool = True, size: float | None = None) -> Any:
    p = doc.add_paragraph()
    if indent:
        p.paragraph_format.first_line_indent = Pt(24)
    _run(p, text, size=size)
    return p


def _to_fill(doc: Any, prompt: str, lines: int = 4) -> None:
    """A placeholder the 学部 completes by hand: marked 【待填写】, highlighted, with space."""
    p = doc.add_paragraph()
    p.paragraph_format.first_line_indent = Pt(24)
    _run(p, TO_FILL, font=HEI, fill=True)
    _run(p, prompt, fill=True)
    for _ in range(lines):
        doc.add_paragraph()


def _repeat_header(row: Any) -> None:
    tr_pr = row._tr.get_or_add_trPr()
    tr_pr.append(OxmlElement("w:tblHeader"))


def _table(
    doc: Any,
    header: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths_mm: Sequence[float],
    *,
    size: float = 10.5,
    header_size: float | None = None,
    left_columns: Iterable[int] = (),
    row_height: float | None = None,
) -> Any:
    """A bordered table with a repeated header row, fixed column widths (mm), cells centred
    vertically; ``row_height`` (mm) is a minimum, room for hand filling."""
    table = doc.add_table(rows=1, cols=len(header))
    table.style = "Table Grid"
    table.alignment = WD_TABLE_ALIGNMENT.CENTER
    table.autofit = False
    left = set(left_columns)
    for cell, text in zip(table.rows[0].cells, header, strict=True):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
        p = cell.paragraphs[0]
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        p.paragraph_format.line_spacing = 1.0
        _run(p, text, font=HEI, size=header_size or size, bold=True)
    _repeat_header(table.rows[0])
    for values in rows:
        row = table.add_row()
        if row_height is not None:
            row.height = Mm(row_height)
            row.height_rule = WD_ROW_HEIGHT_RULE.AT_LEAST
        for k, (cell, text) in enumerate(zip(row.cells, values, strict=True)):
            cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER
            p = cell.paragraphs[0]
            p.alignment = WD_ALIGN_PARAGRAPH.LEFT if k in left else WD_ALIGN_PARAGRAPH.CENTER
            p.paragraph_format.line_spacing = 1.0
            _run(p, str(text), size=size)
    for column, width in zip(table.columns, widths_mm, strict=True):
        column.width = Mm(width)
    for row in table.rows:
        for cell, width in zip(row.cells, widths_mm, strict=True):
            cell.width = Mm(width)
    doc.add_paragraph()
    return table


def _widths(total: float, fixed: Sequence[float], count: int) -> list[float]:
    """``fixed`` widths, then ``count`` equal columns sharing what is left of ``total``."""
    rest = max(total - sum(fixed), 12.0 * max(count, 1))
    return [*fixed, *([rest / count] * count)] if count else list(fixed)


def _picture(doc: Any, png: bytes, caption: str, number: int) -> None:
    doc.add_picture(io.BytesIO(png), width=Mm(160))
    doc.paragraphs[-1].alignment = WD_ALIGN_PARAGRAPH.CENTER
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    _run(p, f"图{number}  {caption}", size=10.5)


def _generated(doc: Any, summary: TermSummary) -> None:
    p = doc.add_paragraph()
    p.alignment = WD_ALIGN_PARAGRAPH.RIGHT
    _run(
        p,
        f"数据来源：yujing 登记库（{summary.term} 名单{summary.status_text}），"
        f"生成于 {today().isoformat()}",
        size=9,
    )


def _level_sentence(summary: TermSummary) -> str:
    parts = "、".join(f"{n} {c} 人" for n, c in summary.levels)
    return f"{summary.title}学生 {summary.warned} 人" + (f"（{parts}）" if parts else "")


def _change_sentence(summary: TermSummary) -> str:
    return "，".join(f"{c} {summary.change_count(c)} 人" for c in (NEW, UP, DOWN, SAME, RELEASED))


def _no_previous(summary: TermSummary) -> str:
    return (
        f"对比：上学期无名单（{summary.previous_term} 在登记库中没有保存的{summary.title}名单），"
        "不作与上学期的对比，不计算转化率。"
    )


def _class_level_table(doc: Any, summary: TermSummary, total_width: float) -> None:
    names = summary.level_names
    rows = [
        [c.college, c.class_name, *(str(c.level_count(n)) for n in names), str(c.warned)]
        for c in summary.classes
        if c.warned
    ]
    rows.append(["合计", "", *(str(summary.level_count(n)) for n in names), str(summary.warned)])
    widths = _widths(total_width, (40, 32), len(names) + 1)
    _table(doc, ["学院", "班级", *names, "合计"], rows, widths)


# -- report 1: 帮扶效果分析报告 ------------------------------------------------------------------


def _write_effect(summary: TermSummary, policy: Policy, path: Path) -> None:
    doc = _new_document()
    width = 160.0
    _title(
        doc,
        f"{summary.term.label()}{summary.title}帮扶效果分析报告",
        f"{summary.school}    （{summary.basis}；名单{summary.status_text}）",
    )
    figure = 0

    _heading(doc, "一、本学期基本情况")
    _para(
        doc,
        f"{summary.term.label()}共评估学生 {summary.assessed_count} 人，"
        f"{_level_sentence(summary)}。各班{summary.title}人数见表1。",
    )
    _para(doc, "表1  各班各等级人数", indent=False, size=10.5)
    _class_level_table(doc, summary, width)

    _heading(doc, "二、与上学期对比")
    if summary.has_previous:
        prev = "、".join(f"{n} {c} 人" for n, c in summary.previous_levels)
        _para(
            doc,
            f"上学期（{summary.previous_term.label()}）{summary.title}学生 "
            f"{summary.previous_warned} 人（{prev}）；本学期 {summary.warned} 人。"
            f"与上学期相比：{_change_sentence(summary)}。",
        )
    else:
        _para(doc, _no_previous(summary))
        if any(summary.change_count(c) for c in (UP, DOWN, SAME, RELEASED)):
            _para(
                doc,
                f"名单「变化」栏按成绩推算的上学期等级填写：{_change_sentence(summary)}（仅供参考）。",
            )
    _para(doc, "表2  较上学期的变化", indent=False, size=10.5)
    meaning = {
        NEW: "上学期未被预警，本学期被预警",
        UP: "等级较上学期加重",
        DOWN: "等级较上学期减轻",
        SAME: "等级与上学期相同",
        RELEASED: "上学期被预警，本学期未达预警条件",
    }
    _table(
        doc,
        ["变化", "人数", "说明"],
        [[c, str(summary.change_count(c)), meaning[c]] for c in (UP, DOWN, RELEASED, SAME, NEW)],
        (30, 25, 105),
        left_columns=(2,),
    )
    caption, png = previous_current_chart(summary)
    figure += 1
    _picture(doc, png, caption, figure)

    _heading(doc, "三、转化情况")
    if summary.has_previous and not summary.previous_warned:
        _para(
            doc,
            f"上学期（{summary.previous_term.label()}）名单上没有{summary.title}学生，不计算转化率。",
        )
    elif summary.has_previous:
        _para(
            doc,
            f"上学期被{summary.title}的 {summary.previous_warned} 名学生中，本学期降级 "
            f"{summary.change_count(DOWN)} 人、解除 {summary.change_count(RELEASED)} 人，"
            f"持续 {summary.change_count(SAME)} 人、升级 {summary.change_count(UP)} 人；"
            f"转化率 {percent_text(summary.conversion_rate)}"
            f"（转化率 =（降级 + 解除）/ 上学期{summary.title}人数）。各班转化情况见表3。",
        )
        classes = [c for c in summary.classes if c.previous_warned]
        rows = [
            [
                c.college,
                c.class_name,
                str(c.previous_warned),
                str(c.change_count(DOWN)),
                str(c.change_count(RELEASED)),
                str(c.change_count(SAME)),
                str(c.change_count(UP)),
                percent_text(c.conversion_rate),
            ]
            for c in classes
        ]
        rows.append(
            [
                "合计",
                "",
                str(summary.previous_warned),
                str(summary.change_count(DOWN)),
                str(summary.change_count(RELEASED)),
                str(summary.change_count(SAME)),
                str(summary.change_count(UP)),
                percent_text(summary.conversion_rate),
            ]
        )
        _para(doc, "表3  各班转化率", indent=False, size=10.5)
        _table(
            doc,
            ["学院", "班级", "上学期人数", "降级", "解除", "持续", "升级", "转化率"],
            rows,
            (34, 26, 24, 14, 14, 14, 14, 20),
        )
        for caption, png in conversion_charts(summary):
            figure += 1
            _picture(doc, png, caption, figure)
    else:
        _para(doc, _no_previous(summary))

    _heading(doc, "四、等级下降及解除预警的学生")
    if summary.fallen and not summary.has_previous:
        _para(doc, "上学期无名单；下表的上学期等级按成绩推算（名单「变化」栏），仅供参考。")
    if summary.fallen:
        _table(
            doc,
            ["序号", "学号", "姓名", "班级", "上学期等级", "本学期等级", "变化"],
            [
                [
                    str(i),
                    c.student_id,
                    c.name,
                    c.class_name,
                    c.previous_level,
                    c.level or "—（解除）",
                    c.change,
                ]
                for i, c in enumerate(summary.fallen, start=1)
            ],
            (12, 28, 20, 30, 26, 26, 18),
        )
    elif summary.has_previous:
        _para(doc, "本学期没有等级下降或解除预警的学生。")
    else:
        _para(doc, _no_previous(summary))

    _heading(doc, "五、分析与改进措施")
    _to_fill(
        doc,
        "由班主任、辅导员对照学生《个人学习计划》和帮扶记录，分析学生成绩变化及帮扶成效。",
    )
    _to_fill(doc, "由学院主管领导根据本报告制定相应的工作改善措施。")
    _generated(doc, summary)
    _save(doc, path)


# -- report 2: 学期学业帮扶总结报告 ----------------------------------------------------------------


def _write_work(summary: TermSummary, policy: Policy, path: Path) -> None:
    doc = _new_document()
    width = 160.0
    _title(
        doc,
        f"{summary.term.label()}{summary.title}与学业帮扶总结报告",
        f"{summary.school}    （学期学业帮扶总结报告；名单{summary.status_text}）",
    )
    figure = 0

    _heading(doc, "一、本学期工作概况")
    no_records = (
        "" if summary.records_available else "（登记库中尚未登记谈话、家长联系记录，按 0 计）"
    )
    _para(
        doc,
        f"{summary.term.label()}共评估学生 {summary.assessed_count} 人，{_level_sentence(summary)}；"
        f"发出{summary.title}通知书 {summary.notices_issued} 份，回收归档 {summary.returns_filed} 份；"
        f"登记谈话 {summary.interviews} 次、家长联系 {summary.parent_contacts} 次{no_records}。",
    )
    figures = [
        ["评估学生人数", str(summary.assessed_count)],
        [f"{summary.title}人数", str(summary.warned)],
        *([f"    其中 {n}", str(c)] for n, c in summary.levels),
        ["发出通知书（有效编号）", str(summary.notices_issued)],
        ["回收归档（交回的联）", str(summary.returns_filed)],
        ["谈话记录", str(summary.interviews)],
        ["家长联系记录", str(summary.parent_contacts)],
    ]
    _para(doc, "表1  本学期工作数据", indent=False, size=10.5)
    _table(doc, ["项目", "数量"], figures, (110, 50), left_columns=(0,))

    _heading(doc, "二、各班情况")
    names = summary.level_names
    rows = [
        [
            c.class_name,
            *(str(c.level_count(n)) for n in names),
            str(c.warned),
            str(c.notices_issued),
            str(c.returns_filed),
            str(c.interviews),
            str(c.parent_contacts),
        ]
        for c in summary.classes
        if c.warned or c.notices_issued or c.returns_filed or c.interviews or c.parent_contacts
    ]
    rows.append(
        [
            "合计",
            *(str(summary.level_count(n)) for n in names),
            str(summary.warned),
            str(summary.notices_issued),
            str(summary.returns_filed),
            str(summary.interviews),
            str(summary.parent_contacts),
        ]
    )
    _para(doc, "表2  各班预警与帮扶工作情况", indent=False, size=10.5)
    _table(
        doc,
        ["班级", *names, "合计", "通知书", "回收", "谈话", "家长联系"],
        rows,
        _widths(width, (22,), len(names) + 5),
        size=9,
        header_size=8.5,
    )
    for caption, png in class_level_charts(summary, policy):
        figure += 1
        _picture(doc, png, caption, figure)

    _heading(doc, "三、帮扶成效")
    if summary.has_previous:
        _para(
            doc,
            f"与上学期（{summary.previous_term.label()}，{summary.previous_warned} 人）相比："
            f"{_change_sentence(summary)}；转化率 {percent_text(summary.conversion_rate)}"
            f"（转化率 =（降级 + 解除）/ 上学期{summary.title}人数）。",
        )
    else:
        _para(doc, _no_previous(summary))
    caption, png = previous_current_chart(summary)
    figure += 1
    _picture(doc, png, caption, figure)

    _heading(doc, "四、经验与问题")
    _to_fill(doc, "本学期学业帮扶工作的主要做法和经验（学部填写）。")
    _to_fill(doc, "工作中存在的问题（学部填写）。")
    _heading(doc, "五、改进措施")
    _to_fill(doc, "下学期改进工作方式、方法的措施（学部填写）。")
    sign = doc.add_paragraph()
    sign.paragraph_format.space_before = Pt(24)
    sign.paragraph_format.tab_stops.add_tab_stop(Mm(160), WD_TAB_ALIGNMENT.RIGHT)
    _run(sign, "学部（学院）负责人（签字）：____________\t（盖章）    年    月    日")
    _generated(doc, summary)
    _save(doc, path)


# -- report 3: 学生学业预警处理结果汇总表 ------------------------------------------------------


def term_header(term: Term) -> str:
    """The seed's ``      -        第    学期`` line, filled in."""
    return f"{term.start_year}-{term.start_year + 1}    第 {term.semester} 学期"


def _write_results_from_pack(
    ws: WorkspaceView, form: FormSpec, summary: TermSummary, path: Path
) -> None:
    """附件3 from the pack's own template — the one ``issue`` prints per college with the
    batch — filled with the 处理结果, one college per page, each with the code and 第 N 号 the
    batch gave that college's 汇总表 (the same document, now filled in)."""
    from types import SimpleNamespace

    from yujing.generator.context import clean
    from yujing.generator.render import render_lists
    from yujing.qr import format_serial, load_secret, make_payload

    by_college: dict[str, list[StudentResult]] = {}
    for s in summary.students:
        by_college.setdefault(s.college or ws.school, []).append(s)
    issued = {
        d["college"]: d["serial"]
        for d in ws.registry.college_docs(summary.term)
        if d["form"] == form.id
    }
    secret = load_secret(ws.root)
    part = form.parts[0]
    contexts = []
    for college, students in sorted(by_college.items()) or [(ws.school, [])]:
        rows = [
            SimpleNamespace(
                seq=str(i),
                student_id=s.student_id,
                name=s.name,
                gender="",
                grade="",
                major=s.major,
                class_name=s.class_name,
                level=s.level,
                reason=s.reason,
                result=s.result,
            )
            for i, s in enumerate(students, start=1)
        ]
        serial = issued.get(college)
        context = {
            "school": ws.school,
            "rules_title": ws.rules_title,
            "school_address": ws.school_address,
            "school_phone": ws.school_phone,
            "college": college,
            "term_label": summary.term.label(),
            "rows": rows,
            "serial": format_serial(serial) if serial else "      ",
            "copy": "",
        }
        qr = {part.id: make_payload(secret, serial, part.code)} if serial else {}
        contexts.append((clean(context), qr))
    render_lists(form.template_path, contexts, path)


def _write_results(summary: TermSummary, path: Path) -> None:
    doc = _new_document(landscape=True)
    width = 267.0
    by_college: dict[str, list[StudentResult]] = {}
    for s in summary.students:
        by_college.setdefault(s.college, []).append(s)
    groups = list(by_college.items()) or [("", [])]
    widths = (12, 36, 30, 28, 20, 24, 70, 47)
    for k, (college, students) in enumerate(groups):
        if k:
            doc.add_page_break()
        p = doc.add_paragraph(style="Title")
        _run(p, f"{summary.school}学生{summary.title}处理结果汇总表", font=HEI)
        p = doc.add_paragraph()
        p.alignment = WD_ALIGN_PARAGRAPH.CENTER
        _run(p, term_header(summary.term), size=12)
        p = doc.add_paragraph()
        p.paragraph_format.tab_stops.add_tab_stop(Mm(150), WD_TAB_ALIGNMENT.LEFT)
        _run(p, f"学院（公章）：{college or '____________________'}\t教学副院长签名：____________")
        p = doc.add_paragraph()
        p.paragraph_format.tab_stops.add_tab_stop(Mm(width), WD_TAB_ALIGNMENT.RIGHT)
        _run(p, "填表人：____________\t年      月      日")
        rows = [
            [str(i), s.college, s.class_name, s.student_id, s.name, s.level, s.reason, s.result]
            for i, s in enumerate(students, start=1)
        ]
        if not rows:
            rows = [["", "", "", "", "", "", f"本学期无{summary.title}学生", ""]]
        _table(
            doc,
            ["序号", "学院", "班级", "学号", "姓名", "预警等级", "预警原因", "处理结果"],
            rows,
            widths,
            size=9,
            left_columns=(6, 7),
            row_height=9,
        )
        note = doc.add_paragraph()
        _run(
            note,
            "注：“处理结果”栏按登记库记录填入谈话、家长联系次数及通知书交回情况；"
            "空白处及后续处理意见由学院填写。",
            size=9,
        )
    _save(doc, path)


def _save(doc: Any, path: Path) -> None:
    with atomic_write(path, "wb") as fh:
        doc.save(fh)


# =============================================================================== entry point


def report_paths(term: Term, out_dir: Path) -> list[Path]:
    """The three report files of ``term`` in ``out_dir``, in the order they are written."""
    return [Path(out_dir) / f"{term} {name}" for name in REPORT_NAMES]


def write_term_reports(
    ws: WorkspaceView, term: Term, out_dir: Path, *, progress: Progress | None = None
) -> list[Path]:
    """Write the term's three reports (.docx) into ``out_dir``; return their paths
    (帮扶效果分析报告, 学期学业帮扶总结报告, 学生学业预警处理结果汇总表).

    Raises :class:`~yujing.errors.ListStateError` when the term has no saved list and
    :class:`~yujing.errors.OutputError` when a file cannot be written. Each file appears
    atomically.
    """
    summary = term_summary(ws, term)
    policy: Policy = ws.policy
    # a pack with its own 汇总表 (beihai 附件3) gets it from the same template issue prints
    summary_form = next((f for f in ws.forms if f.kind == "summary"), None)
    paths = report_paths(term, out_dir)
    writers: list[Callable[[Path], None]] = [
        lambda p: _write_effect(summary, policy, p),
        lambda p: _write_work(summary, policy, p),
        lambda p: (
            _write_results_from_pack(ws, summary_form, summary, p)
            if summary_form is not None
            else _write_results(summary, p)
        ),
    ]
    total = len(writers)
    if progress is not None:
        progress(0, total)
    for done, (writer, path) in enumerate(zip(writers, paths, strict=True), start=1):
        writer(path)
        if progress is not None:
            progress(done, total)
    return paths
