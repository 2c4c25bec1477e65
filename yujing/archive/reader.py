"""Page reader of the scan intake: files → page images → the QR codes on each page.

:func:`iter_pages` turns what a scanner or phone produced into page images:

* **PDF** — a scanned (image-only) page carries one image that covers the page: it is taken
  out of the file as is (``origin="embedded"``, no rendering; a JPEG is opened lazily straight
  from its bytes, other encodings are decoded by pypdf). A born-digital or mixed page (text,
  vector drawing, several images) — or an embedded image that cannot be decoded here (JBIG2) —
  is rendered by PDFium (the pypdfium2 wheel: no external program, the same on Windows) at
  200 dpi (``origin="rendered"``). A page's ``/Rotate`` is applied. The file is read as pages
  are needed.
* **TIFF** — every frame of a multi-page file, 1-bit CCITT fax included (``"tiff"``).
* **JPEG / PNG** — one page; the EXIF orientation of a phone photo is applied (``"photo"``).

A file is recognised by its first bytes, not its name (a ``.jpg`` that is really a PNG reads).
A missing, truncated (no ``%%EOF``), corrupt, encrypted or unsupported file raises
:class:`~yujing.errors.UnreadableFileError` naming the file (and the page, when the damage is
in one page) and what to do; pages before a damaged page have been yielded by then.

:func:`scan_page` finds the QR codes of one page image, cheapest first, and stops as soon as a
code that ``accept`` accepts is found:

0. the page is looked at in grey (a colour JPEG from a PDF is decoded straight to grey; the
   colour is decoded only if step 3 needs it), and a blank page (the empty back of a duplex
   scan, :func:`is_blank`) is recognised first: no code is looked for;
1. ``"corner"`` — the four corner regions at the image's own resolution: the top right, where
   the forms print their code, first, then the bottom left (page upside down) — or, for a
   landscape image, the two corners where a sideways page puts the code. About 1 ms each;
2. ``"page"`` — the whole page scaled to ≈ 150 dpi (a phone photo with the sheet anywhere);
3. ``"enhanced:<how>"`` — only if nothing was accepted yet, on the two likeliest corners (some
   also on the whole page): the red channel (a red seal over the code), a grey opening that
   removes pen strokes thinner than a module (a signature across the code), grey levels
   stretched (faded copies), local thresholding (shadows), a dark scanner border trimmed,
   unsharp masking and a 1.5× upscale (blur, low resolution), ±3° and ±5° rotations (skew)
   and zxing's other binarizers. A page with no code at all costs ≈ 0.1–0.2 s, a code page
   ≈ 10 ms.

Every distinct code met on the way is kept in :attr:`PageScan.codes`, and where each was seen
in :attr:`PageScan.spots` (the four corners of each symbol read, the second code of a part
included — the signature check registers the page from them). Every part prints its code
twice (top right, and smaller at the bottom left): the corner regions are all read, so a pen
stroke over one code still files the page by the other, and two codes of ours that disagree
are both seen (the caller refuses the page). A page may also carry a
foreign code, e.g. a WeChat group's, beside ours; the caller verifies and decides) — except a
code seen *through* the paper: zxing decodes the mirrored show-through of the other side of a
thin sheet, so a code whose format bits only read transposed (mirrored) or whose contrast is
below :data:`MIN_CONTRAST` is dropped.

:func:`scan_pages` scans many pages with two worker **threads**, not processes: zxing and
Pillow's decoder and filters release the GIL, so threads use both cores without pickling page
images or the ``accept`` callable (a closure over the workspace secret).

Speed (``bench/bench_scan.py``, this 2-core machine while other work ran on it, load ≈ 3): a
500-page scanned PDF of real form pages (colour JPEG, 200 dpi, light skew and noise) reads at
≈ 105 pages/s with :func:`scan_pages` (≈ 56 pages/s in one thread; ≈ 15 ms CPU a page), every
code found at the first level; rendering each page at 300 dpi and decoding the whole page, as
paperless-ngx does, manages ≈ 3 pages/s (≈ 300 ms CPU a page): ≈ 30× slower. With the
intake's signature check on (the ``after`` hook: alignment and ink per blank) a page costs
≈ 23 ms CPU (≈ 33 ms when each page is a different student's issued page): 76 pages/s with two
threads at load ≈ 2 (54 when every issued page is prepared anew), ≈ 11× less CPU than the
paperless-ngx way.
"""

from __future__ import annotations

import io
import math
import struct
import time
import warnings
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import zxingcpp
from PIL import Image, ImageChops, ImageFilter, ImageOps, ImageStat, UnidentifiedImageError

from yujing.errors import UnreadableFileError
from yujing.model import Progress
from yujing.pdfkit import DAMAGED as _DAMAGED
from yujing.pdfkit import (
    MAX_PIXELS,
    PDF_ERRORS,
    PDFIUM_LOCK,
    page_xobjects,
    render_pdf_page,
    too_big,
)

SUPPORTED_SUFFIXES: frozenset[str] = frozenset({".pdf", ".tif", ".tiff", ".jpg", ".jpeg", ".png"})
RENDER_DPI = 200
"""Resolution at which born-digital PDF pages are rendered."""
PAGE_DPI = 150
"""Resolution of the whole-page attempt (a 22 mm code has ≈ 4 px modules at 150 dpi)."""
A4_LONG_MM = 297.0
_QR = zxingcpp.BarcodeFormat.QRCode
_DARK_BORDER = 90
"""Grey level below which paper-free areas (a scanner's black lid) are taken for a border."""



# -- pages -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class PageImage:
    """One page of a scanned file."""

    source: Path
    page: int
    """1-based page number within the file (1 for a single image)."""
    image: Image.Image
    dpi: float | None
    origin: str
    """``"embedded"`` (the image of a scanned PDF page, not rendered), ``"rendered"`` (a
    born-digital PDF page rendered), ``"tiff"`` or ``"photo"`` (JPEG / PNG)."""


def _unreadable(path: Path, what: str, page: int | None = None) -> UnreadableFileError:
    where = f"{path} 第 {page} 页" if page is not None else str(path)
    return UnreadableFileError(f"{where}：{what}")


Image.MAX_IMAGE_PIXELS = MAX_PIXELS
warnings.filterwarnings("error", category=Image.DecompressionBombWarning)
_TOO_BIG: tuple[type[BaseException], ...] = (
    Image.DecompressionBombError,
    Image.DecompressionBombWarning,
)


def open_image(source: Any, **kwargs: Any) -> Image.Image:
    """``Image.open`` with Pillow's size warning an error, whatever warning filters the host
    (a test runner, a web server) has set: it is refused by the caller, never printed."""
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        return Image.open(source, **kwargs)


# What Pillow raises on damaged input, besides its own errors (DecompressionBombError is an
# Exception of its own and is handled apart).
_IMAGE_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    UnidentifiedImageError,
    ValueError,
    SyntaxError,
    TypeError,
    KeyError,
    IndexError,
    EOFError,
    struct.error,
    zlib.error,
)


def _sniff(path: Path) -> str:
    """The file's kind from its first bytes: pdf, tiff, jpeg, png or ''."""
    try:
        with path.open("rb") as fh:
            head = fh.read(1024)
    except OSError as exc:
        raise _unreadable(
            path, f"无法打开文件（{exc.strerror or exc}）。请检查文件是否存在、是否有读取权限。"
        ) from exc
    if head.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if head.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if b"%PDF-" in head:
        return "pdf"
    return ""


def iter_pages(path: Path) -> Iterator[PageImage]:
    """The pages of a scanned file, in order, one image each (see the module docstring).

    Raises :class:`UnreadableFileError` naming the file (and page) for a missing, corrupt,
    encrypted or unsupported file; pages before a damaged page have been yielded by then.
    """
    path = Path(path)
    if not path.is_file():
        raise _unreadable(path, "文件不存在。请检查路径。")
    kind = _sniff(path)
    suffix = path.suffix.lower()
    if not kind:
        if suffix in SUPPORTED_SUFFIXES:
            raise _unreadable(
                path, f"不是有效的 {suffix[1:].upper()} 文件（内容无法识别）。" + _DAMAGED
            )
        raise _unreadable(
            path, "不支持的文件类型。请把扫描件保存为 PDF、TIFF、JPEG 或 PNG 后重新导入。"
        )
    if kind == "pdf":
        yield from _iter_pdf(path)
    elif kind == "tiff":
        yield from _iter_tiff(path)
    else:
        yield _read_photo(path)


def _read_photo(path: Path) -> PageImage:
    try:
        with open_image(path) as opened:
            opened.load()
            image = ImageOps.exif_transpose(opened)
    except _TOO_BIG as exc:
        raise too_big(path) from exc
    except _IMAGE_ERRORS as exc:
        raise _unreadable(path, f"图像无法解码（{exc}）。" + _DAMAGED) from exc
    return PageImage(path, 1, _normal_mode(image), _dpi_of(image), "photo")


def _iter_tiff(path: Path) -> Iterator[PageImage]:
    try:
        tiff = open_image(path)
    except _TOO_BIG as exc:
        raise too_big(path, None, 1) from exc
    except _IMAGE_ERRORS as exc:
        raise _unreadable(path, f"TIFF 文件无法打开（{exc}）。" + _DAMAGED) from exc
    with tiff:
        try:
            count: int | None = getattr(tiff, "n_frames", 1)
        except _IMAGE_ERRORS:
            count = None  # the chain of pages is broken: read page by page up to the damage
        index = 0
        while count is None or index < count:
            try:
                tiff.seek(index)
                if tiff.size[0] * tiff.size[1] > MAX_PIXELS:
                    raise too_big(path, tiff.size, index + 1)
                tiff.load()
                frame = ImageOps.exif_transpose(tiff)
            except _TOO_BIG as exc:
                raise too_big(path, None, index + 1) from exc
            except _IMAGE_ERRORS as exc:
                raise _unreadable(
                    path, f"TIFF 页无法解码（{exc}）。" + _DAMAGED, index + 1
                ) from exc
            yield PageImage(path, index + 1, _normal_mode(frame), _dpi_of(tiff), "tiff")
            index += 1


def _normal_mode(image: Image.Image) -> Image.Image:
    """Modes the rest of the code handles: 1, L, RGB (palette, alpha, 16-bit, CMYK converted)."""
    if image.mode in ("1", "L", "RGB"):
        return image
    if image.mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        return ImageOps.autocontrast(image.convert("I").point(lambda v: v / 256).convert("L"))
    if image.mode in ("LA", "La", "PA") or (image.mode == "P" and "transparency" not in image.info):
        return image.convert("L") if image.mode != "P" else image.convert("RGB")
    if image.mode in ("RGBA", "RGBa", "P"):
        rgba = image.convert("RGBA")
        flat = Image.new("RGB", rgba.size, (255, 255, 255))
        flat.paste(rgba, mask=rgba.getchannel("A"))
        return flat
    return image.convert("RGB")


def _dpi_of(image: Image.Image) -> float | None:
    dpi = image.info.get("dpi")
    try:
        value = float(dpi[0]) if dpi else 0.0
    except (TypeError, ValueError, IndexError):
        return None
    return value if 30 <= value <= 4800 else None


# -- PDF ---------------------------------------------------------------------------------------


def _iter_pdf(path: Path) -> Iterator[PageImage]:
    from pypdf import PdfReader

    _check_pdf_end(path)
    with path.open("rb") as fh:  # pypdf reads objects from the open file as they are needed
        try:
            reader = PdfReader(fh, strict=False)
            if reader.is_encrypted and not reader.decrypt(""):
                raise _unreadable(path, "PDF 已加密（需要密码）。请导出一份不加密的 PDF 后再导入。")
            count = len(reader.pages)
        except UnreadableFileError:
            raise
        except PDF_ERRORS as exc:
            raise _unreadable(path, f"PDF 无法解析（{exc}）。" + _DAMAGED) from exc
        if count == 0:
            raise _unreadable(path, "PDF 中没有任何页面。请重新扫描。")
        for index in range(count):
            page = _page(reader, path, index)
            embedded = _embedded(page, path, index + 1)
            yield embedded if embedded is not None else _render(path, index + 1)


def _page(reader: Any, path: Path, index: int) -> Any:
    try:
        return reader.pages[index]
    except PDF_ERRORS as exc:
        raise _unreadable(path, f"页面无法读取（{exc}）。" + _DAMAGED, index + 1) from exc


_EMBED_ERRORS: tuple[type[BaseException], ...] = (
    *PDF_ERRORS,
    UnidentifiedImageError,
    *_TOO_BIG,
)


def _check_pdf_end(path: Path) -> None:
    """A PDF that does not end with ``%%EOF`` was cut short: pypdf would quietly rebuild what
    is left and lose pages, so it is refused."""
    size = path.stat().st_size
    with path.open("rb") as fh:
        fh.seek(max(0, size - 4096))
        tail = fh.read()
    if b"%%EOF" not in tail:
        raise _unreadable(
            path,
            "PDF 不完整（文件结尾缺失，可能传输或复制中断）。请重新扫描或重新复制该文件后再导入。",
        )


def _image_xobject(page: Any) -> tuple[Any, float] | None:
    """The page's single image if the page looks like a scan: one image XObject, no form
    XObjects, no visible text, and the image covers the page at ≥ 50 dpi."""
    xobjects = page_xobjects(page)
    if xobjects is None:
        return None
    images = []
    for ref in xobjects.values():
        obj = ref.get_object()
        subtype = obj.get("/Subtype")
        if subtype == "/Image":
            images.append(obj)
        else:
            return None
    if len(images) != 1:
        return None
    image = images[0]
    if image.get("/ImageMask") or "/SMask" in image or "/Mask" in image:
        return None
    if page["/Resources"].get_object().get("/Font"):
        # A scan with an OCR layer draws its text invisibly (render mode 3); any other text
        # means a born-digital page.
        contents = page.get_contents()
        if contents is None or b"3 Tr" not in contents.get_data():
            return None
    width, height = int(image["/Width"]), int(image["/Height"])
    box = page.cropbox
    pw, ph = float(box.width), float(box.height)
    if width <= 0 or height <= 0 or pw <= 0 or ph <= 0:
        return None
    aspect, page_aspect = width / height, pw / ph
    if abs(aspect - page_aspect) <= 0.03 * page_aspect:
        dpi = width / (pw / 72)
    elif abs(aspect - 1 / page_aspect) <= 0.03 / page_aspect:
        dpi = width / (ph / 72)  # drawn turned by a quarter (the cm matrix): still the page
    else:
        return None
    if dpi < 50:
        return None
    return image, dpi


def _embedded(page: Any, path: Path, number: int) -> PageImage | None:
    """The page's scanned image, or None when the page must be rendered (born-digital, or an
    image this code cannot decode, e.g. JBIG2 — PDFium can)."""
    try:
        found = _image_xobject(page)
        if found is None:
            return None
        xobj, dpi = found
        image = _decode_xobject(xobj)
        rotation = int(page.rotation or 0) % 360
    except _EMBED_ERRORS:
        return None
    if image is None:
        return None
    if rotation:
        image = image.rotate(-rotation, expand=True)  # /Rotate turns the page clockwise
    return PageImage(path, number, image, dpi, "embedded")


def _decode_xobject(xobj: Any) -> Image.Image | None:
    filters = xobj.get("/Filter")
    last = filters[-1] if isinstance(filters, list) and filters else filters
    if last == "/DCTDecode" and "/Decode" not in xobj:
        # The common scanner case: the JPEG itself, opened lazily (pypdf would decode it,
        # re-encode it and decode it again). CMYK JPEGs (often stored inverted) go to pypdf.
        image = open_image(io.BytesIO(xobj.get_data()), formats=("JPEG",))
        if image.mode in ("L", "RGB"):
            return image
    decoded = xobj.decode_as_image()
    if decoded is None:
        return None
    decoded.load()
    return _normal_mode(decoded)


def page_count(path: Path) -> int:
    """How many pages a scan file holds (PDF pages by PDFium, which reads only the page tree;
    TIFF frames; 1 for a photo), to bound the work of an upload before it is queued.
    Raises :class:`UnreadableFileError` when the file cannot be opened."""
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(b"%PDF"):
        import pypdfium2 as pdfium

        with PDFIUM_LOCK:
            try:
                document = pdfium.PdfDocument(str(path))
                try:
                    return len(document)
                finally:
                    document.close()
            except (pdfium.PdfiumError, OSError, ValueError) as exc:
                raise _unreadable(path, f"PDF 无法打开（{exc}）。" + _DAMAGED) from exc
    if head.startswith((b"II*\x00", b"MM\x00*")):
        try:
            with open_image(path) as tiff:
                return int(getattr(tiff, "n_frames", 1))
        except _TOO_BIG as exc:
            raise too_big(path) from exc
        except (OSError, ValueError) as exc:
            raise _unreadable(path, "TIFF 无法打开。" + _DAMAGED) from exc
    return 1


def _render(path: Path, number: int) -> PageImage:
    """A born-digital page rendered at RENDER_DPI."""
    image = render_pdf_page(path, number, RENDER_DPI)
    return PageImage(path, number, _normal_mode(image), float(RENDER_DPI), "rendered")


# -- looking at pages ----------------------------------------------------------------------


def _gray(image: Image.Image) -> Image.Image:
    return image if image.mode == "L" else image.convert("L")


def _estimate_dpi(size: tuple[int, int]) -> float:
    """Pixels per inch if the image's long side is an A4 page's long side."""
    return max(size) / (A4_LONG_MM / 25.4)


def _scaled(image: Image.Image, factor: float) -> Image.Image:
    """``image`` scaled down by ``factor`` (≥ 1): integer reduction, then a resize for the rest."""
    if factor <= 1.05:
        return image
    whole = int(factor)
    out = image.reduce(whole) if whole >= 2 and image.mode != "1" else image
    if image.mode == "1":
        out = image.convert("L")
        if whole >= 2:
            out = out.reduce(whole)
    rest = factor / max(whole, 1)
    if rest > 1.05:
        size = (max(1, round(out.width / rest)), max(1, round(out.height / rest)))
        out = out.resize(size, Image.Resampling.BILINEAR)
    return out


def _ink(gray: Image.Image, dpi: float) -> tuple[Image.Image, Image.Image]:
    """For a grey image at ``dpi``: (darkness below the local paper level, valid-area mask).

    The paper level is taken on a coarse grid (cells of ≈ 2 mm): the brightest cell around each
    cell, smoothed and scaled back, so shadows and uneven light are discounted; where even that
    level is dark (a scanner's black lid), the area and a margin around it are masked out.
    """
    cell = max(1, round(dpi * 2 / 25.4))
    coarse = gray.reduce(cell) if cell > 1 else gray
    paper = coarse.filter(ImageFilter.MaxFilter(3))
    # A border is far darker than the paper: an underexposed photo's grey paper is not one.
    (bright,) = _percentiles(paper, 0.9)
    cut = max(16, min(_DARK_BORDER, bright * 0.45))
    border = paper.point(lambda v: 255 if v < cut else 0).filter(ImageFilter.MaxFilter(5))
    paper = paper.resize(gray.size, Image.Resampling.BILINEAR)
    border = border.resize(gray.size, Image.Resampling.BILINEAR)
    dark = ImageChops.subtract(paper, gray)
    valid = border.point(lambda v: 0 if v else 255)
    return dark, valid


def _ink_share(
    gray: Image.Image, dpi: float, *, margin: float = 0.0, delta: int = 40, despeckle: bool = False
) -> float | None:
    """Share of ink pixels (darker than the local paper by more than ``delta``) in the valid
    area; None when less than a fifth of the image is paper (all dark: nothing to judge)."""
    dark, valid = _ink(gray, dpi)
    if margin > 0:
        mx, my = round(gray.width * margin), round(gray.height * margin)
        inner = Image.new("L", gray.size, 0)
        inner.paste(255, (mx, my, gray.width - mx, gray.height - my))
        valid = ImageChops.multiply(valid, inner)
    mask = dark.point(lambda v: 255 if v > delta else 0)
    if despeckle:
        # Isolated dark specks (dust, sensor noise) are not ink: keep a pixel only when at
        # least 3 of the 9 in its neighbourhood are dark (a 1-pixel line keeps 3).
        mask = mask.filter(ImageFilter.BoxBlur(1)).point(lambda v: 255 if v >= 84 else 0)
    mask = ImageChops.multiply(mask, valid)
    area = valid.histogram()[255]
    if area < 0.2 * gray.width * gray.height:
        return None
    return mask.histogram()[255] / area


BLANK_DELTA = 20
"""Grey levels below the local paper level from which a pixel of the ≈ 50 dpi thumbnail counts
as ink for :func:`is_blank` (a faint show-through stays above, a faded photocopy's text
below)."""
BLANK_INK = 0.001
"""Share of the page (at ≈ 50 dpi, 3 % margins ignored, specks removed) that must be ink for a
page not to be blank: a form page has several per cent, a blank back ≈ 0."""
_THUMB_DPI = 50


def _thumbnail(image: Image.Image, dpi: float | None = None) -> tuple[Image.Image, float]:
    source_dpi = dpi or _estimate_dpi(image.size)
    factor = source_dpi / _THUMB_DPI
    small = _scaled(image, factor) if factor > 1.05 else image
    return _gray(small), source_dpi / max(factor, 1.0)


def is_blank(image: Image.Image) -> bool:
    """True for a blank page: robust to scanner noise and dust, a faint show-through from the
    other side of the sheet (up to ≈ 10 % of the print's contrast), uneven light and a dark
    scanner border. It errs towards "not blank" (a blank page is set aside without a code being
    looked for): an image with little paper in it (all dark) is not blank, nor is a page with
    a tenth of a per cent of ink. A copy faded below ≈ 10 % contrast looks like show-through
    and counts as blank."""
    thumb, dpi = _thumbnail(image)
    share = _ink_share(thumb, dpi, margin=0.03, delta=BLANK_DELTA)
    if share is None or share >= 20 * BLANK_INK:
        return False  # plainly printed (the usual case, decided cheaply), or all dark
    share = _ink_share(thumb, dpi, margin=0.03, delta=BLANK_DELTA, despeckle=True)
    return share is not None and share < BLANK_INK


def ink_ratio(image: Image.Image, box: tuple[float, float, float, float]) -> float:
    """Share of dark pixels (ink) in ``box`` = (x0, y0, x1, y1), fractions of the page, at
    ≤ 100 dpi. Darkness is measured against the local paper level (the page's background,
    shadows and grey paper discounted), so only strokes count; a solid area wider than
    ≈ 5 mm counts only along its edges; a box that is nearly all dark (a scanner's border)
    counts as 0."""
    x0, y0, x1, y1 = box
    if not (0 <= x0 < x1 <= 1 and 0 <= y0 < y1 <= 1):
        raise ValueError(f"box {box} must be fractions 0 ≤ x0 < x1 ≤ 1, 0 ≤ y0 < y1 ≤ 1")
    w, h = image.size
    crop = image.crop(
        (
            round(x0 * w),
            round(y0 * h),
            max(round(x1 * w), round(x0 * w) + 1),
            max(round(y1 * h), round(y0 * h) + 1),
        )
    )
    dpi = _estimate_dpi(image.size)
    factor = dpi / 100
    small = _gray(_scaled(crop, factor) if factor > 1.05 else crop)
    share = _ink_share(small, dpi / max(factor, 1.0), delta=48, despeckle=True)
    return 0.0 if share is None else share


# -- finding codes -----------------------------------------------------------------------------


Corners = tuple[tuple[float, float], tuple[float, float], tuple[float, float], tuple[float, float]]


@dataclass(frozen=True)
class CodeSpot:
    """Where a code was read on a page image: its text and the symbol's four outer corners in
    the image's pixels, in the symbol's own order (top left, top right, bottom right, bottom
    left as printed), so the page's turn and scale can be told from them."""

    text: str
    corners: Corners


@dataclass(frozen=True)
class PageScan:
    """The QR codes found on one page."""

    codes: tuple[str, ...]
    """Every distinct code text found (not verified here), in the order found."""
    blank: bool
    """A blank page: no code was looked for."""
    effort: str
    """Which attempt found the (first accepted) code: ``"corner"``, ``"page"`` or
    ``"enhanced:<how>"`` (``red-ink``, ``contrast``, ``threshold``, ``trimmed``, ``pen``,
    ``sharpen``, ``upscale``, ``deskew``, ``binarizer``); ``"none"`` when nothing was found."""
    seconds: float
    spots: tuple[CodeSpot, ...] = ()
    """Every symbol read whose place on the page is known (a code printed twice is there
    twice), in the order read."""
    extra: Any = None
    """What the caller's ``after`` hook of :func:`scan_pages` computed for the page in the
    worker thread (the intake's signature check), else None."""
    grey: Image.Image | None = field(default=None, compare=False, repr=False)
    """The page in grey as the reader decoded it (so a later look at the page — the signature
    check — need not decode it again); not kept by :func:`scan_pages` once ``after`` ran."""


# The region where the forms print their code, in fractions of an upright page (the code sits
# at x 0.81–0.89, y 0.08–0.13 of A4; the region leaves room for margins, skew and borders).
_CORNER = (0.5, 0.0, 1.0, 0.34)
MIN_CONTRAST = 24
"""Grey levels between a code's dark and light modules below which a decoded code is dropped
as show-through from the other side of the sheet (≈ 15–20 levels); a printed code, even a
badly faded photocopy, has more. Show-through is also mirrored, which is checked too."""
MODULE_MM = 22 / 33
"""Module size of the forms' code (22 mm, version 2 with its quiet zone)."""


def _turned_box(
    box: tuple[float, float, float, float], quarter: int
) -> tuple[float, float, float, float]:
    """``box`` on an upright page → the same area once the page is turned counter-clockwise by
    ``quarter`` × 90°."""
    x0, y0, x1, y1 = box
    corners = [(x0, y0), (x1, y1)]
    if quarter == 1:
        corners = [(y, 1 - x) for x, y in corners]
    elif quarter == 2:
        corners = [(1 - x, 1 - y) for x, y in corners]
    elif quarter == 3:
        corners = [(1 - y, x) for x, y in corners]
    (ax, ay), (bx, by) = corners
    return min(ax, bx), min(ay, by), max(ax, bx), max(ay, by)


def _corner_boxes(size: tuple[int, int]) -> list[tuple[int, int, int, int]]:
    """Pixel boxes of the four corner regions, the likeliest first: top right and bottom left
    (upright or upside down) for a portrait image, the other two for a landscape one."""
    w, h = size
    order = (0, 2, 1, 3) if h >= w else (1, 3, 0, 2)
    boxes = []
    for quarter in order:
        x0, y0, x1, y1 = _turned_box(_CORNER, quarter)
        boxes.append((round(x0 * w), round(y0 * h), round(x1 * w), round(y1 * h)))
    return boxes


def _percentiles(gray: Image.Image, *shares: float) -> list[int]:
    hist = gray.histogram()
    total = sum(hist)
    out = [0] * len(shares)
    seen = 0
    for level, count in enumerate(hist):
        for i, share in enumerate(shares):
            if seen < share * total <= seen + count:
                out[i] = level
        seen += count
    return out


def _format_word(data: int) -> int:
    """The 15-bit QR format information (BCH code, masked) for 5 data bits."""
    value = data << 10
    for bit in range(14, 9, -1):
        if value >> bit & 1:
            value ^= 0b10100110111 << (bit - 10)
    return ((data << 10) | value) ^ 0b101010000010010


_FORMAT_WORDS = tuple(_format_word(d) for d in range(32))
_EC_BITS = {"L": 1, "M": 0, "Q": 3, "H": 2}
"""The two error-correction bits of the QR format information, by level."""


def _format_modules(n: int) -> list[tuple[int, int]]:
    """Module (row, column) of both copies of the 15 format bits of an ``n``-module symbol,
    most significant first: beside the top-left finder, then split between the bottom-left
    and top-right finders (ISO/IEC 18004, 7.9)."""
    beside_top_left = [(8, c) for c in (0, 1, 2, 3, 4, 5, 7, 8)] + [
        (r, 8) for r in (7, 5, 4, 3, 2, 1, 0)
    ]
    split = [(n - 1 - k, 8) for k in range(7)] + [(8, n - 8 + k) for k in range(8)]
    return beside_top_left + split


def _expected_format_bits(extra: Any) -> list[int] | None:
    """The 15 format bits the decoder read (from its error-correction level and data mask),
    most significant first; None when the decoder does not say."""
    if not isinstance(extra, dict):
        return None
    level, mask = str(extra.get("ECLevel", "")), str(extra.get("DataMask", ""))
    if level not in _EC_BITS or not mask.isdigit() or not 0 <= int(mask) < 8:
        return None
    return [int(b) for b in format(_format_word(_EC_BITS[level] << 3 | int(mask)), "015b")]


def _format_distance(bits: Sequence[int]) -> int:
    """Bits away from the nearest valid format word (one copy of 15 bits)."""
    word = int("".join(map(str, bits)), 2)
    return min(bin(word ^ valid).count("1") for valid in _FORMAT_WORDS)


@dataclass(frozen=True)
class FormatMisses:
    """How well a decoded symbol's format information (格式信息) is found where it belongs:
    the bits of both copies (30) that differ from the word the decoder used, read straight and
    read transposed (as a mirrored symbol's would be)."""

    straight: int
    transposed: int
    of: int
    """How many bits were compared (30; 15 when the decoder did not name its word and the
    nearest valid word of the first copy is taken)."""

    @property
    def mirrored(self) -> bool:
        return self.transposed < self.straight


def format_misses(image: Image.Image, result: Any) -> FormatMisses | None:
    """The format bits of ``result`` (a zxing result decoded from ``image``) read at their
    modules, straight and transposed; None for a symbol too small to sample or not a model 2
    QR code. Each module's grey is the mean of its centre (a quarter module each way), cut
    halfway between the symbol's dark and light."""
    levels = _symbol_levels(image, result)
    if levels is None:
        return None
    gray, low, high = levels
    return _sample_format_bits(gray, result, (low + high) / 2)


def _symbol_levels(image: Image.Image, result: Any) -> tuple[Image.Image, int, int] | None:
    """The image in grey and the symbol's dark and light levels (5th and 95th percentiles of
    its box); None for a box too small to measure."""
    box = _corner_box(_result_corners(result), image.size)
    if box[2] - box[0] < 8 or box[3] - box[1] < 8:
        return None
    gray = _gray(image)
    low, high = _percentiles(gray.crop(box), 0.05, 0.95)
    return gray, low, high


def _sample_format_bits(gray: Image.Image, result: Any, cut: float) -> FormatMisses | None:
    """:func:`format_misses` once the symbol's levels are known (dark below ``cut``)."""
    version = str(result.extra.get("Version", "")) if isinstance(result.extra, dict) else ""
    if not version.isdigit():
        return None
    n = 17 + 4 * int(version)
    (x0, y0), (x1, y1), (x2, y2), (x3, y3) = _result_corners(result)
    reach = max(0, int(math.hypot(x1 - x0, y1 - y0) / n / 4))

    def dark(row: int, col: int) -> int:
        u, v = (col + 0.5) / n, (row + 0.5) / n
        x = (1 - u) * (1 - v) * x0 + u * (1 - v) * x1 + u * v * x2 + (1 - u) * v * x3
        y = (1 - u) * (1 - v) * y0 + u * (1 - v) * y1 + u * v * y2 + (1 - u) * v * y3
        xi = min(gray.width - 1, max(0, round(x)))
        yi = min(gray.height - 1, max(0, round(y)))
        patch = (max(0, xi - reach), max(0, yi - reach), xi + reach + 1, yi + reach + 1)
        return 1 if ImageStat.Stat(gray.crop(patch)).mean[0] < cut else 0

    modules = _format_modules(n)
    expected = _expected_format_bits(result.extra)
    if expected is None:  # the decoder did not say: nearest valid word, first copy
        return FormatMisses(
            _format_distance([dark(r, c) for r, c in modules[:15]]),
            _format_distance([dark(c, r) for r, c in modules[:15]]),
            15,
        )
    want = expected + expected
    return FormatMisses(
        sum(dark(r, c) != w for (r, c), w in zip(modules, want, strict=True)),
        sum(dark(c, r) != w for (r, c), w in zip(modules, want, strict=True)),
        len(want),
    )


def _result_corners(result: Any) -> list[tuple[float, float]]:
    p = result.position
    return [
        (p.top_left.x, p.top_left.y),
        (p.top_right.x, p.top_right.y),
        (p.bottom_right.x, p.bottom_right.y),
        (p.bottom_left.x, p.bottom_left.y),
    ]


def _corner_box(
    corners: Sequence[tuple[float, float]], size: tuple[int, int]
) -> tuple[int, int, int, int]:
    xs, ys = [c[0] for c in corners], [c[1] for c in corners]
    return (
        max(0, int(min(xs))),
        max(0, int(min(ys))),
        min(size[0], int(max(xs)) + 1),
        min(size[1], int(max(ys)) + 1),
    )


def _checked(image: Image.Image, result: Any) -> bool:
    """Whether a decoded code is really printed on this side of the sheet: enough contrast,
    and not mirrored. zxing reads mirrored codes (and reports their corners transposed); the
    format bits it decoded (error-correction level and mask) are then found where they belong
    only when the symbol is read transposed (:func:`format_misses`).

    Both copies of the format bits are compared with the word the decoder used: a printed
    code of ours misses none read straight and ≈ 20 of 30 read transposed, a show-through the
    other way round (measured on real forms at 10–30 % show-through). Comparing one copy with
    the nearest of all 32 valid words instead let a blurred show-through pass about once in
    40 batches (the word read straight happened to lie near another valid word)."""
    levels = _symbol_levels(image, result)
    if levels is None:
        return True
    gray, low, high = levels
    if high - low < MIN_CONTRAST:
        return False
    misses = _sample_format_bits(gray, result, (low + high) / 2)
    return misses is None or not misses.mirrored


Where = tuple[float, float, float] | Callable[[float, float], tuple[float, float]]
"""How a searched region's pixels map to the page image's: x offset, y offset, scale — or,
for a turned region, a function of the point."""


def _where(box: Sequence[int], scale: float = 1.0) -> Where:
    return float(box[0]), float(box[1]), scale


class _Search:
    """The codes found so far on one page and whether one has been accepted."""

    def __init__(self, accept: Callable[[str], bool] | None) -> None:
        self.accept = accept
        self.codes: dict[str, None] = {}
        self.spots: list[CodeSpot] = []
        self.effort = "none"
        self.done = False

    def _spot(self, text: str, result: Any, where: Where | None) -> None:
        if where is None:
            return
        p = result.position
        points = [(c.x, c.y) for c in (p.top_left, p.top_right, p.bottom_right, p.bottom_left)]
        if callable(where):
            corners = tuple(where(x, y) for x, y in points)
        else:
            ox, oy, scale = where
            corners = tuple((ox + x * scale, oy + y * scale) for x, y in points)
        cx, cy = sum(c[0] for c in corners) / 4, sum(c[1] for c in corners) / 4
        for old in self.spots:  # the same symbol read again (another attempt, same region)
            ox_, oy_ = sum(c[0] for c in old.corners) / 4, sum(c[1] for c in old.corners) / 4
            if old.text == text and abs(ox_ - cx) + abs(oy_ - cy) < 20:
                return
        self.spots.append(CodeSpot(text, corners))  # type: ignore[arg-type]

    def read(
        self,
        image: Image.Image,
        effort: str,
        *,
        raw: Image.Image | None = None,
        invert: bool = False,
        binarizer: Any = None,
        where: Where | None = None,
    ) -> bool:
        """Decode ``image``; ``raw`` is the same area before any enhancement (same geometry),
        where a code's contrast is checked; ``where`` maps the area's pixels to the page's
        (x offset, y offset, scale) when that is known."""
        options: dict[str, Any] = {"formats": _QR, "try_rotate": False, "try_invert": invert}
        if binarizer is not None:
            options["binarizer"] = binarizer
        for result in zxingcpp.read_barcodes(image, **options):
            text = result.text
            if not text:
                continue
            if text in self.codes:
                self._spot(text, result, where)  # the part's other code, or the same again
                continue
            if not _checked(raw if raw is not None else image, result):
                continue  # show-through from the other side of the sheet
            self._spot(text, result, where)
            self.codes[text] = None
            if self.effort == "none":
                self.effort = effort
            if not self.done and (self.accept is None or self.accept(text)):
                self.effort = effort
                self.done = True
        return self.done

    def regions(
        self,
        images: Iterable[Image.Image],
        effort: str,
        raws: Sequence[Image.Image] | None = None,
        every: bool = False,
        wheres: Sequence[Where | None] | None = None,
        **options: Any,
    ) -> bool:
        """Decode each region until a code is accepted — or, with ``every``, all of them, so
        that a part's second code and any other code of ours elsewhere are seen (the caller
        refuses conflicting pages)."""
        for i, image in enumerate(images):
            found = self.read(
                image,
                effort,
                raw=raws[i] if raws is not None else None,
                where=wheres[i] if wheres is not None else None,
                **options,
            )
            if found and not every:
                return True
        return self.done


def scan_page(
    image: Image.Image, *, accept: Callable[[str], bool] | None = None, dpi: float | None = None
) -> PageScan:
    """Find the QR codes on one page image, cheapest attempt first (module docstring), stopping
    once a code that ``accept`` accepts has been found (``accept`` defaults to any text).

    ``dpi`` is only a hint (the whole-page attempt scales to ≈ 150 dpi, the pen-stroke filter
    is sized to the code's modules); without it the image's long side is taken for A4's.
    ``image`` is not modified (a lazily opened JPEG may get loaded).
    """
    start = time.perf_counter()
    gray = _working_gray(image)
    if is_blank(gray):
        return PageScan((), True, "none", time.perf_counter() - start, grey=gray)
    search = _Search(accept)
    native = dpi or _estimate_dpi(gray.size)
    boxes = _corner_boxes(gray.size)
    corners = [gray.crop(box) for box in boxes]
    if not search.regions(corners, "corner", every=True, wheres=[_where(b) for b in boxes]):
        page = _scaled(gray, native / PAGE_DPI)
        page_where = (0.0, 0.0, gray.width / page.width)
        if not search.read(page, "page", invert=True, where=page_where):
            colour = image if image.mode == "RGB" else None
            _enhanced(search, gray, colour, boxes, corners, page, native)
    return PageScan(
        tuple(search.codes),
        False,
        search.effort,
        time.perf_counter() - start,
        tuple(search.spots),
        grey=gray,
    )


def _working_gray(image: Image.Image) -> Image.Image:
    """``image`` in grey. A colour JPEG not yet decoded (as :func:`iter_pages` yields a scanned
    PDF page) is decoded straight to grey from its bytes, which takes half the time and leaves
    ``image`` itself untouched for whoever needs the colour."""
    if image.mode == "L":
        return image
    fp = getattr(image, "fp", None)
    if (
        image.format == "JPEG"
        and image.mode == "RGB"
        and getattr(image, "tile", None)
        and (isinstance(fp, io.BytesIO))
    ):
        try:
            copy = Image.open(io.BytesIO(fp.getvalue()), formats=("JPEG",))
            copy.draft("L", copy.size)
            copy.load()
        except (OSError, ValueError, SyntaxError):
            pass
        else:
            if copy.mode == "L" and copy.size == image.size:
                return copy
    return image.convert("L")


def _enhanced(
    search: _Search,
    gray: Image.Image,
    colour: Image.Image | None,
    boxes: Sequence[tuple[int, int, int, int]],
    corners: Sequence[Image.Image],
    page: Image.Image,
    dpi: float,
) -> bool:
    """The heavier attempts, in order of likelihood and cost, on the two likeliest corner
    regions (the top right and bottom left of a portrait page), some also on the whole page.
    ``colour`` is the page in colour, if it is."""
    likely = list(corners[:2])
    wheres: list[Where | None] = [_where(b) for b in boxes[:2]]
    page_where = (0.0, 0.0, gray.width / page.width)

    def both(effort: str, transform: Callable[[Image.Image], Image.Image], **options: Any) -> bool:
        name = f"enhanced:{effort}"
        return search.regions(
            [transform(c) for c in likely], name, likely, wheres=wheres, **options
        ) or (search.read(transform(page), name, raw=page, where=page_where, **options))

    # Coloured ink over the code: a red seal vanishes in the red channel of a colour scan;
    # blue or black pen strokes thinner than a module are removed by a grey opening (lighten,
    # then darken) wider than a stroke and narrower than a module; in a grey scan a seal is
    # lighter than toner, so a threshold near the darkest level drops it.
    reds = [colour.crop(box).getchannel("R") for box in boxes[:2]] if colour else None
    inkless = reds if reds is not None else likely
    size = round(0.75 * MODULE_MM / 25.4 * dpi)  # strokes up to ¾ of a module go

    def red_ink() -> bool:
        return reds is not None and search.regions(reds, "enhanced:red-ink", wheres=wheres)

    def pen() -> bool:
        if size < 2:
            return False
        opened = [_open_dark(im, size) for im in inkless]
        return search.regions(opened, "enhanced:pen", inkless, wheres=wheres) or search.regions(
            [_darkest_ink(im) for im in opened], "enhanced:pen", inkless, wheres=wheres
        )

    def upscale() -> bool:
        big = [
            c.resize((c.width * 3 // 2, c.height * 3 // 2), Image.Resampling.BICUBIC)
            for c in likely
        ]
        return search.regions(big, "enhanced:upscale", wheres=[_where(b, 2 / 3) for b in boxes[:2]])

    def deskew() -> bool:
        for angle in (3, -3, 5, -5):
            turned = [
                c.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
                for c in likely
            ]
            back = [
                _unturn(box, crop.size, im.size, angle)
                for box, crop, im in zip(boxes[:2], likely, turned, strict=True)
            ]
            if search.regions(turned, "enhanced:deskew", wheres=back):
                return True
        return False

    def binarizers() -> bool:
        return any(
            search.regions(likely, "enhanced:binarizer", binarizer=b, invert=True, wheres=wheres)
            for b in (zxingcpp.Binarizer.GlobalHistogram, zxingcpp.Binarizer.FixedThreshold)
        )

    attempts: list[Callable[[], bool]] = [
        red_ink,
        pen,
        lambda: both("contrast", lambda im: ImageOps.autocontrast(im, cutoff=1)),
        lambda: both("threshold", _local_threshold),
        lambda: _trimmed(search, gray),
        lambda: search.regions(
            [c.filter(ImageFilter.UnsharpMask(radius=2, percent=200, threshold=0)) for c in likely],
            "enhanced:sharpen",
            likely,
            wheres=wheres,
        ),
        upscale,
        deskew,
        binarizers,
    ]
    return any(attempt() for attempt in attempts)


def _unturn(
    box: Sequence[int], size: tuple[int, int], turned: tuple[int, int], angle: float
) -> Callable[[float, float], tuple[float, float]]:
    """A point of a crop turned by ``angle`` degrees counter-clockwise (Pillow's ``rotate``
    with ``expand``) → the same point on the page the crop was cut from at ``box``."""
    rad = math.radians(angle)
    cos, sin = math.cos(rad), math.sin(rad)
    cx, cy = size[0] / 2, size[1] / 2
    tx, ty = turned[0] / 2, turned[1] / 2

    def back(x: float, y: float) -> tuple[float, float]:
        dx, dy = x - tx, y - ty
        return box[0] + cx + dx * cos - dy * sin, box[1] + cy + dx * sin + dy * cos

    return back


def _extreme(image: Image.Image, size: int, *, lighter: bool, forward: bool) -> Image.Image:
    """A ``size`` × ``size`` max (``lighter``) or min filter made of shifted copies (any size,
    even ones; far faster than Pillow's rank filters). The window is [x - size + 1, x] when
    ``forward``, else [x, x + size - 1], so a forward pass and a backward pass line up."""
    op = ImageChops.lighter if lighter else ImageChops.darker
    out = image
    for horizontal in (True, False):
        acc = out
        for d in range(1, size):
            step = d if forward else -d
            acc = op(
                acc,
                ImageChops.offset(out, step, 0) if horizontal else ImageChops.offset(out, 0, step),
            )
        out = acc
    return out


def _open_dark(gray: Image.Image, size: int) -> Image.Image:
    """Dark marks narrower than ``size`` pixels removed (a grey morphological opening)."""
    return _extreme(
        _extreme(gray, size, lighter=True, forward=True), size, lighter=False, forward=False
    )


def _darkest_ink(gray: Image.Image) -> Image.Image:
    """Only the darkest ink (toner) black: a threshold a quarter of the way from the darkest
    level to the paper, so lighter marks (a seal in a grey scan) turn white."""
    dark, paper = _percentiles(gray, 0.01, 0.6)
    cut = dark + (paper - dark) // 4
    return gray.point(lambda v: 0 if v <= cut else 255)


def _local_threshold(gray: Image.Image) -> Image.Image:
    """Black where a pixel is darker than its neighbourhood (≈ a code's width) by a margin:
    evens out shadows and faded toner."""
    radius = max(8, min(gray.size) // 12)
    mean = gray.filter(ImageFilter.BoxBlur(radius))
    diff = ImageChops.subtract(mean, gray)  # positive where darker than around
    return diff.point(lambda v: 0 if v > 12 else 255)


def _trimmed(search: _Search, source: Image.Image) -> bool:
    """Cut away a dark scanner border, then look at the two likeliest corners of what is
    left."""
    thumb, _ = _thumbnail(source)
    (bright,) = _percentiles(thumb, 0.9)
    paper = thumb.point(lambda v: 255 if v >= bright * 0.6 else 0)
    bbox = paper.getbbox()
    if bbox is None:
        return False
    sx, sy = source.width / thumb.width, source.height / thumb.height
    box = (round(bbox[0] * sx), round(bbox[1] * sy), round(bbox[2] * sx), round(bbox[3] * sy))
    if box[2] - box[0] > 0.97 * source.width and box[3] - box[1] > 0.97 * source.height:
        return False
    inner = source.crop(box)
    inner_boxes = _corner_boxes(inner.size)[:2]
    corners = [_gray(inner.crop(b)) for b in inner_boxes]
    wheres: list[Where | None] = [
        (float(box[0] + b[0]), float(box[1] + b[1]), 1.0) for b in inner_boxes
    ]
    return search.regions(corners, "enhanced:trimmed", wheres=wheres)


# -- many pages --------------------------------------------------------------------------------


def scan_pages(
    pages: Iterable[PageImage],
    *,
    accept: Callable[[str], bool] | None = None,
    workers: int = 2,
    progress: Progress | None = None,
    total: int = 0,
    after: Callable[[PageImage, PageScan], Any] | None = None,
) -> Iterator[tuple[PageImage, PageScan]]:
    """:func:`scan_page` over ``pages`` with ``workers`` threads; results in page order.

    Threads, not processes: zxing, Pillow's JPEG decoder and its filters release the GIL, so
    two threads use both cores without pickling page images (an embedded JPEG is decoded in
    the worker) or the ``accept`` callable (which is called from the workers). The calling
    thread reads ``pages`` (e.g. :func:`iter_pages`) at most ``2 × workers`` pages ahead, so
    memory stays bounded. ``progress(done, total)`` is called after each page (``total`` as
    given, 0 when unknown). If reading ``pages`` fails (a damaged page), the pages read before
    it are scanned and yielded first, then the error is raised. ``after(page, scan)``, if
    given, runs in the worker too, and what it returns is the result's ``extra``.
    """

    def work(page: PageImage) -> PageScan:
        scan = scan_page(page.image, accept=accept, dpi=page.dpi)
        if after is not None:
            scan = replace(scan, extra=after(page, scan))
        return replace(scan, grey=None)  # pages in flight keep only what they need

    done = 0

    def report() -> None:
        nonlocal done
        done += 1
        if progress is not None:
            progress(done, total)

    if workers <= 1:
        for page in pages:
            result = work(page)
            report()
            yield page, result
        return
    source = iter(pages)
    failure: Exception | None = None
    pending: deque[tuple[PageImage, Future[PageScan]]] = deque()
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="yujing-scan") as pool:
        try:
            while failure is None:
                try:
                    page = next(source)
                except StopIteration:
                    break
                except Exception as exc:  # e.g. UnreadableFileError at a damaged page:
                    failure = exc  # the pages read before it are still scanned and yielded
                    break
                pending.append((page, pool.submit(work, page)))
                while len(pending) >= 2 * workers:
                    first, future = pending.popleft()
                    result = future.result()
                    report()
                    yield first, result
            while pending:
                first, future = pending.popleft()
                result = future.result()
                report()
                yield first, result
        finally:
            for _, future in pending:
                future.cancel()
    if failure is not None:
        raise failure
