"""The audit report (档案检查报告) as one self-contained HTML page for an inspector's browser.

One file, no network: CSS, a small vanilla script and the charts (inline SVG) are all in the
page, and a Content-Security-Policy forbids anything else. Without JavaScript every student is
shown; with it, a filter bar narrows the tables (text, problem types, only students with
problems, one class). The page prints on A4 landscape with its colours, each class on a page.

Stable hooks for tests and scripts: ``#summary`` (``[data-figure]`` values), ``#charts``
(``figure.college-chart[data-college]``), ``section.class-section`` /
``table.class-table[data-class][data-college]``, ``tr.student[data-student][data-problems]``
(problem keys, space-separated, empty for a complete folder), ``td.status-<status>`` (the
status key with anything but ``a-z0-9-`` dropped: ``n/a`` → ``status-na``; the raw key is in
``data-status``), ``#filter-text``, ``#only-problems``, ``#filter-class``,
``input.problem-filter[value=<problem>]``, ``#stray``, ``#notes``. Rows a filter hides get the
attribute ``hidden`` and the class ``filtered-out``.

A URL hash sets the filters on load (and on change), so a link or a headless browser can open
a filtered view: ``#filter=<text>``, ``#only-problems``, ``#problem=late,missing``,
``#class=<班级>``, joined with ``&``.
"""

from __future__ import annotations

import re
from collections import Counter
from datetime import datetime
from html import escape
from pathlib import Path

from yujing.checker.model import PROBLEMS, AuditReport, Finding, StudentAudit
from yujing.files import atomic_write

# Colour group of each status and problem: the report's legend, cells, bars and tags.
STATUS_GROUP: dict[str, str] = {
    "ok": "good",
    "pending": "neutral",
    "n/a": "neutral",
    "missing": "bad",
    "overdue": "bad",
    "late": "warn",
    "unsigned": "warn",
    "altered": "tamper",
    "unreadable": "tamper",
    "mismatch": "tamper",
}
PROBLEM_GROUP: dict[str, str] = {
    "missing": "bad",
    "overdue": "bad",
    "late": "warn",
    "unsigned": "warn",
    "mismatch": "tamper",
    "altered": "tamper",
    "unreadable": "tamper",
    "orphan": "neutral",
    "tampered": "tamper",
    "two-names": "tamper",
}
GROUP_COLOURS: dict[str, tuple[str, str]] = {  # (background, text/bar colour)
    "good": ("#d8f0dc", "#1e7b34"),
    "neutral": ("#ececec", "#5f6368"),
    "bad": ("#f9d6d5", "#b3261e"),
    "warn": ("#fde3c4", "#b55d00"),
    "tamper": ("#e8dcf5", "#6a3d9a"),
}
GROUP_WORDS: dict[str, str] = {
    "good": "齐全",
    "neutral": "未到期／不适用",
    "bad": "缺失／超期",
    "warn": "逾期／未签字",
    "tamper": "被改动／无法读取／不符",
}


def status_class(status: str) -> str:
    """The CSS class of a status cell: ``status-`` and the key reduced to ``a-z0-9-``."""
    return "status-" + (re.sub(r"[^a-z0-9-]", "", status.lower()) or "unknown")


def _e(value: object) -> str:
    return escape(str(value), quote=True)


def _when(iso: str) -> str:
    """``2024-11-20T10:31:07.123+08:00`` → ``2024-11-20 10:31``; anything else as given."""
    try:
        return datetime.fromisoformat(iso).strftime("%Y-%m-%d %H:%M")
    except (TypeError, ValueError):
        return iso


def report_title(report: AuditReport) -> str:
    return f"{report.school} {report.term_label} {report.policy_title}档案检查报告"


def verdict(report: AuditReport) -> str:
    n = len(report.findings)
    return "全部齐全" if n == 0 else f"发现 {n} 个问题"


def student_problems(student: StudentAudit) -> list[str]:
    """The problem keys of a student's findings, each once, in PROBLEMS order."""
    seen = {f.problem for f in student.findings}
    order = list(PROBLEMS)
    return sorted(seen, key=lambda p: (order.index(p) if p in order else len(order), p))


def filter_problems(report: AuditReport) -> list[str]:
    """The problem types offered as filters: every student problem of PROBLEMS (strays are
    listed on their own), and any other key a finding uses."""
    keys = [p for p in PROBLEMS if p != "orphan"]
    extra = sorted({f.problem for s in report.students for f in s.findings} - set(keys))
    return keys + extra


# ---------------------------------------------------------------------------- page parts


def _header(report: AuditReport) -> str:
    check = "已逐一校验文件哈希" if report.verified else "按文件大小和修改时间判断"
    ok = report.complete
    return (
        '<header id="report-header">'
        f"<h1>{_e(report_title(report))}</h1>"
        '<p class="meta">'
        f'<span id="generated-at">生成时间：{_e(_when(report.generated_at))}</span>'
        f'<span id="as-of">截至 {_e(report.as_of)}（期限计算到此日）</span>'
        f'<span id="verified" data-verified="{"yes" if report.verified else "no"}">'
        f"{check}</span>"
        f"<span>学期：{_e(report.term)}</span>"
        "</p>"
        f'<p id="verdict" class="verdict {"verdict-ok" if ok else "verdict-bad"}">'
        f"{'✓' if ok else '✗'} {_e(verdict(report))}</p>"
        "</header>"
    )


def _figure(key: str, label: str, value: int, extra: str = "") -> str:
    return (
        f'<div class="figure {extra}" data-figure="{_e(key)}">'
        f'<span class="value">{value}</span><span class="label">{_e(label)}</span></div>'
    )


def _summary(report: AuditReport) -> str:
    students = report.students
    complete = sum(1 for s in students if s.complete)
    by_problem = Counter(f.problem for f in report.findings)
    parts = [
        '<section id="summary"><h2>概况</h2><div class="figures">',
        _figure("students", "预警学生", len(students)),
        _figure("complete", "材料齐全", complete, "group-good"),
        _figure("incomplete", "有问题的学生", len(students) - complete, "group-bad"),
        _figure("findings", "问题总数", len(report.findings)),
        _figure("stray", "孤立文件", len(report.stray), "group-neutral"),
        "</div>",
        '<div class="figures problems">',
    ]
    problems = list(PROBLEMS) + sorted(set(by_problem) - set(PROBLEMS))
    for p in problems:
        group = PROBLEM_GROUP.get(p, "neutral")
        parts.append(
            _figure(f"problem-{p}", PROBLEMS.get(p, p), by_problem.get(p, 0), f"group-{group}")
        )
    parts.append("</div>")
    # totals per college, a table that also prints well
    shown = [p for p in problems if p != "orphan"]
    head = "".join(f"<th>{_e(PROBLEMS.get(p, p))}</th>" for p in shown)
    parts.append(
        '<table class="totals" id="college-totals"><caption>各学院汇总</caption>'
        f"<thead><tr><th>学院</th><th>预警学生</th><th>齐全</th><th>未齐全</th>{head}</tr></thead>"
        "<tbody>"
    )
    for (college,), t in report.totals("college").items():
        cells = "".join(f'<td class="num">{t.get(p, 0)}</td>' for p in shown)
        parts.append(
            f'<tr data-college="{_e(college)}"><th scope="row">{_e(college)}</th>'
            f'<td class="num">{t.get("students", 0)}</td><td class="num">{t.get("complete", 0)}</td>'
            f'<td class="num">{t.get("students", 0) - t.get("complete", 0)}</td>{cells}</tr>'
        )
    parts.append("</tbody></table>")
    parts.append(_legend())
    parts.append("</section>")
    return "".join(parts)


def _legend() -> str:
    items = "".join(
        f'<li><span class="swatch group-{g}"></span>{_e(w)}</li>' for g, w in GROUP_WORDS.items()
    )
    return f'<ul class="legend" aria-label="颜色说明">{items}</ul>'


def _filters(report: AuditReport, sections: list[tuple[str, str]]) -> str:
    counts = Counter(f.problem for s in report.students for f in s.findings)
    boxes = "".join(
        f'<label class="problem-label group-{PROBLEM_GROUP.get(p, "neutral")}">'
        f'<input type="checkbox" class="problem-filter" value="{_e(p)}" '
        f'data-label="{_e(PROBLEMS.get(p, p))}">'
        f"{_e(PROBLEMS.get(p, p))}<small>（{counts.get(p, 0)}）</small></label>"
        for p in filter_problems(report)
    )
    options = "".join(
        f'<option value="{i}" data-class="{_e(cls)}" data-college="{_e(college)}">'
        f"{_e(college)} · {_e(cls)}</option>"
        for i, (college, cls) in enumerate(sections)
    )
    return (
        '<section id="filters" class="no-print" aria-label="筛选">'
        '<label>查找 <input type="search" id="filter-text" placeholder="学号、姓名或班级" '
        'autocomplete="off"></label>'
        '<label>班级 <select id="filter-class"><option value="">全部班级</option>'
        f"{options}</select></label>"
        '<label class="toggle"><input type="checkbox" id="only-problems">只看有问题的学生</label>'
        f'<fieldset class="problem-filters"><legend>问题类型</legend>{boxes}</fieldset>'
        '<button type="button" id="filter-reset">清除筛选</button>'
        '<output id="filter-count" aria-live="polite"></output>'
        "</section>"
    )


# ---------------------------------------------------------------------------- charts

_CHART_W = 560
_LABEL_W = 150
_BAR_W = 250
_ROW_H = 28


def _label(x: int, y: int, text: str) -> str:
    """A right-aligned bar label; squeezed (``textLength``) when it would not fit."""
    width = sum(7 if ord(ch) < 0x2E80 else 13 for ch in text)
    fit = ""
    if width > _LABEL_W - 12:
        fit = f' textLength="{_LABEL_W - 12}" lengthAdjust="spacingAndGlyphs"'
    return f'<text x="{x}" y="{y}" text-anchor="end" class="label"{fit}>{_e(text)}</text>'


def _svg_open(chart_id: str, title: str, desc: str, height: int, kind: str) -> str:
    return (
        f'<svg class="chart chart-{kind}" id="{chart_id}" role="img" '
        f'aria-labelledby="{chart_id}-title {chart_id}-desc" xmlns="http://www.w3.org/2000/svg" '
        f'width="{_CHART_W}" height="{height}" viewBox="0 0 {_CHART_W} {height}">'
        f'<title id="{chart_id}-title">{_e(title)}</title>'
        f'<desc id="{chart_id}-desc">{_e(desc)}</desc>'
        # hatching keeps "incomplete" apart from "complete" when printed in black and white
        f'<defs><pattern id="{chart_id}-hatch" patternUnits="userSpaceOnUse" width="6" height="6" '
        'patternTransform="rotate(45)">'
        f'<rect width="6" height="6" fill="{GROUP_COLOURS["bad"][0]}"/>'
        f'<line x1="0" y1="0" x2="0" y2="6" stroke="{GROUP_COLOURS["bad"][1]}" stroke-width="3"/>'
        "</pattern></defs>"
    )


def _class_chart(chart_id: str, college: str, rows: list[tuple[str, int, int]]) -> str:
    """Stacked bars per class: complete (solid green) and incomplete (hatched red)."""
    height = 34 + _ROW_H * len(rows) + 30
    most = max((n for _, n, _ in rows), default=0) or 1
    desc = "；".join(f"{c}：{n} 人，齐全 {k} 人，未齐全 {n - k} 人" for c, n, k in rows)
    out = [
        _svg_open(chart_id, f"{college}：各班材料齐全与未齐全的学生", desc, height, "classes"),
        f'<text x="0" y="16" class="chart-head">{_e(college)} 各班学生（人）</text>',
    ]
    good = GROUP_COLOURS["good"]
    for i, (cls, n, k) in enumerate(rows):
        y = 28 + i * _ROW_H
        wk = round(_BAR_W * k / most)
        wn = round(_BAR_W * (n - k) / most)
        out.append(
            f'<g class="bar-row" data-class="{_e(cls)}" data-complete="{k}" '
            f'data-incomplete="{n - k}">'
            f"{_label(_LABEL_W - 8, y + 17, cls)}"
        )
        if wk:
            out.append(
                f'<rect x="{_LABEL_W}" y="{y + 4}" width="{wk}" height="{_ROW_H - 8}" '
                f'fill="{good[1]}" stroke="#000" stroke-width="0.5"><title>齐全 {k} 人</title></rect>'
            )
        if wn:
            out.append(
                f'<rect x="{_LABEL_W + wk}" y="{y + 4}" width="{wn}" height="{_ROW_H - 8}" '
                f'fill="url(#{chart_id}-hatch)" stroke="#000" stroke-width="0.5">'
                f"<title>未齐全 {n - k} 人</title></rect>"
            )
        out.append(
            f'<text x="{_LABEL_W + wk + wn + 8}" y="{y + 17}" class="value">'
            f"齐全 {k} / 未齐全 {n - k}</text></g>"
        )
    ly = height - 12
    out.append(
        f'<g class="chart-legend"><rect x="{_LABEL_W}" y="{ly - 10}" width="14" height="12" '
        f'fill="{good[1]}" stroke="#000" stroke-width="0.5"/>'
        f'<text x="{_LABEL_W + 20}" y="{ly}">齐全</text>'
        f'<rect x="{_LABEL_W + 70}" y="{ly - 10}" width="14" height="12" '
        f'fill="url(#{chart_id}-hatch)" stroke="#000" stroke-width="0.5"/>'
        f'<text x="{_LABEL_W + 90}" y="{ly}">未齐全（斜线）</text></g>'
    )
    out.append("</svg>")
    return "".join(out)


def _problem_chart(chart_id: str, college: str, counts: dict[str, int]) -> str:
    """Bars per problem type found in the college's folders."""
    items = [(p, n) for p, n in counts.items() if n]
    height = 34 + _ROW_H * max(len(items), 1) + 8
    desc = "；".join(f"{PROBLEMS.get(p, p)} {n} 个" for p, n in items) if items else "没有发现问题"
    out = [
        _svg_open(chart_id, f"{college}：各类问题的数目", desc, height, "problems"),
        f'<text x="0" y="16" class="chart-head">{_e(college)} 各类问题（个）</text>',
    ]
    if not items:
        out.append(f'<text x="{_LABEL_W}" y="{28 + 17}" class="value">没有发现问题</text>')
    most = max((n for _, n in items), default=1)
    for i, (p, n) in enumerate(items):
        y = 28 + i * _ROW_H
        w = max(2, round(_BAR_W * n / most))
        group = PROBLEM_GROUP.get(p, "neutral")
        out.append(
            f'<g class="bar-row" data-problem="{_e(p)}" data-count="{n}">'
            f"{_label(_LABEL_W - 8, y + 17, PROBLEMS.get(p, p))}"
            f'<rect x="{_LABEL_W}" y="{y + 4}" width="{w}" height="{_ROW_H - 8}" '
            f'fill="{GROUP_COLOURS[group][1]}" stroke="#000" stroke-width="0.5"/>'
            f'<text x="{_LABEL_W + w + 8}" y="{y + 17}" class="value">{n}</text></g>'
        )
    out.append("</svg>")
    return "".join(out)


def _charts(report: AuditReport) -> str:
    classes = report.totals("class")
    colleges = report.totals("college")
    order = list(PROBLEMS)
    parts = ['<section id="charts"><h2>各学院图表</h2>']
    for i, ((college,), t) in enumerate(colleges.items()):
        rows = [
            (k[1], v.get("students", 0), v.get("complete", 0))
            for k, v in classes.items()
            if k[0] == college
        ]
        counts = {
            p: t[p]
            for p in sorted(
                (p for p in t if p not in ("students", "complete")),
                key=lambda p: (order.index(p) if p in order else len(order), p),
            )
        }
        parts.append(
            f'<figure class="college-chart" data-college="{_e(college)}">'
            f"<figcaption><strong>{_e(college)}</strong>：预警学生 {t.get('students', 0)} 人，"
            f"齐全 {t.get('complete', 0)} 人，问题 {sum(counts.values())} 个</figcaption>"
            f"{_class_chart(f'chart-{i}-classes', college, rows)}"
            f"{_problem_chart(f'chart-{i}-problems', college, counts)}"
            "</figure>"
        )
    parts.append("</section>")
    return "".join(parts)


# ---------------------------------------------------------------------------- tables


def _finding_item(f: Finding) -> str:
    group = PROBLEM_GROUP.get(f.problem, "neutral")
    bits = [
        f'<li class="finding" data-problem="{_e(f.problem)}">'
        f'<span class="tag group-{group}">{_e(f.problem_text)}</span> '
    ]
    if f.title:
        bits.append(f'<span class="what">{_e(f.title)}</span>：')
    bits.append(_e(f.detail))
    if f.due:
        bits.append(f' <span class="due">（截止 {_e(f.due)}）</span>')
    if f.path:
        bits.append(f' <code class="path">{_e(f.path)}</code>')
    bits.append("</li>")
    return "".join(bits)


def _status_cell(st_status: str, text: str, detail: str, count: int, needed: int) -> str:
    group = STATUS_GROUP.get(st_status, "neutral")
    extra = f'<span class="count">{count}/{needed}</span>' if needed > 1 else ""
    tip = f' title="{_e(detail)}"' if detail else ""
    return (
        f'<td class="status {status_class(st_status)} group-{group}" '
        f'data-status="{_e(st_status)}"{tip}>{_e(text)}{extra}</td>'
    )


def _student_row(s: StudentAudit, requirements: tuple[tuple[str, str], ...], section: int) -> str:
    problems = student_problems(s)
    search = f"{s.student_id} {s.name} {s.class_name}"
    by_req = {st.requirement: st for st in s.statuses}
    cells = []
    for rid, _title in requirements:
        st = by_req.get(rid)
        if st is None:
            cells.append('<td class="status status-none" data-status="">—</td>')
        else:
            cells.append(_status_cell(st.status, st.status_text, st.detail, st.count, st.needed))
    if s.findings:
        found = f'<ul class="findings">{"".join(_finding_item(f) for f in s.findings)}</ul>'
    else:
        found = '<span class="all-ok">✓ 齐全</span>'
    folder = f' title="档案目录：{_e(s.folder)}"' if s.folder else ""
    return (
        f'<tr class="student {"complete" if s.complete else "incomplete"}" '
        f'data-student="{_e(s.student_id)}" data-problems="{_e(" ".join(problems))}" '
        f'data-search="{_e(search)}" data-section="{section}">'
        f'<td class="sid"{folder}>{_e(s.student_id)}</td>'
        f'<td class="name">{_e(s.name)}</td>'
        f'<td class="level">{_e(s.level)}</td>'
        f"{''.join(cells)}"
        f'<td class="problems-cell">{found}</td>'
        "</tr>"
    )


def _class_section(
    index: int,
    college: str,
    cls: str,
    students: list[StudentAudit],
    requirements: tuple[tuple[str, str], ...],
) -> str:
    complete = sum(1 for s in students if s.complete)
    findings = sum(len(s.findings) for s in students)
    head = "".join(
        f'<th scope="col" class="req" data-requirement="{_e(rid)}">{_e(title)}</th>'
        for rid, title in requirements
    )
    rows = "".join(
        _student_row(s, requirements, index) for s in sorted(students, key=lambda s: s.student_id)
    )
    return (
        f'<section class="class-section" id="class-{index}" data-class="{_e(cls)}" '
        f'data-college="{_e(college)}">'
        f"<h3>{_e(college)} · {_e(cls)}"
        f"<small>预警 {len(students)} 人，齐全 {complete} 人，问题 {findings} 个</small></h3>"
        f'<table class="class-table" data-class="{_e(cls)}" data-college="{_e(college)}">'
        "<thead><tr>"
        '<th scope="col">学号</th><th scope="col">姓名</th><th scope="col">预警等级</th>'
        f'{head}<th scope="col" class="problems-head">问题</th>'
        f"</tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _college(report: AuditReport) -> str:
    """The college folder (archive/_学院/<学期>/): what its college-level requirements lack."""
    if not report.college:
        return ""
    rows = "".join(
        f'<tr class="college-finding" data-problem="{_e(f.problem)}">'
        f"<td>{_e(f.college)}</td><td>{_e(f.title)}</td>"
        f"<td>{_e(f.problem_text)}</td><td>{_e(f.detail)}</td></tr>"
        for f in report.college
    )
    return (
        '<section id="college"><h2>学院档案</h2>'
        "<p>学院档案夹（archive/_学院/学期/）应有的名单、清单、汇总表：</p>"
        '<table class="stray-table"><thead><tr><th>学院</th><th>材料</th><th>问题</th>'
        f"<th>说明</th></tr></thead><tbody>{rows}</tbody></table></section>"
    )


def _stray(report: AuditReport) -> str:
    if not report.stray:
        return '<section id="stray"><h2>孤立文件</h2><p class="none">没有孤立文件。</p></section>'
    rows = "".join(
        f'<tr class="stray-file" data-problem="{_e(f.problem)}">'
        f'<td><code class="path">{_e(f.path)}</code></td>'
        f"<td>{_e(f.problem_text)}</td><td>{_e(f.detail)}</td>"
        f"<td>{_e(f.college)}</td><td>{_e(f.class_name)}</td>"
        f"<td>{_e(f.student_id)}</td><td>{_e(f.name)}</td></tr>"
        for f in report.stray
    )
    return (
        '<section id="stray"><h2>孤立文件</h2>'
        "<p>档案目录中有、登记库中没有记录的文件：</p>"
        '<table class="stray-table"><thead><tr><th>文件</th><th>问题</th><th>说明</th>'
        "<th>学院</th><th>班级</th><th>学号</th><th>姓名</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></section>"
    )


def _integrity(report: AuditReport) -> str:
    """Registry rows changed by hand and folders split or shared (shown only when found)."""
    if not report.integrity:
        return ""
    rows = "".join(
        f'<tr class="integrity-row" data-problem="{_e(f.problem)}">'
        f"<td>{_e(f.title)}</td><td>{_e(f.problem_text)}</td><td>{_e(f.detail)}</td>"
        f"<td>{_e(f.college)}</td><td>{_e(f.class_name)}</td><td>{_e(f.level)}</td>"
        f"<td>{_e(f.student_id)}</td><td>{_e(f.name)}</td></tr>"
        for f in report.integrity
    )
    return (
        '<section id="integrity"><h2>登记库与档案夹</h2>'
        "<p>登记库中被绕过 yujing 改动、插入或删除的记录，以及档案夹的异常：</p>"
        '<table class="stray-table"><thead><tr><th>对象</th><th>问题</th><th>说明</th>'
        "<th>学院</th><th>班级</th><th>等级</th><th>学号</th><th>姓名</th></tr></thead>"
        f"<tbody>{rows}</tbody></table></section>"
    )


def _notes(report: AuditReport) -> str:
    if not report.notes:
        return ""
    items = "".join(f"<li>{_e(n)}</li>" for n in report.notes)
    return f'<section id="notes"><h2>说明</h2><ul>{items}</ul></section>'


# ---------------------------------------------------------------------------- style, script


def _css() -> str:
    groups = "\n".join(
        f".group-{g}{{background:{bg};color:{fg}}}" for g, (bg, fg) in GROUP_COLOURS.items()
    )
    return (
        """
:root{--line:#bbb;--muted:#555}
*{box-sizing:border-box}
[hidden]{display:none!important}
html{-webkit-print-color-adjust:exact;print-color-adjust:exact}
body{margin:0 auto;padding:16px 20px;max-width:1600px;color:#111;background:#fff;
 font:14px/1.5 "Noto Sans CJK SC","Source Han Sans SC","PingFang SC","Microsoft YaHei",
 "WenQuanYi Micro Hei","SimSun",sans-serif}
h1{font-size:22px;margin:0 0 6px}
h2{font-size:18px;margin:22px 0 8px;border-bottom:2px solid #333;padding-bottom:2px}
h3{font-size:16px;margin:18px 0 6px}
h3 small{font-weight:normal;color:var(--muted);margin-left:12px;font-size:13px}
.meta span{margin-right:18px;color:var(--muted)}
.verdict{display:inline-block;font-size:18px;font-weight:bold;padding:4px 14px;
 border:2px solid currentColor;border-radius:4px;margin:4px 0}
.verdict-ok{color:#1e7b34;background:#d8f0dc}
.verdict-bad{color:#b3261e;background:#f9d6d5}
.figures{display:flex;flex-wrap:wrap;gap:8px;margin:6px 0}
.figure{border:1px solid var(--line);border-radius:4px;padding:6px 12px;min-width:110px;
 background:#fafafa}
.figure .value{display:block;font-size:22px;font-weight:bold}
.figure .label{font-size:12px}
.problems .figure .value{font-size:17px}
table{border-collapse:collapse;margin:6px 0;font-size:13px}
th,td{border:1px solid var(--line);padding:3px 6px;vertical-align:top}
thead th{background:#e8ecf3;position:sticky;top:0;z-index:1}
td.num{text-align:right}
caption{text-align:left;font-weight:bold;padding:4px 0}
.class-table{width:100%}
th.req{min-width:6.5em}
.class-table td.status{text-align:center;white-space:nowrap;font-weight:bold}
.class-table td.status[title]{cursor:help;text-decoration:underline dotted}
td.status .count{display:block;font-weight:normal;font-size:11px}
td.status-none{color:#999}
td.sid{font-family:"Noto Sans Mono",monospace;white-space:nowrap}
td.name,td.level{white-space:nowrap}
tr.incomplete td.sid{border-left:4px solid #b3261e}
tr.complete td.sid{border-left:4px solid #1e7b34}
td.problems-cell{min-width:260px}
ul.findings{margin:0;padding-left:1.1em}
li.finding{margin:1px 0}
li.finding.dimmed{opacity:.4}
.tag{display:inline-block;padding:0 5px;border-radius:3px;font-size:12px;font-weight:bold;
 border:1px solid currentColor}
.all-ok{color:#1e7b34;font-weight:bold}
code.path{font-size:11px;color:#333;word-break:break-all}
.due{color:var(--muted)}
.legend{list-style:none;padding:0;display:flex;flex-wrap:wrap;gap:14px;font-size:12px}
.swatch{display:inline-block;width:14px;height:14px;border:1px solid #333;
 vertical-align:middle;margin-right:4px}
#charts{display:block}
figure.college-chart{display:flex;flex-wrap:wrap;align-items:flex-start;gap:8px 24px;
 margin:6px 0 12px;border:1px solid var(--line);padding:8px}
figure.college-chart svg{display:block;max-width:100%;height:auto}
figcaption{font-size:14px;flex-basis:100%}
svg.chart text{font-size:13px;fill:#111}
svg.chart text.chart-head{font-weight:bold;font-size:14px}
svg.chart text.value{font-size:12px}
#filters{position:sticky;top:0;z-index:5;background:#f4f6fa;border:1px solid var(--line);
 padding:8px 10px;margin:14px 0;display:flex;flex-wrap:wrap;gap:10px 18px;align-items:center}
#filters fieldset{border:0;padding:0;margin:0;display:flex;flex-wrap:wrap;gap:6px}
#filters legend{float:left;margin-right:6px}
.problem-label{padding:1px 6px;border-radius:3px;cursor:pointer}
#filter-text{width:15em}
#filter-count{color:var(--muted)}
.no-js #filters{display:none}
#filter-note{display:none}
.stray-table{width:100%}
@page{size:A4 landscape;margin:10mm}
@media print{
 body{max-width:none;padding:0;font-size:11px}
 .no-print,#filters{display:none!important}
 thead th{position:static}
 thead{display:table-header-group}
 tr{break-inside:avoid;page-break-inside:avoid}
 h2,h3{break-after:avoid;page-break-after:avoid}
 figure.college-chart{break-inside:avoid;page-break-inside:avoid;gap:4px 2%}
 figure.college-chart svg{width:48%}
 h2#classes{break-before:page;page-break-before:always}
 .class-section{break-before:page;page-break-before:always}
 #filters + .class-section{break-before:auto;page-break-before:auto}
 #stray{break-before:page;page-break-before:always}
 #filter-note:not(:empty){display:block;font-weight:bold;color:#b3261e}
 .class-table td.status[title]{text-decoration:none}
 a{color:inherit;text-decoration:none}
}
"""
        + groups
        + "\n"
    )


_JS = r"""
(function () {
  "use strict";
  var doc = document;
  doc.documentElement.classList.remove("no-js");
  var text = doc.getElementById("filter-text"),
      only = doc.getElementById("only-problems"),
      klass = doc.getElementById("filter-class"),
      reset = doc.getElementById("filter-reset"),
      count = doc.getElementById("filter-count"),
      note = doc.getElementById("filter-note"),
      boxes = [].slice.call(doc.querySelectorAll("input.problem-filter")),
      rows = [].slice.call(doc.querySelectorAll("tr.student")),
      sections = [].slice.call(doc.querySelectorAll("section.class-section"));
  if (!text) { return; }
  function norm(s) { return (s || "").toLowerCase().replace(/\s+/g, ""); }
  function apply() {
    var q = norm(text.value), want = [], shown = 0, bits = [];
    boxes.forEach(function (b) { if (b.checked) { want.push(b.value); } });
    var sec = klass.value;
    rows.forEach(function (tr) {
      var probs = (tr.getAttribute("data-problems") || "").split(" ").filter(Boolean);
      var show = true;
      if (q && norm(tr.getAttribute("data-search")).indexOf(q) < 0) { show = false; }
      if (only.checked && !probs.length) { show = false; }
      if (want.length && !want.some(function (p) { return probs.indexOf(p) >= 0; })) { show = false; }
      if (sec !== "" && tr.getAttribute("data-section") !== sec) { show = false; }
      tr.hidden = !show;
      tr.classList.toggle("filtered-out", !show);
      [].forEach.call(tr.querySelectorAll("li.finding"), function (li) {
        li.classList.toggle("dimmed", want.length > 0 && want.indexOf(li.getAttribute("data-problem")) < 0);
      });
      if (show) { shown += 1; }
    });
    sections.forEach(function (s) {
      var any = s.querySelector("tr.student:not([hidden])") !== null;
      s.hidden = !any;
      s.classList.toggle("filtered-out", !any);
    });
    count.textContent = "显示 " + shown + " / " + rows.length + " 名学生";
    if (text.value) { bits.push("查找“" + text.value + "”"); }
    if (sec !== "") { bits.push(klass.options[klass.selectedIndex].text); }
    if (only.checked) { bits.push("只看有问题的学生"); }
    if (want.length) {
      bits.push("问题：" + boxes.filter(function (b) { return b.checked; })
        .map(function (b) { return b.getAttribute("data-label"); }).join("、"));
    }
    note.textContent = bits.length ? "已筛选（" + bits.join("；") + "），显示 " + shown + " / " + rows.length + " 名学生" : "";
  }
  function fromHash() {
    var h = location.hash.replace(/^#/, "");
    if (!h) { return false; }
    var used = false;
    h.split("&").forEach(function (part) {
      var i = part.indexOf("="), k = i < 0 ? part : part.slice(0, i), v = i < 0 ? "" : part.slice(i + 1);
      try { v = decodeURIComponent(v.replace(/\+/g, " ")); } catch (e) { /* keep it raw */ }
      if (k === "filter") { text.value = v; used = true; }
      else if (k === "only-problems") { only.checked = v !== "0"; used = true; }
      else if (k === "problem") {
        var ps = v.split(",");
        boxes.forEach(function (b) { b.checked = ps.indexOf(b.value) >= 0; });
        used = true;
      } else if (k === "class") {
        klass.value = "";
        [].forEach.call(klass.options, function (o) {
          if (o.value !== "" && (o.getAttribute("data-class") === v || o.value === v)) { klass.value = o.value; }
        });
        used = true;
      }
    });
    return used;
  }
  text.addEventListener("input", apply);
  only.addEventListener("change", apply);
  klass.addEventListener("change", apply);
  boxes.forEach(function (b) { b.addEventListener("change", apply); });
  reset.addEventListener("click", function () {
    text.value = ""; only.checked = false; klass.value = "";
    boxes.forEach(function (b) { b.checked = false; });
    apply();
  });
  window.addEventListener("hashchange", function () { if (fromHash()) { apply(); } });
  fromHash();
  apply();
})();
"""


# ---------------------------------------------------------------------------- the page


def render_html(report: AuditReport) -> str:
    """The whole report as one self-contained HTML document (a ``str``)."""
    groups = report.by_class()
    sections = list(groups)
    body = [
        _header(report),
        '<p id="filter-note" role="status"></p>',
        _summary(report),
        _charts(report),
        '<h2 id="classes">各班学生档案</h2>',
        _filters(report, sections),
    ]
    for i, ((college, cls), students) in enumerate(groups.items()):
        body.append(_class_section(i, college, cls, students, report.requirements))
    if not groups:
        body.append('<p class="none">没有预警学生。</p>')
    body.append(_college(report))
    body.append(_stray(report))
    body.append(_integrity(report))
    body.append(_notes(report))
    body.append(
        f'<footer class="meta"><p>{_e(report.school)} · {_e(report.policy_title)}'
        f"（{_e(report.policy)}）· {_e(report.term_label)} · 生成于 "
        f"{_e(_when(report.generated_at))} · 预警系统生成</p></footer>"
    )
    csp = (
        "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; "
        "img-src data:; font-src 'none'; connect-src 'none'"
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="zh-CN" class="no-js">\n<head>\n<meta charset="utf-8">\n'
        f'<meta http-equiv="Content-Security-Policy" content="{csp}">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f'<meta name="generator" content="yujing">\n'
        f"<title>{_e(report_title(report))}</title>\n"
        f"<style>{_css()}</style>\n</head>\n<body>\n"
        + "\n".join(body)
        + f"\n<script>{_JS}</script>\n</body>\n</html>\n"
    )


def write_html(report: AuditReport, path: Path) -> Path:
    """Write :func:`render_html` to ``path`` atomically (UTF-8); returns ``path``."""
    path = Path(path)
    with atomic_write(path, "w", encoding="utf-8") as fh:
        fh.write(render_html(report))
    return path
