"""End-of-term summary reports (学期总结报告) from the registry of a workspace.

The seeds ask for three documents at the end of a term:

* 帮扶效果分析报告 (lanzhou-life 五、帮扶效果分析 2): counts per level and class, the comparison
  with the previous term (新增/升级/降级/持续/解除), the conversion rate (转化率) per class, the
  students whose level fell or who were released, charts;
* 学期学业帮扶总结报告 (xinglin 第八条（二）4, beihai 第十二条): the term's work in figures
  (warned per level, notices issued, returns filed, interviews and parent contacts recorded), a
  table per class, charts, and headed sections the 学部 completes by hand (经验与问题、改进措施);
* 学生学业预警处理结果汇总表 (beihai 附件3): one row per warned student with the seed's header
  and signature lines, landscape.

:func:`term_summary` computes the figures (frozen values, no files); :func:`write_term_reports`
writes the three .docx files (A4, 宋体 body and 黑体 headings set as East Asian fonts, charts
drawn with Pillow). Library code never prints; progress goes through ``progress(done, total)``.

Definitions:

* the comparison is made between the saved lists (``lists`` in the registry) of the term and of
  the previous regular term (:meth:`Term.previous_regular`). A student on both lists at a lower
  level now is 降级, at a higher level 升级, at the same 持续; on the previous list only: 解除;
  on this list only: 新增. When the previous term has no saved list the report says so
  (对比：上学期无名单) and gives no conversion rate; the change counts are then those of the
  list's own 变化 column (computed at assessment against levels inferred from grades);
* 转化率 = (降级 + 解除) / students warned on the previous term's list, per class (the class of a
  student is the one on this term's list, else the one on the previous list);
* notices issued = active serials (编号) of the term; returns filed = distinct returned parts
  (student, form, part) scanned into the archive for the term (``archive_files``, kind scan);
* interviews and parent contacts = rows of the ``records`` table (kind ``interview`` and
  ``parent-contact``) of the term; 0 when that table does not exist yet.
"""

from __future__ import annotations

import functools
import io
import re
import subprocess
from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import TYPE_CHECKING, Any

from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT, WD_ROW_HEIGHT_RULE, WD_TABLE_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH, WD_COLOR_INDEX, WD_TAB_ALIGNMENT
from docx.oxml import OxmlElement
from docx.shared import Mm, Pt
from PIL import Image, ImageDraw, ImageFont

from yujing.docxkit import add_run, new_document
from yujing.files import atomic_write
from yujing.forms import FormSpec
from yujing.model import Progress, Term
from yujing.policies import Policy
from yujing.registry import today
from yujing.warnlist.rows import CHANGES, DOWN, NEW, RELEASED, SAME, UP, change_of

if TYPE_CHECKING:
    from yujing.stage import WorkspaceView

__all__ = [
    "REPORT_NAMES",
    "ClassFigures",
    "StudentChange",
    "StudentResult",
    "TermSummary",
    "percent_text",
    "report_paths",
    "term_summary",
    "write_term_reports",
]

Pairs = tuple[tuple[str, int], ...]

# File names (after "{term} "), in the order write_term_reports returns them.
REPORT_NAMES = (
    "帮扶效果分析报告.docx",
    "学期学业帮扶总结报告.docx",
    "学生学业预警处理结果汇总表.docx",
)
NOTICE_KINDS = ("notice", "parent-notice")
SONG, HEI, LATIN = "宋体", "黑体", "Times New Roman"
TO_FILL = "【待填写】"


# =============================================================================== the figures


class _Counts:
    """What a class's and the term's figures compute alike from ``levels`` and ``changes``."""

    levels: Pairs
    changes: Pairs

    @property
    def warned(self) -> int:
        return sum(n for _, n in self.levels)

    def level_count(self, level: str) -> int:
        return dict(self.levels).get(level, 0)

    def change_count(self, change: str) -> int:
        return dict(self.changes).get(change, 0)

    @property
    def converted(self) -> int:
        """降级 + 解除: students of the previous list now at a lower level or released."""
        return self.change_count(DOWN) + self.change_count(RELEASED)


@dataclass(frozen=True)
class ClassFigures(_Counts):
    """The figures of one class (班级)."""

    college: str
    class_name: str
    levels: Pairs  # this term, per level (policy order, most severe first)
    previous_warned: int  # on the previous term's list (0 when it has none)
    changes: Pairs  # 新增/升级/降级/持续/解除, in CHANGES order
    notices_issued: int
    returns_filed: int
    interviews: int
    parent_contacts: int

    @property
    def conversion_rate(self) -> Fraction | None:
        return Fraction(self.converted, self.previous_warned) if self.previous_warned else None


@dataclass(frozen=True)
class StudentChange:
    """A student of the previous list whose level fell (降级) or who was released (解除)."""

    student_id: str
    name: str
    college: str
    class_name: str
    previous_level: str
    level: str  # "" when released
    change: str


@dataclass(frozen=True)
class StudentResult:
    """One warned student with what the registry knows of the follow-up (处理结果)."""

    student_id: str
    name: str
    college: str
    major: str
    class_name: str
    level: str
    reason: str
    change: str
    serial: int | None  # active serial (编号) of the term's notice, None when none was issued
    notice_returned: bool  # a returned part of a notice form is filed in the archive
    returns_filed: int
    interviews: int
    parent_contacts: int

    @property
    def result(self) -> str:
        """The 处理结果 cell: interview and parent-contact counts, whether the notice came
        back; "" (for hand filling) when the registry knows nothing of the follow-up."""
        parts = []
        if self.interviews:
            parts.append(f"谈话 {self.interviews} 次")
        if self.parent_contacts:
            parts.append(f"家长联系 {self.parent_contacts} 次")
        if self.notice_returned:
            parts.append("通知书已交回")
        elif self.serial is not None:
            parts.append("通知书未交回")
        return "；".join(parts)


@dataclass(frozen=True)
class TermSummary(_Counts):
    """A term's warning list and follow-up work in figures."""

    term: Term
    previous_term: Term
    school: str
    basis: str  # 依据: the rules cited (Workspace.rules_basis)
    title: str  # 学业预警 / 学业警示
    policy_name: str
    level_names: tuple[str, ...]  # policy order (most severe first), then unknown names met
    status: str  # frozen / draft
    assessed_count: int
    levels: Pairs
    colleges: tuple[tuple[str, Pairs], ...]
    classes: tuple[ClassFigures, ...]
    has_previous: bool  # the previous term has a saved list
    previous_status: str  # "" when it has none
    previous_levels: Pairs  # zeros when it has none
    changes: Pairs  # CHANGES order
    fallen: tuple[StudentChange, ...]  # 降级 and 解除, by class
    students: tuple[StudentResult, ...]  # the warned students, by college, class, 学号
    notices_issued: int
    returns_filed: int
    interviews: int
    parent_contacts: int
    records_available: bool  # any record (谈话、家长联系…) registered for the term

    @property
    def previous_warned(self) -> int:
        return sum(n for _, n in self.previous_levels)

    @property
    def conversion_rate(self) -> Fraction | None:
        """(降级 + 解除) / previous warned; None without a previous list or warned student."""
        if not self.has_previous or not self.previous_warned:
            return None
        return Fraction(self.converted, self.previous_warned)

    @property
    def status_text(self) -> str:
        return "已冻结" if self.status == "frozen" else "草稿"


def percent_text(rate: Fraction | None) -> str:
    """``50%``, ``33.3%``; ``—`` for None."""
    if rate is None:
        return "—"
    value = round(float(rate) * 100, 1)
    return f"{value:.0f}%" if value == int(value) else f"{value:.1f}%"


def term_summary(ws: WorkspaceView, term: Term) -> TermSummary:
    """The figures of ``term`` in workspace ``ws``.

    Raises :class:`~yujing.errors.ListStateError` when the term has no saved list.
    """
    saved = ws.saved(term)  # ListStateError: "… 还没有名单。请先运行 yujing assess --term T。"
    policy: Policy = ws.policy
    registry = ws.registry
    previous_term = term.previous_regular()
    previous = registry.saved_list(previous_term)

    entries = list(saved.entries)
    current = {e.student_id: e for e in entries if e.warned}
    prev_entries = {e.student_id: e for e in previous.warned} if previous else {}

    # changes: between the two saved lists, else the list's own column
    change_by_sid: dict[str, str] = {}
    if previous is not None:
        for sid, e in current.items():
            earlier = prev_entries.get(sid)
            change_by_sid[sid] = change_of(policy, e.level, earlier.level if earlier else "")
        for sid in prev_entries:
            if sid not in current:
                change_by_sid[sid] = RELEASED
    else:
        for e in entries:
            if e.change in CHANGES:
                change_by_sid[e.student_id] = e.change

    known = {e.student_id: e for e in entries}
    roster = registry.students()

    def place(sid: str) -> tuple[str, str, str, str]:
        """(name, college, major, class_name) of a student."""
        e = known.get(sid) or prev_entries.get(sid)
        if e is not None:
            return e.name, e.college, e.major, e.class_name
        s = roster.get(sid)
        if s is not None:
            return s.name, s.college, s.major, s.class_name
        return "", "", "", ""

    level_names = _level_order(
        policy.level_names,
        [e.level for e in current.values()],
        [e.level for e in prev_entries.values()],
    )
    serials: dict[str, int] = registry.active_serials(term)
    returns, notice_returned = _returns(ws, term)
    records = registry.record_counts(term)
    records_available = bool(records)

    students = []
    for sid, e in current.items():
        name, college, major, class_name = place(sid)
        students.append(
            StudentResult(
                student_id=sid,
                name=name,
                college=college,
                major=major,
                class_name=class_name,
                level=e.level,
                reason=e.reason,
                change=change_by_sid.get(sid, ""),
                serial=serials.get(sid),
                notice_returned=sid in notice_returned,
                returns_filed=returns.get(sid, 0),
                interviews=records.get((sid, "interview"), 0),
                parent_contacts=records.get((sid, "parent-contact"), 0),
            )
        )
    students.sort(key=lambda s: (s.college, s.class_name, s.student_id))

    # per class
    keys: set[tuple[str, str]] = set()
    level_by_class: dict[tuple[str, str], Counter[str]] = {}
    change_by_class: dict[tuple[str, str], Counter[str]] = {}
    prev_by_class: Counter[tuple[str, str]] = Counter()
    work: dict[tuple[str, str], Counter[str]] = {}
    for s in students:
        key = (s.college, s.class_name)
        keys.add(key)
        level_by_class.setdefault(key, Counter())[s.level] += 1
    for sid, change in change_by_sid.items():
        _, college, _, class_name = place(sid)
        key = (college, class_name)
        keys.add(key)
        change_by_class.setdefault(key, Counter())[change] += 1
    for sid in prev_entries:
        _, college, _, class_name = place(sid)
        keys.add((college, class_name))
        prev_by_class[(college, class_name)] += 1
    for sid in serials:
        _, college, _, class_name = place(sid)
        keys.add((college, class_name))
        work.setdefault((college, class_name), Counter())["notices"] += 1
    for sid, n in returns.items():
        _, college, _, class_name = place(sid)
        keys.add((college, class_name))
        work.setdefault((college, class_name), Counter())["returns"] += n
    for (sid, kind), n in records.items():
        if kind not in ("interview", "parent-contact"):
            continue
        _, college, _, class_name = place(sid)
        keys.add((college, class_name))
        work.setdefault((college, class_name), Counter())[kind] += n
    classes = tuple(
        ClassFigures(
            college=key[0],
            class_name=key[1],
            levels=_pairs(level_names, level_by_class.get(key, Counter())),
            previous_warned=prev_by_class[key],
            changes=_pairs(CHANGES, change_by_class.get(key, Counter())),
            notices_issued=work.get(key, Counter())["notices"],
            returns_filed=work.get(key, Counter())["returns"],
            interviews=work.get(key, Counter())["interview"],
            parent_contacts=work.get(key, Counter())["parent-contact"],
        )
        for key in sorted(keys)
    )
    by_college: dict[str, Counter[str]] = {}
    for s in students:
        by_college.setdefault(s.college, Counter())[s.level] += 1

    fallen = []
    for sid, change in change_by_sid.items():
        if change not in (DOWN, RELEASED):
            continue
        name, college, _, class_name = place(sid)
        earlier, row = prev_entries.get(sid), known.get(sid)
        before = earlier.level if earlier else (row.previous_level if row else "")
        fallen.append(
            StudentChange(
                student_id=sid,
                name=name,
                college=college,
                class_name=class_name,
                previous_level=before,
                level=current[sid].level if sid in current else "",
                change=change,
            )
        )
    fallen.sort(key=lambda c: (c.college, c.class_name, c.student_id))

    return TermSummary(
        term=term,
        previous_term=previous_term,
        school=ws.school,
        basis=ws.rules_basis,
        title=policy.title,
        policy_name=policy.name,
        level_names=level_names,
        status=saved.status,
        assessed_count=saved.assessed_count,
        levels=_pairs(level_names, Counter(s.level for s in students)),
        colleges=tuple((c, _pairs(level_names, n)) for c, n in sorted(by_college.items())),
        classes=classes,
        has_previous=previous is not None,
        previous_status=previous.status if previous is not None else "",
        previous_levels=_pairs(level_names, Counter(e.level for e in prev_entries.values())),
        changes=_pairs(CHANGES, Counter(change_by_sid.values())),
        fallen=tuple(fallen),
        students=tuple(students),
        notices_issued=len(serials),
        returns_filed=sum(returns.values()),
        interviews=sum(n for (_, k), n in records.items() if k == "interview"),
        parent_contacts=sum(n for (_, k), n in records.items() if k == "parent-contact"),
        records_available=records_available,
    )


def _level_order(policy_levels: Sequence[str], *met: Iterable[str]) -> tuple[str, ...]:
    """Policy levels, then any other level name met on a list (a policy edited since)."""
    out = list(policy_levels)
    for names in met:
        for name in names:
            if name and name not in out:
                out.append(name)
    return tuple(out)


def _pairs(names: Sequence[str], counts: Mapping[str, int]) -> Pairs:
    return tuple((n, int(counts.get(n, 0))) for n in names)


def _notice_forms(forms: Sequence[FormSpec]) -> frozenset[str]:
    """Ids of the notice forms of the pack's catalogue."""
    return frozenset(f.id for f in forms if f.kind in NOTICE_KINDS)


def _returns(ws: WorkspaceView, term: Term) -> tuple[dict[str, int], set[str]]:
    """Returned parts filed per student (distinct form + part), and the students whose notice
    came back."""
    rows = ws.registry.returned_parts(term)
    per_student: Counter[str] = Counter(r.student_id for r in rows)
    notices = _notice_forms(ws.forms)
    returned = {r.student_id for r in rows if r.form in notices}
    return dict(per_student), returned


# =============================================================================== charts


@dataclass(frozen=True)
class _Series:
    name: str
    values: tuple[float, ...]
    color: tuple[int, int, int]


LEVEL_COLORS: dict[str, tuple[int, int, int]] = {
    "red": (204, 51, 51),
    "orange": (237, 125, 49),
    "yellow": (230, 190, 30),
    "blue": (68, 114, 196),
    "green": (84, 150, 80),
}
PALETTE = ((68, 114, 196), (237, 125, 49), (165, 165, 165), (255, 192, 0), (91, 155, 213))
PREVIOUS_COLOR, CURRENT_COLOR = (165, 165, 165), (68, 114, 196)
CHART_W, CHART_H = 1600, 900
CLASSES_PER_CHART = 10


def _find_cjk_font() -> tuple[str, int] | None:
    """(font file, face index) of an installed CJK font, via ``fc-match``; None when fc-match
    or a font covering Chinese is missing."""
    try:
        done = subprocess.run(
            ["fc-match", "-f", "%{file}\n%{index}", "Noto Sans CJK SC:lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = done.stdout.splitlines()
    if done.returncode != 0 or not lines or not lines[0].strip():
        return None
    path = lines[0].strip()
    index = int(lines[1]) if len(lines) > 1 and lines[1].strip().isdigit() else 0
    try:
        font = ImageFont.truetype(path, 32, index=index)
        # a font without Chinese draws every character as the same box (.notdef)
        if _glyph(font, "预") == _glyph(font, "警"):
            return None
    except OSError:
        return None
    return path, index


def _glyph(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    image = Image.new("L", (48, 48), 0)
    ImageDraw.Draw(image).text((4, 4), char, fill=255, font=font)
    return image.tobytes()


@functools.lru_cache(maxsize=1)
def _cjk_font() -> tuple[str, int] | None:
    return _find_cjk_font()


FontT = ImageFont.FreeTypeFont | ImageFont.ImageFont


class _Fonts:
    """Chart fonts: a CJK TrueType font, or Pillow's default with ASCII labels."""

    def __init__(self) -> None:
        self.cjk = _cjk_font()
        self._cache: dict[int, FontT] = {}

    def __call__(self, size: int) -> FontT:
        if size not in self._cache:
            font: FontT
            if self.cjk is not None:
                font = ImageFont.truetype(self.cjk[0], size, index=self.cjk[1])
            else:
                try:
                    font = ImageFont.load_default(size)
                except (OSError, TypeError, ValueError):
                    font = ImageFont.load_default()
            self._cache[size] = font
        return self._cache[size]

    def text(self, text: str, index: int, prefix: str) -> str:
        """``text`` as drawn: unchanged with a CJK font, else its ASCII part (or a number)."""
        if self.cjk is not None:
            return text
        kept = "".join(ch for ch in text if " " <= ch <= "~").strip(" -_()")
        return kept if re.search(r"[A-Za-z0-9]", kept) else f"{prefix}{index + 1}"


def _nice_step(top: float) -> float:
    raw = max(top, 1) / 5
    magnitude = 10 ** len(str(int(raw))) / 10 if raw >= 1 else 1
    for m in (1, 2, 5, 10):
        if m * magnitude >= raw:
            return float(m * magnitude)
    return float(10 * magnitude)


def _width(draw: ImageDraw.ImageDraw, text: str, font: FontT) -> float:
    box = draw.textbbox((0, 0), text, font=font)
    return float(box[2] - box[0])


def _wrap(draw: ImageDraw.ImageDraw, text: str, font: FontT, width: float) -> list[str]:
    """Break ``text`` into at most two lines that fit ``width`` (Chinese breaks anywhere)."""
    if _width(draw, text, font) <= width:
        return [text]
    for cut in range(len(text) - 1, 0, -1):
        if _width(draw, text[:cut], font) <= width:
            rest = text[cut:]
            while rest and _width(draw, rest, font) > width:
                rest = rest[:-1]
            return [text[:cut], rest if rest == text[cut:] else rest[:-1] + "…"]
    return [text[:1]]


def bar_chart(
    title: tuple[str, str],
    categories: Sequence[str],
    series: Sequence[_Series],
    *,
    percent: bool = False,
    category_prefix: str = "C",
    series_prefix: str = "S",
) -> bytes:
    """A grouped bar chart as PNG bytes. ``title`` is (Chinese, ASCII fallback)."""
    fonts = _Fonts()
    image = Image.new("RGB", (CHART_W, CHART_H), "white")
    draw = ImageDraw.Draw(image)
    title_font, label_font, small_font = fonts(44), fonts(30), fonts(26)
    heading = title[0] if fonts.cjk is not None else title[1]
    draw.text((CHART_W / 2, 24), heading, fill="black", font=title_font, anchor="mt")

    # legend
    names = [fonts.text(s.name, i, series_prefix) for i, s in enumerate(series)]
    swatch, gap = 30, 40
    widths = [swatch + 10 + _width(draw, n, small_font) for n in names]
    x = (CHART_W - sum(widths) - gap * (len(widths) - 1)) / 2
    for s, name, w in zip(series, names, widths, strict=True):
        draw.rectangle((x, 100, x + swatch, 100 + swatch), fill=s.color, outline=(60, 60, 60))
        draw.text(
            (x + swatch + 10, 100 + swatch / 2), name, fill="black", font=small_font, anchor="lm"
        )
        x += w + gap

    left, right, top, bottom = 120, CHART_W - 40, 190, CHART_H - 120
    values = [v for s in series for v in s.values]
    high = 100.0 if percent else max([*values, 1.0])
    step = 20.0 if percent else _nice_step(high)
    ticks = 5 if percent else int(high // step) + 1  # headroom for the value labels
    y_max = step * ticks
    for t in range(ticks + 1):
        y = bottom - (bottom - top) * t / ticks
        draw.line((left, y, right, y), fill=(220, 220, 220) if t else (0, 0, 0), width=2)
        label = f"{t * step:g}%" if percent else f"{t * step:g}"
        draw.text((left - 12, y), label, fill="black", font=small_font, anchor="rm")
    draw.line((left, top, left, bottom), fill="black", width=2)

    n = max(len(categories), 1)
    group = (right - left) / n
    bar = min(group * 0.75 / max(len(series), 1), 110)
    for i, category in enumerate(categories):
        start = left + group * i + (group - bar * len(series)) / 2
        for k, s in enumerate(series):
            value = s.values[i]
            x0 = start + k * bar
            y0 = bottom - (bottom - top) * (value / y_max if y_max else 0)
            if value > 0:
                draw.rectangle(
                    (x0 + 2, y0, x0 + bar - 2, bottom - 1), fill=s.color, outline=(60, 60, 60)
                )
            text = f"{value:.0f}%" if percent else f"{value:g}"
            draw.text((x0 + bar / 2, y0 - 6), text, fill="black", font=small_font, anchor="md")
        label = fonts.text(category, i, category_prefix)
        lines = _wrap(draw, label, label_font, group - 8)
        for j, line in enumerate(lines):
            draw.text(
                (left + group * (i + 0.5), bottom + 14 + j * 38),
                line,
                fill="black",
                font=label_font,
                anchor="mt",
            )
    out = io.BytesIO()
    image.save(out, format="PNG", optimize=True)
    return out.getvalue()


def _level_colors(policy: Policy, names: Sequence[str]) -> list[tuple[int, int, int]]:
    colors = {lv.name: LEVEL_COLORS.get(lv.color.lower()) for lv in policy.levels}
    out = []
    for i, name in enumerate(names):
        color = colors.get(name)
        out.append(color if color is not None else PALETTE[i % len(PALETTE)])
    return out


def _chunks(items: Sequence[ClassFigures], size: int) -> list[Sequence[ClassFigures]]:
    return [items[i : i + size] for i in range(0, len(items), size)] or [items]


def class_level_charts(summary: TermSummary, policy: Policy) -> list[tuple[str, bytes]]:
    """各班各等级人数 (grouped bars), at most :data:`CLASSES_PER_CHART` classes per chart."""
    classes = [c for c in summary.classes if c.warned]
    names = summary.level_names
    colors = _level_colors(policy, names)
    chunks = _chunks(classes, CLASSES_PER_CHART)
    out = []
    for k, chunk in enumerate(chunks, start=1):
        part = f"（{k}/{len(chunks)}）" if len(chunks) > 1 else ""
        caption = f"{summary.term} 各班各等级{summary.title}人数{part}"
        png = bar_chart(
            (caption, f"{summary.term} warned students per class and level"),
            [c.class_name or "（未分班）" for c in chunk],
            [
                _Series(name, tuple(float(c.level_count(name)) for c in chunk), color)
                for name, color in zip(names, colors, strict=True)
            ],
            series_prefix="Level ",
        )
        out.append((caption, png))
    return out


def previous_current_chart(summary: TermSummary) -> tuple[str, bytes]:
    """上学期与本学期各等级人数 (two bars per level; the current term only without a
    previous list)."""
    names = summary.level_names
    series = []
    if summary.has_previous:
        series.append(
            _Series(
                f"上学期（{summary.previous_term}）",
                tuple(float(dict(summary.previous_levels)[n]) for n in names),
                PREVIOUS_COLOR,
            )
        )
    series.append(
        _Series(
            f"本学期（{summary.term}）",
            tuple(float(summary.level_count(n)) for n in names),
            CURRENT_COLOR,
        )
    )
    tail = "" if summary.has_previous else "（上学期无名单）"
    caption = f"上学期与本学期各等级{summary.title}人数{tail}"
    png = bar_chart(
        (caption, "students per level: previous vs current term"),
        names,
        series,
        category_prefix="Level ",
    )
    return caption, png


def conversion_charts(summary: TermSummary) -> list[tuple[str, bytes]]:
    """各班转化率 (percent), for the classes with students on the previous list."""
    classes = [c for c in summary.classes if c.previous_warned]
    if not summary.has_previous or not classes:
        return []
    chunks = _chunks(classes, CLASSES_PER_CHART)
    out = []
    for k, chunk in enumerate(chunks, start=1):
        part = f"（{k}/{len(chunks)}）" if len(chunks) > 1 else ""
        caption = f"各班转化率（降级 + 解除）/ 上学期{summary.title}人数{part}"
        png = bar_chart(
            (caption, "conversion rate per class"),
            [c.class_name or "（未分班）" for c in chunk],
            [
                _Series(
                    "转化率",
                    tuple(float((c.conversion_rate or 0) * 100) for c in chunk),
                    (84, 150, 80),
                )
            ],
            percent=True,
        )
        out.append((caption, png))
    return out


# =============================================================================== documents


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
