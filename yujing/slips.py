"""Student check slips (学生核查条) as one printable PDF: each student's link as a QR code with
name, 学号 and class, fourteen to an A4 page, drawn with Pillow (no LibreOffice) and saved as
1-bit pages (CCITT G4 in the PDF, a few kB a page).

A QR code is made once per link (:func:`qr_png`, kept for the process): the console's slips
page and the PDF use the same images, and a reload does not make them again.
"""

from __future__ import annotations

import functools
import io
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from PIL import Image, ImageDraw, ImageFont

from yujing.errors import OutputError
from yujing.files import atomic_write

if TYPE_CHECKING:
    from yujing.model import Term
    from yujing.warnlist.review import Slip

DPI = 200
PAGE = (1654, 2339)  # A4 at 200 dpi
COLUMNS, ROWS = 2, 7
MARGIN = 80


@functools.lru_cache(maxsize=20_000)
def qr_png(text: str) -> bytes:
    """The QR code of ``text`` as a small PNG (made once per text in this process)."""
    import qrcode

    img = qrcode.make(text, box_size=4, border=2)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()


def _font(size: int) -> ImageFont.FreeTypeFont | ImageFont.ImageFont:
    from yujing.cjkfont import cjk_font

    found = cjk_font()
    if found is None:
        return ImageFont.load_default()
    return ImageFont.truetype(found[0], size, index=found[1])


def write_slips_pdf(
    slips: Sequence[Slip], links: Sequence[str], term: Term, title: str, out: Path
) -> Path:
    """``slips`` with their ``links`` as one PDF at ``out`` (written whole or not at all)."""
    if not slips:
        raise OutputError(f"{term} 还没有核查链接：请先开放学生核查。")
    big, small = _font(34), _font(24)
    cell_w = (PAGE[0] - 2 * MARGIN) // COLUMNS
    cell_h = (PAGE[1] - 2 * MARGIN) // ROWS
    pages: list[Image.Image] = []
    page = draw = None
    for i, (slip, link) in enumerate(zip(slips, links, strict=True)):
        if i % (COLUMNS * ROWS) == 0:
            page = Image.new("L", PAGE, 255)
            draw = ImageDraw.Draw(page)
            pages.append(page)
        assert page is not None and draw is not None
        col, row = i % COLUMNS, (i // COLUMNS) % ROWS
        x, y = MARGIN + col * cell_w, MARGIN + row * cell_h
        draw.rectangle((x + 6, y + 6, x + cell_w - 6, y + cell_h - 6), outline=120, width=2)
        code = Image.open(io.BytesIO(qr_png(link))).convert("L")
        side = cell_h - 40
        page.paste(code.resize((side, side), Image.Resampling.NEAREST), (x + 20, y + 20))
        tx = x + side + 40
        draw.text((tx, y + 30), f"{slip.name}  {slip.student_id}", fill=0, font=big)
        draw.text((tx, y + 80), slip.class_name, fill=0, font=small)
        draw.text((tx, y + 120), f"{title}核查：", fill=0, font=small)
        draw.text((tx, y + 155), "请扫码查看本人信息并确认", fill=0, font=small)
        draw.text((tx, y + 200), link[:40], fill=60, font=_font(16))
        if len(link) > 40:
            draw.text((tx, y + 222), link[40:80], fill=60, font=_font(16))
    bilevel = [p.point(lambda v: 255 if v > 160 else 0).convert("1") for p in pages]
    try:
        with atomic_write(out, "wb") as fh:
            bilevel[0].save(
                fh, format="PDF", save_all=True, append_images=bilevel[1:], resolution=DPI
            )
    except OSError as exc:
        raise OutputError(f"无法写入核查条 {out}：{exc.strerror}") from exc
    return out
