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

The page is the Jinja2 template ``templates/audit.html`` (its charts ``templates/charts.html``)
with the stylesheet ``static/audit.css`` and the script ``static/audit.js`` inlined; this module
computes what they show (figures, chart geometry) and hands it over.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import re
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from yujing.checker.model import PROBLEMS, AuditReport, RequirementStatus, StudentAudit
from yujing.files import atomic_write

if TYPE_CHECKING:
    from jinja2 import Environment

HERE = Path(__file__).resolve().parent
TEMPLATES = HERE / "templates"
STATIC = HERE / "static"
SCRIPT = (STATIC / "audit.js").read_text(encoding="utf-8")
"""The report's one script, inlined in the page exactly as it is in the file."""
SCRIPT_HASH = "sha256-" + base64.b64encode(hashlib.sha256(SCRIPT.encode("utf-8")).digest()).decode()
"""The script as a Content-Security-Policy source: no inline script but this one runs, in a
browser opening the file or in the console serving it."""
CSP = (
    f"default-src 'none'; style-src 'unsafe-inline'; script-src '{SCRIPT_HASH}'; "
    "img-src data:; font-src 'none'; connect-src 'none'"
)

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


# ---------------------------------------------------------------------------- charts

_CHART_W = 560
_LABEL_W = 150
_BAR_W = 250
_ROW_H = 28


@dataclass(frozen=True)
class Bar:
    """One row of a bar chart: its label, its counts and where it is drawn."""

    text: str
    y: int
    fit: int  # squeeze the label to this width (textLength), 0: it fits
    good: int = 0  # class chart: students complete …
    bad: int = 0  # … and incomplete; problem chart: the count
    good_w: int = 0
    bad_w: int = 0
    key: str = ""  # problem chart: the problem key
    group: str = "neutral"


@dataclass(frozen=True)
class Chart:
    """A bar chart of one college: its id, title, description (for screen readers) and rows."""

    chart_id: str
    college: str
    title: str
    desc: str
    height: int
    rows: tuple[Bar, ...]
    width: int = _CHART_W
    label_w: int = _LABEL_W
    row_h: int = _ROW_H

    @property
    def total(self) -> int:
        return sum(r.bad for r in self.rows)


def _fit(text: str) -> int:
    """The width to squeeze a right-aligned bar label to, 0 when it fits."""
    width = sum(7 if ord(ch) < 0x2E80 else 13 for ch in text)
    return _LABEL_W - 12 if width > _LABEL_W - 12 else 0


def class_chart(chart_id: str, college: str, rows: list[tuple[str, int, int]]) -> Chart:
    """Stacked bars per class (name, students, complete): complete (solid green) and
    incomplete (hatched red)."""
    most = max((n for _, n, _ in rows), default=0) or 1
    return Chart(
        chart_id,
        college,
        f"{college}：各班材料齐全与未齐全的学生",
        "；".join(f"{c}：{n} 人，齐全 {k} 人，未齐全 {n - k} 人" for c, n, k in rows),
        34 + _ROW_H * len(rows) + 30,
        tuple(
            Bar(
                cls,
                28 + i * _ROW_H,
                _fit(cls),
                good=k,
                bad=n - k,
                good_w=round(_BAR_W * k / most),
                bad_w=round(_BAR_W * (n - k) / most),
            )
            for i, (cls, n, k) in enumerate(rows)
        ),
    )


def problem_chart(chart_id: str, college: str, counts: dict[str, int]) -> Chart:
    """Bars per problem type found in the college's folders."""
    items = [(p, n) for p, n in counts.items() if n]
    most = max((n for _, n in items), default=1)
    return Chart(
        chart_id,
        college,
        f"{college}：各类问题的数目",
        "；".join(f"{PROBLEMS.get(p, p)} {n} 个" for p, n in items) if items else "没有发现问题",
        34 + _ROW_H * max(len(items), 1) + 8,
        tuple(
            Bar(
                PROBLEMS.get(p, p),
                28 + i * _ROW_H,
                _fit(PROBLEMS.get(p, p)),
                bad=n,
                bad_w=max(2, round(_BAR_W * n / most)),
                key=p,
                group=PROBLEM_GROUP.get(p, "neutral"),
            )
            for i, (p, n) in enumerate(items)
        ),
    )


def _charts(report: AuditReport) -> list[dict[str, Any]]:
    classes = report.totals("class")
    order = list(PROBLEMS)
    out = []
    for i, ((college,), t) in enumerate(report.totals("college").items()):
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
        out.append(
            {
                "college": college,
                "students": t.get("students", 0),
                "complete": t.get("complete", 0),
                "classes": class_chart(f"chart-{i}-classes", college, rows),
                "problems": problem_chart(f"chart-{i}-problems", college, counts),
            }
        )
    return out


# ---------------------------------------------------------------------------- the page


@dataclass(frozen=True)
class _Section:
    index: int
    college: str
    cls: str
    students: list[StudentAudit]

    @property
    def complete(self) -> int:
        return sum(1 for s in self.students if s.complete)

    @property
    def findings(self) -> int:
        return sum(len(s.findings) for s in self.students)


def _summary(report: AuditReport) -> dict[str, Any]:
    by_problem = Counter(f.problem for f in report.findings)
    problems = list(PROBLEMS) + sorted(set(by_problem) - set(PROBLEMS))
    return {
        "students": len(report.students),
        "complete": sum(1 for s in report.students if s.complete),
        "findings": len(report.findings),
        "stray": len(report.stray),
        "by_problem": by_problem,
        "problems": problems,
        "shown": [p for p in problems if p != "orphan"],
        "colleges": [(college, t) for (college,), t in report.totals("college").items()],
    }


@functools.cache
def _environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["when"] = _when
    env.globals.update(
        problem_text=lambda p: PROBLEMS.get(p, p),
        problem_group=lambda p: PROBLEM_GROUP.get(p, "neutral"),
        status_group=lambda s: STATUS_GROUP.get(s, "neutral"),
        status_class=status_class,
        student_problems=student_problems,
        status_by_requirement=_status_by_requirement,
    )
    return env


def _status_by_requirement(student: StudentAudit) -> dict[str, RequirementStatus]:
    return {st.requirement: st for st in student.statuses}


def render_html(report: AuditReport) -> str:
    """The whole report as one self-contained HTML document (a ``str``)."""
    groups = report.by_class()
    counts = Counter(f.problem for s in report.students for f in s.findings)
    return _environment().get_template("audit.html").render(
        report=report,
        title=report_title(report),
        verdict=verdict(report),
        csp=CSP,
        css=(STATIC / "audit.css").read_text(encoding="utf-8"),
        js=SCRIPT,
        colours=GROUP_COLOURS,
        legend=GROUP_WORDS,
        summary=_summary(report),
        charts=_charts(report),
        sections=list(groups),
        filters=filter_problems(report),
        filter_counts=counts,
        classes=[
            _Section(i, college, cls, sorted(students, key=lambda s: s.student_id))
            for i, ((college, cls), students) in enumerate(groups.items())
        ],
    )


def write_html(report: AuditReport, path: Path) -> Path:
    """Write :func:`render_html` to ``path`` atomically (UTF-8); returns ``path``."""
    path = Path(path)
    with atomic_write(path, "w", encoding="utf-8") as fh:
        fh.write(render_html(report))
    return path
