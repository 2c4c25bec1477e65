"""The QR images placed in a form (表单中的二维码图片): a part's second code, anchored at the
bottom-left corner of its page, and the template's page size it is placed by. Shared by the
print batches (:mod:`yujing.generator.render`) and the samples (:mod:`yujing.forms.sample`).
"""

from __future__ import annotations

import re
from typing import Any

from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

SECOND_QR_MM = 18.0
"""Width of a part's second code (with its quiet zone; ≈ 0.55 mm a module)."""
SECOND_QR_EDGE_MM = 4.0
"""Distance of the second code's image from the page's left and bottom edges: its modules
start ≈ 6 mm from the edges (inside any printer's reach) and end inside the 20 mm margins."""


class CornerImage(InlineImage):
    """A part's second code (``{{ qr2.<part> }}``): the image drawn floating at the bottom-left
    corner of the page it is anchored on, in the margins, behind nothing and around nothing
    (``wrapNone``), so it moves no text whatever the template's layout."""

    def __init__(self, tpl: Any, image_descriptor: Any, width: Any, page: tuple[int, int]) -> None:
        super().__init__(tpl, image_descriptor, width=width)
        self.page = page  # page width and height in EMU

    def _insert_image(self) -> str:
        inline = super()._insert_image()
        return _anchored(inline, self.page)


def _anchored(run_xml: str, page: tuple[int, int]) -> str:
    """``run_xml`` (docxtpl's run with a ``wp:inline`` drawing) with the drawing turned into a
    ``wp:anchor`` at ``SECOND_QR_EDGE_MM`` from the page's left and bottom edges."""
    match = re.search(r"<wp:inline([^>]*)>(.*)</wp:inline>", run_xml, re.S)
    if match is None:  # not what docxtpl makes: leave the image inline
        return run_xml
    namespaces = " ".join(re.findall(r'xmlns:\w+="[^"]*"', match.group(1)))
    body = match.group(2)
    extent = re.search(r'<wp:extent cx="(\d+)" cy="(\d+)"\s*/>', body)
    height = int(extent.group(2)) if extent else int(Mm(SECOND_QR_MM))
    edge = int(Mm(SECOND_QR_EDGE_MM))
    x, y = edge, page[1] - edge - height
    body = re.sub(r"<wp:effectExtent[^>]*/>", "", body)
    head, graphic = body.split("<wp:docPr", 1) if "<wp:docPr" in body else (body, "")
    anchor = (
        f'<wp:anchor {namespaces} distT="0" distB="0" distL="0" distR="0" simplePos="0" '
        'relativeHeight="251659264" behindDoc="0" locked="1" layoutInCell="0" '
        'allowOverlap="1"><wp:simplePos x="0" y="0"/>'
        f'<wp:positionH relativeFrom="page"><wp:posOffset>{x}</wp:posOffset></wp:positionH>'
        f'<wp:positionV relativeFrom="page"><wp:posOffset>{y}</wp:posOffset></wp:positionV>'
        f'{head.strip()}<wp:effectExtent l="0" t="0" r="0" b="0"/><wp:wrapNone/>'
        f"{'<wp:docPr' + graphic if graphic else ''}</wp:anchor>"
    )
    return run_xml[: match.start()] + anchor + run_xml[match.end() :]


def page_size(tpl: DocxTemplate) -> tuple[int, int]:
    """The template's page width and height in EMU (A4 when the template does not say)."""
    tpl.init_docx(reload=False)
    section = tpl.docx.sections[0]
    width = section.page_width or Mm(210)
    height = section.page_height or Mm(297)
    return int(width), int(height)
