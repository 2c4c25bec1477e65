"""Is a returned part signed? (签字检查)

The signature areas are found on the copy that was issued (the archive copy of the same
student's form, same layout): every 签字/签名/签收 label (``pdftotext -bbox``) and the blank
space to its right. The scanned page is turned upright by the position of its QR code (the
forms print it top-right), and the ink in each area is compared with the same area of the
issued page: a signature adds dark strokes where the printed form has none. Needs poppler
(pdftotext, pdftoppm); without it the check is skipped (``None``), never guessed.
"""

from __future__ import annotations

import re
import shutil
import subprocess
from functools import lru_cache
from pathlib import Path
from typing import Any

_WORD = re.compile(
    r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>'
)
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">')
_LABEL = re.compile(r"(签字|签名|签收|签章)[^，。、]{0,8}[:：]?$")
AREA_WIDTH_PT = 105.0
"""Width of the area right of a label where the signature goes (≈ 37 mm)."""
INK_MARGIN = 0.006
"""Share of extra dark pixels (vs the issued page) that counts as a signature."""

Box = tuple[float, float, float, float]


def available() -> bool:
    return shutil.which("pdftotext") is not None and shutil.which("pdftoppm") is not None


@lru_cache(maxsize=4096)
def signature_areas(pdf: Path, page: int) -> tuple[Box, ...]:
    """Signature areas on 1-based ``page`` of ``pdf`` as fractions of the page (x0, y0, x1, y1)."""
    out = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True,
        text=True,
        check=False,
    ).stdout
    size = _PAGE.search(out)
    if size is None:
        return ()
    width, height = float(size.group(1)), float(size.group(2))
    words: list[tuple[float, float, float, float, str]] = []
    for m in _WORD.finditer(out):
        a, b, c, d = (float(v) for v in m.groups()[:4])
        words.append((a, b, c, d, m.group(5).strip()))
    boxes = []
    for _x0, y0, x1, y1, text in words:
        if not _LABEL.search(text):
            continue
        # The area runs right of the label up to the next word on the same line.
        same_line = [w[0] for w in words if w[0] > x1 and w[1] < y1 and w[3] > y0]
        right = min([x1 + AREA_WIDTH_PT, *(x - 2 for x in same_line)])
        if right - x1 < 20:
            continue
        boxes.append(
            (
                x1 / width,
                max(0.0, y0 - 8) / height,
                min(width, right) / width,
                min(height, y1 + 6) / height,
            )
        )
    return tuple(boxes)


CHECK_DPI = 120


def _render(pdf: Path, page: int, dpi: int = CHECK_DPI) -> Any:
    from PIL import Image

    proc = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-f", str(page), "-l", str(page), str(pdf)],
        capture_output=True,
        check=True,
    )
    import io

    return Image.open(io.BytesIO(proc.stdout)).convert("L")


def upright(image: Any, qr_centre: tuple[float, float] | None) -> Any:
    """Turn a scanned page so that its QR code is in the top-right corner, as printed."""
    if qr_centre is None:
        return image
    x, y = qr_centre
    right, top = x > 0.5, y < 0.5
    if right and top:
        return image
    if not right and not top:
        return image.rotate(180, expand=True)
    if not right and top:  # printed top-right, now top-left: the page turned 90° clockwise
        return image.rotate(-90, expand=True)
    return image.rotate(90, expand=True)


def qr_centre(image: Any) -> tuple[float, float] | None:
    """Centre of the first QR code on the page, as fractions of the page."""
    import zxingcpp

    small = image.convert("L")
    scale = 1.0
    if small.width > 1300:
        scale = 1300 / small.width
        small = small.resize((1300, int(small.height * scale)))
    found = zxingcpp.read_barcodes(
        small, formats=zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    )
    if not found:
        return None
    p = found[0].position
    xs = [p.top_left.x, p.top_right.x, p.bottom_left.x, p.bottom_right.x]
    ys = [p.top_left.y, p.top_right.y, p.bottom_left.y, p.bottom_right.y]
    return sum(xs) / 4 / small.width, sum(ys) / 4 / small.height


def _new_ink(scan: Any, original: Any, box: Box) -> float:
    """Share of the area's pixels that are dark on the scan but not on (or next to) anything
    printed on the issued page: misregistration by a few pixels, rescaling and JPEG noise do
    not count, strokes added by a pen do."""
    from PIL import ImageChops, ImageFilter

    w, h = original.size
    crop = (int(box[0] * w), int(box[1] * h), int(box[2] * w), int(box[3] * h))
    printed = original.crop(crop).point(lambda v: 255 if v < 200 else 0)
    printed = printed.filter(ImageFilter.MaxFilter(7))
    dark = scan.crop(crop).point(lambda v: 255 if v < 128 else 0)
    added = ImageChops.subtract(dark, printed)
    hist = added.histogram()
    total = sum(hist) or 1
    return (total - hist[0]) / total


def is_signed(scan: Any, issued_pdf: Path, page: int) -> bool | None:
    """True when a signature area of the issued page carries new ink on ``scan``; None when
    it cannot be told (no poppler, no labels found, or no QR code to orient the page)."""
    if not available() or not issued_pdf.exists():
        return None
    areas = signature_areas(issued_pdf, page)
    if not areas:
        return None
    centre = qr_centre(scan)
    if centre is None:
        return None
    original = _render(issued_pdf, page)
    page_image = upright(scan, centre).convert("L").resize(original.size)
    return any(_new_ink(page_image, original, b) > INK_MARGIN for b in areas)
