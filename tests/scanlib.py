"""Degradations for scan tests: each takes a PIL page image and returns a damaged copy.

Every function is deterministic (any randomness comes from a seeded :class:`random.Random`),
works on ``L`` and ``RGB`` pages and never modifies its input. They imitate what happens to a
printed form between the printer and the scan intake: a page fed crooked or upside down, a
low-resolution or heavily compressed scan, sensor noise, an out-of-focus phone photo, a faded
photocopy, the shadow of a hand or phone, keystone distortion, the black lid of a scanner, a
signature or red stamp crossing the code, the blank back of a duplex scan — and the files
scanners write (image-only PDF with one JPEG per page, multi-page 1-bit group 4 TIFF).
"""

from __future__ import annotations

import io
import itertools
import math
import random
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

from PIL import Image, ImageChops, ImageDraw, ImageFilter

Colour = int | tuple[int, int, int]
WHITE: dict[str, Colour] = {"L": 255, "RGB": (255, 255, 255), "1": 1}
BLACK: dict[str, Colour] = {"L": 0, "RGB": (0, 0, 0), "1": 0}


def _page(img: Image.Image) -> Image.Image:
    return img if img.mode in ("L", "RGB") else img.convert("L")


def rotate(
    img: Image.Image, degrees: float, *, resample: Image.Resampling = Image.Resampling.BICUBIC
) -> Image.Image:
    """The page turned counter-clockwise by ``degrees``: exact for multiples of 90 (a page fed
    sideways or upside down), resampled with white corners for a skew such as 3°."""
    turns = {
        90: Image.Transpose.ROTATE_90,
        180: Image.Transpose.ROTATE_180,
        270: Image.Transpose.ROTATE_270,
    }
    d = degrees % 360
    if d == 0:
        return img.copy()
    if d in turns:
        return img.transpose(turns[int(d)])
    page = _page(img)
    return page.rotate(degrees, resample=resample, expand=True, fillcolor=WHITE[page.mode])


def resample(img: Image.Image, from_dpi: float, to_dpi: float) -> Image.Image:
    """The page as scanned at ``to_dpi`` instead of ``from_dpi`` (area averaging, like a
    scanner's optics, when going down)."""
    page = _page(img)
    factor = to_dpi / from_dpi
    size = (max(1, round(page.width * factor)), max(1, round(page.height * factor)))
    method = Image.Resampling.BOX if factor < 1 else Image.Resampling.BICUBIC
    return page.resize(size, method)


def jpeg(img: Image.Image, quality: int) -> Image.Image:
    """A round trip through JPEG at ``quality`` (blocking and ringing around the modules)."""
    buffer = io.BytesIO()
    _page(img).save(buffer, format="JPEG", quality=quality)
    buffer.seek(0)
    out = Image.open(buffer)
    out.load()
    return out


def _noise_layer(size: tuple[int, int], amount: int, rng: random.Random) -> Image.Image:
    """An ``L`` layer centred on 128: triangular noise of ±``amount`` (sum of two uniforms)."""
    n = size[0] * size[1]
    a = Image.frombytes("L", size, rng.randbytes(n))
    b = Image.frombytes("L", size, rng.randbytes(n))
    tri = ImageChops.add(a, b, scale=2.0)  # mean 127.5, triangular on 0..255
    scale = amount / 128
    return tri.point([max(0, min(255, round(128 + (v - 128) * scale))) for v in range(256)])


def noise(
    img: Image.Image, amount: int = 40, *, specks: float = 0.002, seed: int = 0
) -> Image.Image:
    """Sensor noise of up to ±``amount`` grey levels plus ``specks`` (share of pixels) of dust:
    isolated black and white dots."""
    rng = random.Random(seed)
    page = _page(img)
    layer = _noise_layer(page.size, amount, rng)
    bands = [ImageChops.add(band, layer, offset=-128) for band in page.split()]
    out = Image.merge(page.mode, bands)
    if specks > 0:
        draw = ImageDraw.Draw(out)
        for _ in range(int(page.width * page.height * specks)):
            xy = (rng.randrange(page.width), rng.randrange(page.height))
            draw.point(xy, fill=BLACK[page.mode] if rng.random() < 0.5 else WHITE[page.mode])
    return out


def blur(img: Image.Image, radius: float) -> Image.Image:
    """Gaussian blur of ``radius`` pixels (a phone photo slightly out of focus)."""
    return _page(img).filter(ImageFilter.GaussianBlur(radius))


def fade(img: Image.Image, contrast: float) -> Image.Image:
    """A faded photocopy: black becomes grey, white a little grey; ``contrast`` is the share of
    the original black-to-white range that is left (0.3: black prints as light grey)."""
    high = 238
    low = high - contrast * 255
    lut = [round(low + v * (high - low) / 255) for v in range(256)]
    page = _page(img)
    return page.point(lut * len(page.getbands()))


def shadow(img: Image.Image, *, darkest: float = 0.3) -> Image.Image:
    """The soft shadow of a phone and hand over the upper right of a photographed page: the
    light falls to ``darkest`` of the original towards the top-right corner, and the shadow's
    soft edge runs across the form's code."""
    page = _page(img)
    w, h = page.size
    corners = Image.new("L", (2, 2))
    corners.putdata([128, 0, 255, 128])  # dark at the top right, bright at the bottom left
    ramp = corners.resize((w, h), Image.Resampling.BILINEAR, box=(0.5, 0.5, 1.5, 1.5))
    floor = round(255 * darkest)

    def level(v: int) -> int:
        t = min(1.0, max(0.0, (v - 10) / 60))  # the penumbra: ramp values 10..70
        return round(floor + (255 - floor) * t * t * (3 - 2 * t))

    mask = ramp.point([level(v) for v in range(256)])
    if page.mode == "RGB":
        mask = Image.merge("RGB", [mask] * 3)
    return ImageChops.multiply(page, mask)


def _solve(a: list[list[float]], b: list[float]) -> list[float]:
    """Gaussian elimination with partial pivoting (8 × 8 for a perspective transform)."""
    n = len(b)
    m = [[*row, b[i]] for i, row in enumerate(a)]
    for col in range(n):
        pivot = max(range(col, n), key=lambda r: abs(m[r][col]))
        m[col], m[pivot] = m[pivot], m[col]
        for r in range(n):
            if r != col:
                f = m[r][col] / m[col][col]
                m[r] = [x - f * y for x, y in zip(m[r], m[col], strict=True)]
    return [m[i][n] / m[i][i] for i in range(n)]


def perspective(img: Image.Image, *, strength: float = 0.04) -> Image.Image:
    """A mild keystone warp (phone held a little tilted): the top edge is ``strength`` of the
    width narrower on each side than the bottom, and the page leans slightly."""
    page = _page(img)
    w, h = page.size
    s = strength
    # Where each corner of the output comes from in the input (output → input mapping).
    dst = [(0, 0), (w, 0), (w, h), (0, h)]
    src = [(-s * w, -0.01 * h), (w + s * w, 0.01 * h), (w, h), (0, h)]
    a: list[list[float]] = []
    b: list[float] = []
    for (x, y), (u, v) in zip(dst, src, strict=True):
        a.append([x, y, 1, 0, 0, 0, -u * x, -u * y])
        b.append(u)
        a.append([0, 0, 0, x, y, 1, -v * x, -v * y])
        b.append(v)
    coeffs = _solve(a, b)
    return page.transform(
        (w, h),
        Image.Transform.PERSPECTIVE,
        coeffs,
        Image.Resampling.BICUBIC,
        fillcolor=WHITE[page.mode],
    )


def black_border(img: Image.Image, px: int) -> Image.Image:
    """The page on a black scanner lid: ``px`` of black around it (uneven: more at the top and
    right, where the page was not pushed into the corner)."""
    page = _page(img)
    out = Image.new(
        page.mode, (page.width + 2 * px + px // 2, page.height + 2 * px + px // 2), BLACK[page.mode]
    )
    out.paste(page, (px, px + px // 2))
    return out


def scribble(
    img: Image.Image, box: tuple[float, float, float, float], *, stamp: bool = True, seed: int = 0
) -> Image.Image:
    """A pen signature scrawled across ``box`` (fractions of the page: x0, y0, x1, y1) and,
    with ``stamp``, the ring of a red seal (章) whose edge passes through the box."""
    rng = random.Random(seed)
    page = _page(img).convert("RGB")
    w, h = page.size
    x0, y0, x1, y1 = box[0] * w, box[1] * h, box[2] * w, box[3] * h
    ink = Image.new("RGB", page.size, (255, 255, 255))  # inks are translucent: multiplied
    draw = ImageDraw.Draw(ink)
    if stamp:
        r = 21 / 25.4 * (w / (210 / 25.4))  # a 42 mm seal, scaled to the page's width
        # The seal lies below-left of the box; its ring passes through the box's middle.
        cx, cy = (x0 + x1) / 2 - r * 0.7071, (y0 + y1) / 2 + r * 0.7071
        width = max(3, round(w / 350))
        draw.ellipse((cx - r, cy - r, cx + r, cy + r), outline=(220, 45, 45), width=width)
        draw.ellipse(
            (cx - r * 0.25, cy - r * 0.25, cx + r * 0.25, cy + r * 0.25), fill=(220, 45, 45)
        )  # the star of the seal
    # A signature: a looping stroke from the left of the box to its right.
    points = []
    steps = 60
    phase = rng.random() * 6
    for i in range(steps + 1):
        t = i / steps
        x = x0 + t * (x1 - x0) + 0.04 * (x1 - x0) * math.sin(t * 31 + phase)
        y = (y0 + y1) / 2 + (y1 - y0) * (0.32 * math.sin(t * 11 + phase) + 0.12 * math.sin(t * 29))
        points.append((x, y))
    draw.line(points, fill=(25, 35, 95), width=max(2, round(w / 550)), joint="curve")
    page = ImageChops.multiply(page, ink)
    return page if img.mode == "RGB" else page.convert("L")


def blank_page(
    size: tuple[float, float] = (210, 297),
    dpi: float = 200,
    *,
    show_through: Image.Image | None = None,
    strength: float = 0.07,
    seed: int = 0,
) -> Image.Image:
    """The empty back of a duplex scan: ``size`` in millimetres at ``dpi``, slightly grey paper
    with grain and a few specks, and the mirrored, faint show-through of the front
    (``show_through``, a page image, at ``strength`` of its contrast; synthetic lines of text
    when ``None``)."""
    rng = random.Random(seed)
    w, h = round(size[0] / 25.4 * dpi), round(size[1] / 25.4 * dpi)
    paper = 236
    if show_through is not None:
        front = _page(show_through).convert("L").resize((w, h), Image.Resampling.BOX)
        front = front.transpose(Image.Transpose.FLIP_LEFT_RIGHT)
        front = front.filter(ImageFilter.GaussianBlur(dpi / 100))
        base = front.point([round(paper - (255 - v) * strength) for v in range(256)])
    else:
        base = Image.new("L", (w, h), paper)
        draw = ImageDraw.Draw(base)
        line_h = dpi / 6
        y = dpi * 1.0
        while y < h - dpi:
            x_end = w - dpi * (0.8 + rng.random() * 2)
            draw.rectangle((dpi * 0.9, y, x_end, y + line_h * 0.45), fill=paper - 12)
            y += line_h
        base = base.filter(ImageFilter.GaussianBlur(dpi / 50))
    out = ImageChops.add(base, _noise_layer((w, h), 10, rng), offset=-128)
    draw = ImageDraw.Draw(out)
    for _ in range(int(w * h * 0.0002)):
        draw.point((rng.randrange(w), rng.randrange(h)), fill=rng.randrange(60, 160))
    return out


def make_pdf(
    images: Iterable[Image.Image], path: Path, dpi: float = 200, *, quality: int = 75
) -> Path:
    """An image-only PDF as a scanner writes it: one JPEG per page (``L`` pages grey, others
    colour), each page exactly the image's size at ``dpi``. ``images`` may be any iterable
    (a generator keeps memory flat for long files). 1-bit pages are written by Pillow with
    one CCITT group 4 image per page instead."""
    pages = iter(images)
    first = next(pages)
    if first.mode == "1":
        rest = [im.convert("1") for im in pages]
        first.save(path, format="PDF", save_all=True, append_images=rest, resolution=dpi)
        return path

    def encoded() -> Iterator[tuple[bytes, int, int, str]]:
        for im in itertools.chain([first], pages):
            page = im if im.mode in ("L", "RGB") else im.convert("RGB")
            buffer = io.BytesIO()
            page.save(buffer, format="JPEG", quality=quality)
            yield buffer.getvalue(), page.width, page.height, page.mode

    return write_jpeg_pdf(encoded(), path, dpi)


def write_jpeg_pdf(
    jpegs: Iterable[tuple[bytes, int, int, str]], path: Path, dpi: float = 200
) -> Path:
    """A PDF of one full-page JPEG per page from ``(jpeg bytes, width, height, mode)``,
    written as it comes (objects: 1 catalog, 2 page tree, then page, content, image per
    page)."""
    offsets: list[int] = []
    kids: list[int] = []
    with path.open("wb") as fh:
        fh.write(b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")

        def obj(number: int, body: bytes, stream: bytes | None = None) -> None:
            while len(offsets) < number:
                offsets.append(0)
            offsets[number - 1] = fh.tell()
            fh.write(f"{number} 0 obj\n".encode() + body)
            if stream is not None:
                fh.write(b"\nstream\n" + stream + b"\nendstream")
            fh.write(b"\nendobj\n")

        number = 2
        for data, width, height, mode in jpegs:
            page, content, image = number + 1, number + 2, number + 3
            number = image
            w_pt, h_pt = width * 72 / dpi, height * 72 / dpi
            draw = f"q {w_pt:.2f} 0 0 {h_pt:.2f} 0 0 cm /Im0 Do Q".encode()
            obj(
                page,
                (
                    f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 {w_pt:.2f} {h_pt:.2f}] "
                    f"/Resources << /XObject << /Im0 {image} 0 R >> >> "
                    f"/Contents {content} 0 R >>"
                ).encode(),
            )
            obj(content, f"<< /Length {len(draw)} >>".encode(), draw)
            space = "/DeviceGray" if mode == "L" else "/DeviceRGB"
            obj(
                image,
                (
                    f"<< /Type /XObject /Subtype /Image /Width {width} /Height {height} "
                    f"/ColorSpace {space} /BitsPerComponent 8 /Filter /DCTDecode "
                    f"/Length {len(data)} >>"
                ).encode(),
                data,
            )
            kids.append(page)
        refs = " ".join(f"{k} 0 R" for k in kids)
        obj(2, f"<< /Type /Pages /Kids [{refs}] /Count {len(kids)} >>".encode())
        obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
        xref = fh.tell()
        fh.write(f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode())
        for offset in offsets:
            fh.write(f"{offset:010d} 00000 n \n".encode())
        fh.write(
            f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n"
            "%%EOF\n".encode()
        )
    return path


def to_bilevel(img: Image.Image, threshold: int = 150) -> Image.Image:
    """A 1-bit copy, thresholded as fax-mode scanners do (no dithering)."""
    return _page(img).convert("L").point(lambda v: 255 if v > threshold else 0, mode="1")


def make_tiff(
    images: Sequence[Image.Image], path: Path, bilevel: bool = True, *, dpi: float = 200
) -> Path:
    """A multi-page TIFF: 1-bit group 4 (fax) pages when ``bilevel`` (the default), else 8-bit
    grey with LZW."""
    pages = [to_bilevel(im) if bilevel else _page(im).convert("L") for im in images]
    pages[0].save(
        path,
        format="TIFF",
        save_all=True,
        append_images=pages[1:],
        compression="group4" if bilevel else "tiff_lzw",
        dpi=(dpi, dpi),
    )
    return path


def _ink_on(
    page: Image.Image, box: tuple[float, float, float, float], draw_ink: Any
) -> Image.Image:
    """``page`` (RGB) with translucent ink multiplied in, drawn by ``draw_ink(draw, dx, dy)``
    on a layer covering only ``box`` (pixels, with a margin) — a full-page layer per stroke
    costs ten times as much."""
    pad = max(8, page.width // 40)
    x0, y0 = max(0, int(box[0]) - pad), max(0, int(box[1]) - pad)
    x1, y1 = min(page.width, int(box[2]) + pad), min(page.height, int(box[3]) + pad)
    if x1 <= x0 or y1 <= y0:
        return page
    region = page.crop((x0, y0, x1, y1))
    ink = Image.new("RGB", region.size, (255, 255, 255))
    draw_ink(ImageDraw.Draw(ink), -x0, -y0)
    page.paste(ImageChops.multiply(region, ink), (x0, y0))  # page is the caller's own copy
    return page


def _pen_stroke(
    draw: ImageDraw.ImageDraw,
    box: tuple[float, float, float, float],
    rng: random.Random,
    *,
    colour: tuple[int, int, int],
    width: int,
    loops: float,
) -> None:
    x0, y0, x1, y1 = box
    points = []
    steps = 40
    phase = rng.random() * 6
    amp = rng.uniform(0.25, 0.42)
    for i in range(steps + 1):
        t = i / steps
        x = x0 + t * (x1 - x0) + 0.05 * (x1 - x0) * math.sin(t * loops * 3 + phase)
        y = (y0 + y1) / 2 + (y1 - y0) * (amp * math.sin(t * loops + phase) + 0.1 * math.sin(t * 23))
        points.append((x, y))
    draw.line(points, fill=colour, width=width, joint="curve")


def signature(
    img: Image.Image, box: tuple[float, float, float, float], *, seed: int = 0
) -> Image.Image:
    """A handwritten signature (two or three pen strokes: surname and given name, in blue or
    black ink, 0.3–0.6 mm wide) inside ``box`` (fractions of the page)."""
    rng = random.Random(seed)
    page = _page(img).convert("RGB")
    w, h = page.size
    x0, y0, x1, y1 = box[0] * w, box[1] * h, box[2] * w, box[3] * h
    # a signature fills part of the blank, not all of it
    bw, bh = x1 - x0, y1 - y0
    sx0 = x0 + bw * rng.uniform(0.05, 0.3)
    sx1 = min(x1 - bw * 0.05, sx0 + bw * rng.uniform(0.45, 0.7))
    sy0, sy1 = y0 + bh * rng.uniform(0.1, 0.3), y1 - bh * rng.uniform(0.1, 0.3)
    colour = (25, 35, 95) if rng.random() < 0.6 else (35, 35, 40)
    width = max(2, round(w / 210 * rng.uniform(0.3, 0.6)))
    strokes = rng.choice((2, 3))
    step = (sx1 - sx0) / strokes
    loops = [rng.uniform(9, 16) for _ in range(strokes)]

    def draw_ink(draw: ImageDraw.ImageDraw, dx: float, dy: float) -> None:
        for k in range(strokes):
            part = (sx0 + k * step + dx, sy0 + dy, sx0 + (k + 0.85) * step + dx, sy1 + dy)
            _pen_stroke(draw, part, rng, colour=colour, width=width, loops=loops[k])

    page = _ink_on(page, (x0, y0, x1, y1), draw_ink)
    return page if img.mode == "RGB" else page.convert("L")


def handwriting(
    img: Image.Image, box: tuple[float, float, float, float], *, seed: int = 0
) -> Image.Image:
    """Lines of handwritten notes (characters as small pen scribbles, blue or black) filling
    ``box`` (fractions of the page) — what a teacher writes into a form's body."""
    rng = random.Random(seed)
    page = _page(img).convert("RGB")
    w, h = page.size
    x0, y0, x1, y1 = box[0] * w, box[1] * h, box[2] * w, box[3] * h
    char = w / 210 * rng.uniform(3.5, 5.0)  # 3.5–5 mm characters
    colour = (25, 35, 95) if rng.random() < 0.6 else (35, 35, 40)
    width = max(2, round(w / 210 * 0.35))

    def draw_ink(draw: ImageDraw.ImageDraw, dx: float, dy: float) -> None:
        y = y0
        while y + char <= y1:
            x = x0 + rng.uniform(0, 2 * char)
            end = x1 - rng.uniform(0, 0.4) * (x1 - x0)
            while x + char <= end:
                glyph = (x + dx, y + dy, x + char * 0.9 + dx, y + char + dy)
                _pen_stroke(draw, glyph, rng, colour=colour, width=width, loops=6)
                x += char * rng.uniform(1.0, 1.2)
            y += char * 1.8

    page = _ink_on(page, (x0, y0, x1, y1), draw_ink)
    return page if img.mode == "RGB" else page.convert("L")


def pen_stroke_across(
    img: Image.Image, box: tuple[float, float, float, float], *, seed: int = 0
) -> Image.Image:
    """A heavy pen stroke (≈ 1 mm, several passes) scrawled across ``box`` (fractions of the
    page) — e.g. across one of a page's codes."""
    rng = random.Random(seed)
    page = _page(img).convert("RGB")
    w, h = page.size
    x0, y0, x1, y1 = box[0] * w, box[1] * h, box[2] * w, box[3] * h
    width = max(3, round(w / 210 * 1.0))
    ends = [
        (
            (x0 + rng.uniform(-0.1, 0.1) * (x1 - x0), y0 + rng.uniform(0, 1) * (y1 - y0)),
            ((x0 + x1) / 2, (y0 + y1) / 2 + rng.uniform(-0.2, 0.2) * (y1 - y0)),
            (x1 + rng.uniform(-0.1, 0.1) * (x1 - x0), y0 + rng.uniform(0, 1) * (y1 - y0)),
        )
        for _ in range(3)
    ]

    def draw_ink(draw: ImageDraw.ImageDraw, dx: float, dy: float) -> None:
        for line in ends:
            draw.line(
                [(x + dx, y + dy) for x, y in line], fill=(20, 25, 60), width=width, joint="curve"
            )

    page = _ink_on(page, (x0, y0, x1, y1), draw_ink)
    return page if img.mode == "RGB" else page.convert("L")
