"""The page reader of the scan intake, on a REAL print.pdf: every page is rasterised at 200 dpi,
damaged the ways scanners and phones damage pages (tests/scanlib.py), packed into the files
scanners write, and read back: the right code must be found and verified on every page, blank
backs recognised, corrupt files refused with a message naming them.

Decoding per degradation (4 form pages of 4 different forms each; measured on all 26 form pages
of the batch too, with the same result): clean, 90°/180°/270°, ±3° skew, 150 dpi, JPEG q30,
noise, blur 1.5, faded copy (30 % contrast), shadow, keystone, black border, an underexposed
photo, a scanner's mix of skew, 150 dpi, noise and JPEG — all found at the cheapest level
("corner", ≈ 10 ms a page); a signature and a red seal across the code's finder corner — found
by the ink filters ("enhanced:red-ink" / "enhanced:pen", ≈ 50–100 ms). Cannot be read and is
reported as "no code": a code 60 % covered (a sticker). Never reported: the mirrored
show-through of the other side of the sheet, which zxing itself does decode.
"""

from __future__ import annotations

import io
import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import scanlib
import zxingcpp
from conftest import TERM, sample_workspace
from PIL import Image, ImageChops, ImageDraw, ImageEnhance, ImageStat
from pypdf import PdfReader, PdfWriter
from sysparts import requires

from yujing.archive.reader import (
    SUPPORTED_SUFFIXES,
    PageImage,
    PageScan,
    format_misses,
    ink_ratio,
    is_blank,
    iter_pages,
    render_pdf_page,
    scan_page,
    scan_pages,
)
from yujing.errors import UnreadableFileError
from yujing.generator.batch import issue
from yujing.qr import load_secret, make_payload, qr_png, verify

QR = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
pytestmark = requires("soffice")


@dataclass(frozen=True)
class Page:
    """One page of the real print.pdf at 200 dpi and the code printed on it (None: a cover)."""

    number: int
    image: Image.Image
    code: str | None
    box: tuple[float, float, float, float] | None
    """Where the code is, as fractions of the page (x0, y0, x1, y1)."""
    box2: tuple[float, float, float, float] | None = None
    """Where the part's second code is (bottom left)."""


@dataclass(frozen=True)
class Printed:
    pdf: Path
    secret: bytes
    pages: tuple[Page, ...]

    @property
    def forms(self) -> list[Page]:
        """The pages of the students' forms (two codes each; not the class cover sheets)."""
        return [p for p in self.pages if p.code is not None and p.box2 is not None]

    def sample(self) -> list[Page]:
        """Four form pages of four different forms (parts N1, N2, T1, H1 …)."""
        chosen: dict[str, Page] = {}
        for page in self.forms:
            assert page.code is not None
            chosen.setdefault(page.code.split(".")[2], page)
        return list(chosen.values())[:4]

    def accept(self, text: str) -> bool:
        return verify(self.secret, text).ok


@pytest.fixture(scope="module")
def printed(tmp_path_factory: pytest.TempPathFactory) -> Printed:
    """A real print.pdf, issued as in tests/test_issue.py, rasterised by PDFium at 200 dpi; the
    codes are located with zxing directly (not with the code under test): the part's main code
    (top right) gives the box, its second code (bottom left, smaller) ``box2``."""
    root = tmp_path_factory.mktemp("reader")
    ws = sample_workspace(root / "ws", freeze=True)
    try:
        (result,) = issue(ws, TERM)
        assert result.pdf is not None
        secret = load_secret(ws.root)
        issued = {p["payload"] for p in ws.registry.issued_parts()}
        # the class cover sheets carry codes too (part Z0, see test_college_docs)
        issued |= {
            make_payload(secret, d["serial"], d["part"]) for d in ws.registry.college_docs(TERM)
        }
    finally:
        ws.close()
    pages = []
    for number in range(1, result.pages + 1):
        image = render_pdf_page(result.pdf, number, 200).convert("RGB")
        found = zxingcpp.read_barcodes(image, formats=QR)
        code = box = box2 = None
        if found:
            code = found[0].text
            assert {hit.text for hit in found} == {code}
            if len(found) == 1:  # a class cover sheet (发放单): one code, part Z0
                assert ".Z0." in code, code
                box = _box(found[0], *image.size)
                pages.append(Page(number, image, code, box, None))
                continue
            assert len(found) == 2  # each part of a form: two codes
            w, h = image.size
            boxes = []
            for hit in found:
                p = hit.position
                xs = [p.top_left.x, p.top_right.x, p.bottom_right.x, p.bottom_left.x]
                ys = [p.top_left.y, p.top_right.y, p.bottom_right.y, p.bottom_left.y]
                boxes.append((min(xs) / w, min(ys) / h, max(xs) / w, max(ys) / h))
            box, box2 = sorted(boxes, key=lambda b: b[1])  # top right first
            assert box[0] > 0.5 and box2[0] < 0.2 and box2[1] > 0.85
        pages.append(Page(number, image, code, box, box2))
    found_codes = {p.code for p in pages if p.code}
    assert found_codes == issued and len(pages) == result.pages
    return Printed(result.pdf, secret, tuple(pages))


def _box(hit: Any, w: int, h: int) -> tuple[float, float, float, float]:
    p = hit.position
    xs = [p.top_left.x, p.top_right.x, p.bottom_right.x, p.bottom_left.x]
    ys = [p.top_left.y, p.top_right.y, p.bottom_right.y, p.bottom_left.y]
    return min(xs) / w, min(ys) / h, max(xs) / w, max(ys) / h


def assert_reads(printed: Printed, page: Page, image: Image.Image) -> PageScan:
    scan = scan_page(image, accept=printed.accept)
    assert not scan.blank
    assert page.code in scan.codes, (page.number, scan)
    assert verify(printed.secret, page.code).ok
    assert [c for c in scan.codes if printed.accept(c)] == [page.code]
    return scan


def corner_of_code(page: Page) -> tuple[float, float, float, float]:
    """A box across the code's lower-left corner (its finder pattern) and the margin below."""
    assert page.box is not None
    x0, y0, x1, y1 = page.box
    w, h = x1 - x0, y1 - y0
    return (x0 - 0.3 * w, y0 + 0.55 * h, x0 + 0.45 * w, y1 + 0.3 * h)


def across(box: tuple[float, float, float, float]) -> tuple[float, float, float, float]:
    """A box a little larger than a code: a pen stroke scrawled across it goes edge to edge."""
    x0, y0, x1, y1 = box
    return (x0 - 0.01, y0 + 0.2 * (y1 - y0), x1 + 0.01, y1 - 0.2 * (y1 - y0))


def both_signed_over(page: Page) -> Image.Image:
    """A signature and seal across the main code's corner, a heavy stroke across the second."""
    once = scanlib.scribble(page.image, corner_of_code(page), seed=page.number)
    assert page.box2 is not None
    return scanlib.pen_stroke_across(once, across(page.box2), seed=page.number)


Degrade = Callable[[Page], Image.Image]
DEGRADATIONS: dict[str, tuple[Degrade, str]] = {
    # name: (how, the efforts that may find the code, "|"-separated)
    "clean": (lambda p: p.image, "corner"),
    "rotated 90": (lambda p: scanlib.rotate(p.image, 90), "corner"),
    "rotated 180": (lambda p: scanlib.rotate(p.image, 180), "corner"),
    "rotated 270": (lambda p: scanlib.rotate(p.image, 270), "corner"),
    "skew 3°": (lambda p: scanlib.rotate(p.image, 3), "corner"),
    "skew -3°": (lambda p: scanlib.rotate(p.image, -3), "corner"),
    "150 dpi": (lambda p: scanlib.resample(p.image, 200, 150), "corner"),
    "JPEG q30": (lambda p: scanlib.jpeg(p.image, 30), "corner"),
    "noise": (lambda p: scanlib.noise(p.image, 40, seed=p.number), "corner"),
    "blur 1.5": (lambda p: scanlib.blur(p.image, 1.5), "corner"),
    "faded copy": (lambda p: scanlib.fade(p.image, 0.3), "corner"),
    "shadow": (lambda p: scanlib.shadow(p.image), "corner"),
    "perspective": (lambda p: scanlib.perspective(p.image), "corner"),
    "black border": (lambda p: scanlib.black_border(p.image, 80), "corner"),
    "underexposed photo": (
        lambda p: scanlib.noise(ImageEnhance.Brightness(p.image).enhance(0.3), 10, seed=p.number),
        "corner",
    ),
    "scanner mix": (
        lambda p: scanlib.jpeg(
            scanlib.noise(
                scanlib.rotate(scanlib.resample(p.image, 200, 150), 2), 20, seed=p.number
            ),
            50,
        ),
        "corner",
    ),
    # over both of the part's codes (over one, the other is read at the first level)
    "signature and seal over the codes' corners": (
        lambda p: both_signed_over(p),
        "page|enhanced:red-ink|enhanced:pen",
    ),
    "signature and seal, grey scan": (
        lambda p: both_signed_over(p).convert("L"),
        "page|enhanced:pen",
    ),
}


@pytest.mark.parametrize("name", list(DEGRADATIONS))
def test_the_code_is_found_and_verified_on_damaged_pages(printed: Printed, name: str) -> None:
    degrade, effort = DEGRADATIONS[name]
    for page in printed.sample():
        scan = assert_reads(printed, page, degrade(page))
        assert scan.effort in effort.split("|"), (name, page.number, scan)


@pytest.mark.parametrize("which", ["main code", "second code"])
def test_a_pen_stroke_across_one_code_files_the_page_by_the_other(
    printed: Printed, which: str
) -> None:
    """Each part prints its code twice: a heavy pen stroke across either one still leaves the
    page read at the cheapest level, by the other code, on every form page of the batch."""
    for page in printed.forms:
        assert page.box is not None and page.box2 is not None
        box = page.box if which == "main code" else page.box2
        struck = scanlib.pen_stroke_across(page.image, across(box), seed=page.number)
        # the struck code alone is unreadable (checked on the struck region by zxing itself)
        w, h = struck.size
        x0, y0, x1, y1 = box
        pad = 0.03
        alone = struck.crop(
            (int((x0 - pad) * w), int((y0 - pad) * h), int((x1 + pad) * w), int((y1 + pad) * h))
        )
        assert not zxingcpp.read_barcodes(alone, formats=QR), (which, page.number)
        scan = assert_reads(printed, page, struck)
        assert scan.effort == "corner"
        assert len([s for s in scan.spots if s.text == page.code]) == 1


def test_both_codes_are_seen_and_their_corners_kept(printed: Printed) -> None:
    """On a clean page both of a part's codes are read (the reader cross-checks them) and the
    four corners of each are reported in page pixels, in the symbol's own order."""
    for page in printed.forms:
        scan = scan_page(page.image, accept=printed.accept)
        spots = [s for s in scan.spots if s.text == page.code]
        assert len(spots) == 2, page.number
        w, h = page.image.size
        for spot, box in zip(
            sorted(spots, key=lambda s: s.corners[0][1]), (page.box, page.box2), strict=True
        ):
            assert box is not None
            (tlx, tly), (trx, _), _, (_, bly) = spot.corners
            assert abs(tlx / w - box[0]) < 0.005 and abs(tly / h - box[1]) < 0.005
            assert trx > tlx and bly > tly  # upright page: the symbol's own order


def test_every_page_of_the_print_pdf_reads_cleanly(printed: Printed) -> None:
    for page in printed.pages:
        scan = scan_page(page.image, accept=printed.accept)
        assert not scan.blank and not is_blank(page.image)
        if page.code is None:  # a class cover sheet: no code anywhere, every attempt made
            assert scan.codes == () and scan.effort == "none"
        else:
            assert scan.codes == (page.code,) and scan.effort == "corner"


def test_a_code_half_covered_is_reported_as_no_code(printed: Printed) -> None:
    page = printed.sample()[0]
    assert page.box is not None
    covered = page.image.copy()
    w, h = covered.size
    x0, y0, x1, y1 = page.box
    ImageDraw.Draw(covered).rectangle(
        (x0 * w, y0 * h, (x0 + (x1 - x0) * 0.6) * w, y1 * h), fill=(255, 255, 255)
    )  # a sticker over 60 % of the code
    assert page.box2 is not None
    a0, b0, a1, b1 = page.box2
    ImageDraw.Draw(covered).rectangle(
        (a0 * w, b0 * h, (a0 + (a1 - a0) * 0.6) * w, b1 * h), fill=(255, 255, 255)
    )  # and another over the second code
    scan = scan_page(covered, accept=printed.accept)
    assert scan == PageScan((), False, "none", scan.seconds)


WECHAT = "HTTPS://WEIXIN.QQ.COM/G/AB12CD"


def test_a_foreign_code_beside_ours_is_kept_for_the_caller(printed: Printed) -> None:
    page = printed.sample()[0]
    foreign = Image.open(io.BytesIO(qr_png(WECHAT, box_size=6)))  # a class group's code
    with_foreign = page.image.copy()
    with_foreign.paste(foreign.convert("RGB"), (1100, 250))  # top right, beside ours
    scan = scan_page(with_foreign)  # no accept: stops at the first code, whichever it is
    assert scan.codes and scan.effort == "corner"
    both = scan_page(with_foreign, accept=printed.accept)
    assert page.code in both.codes
    # a page with only a foreign code: every attempt made, the code kept, none accepted
    only = page.image.copy()
    assert page.box is not None
    x0, y0, x1, y1 = page.box
    w, h = only.size
    ImageDraw.Draw(only).rectangle(
        (x0 * w - 5, y0 * h - 5, x1 * w + 5, y1 * h + 5), fill=(255, 255, 255)
    )
    assert page.box2 is not None
    a0, b0, a1, b1 = page.box2
    ImageDraw.Draw(only).rectangle(
        (a0 * w - 5, b0 * h - 5, a1 * w + 5, b1 * h + 5), fill=(255, 255, 255)
    )
    only.paste(foreign.convert("RGB"), (1100, 250))
    scan = scan_page(only, accept=printed.accept)
    assert scan.codes == (WECHAT,)
    assert not any(printed.accept(c) for c in scan.codes)


# -- blank pages ------------------------------------------------------------------------------


def blank_backs(printed: Printed) -> dict[str, Image.Image]:
    front = printed.sample()[0].image
    return {
        "plain": scanlib.blank_page(seed=1),
        "show-through": scanlib.blank_page(show_through=front, seed=2),
        "show-through and noise": scanlib.noise(
            scanlib.blank_page(show_through=front, seed=3), 40, seed=3
        ),
        "show-through, JPEG": scanlib.jpeg(scanlib.blank_page(show_through=front, seed=4), 40),
        "black border": scanlib.black_border(scanlib.blank_page(show_through=front, seed=5), 60),
        "skewed, black border": scanlib.black_border(
            scanlib.rotate(scanlib.blank_page(show_through=front, seed=6), 2), 40
        ),
        "phone shadow": scanlib.shadow(scanlib.blank_page(show_through=front, seed=7)),
        "1-bit fax": scanlib.to_bilevel(scanlib.blank_page(show_through=front, seed=8)),
        "300 dpi": scanlib.blank_page(dpi=300, show_through=front, seed=9),
    }


def test_blank_backs_are_blank_and_no_code_is_looked_for(printed: Printed) -> None:
    for name, back in blank_backs(printed).items():
        assert is_blank(back), name
        scan = scan_page(back, accept=printed.accept)
        assert scan.blank and scan.codes == () and scan.effort == "none", name


def test_dim_photos_are_judged_on_their_own_paper_level(printed: Printed) -> None:
    page = printed.sample()[0]
    dim = ImageEnhance.Brightness(scanlib.blank_page(show_through=page.image)).enhance(0.3)
    assert is_blank(scanlib.noise(dim, 8))
    assert not is_blank(ImageEnhance.Brightness(page.image).enhance(0.3))
    # nothing but black (a scanner's lid over an empty bed): not called blank, looked at
    black = Image.new("L", page.image.size, 10)
    assert not is_blank(black)
    scan = scan_page(black)
    assert not scan.blank and scan.codes == ()


def test_no_form_page_is_blank_however_damaged(printed: Printed) -> None:
    for page in printed.pages:
        for damaged in (
            page.image,
            scanlib.fade(page.image, 0.15),
            scanlib.shadow(scanlib.fade(page.image, 0.3), darkest=0.2),
            scanlib.black_border(scanlib.blur(page.image, 2), 100),
            scanlib.to_bilevel(scanlib.resample(page.image, 200, 100)),
        ):
            assert not is_blank(damaged), page.number


def test_a_strong_mirrored_show_through_never_yields_a_code(printed: Printed) -> None:
    for page in printed.sample():
        for strength in (0.1, 0.2, 0.3):
            back = scanlib.blank_page(show_through=page.image, strength=strength)
            # zxing itself decodes the mirrored code of the other side ...
            raw = zxingcpp.read_barcodes(back.convert("L"), formats=QR)
            assert all(r.text == page.code for r in raw)
            # ... the reader does not report it (blank, or a page with no code of its own)
            scan = scan_page(back, accept=printed.accept)
            assert scan.codes == (), (page.number, strength)


def test_the_mirror_check_has_a_wide_margin_on_every_form_page(printed: Printed) -> None:
    """The decision above rests on the format bits (30 modules): on every form page of the
    batch, each printed code matches read straight and misses ≥ 12 bits read transposed, and
    its show-through (10–30 %) misses ≥ 12 read straight and ≥ 5 more than read transposed —
    so a payload that happens to lie near another valid format word (random each batch: the
    signature) cannot tip it (the first check, nearest word of one copy, let one batch in
    about 40 through; CI saw it). Measured over 8 batches (416 printed codes, 877 decoded
    show-throughs): printed 0 / 21 always; show-through straight ≥ 16, transposed ≤ 7, the
    gap ≥ 10."""
    for page in printed.forms:
        gray = page.image.convert("L")
        for hit in zxingcpp.read_barcodes(gray, formats=QR):
            misses = format_misses(gray, hit)
            assert misses is not None and misses.of == 30, page.number
            assert misses.straight <= 2 and misses.transposed >= 12, (page.number, misses)
        for strength in (0.1, 0.2, 0.3):
            back = scanlib.blank_page(show_through=page.image, strength=strength)
            for hit in zxingcpp.read_barcodes(back, formats=QR):
                misses = format_misses(back, hit)
                assert misses is not None and misses.mirrored, (page.number, strength)
                assert misses.straight >= 12, (page.number, strength, misses)
                assert misses.straight - misses.transposed >= 5, (page.number, strength, misses)


def test_ink_ratio_sees_a_signature_not_the_paper(printed: Printed) -> None:
    page = printed.sample()[0]
    empty = (0.30, 0.92, 0.60, 0.98)  # the bottom margin below the form
    assert ink_ratio(page.image, empty) < 0.001
    assert ink_ratio(scanlib.shadow(scanlib.fade(page.image, 0.4)), empty) < 0.001
    assert ink_ratio(scanlib.noise(page.image, 30), empty) < 0.002
    signed = scanlib.scribble(page.image, (0.35, 0.93, 0.55, 0.97), stamp=False)
    assert ink_ratio(signed, empty) > 0.01
    assert ink_ratio(page.image, (0.05, 0.0, 0.95, 1.0)) > 0.02  # the printed form itself
    with pytest.raises(ValueError, match="fractions"):
        ink_ratio(page.image, (0.5, 0.5, 0.4, 0.6))


# -- files ------------------------------------------------------------------------------------


def pages_of(path: Path) -> list[PageImage]:
    return list(iter_pages(path))


def test_image_only_pdf_pages_are_taken_without_rendering(printed: Printed, tmp_path: Path) -> None:
    sample = printed.sample()
    rng = random.Random(1)
    scans = [
        scanlib.noise(scanlib.rotate(p.image, rng.uniform(-2, 2)), 15, seed=p.number)
        for p in sample
    ]
    for mode in ("RGB", "L", "1"):
        path = scanlib.make_pdf(
            [s.convert(mode) if mode != "1" else scanlib.to_bilevel(s) for s in scans],
            tmp_path / f"scan-{mode}.pdf",
            dpi=200,
        )
        read = pages_of(path)
        assert [p.page for p in read] == list(range(1, len(sample) + 1))
        for page, expected in zip(read, sample, strict=True):
            assert page.origin == "embedded" and page.source == path, mode
            assert page.dpi is not None and abs(page.dpi - 200) < 1
            assert page.image.size == scans[page.page - 1].size
            assert_reads(printed, expected, page.image)


def test_scan_pages_keeps_order_and_reports_progress(printed: Printed, tmp_path: Path) -> None:
    forms = printed.forms[:10]
    path = scanlib.make_pdf(
        [scanlib.blank_page(seed=1)] + [p.image for p in forms], tmp_path / "scan.pdf"
    )
    calls: list[tuple[int, int]] = []
    results = list(
        scan_pages(
            iter_pages(path),
            accept=printed.accept,
            progress=lambda done, total: calls.append((done, total)),
            total=len(forms) + 1,
        )
    )
    assert [page.page for page, _ in results] == list(range(1, len(forms) + 2))
    assert results[0][1].blank
    assert [scan.codes for _, scan in results[1:]] == [(p.code,) for p in forms]
    assert calls == [(i, len(forms) + 1) for i in range(1, len(forms) + 2)]
    single = [scan.codes for _, scan in scan_pages(iter_pages(path), workers=1)]
    assert single == [scan.codes for _, scan in results]


def test_a_page_rotated_by_the_pdf_is_turned(printed: Printed, tmp_path: Path) -> None:
    page = printed.sample()[0]
    path = scanlib.make_pdf([page.image], tmp_path / "scan.pdf")
    writer = PdfWriter(clone_from=PdfReader(path))
    writer.pages[0].rotate(90)
    turned = tmp_path / "turned.pdf"
    writer.write(turned)
    (read,) = pages_of(turned)
    assert read.origin == "embedded" and read.image.size == (page.image.height, page.image.width)
    assert_reads(printed, page, read.image)


def test_the_print_pdf_itself_is_rendered(printed: Printed) -> None:
    read = pages_of(printed.pdf)
    assert len(read) == len(printed.pages)
    for page, expected in zip(read, printed.pages, strict=True):
        assert page.origin == "rendered" and page.dpi == 200
        assert page.image.size == expected.image.size
        scan = scan_page(page.image, accept=printed.accept)
        assert scan.codes == ((expected.code,) if expected.code else ())


def test_a_mixed_pdf_renders_only_its_born_digital_pages(printed: Printed, tmp_path: Path) -> None:
    sample = printed.sample()
    scanned = scanlib.make_pdf([p.image for p in sample[:2]], tmp_path / "scan.pdf")
    writer = PdfWriter()
    scan_reader, print_reader = PdfReader(scanned), PdfReader(printed.pdf)
    writer.add_page(scan_reader.pages[0])
    writer.add_page(print_reader.pages[sample[2].number - 1])
    writer.add_page(print_reader.pages[sample[3].number - 1])
    writer.add_page(scan_reader.pages[1])
    mixed = tmp_path / "mixed.pdf"
    writer.write(mixed)
    read = pages_of(mixed)
    assert [p.origin for p in read] == ["embedded", "rendered", "rendered", "embedded"]
    assert [p.page for p in read] == [1, 2, 3, 4]
    for page, expected in zip(read, [sample[0], sample[2], sample[3], sample[1]], strict=True):
        assert_reads(printed, expected, page.image)


@pytest.mark.parametrize("bilevel", [True, False], ids=["1-bit group 4", "8-bit grey"])
def test_multi_page_tiff(printed: Printed, tmp_path: Path, bilevel: bool) -> None:
    sample = printed.sample()
    scans = [scanlib.rotate(p.image, 1) for p in sample]
    path = scanlib.make_tiff(scans, tmp_path / "fax.tif", bilevel=bilevel)
    read = pages_of(path)
    assert [p.page for p in read] == list(range(1, len(sample) + 1))
    for page, expected in zip(read, sample, strict=True):
        assert page.origin == "tiff" and page.dpi == 200
        assert page.image.mode == ("1" if bilevel else "L")
        assert_reads(printed, expected, page.image)


def test_a_phone_photo_is_turned_upright_by_its_exif_orientation(
    printed: Printed, tmp_path: Path
) -> None:
    page = printed.sample()[0]
    upright = scanlib.jpeg(page.image, 85).convert("RGB")
    stored = upright.transpose(Image.Transpose.ROTATE_90)  # how a phone held sideways stores it
    exif = Image.Exif()
    exif[0x0112] = 6  # "rotate 90° clockwise to display"
    path = tmp_path / "IMG_0001.jpg"
    stored.save(path, quality=90, exif=exif)
    (read,) = pages_of(path)
    assert read.origin == "photo" and read.page == 1 and read.image.size == upright.size
    difference = ImageStat.Stat(
        ImageChops.difference(read.image.convert("L"), upright.convert("L"))
    )
    assert difference.mean[0] < 3  # the same picture, the right way up
    assert assert_reads(printed, page, read.image).effort == "corner"
    png = tmp_path / "screenshot.png"
    page.image.save(png)
    (read,) = pages_of(png)
    assert read.origin == "photo"
    assert_reads(printed, page, read.image)


def test_a_file_is_recognised_by_its_content_not_its_name(printed: Printed, tmp_path: Path) -> None:
    page = printed.sample()[0]
    misnamed = tmp_path / "scan.jpg"
    page.image.save(misnamed, format="PNG")
    (read,) = pages_of(misnamed)
    assert_reads(printed, page, read.image)


def test_supported_suffixes() -> None:
    assert {".pdf", ".tif", ".tiff", ".jpg", ".jpeg", ".png"} == SUPPORTED_SUFFIXES


# -- unreadable files ---------------------------------------------------------------------------


def test_a_truncated_pdf_is_refused_naming_the_file(printed: Printed, tmp_path: Path) -> None:
    data = printed.pdf.read_bytes()
    cut = tmp_path / "扫描件-中断.pdf"
    cut.write_bytes(data[: len(data) // 2])
    with pytest.raises(UnreadableFileError, match=r"扫描件-中断\.pdf") as info:
        pages_of(cut)
    assert "不完整" in str(info.value) and "重新" in str(info.value)
    scanned = scanlib.make_pdf([p.image for p in printed.sample()], tmp_path / "scan.pdf")
    cut.write_bytes(scanned.read_bytes()[:-5000])
    with pytest.raises(UnreadableFileError, match=r"扫描件-中断\.pdf"):
        pages_of(cut)


def test_random_bytes_are_refused_naming_the_file(tmp_path: Path) -> None:
    junk = tmp_path / "第3批.tif"
    junk.write_bytes(random.Random(7).randbytes(20_000))
    with pytest.raises(UnreadableFileError, match=r"第3批\.tif") as info:
        pages_of(junk)
    assert "TIF" in str(info.value)
    fake_pdf = tmp_path / "x.pdf"
    fake_pdf.write_bytes(b"%PDF-1.4\n" + random.Random(8).randbytes(5000) + b"\n%%EOF\n")
    with pytest.raises(UnreadableFileError, match=r"x\.pdf"):
        pages_of(fake_pdf)


@pytest.mark.filterwarnings("ignore:Corrupt EXIF data")
def test_a_damaged_tiff_names_the_page(printed: Printed, tmp_path: Path) -> None:
    path = scanlib.make_tiff([p.image for p in printed.sample()[:2]], tmp_path / "fax.tif")
    data = path.read_bytes()
    path.write_bytes(data[: len(data) * 3 // 4])  # the second page's strip is cut short
    with pytest.raises(UnreadableFileError, match=r"fax\.tif 第 2 页"):
        pages_of(path)
    seen = []  # scan_pages still delivers the pages before the damage, then raises
    with pytest.raises(UnreadableFileError, match="第 2 页"):
        for page, scan in scan_pages(iter_pages(path), accept=printed.accept):
            seen.append((page.page, scan.codes))
    assert seen == [(1, (printed.sample()[0].code,))]


def test_missing_and_unsupported_files(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFileError, match="不存在"):
        pages_of(tmp_path / "nope.pdf")
    doc = tmp_path / "回执.docx"
    doc.write_bytes(b"PK\x03\x04" + b"\x00" * 100)
    with pytest.raises(UnreadableFileError, match=r"回执\.docx.*不支持"):
        pages_of(doc)
    bad_jpeg = tmp_path / "photo.jpg"
    buffer = io.BytesIO()
    Image.new("RGB", (400, 400), "white").save(buffer, format="JPEG")
    bad_jpeg.write_bytes(buffer.getvalue()[:300])
    with pytest.raises(UnreadableFileError, match=r"photo\.jpg"):
        pages_of(bad_jpeg)


def test_a_code_read_on_a_turned_crop_is_placed_back_on_the_page(printed: Printed) -> None:
    """The deskew attempt reads codes on turned copies of a corner: where they are on the page
    itself is worked back (the signature check aligns the page from it)."""
    from yujing.archive.reader import _unturn

    page = printed.sample()[0]
    assert page.box is not None
    w, h = page.image.size
    box = (w // 2, 0, w, h // 3)
    crop = page.image.convert("L").crop(box)
    for angle in (5, -5, 3):
        turned = crop.rotate(angle, resample=Image.Resampling.BILINEAR, expand=True, fillcolor=255)
        (hit,) = zxingcpp.read_barcodes(turned, formats=QR)
        back = _unturn(box, crop.size, turned.size, angle)
        x, y = back(hit.position.top_left.x, hit.position.top_left.y)
        assert abs(x / w - page.box[0]) < 0.004 and abs(y / h - page.box[1]) < 0.004, angle
