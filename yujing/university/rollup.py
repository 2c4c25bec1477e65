"""The roll-up (全校汇总): every college's figures of a term, beside the same term a year
before, read from each college's own registry through its workspace — the list as
``yujing list show`` reads it (:meth:`~yujing.workspace.Workspace.report`) and the folders as
``yujing audit`` checks them (:meth:`~yujing.workspace.Workspace.audit`) — so the roll-up and
each college's own pages agree by construction and nothing is copied that could go stale.

A college's figures are kept in memory keyed by its registry's change mark, the day and the
modification times of its archive's top folders, so the console's page is read again only when
something changed.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass, fields
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from yujing.errors import YujingError
from yujing.model import Term
from yujing.university import ROLLUP_HEADERS
from yujing.workspace import Workspace

if TYPE_CHECKING:
    from yujing.university import College, University

INTERVIEW_KIND = "interview"
"""The record kind of a 谈话记录 (a requirement whose kinds include it counts as interviews)."""


@dataclass(frozen=True)
class CollegeFigures:
    """One college's figures of one term (学院汇总)."""

    slug: str
    college: str
    term: str
    has_list: bool
    status: str  # "frozen" | "draft" | "" (no list)
    frozen_at: str
    assessed: int
    warned: int
    by_level: tuple[tuple[str, int], ...]
    notices: int
    returns: int
    folders: int
    complete: int
    missing: int
    overdue: int
    unsigned: int
    interviews_held: int
    interviews_required: int
    objections: int
    open_rectifications: int = 0
    next_deadline: str = ""
    overdue_rectifications: int = 0
    error: str = ""
    """Why the college could not be read (its workspace is damaged), "" when it was."""

    @property
    def status_text(self) -> str:
        return {"frozen": "已冻结", "draft": "草稿"}.get(self.status, "无名单")


COUNTED = (
    "assessed",
    "warned",
    "notices",
    "returns",
    "folders",
    "complete",
    "missing",
    "overdue",
    "unsigned",
    "interviews_held",
    "interviews_required",
    "objections",
    "open_rectifications",
    "overdue_rectifications",
)
"""The figures that add up over colleges."""

HEADERS = ROLLUP_HEADERS
"""The roll-up's columns (table, CSV, .xlsx, the page)."""


@dataclass(frozen=True)
class RollupRow:
    """One college: this term, and the same term a year before."""

    current: CollegeFigures
    last_year: CollegeFigures


@dataclass(frozen=True)
class Rollup:
    """The whole university's roll-up of ``term``."""

    university: str
    term: str
    last_year_term: str
    as_of: str
    rows: tuple[RollupRow, ...]

    def total(self, which: str = "current") -> dict[str, Any]:
        """The sum over colleges (levels by name, in the order met)."""
        figures = [getattr(r, which) for r in self.rows]
        out: dict[str, Any] = {k: sum(getattr(f, k) for f in figures) for k in COUNTED}
        levels: Counter[str] = Counter()
        for f in figures:
            for name, n in f.by_level:
                levels[name] += n
        out["by_level"] = tuple(levels.items())
        return out


def cells(f: CollegeFigures | dict[str, Any], college: str = "") -> list[str]:
    """One row of the roll-up in the columns of :data:`HEADERS` (a college or the totals)."""
    get = (lambda k: f.get(k, "")) if isinstance(f, dict) else (lambda k: getattr(f, k))
    levels = "，".join(f"{name} {n}" for name, n in get("by_level"))
    rect = str(get("open_rectifications"))
    if isinstance(f, CollegeFigures) and f.next_deadline:
        rect += f"（{f.next_deadline}）"
    values = {
        "college": college or get("college"),
        "status_text": get("status_text") if not isinstance(f, dict) else "",
        "frozen_at": get("frozen_at") if not isinstance(f, dict) else "",
        "levels_text": levels,
        "interviews": f"{get('interviews_held')}/{get('interviews_required')}",
        "rectifications": rect,
    }
    return [str(values[k]) if k in values else str(get(k)) for k, _ in HEADERS]


def summary_line(f: CollegeFigures | dict[str, Any], college: str = "") -> str:
    """One college (or the totals) in one Chinese line, the columns of :data:`HEADERS`."""
    row = dict(zip((k for k, _ in HEADERS), cells(f, college), strict=True))
    head = row["college"]
    if row["status_text"]:
        head += f"（{row['status_text']}{' ' + row['frozen_at'] if row['frozen_at'] else ''}）"
    return (
        f"{head}：评估 {row['assessed']}，预警 {row['warned']}"
        + (f"（{row['levels_text']}）" if row["levels_text"] else "")
        + f"，通知书 {row['notices']}，回执 {row['returns']}，档案 {row['folders']} 人"
        f"（齐全 {row['complete']}，缺失 {row['missing']}，超期 {row['overdue']}，"
        f"未签字 {row['unsigned']}），谈话 {row['interviews']}，异议 {row['objections']}，"
        f"整改未结 {row['rectifications']}"
    )


def last_year(term: Term) -> Term:
    """The same term a year before (2024-2025-1 → 2023-2024-1)."""
    return Term(term.start_year - 1, term.semester)


_cache: dict[tuple[Any, ...], CollegeFigures] = {}
_cache_guard = threading.Lock()


Opener = Callable[[Path], AbstractContextManager[Workspace]]
"""How the roll-up opens a college's workspace (the console keeps one open per thread)."""


@contextmanager
def _open_and_close(root: Path) -> Iterator[Workspace]:
    ws = Workspace(root)
    try:
        yield ws
    finally:
        ws.close()


def rollup(
    uni: University, term: Term, *, as_of: date | None = None, opener: Opener | None = None
) -> Rollup:
    day = as_of or date.today()
    opener = opener or _open_and_close
    before = last_year(term)
    open_rects = uni.rectifications(open_only=True)
    rows = []
    for college in uni.colleges:
        current, previous = college_figures(college, (term, before), day, opener)
        mine = [r for r in open_rects if r.college == college.slug and r.term == str(term)]
        if mine:
            current = _with_rectifications(current, mine, day)
        rows.append(RollupRow(current, previous))
    return Rollup(uni.name, str(term), str(before), day.isoformat(), tuple(rows))


def _with_rectifications(f: CollegeFigures, rects: Sequence[Any], day: date) -> CollegeFigures:
    values = {k.name: getattr(f, k.name) for k in fields(f)}
    values["open_rectifications"] = len(rects)
    values["next_deadline"] = min(r.deadline for r in rects)
    values["overdue_rectifications"] = sum(1 for r in rects if r.deadline < day.isoformat())
    return CollegeFigures(**values)


def college_figures(
    college: College, terms: Sequence[Term], day: date, opener: Opener = _open_and_close
) -> list[CollegeFigures]:
    """One college's figures of each of ``terms`` through its workspace (opened once; each
    term's figures cached until the college's registry or archive changes)."""
    out: list[CollegeFigures] = []
    try:
        with opener(college.root) as ws:
            mark = (ws.registry.change_mark(), _archive_mark(ws))
            for term in terms:
                key = (str(college.root), str(term), day, mark)
                with _cache_guard:
                    hit = _cache.get(key)
                if hit is None:
                    hit = _read(college, ws, term, day)
                    with _cache_guard:
                        if len(_cache) > 2000:
                            _cache.clear()
                        _cache[key] = hit
                out.append(hit)
    except YujingError as exc:
        return [_empty(college, term, str(exc)) for term in terms]
    return out


def _archive_mark(ws: Workspace) -> tuple[float, ...]:
    """The archive folder's and the lists folder's modification times (a folder added or
    removed by hand changes them)."""
    out = []
    for folder in (ws.archive_dir, ws.lists_dir):
        try:
            out.append(folder.stat().st_mtime)
        except OSError:
            out.append(0.0)
    return tuple(out)


def _empty(college: College, term: Term, error: str = "") -> CollegeFigures:
    return CollegeFigures(
        college.slug,
        college.name,
        str(term),
        False,
        "",
        "",
        0,
        0,
        (),
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        error=error,
    )


def _read(college: College, ws: Workspace, term: Term, day: date) -> CollegeFigures:
    registry = ws.registry
    head = registry.list_head(term)
    if head is None:
        return _empty(college, term)
    report = ws.report(term)  # the list as `yujing list show` reads it
    audit = ws.audit(term, as_of=day)  # the folders as `yujing audit` checks them
    totals = Counter[str]()
    for t in audit.totals("college").values():
        totals.update(t)
    held = required = 0
    interview_ids = {
        r.id for r in ws.policy.requirements if INTERVIEW_KIND in r.kinds and r.scope == "student"
    }
    for student in audit.students:
        for status in student.statuses:
            if status.requirement in interview_ids and status.status != "n/a":
                held += min(status.count, status.needed)
                required += status.needed
    return CollegeFigures(
        slug=college.slug,
        college=college.name,
        term=str(term),
        has_list=True,
        status=report.status,
        frozen_at=head.get("frozen_at") or "",
        assessed=report.assessed_count,
        warned=len(report.warned),
        by_level=tuple(report.count_by_level().items()),
        notices=len(registry.active_serials(term)),
        returns=len(registry.returned_parts(term)),
        folders=len(audit.students),
        complete=sum(1 for s in audit.students if s.complete),
        missing=totals.get("missing", 0),
        overdue=totals.get("overdue", 0),
        unsigned=totals.get("unsigned", 0),
        interviews_held=held,
        interviews_required=required,
        objections=len(registry.objections(term)),
    )


# -- outputs ------------------------------------------------------------------------------------


def table_rows(r: Rollup) -> list[list[str]]:
    """Every college's row, then 合计, then last year's rows and total."""
    out = [cells(row.current) for row in r.rows]
    out.append(cells(r.total(), "合计"))
    return out


def write_csv(r: Rollup, stream: TextIO) -> None:
    from yujing.outputs import csv_writer

    writer = csv_writer(stream)
    writer.writerow(["学期", *(h for _, h in HEADERS)])
    for which, term in (("current", r.term), ("last_year", r.last_year_term)):
        for row in r.rows:
            writer.writerow([term, *cells(getattr(row, which))])
        writer.writerow([term, *cells(r.total(which), "合计")])


def write_xlsx(r: Rollup, path: Path) -> Path:
    """The roll-up as an .xlsx for the 教务处's meeting: this term and the same term last year,
    one sheet each, saved through :func:`yujing.outputs.save_xlsx` (text cells, no formulas)."""
    from openpyxl import Workbook
    from openpyxl.styles import Font

    from yujing.outputs import save_xlsx

    book = Workbook()
    book.remove(book.active)
    for which, term, title in (
        ("current", r.term, "本学期"),
        ("last_year", r.last_year_term, "去年同期"),
    ):
        sheet = book.create_sheet(f"{title} {term}")
        sheet.append([f"{r.university} {term} 学业预警工作汇总（截至 {r.as_of}）"])
        sheet.append([h for _, h in HEADERS])
        for row in r.rows:
            sheet.append(cells(getattr(row, which)))
        sheet.append(cells(r.total(which), "合计"))
        for cell in sheet[2]:
            cell.font = Font(bold=True)
        sheet.column_dimensions["A"].width = 22
        sheet.freeze_panes = "B3"
    return save_xlsx(book, path)
