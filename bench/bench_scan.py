"""Benchmark: reading a scanned batch — QR codes, and with alignment and signature checks on —
yujing's reader vs the paperless-ngx way.

Setup (not timed): a real ``print.pdf`` is issued for the anshan sample class (as in
``tests/test_issue.py``) and rasterised by PDFium at 200 dpi; its pages of parts that come
back signed (存根, 记录表 …: every one of them gets the signature check) are reused cyclically
up to ``--pages`` pages, every other one signed by hand in its signature blanks (handwriting
from tests/scanlib.py), each degraded lightly (a skew of up to ±1.5°, sensor noise and a
little dust, seeded per page) and written as an image-only PDF with one JPEG (quality 75,
colour unless ``--gray``) per page at 200 dpi, as a scanner does.

(a) yujing: :func:`yujing.archive.reader.iter_pages` + :func:`scan_page` over the whole file,
    with one thread and through :func:`scan_pages` with ``--workers`` threads — codes only,
    and with the intake's signature check on (the scan aligned onto the issued page by its
    codes and printed structure, each blank's new ink measured: the hook the intake runs in
    the reader's worker threads), also with every issued page prepared anew (as when each
    scanned page is another student's: the sample class has only 21 such pages, which the
    check would otherwise find in its cache);
(b) the paperless-ngx way: every page rendered at 300 dpi (by PDFium here, in place of
    pdf2image's pdftoppm) and the whole page decoded by zxing (QR only), on the first
    ``--baseline-pages`` pages (its rate is per page; the whole file would take minutes).

Every page's code is checked against the payload its source page carries, and every
signature verdict against whether the page was signed. Wall-clock rates depend on what else
the machine runs, so CPU seconds per page are printed too (all methods are measured in the
same run; the load average is shown), and what two free cores would do follows from them.
Targets: (a) with signature checks ≥ 40 pages/s on a 2-core machine and ≥ 5 × the paperless-ngx
way (pdftoppm at 300 dpi, when poppler-utils is installed — the only part of yujing's code or
benches that calls it); rendering at 300 dpi in process with PDFium is shown beside it, as the
fastest form of the render-everything approach.

Run: ``.venv/bin/python bench/bench_scan.py [--pages 500] [--baseline-pages 100]``.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import zxingcpp
from PIL import Image

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests"))

import scanlib  # noqa: E402

from yujing.archive.intake import _signature_checker  # noqa: E402
from yujing.archive.reader import (  # noqa: E402
    iter_pages,
    render_pdf_page,
    scan_page,
    scan_pages,
)
from yujing.archive.signature import (  # noqa: E402
    SIGNED,
    UNSIGNED,
    _issued_page,
    issued_page,
)
from yujing.qr import load_secret, verify  # noqa: E402

SAMPLES = ROOT / "tests" / "samples"
TERM = "2024-2025-1"


def cpu_seconds() -> float:
    """CPU time of this process and its finished children."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def make_print_pdf(tmp: Path) -> tuple[Path, Path]:
    """A workspace with one issued batch: (workspace root, print.pdf)."""
    from yujing.converter import find_converter
    from yujing.generator.batch import issue
    from yujing.model import Term
    from yujing.workspace import Workspace

    if find_converter() is None:
        sys.exit("LibreOffice (soffice) is needed to make a print.pdf: apt-get install libreoffice")
    ws = Workspace.init(tmp / "ws", pack="anshan", school="鞍山师范学院")
    ws.import_file("roster", SAMPLES / "anshan_class_roster.xlsx")
    ws.import_file("grades", SAMPLES / "anshan_class_grades_2023-2024-2_gbk.csv")
    ws.import_file("grades", SAMPLES / "anshan_class_grades_2024-2025-1_zhengfang_bom.csv")
    term = Term.parse(TERM)
    ws.assess(term)
    ws.freeze(term)
    (result,) = issue(ws, term)
    ws.close()
    assert result.pdf is not None
    return tmp / "ws", result.pdf


Area = tuple[float, float, float, float]


def form_pages(root: Path, pdf: Path, tmp: Path) -> list[tuple[Path, str, tuple[Area, ...]]]:
    """The print.pdf's pages at 200 dpi (PNG files) of parts checked for signatures, with
    their code and signature areas."""
    from yujing.forms import part_by_code
    from yujing.workspace import Workspace

    ws = Workspace(root)
    secret = load_secret(root)
    files = {(r["serial"], r["part"]): r["file"] for r in ws.registry.issued_parts()}
    out = tmp / "raster"
    out.mkdir()
    from pypdf import PdfReader

    pages = []
    for number in range(1, len(PdfReader(pdf).pages) + 1):
        image = render_pdf_page(pdf, number, 200)
        codes = [c for c in scan_page(image).codes if verify(secret, c).ok]
        ref = verify(secret, codes[0]).ref if codes else None
        if ref is not None and (ref.serial, ref.part) in files:  # not the cover sheets
            form, part = part_by_code(ws.forms, ref.part)
            if part.returns and part.signed_by:
                index = [p.code for p in form.parts].index(ref.part) + 1
                areas = issued_page(root / files[(ref.serial, ref.part)], index).areas
                png = out / f"p-{number}.png"
                image.save(png)
                pages.append((png, codes[0], tuple(a.box for a in areas)))
    ws.close()
    return pages


def degrade(task: tuple[int, str, bool, tuple[Area, ...], bool]) -> tuple[bytes, int, int, str]:
    """One page: signed (or not), a light skew, noise and dust, as JPEG bytes (run in a worker
    process)."""
    index, png, gray, areas, signed = task
    rng = random.Random(index)
    with Image.open(png) as im:
        page = im.convert("RGB")
    if signed:
        for k, box in enumerate(areas):
            page = scanlib.signature(page, box, seed=index * 7 + k)
    if gray:
        page = page.convert("L")
    page = scanlib.rotate(page, rng.uniform(-1.5, 1.5), resample=Image.Resampling.BILINEAR)
    page = scanlib.noise(page, 12, specks=0.0003, seed=index)
    buffer = io.BytesIO()
    page.save(buffer, format="JPEG", quality=75)
    return buffer.getvalue(), page.width, page.height, page.mode


def build_scan(
    pages: list[tuple[Path, str, tuple[Area, ...]]], count: int, gray: bool, target: Path
) -> list[tuple[str, bool]]:
    chosen = [pages[i % len(pages)] for i in range(count)]
    tasks = [(i, str(p[0]), gray, p[2], i % 2 == 0) for i, p in enumerate(chosen)]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        jpegs: Iterator[tuple[bytes, int, int, str]] = pool.map(degrade, tasks, chunksize=8)
        scanlib.write_jpeg_pdf(jpegs, target, dpi=200)
    return [(p[1], i % 2 == 0) for i, p in enumerate(chosen)]


@dataclass
class Run:
    """One measured pass over the scanned file."""

    pages: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    right: int = 0
    checked: int = 0
    verdicts_right: int = 0
    efforts: Counter[str] = field(default_factory=Counter)
    origins: Counter[str] = field(default_factory=Counter)
    verdicts: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.pages / self.wall

    def line(self, name: str) -> str:
        verdicts = f"{self.verdicts_right}/{self.checked}" if self.checked else "—"
        return (
            f"{name:<40} {self.pages:>5} {self.rate:>9.1f} {self.cpu / self.pages * 1000:>10.1f}"
            f" {f'{self.right}/{self.pages}':>11} {verdicts:>11}"
        )


def run_reader(
    pdf: Path,
    expected: list[tuple[str, bool]],
    workers: int,
    root: Path | None = None,
    cold: bool = False,
) -> Run:
    """yujing's reader; with ``root`` (a workspace) the intake's signature check runs too.
    With ``cold`` the issued pages are never taken from the cache (each page is prepared —
    rendered, its labels and areas found — as if every scanned page were another
    student's)."""
    run = Run()
    after = accept = None
    ws = None
    if root is not None:
        from yujing.workspace import Workspace

        ws = Workspace(root)
        secret = load_secret(root)
        hook = _signature_checker(ws, secret)

        def after(page: object, scan: object) -> object:
            if cold:
                _issued_page.cache_clear()
            return hook(page, scan)

        def accept(text: str) -> bool:
            return verify(secret, text).ok

    c0, t0 = cpu_seconds(), time.perf_counter()
    for page, result in scan_pages(iter_pages(pdf), workers=workers, accept=accept, after=after):
        code, signed = expected[page.page - 1]
        run.pages += 1
        run.origins[page.origin] += 1
        run.efforts[result.effort] += 1
        run.right += code in result.codes
        if result.extra is not None:
            _, check = result.extra
            run.checked += 1
            run.verdicts[check.verdict] += 1
            run.verdicts_right += check.verdict == (SIGNED if signed else UNSIGNED)
    run.wall, run.cpu = time.perf_counter() - t0, cpu_seconds() - c0
    if ws is not None:
        ws.close()
    return run


def run_pdftoppm(pdf: Path, expected: list[tuple[str, bool]], count: int, tmp: Path) -> Run:
    """The paperless-ngx way itself: pdftoppm renders at 300 dpi (as pdf2image calls it: PPM
    files, 10 pages a call), the whole page decoded. Needs poppler-utils (only this baseline
    does)."""
    import shutil
    import subprocess

    run = Run()
    qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    c0, t0 = cpu_seconds(), time.perf_counter()
    for first in range(1, count + 1, 10):
        last = min(count, first + 9)
        out = Path(tempfile.mkdtemp(dir=tmp))
        subprocess.run(
            ["pdftoppm", "-r", "300", "-f", str(first), "-l", str(last), str(pdf), str(out / "p")],
            check=True,
        )
        ppms = sorted(out.glob("p-*.ppm"), key=lambda p: int(p.stem.split("-")[1]))
        for number, ppm in enumerate(ppms, first):
            with Image.open(ppm) as im:
                codes = [c.text for c in zxingcpp.read_barcodes(im, formats=qr)]
            run.pages += 1
            run.right += expected[number - 1][0] in codes
        shutil.rmtree(out)
    run.wall, run.cpu = time.perf_counter() - t0, cpu_seconds() - c0
    return run


def run_paperless(pdf: Path, expected: list[tuple[str, bool]], count: int) -> Run:
    """Render every page at 300 dpi (PDFium, in process), decode the whole page."""
    run = Run()
    qr = zxingcpp.BarcodeFormats(zxingcpp.BarcodeFormat.QRCode)
    c0, t0 = cpu_seconds(), time.perf_counter()
    for number in range(1, count + 1):
        image = render_pdf_page(pdf, number, 300)
        codes = [c.text for c in zxingcpp.read_barcodes(image, formats=qr)]
        run.pages += 1
        run.right += expected[number - 1][0] in codes
    run.wall, run.cpu = time.perf_counter() - t0, cpu_seconds() - c0
    return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--pages", type=int, default=500)
    parser.add_argument("--baseline-pages", type=int, default=100)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--gray", action="store_true", help="grey JPEG pages instead of colour")
    parser.add_argument("--keep", type=Path, help="keep the scanned PDF here")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="bench-scan-") as name:
        tmp = Path(name)
        t0 = time.perf_counter()
        root, printed = make_print_pdf(tmp)
        pages = form_pages(root, printed, tmp)
        scan = args.keep or tmp / "scan.pdf"
        expected = build_scan(pages, args.pages, args.gray, scan)
        size = scan.stat().st_size / 1e6
        print(
            f"setup {time.perf_counter() - t0:.0f} s: {len(pages)} pages of signed parts of a "
            f"real print.pdf → {args.pages} scanned pages (half signed), "
            f"{'grey' if args.gray else 'colour'} JPEG at 200 dpi, {size:.0f} MB"
        )
        print(
            f"machine: {os.cpu_count()} cores, load average before: "
            f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )
        single = run_reader(scan, expected, workers=1)
        threaded = run_reader(scan, expected, workers=args.workers)
        checked_single = run_reader(scan, expected, workers=1, root=root)
        checked = run_reader(scan, expected, workers=args.workers, root=root)
        cold = run_reader(scan, expected, workers=args.workers, root=root, cold=True)
        baseline_pages = min(args.baseline_pages, args.pages)
        paperless = run_paperless(scan, expected, baseline_pages)
        import shutil

        poppler = (
            run_pdftoppm(scan, expected, baseline_pages, tmp) if shutil.which("pdftoppm") else None
        )
        print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print()
        print(
            f"{'method':<40} {'pages':>5} {'pages/s':>9} {'CPU ms/pg':>10} {'decoded':>11}"
            f" {'verdicts':>11}"
        )
        print(single.line("(a) yujing codes, 1 thread"))
        print(threaded.line(f"(a) yujing codes, {args.workers} threads"))
        print(checked_single.line("(a) + alignment & signatures, 1 thread"))
        print(checked.line(f"(a) + alignment & signatures, {args.workers} threads"))
        print(cold.line("   … every issued page prepared anew"))
        print(paperless.line("(b) every page at 300 dpi (PDFium)"))
        if poppler is not None:
            print(poppler.line("(b) paperless-ngx way (pdftoppm 300 dpi)"))
        best = max(checked_single.rate, checked.rate)
        cpu_ratio = (paperless.cpu / paperless.pages) / (checked.cpu / checked.pages)
        print()
        print(
            f"speed-up (a with signatures)/(b): {best / paperless.rate:.1f}× in pages/s, "
            f"{cpu_ratio:.1f}× in CPU per page"
        )
        if poppler is not None:
            print(
                f"speed-up (a with signatures)/(paperless-ngx way): "
                f"{best / poppler.rate:.1f}× in pages/s, "
                f"{(poppler.cpu / poppler.pages) / (checked.cpu / checked.pages):.1f}× in CPU "
                "per page"
            )
        print(f"(a) efforts: {dict(checked.efforts)}  origins: {dict(checked.origins)}")
        print(f"verdicts: {dict(checked.verdicts)}")
        # Under CPU contention (other work on the machine) wall-clock rates say little; what
        # two free cores would do follows from the CPU time per page.
        print(
            "CPU-bound estimate on 2 free cores (2000 / CPU ms a page): "
            f"codes {2000 / (threaded.cpu / threaded.pages * 1000):.0f} pages/s, "
            f"with signatures {2000 / (checked.cpu / checked.pages * 1000):.0f}, "
            f"every issued page prepared anew {2000 / (cold.cpu / cold.pages * 1000):.0f}, "
            f"(b) {2000 / (paperless.cpu / paperless.pages * 1000):.0f}"
            + (
                f", paperless-ngx way {2000 / (poppler.cpu / poppler.pages * 1000):.0f}"
                if poppler is not None
                else ""
            )
        )
        estimate = 2000 / (checked.cpu / checked.pages * 1000)
        reference = poppler or paperless
        print(
            f"targets (with signature checks): ≥ 40 pages/s: measured {best:.1f} "
            f"({'met' if best >= 40 else 'NOT met'} under this load), CPU-bound estimate "
            f"{estimate:.0f} ({'met' if estimate >= 40 else 'NOT met'}); ≥ 5 × the "
            f"{'paperless-ngx way' if poppler else '300 dpi way'}: {best / reference.rate:.1f}× "
            f"in pages/s ({'met' if best >= 5 * reference.rate else 'NOT met'}), "
            f"{(reference.cpu / reference.pages) / (checked.cpu / checked.pages):.1f}× in CPU"
        )


if __name__ == "__main__":
    main()
