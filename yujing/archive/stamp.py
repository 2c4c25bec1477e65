"""Marks on archive pages: the 归档章 (DA/T 22-2015 §8.1) on the first page of each archive
copy, and the page numbers (页号) of a bound volume.

**How a mark is drawn.** The mark is drawn with Pillow in a CJK font at 300 dpi as a 1-bit
picture and placed on the page as a PDF *image mask* (a stencil painted in one colour, red for
the 归档章): only the inked pixels are painted, everything else on the page stays visible, and
no font is put into the file — PDF/A requires every font used for text to be embedded, and a
stencil uses none, so the copy stays PDF/A whatever fonts are installed. (The alternative,
typing the text in a TrueType font embedded with pypdf, would mean writing a CIDFont subsetter
by hand.) The stamp's values are kept as data in the registry and the catalogue, so nothing is
lost by their being a picture.

**Without covering content.** The first page is rendered (PDFium) and the mark goes into the
first place of the top margin, from the right, whose pixels are blank; when the top of the page
is printed or scanned to the edge, the page is made taller by a strip above it and the mark
goes there — the page's content is never covered. Rotated pages (``/Rotate``) are handled: the
mark is placed and turned so that it reads upright as the page is shown.
"""

from __future__ import annotations

import functools
import zlib
from dataclasses import dataclass

import numpy as np
import pikepdf
from PIL import Image, ImageDraw, ImageFont

MM = 72 / 25.4
"""PDF points per millimetre."""
DPI = 300
RED = (0.8, 0.0, 0.0)
BLACK = (0.0, 0.0, 0.0)
STAMP_CELL_MM = (16.0, 8.0)
EDGE_MM = 6.0
STEP_MM = 3.0
DARK = 200
"""A pixel darker than this (0–255) is ink."""
INK_ALLOWED = 0.002
"""The share of inked pixels a 'blank' place may have (scanner noise, dust)."""


@dataclass(frozen=True)
class StampFields:
    """What the 归档章 shows (DA/T 22-2015 §8.1): 全宗号, 年度, 件号 / 机构（问题）, 保管期限, 页数."""

    fonds: str
    year: int
    item_no: int
    org: str
    retention: str
    pages: int

    def cells(self) -> tuple[tuple[str, str], ...]:
        """(label, value) of the six cells, row by row."""
        return (
            ("全宗号", self.fonds),
            ("年度", str(self.year)),
            ("件号", str(self.item_no)),
            ("机构（问题）", self.org),
            ("保管期限", self.retention),
            ("页数", str(self.pages)),
        )


@dataclass(frozen=True)
class Placement:
    """Where a mark went on the page, in the page's shown orientation (points from the
    bottom-left of the shown page), and whether the page was made taller for it."""

    x: float
    y: float
    width: float
    height: float
    extended: bool


@functools.lru_cache(maxsize=8)
def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from yujing.cjkfont import cjk_font  # the one CJK-font finder (fc-match)

    found = cjk_font()
    if found is None:
        return ImageFont.load_default(size)
    return ImageFont.truetype(found[0], size, index=found[1])


def _px(mm: float) -> int:
    return round(mm / 25.4 * DPI)


FontT = ImageFont.FreeTypeFont | ImageFont.ImageFont


def _fit(draw: ImageDraw.ImageDraw, text: str, width: int, size: int) -> tuple[FontT, int]:
    while size > 8:
        font = _font(size)
        if draw.textlength(text, font=font) <= width:
            return font, size
        size -= 2
    return _font(size), size


def stamp_image(fields: StampFields) -> Image.Image:
    """The 归档章 as a 1-bit picture (ink black): 3 × 2 cells of 16 × 8 mm, a small label in
    each cell over its value."""
    cw, ch = _px(STAMP_CELL_MM[0]), _px(STAMP_CELL_MM[1])
    line = max(2, _px(0.35))
    image = Image.new("1", (3 * cw + line, 2 * ch + line), 1)
    draw = ImageDraw.Draw(image)
    for i in range(4):
        draw.rectangle([i * cw, 0, i * cw + line - 1, 2 * ch + line - 1], fill=0)
    for j in range(3):
        draw.rectangle([0, j * ch, 3 * cw + line - 1, j * ch + line - 1], fill=0)
    for k, (label, value) in enumerate(fields.cells()):
        x0, y0 = (k % 3) * cw + line, (k // 3) * ch + line
        inner = cw - line - _px(1.2)
        small, _ = _fit(draw, label, inner, _px(1.9))
        draw.text((x0 + (cw - line) / 2, y0 + _px(0.5)), label, font=small, fill=0, anchor="mt")
        big, _ = _fit(draw, value, inner, _px(3.4))
        draw.text((x0 + (cw - line) / 2, y0 + _px(5.4)), value, font=big, fill=0, anchor="mm")
    return image


def number_image(text: str, *, height_mm: float = 3.5) -> Image.Image:
    """A page number (页号) as a 1-bit picture."""
    font = _font(_px(height_mm))
    probe = ImageDraw.Draw(Image.new("1", (1, 1), 1))
    left, top, right, bottom = probe.textbbox((0, 0), text, font=font)
    image = Image.new("1", (int(right - left) + 4, int(bottom - top) + 4), 1)
    ImageDraw.Draw(image).text((2 - left, 2 - top), text, font=font, fill=0)
    return image


# ---------------------------------------------------------------------------- placing


def _mask_stream(pdf: pikepdf.Pdf, image: Image.Image) -> pikepdf.Stream:
    bits = image.convert("1").tobytes()  # rows padded to whole bytes, as PDF wants
    return pikepdf.Stream(
        pdf,
        zlib.compress(bits),
        Type=pikepdf.Name.XObject,
        Subtype=pikepdf.Name.Image,
        Width=image.width,
        Height=image.height,
        ImageMask=True,
        BitsPerComponent=1,
        Filter=pikepdf.Name.FlateDecode,
    )


def _box(page: pikepdf.Page) -> tuple[float, float, float, float]:
    x0, y0, x1, y1 = (float(v) for v in page.cropbox)
    return min(x0, x1), min(y0, y1), max(x0, x1), max(y0, y1)


def _rotation(page: pikepdf.Page) -> int:
    return int(page.obj.get("/Rotate", 0)) % 360


def _shown_size(page: pikepdf.Page) -> tuple[float, float]:
    x0, y0, x1, y1 = _box(page)
    w, h = x1 - x0, y1 - y0
    return (h, w) if _rotation(page) in (90, 270) else (w, h)


def _to_user(page: pikepdf.Page, dx: float, dy: float) -> tuple[float, float]:
    """A point of the shown page (from its bottom-left) in the page's user space."""
    x0, y0, x1, y1 = _box(page)
    w, h = x1 - x0, y1 - y0
    r = _rotation(page)
    if r == 90:
        return x0 + w - dy, y0 + dx
    if r == 180:
        return x0 + w - dx, y0 + h - dy
    if r == 270:
        return x0 + dy, y0 + h - dx
    return x0 + dx, y0 + dy


def _blank(gray: np.ndarray, scale: float, shown_h: float, rect: tuple[float, ...]) -> bool:
    """Whether the rectangle (shown-page points, from the bottom-left) is blank on the
    rendering ``gray`` (``scale`` pixels per point)."""
    x, y, w, h = rect
    pad = 1.5 * MM
    left = max(0, int((x - pad) * scale))
    right = min(gray.shape[1], int((x + w + pad) * scale) + 1)
    top = max(0, int((shown_h - y - h - pad) * scale))
    bottom = min(gray.shape[0], int((shown_h - y + pad) * scale) + 1)
    if right <= left or bottom <= top:
        return False
    area = gray[top:bottom, left:right]
    return float((area < DARK).mean()) <= INK_ALLOWED


def find_place(
    gray: np.ndarray,
    scale: float,
    shown: tuple[float, float],
    size: tuple[float, float],
    *,
    corner: str = "right",
) -> tuple[float, float] | None:
    """The first blank place (x, y of the bottom-left, shown-page points) for a mark of
    ``size`` in the top margin, from the ``corner`` (right or left) inwards; None if none."""
    sw, sh = shown
    w, h = size
    xs: list[float] = []
    x = sw - EDGE_MM * MM - w if corner == "right" else EDGE_MM * MM
    while 0 <= x <= sw - w:
        xs.append(x)
        x += -STEP_MM * MM if corner == "right" else STEP_MM * MM
    for top_mm in (EDGE_MM, EDGE_MM / 2, EDGE_MM + STEP_MM):
        y = sh - top_mm * MM - h
        for x in xs[: max(1, len(xs) // 2)]:  # the outer half of the margin
            if _blank(gray, scale, sh, (x, y, w, h)):
                return x, y
    return None


def _extend_top(page: pikepdf.Page, by: float) -> None:
    """Make the shown page ``by`` points taller at its top (a blank strip)."""
    r = _rotation(page)
    for key in ("/MediaBox", "/CropBox"):
        if key not in page.obj and key == "/CropBox":
            continue
        x0, y0, x1, y1 = (float(v) for v in page.obj[key])
        x0, x1 = min(x0, x1), max(x0, x1)
        y0, y1 = min(y0, y1), max(y0, y1)
        if r == 0:
            y1 += by
        elif r == 90:
            x0 -= by
        elif r == 180:
            y0 -= by
        else:
            x1 += by
        page.obj[key] = pikepdf.Array([x0, y0, x1, y1])


def place_mark(
    pdf: pikepdf.Pdf,
    index: int,
    image: Image.Image,
    gray: np.ndarray | None,
    scale: float,
    *,
    color: tuple[float, float, float] = RED,
    corner: str = "right",
) -> Placement:
    """Paint ``image`` (1-bit, ink black) on page ``index`` of ``pdf`` in ``color``, in the
    top margin at ``corner`` where the rendering ``gray`` of the page (as shown, ``scale``
    pixels per point; None = not rendered, treat the margin as printed) is blank, else in a
    strip added above the page. Returns where it went."""
    page = pdf.pages[index]
    w, h = image.width / DPI * 72, image.height / DPI * 72
    shown = _shown_size(page)
    spot = find_place(gray, scale, shown, (w, h), corner=corner) if gray is not None else None
    extended = spot is None
    if spot is None:
        _extend_top(page, h + 2 * EDGE_MM * MM)
        shown = _shown_size(page)
        x = shown[0] - EDGE_MM * MM - w if corner == "right" else EDGE_MM * MM
        spot = (x, shown[1] - EDGE_MM * MM - h)
    x, y = spot
    r = _rotation(page)
    upright = image.rotate(r, expand=True) if r else image  # turns with the page back upright
    corners = [_to_user(page, x + a, y + b) for a in (0, w) for b in (0, h)]
    ux0, uy0 = min(c[0] for c in corners), min(c[1] for c in corners)
    uw = max(c[0] for c in corners) - ux0
    uh = max(c[1] for c in corners) - uy0
    name = page.add_resource(_mask_stream(pdf, upright), pikepdf.Name.XObject, prefix="YjMark")
    red, green, blue = color
    content = (
        f"q {red:.3f} {green:.3f} {blue:.3f} rg {uw:.3f} 0 0 {uh:.3f} {ux0:.3f} {uy0:.3f} cm "
        f"{name} Do Q\n"
    ).encode("ascii")
    # the page's own drawing may leave its graphics state changed: keep it inside q … Q
    page.contents_add(pikepdf.Stream(pdf, b"q\n"), prepend=True)
    page.contents_add(pikepdf.Stream(pdf, b"\nQ\n" + content), prepend=False)
    return Placement(x, y, w, h, extended)
