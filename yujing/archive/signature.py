"""Is a returned part signed? (签字检查)

**Where to look.** The signature areas are found on the copy that was issued (the archive copy
of the same student's form, same layout), read with PDFium (pypdfium2: no external program):
every 签字/签名/签收/签章 label that ends its word (``学生签字：``, ``学生（签字）：``,
``家长签字（面谈时）：`` — not the same words inside a sentence) and the blank that belongs to it:
the space to its right up to the next printed text or table line, or, for a column or row
header with no room beside it, the empty table cell below it.

**Aligning the scan.** A scan is never just resized onto the issued page: each part prints its
code twice (top right, and smaller at the bottom left), and the corners of the symbols the
reader saw (:class:`~yujing.archive.reader.CodeSpot`) are matched to where the issued page
drew them. That gives the page's turn (the code is printed upright), scale, skew and — with
both codes — its keystone warp (a homography from eight points; a similarity from one code's
four). Then each area is refined on the printed page's own structure: the window around the
area (its label, table lines, text) is matched against the scan within a few millimetres
(OpenCV template matching on local darkness, so shadows and faded toner count alike), which
takes up what a warped or curled sheet leaves.

**Comparing.** In each aligned area, pixels clearly darker than the local paper (relative to
how dark the page's own print came out, so a faded copy is judged on its own contrast) that
lie off everything printed on the issued page (dilated by the remaining misregistration) are
new ink; specks are dropped. The share of the area that is new ink is recorded per area; an
area is signed above :data:`SIGNED_SHARE`, and the verdict is marked uncertain near that
threshold or when the area could only be aligned poorly. A page that cannot be aligned at all
(no code position to start from, or no printed structure found around any area) gets the
verdict ``"unknown"`` with the reason, never a guess.
"""

from __future__ import annotations

import io
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image

from yujing.archive.reader import CodeSpot
from yujing.archive.verdicts import PARTIAL, SIGNED, UNKNOWN, UNSIGNED
from yujing.pdfkit import page_layout

# Pages are checked two at a time by the reader's worker threads; OpenCV's own thread pool on
# top of that only adds hand-offs (measured here: 3× the wall time of the CPU time).
cv2.setNumThreads(1)

REF_DPI = 100.0
"""Resolution at which pages are compared (an area of 40 × 12 mm is 157 × 47 pixels)."""
_MM = REF_DPI / 25.4
SIGNED_SHARE = 0.012
"""Share of an area's (unprinted) pixels that must be new ink for the area to be signed: a
short signature covers several per cent, noise and a misregistered print edge well under 1."""
UNCERTAIN_BAND = (0.004, 0.03)
"""New-ink shares between which the verdict is kept but marked for a person to check."""
MIN_MATCH = 0.35
"""Lowest structure match (normalised correlation) at which an area counts as aligned."""
SEARCH_MM = 5.0
"""How far (mm) the local refinement looks around where the codes put an area."""
WINDOW_MM = 9.0
"""Margin (mm) of printed page around an area used to align it."""

_LABEL = re.compile(r"(签字|签名|签收|签章)[）)]?(（[^（）]{0,8}）|\([^()]{0,8}\))?[:：]?$")
_MAX_LABEL_CHARS = 12
AREA_MAX_MM = 45.0
AREA_MIN_MM = 12.0
CELL_MAX_MM = 120.0


Box = tuple[float, float, float, float]


@dataclass(frozen=True)
class SignatureArea:
    """A signature blank of an issued page (签字处): its label and its box, as fractions of
    the page (x0, y0, x1, y1)."""

    label: str
    box: Box


@dataclass(frozen=True)
class AreaInk:
    """What was found in one signature area of a scan."""

    label: str
    box: Box
    ink: float
    """Share of the area's unprinted pixels carrying new ink (0 … 1)."""
    signed: bool
    match: float
    """How well the printed structure around the area matched (normalised correlation)."""
    uncertain: bool


@dataclass(frozen=True)
class SignatureCheck:
    """The signature verdict of one scanned page (签字检查结果)."""

    verdict: str
    """``signed`` (every area inked), ``unsigned`` (none), ``partial``, or ``unknown``."""
    areas: tuple[AreaInk, ...] = ()
    reason: str = ""
    """Why the verdict is unknown (the page could not be aligned), else ""."""
    uncertain: bool = False
    """A person should look (an area near the threshold or poorly aligned)."""

    @property
    def signed(self) -> bool | None:
        """True when signed, False when unsigned or partly signed, None when unknown."""
        if self.verdict == UNKNOWN:
            return None
        return self.verdict == SIGNED


# -- the issued page -------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedPage:
    """An issued page as the check sees it: grey image at REF_DPI, signature areas, and the
    outer corners of the QR symbols it prints (pixels, printed order TL, TR, BR, BL)."""

    image: Any  # numpy uint8 array (h, w)
    areas: tuple[SignatureArea, ...]
    codes: tuple[np.ndarray, ...]

    @property
    def size(self) -> tuple[int, int]:
        return int(self.image.shape[1]), int(self.image.shape[0])


def issued_page(pdf: Path, page: int) -> IssuedPage:
    """The issued page ``page`` (1-based) of ``pdf``: rendered, its areas and codes found."""
    stat = pdf.stat()
    return _issued_page(str(pdf), stat.st_mtime_ns, stat.st_size, page)


@lru_cache(maxsize=256)
def _issued_page(pdf: str, _mtime: int, _size: int, number: int) -> IssuedPage:
    def near_labels(whole: str, count: int) -> set[int]:
        # Only the characters around each 签 are looked at (a label is a short word).
        wanted: set[int] = set()
        for hit in re.finditer("签", whole):
            start = hit.start() - _MAX_LABEL_CHARS - 2
            wanted.update(range(max(0, start), min(count, hit.end() + 12)))
        return wanted

    layout = page_layout(pdf, number, REF_DPI, chars_near=near_labels)
    image = np.array(layout.image)  # a writable copy
    height_pt, chars, codes = layout.height_pt, layout.chars, layout.images
    scale = REF_DPI / 72

    def px(x: float, y: float) -> tuple[float, float]:
        return x * scale, (height_pt - y) * scale

    boxes: list[tuple[str, float, float, float, float]] = []
    for ch, (left, bottom, right, top) in chars:
        x0, y0 = px(left, top)
        x1, y1 = px(right, bottom)
        boxes.append((ch, x0, y0, x1, y1))
    quads = []
    for left, bottom, right, top in codes:
        side = right - left
        if side < 30 or abs((top - bottom) - side) > 2:  # QR codes are square, ≥ 10 mm
            continue
        inset = side * 4 / 33  # the quiet zone of four modules around a version 2 symbol
        x0, y0 = px(left + inset, top - inset)
        x1, y1 = px(right - inset, bottom + inset)
        quads.append(np.array([[x0, y0], [x1, y0], [x1, y1], [x0, y1]], dtype=np.float32))
    quads.sort(key=lambda q: -(q[1][0] - q[0][0]))  # the large (top-right) code first
    areas = find_areas(image, boxes)
    h, w = image.shape
    fractions = tuple(
        SignatureArea(label, (x0 / w, y0 / h, x1 / w, y1 / h)) for label, (x0, y0, x1, y1) in areas
    )
    return IssuedPage(image, fractions, tuple(quads))


def _words(
    chars: Sequence[tuple[str, float, float, float, float]],
) -> list[tuple[str, float, float, float, float]]:
    """Runs of printed characters on one line without a gap (a word of the form)."""
    words: list[tuple[str, float, float, float, float]] = []
    current: list[tuple[str, float, float, float, float]] = []

    def flush() -> None:
        if current:
            words.append(
                (
                    "".join(c[0] for c in current),
                    min(c[1] for c in current),
                    min(c[2] for c in current),
                    max(c[3] for c in current),
                    max(c[4] for c in current),
                )
            )
            current.clear()

    for ch, x0, y0, x1, y1 in chars:
        if not ch.strip() or x1 <= x0:
            flush()
            continue
        if current:
            last = current[-1]
            height = max(1.0, last[4] - last[2])
            same_line = abs((y0 + y1) / 2 - (last[2] + last[4]) / 2) < 0.5 * height
            if not same_line or x0 - last[3] > 0.6 * height or x0 < last[1]:
                flush()
        current.append((ch, x0, y0, x1, y1))
    flush()
    return words


def find_areas(
    image: np.ndarray, chars: Sequence[tuple[str, float, float, float, float]]
) -> list[tuple[str, tuple[float, float, float, float]]]:
    """Signature areas (pixel boxes) of a page image at REF_DPI from its characters' boxes:
    for each label, the blank right of it (past its own cell's border when the next cell is
    empty), else the empty cell below it (a column header), else the blank left of it (a
    label pushed to the right edge); areas of labels on neighbouring lines are split between
    them so that no ink counts twice."""
    printed = (image < 170).astype(np.uint8)
    long = max(3, round(5 * _MM))
    horizontal = cv2.morphologyEx(printed, cv2.MORPH_OPEN, np.ones((1, long), np.uint8))
    vertical = cv2.morphologyEx(printed, cv2.MORPH_OPEN, np.ones((long, 1), np.uint8))
    lines_h = cv2.dilate(horizontal, np.ones((3, 3), np.uint8))
    text = printed & (1 - lines_h).astype(np.uint8)  # text and vertical lines, no underlines
    h, w = image.shape
    found: list[tuple[str, list[float], float]] = []
    for word, x0, y0, x1, y1 in _words(chars):
        if len(word) > _MAX_LABEL_CHARS or not _LABEL.search(word):
            continue
        box = _area_right(text, vertical, printed, x1, y0, y1, w, h)
        if box is None:
            box = _area_below(printed, text, horizontal, vertical, x0, x1, y1, h)
        if box is None:
            box = _area_left(text, printed, x0, y0, y1, h)
        if box is not None:
            found.append((word, list(box), (y0 + y1) / 2))
    for i, (_, a, ca) in enumerate(found):
        for _, b, cb in found[i + 1 :]:
            if a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3] and ca != cb:
                middle = (ca + cb) / 2
                upper, lower = (a, b) if ca < cb else (b, a)
                upper[3] = min(upper[3], middle)
                lower[1] = max(lower[1], middle)
    return [(word, (b[0], b[1], b[2], b[3])) for word, b, _ in found]


def _vertical_extent(
    printed: np.ndarray, left: float, right: float, y0: float, y1: float, h: int
) -> tuple[float, float]:
    """Up and down from a label's line to the nearest printed row across [left, right)."""
    span = printed[:, int(left) : max(int(left) + 1, int(right))]
    filled = span.sum(axis=1) > max(2, 0.03 * span.shape[1])
    top, bottom = int(y0 + 1), int(y1 - 1)
    limit_up, limit_down = int(8 * _MM), int(5 * _MM)
    up = top
    while up > max(0, top - limit_up) and not filled[up - 1]:
        up -= 1
    down = bottom
    while down < min(h, bottom + limit_down) and not filled[down]:
        down += 1
    area_top = max(up + 0.5 * _MM, y0 - 7 * _MM)
    area_bottom = min(down - 0.5 * _MM, y1 + 4 * _MM)
    if area_bottom - y1 < 1.5 * _MM:  # an underline just below the label is part of the blank
        area_bottom = min(h - 1.0, y1 + 1.5 * _MM)
    return area_top, area_bottom


def _area_right(
    text: np.ndarray,
    vertical: np.ndarray,
    printed: np.ndarray,
    x1: float,
    y0: float,
    y1: float,
    w: int,
    h: int,
) -> tuple[float, float, float, float] | None:
    """The blank right of a label: up to the next text or table line on its line; when the
    label's own cell ends first, the next cell if it is empty and closed by a line."""
    top, bottom = int(y0 + 1), int(y1 - 1)
    if bottom <= top:
        return None
    start = int(x1 + 0.5 * _MM)
    reach = int(AREA_MAX_MM * _MM)
    crossed = False
    for _ in range(2):
        if start >= w:
            return None
        band = text[top:bottom, start : min(w, start + reach + 1)]
        columns = np.flatnonzero(band.any(axis=0))
        end = start + (int(columns[0]) if columns.size else band.shape[1])
        closed = columns.size > 0 and bool(vertical[top:bottom, end].any())
        if crossed and not closed:
            return None  # past the table's edge: the page margin is not a blank
        if end - start >= AREA_MIN_MM * _MM:
            right = end - 1.0 * _MM if columns.size else float(end)
            area_top, area_bottom = _vertical_extent(printed, start, right, y0, y1, h)
            return float(start), area_top, right, area_bottom
        if crossed or not closed:
            return None
        # The label's cell ends here: step over the line into the next cell.
        while end < w and vertical[top:bottom, end].any():
            end += 1
        start, crossed = end + int(0.5 * _MM), True
        reach = int(CELL_MAX_MM * _MM)  # a signature may go anywhere in an empty cell
    return None


def _area_left(
    text: np.ndarray, printed: np.ndarray, x0: float, y0: float, y1: float, h: int
) -> tuple[float, float, float, float] | None:
    """The blank left of a label pushed against the right edge of its cell."""
    top, bottom = int(y0 + 1), int(y1 - 1)
    end = int(x0 - 0.5 * _MM)
    begin = max(0, end - int(AREA_MAX_MM * _MM))
    if bottom <= top or end <= begin:
        return None
    band = text[top:bottom, begin:end]
    columns = np.flatnonzero(band.any(axis=0))
    left = begin + (int(columns[-1]) + 1 if columns.size else 0)
    if end - left < AREA_MIN_MM * _MM:
        return None
    start = left + 1.0 * _MM if columns.size else float(left)
    area_top, area_bottom = _vertical_extent(printed, start, end, y0, y1, h)
    return start, area_top, float(end), area_bottom


def _area_below(
    printed: np.ndarray,
    text: np.ndarray,
    horizontal: np.ndarray,
    vertical: np.ndarray,
    x0: float,
    x1: float,
    y1: float,
    h: int,
) -> tuple[float, float, float, float] | None:
    """For a column or row header (no room beside it): the empty table cell below it."""
    cx = int((x0 + x1) / 2)
    col_h: np.ndarray = np.asarray(horizontal[:, max(0, cx - 2) : cx + 3].any(axis=1))
    rows = np.flatnonzero(col_h[int(y1) : min(h, int(y1 + 6 * _MM))])
    if not rows.size:
        return None
    line = int(y1) + int(rows[0])
    while line + 1 < h and col_h[line + 1]:
        line += 1
    below = np.flatnonzero(col_h[line + 1 : min(h, line + int(40 * _MM))])
    if not below.size:
        return None
    bottom = line + 1 + int(below[0])
    mid = (line + bottom) // 2
    row_v = vertical[mid, :]
    lefts = np.flatnonzero(row_v[: int(x0)])
    rights = np.flatnonzero(row_v[int(x1) :])
    if not lefts.size or not rights.size:
        return None
    left, right = int(lefts[-1]), int(x1) + int(rights[0])
    m = 1.0 * _MM
    box = (left + m, line + m, right - m, bottom - m)
    if box[2] - box[0] < AREA_MIN_MM * _MM or box[3] - box[1] < 4 * _MM:
        return None
    inner = text[int(box[1]) : int(box[3]), int(box[0]) : int(box[2])]
    if inner.mean() > 0.002:  # printed text in the cell: not a blank
        return None
    return box


# -- aligning a scan -------------------------------------------------------------------------


def _darkness(grey: np.ndarray) -> np.ndarray:
    """How much darker than the local paper each pixel is (shadows and grey paper evened out)."""
    k = max(3, int(3 * _MM) | 1)
    paper = cv2.dilate(grey, np.ones((k, k), np.uint8))
    paper = cv2.blur(paper, (k, k))
    return cv2.subtract(paper, grey)


def _turn(spot: CodeSpot) -> int:
    """The page's turn (0, 90, 180, 270, counter-clockwise) from a symbol's top edge."""
    (ax, ay), (bx, by) = spot.corners[0], spot.corners[1]
    angle = np.degrees(np.arctan2(-(by - ay), bx - ax)) % 360
    return round(float(angle) / 90) % 4 * 90


def _side(corners: np.ndarray) -> float:
    return float(np.linalg.norm(corners[1] - corners[0]) + np.linalg.norm(corners[2] - corners[1]))


def _transform(
    issued: IssuedPage, spots: Sequence[CodeSpot], scale: float, size: tuple[int, int]
) -> tuple[np.ndarray | None, str]:
    """Homography issued-page pixels → scan pixels (at the scan's working scale) from the
    code spots, or None and why not."""
    if not spots:
        return None, "页面上找不到二维码的位置，无法与原件对齐"
    if not issued.codes:
        return None, "原件上找不到二维码，无法对齐"
    scan_quads = [np.array(s.corners, dtype=np.float32) * scale for s in spots]
    turns = {_turn(s) for s in spots}
    if len(turns) != 1:
        return None, "两个二维码的方向不一致，无法对齐"
    pairs: list[tuple[np.ndarray, np.ndarray]] = []
    if len(scan_quads) >= 2 and len(issued.codes) >= 2:
        ordered = sorted(scan_quads, key=lambda q: -_side(q))[:2]
        pairs = [(issued.codes[0], ordered[0]), (issued.codes[1], ordered[1])]
    else:
        quad = scan_quads[0]
        if len(issued.codes) >= 2:
            # Which code is it? Sizes differ (22 vs 18 mm); failing that, its place.
            ratio = _side(issued.codes[1]) / _side(issued.codes[0])
            expected_big = _side(issued.codes[0]) * _scale_guess(issued, size)
            small = abs(_side(quad) - expected_big * ratio) < abs(_side(quad) - expected_big)
            pairs = [(issued.codes[1] if small else issued.codes[0], quad)]
        else:
            pairs = [(issued.codes[0], quad)]
    src = np.concatenate([p[0] for p in pairs]).astype(np.float32)
    dst = np.concatenate([p[1] for p in pairs]).astype(np.float32)
    if len(pairs) >= 2:
        matrix, _ = cv2.findHomography(src, dst, 0)
    else:
        affine, _ = cv2.estimateAffinePartial2D(src, dst, method=cv2.LMEDS)
        matrix = None if affine is None else np.vstack([affine, [0, 0, 1]])
    if matrix is None:
        return None, "二维码位置无法换算成页面位置"
    # The issued page mapped onto the scan must be a plausible sheet (not folded into a line).
    w, h = issued.size
    corners = np.array([[[0, 0]], [[w, 0]], [[w, h]], [[0, h]]], dtype=np.float32)
    mapped = cv2.perspectiveTransform(corners, matrix).reshape(4, 2)
    area = cv2.contourArea(mapped)
    expected = w * h * _scale_guess(issued, size) ** 2
    if not (0.5 * expected < area < 2.0 * expected):
        return None, "二维码位置与页面大小不符，无法对齐"
    return matrix, ""


def _scale_guess(issued: IssuedPage, size: tuple[int, int]) -> float:
    """Scan pixels per issued pixel if the scan's long side is the page's long side."""
    return max(size) / max(issued.size)


def _match(
    scan_grey: np.ndarray,
    matrix: np.ndarray,
    ref_dark: np.ndarray,
    box: Sequence[float],
    blanks: Sequence[Sequence[float]],
) -> tuple[np.ndarray, float, tuple[int, int, int, int]]:
    """The scan around ``box`` (issued pixels) warped into issued coordinates, as darkness
    below its local paper, shifted to best match the printed structure; returns (window,
    match score, window box).
    The signature blanks (``blanks``) are left out of the match: ink there is not structure."""
    h, w = ref_dark.shape
    margin, search = int(WINDOW_MM * _MM), int(SEARCH_MM * _MM)
    x0 = max(0, int(box[0]) - margin)
    y0 = max(0, int(box[1]) - margin)
    x1 = min(w, int(box[2]) + margin)
    y1 = min(h, int(box[3]) + margin)
    offset = np.array([[1, 0, x0 - search], [0, 1, y0 - search], [0, 0, 1]], dtype=np.float64)
    size = (x1 - x0 + 2 * search, y1 - y0 + 2 * search)
    warped = _darkness(
        cv2.warpPerspective(
            scan_grey,
            matrix @ offset,
            size,
            flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
            borderMode=cv2.BORDER_REPLICATE,
        )
    )
    template = cv2.GaussianBlur(ref_dark[y0:y1, x0:x1].astype(np.float32), (5, 5), 0)
    mask = np.ones_like(template)
    for b in blanks:
        bx0, by0 = max(0, int(b[0]) - x0 + 2), max(0, int(b[1]) - y0 + 2)
        bx1, by1 = int(b[2]) - x0 - 2, int(b[3]) - y0 - 2
        if bx1 > bx0 and by1 > by0:
            mask[by0:by1, bx0:bx1] = 0
    plain = (x0, y0, x1, y1)
    centre = warped[search : search + y1 - y0, search : search + x1 - x0]
    if float(template[mask > 0].std()) < 2.0:
        return centre, 0.0, plain
    image = cv2.GaussianBlur(warped.astype(np.float32), (5, 5), 0)
    # Coarse to fine: the whole search at half resolution, then ±2 pixels at full.
    half = (0.5, 0.5)
    coarse = _scores(
        cv2.resize(image, None, fx=half[0], fy=half[1], interpolation=cv2.INTER_AREA),
        cv2.resize(template, None, fx=half[0], fy=half[1], interpolation=cv2.INTER_AREA),
        (cv2.resize(mask, None, fx=half[0], fy=half[1], interpolation=cv2.INTER_NEAREST)),
    )
    _, _, _, (cx, cy) = cv2.minMaxLoc(coarse)
    th, tw = template.shape
    fx0, fy0 = max(0, 2 * cx - 2), max(0, 2 * cy - 2)
    fx1 = min(image.shape[1], 2 * cx + 2 + tw + 1)
    fy1 = min(image.shape[0], 2 * cy + 2 + th + 1)
    fine = _scores(image[fy0:fy1, fx0:fx1], template, mask)
    _, best, _, (dx, dy) = cv2.minMaxLoc(fine)
    dx, dy = dx + fx0, dy + fy0
    window = warped[dy : dy + y1 - y0, dx : dx + x1 - x0]
    return window, float(best), plain


def _scores(image: np.ndarray, template: np.ndarray, mask: np.ndarray) -> np.ndarray:
    scores = cv2.matchTemplate(image, template, cv2.TM_CCOEFF_NORMED, mask=mask)
    return np.nan_to_num(scores, nan=-1.0, posinf=-1.0, neginf=-1.0)


# -- the check --------------------------------------------------------------------------------


def _small_grey(image: Image.Image, factor: float) -> Image.Image:
    """``image`` in grey, about ``factor`` times smaller (within a third: the comparison warps
    into the issued page's pixels anyway). A JPEG not yet decoded (a scanned PDF's page as the
    reader yields it) is decoded straight to grey at a reduced DCT scale; a decoded image is
    box-reduced by a whole factor, resized only when that is far off."""
    target = (max(1, round(image.width / factor)), max(1, round(image.height / factor)))
    fp = getattr(image, "fp", None)
    source = image
    if image.format == "JPEG" and getattr(image, "tile", None) and isinstance(fp, io.BytesIO):
        try:
            draft = Image.open(io.BytesIO(fp.getvalue()), formats=("JPEG",))
            draft.draft("L", target)
            draft.load()
        except (OSError, ValueError, SyntaxError):
            pass
        else:
            source = draft
    grey = source if source.mode == "L" else source.convert("L")
    whole = max(1, int(grey.width / target[0]))
    if whole >= 2:
        grey = grey.reduce(whole)
    if abs(grey.width / target[0] - 1) > 0.34:
        grey = grey.resize(target, Image.Resampling.BOX)
    return grey


def check_page(
    scan: Image.Image,
    issued: IssuedPage,
    spots: Sequence[CodeSpot],
    *,
    text: str | None = None,
    grey: Image.Image | None = None,
) -> SignatureCheck:
    """The signature verdict of ``scan`` (a page image as read) against the issued page.

    ``spots`` are where the reader saw the page's codes (full-size scan pixels); only those
    with ``text`` (the page's verified code) are used when it is given. ``grey`` is the same
    page already decoded in grey (:attr:`PageScan.grey`), if at hand.
    """
    if not issued.areas:
        return SignatureCheck(UNKNOWN, reason="原件上没有找到签字处")
    if text is not None:
        spots = [s for s in spots if s.text == text]
    factor = max(1.0, _scale_guess(issued, scan.size))
    small = np.asarray(_small_grey(grey if grey is not None else scan, factor))
    factor = scan.width / small.shape[1]  # what the reduction really was
    matrix, why = _transform(issued, spots, 1 / factor, (small.shape[1], small.shape[0]))
    if matrix is None:
        return SignatureCheck(UNKNOWN, reason=why)
    ref = issued.image
    ref_dark = 255 - ref
    h, w = ref.shape
    printed_all = (ref < 200).astype(np.uint8)
    blanks = [(a.box[0] * w, a.box[1] * h, a.box[2] * w, a.box[3] * h) for a in issued.areas]
    results: list[AreaInk] = []
    for area in issued.areas:
        box = (area.box[0] * w, area.box[1] * h, area.box[2] * w, area.box[3] * h)
        window, score, (x0, y0, x1, y1) = _match(small, matrix, ref_dark, box, blanks)
        printed = printed_all[y0:y1, x0:x1]
        ax0, ay0 = int(box[0]) - x0, int(box[1]) - y0
        ax1, ay1 = int(box[2]) - x0, int(box[3]) - y0
        # How dark the print came out on this scan: the threshold follows it (faded copies).
        on_print = window[printed > 0]
        level = float(np.percentile(on_print, 80)) if on_print.size > 20 else 120.0
        cut = max(28.0, 0.45 * level)
        ink = (window > cut).astype(np.uint8)
        near_print = np.asarray(cv2.dilate(printed, np.ones((5, 5), np.uint8)), dtype=np.uint8)
        new = ink[ay0:ay1, ax0:ax1] & (1 - near_print[ay0:ay1, ax0:ax1]).astype(np.uint8)
        n, labels, stats, _ = cv2.connectedComponentsWithStats(new, connectivity=8)
        keep = np.zeros(n, dtype=bool)
        keep[1:] = stats[1:, cv2.CC_STAT_AREA] >= 6
        blank = max(1, int((1 - near_print[ay0:ay1, ax0:ax1]).sum()))
        share = float(keep[labels].sum()) / blank
        signed = share > SIGNED_SHARE
        uncertain = score < 0.5 or UNCERTAIN_BAND[0] < share < UNCERTAIN_BAND[1]
        results.append(AreaInk(area.label, area.box, round(share, 5), signed, score, uncertain))
    aligned = [r for r in results if r.match >= MIN_MATCH]
    if not aligned:
        best = max(r.match for r in results)
        return SignatureCheck(
            UNKNOWN,
            tuple(results),
            f"签字处周围的印刷内容与原件对不上（最佳匹配 {best:.2f}），页面可能被遮挡或不是这份原件",
            True,
        )
    signed_count = sum(1 for r in aligned if r.signed)
    if signed_count == len(aligned) and len(aligned) == len(results):
        verdict = SIGNED
    elif signed_count == 0:
        verdict = UNSIGNED
    else:
        verdict = PARTIAL
    uncertain = any(r.uncertain for r in results) or len(aligned) < len(results)
    return SignatureCheck(verdict, tuple(results), "", uncertain)


def crop_area(scan: Image.Image, issued: IssuedPage, spots: Sequence[CodeSpot], box: Box) -> Any:
    """The scan's view of one area, aligned onto the issued page (for a person to look at):
    the area with a margin, as a grey PIL image; None if the page cannot be aligned."""
    grey = scan if scan.mode == "L" else scan.convert("L")
    factor = max(1.0, _scale_guess(issued, grey.size))
    small = (round(grey.width / factor), round(grey.height / factor))
    matrix, _ = _transform(issued, spots, 1 / factor, small)
    if matrix is None:
        return None
    # Work at the scan's own resolution for a sharper crop.
    h, w = issued.image.shape
    m = 4 * _MM
    x0, y0 = max(0, box[0] * w - m), max(0, box[1] * h - m)
    x1, y1 = min(w, box[2] * w + m), min(h, box[3] * h + m)
    zoom = factor
    scale = np.array([[1 / zoom, 0, 0], [0, 1 / zoom, 0], [0, 0, 1]])
    offset = np.array([[1, 0, x0], [0, 1, y0], [0, 0, 1]], dtype=np.float64)
    full = np.diag([factor, factor, 1.0]) @ matrix @ offset @ scale
    size = (max(1, int((x1 - x0) * zoom)), max(1, int((y1 - y0) * zoom)))
    out = cv2.warpPerspective(
        np.asarray(grey),
        full,
        size,
        flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
        borderMode=cv2.BORDER_CONSTANT,
        borderValue=255,
    )
    return Image.fromarray(out)
