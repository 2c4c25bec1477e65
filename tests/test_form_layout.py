"""Every template of every pack, rendered with long real-looking data (long names, 机械设计制造
及其自动化, 8 failed courses, long addresses) and printed to PDF by LibreOffice: read back with
word positions, no label or value is broken with fewer than three characters on a line, and
every part is one page. One LibreOffice call per pack."""

from __future__ import annotations

from pathlib import Path

import pytest
from sysparts import requires

from tests.pdflines import page_chars, page_text, problems, template_labels
from yujing.converter import convert_to_pdf, find_converter
from yujing.forms.sample import LONG_COURSES, LONG_STUDENT, render
from yujing.institutions import builtin_packs

CONVERTER = find_converter()
pytestmark = requires("soffice")

# Values checked wherever they are printed; course names only where a piece would be a line of
# its own (inside the flowing 预警原因 sentence a line may end anywhere).
VALUES = [
    LONG_STUDENT[k]
    for k in (
        "name",
        "major",
        "class_name",
        "college",
        "parent_name",
        "counsellor",
        "class_teacher",
    )
]
COURSE_NAMES = {name for name, _ in LONG_COURSES}


def _render_pack(pack_name: str, tmp: Path) -> list[tuple[object, Path, Path]]:
    pack = next(p for p in builtin_packs() if p.name == pack_name)
    level_names = pack.policy.level_names
    out = []
    for form in pack.forms:
        # the least severe level the form is printed for: its text is the longest (no box
        # ticked that shortens a sentence) and it is the most common case
        level = form.levels[-1] if form.levels else level_names[-1]
        docx = render(form, level, tmp / f"{form.id}.docx", level_names=level_names, long=True)
        out.append((form, docx, tmp / "pdf" / f"{form.id}.pdf"))
    assert CONVERTER is not None
    convert_to_pdf(CONVERTER, [d for _, d, _ in out], tmp / "pdf", processes=1)
    return out


@pytest.mark.parametrize("pack_name", [p.name for p in builtin_packs()])
def test_every_template_prints_long_data_tidily(pack_name: str, tmp_path: Path) -> None:
    failures: list[str] = []
    for form, _docx, pdf in _render_pack(pack_name, tmp_path):
        pages = page_chars(pdf)
        parts = len(form.parts)  # type: ignore[attr-defined]
        if len(pages) != parts:
            failures.append(f"{form.id}: {len(pages)} pages for {parts} part(s)")
        labels = (
            template_labels(Path(form.template_path))
            | {  # type: ignore[attr-defined]
                f.label
                for f in form.fields  # type: ignore[attr-defined]
            }
            | COURSE_NAMES
        )
        titles = {form.title, *(p.title for p in form.parts)}  # type: ignore[attr-defined]
        failures += [f"{form.id} {p}" for p in problems(pdf, labels, VALUES, titles)]
        text = "".join(page_text(c) for c in pages)
        assert "{{" not in text and "{%" not in text, f"{form.id}: an unrendered tag"
    assert not failures, "\n".join(failures)


def test_checker_sees_a_broken_label(tmp_path: Path) -> None:
    """The check itself: a label squeezed into a narrow cell is reported as broken."""
    from docx import Document
    from docx.shared import Mm

    doc = Document()
    table = doc.add_table(rows=1, cols=2)
    table.autofit = False
    for cell, width, text in zip(
        table.rows[0].cells, (Mm(26), Mm(120)), ("可能产生的后果", "值"), strict=True
    ):
        cell.width = width
        cell.text = text
    for col, width in zip(table.columns, (Mm(26), Mm(120)), strict=True):
        col.width = width
    source = tmp_path / "narrow.docx"
    doc.save(str(source))
    assert CONVERTER is not None
    (pdf,) = convert_to_pdf(CONVERTER, [source], tmp_path / "pdf", processes=1)
    found = problems(pdf, {"可能产生的后果"}, ())
    assert found and "/" in found[0], found
