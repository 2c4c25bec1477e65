"""The charts of the end-of-term reports (学期报告的图表): bar charts drawn with Pillow as PNG
bytes (a CJK font found with ``fc-match``), one module so the documents only place pictures.
"""

from __future__ import annotations

import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from PIL import Image, ImageDraw, ImageFont

from yujing.cjkfont import cjk_font
from yujing.policies import Policy
from yujing.reports.figures import ClassFigures, TermSummary

__all__ = [
    "CHART_H",
    "CHART_W",
    "bar_chart",
    "class_level_charts",
    "conversion_charts",
    "previous_current_chart",
]


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


FontT = ImageFont.FreeTypeFont | ImageFont.ImageFont


class _Fonts:
    """Chart fonts: a CJK TrueType font, or Pillow's default with ASCII labels."""

    def __init__(self) -> None:
        self.cjk = cjk_font()
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


def _per_class(
    classes: Sequence[ClassFigures],
    title: tuple[str, str],
    series: Callable[[Sequence[ClassFigures]], list[_Series]],
    *,
    percent: bool = False,
    series_prefix: str = "S",
) -> list[tuple[str, bytes]]:
    """(caption, PNG) of bar charts over ``classes``, at most :data:`CLASSES_PER_CHART` a chart;
    the caption is numbered （k/n） when the classes take several."""
    chunks = _chunks(classes, CLASSES_PER_CHART)
    out = []
    for k, chunk in enumerate(chunks, start=1):
        caption = title[0] + (f"（{k}/{len(chunks)}）" if len(chunks) > 1 else "")
        png = bar_chart(
            (caption, title[1]),
            [c.class_name or "（未分班）" for c in chunk],
            series(chunk),
            percent=percent,
            series_prefix=series_prefix,
        )
        out.append((caption, png))
    return out


def class_level_charts(summary: TermSummary, policy: Policy) -> list[tuple[str, bytes]]:
    """各班各等级人数 (grouped bars), at most :data:`CLASSES_PER_CHART` classes per chart."""
    names = summary.level_names
    colors = _level_colors(policy, names)
    return _per_class(
        [c for c in summary.classes if c.warned],
        (
            f"{summary.term} 各班各等级{summary.title}人数",
            f"{summary.term} warned students per class and level",
        ),
        lambda chunk: [
            _Series(name, tuple(float(c.level_count(name)) for c in chunk), color)
            for name, color in zip(names, colors, strict=True)
        ],
        series_prefix="Level ",
    )


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
    return _per_class(
        classes,
        (f"各班转化率（降级 + 解除）/ 上学期{summary.title}人数", "conversion rate per class"),
        lambda chunk: [
            _Series(
                "转化率",
                tuple(float((c.conversion_rate or 0) * 100) for c in chunk),
                (84, 150, 80),
            )
        ],
        percent=True,
    )
