"""Benchmark: .docx → PDF with LibreOffice, naive (one start per student) vs chunked + parallel.

(a) naive: one ``soffice --convert-to pdf`` call per one-student .docx, one after another
    (a warm, reused profile, so only the per-call start is counted), on ``--naive`` files;
(b) chunked: .docx files of ``--chunk`` students each (≈ 100), converted by
    :func:`yujing.converter.convert_to_pdf` with ``--processes`` instances, for
    ``--students`` students; then the chunk PDFs are joined into one with :func:`join_pdfs`.

The form is anshan's 学业预警通知书 (2 parts = 2 pages per student), rendered with the sample
context of :mod:`yujing.forms.sample` (a different serial number and QR codes per student).
A chunk .docx is built by rendering one .docx per student and appending their bodies (python-docx
deepcopy, images re-added, a page break before each student). Target (b): ≥ 50 pages/s on a
2-core machine. Run: ``.venv/bin/python bench/bench_pdf.py [--students 1000] [--naive 20]``.
"""

from __future__ import annotations

import argparse
import copy
import io
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import docx
from docx.opc.constants import RELATIONSHIP_TYPE as RT
from docx.oxml import parse_xml
from docx.oxml.ns import nsdecls, qn
from docxtpl import DocxTemplate

from yujing.converter import (
    MISSING_MESSAGE,
    Converter,
    convert_to_pdf,
    find_converter,
)
from yujing.forms import FormSpec
from yujing.forms.sample import sample_student, student_context
from yujing.institutions import find_pack, load_pack_policy
from yujing.pdfkit import join_pdfs, page_count

R_EMBED = qn("r:embed")


def render_student(form: FormSpec, n: int, out: Path) -> Path:
    levels = load_pack_policy(form.policy).level_names
    tpl = DocxTemplate(str(form.template_path))
    student = sample_student(student_id=f"2022{n:06d}", name=f"学生{n}")
    context = student_context(tpl, form, levels[-1], levels, student=student, serial=f"{n:06d}")
    tpl.render(context, autoescape=True)
    tpl.save(str(out))
    return out


def _page_break() -> object:
    return parse_xml(
        f"<w:p {nsdecls('w')}><w:pPr><w:pageBreakBefore/>"
        '<w:spacing w:before="0" w:after="0" w:line="20" w:lineRule="exact"/></w:pPr></w:p>'
    )


def concat(parts: list[Path], out: Path) -> Path:
    """One .docx made of the bodies of ``parts``, each student starting on a new page."""
    master = docx.Document(str(parts[0]))
    body = master.element.body
    sect = body.find(qn("w:sectPr"))
    for path in parts[1:]:
        other = docx.Document(str(path))
        body_elements = [c for c in other.element.body.iterchildren() if c.tag != qn("w:sectPr")]
        sect.addprevious(_page_break())
        for element in body_elements:
            element = copy.deepcopy(element)
            for blip in element.iter(qn("a:blip")):
                rid = blip.get(R_EMBED)
                part = other.part.related_parts[rid]
                assert other.part.rels[rid].reltype == RT.IMAGE
                new_rid, _ = master.part.get_or_add_image(io.BytesIO(part.blob))
                blip.set(R_EMBED, new_rid)
            sect.addprevious(element)
    master.save(str(out))
    return out


def naive(converter: Converter, files: list[Path], out_dir: Path) -> float:
    """One soffice call per file, sequential, with a warm reused profile; seconds taken."""
    profile = Path(tempfile.mkdtemp(prefix="yujing-bench-lo-"))
    env = dict(os.environ)
    if converter.fontconfig:
        env["FONTCONFIG_FILE"] = str(converter.fontconfig)
    base = [
        str(converter.soffice),
        f"-env:UserInstallation={profile.as_uri()}",
        "--headless",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
        str(out_dir),
    ]
    try:
        # warm-up: creates the profile (not counted)
        subprocess.run([*base, str(files[0])], env=env, capture_output=True, check=True)
        t = time.perf_counter()
        for f in files:
            subprocess.run([*base, str(f)], env=env, capture_output=True, check=True)
        return time.perf_counter() - t
    finally:
        shutil.rmtree(profile, ignore_errors=True)


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--students", type=int, default=1000)
    ap.add_argument("--chunk", type=int, default=100)
    ap.add_argument("--naive", type=int, default=20)
    ap.add_argument("--processes", type=int, default=2)
    ap.add_argument("--keep", type=Path, help="keep the files in this folder")
    args = ap.parse_args()

    converter = find_converter()
    if converter is None:
        print(MISSING_MESSAGE, file=sys.stderr)
        return 1
    form = next(f for f in find_pack("anshan").forms if f.id == "notice")
    pages_per_student = len(form.parts)
    work = Path(tempfile.mkdtemp(prefix="yujing-bench-pdf-"))
    try:
        print(f"{converter.version}; fonts: {converter.fontconfig}; cores: {os.cpu_count()}")
        # one-student files
        single_dir = work / "single"
        single_dir.mkdir()
        t = time.perf_counter()
        singles = [
            render_student(form, n, single_dir / f"notice-{n:06d}.docx")
            for n in range(1, max(args.naive, args.chunk) + 1)
        ]
        print(f"(rendered {len(singles)} one-student .docx in {time.perf_counter() - t:.1f} s)")

        # chunk files: one 100-student body, copied for every chunk of the run
        chunk_dir = work / "chunks"
        chunk_dir.mkdir()
        t = time.perf_counter()
        first = concat(singles[: args.chunk], chunk_dir / "chunk-0001.docx")
        chunks = [first]
        n_chunks = -(-args.students // args.chunk)
        for i in range(2, n_chunks + 1):
            chunks.append(Path(shutil.copyfile(first, chunk_dir / f"chunk-{i:04d}.docx")))
        print(
            f"(built a {args.chunk}-student .docx in {time.perf_counter() - t:.1f} s, "
            f"{first.stat().st_size // 1024} KB; {n_chunks} chunks)"
        )

        # (a) naive
        naive_out = work / "naive-pdf"
        naive_out.mkdir()
        files_a = singles[: args.naive]
        secs_a = naive(converter, files_a, naive_out)
        pages_a = sum(page_count(p) for p in naive_out.glob("*.pdf"))
        assert pages_a == len(files_a) * pages_per_student, pages_a

        # (b) chunked, parallel
        chunk_out = work / "chunk-pdf"
        t = time.perf_counter()
        pdfs = convert_to_pdf(converter, chunks, chunk_out, processes=args.processes)
        secs_b = time.perf_counter() - t
        pages_b = sum(page_count(p) for p in pdfs)
        expected = n_chunks * args.chunk * pages_per_student
        spill = "" if pages_b == expected else f"  (!! expected {expected} pages)"
        t = time.perf_counter()
        joined = join_pdfs([(p, None) for p in pdfs], work / "all.pdf")
        secs_join = time.perf_counter() - t
        size_mb = (work / "all.pdf").stat().st_size / 1e6

        w = 46
        print()
        print(
            f"{'':24s}{'(a) naive, 1 call/student':>{w // 2}s}  {'(b) chunked, parallel':>{w // 2}s}"
        )
        print(
            f"{'setup':24s}{f'{len(files_a)} files, 1 process':>{w // 2}s}  "
            f"{f'{n_chunks}×{args.chunk} students, {args.processes} proc':>{w // 2}s}"
        )
        print(f"{'pages':24s}{pages_a:>{w // 2}d}  {pages_b:>{w // 2}d}{spill}")
        print(f"{'seconds':24s}{secs_a:>{w // 2}.1f}  {secs_b:>{w // 2}.1f}")
        print(f"{'pages/s':24s}{pages_a / secs_a:>{w // 2}.1f}  {pages_b / secs_b:>{w // 2}.1f}")
        print(
            f"{'students/s':24s}{len(files_a) / secs_a:>{w // 2}.1f}  "
            f"{n_chunks * args.chunk / secs_b:>{w // 2}.1f}"
        )
        print(
            f"\njoin_pdfs: {joined} pages in {secs_join:.1f} s "
            f"({joined / secs_join:.0f} pages/s), {size_mb:.1f} MB"
        )
        target = "met" if pages_b / secs_b >= 50 else "NOT met"
        print(f"target (b) ≥ 50 pages/s: {target}")
        if args.keep:
            args.keep.mkdir(parents=True, exist_ok=True)
            shutil.copy2(work / "all.pdf", args.keep / "all.pdf")
            shutil.copy2(first, args.keep / first.name)
    finally:
        shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
