"""Pictures of the forms: the first page of every form of every built-in pack as a batch prints
it, as a PNG of about 60 dpi in ``docs/forms/<pack>-<form>.png``, so a reader sees every form
without running anything. ``python -m tools.form_pictures [--out DIR] [--dpi N] [PACK…]``

Each pack's pictures come from one real batch of its own: a synthetic college
(:mod:`tools.synthetic`) imported, assessed under the pack's rules, frozen and issued. The
pack's sample student is the one whose level needs the most forms (the most severe, as a rule),
and every form of that student is drawn from that student's issued copy, so levels, reasons
and figures agree across the pictures and with the rules; a form printed only at another level
(beihai's 二级 notice) is drawn for the first student at that level, and a college list is the
batch's own list. A development tool (not installed).
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from tools.synthetic import SampleSpec, write_sample
from yujing.converter import MISSING_MESSAGE, find_converter
from yujing.institutions import Pack, builtin_packs
from yujing.model import Term

DOCS = Path(__file__).resolve().parent.parent / "docs" / "forms"
TERM = Term.parse("2024-2025-1")
ADDRESS = "示例省示例市大学路1号 学生工作办公室（邮编 100000）"


def picture_name(pack: str, form_id: str) -> str:
    return f"{pack}-{form_id}.png"


def pack_pictures(pack: Pack, out: Path, *, dpi: float = 60) -> list[Path]:
    """Write the first page of each form of ``pack``, as its batch printed it, as
    ``out/<pack>-<form>.png``."""
    import pypdfium2 as pdfium

    from yujing.generator.batch import issue
    from yujing.workspace import Workspace

    converter = find_converter()
    if converter is None:
        raise SystemExit(MISSING_MESSAGE)
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        spec = SampleSpec(students=30, weak_share=0.5, majors=("机械设计制造及其自动化",))
        sample = write_sample(root / "sample", spec)
        ws = Workspace.init(root / "ws", pack=pack.name, school=pack.policy.school, address=ADDRESS)
        try:
            ws.import_file("roster", _with_phones(sample.roster, root / "名单.xlsx"))
            for grades in sample.grades:
                ws.import_file("grades", grades)
            ws.import_file("plan", sample.plan)
            ws.import_file("flags", sample.flags)
            if "levels" in pack.policy.requires:
                ws.import_file("levels", sample.levels, term=TERM)
            ws.assess(TERM)
            ws.freeze(TERM)
            (result,) = issue(ws, TERM, converter=converter)
            files = _first_copies(ws, result)
        finally:
            ws.close()
        out.mkdir(parents=True, exist_ok=True)
        for form in pack.forms:
            pdf = files.get(form.id)
            if pdf is None:
                continue  # no student of the sample needs it: the old picture stays
            doc = pdfium.PdfDocument(str(pdf))
            try:
                image = doc[0].render(scale=dpi / 72).to_pil().convert("L")
            finally:
                doc.close()
            target = out / picture_name(pack.name, form.id)
            image.save(target, optimize=True)
            written.append(target)
    return written


def _with_phones(roster: Path, target: Path) -> Path:
    """The sample roster with a 辅导员电话 column (one number per counsellor), as a college's
    roster gives it: the pictures print the counsellor's phone as a batch does."""
    from openpyxl import load_workbook

    wb = load_workbook(roster)
    sheet = wb.active
    assert sheet is not None
    head = [str(c.value) for c in sheet[1]]
    column = head.index("辅导员")
    numbers: dict[str, str] = {}
    sheet.cell(row=1, column=len(head) + 1, value="辅导员电话")
    for r in range(2, sheet.max_row + 1):
        name = str(sheet.cell(row=r, column=column + 1).value or "")
        phone = numbers.setdefault(name, f"0513-8501{len(numbers) + 2001:04d}")
        sheet.cell(row=r, column=len(head) + 1, value=phone)
    wb.save(target)
    return target


def _first_copies(ws: object, result: object) -> dict[str, Path]:
    """Form id → the issued PDF to draw: the sample student's copy (the student who needs the
    most forms, the most severe level first), else the first student who has the form; a
    college list's first copy."""
    registry = ws.registry  # type: ignore[attr-defined]
    root: Path = ws.root  # type: ignore[attr-defined]
    forms = {f.title: f.id for f in ws.forms}  # type: ignore[attr-defined]
    levels = list(ws.policy.level_names)  # type: ignore[attr-defined]
    students = sorted(
        result.students,  # type: ignore[attr-defined]
        key=lambda s: (-len(s.forms), levels.index(s.level) if s.level in levels else 99),
    )
    files: dict[str, Path] = {}
    for student in students:
        for row in registry.issued_parts(student.serial):
            form_id = forms.get(row["form_title"])
            if form_id and row["file"] and form_id not in files:
                files[form_id] = root / row["file"]
    for doc in registry.college_docs(TERM):
        if doc["form"] != "cover" and doc["file"] and doc["form"] not in files:
            files[doc["form"]] = root / doc["file"]
    return files


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.form_pictures", description=__doc__)
    parser.add_argument("--out", type=Path, default=DOCS, help="output folder (docs/forms)")
    parser.add_argument("--dpi", type=float, default=60)
    parser.add_argument("packs", nargs="*", default=[])
    args = parser.parse_args(argv)
    for pack in builtin_packs():
        if args.packs and pack.name not in args.packs:
            continue
        for path in pack_pictures(pack, args.out, dpi=args.dpi):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
