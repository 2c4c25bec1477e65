"""Reading a rendered form's PDF back as printed lines (pypdfium2 char boxes), and finding
labels or values broken across lines with fewer than three characters on a line.

pypdfium2 rather than pdftotext: its text page gives every character with its box, in the
order LibreOffice drew them (cell by cell), so a line is a run of characters on one baseline
and a label split over two lines shows as two runs.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

MIN_PIECE = 3
_CJK = re.compile(r"[\u3400-\u9fff]")


@dataclass(frozen=True)
class Char:
    text: str
    line: int  # index of the printed line (run) it is on


def page_chars(pdf: Path) -> list[list[Char]]:
    """Per page, the printed characters (no spaces) with the line each is on."""
    import pypdfium2 as pdfium

    doc = pdfium.PdfDocument(str(pdf))
    pages: list[list[Char]] = []
    try:
        for page in doc:
            textpage = page.get_textpage()
            out: list[Char] = []
            line = 0
            prev: tuple[float, float, float, float] | None = None
            for i in range(textpage.count_chars()):
                text = textpage.get_text_range(i, 1)
                if not text or text.isspace() or text in "\ufffe\ufeff":
                    continue
                left, bottom, right, top = textpage.get_charbox(i)
                if right - left <= 0 and top - bottom <= 0:
                    continue
                if prev is not None:
                    p_left, p_bottom, p_right, p_top = prev
                    height = max(top - bottom, p_top - p_bottom, 1.0)
                    same_baseline = abs((bottom + top) / 2 - (p_bottom + p_top) / 2) < height * 0.6
                    if not same_baseline or left < p_left - 0.5 or left - p_right > height * 3:
                        line += 1
                out.append(Char(text, line))
                prev = (left, bottom, right, top)
            pages.append(out)
            textpage.close()
            page.close()
    finally:
        doc.close()
    return pages


def page_text(chars: Sequence[Char]) -> str:
    return "".join(c.text for c in chars)


def broken(
    chars: Sequence[Char], token: str, *, anywhere: bool = False, whole: bool = False
) -> list[str]:
    """Occurrences of ``token`` printed over several lines with a piece of fewer than three
    characters, shown as ``可能产生的后/果``. A label counts when one of its pieces is a whole
    line (a label cell, or a short last line); a value (``anywhere``) counts wherever it is; a
    ``whole`` token (a title, a check-box option) counts whenever a line starts with it and it
    is split at all (in the middle of a sentence a title in 《》 may wrap like any words)."""
    text = page_text(chars)
    found: list[str] = []
    start = text.find(token)
    while start >= 0:
        span = chars[start : start + len(token)]
        lines = [c.line for c in span]
        if len(set(lines)) > 1:
            pieces: list[str] = []
            for c in span:
                if pieces and c.line == span[len("".join(pieces)) - 1].line:
                    pieces[-1] += c.text
                else:
                    pieces.append(c.text)
            first_starts_line = start == 0 or chars[start - 1].line != lines[0]
            end = start + len(token)
            last_ends_line = end >= len(chars) or chars[end].line != lines[-1]
            whole_line = first_starts_line or last_ends_line
            short = any(len(p) < MIN_PIECE for p in pieces)
            if (whole and first_starts_line) or (short and (anywhere or whole_line)):
                found.append("/".join(pieces))
        start = text.find(token, start + 1)
    return found


_TAG = re.compile(r"\{\{.*?\}\}|\{%.*?%\}")
_SPLIT = re.compile(r"[\s：:、，,；;。]+")


def template_labels(docx: Path) -> set[str]:
    """The short texts of a template (its labels, check-box items, headings): every piece of
    two to twenty characters, at least two of them Chinese, between tags, spaces and
    punctuation."""
    import zipfile

    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    with zipfile.ZipFile(docx) as z:
        root = etree.fromstring(z.read("word/document.xml"))
    labels: set[str] = set()
    for par in root.iter(f"{w}p"):
        joined = "".join(t.text or "" for t in par.iter(f"{w}t")).replace("\u2060", "")
        for piece in _SPLIT.split(_TAG.sub(" ", joined)):
            piece = piece.strip("（）()[]【】")
            if 2 <= len(piece) <= 20 and len(_CJK.findall(piece)) >= 2:
                labels.add(piece)
    return labels


def problems(
    pdf: Path, labels: Iterable[str], values: Iterable[str], titles: Iterable[str] = ()
) -> list[str]:
    """Every broken label or value of ``pdf``, as ``page N: 学习困难及原/因分析``."""
    out: list[str] = []
    titles = set(titles)
    labels, values = sorted(set(labels) | titles), sorted(set(values))
    for number, chars in enumerate(page_chars(pdf), start=1):
        for token in labels:
            # a title or a check-box option (☐心理辅导) is never split, whatever its length
            strict = token[:1] in "☐☑" or token in titles
            out += [f"page {number}: {b}" for b in broken(chars, token, whole=strict)]
        for token in values:
            out += [f"page {number}: {b}" for b in broken(chars, token, anywhere=True)]
    return out
