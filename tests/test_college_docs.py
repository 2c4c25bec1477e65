"""Printed batches of every policy on synthetic data: the college-level lists are printed with
their own codes, filed into archive/_学院/<学期>/, scanned back into that folder, and the audit
reports one that is missing; each figure on a notice appears once and equals the registry's
(积欠 = the shortfall in xinglin's 家长联); the class cover sheet scans back too."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from sysparts import requires

from tests.pdflines import page_chars, page_text
from tests.scanlib import make_pdf
from tools.synthetic import SampleSpec, write_sample
from yujing.archive import COLLEGE_FOLDER
from yujing.archive.intake import FILED, ingest
from yujing.checker.audit import audit
from yujing.converter import find_converter
from yujing.generator.batch import BatchResult, issue
from yujing.model import Term
from yujing.pdfkit import page_count
from yujing.workspace import Workspace

CONVERTER = find_converter()
pytestmark = requires("soffice")
TERM = Term.parse("2024-2025-1")
POLICIES = ("anshan", "xinglin", "lanzhou-life", "beihai", "njmec-mech")
ADDRESS = "示例省示例市大学路1号 学生工作办公室（邮编 100000）"
LISTS = {  # policy → (form title, copies per college)
    "xinglin": ("学业预警清单", 4),
    "lanzhou-life": ("学业警示学生名单汇总表", 1),
    "beihai": ("学生学业预警处理结果汇总表", 1),
}


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> object:
    out = tmp_path_factory.mktemp("sample")
    spec = SampleSpec(students=24, weak_share=0.5, majors=("机械设计制造及其自动化", "车辆工程"))
    return write_sample(out, spec)


@pytest.fixture(scope="module")
def issued(
    sample: object, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[dict[str, tuple[Workspace, BatchResult]]]:
    """One workspace per policy, its list frozen and issued once."""
    out: dict[str, tuple[Workspace, BatchResult]] = {}
    for policy in POLICIES:
        root = tmp_path_factory.mktemp(policy.replace("-", "_"))
        ws = Workspace.init(root / "ws", pack=policy, school="示例大学", address=ADDRESS)
        ws.import_file("roster", sample.roster)  # type: ignore[attr-defined]
        for grades in sample.grades:  # type: ignore[attr-defined]
            ws.import_file("grades", grades)
        ws.import_file("plan", sample.plan)  # type: ignore[attr-defined]
        ws.import_file("flags", sample.flags)  # type: ignore[attr-defined]
        if policy == "njmec-mech":
            ws.import_file("levels", sample.levels, term=TERM)  # type: ignore[attr-defined]
        ws.assess(TERM)
        ws.freeze(TERM)
        (result,) = issue(ws, TERM, converter=CONVERTER)
        assert result.students, policy
        out[policy] = (ws, result)
    yield out
    for ws, _ in out.values():
        ws.close()


def _scan(pdfs: list[Path], target: Path) -> Path:
    """The pages of ``pdfs`` as a scanner gives them back: 150 dpi grey images in one PDF."""
    import pypdfium2 as pdfium

    images = []
    for pdf in pdfs:
        doc = pdfium.PdfDocument(str(pdf))
        for page in doc:
            images.append(page.render(scale=150 / 72, grayscale=True).to_pil())
        doc.close()
    return make_pdf(images, target, dpi=150)


@pytest.mark.parametrize("policy", sorted(LISTS))
def test_batch_holds_the_college_lists_they_scan_back_and_the_audit_sees_a_missing_one(
    policy: str, issued: dict[str, tuple[Workspace, BatchResult]], tmp_path: Path
) -> None:
    ws, result = issued[policy]
    title, copies = LISTS[policy]
    colleges = {s.college for s in result.students}
    docs = [d for d in ws.registry.college_docs(TERM) if d["form"] != "cover"]
    assert len(docs) == len(result.college_docs) == len(colleges) * copies
    assert {d["title"] for d in docs} == {title}
    # printed first in print.pdf, each with its own 第 N 号 (and the copy it is)
    assert result.pdf is not None
    pages = iter(page_chars(result.pdf))
    for d in docs:  # every page of a list, continuation pages too, says what it is
        count = page_count(ws.root / d["file"])
        for k in range(1, count + 1):
            text = page_text(next(pages))
            assert title in text and f"第{d['serial']:06d}号" in text, text[:80]
            assert f"第{k}页/共{count}页" in text, text[:120]
            if d["copy"]:  # 份别: this copy's box ticked (the boxes are drawn in their order)
                boxes = "".join(ch for ch in text if ch in "☑☐")
                copies_named = ws.forms[[f.id for f in ws.forms].index(d["form"])].copies
                assert boxes.index("☑") == copies_named.index(d["copy"])
                assert boxes.count("☑") == 1
    folder = ws.root / "archive" / COLLEGE_FOLDER / str(TERM)
    filed = {p.name for p in folder.iterdir()}
    assert all(Path(d["file"]).name in filed for d in docs)
    later = date.today() + timedelta(days=200)  # every deadline passed
    req = next(r for r in ws.policy.requirements if r.scope == "college")
    before = [f for f in audit(ws, TERM, as_of=later).college if f.requirement == req.id]
    if req.signed:  # the signed copy has not come back yet
        assert {f.student_id for f in before} == {COLLEGE_FOLDER}
        assert {f.name for f in before} == colleges and before[0].title == title
    else:
        assert before == []
    # the signed lists and the class cover sheets come back in one scan
    covers = [d for d in ws.registry.college_docs(TERM) if d["form"] == "cover"]
    scan = _scan([ws.root / d["file"] for d in docs + covers], tmp_path / "扫描.pdf")
    page_docs = [d for d in docs + covers for _ in range(page_count(ws.root / d["file"]))]
    outcomes = ingest(ws, [scan]).pages
    assert [o.result for o in outcomes] == [FILED] * len(page_docs)
    for o, d in zip(outcomes, page_docs, strict=True):
        assert o.serial == d["serial"] and o.part == d["part"]
        assert o.target.startswith(f"archive/{COLLEGE_FOLDER}/{TERM}/"), o.target
        assert "回收" in o.target
    # a document of several pages is filed as one file: its continuation pages with it
    for d in docs + covers:
        (target,) = {o.target for o, of in zip(outcomes, page_docs, strict=True) if of is d}
        assert page_count(ws.root / target) == page_count(ws.root / d["file"])
    assert [f for f in audit(ws, TERM, as_of=later).college if f.requirement == req.id] == []
    # a copy that goes missing from the college folder is reported
    for d in docs:
        (ws.root / d["file"]).unlink()
    for f in ws.registry.archive_files():
        if f["student_id"] == COLLEGE_FOLDER and f["part"] == docs[0]["part"]:
            (ws.root / f["path"]).unlink()
    report = audit(ws, TERM, as_of=later)
    missing = [f for f in report.college if f.requirement == req.id]
    assert missing and missing[0].problem in ("missing", "overdue")
    assert "现有 0 份" in missing[0].detail and not report.complete
    # the HTML report shows the college folder's gap in a section of its own
    from yujing.checker.html import render_html

    assert [f["title"] for f in report.to_json()["college"]] == [title]
    page = render_html(report)
    assert '<section id="college">' in page and title in page.split('id="college"')[1]


def test_the_class_cover_sheet_carries_a_code(
    issued: dict[str, tuple[Workspace, BatchResult]],
) -> None:
    ws, result = issued["anshan"]
    covers = [d for d in ws.registry.college_docs(TERM) if d["form"] == "cover"]
    assert len(covers) == len({(s.college, s.class_name) for s in result.students})
    assert result.college_docs == ()  # anshan prints no college-level list
    text = page_text(page_chars(ws.root / covers[0]["file"])[0])
    assert f"第{covers[0]['serial']:06d}号" in text and "材料发放单" in text
    # a college document is not reprinted as a student's notice: the message says where it is
    from yujing.errors import InputError
    from yujing.generator.batch import reprint

    with pytest.raises(InputError, match="学院材料") as info:
        reprint(ws, covers[0]["serial"])
    assert covers[0]["file"] in str(info.value)
    # and the archive manifest lists the issued copies of the college folder
    from yujing.archive.intake import manifest_rows

    listed = {r["文件"] for r in manifest_rows(ws) if r["学号"] == COLLEGE_FOLDER}
    assert {d["file"] for d in covers} <= listed


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _notice_pages(ws: Workspace, serial: int, title: str) -> list[str]:
    row = next(p for p in ws.registry.issued_parts(serial) if p["form_title"] == title)
    return [_squash(page_text(c)) for c in page_chars(ws.root / row["file"])]


NOTICES = {  # policy → (form title, parts whose page prints the figures)
    "anshan": "学业预警通知书",
    "xinglin": "学生学业预警通知书",
    "lanzhou-life": "学业警示通知单",
    "beihai": "",  # 学业一级/二级预警通知书, by level
    "njmec-mech": "学业预警通知书",
}


@pytest.mark.parametrize("policy", POLICIES)
def test_each_figure_on_the_notice_appears_once_and_is_the_registry_figure(
    policy: str, issued: dict[str, tuple[Workspace, BatchResult]]
) -> None:
    ws, result = issued[policy]
    entries = {e.student_id: e for e in ws.saved(TERM).warned}
    checked = 0
    for student in result.students:
        entry = entries[student.student_id]
        courses = entry.figures.failed_courses
        title = NOTICES[policy] or next(t for t in student.forms if "预警通知书" in t)
        form = next(f for f in ws.forms if f.title == title)
        # the catalogue decides: a form with a 预警原因 field prints the sentence once, a form
        # without one (beihai: 累计不及格课程达 N 门) prints only its figures
        has_reason = any(f.name == "reason" for f in form.fields)
        for i, page in enumerate(_notice_pages(ws, student.serial, title)):
            reason = _squash(entry.reason)
            # at most once on any part (a 回执 needs none), once on the first
            assert page.count(reason) <= 1, (policy, entry.reason)
            if i == 0:
                assert page.count(reason) == int(has_reason), (policy, entry.reason)
            rest = page.replace(reason, "", 1)
            for name in (c.name for c in courses):
                # a failed course is listed once: in the reason, or in the list the form
                # attaches (xinglin 可附不及格课程, njmec 学业具体情况), never both
                listed = rest.count(f"{name}（") + rest.count(f"{name}(")  # with its credits
                assert listed == 0 if f"{name}(" in reason else listed <= 1, (policy, name)
            if policy == "beihai":
                assert f"累计不及格课程达{len(courses)}门" in page
            checked += 1
    assert checked


# policy-semantics (xinglin): the shortfall each level is decided on
XINGLIN_THRESHOLDS = {"退学预警": Decimal(35), "留(降)级预警": Decimal(25), "一般预警": Decimal(20)}


def test_xinglin_parent_letter_owes_the_shortfall_its_level_is_decided_on(
    issued: dict[str, tuple[Workspace, BatchResult]],
) -> None:
    """家长联: 共有 N 门课程不及格，已积欠 X 学分 — N the failed courses to date, X the shortfall
    against the 培养方案 (the figure the level is decided on), so X is never below the
    threshold of the level announced on the same page."""
    ws, result = issued["xinglin"]
    entries = {e.student_id: e for e in ws.saved(TERM).warned}
    for student in result.students:
        figures = entries[student.student_id].figures
        assert figures.required_credits is not None and figures.earned_credits is not None
        shortfall = figures.required_credits - figures.earned_credits
        pages = _notice_pages(ws, student.serial, "学业预警通知书（家长联）")
        letter = pages[1]  # 家长联
        count = len(figures.failed_courses)
        owed = re.search(r"共有(\d+)门课程不及格，已积欠([\d.]+)学分", letter)
        assert owed is not None, letter[:200]
        assert int(owed.group(1)) == count
        assert Decimal(owed.group(2)) == shortfall
        assert Decimal(owed.group(2)) >= XINGLIN_THRESHOLDS[student.level], student
        assert letter.count("已积欠") == 1
        level = student.level
        # a consequence box ticked for 留(降)级/退学; 一般预警 has none, so no such clause
        assert ("可能会" in letter) == (level != "一般预警")
        if level != "一般预警":
            # ticked twice: the level, and the consequence box (glyphs are drawn apart
            # from their words, so counted rather than read in place)
            assert letter.count("☑") == 2


def test_lanzhou_receipt_names_the_return_address(
    issued: dict[str, tuple[Workspace, BatchResult]],
) -> None:
    ws, result = issued["lanzhou-life"]
    pages = _notice_pages(ws, result.students[0].serial, "学业警示通知单（家长联）")
    assert _squash(ADDRESS) in pages[0] and _squash(ADDRESS) in pages[1]


def test_beihai_term_report_fills_the_same_summary_the_batch_printed(
    issued: dict[str, tuple[Workspace, BatchResult]], tmp_path: Path
) -> None:
    """附件3: ``report`` fills the pack's template, with the code and 第 N 号 the batch gave
    that college's 汇总表, and a row with its 处理结果 per warned student."""
    from yujing.converter import convert_to_pdf
    from yujing.reports.documents import write_term_reports

    ws, result = issued["beihai"]
    paths = write_term_reports(ws, TERM, tmp_path / "out")
    assert CONVERTER is not None
    (pdf,) = convert_to_pdf(CONVERTER, [paths[2]], tmp_path / "pdf", processes=1)
    text = _squash("".join(page_text(c) for c in page_chars(pdf)))
    (doc,) = [d for d in ws.registry.college_docs(TERM) if d["form"] == "summary"]
    assert "学生学业预警处理结果汇总表" in text and f"第{doc['serial']:06d}号" in text
    for student in result.students:
        assert student.student_id in text
    assert "通知书未交回" in text  # the 处理结果 the registry knows


def test_anshan_consequences_fit_the_reasons(tmp_path: Path) -> None:
    """A red warning for a GPA drop with no failed course is not told to resit courses."""
    from docx import Document
    from docxtpl import DocxTemplate

    from yujing.forms.sample import student_context
    from yujing.institutions import find_pack

    pack = find_pack("anshan")
    form = next(f for f in pack.forms if f.id == "notice")
    texts = {}
    for label, courses in (("none", []), ("some", None)):
        tpl = DocxTemplate(str(form.template_path))
        ctx = student_context(tpl, form, "红色预警", pack.policy.level_names)
        if courses is not None:
            ctx["failed_courses"] = courses
            ctx["reason"] = "本学期学分绩点 1.20，较上学期 2.40 下降 1.20"
        tpl.render(ctx, autoescape=True)
        tpl.save(str(tmp_path / f"{label}.docx"))
        doc = Document(str(tmp_path / f"{label}.docx"))
        texts[label] = "".join(
            p.text for t in doc.tables for r in t.rows for c in r.cells for p in c.paragraphs
        )
    assert "补考或重修" not in texts["none"] and "影响评奖评优" in texts["none"]
    assert "未通过课程须参加补考或重修" in texts["some"]


def test_xinglin_general_warning_leaves_out_the_consequence_clause(tmp_path: Path) -> None:
    """一般预警 has no consequence box (可能会 □降级 □退学 □其他): the clause is left out."""
    from docx import Document
    from docxtpl import DocxTemplate

    from yujing.forms.sample import student_context
    from yujing.institutions import find_pack

    pack = find_pack("xinglin")
    form = next(f for f in pack.forms if f.id == "parent-notice")
    texts = {}
    for level in ("一般预警", "退学预警"):
        tpl = DocxTemplate(str(form.template_path))
        tpl.render(student_context(tpl, form, level, pack.policy.level_names), autoescape=True)
        tpl.save(str(tmp_path / "x.docx"))
        doc = Document(str(tmp_path / "x.docx"))
        texts[level] = "".join(
            p.text for t in doc.tables for r in t.rows for c in r.cells for p in c.paragraphs
        )
    assert "可能会" not in texts["一般预警"]
    assert "可能会（☐降级、☑退学☐其他" in texts["退学预警"].replace("\u00a0", "")
