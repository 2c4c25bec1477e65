"""Every printed page stands alone: each page of each pack's batch (one student per class) and
of the college lists and class cover sheets at 60 students carries a readable code (decoded by
the project's reader, checked with the workspace's key) and its document's title; a list's
pages say 第 k 页/共 n 页 and its signature block is printed with its last rows. The figures a
page prints agree with the rest of it: the counsellor's phone from the roster, and lanzhou's
continuing warning naming, in words, the term it was given."""

from __future__ import annotations

import csv
import re
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
from openpyxl import load_workbook
from sysparts import requires

from tests.pdflines import page_chars, page_text
from tools.synthetic import SampleSpec, write_sample
from yujing.archive.reader import render_pdf_page, scan_page
from yujing.converter import convert_to_pdf, find_converter
from yujing.forms import COVER_CODE, college_label
from yujing.generator.batch import BatchResult, issue
from yujing.generator.context import clean
from yujing.generator.cover import Cover, CoverLine, write_cover
from yujing.generator.render import render_single
from yujing.model import Term
from yujing.qr import format_serial, load_secret, make_payload, verify
from yujing.workspace import Workspace

CONVERTER = find_converter()
pytestmark = requires("soffice")
TERM = Term.parse("2024-2025-1")
POLICIES = ("anshan", "xinglin", "lanzhou-life", "beihai", "njmec-mech")
LIST_POLICIES = ("xinglin", "lanzhou-life", "beihai")
NO_PHONE = 0  # the roster row (index among students) left without a 辅导员电话
CONTINUING = "2023049901"  # a lanzhou student warned in 2023-2024-1 and not released since
MAJOR = "机械设计制造及其自动化"


def _phone(i: int) -> str:
    return f"0513-8501{i:04d}"


def _roster(source: Path, target: Path) -> dict[str, str]:
    """The sample roster with every student in a class of their own (one warned student per
    class at most), a 辅导员电话 column (blank for one student), and the continuing student.
    Returns 学号 → the phone written."""
    wb = load_workbook(source)
    sheet = wb.active
    assert sheet is not None
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    head = [str(h) for h in rows[0]]
    sid, cls = head.index("学号"), head.index("班级")
    template = list(rows[1])
    extra = list(template)
    extra[sid], extra[head.index("姓名")], extra[head.index("年级")] = CONTINUING, "韩续警", "2023"
    extra[head.index("专业")] = MAJOR
    body = [*rows[1:], extra]
    phones: dict[str, str] = {}
    out = wb.create_sheet("名单")
    out.append([*head, "辅导员电话"])
    for i, row in enumerate(body):
        row[cls] = f"单人{i + 1}班"
        phone = "" if i == NO_PHONE else _phone(i)
        phones[str(row[sid])] = phone
        out.append([*row, phone])
    wb.remove(sheet)
    wb.save(target)
    return phones


def _continuing_grades(target: Path) -> Path:
    """2023-2024-1: three courses failed at the 正常考试 (口头警示, 6 credits); later terms
    passed: kept at 口头警示 (6 credits still failed, not below 6) in 2024-2025-1."""
    rows = [
        ("2023-2024", "1", f"C9{k}", name, "2", "45")
        for k, name in enumerate(("有机化学", "物理化学", "生物化学"))
    ]
    rows += [("2023-2024", "1", "C95", "大学英语", "4", "80")]
    rows += [("2023-2024", "2", "C96", "细胞生物学", "4", "78")]
    rows += [("2024-2025", "1", "C97", "遗传学", "4", "81")]
    with target.open("w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(
            ["学年", "学期", "学号", "姓名", "课程代码", "课程名称", "学分", "成绩", "考试性质"]
        )
        for year, sem, code, name, credits, score in rows:
            writer.writerow(
                [year, sem, CONTINUING, "韩续警", code, name, credits, score, "正常考试"]
            )
    return target


@pytest.fixture(scope="module")
def batches(
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[dict[str, tuple[Workspace, BatchResult, dict[str, str]]]]:
    """One batch per pack, one student per class."""
    out = tmp_path_factory.mktemp("printed")
    spec = SampleSpec(students=12, weak_share=0.6, majors=(MAJOR,))
    sample = write_sample(out / "sample", spec)
    phones = _roster(sample.roster, out / "名单.xlsx")
    extra = _continuing_grades(out / "成绩_续警.csv")
    made: dict[str, tuple[Workspace, BatchResult, dict[str, str]]] = {}
    for policy in POLICIES:
        ws = Workspace.init(out / policy, pack=policy, school="示例大学")
        ws.import_file("roster", out / "名单.xlsx")
        for grades in (*sample.grades, extra):
            ws.import_file("grades", grades)
        ws.import_file("plan", sample.plan)
        ws.import_file("flags", sample.flags)
        if policy == "njmec-mech":
            ws.import_file("levels", sample.levels, term=TERM)
        ws.assess(TERM)
        ws.freeze(TERM)
        (result,) = issue(ws, TERM, converter=CONVERTER)
        assert result.students and result.pdf is not None, policy
        made[policy] = (ws, result, phones)
    yield made
    for ws, _, _ in made.values():
        ws.close()


def _squash(text: str) -> str:
    return re.sub(r"\s+", "", text)


def _head(title: str) -> str:
    """The words of a title every page prints (家长联 and 家长联存根 both print 学业预警通知书)."""
    return _squash(re.sub(r"（[^）]*）$", "", title))


def _codes(secret: bytes, pdf: Path, page: int) -> set[tuple[int, str]]:
    scan = scan_page(render_pdf_page(pdf, page, 150, grey=True))
    refs = {verify(secret, c).ref for c in scan.codes}
    return {(r.serial, r.part) for r in refs if r is not None}


def _printed(ws: Workspace) -> list[tuple[Path, str, set[tuple[int, str]]]]:
    """Every file the batch filed (each student's forms, the lists, the cover sheets) with
    its title and the (serial, part) its pages may carry."""
    files: dict[str, tuple[str, set[tuple[int, str]]]] = {}
    for row in ws.registry.issued_parts():
        _title, allowed = files.setdefault(row["file"], (row["form_title"], set()))
        allowed.add((row["serial"], row["part"]))
    for doc in ws.registry.college_docs(TERM):
        files[doc["file"]] = (doc["title"], {(doc["serial"], doc["part"])})
    return [(ws.root / f, title, allowed) for f, (title, allowed) in files.items() if f]


@pytest.mark.parametrize("policy", POLICIES)
def test_every_page_of_the_batch_carries_a_readable_code_and_its_title(
    policy: str, batches: dict[str, tuple[Workspace, BatchResult, dict[str, str]]]
) -> None:
    ws, result, _ = batches[policy]
    secret = load_secret(ws.root)
    printed = _printed(ws)
    classes = {(s.college, s.class_name) for s in result.students}
    assert len(classes) == len(result.students)  # one student per class
    assert sum(1 for _, title, _ in printed if "发放单" in title) == len(classes)
    failures = []
    pages = 0
    for pdf, title, allowed in printed:
        for number, chars in enumerate(page_chars(pdf), start=1):
            pages += 1
            text = _squash(page_text(chars))
            if _head(title) not in text:
                failures.append(f"{pdf.name} page {number}: no title {title}")
            found = _codes(secret, pdf, number)
            if not found or not found <= allowed:
                failures.append(f"{pdf.name} page {number}: codes {found}, expected {allowed}")
    assert pages >= len(result.students)
    assert not failures, "\n".join(failures)


# -- the lists and cover sheets at 60 students ---------------------------------------------


def _rows(n: int) -> list[SimpleNamespace]:
    return [
        SimpleNamespace(
            seq=str(i),
            student_id=f"20220401{i:02d}",
            name=f"学生{i:02d}",
            gender="男",
            grade="2022",
            major=MAJOR,
            class_name="机制2201",
            level="预警",
            reason=f"累计未通过 {i} 学分：高等数学A(上)(5)、大学英语Ⅱ(2.5)",
            result="",
        )
        for i in range(1, n + 1)
    ]


SIGNS = {"xinglin": "教务老师（制表）", "lanzhou-life": "分管学生工作副书记", "beihai": "填表人"}


def test_lists_and_cover_sheets_of_60_students_paginate_as_documents(
    batches: dict[str, tuple[Workspace, BatchResult, dict[str, str]]], tmp_path: Path
) -> None:
    """At 60 students in a class every page of a college list and of the class's cover sheet
    carries the title, 第 N 号, 第 k 页/共 n 页 and the code; the column labels repeat; the
    signature block is on the last page with the last students, never alone."""
    assert CONVERTER is not None
    rows = _rows(60)
    docs: list[tuple[str, Path, str, int, str, str]] = []
    for policy in LIST_POLICIES:
        ws, _, _ = batches[policy]
        secret = load_secret(ws.root)
        form = next(f for f in ws.forms if f.per_college)
        part = form.parts[0]
        serial = 900000 + len(docs)
        context = clean(
            {
                "school": ws.school,
                "rules_title": ws.rules_title,
                "school_address": "",
                "school_phone": "",
                "college": "机械工程学院",
                "term_label": TERM.label(),
                "rows": rows,
                "serial": format_serial(serial),
                "copy": form.copies[0] if form.copies else "",
            }
        )
        docx = render_single(
            form.template_path,
            context,
            {part.id: make_payload(secret, serial, part.code)},
            tmp_path / f"{policy}-list.docx",
        )
        docs.append((policy, docx, form.title, serial, part.code, SIGNS[policy]))
        cover_serial = serial + 50
        cover = Cover(
            title=f"{ws.school} {TERM.label()}\n{ws.policy.title}材料发放单",
            college="机械工程学院",
            college_label=college_label(ws.forms),
            class_name="机制2201",
            class_teacher="赵老师",
            counsellor="王老师",
            batch="2024-2025-1-001",
            lines=tuple(
                CoverLine(r.student_id, r.name, "预警", f"{i:06d}", "学业预警通知书、谈话记录表", 3)
                for i, r in enumerate(rows, start=1)
            ),
            serial=format_serial(cover_serial),
            payload=make_payload(secret, cover_serial, COVER_CODE),
        )
        path = write_cover(cover, tmp_path / f"{policy}-cover.docx")
        docs.append((policy, path, "材料发放单", cover_serial, COVER_CODE, "领取人"))
    pdfs = convert_to_pdf(CONVERTER, [d[1] for d in docs], tmp_path / "pdf", processes=1)
    failures: list[str] = []
    for (policy, _docx, title, serial, code, sign), pdf in zip(docs, pdfs, strict=True):
        secret = load_secret(batches[policy][0].root)
        pages = [_squash(page_text(c)) for c in page_chars(pdf)]
        assert len(pages) >= 2, (pdf.name, "60 students fit one page?")
        for k, text in enumerate(pages, start=1):
            where = f"{pdf.name} page {k}"
            for words in (
                title,
                f"第{format_serial(serial)}号",
                f"第{k}页/共{len(pages)}页",
                "学号",
            ):
                if words not in text:
                    failures.append(f"{where}: no {words}")
            if _codes(secret, pdf, k) != {(serial, code)}:
                failures.append(f"{where}: code not read")
            if sign in text and k < len(pages):
                failures.append(f"{where}: signature block before the last page")
        last = pages[-1]
        if sign not in last or rows[-1].student_id not in last:
            failures.append(f"{pdf.name}: signature block not with the last rows")
        students = [r.student_id for r in rows if r.student_id in "".join(pages)]
        if len(students) != len(rows):
            failures.append(f"{pdf.name}: {len(rows) - len(students)} students missing")
    assert not failures, "\n".join(failures)


# -- figures that agree with the page --------------------------------------------------------


def _form_pages(ws: Workspace, serial: int, field: str) -> list[str]:
    """The pages of every form of ``serial`` whose catalogue prints ``field``."""
    titles = {f.title for f in ws.forms if field in f.field_names}
    files = {p["file"] for p in ws.registry.issued_parts(serial) if p["form_title"] in titles}
    return [_squash(page_text(c)) for f in sorted(files) for c in page_chars(ws.root / f)]


# beihai's forms print no 联系电话; njmec-mech prints it on the 致家长通知书 of 橙色/红色 only,
# which this small batch (its levels imported from the 教务 list) does not reach
@pytest.mark.parametrize("policy", ["anshan", "xinglin", "lanzhou-life"])
def test_the_counsellors_phone_is_printed_and_a_missing_one_counted(
    policy: str, batches: dict[str, tuple[Workspace, BatchResult, dict[str, str]]]
) -> None:
    ws, result, phones = batches[policy]
    printed = missing = 0
    for student in result.students:
        pages = _form_pages(ws, student.serial, "counsellor_phone")
        if not pages:
            continue
        phone = phones[student.student_id]
        joined = "".join(pages)
        if phone:
            assert _squash(f"联系电话：{phone}") in joined, (policy, student.student_id)
            printed += 1
        else:
            missing += 1
    assert printed
    assert result.without_phone == missing
    said = [n for n in result.notes if "辅导员联系电话" in n]
    assert bool(said) == bool(missing) and (not said or said[0].startswith(f"{missing} 名学生"))


def test_a_continuing_lanzhou_warning_names_its_first_term_in_words(
    batches: dict[str, tuple[Workspace, BatchResult, dict[str, str]]],
) -> None:
    ws, result, _ = batches["lanzhou-life"]
    student = next(s for s in result.students if s.student_id == CONTINUING)
    assert student.level == "口头警示"
    files = {p["form_title"]: p["file"] for p in ws.registry.issued_parts(student.serial)}
    notice = [_squash(page_text(c)) for c in page_chars(ws.root / files["学业警示通知单"])]
    parent = [
        _squash(page_text(c)) for c in page_chars(ws.root / files["学业警示通知单（家长联）"])
    ]
    since = "2023-2024学年第1学期"
    for page in notice + parent:
        assert "2023-2024-1" not in page  # never a raw term code
    first = notice[0]
    assert f"{since}起口头警示" in first  # the reason
    assert "累计未通过学分6，未低于6" in first
    assert f"你自{since}起受到口头警示" in first and "符合学业警示条件，现给予" not in first
    assert f"自{since}起在学习中出现困难" in parent[0] + parent[-1]
    # and the college list says the same
    (listing,) = [d for d in ws.registry.college_docs(TERM) if d["form"] != "cover"]
    text = "".join(_squash(page_text(c)) for c in page_chars(ws.root / listing["file"]))
    assert f"{since}起口头警示" in text


def test_class_piles_follow_the_roster_order_of_classes(
    batches: dict[str, tuple[Workspace, BatchResult, dict[str, str]]],
) -> None:
    """The roster lists 单人1班, 单人2班 … 单人13班: the piles (and their cover sheets' serials)
    follow it, not the character order that put 单人10班 before 单人2班."""
    ws, result, _ = batches["anshan"]
    covers = sorted(
        (d for d in ws.registry.college_docs(TERM) if d["form"] == "cover"),
        key=lambda d: d["serial"],
    )
    numbers = [int(re.sub(r"\D", "", d["copy"])) for d in covers]
    assert len(numbers) > 2 and numbers == sorted(numbers)
    piles = [int(re.sub(r"\D", "", s.class_name)) for s in result.students]
    assert piles == sorted(piles)


def test_a_counsellor_accounts_phone_is_printed_where_the_roster_has_none(
    tmp_path: Path,
) -> None:
    """The roster has no 辅导员电话 column: the notices of one counsellor's students print the
    phone of that counsellor's account; the others are counted as going out without one."""
    sample = write_sample(tmp_path / "sample", SampleSpec(students=12, weak_share=0.6))
    ws = Workspace.init(tmp_path / "ws", pack="anshan", school="示例大学")
    ws.import_file("roster", sample.roster)
    for grades in sample.grades:
        ws.import_file("grades", grades)
    ws.import_file("flags", sample.flags)
    report = ws.assess(TERM)
    ws.freeze(TERM)
    roster = ws.registry.students()
    assert not any(s.counsellor_phone for s in roster.values())
    warned = [roster[e.student_id] for e in report.warned]
    name = warned[0].counsellor
    assert name
    with pytest.raises(Exception, match="只能含数字"):
        ws.add_user("甲", role="counsellor", roster_name=name, password="pass-word-1", phone="问")
    ws.add_user(
        "辅导员甲", role="counsellor", roster_name=name, password="pass-word-1", phone="0513-85012345"
    )
    (result,) = issue(ws, TERM, converter=CONVERTER)
    mine = others = 0
    for student in result.students:
        pages = _form_pages(ws, student.serial, "counsellor_phone")
        if not pages:
            continue
        joined = "".join(pages)
        if roster[student.student_id].counsellor == name:
            assert _squash("联系电话：0513-85012345") in joined, student.student_id
            mine += 1
        else:
            assert "0513-85012345" not in joined
            others += 1
    assert mine and result.without_phone == others
    ws.close()
