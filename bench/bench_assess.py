"""Benchmark: import + assess of 30,000 students × 8 terms (≈ 1.3 million grade rows, CSV).

Target (issue #2): the whole job — workspace import of roster and grades, then the term's
assessment with its list file — within 60 s on a 2-core machine. Run with ``make bench``
or ``.venv/bin/python bench/bench_assess.py [--students N]``. Prints each phase's figures;
the input is generated once into bench/data/ (git-ignored) and reused.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tools/ (not installed)
from tools.synthetic import SampleSpec, write_grades_csv, write_roster_csv
from yujing.model import Term
from yujing.warnlist import assess_files
from yujing.workspace import Workspace

TERMS = tuple(f"{y}-{y + 1}-{s}" for y in range(2021, 2025) for s in (1, 2))
DATA = Path(__file__).parent / "data"


def inputs(students: int) -> tuple[Path, Path, int]:
    spec = SampleSpec(students=students, cohorts=4, first_year=2021, terms=TERMS, seed=7)
    grades = DATA / f"grades_{students}x{len(TERMS)}.csv"
    roster = DATA / f"roster_{students}.csv"
    if not grades.exists() or not roster.exists():
        DATA.mkdir(parents=True, exist_ok=True)
        t = time.perf_counter()
        write_roster_csv(roster, spec)
        write_grades_csv(grades, spec)
        print(f"(generated input in {time.perf_counter() - t:.1f} s)")
    rows = sum(1 for _ in grades.open(encoding="utf-8")) - 1
    return grades, roster, rows


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=30_000)
    parser.add_argument("--policy", default="anshan")
    args = parser.parse_args()
    grades, roster, rows = inputs(args.students)
    term = Term.parse(TERMS[-1])
    size = grades.stat().st_size / 1e6
    print(f"input: {args.students:,} students, {len(TERMS)} terms, {rows:,} grade rows "
          f"({size:.0f} MB CSV), policy {args.policy}, term {term}")

    tmp = Path(tempfile.mkdtemp(prefix="yujing-bench-"))
    try:
        t0 = time.perf_counter()
        ws = Workspace.init(tmp / "ws", pack=args.policy, school="基准测试学院")
        ws.import_file("roster", roster)
        t1 = time.perf_counter()
        ws.import_file("grades", grades)
        t2 = time.perf_counter()
        report = ws.assess(term)
        t3 = time.perf_counter()
        again = ws.import_file("grades", grades)
        t4 = time.perf_counter()
        ws.close()

        t5 = time.perf_counter()
        result = assess_files(ws.policy, term, grades=[grades], roster=roster,
                              output=tmp / "list.csv")
        t6 = time.perf_counter()
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    total = t3 - t0
    print()
    print(f"{'phase':44} {'seconds':>8} {'rows/s':>10}")
    print(f"{'init + import roster':44} {t1 - t0:8.1f}")
    print(f"{'import grades (parse, validate, store)':44} {t2 - t1:8.1f} {rows / (t2 - t1):10,.0f}")
    print(f"{'assess term + previous term, write .xlsx':44} {t3 - t2:8.1f} {rows / (t3 - t2):10,.0f}")
    print(f"{'workspace total (target ≤ 60 s)':44} {total:8.1f} {rows / total:10,.0f}"
          f"   {'OK' if total <= 60 else 'TOO SLOW'}")
    print(f"{'re-import unchanged grades (0 changes)':44} {t4 - t3:8.1f}   "
          f"updated={again.updated} inserted={again.inserted}")
    print(f"{'file-only assess (no workspace) → .csv':44} {t6 - t5:8.1f} {rows / (t6 - t5):10,.0f}")
    print()
    print(f"warned: {len(report.warned):,} of {report.assessed_count:,} assessed "
          f"({', '.join(f'{k} {v}' for k, v in report.count_by_level().items())}); "
          f"file-only run agrees: {len(result.assessment.warned) == len(report.warned)}")


if __name__ == "__main__":
    main()
