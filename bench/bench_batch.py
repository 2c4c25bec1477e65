"""Benchmark: a print batch of ≈ 2,000 students with all their forms and parts, beside the
naive loop (load, render and save one DocxTemplate per student and form).

Targets (issue #3): the batch's DOCX stage ≥ 10× the naive loop's documents per second; its
PDF stage ≥ 50 pages/s (LibreOffice in chunks, two processes) on a 2-core machine.
Run: ``.venv/bin/python bench/bench_batch.py [--students N]`` (N = students in the synthetic
college; about 18% of them are warned).
"""

from __future__ import annotations

import argparse
import io
import shutil
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

import qrcode
from docx.shared import Mm
from docxtpl import DocxTemplate, InlineImage

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tools/ (not installed)
from tools.synthetic import SampleSpec, write_grades_csv, write_roster_csv
from yujing.converter import find_converter
from yujing.forms import forms_for_level
from yujing.forms.images import SECOND_QR_MM, CornerImage, page_size
from yujing.generator.batch import issue
from yujing.generator.context import part_payloads, student_context
from yujing.model import Term
from yujing.qr import load_secret
from yujing.workspace import Workspace

TERMS = ("2022-2023-1", "2022-2023-2", "2023-2024-1", "2023-2024-2", "2024-2025-1")


def naive_loop(ws: Workspace, term: Term, n: int, out: Path) -> float:
    """Documents per second of the obvious implementation."""
    saved = ws.saved(term)
    roster = ws.registry.students()
    secret = load_secret(ws.root)
    jobs = [
        (entry, form)
        for entry in saved.warned
        for form in forms_for_level(ws.forms, entry.level)
    ][:n]
    start = time.perf_counter()
    for i, (entry, form) in enumerate(jobs):
        tpl = DocxTemplate(str(form.template_path))
        ctx = student_context(school=ws.school, policy=ws.policy, term=term, entry=entry,
                              student=roster[entry.student_id], serial=i + 1,
                              issued=date.today())
        images, corners = {}, {}
        page = page_size(tpl)
        for part_id, payload in part_payloads(secret, form, i + 1).items():
            png = io.BytesIO()
            qrcode.make(payload).save(png)
            images[part_id] = InlineImage(tpl, io.BytesIO(png.getvalue()), width=Mm(22))
            corners[part_id] = CornerImage(
                tpl, io.BytesIO(png.getvalue()), Mm(SECOND_QR_MM), page
            )  # each part prints its code twice
        ctx["qr"], ctx["qr2"] = images, corners
        tpl.render(ctx, autoescape=True)
        tpl.save(str(out / f"naive-{i}.docx"))
    return len(jobs) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--students", type=int, default=10_800)
    parser.add_argument("--naive", type=int, default=80, help="documents for the naive loop")
    args = parser.parse_args()
    term = Term.parse(TERMS[-1])
    tmp = Path(tempfile.mkdtemp(prefix="yujing-batch-bench-"))
    try:
        spec = SampleSpec(students=args.students, cohorts=3, first_year=2022, terms=TERMS, seed=11)
        write_roster_csv(tmp / "roster.csv", spec)
        write_grades_csv(tmp / "grades.csv", spec)
        ws = Workspace.init(tmp / "ws", pack="anshan", school="基准测试学院")
        ws.import_file("roster", tmp / "roster.csv")
        ws.import_file("grades", tmp / "grades.csv")
        ws.assess(term)
        ws.freeze(term)
        naive_dir = tmp / "naive"
        naive_dir.mkdir()
        naive = naive_loop(ws, term, args.naive, naive_dir)
        converter = find_converter()
        start = time.perf_counter()
        (result,) = issue(ws, term, converter=converter)
        total = time.perf_counter() - start
        stages = dict(result.timings)
        docs = result.documents
        print(f"batch: {len(result.students):,} students, {docs:,} documents (student × form), "
              f"{result.pages:,} pages, {len(result.docx)} .docx chunks")
        print()
        print(f"{'DOCX stage':34} {'docs/s':>10}")
        print(f"{'naive loop (1 DocxTemplate/doc)':34} {naive:10.1f}")
        print(f"{'batch (chunks of 50, 2 processes)':34} {docs / stages['docx']:10.1f}"
              f"   {docs / stages['docx'] / naive:5.1f}× (target ≥ 10×)")
        if converter is None:
            print("\nLibreOffice not installed: no PDF stage measured.")
        else:
            pdf = stages["pdf"]
            print()
            print(f"{'PDF stage (LibreOffice, 2 proc.)':34} {result.pages / pdf:10.1f} pages/s"
                  f"   (target ≥ 50)   {pdf:.1f} s")
            print(f"{'assemble print.pdf + archive copies':34} {stages['assemble']:10.1f} s"
                  f"   ({result.archived:,} archive files)")
        print(f"{'whole issue command':34} {total:10.1f} s")
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
