"""Benchmark: the long-term archive of a term — PDF/A archive copies, volumes per class and the
handover package with its 四性 check — for ``--warned`` warned students (3,000 for the real
run), in pages per second beside the print batch's PDF stage (LibreOffice) on the same machine.

The term is the synthetic college of ``tools.synthetic`` (about 18% of its students warned),
assessed, frozen and issued; the archive then holds the issued copies of every student's forms
(no scans: the scan intake has its own benchmark). Run:
``.venv/bin/python bench/bench_archive.py [--warned 3000]`` (a small run: ``--warned 30``).
"""

from __future__ import annotations

import argparse
import math
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tools/ (not installed)
from tools.synthetic import SampleSpec, write_grades_csv, write_roster_csv
from yujing.converter import MISSING_MESSAGE, find_converter
from yujing.generator.batch import issue
from yujing.model import Term
from yujing.workspace import Workspace

TERMS = ("2022-2023-1", "2022-2023-2", "2023-2024-1", "2023-2024-2", "2024-2025-1")
WARNED_SHARE = 0.18


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--warned", type=int, default=3000, help="warned students (about)")
    parser.add_argument("--keep", type=Path, help="keep the workspace and package here")
    args = parser.parse_args()
    converter = find_converter()
    if converter is None:
        print(MISSING_MESSAGE)
        return
    term = Term.parse(TERMS[-1])
    tmp = Path(tempfile.mkdtemp(prefix="yujing-archive-bench-"))
    base = args.keep or tmp
    try:
        students = max(20, math.ceil(args.warned / WARNED_SHARE))
        spec = SampleSpec(students=students, cohorts=3, first_year=2022, terms=TERMS, seed=11)
        write_roster_csv(tmp / "roster.csv", spec)
        write_grades_csv(tmp / "grades.csv", spec)
        ws = Workspace.init(base / "ws", pack="anshan", school="基准测试学院")
        ws.import_file("roster", tmp / "roster.csv")
        ws.import_file("grades", tmp / "grades.csv")
        ws.assess(term)
        ws.freeze(term)
        (batch,) = issue(ws, term, converter=converter)
        pdf_stage = dict(batch.timings)["pdf"]
        print(
            f"term: {len(batch.students):,} warned students, {batch.pages:,} printed pages, "
            f"{batch.archived:,} issued copies in the folders"
        )

        start = time.perf_counter()
        made = ws.archive_pdfa(term)
        pdfa_s = time.perf_counter() - start
        copies = ws.registry.archive_copies(term)
        pages = sum(c.pages for c in copies)

        start = time.perf_counter()
        volumes = ws.archive_volumes(term, base / "volumes")
        volumes_s = time.perf_counter() - start
        volume_pages = sum(v.pages for v in volumes)

        start = time.perf_counter()
        handed = ws.archive_handover(term, base / "handover", who="基准", recipient="档案馆")
        handover_s = time.perf_counter() - start

        rows = (
            ("PDF stage of the batch (LibreOffice)", batch.pages, pdf_stage),
            (f"archive pdfa ({len(made.made):,} copies)", pages, pdfa_s),
            (f"archive volume ({len(volumes)} volumes)", volume_pages, volumes_s),
            (f"archive handover ({len(handed.files):,} files)", volume_pages + pages, handover_s),
        )
        print()
        print(f"{'stage':44} {'pages':>8} {'seconds':>9} {'pages/s':>9}")
        for name, n, seconds in rows:
            print(f"{name:44} {n:8,} {seconds:9.1f} {n / seconds:9.1f}")
        print()
        print(
            f"handover: 四性 {'all passed' if handed.passed else 'FAILED'}"
            f" ({len(handed.failed())} files failed, {len(handed.term_problems)} term problems;"
            " term problems are expected here: nothing was scanned back)"
        )
    finally:
        ws_closed = locals().get("ws")
        if ws_closed is not None:
            ws_closed.close()
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
