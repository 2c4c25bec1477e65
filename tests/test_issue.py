"""Print batches end to end: serials, rendered forms read back, every QR decoded from the PDF,
archive copies, re-runs, voids, concurrent runs, a crash mid-batch, no LibreOffice."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
import zxingcpp
from conftest import TERM
from docx import Document
from PIL import Image
from sysparts import requires_poppler, requires_soffice
from test_pdf import flaky_soffice

from yujing.converter import find_converter
from yujing.errors import InputError, ListStateError
from yujing.files import sha256_file
from yujing.forms import forms_for_level, part_by_code
from yujing.generator import batch as batch_module
from yujing.generator.batch import issue, reprint, void
from yujing.institutions import find_pack
from yujing.qr import format_serial, load_secret, verify
from yujing.workspace import Workspace

CONVERTER = find_converter()
needs_pdf = requires_soffice
needs_poppler = requires_poppler
WARNED = {"2023010101", "2023010103", "2023010104", "2023010107", "2023010108"}


@pytest.fixture
def frozen_ws(anshan_ws: Workspace) -> Workspace:
    anshan_ws.assess(TERM)
    anshan_ws.freeze(TERM)
    return anshan_ws


def expected_parts(ws: Workspace) -> int:
    report = ws.report(TERM)
    return sum(len(f.parts) for r in report.warned for f in forms_for_level(find_pack("anshan").forms, r.level))


def test_issue_needs_a_frozen_list(anshan_ws: Workspace) -> None:
    anshan_ws.assess(TERM)
    with pytest.raises(ListStateError, match="尚未冻结"):
        issue(anshan_ws, TERM, converter=None)


def test_docx_without_libreoffice_then_completed_later(frozen_ws: Workspace) -> None:
    (result,) = issue(frozen_ws, TERM, converter=None)
    assert result.pdf is None and "apt-get install" in result.missing
    assert {s.student_id for s in result.students} == WARNED
    assert frozen_ws.registry.batch(result.batch)["status"] == "docx-only"
    # The rendered notices read back with python-docx: names, serials, ticked level box.
    notice = Document(result.folder / "docx" / "notice-001.docx")
    xml_text = "".join(t.text or "" for t in notice.element.iter(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}t"))
    for s in result.students:
        assert s.name in xml_text
        assert f"第{format_serial(s.serial)}号" in xml_text.replace(" ", "")
    # a box and its level are joined by word joiners (never broken over two lines)
    assert "☑红色预警" in xml_text.replace(" ", "").replace("\u2060", "")
    assert len(notice.inline_shapes) == 2 * len(WARNED)  # one QR per part
    parts = frozen_ws.registry.issued_parts()
    assert len(parts) == expected_parts(frozen_ws)
    secret = load_secret(frozen_ws.root)
    assert all(verify(secret, p["payload"]).ok for p in parts)
    if CONVERTER is not None:
        (again,) = issue(frozen_ws, TERM, converter=CONVERTER)
        assert again.resumed and again.batch == result.batch and again.pdf is not None
        assert {s.serial for s in again.students} == {s.serial for s in result.students}


@needs_pdf
@needs_poppler
def test_every_qr_code_of_the_print_pdf_decodes_to_its_serial_and_part(
    frozen_ws: Workspace, tmp_path: Path
) -> None:
    (result,) = issue(frozen_ws, TERM)
    assert result.pdf is not None and result.pdf.exists()
    assert result.pages == expected_parts(frozen_ws) + 2  # + one cover sheet per class
    subprocess.run(["pdftoppm", "-r", "150", "-gray", "-png", str(result.pdf),
                    str(tmp_path / "page")], check=True)
    secret = load_secret(frozen_ws.root)
    decoded = []
    for png in sorted(tmp_path.glob("page-*.png")):
        codes = zxingcpp.read_barcodes(Image.open(png), formats=zxingcpp.BarcodeFormat.QRCode)
        for code in codes:
            checked = verify(secret, code.text)
            assert checked.ok, code.text
            decoded.append((checked.ref.serial, checked.ref.part))
    issued = {(p["serial"], p["part"]) for p in frozen_ws.registry.issued_parts()}
    # the class cover sheets carry a code of their own (Z0), to scan back as proof of hand-out
    covers = {(d["serial"], d["part"]) for d in frozen_ws.registry.college_docs(TERM)}
    assert len(covers) == 2 and {part for _, part in covers} == {"Z0"}
    # every part of a form twice (its code top right and again bottom left), each cover once
    assert sorted(decoded) == sorted([*issued, *issued, *covers])
    serial_of = {s.student_id: s.serial for s in result.students}
    for serial, part in sorted(set(decoded) - covers):
        form, _ = part_by_code(find_pack("anshan").forms, part)
        level = next(s.level for s in result.students if s.serial == serial)
        assert form in forms_for_level(find_pack("anshan").forms, level)
    assert len(set(serial_of.values())) == len(serial_of)


@needs_pdf
def test_issue_completes_when_libreoffice_fails_its_first_start(
    frozen_ws: Workspace, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A fresh machine: LibreOffice's first conversion exits 81 without a PDF (the wrapper in
    $YUJING_SOFFICE), later ones work. The batch is retried, not failed, and complete."""
    assert CONVERTER is not None
    log = flaky_soffice(tmp_path, monkeypatch, CONVERTER.soffice)
    (result,) = issue(frozen_ws, TERM)
    assert result.pdf is not None and result.pdf.exists()
    assert result.pages == expected_parts(frozen_ws) + 2
    assert frozen_ws.registry.batch(result.batch)["status"] == "complete"
    assert len(log.read_text().split()) >= 2  # the failed start, then the fresh profile


@needs_pdf
def test_archive_copies_and_registry_hashes(frozen_ws: Workspace) -> None:
    (result,) = issue(frozen_ws, TERM)
    files = [p for p in frozen_ws.registry.issued_parts() if p["file"]]
    assert result.archived == len({p["file"] for p in files}) > 0
    for row in files:
        path = frozen_ws.root / row["file"]
        assert path.exists() and sha256_file(path) == row["sha256"]
        assert path.parent.parent.name.startswith(
            next(s.student_id for s in result.students if s.serial == row["serial"]))
    assert not list(frozen_ws.root.rglob("*.part"))


@needs_pdf
def test_reruns_voids_and_reprints_never_reuse_a_serial(frozen_ws: Workspace) -> None:
    (first,) = issue(frozen_ws, TERM, classes=["机械2301"])
    assert {s.class_name for s in first.students} == {"机械2301"}
    assert issue(frozen_ws, TERM, classes=["机械2301"]) == []
    (second,) = issue(frozen_ws, TERM)
    assert {s.class_name for s in second.students} == {"机械2302"}
    old = first.students[0]
    void(frozen_ws, old.serial, "通知书遗失")
    with pytest.raises(ListStateError, match="已作废"):
        reprint(frozen_ws, old.serial)
    with pytest.raises(ListStateError, match="已于"):
        void(frozen_ws, old.serial, "again")
    (third,) = issue(frozen_ws, TERM)
    (renewed,) = third.students
    assert renewed.student_id == old.student_id
    all_serials = [r[0] for r in frozen_ws.registry.db.execute("select serial from serials")]
    college = {d["serial"] for d in frozen_ws.registry.college_docs(TERM)}  # cover sheets
    assert college and college <= set(all_serials)
    students = [s for s in all_serials if s not in college]
    assert renewed.serial == max(students) and len(set(all_serials)) == len(all_serials)
    again = reprint(frozen_ws, renewed.serial)
    assert again.pdf is not None and [s.serial for s in again.students] == [renewed.serial]
    with pytest.raises(InputError, match="没有编号"):
        reprint(frozen_ws, 999)
    # a reprint has a number of its own: the next issue batch is numbered on from the last one
    assert again.batch.startswith(f"{TERM}-R001-")
    void(frozen_ws, renewed.serial, "通知书遗失")
    (fourth,) = issue(frozen_ws, TERM)
    assert [first.batch, second.batch, third.batch, fourth.batch] == [
        f"{TERM}-{n:03d}" for n in (1, 2, 3, 4)
    ]


def test_crash_mid_batch_is_completed_by_the_next_run(
    frozen_ws: Workspace, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls = {"n": 0}
    real = batch_module.run_chunk

    def crash_on_second(task):  # type: ignore[no-untyped-def]
        calls["n"] += 1
        if calls["n"] == 2:
            raise KeyboardInterrupt
        return real(task)

    monkeypatch.setenv("YUJING_WORKERS", "1")
    monkeypatch.setattr(batch_module, "run_chunk", crash_on_second)
    with pytest.raises(KeyboardInterrupt):
        issue(frozen_ws, TERM, converter=None)
    (batch,) = frozen_ws.registry.batches(TERM)
    assert batch["status"] == "allocated"
    before = frozen_ws.registry.active_serials(TERM)
    assert set(before) == WARNED
    assert not list(frozen_ws.root.rglob("*.part"))
    monkeypatch.setattr(batch_module, "run_chunk", real)
    (result,) = issue(frozen_ws, TERM, converter=None)
    assert result.resumed and result.batch == batch["id"]
    assert frozen_ws.registry.active_serials(TERM) == before
    assert issue(frozen_ws, TERM, converter=None) == []


def test_two_concurrent_issue_runs_hand_out_each_serial_once(frozen_ws: Workspace) -> None:
    script = (
        "import sys; from pathlib import Path; from yujing.workspace import Workspace;"
        "from yujing.model import Term; from yujing.generator.batch import issue;"
        "ws = Workspace(Path(sys.argv[1]));"
        "r = issue(ws, Term.parse('2024-2025-1'), converter=None);"
        "print(sum(len(b.students) for b in r))"
    )
    frozen_ws.close()
    procs = [subprocess.Popen([sys.executable, "-c", script, str(frozen_ws.root)],
                              stdout=subprocess.PIPE, text=True) for _ in range(2)]
    counts = sorted(int(p.communicate(timeout=120)[0].strip()) for p in procs)
    assert counts == [0, len(WARNED)]
    ws = Workspace(frozen_ws.root)
    rows = list(ws.registry.db.execute("select student_id, serial from serials"))
    assert len({r[1] for r in rows}) == len(rows)  # no serial twice
    students = [r for r in rows if r[0] in WARNED]
    assert len(students) == len(WARNED) == len({r[0] for r in students})
    # the rest are the batch's two class cover sheets, allocated once
    assert len(rows) - len(students) == len(ws.registry.college_docs()) == 2
    ws.close()


def test_filters_are_checked(frozen_ws: Workspace) -> None:
    from yujing.errors import PolicyError

    with pytest.raises(InputError, match="没有班级"):
        issue(frozen_ws, TERM, classes=["火星2401"], converter=None)
    with pytest.raises(PolicyError, match="没有等级"):
        issue(frozen_ws, TERM, levels=["紫色预警"], converter=None)
    (result,) = issue(frozen_ws, TERM, levels=["红色预警"], converter=None)
    assert [s.student_id for s in result.students] == ["2023010104"]


def test_pages_without_a_serial_belong_to_the_page_before() -> None:
    from yujing.generator.batch import _pages_by_serial

    texts = ["学业预警通知书 第 000001 号", "（续）谈话内容", "第 000002 号", "第000003号"]
    assert _pages_by_serial(texts) == [(1, 0), (1, 1), (2, 2), (3, 3)]


@needs_pdf
def test_a_long_course_list_does_not_push_a_part_onto_a_second_page(tmp_path: Path) -> None:
    from types import SimpleNamespace

    from docxtpl import DocxTemplate

    from yujing.converter import convert_to_pdf
    from yujing.forms.sample import student_context
    from yujing.institutions import load_pack_policy
    from yujing.pdfkit import page_count, page_texts

    for policy, form_id in (("xinglin", "parent-notice"), ("njmec-mech", "notice")):
        form = {f.id: f for f in find_pack(policy).forms}[form_id]
        levels = load_pack_policy(policy).level_names
        tpl = DocxTemplate(str(form.template_path))
        ctx = student_context(tpl, form, levels[0], levels)
        ctx["failed_courses"] = [
            SimpleNamespace(name=f"课程名称较长的专业课程{i}", credits="3.5") for i in range(15)
        ]
        tpl.render(ctx, autoescape=True)
        docx = tmp_path / f"{policy}-{form_id}.docx"
        tpl.save(str(docx))
        (pdf,) = convert_to_pdf(CONVERTER, [docx], tmp_path)
        assert page_count(pdf) == len(form.parts)
        assert "等共 15 门" in "".join(page_texts(pdf)).replace("\n", "")
