"""PDF handling the stages share (PDF 工具): reading, joining and rendering PDFs.

* pypdf: :func:`page_count`, :func:`page_texts` (the generator finds a serial's pages),
  :func:`join_pdfs` (the print PDF, the archive copies, the college documents), and
  :data:`PDF_ERRORS`, everything pypdf raises on damaged input (the scan reader, the archive's
  attach step);
* PDFium (the pypdfium2 wheel: no external program, the same on Windows):
  :func:`render_pdf_page` (the scan reader, the tests' simulated scans) and :func:`page_layout`
  (a page rendered with the boxes of some of its characters and of its images: the signature
  check), every call holding :data:`PDFIUM_LOCK`; pypdfium2 is imported when first used.

Turning .docx into PDF (LibreOffice) is :mod:`yujing.converter`'s. Nothing on the path of a
command that reads no PDF imports this module.
"""

from __future__ import annotations

import re
import struct
import threading
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from pypdf import PageObject, PdfReader, PdfWriter
from pypdf.errors import PyPdfError
from pypdf.generic import DictionaryObject, NameObject

from yujing.errors import OutputError, UnreadableFileError
from yujing.files import atomic_write

if TYPE_CHECKING:
    from PIL import Image

__all__ = [
    "DAMAGED",
    "PDFIUM_LOCK",
    "PDF_ERRORS",
    "PageLayout",
    "join_pdfs",
    "page_count",
    "page_layout",
    "page_texts",
    "page_xobjects",
    "render_pdf_page",
]

PDF_ERRORS: tuple[type[BaseException], ...] = (
    PyPdfError,
    ValueError,
    KeyError,
    TypeError,
    AttributeError,
    IndexError,
    OSError,
    AssertionError,
    RecursionError,
    ArithmeticError,
    struct.error,
    zlib.error,
)
"""What pypdf raises on damaged input: its own errors and whatever its parser trips on."""
PDFIUM_LOCK = threading.RLock()
"""PDFium is not thread-safe: every call into pypdfium2 holds this lock."""
DAMAGED = "文件已损坏或不完整（可能传输或复制中断）。请重新扫描或从原处重新复制该文件后再导入。"


# -- pypdf -------------------------------------------------------------------------------------


def _reader(pdf: Path) -> PdfReader:
    try:
        return PdfReader(pdf)
    except FileNotFoundError as exc:
        raise OutputError(f"找不到 PDF 文件 {pdf}。请重新生成后再试。") from exc
    except OSError as exc:
        raise OutputError(f"无法读取 PDF 文件 {pdf}：{exc.strerror}。") from exc
    except (PyPdfError, ValueError) as exc:
        raise OutputError(f"PDF 文件 {pdf} 已损坏，无法读取：{exc}。请重新生成后再试。") from exc


def join_pdfs(
    parts: Sequence[tuple[Path, Sequence[int] | None]],
    output: Path,
    *,
    readers: dict[Path, PdfReader] | None = None,
) -> int:
    """Write one PDF made of the given pages (``None`` = every page of that file, else 0-based
    page indices in the given order), atomically; return its page count.

    Pages are added by reference, so resources (fonts, the QR images) shared by the pages of
    one source file are written once. Pass the same ``readers`` dict to many calls that take
    pages from the same files (a batch's archive copies) so each file is parsed once.
    """
    writer = PdfWriter()
    readers = {} if readers is None else readers
    try:
        for path, pages in parts:
            key = Path(path).resolve()
            reader = readers.get(key)
            if reader is None:
                reader = readers[key] = _reader(Path(path))
            n = len(reader.pages)
            indices = range(n) if pages is None else pages
            for i in indices:
                if not 0 <= i < n:
                    raise OutputError(
                        f"{path} 只有 {n} 页，没有第 {i + 1} 页（页码从 0 起为 {i}）。"
                        "请重新生成该 PDF 后再合并。"
                    )
                writer.add_page(_own_resources(reader.pages[i]))
        count = len(writer.pages)
        with atomic_write(Path(output), "wb") as fh:
            writer.write(fh)
    except (PyPdfError, ValueError, KeyError) as exc:
        raise OutputError(
            f"合并 PDF 到 {output} 时出错：{exc}。请重新生成各部分 PDF 后再试。"
        ) from exc
    except OSError as exc:
        raise OutputError(f"无法写入 {output}：{exc.strerror}。请检查目录权限和磁盘空间。") from exc
    return count


_DO = re.compile(rb"/([^\s/\[\]<>(){}%]+)\s+Do\b")


def page_xobjects(page: PageObject) -> DictionaryObject | None:
    """The XObject dictionary of ``page``'s resources (the images and forms its content may
    draw), ``None`` when it has none."""
    resources = page.get("/Resources")
    if resources is None:
        return None
    xobjects = resources.get_object().get("/XObject")
    return None if xobjects is None else xobjects.get_object()


def _own_resources(page: PageObject) -> PageObject:
    """``page`` with only the images (XObjects) its content draws. LibreOffice gives every
    page of a document one shared XObject dictionary (all the QR codes of a 50-student
    chunk), so a page copied alone would carry, and pypdf clone, every image of its chunk.
    Anything unexpected leaves the page as it is."""
    try:
        xobjects = page_xobjects(page)
        if xobjects is None:
            return page
        resources = page["/Resources"].get_object()
        contents = page.get_contents()
        if not isinstance(resources, DictionaryObject):
            return page
        if contents is None:
            return page
        used = {m.decode("latin-1") for m in _DO.findall(contents.get_data())}
        kept = {k: v for k, v in xobjects.items() if str(k)[1:] in used}
        if len(kept) == len(xobjects):
            return page
        own = PageObject(pdf=page.pdf, indirect_reference=None)
        own.update(page)
        new_resources = DictionaryObject(resources)
        new_resources[NameObject("/XObject")] = DictionaryObject(kept)
        own[NameObject("/Resources")] = new_resources
        return own
    except (PyPdfError, KeyError, AttributeError, TypeError):
        return page


def page_count(pdf: Path) -> int:
    """The number of pages of ``pdf``."""
    reader = _reader(Path(pdf))
    try:
        return len(reader.pages)
    except (PyPdfError, ValueError, KeyError) as exc:
        raise OutputError(f"PDF 文件 {pdf} 已损坏，无法读取页数：{exc}。") from exc


def page_texts(pdf: Path) -> list[str]:
    """The text of each page of ``pdf`` (pypdf), e.g. to find which pages carry "第 000123 号"."""
    reader = _reader(Path(pdf))
    try:
        return [page.extract_text() or "" for page in reader.pages]
    except (PyPdfError, ValueError, KeyError) as exc:
        raise OutputError(f"无法读取 PDF 文件 {pdf} 的文字：{exc}。请重新生成后再试。") from exc



# -- PDFium ------------------------------------------------------------------------------------


def _unreadable(path: Path | str, what: str, page: int | None = None) -> UnreadableFileError:
    where = f"{path} 第 {page} 页" if page is not None else str(path)
    return UnreadableFileError(f"{where}：{what}")


MAX_PIXELS = 90_000_000
"""Largest page image read or rendered (9,000 万像素: an A3 page at 600 dpi is 7,000 万): a scan's
images (Pillow's limit, set by the scan reader) and a PDF page rendered at a given dpi, whose
size is checked before PDFium draws it (a 448-byte PDF can declare a 5,000-pt page)."""


def too_big(
    path: Path | str, size: tuple[int, int] | None = None, page: int | None = None
) -> UnreadableFileError:
    """The refusal of an image or a rendered page above :data:`MAX_PIXELS`."""
    shown = f"（{size[0]}×{size[1]} 像素）" if size else ""
    return _unreadable(
        path,
        f"图像尺寸异常巨大{shown}，超过 {MAX_PIXELS // 10_000} 万像素，已拒绝读取。"
        "请用正常分辨率（200–600 dpi）重新扫描。",
        page,
    )


def render_pdf_page(path: Path, number: int, dpi: float, *, grey: bool = False) -> Image.Image:
    """Page ``number`` (1-based) of ``path`` rendered by PDFium at ``dpi`` (``/Rotate``
    applied). Raises :class:`UnreadableFileError` naming the file and page."""
    import pypdfium2 as pdfium

    with PDFIUM_LOCK:
        try:
            document = pdfium.PdfDocument(str(path))
            try:
                page = document[number - 1]
                width, height = page.get_size()  # points; checked BEFORE rendering
                size = (round(width * dpi / 72), round(height * dpi / 72))
                if size[0] * size[1] > MAX_PIXELS:
                    raise too_big(path, size, number)
                bitmap = page.render(scale=dpi / 72, grayscale=grey)
                image = bitmap.to_pil()
                image.load()
            finally:
                document.close()
        except (pdfium.PdfiumError, OSError, IndexError, ValueError) as exc:
            raise _unreadable(path, f"页面无法渲染（{exc}）。" + DAMAGED, number) from exc
    return image.copy()


Box = tuple[float, float, float, float]
"""A box in PDF points: left, bottom, right, top (origin at the bottom left)."""


@dataclass(frozen=True)
class PageLayout:
    """A page rendered in grey, with the boxes (in PDF points) of the characters asked for and
    of its images."""

    image: Image.Image
    height_pt: float
    chars: tuple[tuple[str, Box], ...]
    images: tuple[Box, ...]


def page_layout(
    pdf: Path | str,
    number: int,
    dpi: float,
    *,
    chars_near: Callable[[str, int], set[int]] = lambda _text, _count: set(),
) -> PageLayout:
    """Page ``number`` (1-based) of ``pdf`` rendered in grey at ``dpi``, with the boxes of its
    images and of the characters whose indices ``chars_near(page_text, count)`` picks."""
    import pypdfium2 as pdfium
    import pypdfium2.raw as pdfium_c

    with PDFIUM_LOCK:
        document = pdfium.PdfDocument(str(pdf))
        try:
            page = document[number - 1]
            _width_pt, height_pt = page.get_size()
            image = page.render(scale=dpi / 72, grayscale=True).to_pil()
            image.load()
            image = image.copy()
            text = page.get_textpage()
            whole = text.get_text_range()
            count = text.count_chars()
            if len(whole) != count:  # not one character per index: look at every character
                whole = "".join(text.get_text_range(i, 1)[:1] or " " for i in range(count))
            wanted = chars_near(whole, count)
            chars = tuple((whole[i], text.get_charbox(i, loose=True)) for i in sorted(wanted))
            images = tuple(
                obj.get_bounds() for obj in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_IMAGE])
            )
        finally:
            document.close()
    return PageLayout(image, height_pt, chars, images)
