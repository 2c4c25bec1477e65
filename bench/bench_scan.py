"""Benchmark: reading the QR codes of a scanned batch, yujing's reader vs the paperless-ngx way.

Setup (not timed): a real ``print.pdf`` is issued for the anshan sample class (as in
``tests/test_issue.py``), rasterised by pdftoppm at 200 dpi, and its form pages (those that
carry a code; the class cover sheets have none) are reused cyclically up to ``--pages`` pages,
each degraded lightly (a skew of up to ±1.5°, sensor noise and a little dust, seeded per
page) and written as an image-only PDF with one JPEG (quality 75, colour unless ``--gray``)
per page at 200 dpi, as a scanner does.

(a) yujing: :func:`yujing.archive.reader.iter_pages` + :func:`scan_page` over the whole file,
    with one thread and through :func:`scan_pages` with ``--workers`` threads;
(b) the paperless-ngx way: every page rendered at 300 dpi by pdftoppm (the way pdf2image
    calls it: one process, pages written as PPM files, then loaded) and the whole page decoded
    by zxing (QR only), on the first ``--baseline-pages`` pages (its rate is per page; the
    whole file would take minutes).

Every page's code is checked against the payload its source page carries. Wall-clock rates
depend on what else the machine runs, so CPU seconds per page are printed too (both methods
are measured in the same run; the load average is shown). Targets: (a) ≥ 40 pages/s on a
2-core machine and ≥ 5 × (b).

Run: ``.venv/bin/python bench/bench_scan.py [--pages 500] [--baseline-pages 100]``.
"""

from __future__ import annotations

import argparse
import io
import os
import random
import resource
import shutil
import subprocess
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

from yujing.archive.reader import iter_pages, scan_page, scan_pages  # noqa: E402

SAMPLES = ROOT / "tests" / "samples"
TERM = "2024-2025-1"


def cpu_seconds() -> float:
    """CPU time of this process and its finished children (pdftoppm)."""
    own = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def make_print_pdf(tmp: Path) -> Path:
    from yujing.generator.batch import issue
    from yujing.generator.pdf import find_converter
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
    return result.pdf


def form_pages(pdf: Path, tmp: Path) -> list[tuple[Path, str]]:
    """The print.pdf's pages at 200 dpi (PPM files) that carry a code, with that code."""
    out = tmp / "raster"
    out.mkdir()
    subprocess.run(["pdftoppm", "-r", "200", str(pdf), str(out / "p")], check=True)
    pages = []
    for png in sorted(out.glob("p-*.ppm"), key=lambda p: int(p.stem.split("-")[1])):
        with Image.open(png) as im:
            codes = scan_page(im.convert("RGB")).codes
        if codes:
            pages.append((png, codes[0]))
    return pages


def degrade(task: tuple[int, str, bool]) -> tuple[bytes, int, int, str]:
    """One page: a light skew, noise and dust, as JPEG bytes (run in a worker process)."""
    index, png, gray = task
    rng = random.Random(index)
    with Image.open(png) as im:
        page = im.convert("L" if gray else "RGB")
    page = scanlib.rotate(page, rng.uniform(-1.5, 1.5), resample=Image.Resampling.BILINEAR)
    page = scanlib.noise(page, 12, specks=0.0003, seed=index)
    buffer = io.BytesIO()
    page.save(buffer, format="JPEG", quality=75)
    return buffer.getvalue(), page.width, page.height, page.mode


def build_scan(pages: list[tuple[Path, str]], count: int, gray: bool, target: Path) -> list[str]:
    tasks = [(i, str(pages[i % len(pages)][0]), gray) for i in range(count)]
    with ProcessPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        jpegs: Iterator[tuple[bytes, int, int, str]] = pool.map(degrade, tasks, chunksize=8)
        scanlib.write_jpeg_pdf(jpegs, target, dpi=200)
    return [pages[i % len(pages)][1] for i in range(count)]


@dataclass
class Run:
    """One measured pass over the scanned file."""

    pages: int = 0
    wall: float = 0.0
    cpu: float = 0.0
    right: int = 0
    efforts: Counter[str] = field(default_factory=Counter)
    origins: Counter[str] = field(default_factory=Counter)

    @property
    def rate(self) -> float:
        return self.pages / self.wall

    def line(self, name: str) -> str:
        return (
            f"{name:<34} {self.pages:>5} {self.rate:>9.1f} {self.cpu / self.pages * 1000:>10.1f}"
            f" {self.right:>7}/{self.pages:<5}"
        )


def run_reader(pdf: Path, expected: list[str], workers: int) -> Run:
    run = Run()
    c0, t0 = cpu_seconds(), time.perf_counter()
    for page, result in scan_pages(iter_pages(pdf), workers=workers):
        run.pages += 1
        run.origins[page.origin] += 1
        run.efforts[result.effort] += 1
        run.right += expected[page.page - 1] in result.codes
    run.wall, run.cpu = time.perf_counter() - t0, cpu_seconds() - c0
    return run


def run_paperless(pdf: Path, expected: list[str], count: int, tmp: Path) -> Run:
    """Render at 300 dpi (pdftoppm, PPM files, 10 pages a call), decode the whole page."""
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
            run.right += expected[number - 1] in codes
        shutil.rmtree(out)
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
    if shutil.which("pdftoppm") is None:
        sys.exit("pdftoppm is needed: apt-get install poppler-utils")
    with tempfile.TemporaryDirectory(prefix="bench-scan-") as name:
        tmp = Path(name)
        t0 = time.perf_counter()
        printed = make_print_pdf(tmp)
        pages = form_pages(printed, tmp)
        scan = args.keep or tmp / "scan.pdf"
        expected = build_scan(pages, args.pages, args.gray, scan)
        size = scan.stat().st_size / 1e6
        print(
            f"setup {time.perf_counter() - t0:.0f} s: {len(pages)} form pages of a real "
            f"print.pdf → {args.pages} scanned pages, {'grey' if args.gray else 'colour'} "
            f"JPEG at 200 dpi, {size:.0f} MB"
        )
        print(
            f"machine: {os.cpu_count()} cores, load average before: "
            f"{' '.join(f'{x:.1f}' for x in os.getloadavg())}"
        )
        single = run_reader(scan, expected, workers=1)
        threaded = run_reader(scan, expected, workers=args.workers)
        baseline_pages = min(args.baseline_pages, args.pages)
        paperless = run_paperless(scan, expected, baseline_pages, tmp)
        print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
        print()
        print(f"{'method':<34} {'pages':>5} {'pages/s':>9} {'CPU ms/pg':>10} {'decoded':>13}")
        print(single.line("(a) yujing, 1 thread"))
        print(threaded.line(f"(a) yujing, scan_pages {args.workers} threads"))
        print(paperless.line("(b) paperless-ngx way (300 dpi)"))
        best = max(single.rate, threaded.rate)
        cpu_ratio = (paperless.cpu / paperless.pages) / (threaded.cpu / threaded.pages)
        print()
        print(
            f"speed-up (a)/(b): {best / paperless.rate:.1f}× in pages/s, "
            f"{cpu_ratio:.1f}× in CPU per page"
        )
        print(f"(a) efforts: {dict(threaded.efforts)}  origins: {dict(threaded.origins)}")
        print(
            f"targets: (a) ≥ 40 pages/s: {'met' if best >= 40 else 'NOT met'}; "
            f"≥ 5 × (b): {'met' if best >= 5 * paperless.rate else 'NOT met'}"
        )


if __name__ == "__main__":
    main()
