"""Tests of the audit reports: yujing.checker.html (one self-contained page) and
yujing.checker.xlsx (the workbook).

The page is looked at as a person would see it, in headless Chromium: ``--dump-dom`` gives the
DOM after the page's script ran (the URL hash sets the filters: ``#filter=…``,
``#only-problems``, ``#problem=…``, ``#class=…``), ``--screenshot`` and ``--print-to-pdf``
render it. Those tests carry ``requires_chromium`` (tests/sysparts.py) and skip, with the
reason, when Chromium is not installed — which fails the run unless YUJING_ALLOW_SKIPS=1.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import unicodedata
from collections.abc import Callable
from pathlib import Path
from urllib.parse import quote

import lxml.html
import openpyxl
import pytest
from sysparts import chromium_path, requires_chromium, skip_missing

from yujing.checker.html import render_html, status_class, write_html
from yujing.checker.model import (
    GOOD_STATUSES,
    PROBLEMS,
    STATUSES,
    AuditReport,
    Finding,
    RequirementStatus,
    StudentAudit,
)
from yujing.checker.xlsx import FINDING_HEADERS, write_xlsx

# ---------------------------------------------------------------------------- the report

REQUIREMENTS = (
    ("warning-notice", "预警通知书"),
    ("notice-stub", "通知书存根"),
    ("parent-notice", "家长告知书"),
    ("interview", "谈话记录"),
    ("plan", "帮扶计划"),
    ("summary", "帮扶总结"),
)
TITLES = dict(REQUIREMENTS)
WEN = "文学院"
SHU = "数学与信息科学学院"
EVIL = "<b>张&三</b>"
DETAILS = {
    "missing": "档案中没有{t}。",
    "late": "{t}于 2024-10-20 完成，晚于期限 2024-10-15。",
    "overdue": "{t}应于 2024-11-01 前完成，至今未完成。",
    "unsigned": "{t}缺少学生或家长签字。",
    "altered": "{t}的哈希与登记时不同。",
    "unreadable": "{t}无法打开（文件损坏）。",
    "mismatch": "{t}上的编号与登记库不符。",
}
DUE = {"late": "2024-10-15", "overdue": "2024-11-01"}

# (学号, 姓名, 学院, 班级, 预警等级, {requirement: status}) — unlisted requirements are "ok"
STUDENTS = [
    ("2023010101", "李明", WEN, "汉语言文学2301", "黄色预警", {"summary": "pending"}),
    (
        "2023010102",
        EVIL,
        WEN,
        "汉语言文学2301",
        "红色预警",
        {"notice-stub": "missing", "parent-notice": "unsigned"},
    ),
    (
        "2023010103",
        "王芳",
        WEN,
        "汉语言文学2301",
        "橙色预警",
        {"warning-notice": "late", "plan": "altered"},
    ),
    (
        "2023010201",
        "赵强",
        WEN,
        "汉语言文学2302",
        "红色预警",
        {"interview": "overdue", "parent-notice": "mismatch"},
    ),
    ("2023010202", "陈静", WEN, "汉语言文学2302", "黄色预警", {"parent-notice": "n/a"}),
    (
        "2023010203",
        "刘洋",
        WEN,
        "汉语言文学2302",
        "橙色预警",
        {"plan": "unreadable", "warning-notice": "missing", "summary": "missing"},
    ),
    (
        "2023020101",
        "孙悦",
        SHU,
        "数学2301",
        "黄色预警",
        {"interview": "late", "plan": "unsigned", "notice-stub": "altered"},
    ),
    ("2023020102", "周杰", SHU, "数学2301", "黄色预警", {}),
    (
        "2023020103",
        "吴迪",
        SHU,
        "数学2301",
        "红色预警",
        {"parent-notice": "missing", "summary": "overdue", "warning-notice": "unsigned"},
    ),
]
STRAY_PATH = "档案/文学院/汉语言文学2301/2023010101_李明/扫描件_未命名.pdf"


def folder(sid: str, name: str, college: str, cls: str) -> str:
    return f"档案/{college}/{cls}/{sid}_{name}"


def make_student(
    sid: str, name: str, college: str, cls: str, level: str, bad: dict[str, str]
) -> StudentAudit:
    statuses = []
    findings = []
    for rid, title in REQUIREMENTS:
        status = bad.get(rid, "ok")
        needed = 3 if rid == "interview" else 1
        count = needed if status == "ok" else (1 if rid == "interview" else 0)
        detail = DETAILS.get(status, "").format(t=title)
        statuses.append(RequirementStatus(rid, title, status, detail, count, needed))
        if status not in GOOD_STATUSES:
            path = (
                ""
                if status in ("missing", "overdue")
                else f"{folder(sid, name, college, cls)}/{title}.pdf"
            )
            findings.append(
                Finding(
                    sid,
                    name,
                    college,
                    cls,
                    level,
                    rid,
                    title,
                    status,
                    detail,
                    path,
                    DUE.get(status, ""),
                )
            )
    return StudentAudit(
        sid,
        name,
        college,
        cls,
        level,
        folder(sid, name, college, cls),
        tuple(statuses),
        tuple(findings),
    )


def make_report(**overrides: object) -> AuditReport:
    fields: dict[str, object] = dict(
        school="鞍山师范学院",
        policy="anshan",
        policy_title="学业预警",
        term="2024-2025-1",
        term_label="2024-2025学年第1学期",
        generated_at="2024-11-20T10:31:07+08:00",
        as_of="2024-11-20",
        verified=True,
        requirements=REQUIREMENTS,
        students=tuple(make_student(*s) for s in STUDENTS),
        stray=(
            Finding(
                "2023010101",
                "李明",
                WEN,
                "汉语言文学2301",
                "黄色预警",
                "",
                "孤立文件",
                "orphan",
                "登记库中没有这个文件的记录。",
                STRAY_PATH,
            ),
        ),
        integrity=(
            Finding(
                "2023010101",
                "李明",
                WEN,
                "汉语言文学2301",
                "黄色预警",
                "",
                "登记库·归档文件",
                "tampered",
                "归档文件第 12 行：内容与封印不符：这一行被改动过",
                STRAY_PATH,
            ),
            Finding(
                "2023010101",
                "李明",
                WEN,
                "汉语言文学2301",
                "黄色预警",
                "",
                "档案夹",
                "two-names",
                "学号 2023010101 有 2 个档案夹（姓名不同）：2023010101-李明、2023010101-李铭",
                "archive/2023010101-李明",
            ),
        ),
        notes=("谈话记录每学期至少 3 次。", "期限按工作日计算。"),
    )
    fields.update(overrides)
    return AuditReport(**fields)  # type: ignore[arg-type]


REPORT = make_report()
BAD = {s[0] for s in STUDENTS if any(v not in GOOD_STATUSES for v in s[5].values())}
GOOD = {s[0] for s in STUDENTS} - BAD
TITLE = "鞍山师范学院 2024-2025学年第1学期 学业预警档案检查报告"


def test_fixture_covers_every_problem() -> None:
    problems = {f.problem for f in REPORT.findings}
    assert problems == set(PROBLEMS)
    assert len(REPORT.by_class()) == 3
    assert len(REPORT.totals("college")) == 2


# ---------------------------------------------------------------------------- static HTML


def parse(html: str) -> lxml.html.HtmlElement:
    return lxml.html.document_fromstring(html)


def classes(el: lxml.html.HtmlElement) -> set[str]:
    return set((el.get("class") or "").split())


def student_rows(doc: lxml.html.HtmlElement) -> dict[str, lxml.html.HtmlElement]:
    return {tr.get("data-student"): tr for tr in doc.xpath('//tr[contains(@class, "student")]')}


def visible_ids(doc: lxml.html.HtmlElement) -> set[str]:
    return {sid for sid, tr in student_rows(doc).items() if tr.get("hidden") is None}


def test_html_is_self_contained_and_escaped() -> None:
    html = render_html(REPORT)
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="zh-CN"' in html
    assert '<meta charset="utf-8">' in html
    assert "&lt;b&gt;张&amp;三&lt;/b&gt;" in html
    assert "<b>张" not in html
    doc = parse(html)
    # no network: nothing linked, nothing fetched
    assert not doc.xpath("//link | //script[@src] | //img | //iframe | //object")
    for el in doc.iter():
        for attr in ("src", "href"):
            assert not (el.get(attr) or "").startswith(("http:", "https:", "//"))
    assert "@import" not in html
    assert "Content-Security-Policy" in html
    # without JavaScript everything is visible
    assert "no-js" in (doc.get("class") or "")
    assert len(student_rows(doc)) == len(STUDENTS)
    assert not doc.xpath("//*[@hidden]")


def test_html_status_classes_and_problems() -> None:
    doc = parse(render_html(REPORT))
    rows = student_rows(doc)
    assert status_class("n/a") == "status-na"
    for s in REPORT.students:
        tr = rows[s.student_id]
        assert tr.get("data-problems").split() == sorted(
            {f.problem for f in s.findings}, key=list(PROBLEMS).index
        )
        cells = tr.xpath('./td[contains(@class, "status")]')
        assert len(cells) == len(REQUIREMENTS)
        for td, st in zip(cells, s.statuses, strict=True):
            assert status_class(st.status) in classes(td)
            assert td.get("data-status") == st.status
            assert td.text_content().startswith(STATUSES[st.status])
            assert (td.get("title") or "") == st.detail


def test_write_html_is_atomic(tmp_path: Path) -> None:
    out = write_html(REPORT, tmp_path / "sub" / "报告.html")
    assert out.read_text(encoding="utf-8") == render_html(REPORT)
    assert [p.name for p in out.parent.iterdir()] == ["报告.html"]


def test_html_complete_report() -> None:
    report = make_report(students=(make_student(*STUDENTS[0]),), stray=(), integrity=(), notes=(), verified=False)
    html = render_html(report)
    doc = parse(html)
    assert doc.get_element_by_id("verdict").text_content().strip().endswith("全部齐全")
    assert "按文件大小和修改时间判断" in html
    assert "没有孤立文件" in doc.get_element_by_id("stray").text_content()
    empty = render_html(make_report(students=(), stray=(), integrity=()))
    assert "没有预警学生" in empty
    assert "全部齐全" in empty


# ---------------------------------------------------------------------------- xlsx


def test_xlsx(tmp_path: Path) -> None:
    path = write_xlsx(REPORT, tmp_path / "检查.xlsx")
    assert [p.name for p in tmp_path.iterdir()] == ["检查.xlsx"]
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == ["汇总", "学生", "问题清单", "孤立文件"]

    summary = wb["汇总"]
    assert summary["A1"].value == TITLE
    figures = {
        summary.cell(r, 1).value: summary.cell(r, 2).value for r in range(3, summary.max_row + 1)
    }
    assert figures["结论"] == f"发现 {len(REPORT.findings)} 个问题"
    assert figures["预警学生"] == len(STUDENTS)
    assert figures["材料齐全"] == len(GOOD)
    assert figures["孤立文件"] == 1
    assert figures["问题：缺失"] == sum(f.problem == "missing" for f in REPORT.findings)
    table = [[c.value for c in r] for r in summary.iter_rows()]
    college_head = next(
        i for i, r in enumerate(table) if r[:4] == ["学院", "预警学生", "齐全", "未齐全"]
    )
    assert table[college_head + 1][:4] == [SHU, 3, 1, 2]
    assert table[college_head + 2][:4] == [WEN, 6, 2, 4]
    class_head = next(i for i, r in enumerate(table) if r[:3] == ["学院", "班级", "预警学生"])
    assert table[class_head][5:8] == ["缺失", "逾期", "已超期未完成"]
    by_class = {r[1]: r for r in table[class_head + 1 : class_head + 4]}
    assert by_class["汉语言文学2302"][:8] == [WEN, "汉语言文学2302", 3, 1, 2, 2, 0, 1]

    students = wb["学生"]
    head = [c.value for c in students[1]]
    assert head[:5] == ["学院", "班级", "学号", "姓名", "预警等级"]
    assert head[5:11] == [t for _, t in REQUIREMENTS]
    assert head[11] == "问题数"
    assert students.freeze_panes == "F2"
    assert students.auto_filter.ref.startswith("A1:")
    rows = {r[2].value: r for r in students.iter_rows(min_row=2)}
    assert set(rows) == {s[0] for s in STUDENTS}
    evil = rows["2023010102"]
    assert evil[3].value == EVIL
    assert evil[2].data_type == "s" and evil[2].number_format == "@"
    assert evil[6].value == "缺失"  # 通知书存根
    assert evil[6].style == "yja-bad"
    assert evil[7].value == "未签字" and evil[7].style == "yja-warn"
    assert evil[11].value == 2
    assert rows["2023010201"][8].value == "超期未交 1/3"  # 谈话记录
    assert (
        rows["2023010101"][10].value == "未到期" and rows["2023010101"][10].style == "yja-neutral"
    )
    assert rows["2023010103"][9].style == "yja-tamper"
    assert rows["2023020102"][5].fill.fgColor.rgb.endswith("D8F0DC")

    problems = wb["问题清单"]
    assert tuple(c.value for c in problems[1]) == FINDING_HEADERS
    found = [tuple(c.value for c in r) for r in problems.iter_rows(min_row=2)]
    assert len(found) == len(REPORT.findings)
    first = next(r for r in found if r[2] == "2023010103")
    assert first[:7] == (
        WEN,
        "汉语言文学2301",
        "2023010103",
        "王芳",
        "橙色预警",
        "预警通知书",
        "逾期",
    )
    late = next(r for r in found if r[2] == "2023010103" and r[6] == "逾期")
    assert late[7] == "预警通知书于 2024-10-20 完成，晚于期限 2024-10-15。"
    assert late[8] == "档案/文学院/汉语言文学2301/2023010103_王芳/预警通知书.pdf"
    assert late[9] == "2024-10-15"
    assert problems.freeze_panes == "E2"

    stray = wb["孤立文件"]
    assert [c.value for c in stray[1]][:3] == ["文件", "问题", "说明"]
    assert stray["A2"].value == STRAY_PATH
    assert stray["B2"].value == PROBLEMS["orphan"]


# ---------------------------------------------------------------------------- Chromium

CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-extensions",
    "--hide-scrollbars",
]


Dom = Callable[..., lxml.html.HtmlElement]


@pytest.fixture(scope="session")
def chromium(tmp_path_factory: pytest.TempPathFactory) -> str:
    """The Chromium binary, once it has loaded a page."""
    binary = chromium_path()
    if binary is None:
        skip_missing("chromium")
    probe = tmp_path_factory.mktemp("probe") / "p.html"
    probe.write_text("<p>ok</p>", encoding="utf-8")
    try:
        proc = _run(binary, tmp_path_factory.mktemp("ud"), ["--dump-dom", probe.as_uri()])
    except subprocess.TimeoutExpired:
        why = "no answer within 60 s"
    else:
        if "<p>ok</p>" in proc.stdout:
            return binary
        why = proc.stderr[-500:]
    skip_missing("chromium", f"Chromium ({binary}) does not load a page: {why}")


def _run(
    binary: str, user_data: Path, args: list[str], timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [binary, *CHROMIUM_FLAGS, f"--user-data-dir={user_data}", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


@pytest.fixture(scope="session")
def page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_html(REPORT, tmp_path_factory.mktemp("html") / "档案检查报告.html")


@pytest.fixture
def dom(chromium: str, page: Path, tmp_path: Path) -> Dom:
    """``dom(hash)``: the page's DOM after its script ran, parsed."""

    def load(fragment: str = "") -> lxml.html.HtmlElement:
        url = page.as_uri() + (f"#{fragment}" if fragment else "")
        proc = _run(chromium, tmp_path / "ud", ["--dump-dom", url])
        assert "<html" in proc.stdout, proc.stderr[-2000:]
        return parse(proc.stdout)

    return load


@requires_chromium
def test_browser_page(dom: Dom) -> None:
    doc = dom()
    assert doc.findtext(".//title") == TITLE
    assert doc.xpath("string(//h1)") == TITLE
    assert "no-js" not in (doc.get("class") or "")  # the script ran
    header = doc.get_element_by_id("report-header").text_content()
    assert "截至 2024-11-20" in header and "已逐一校验文件哈希" in header
    assert "2024-11-20 10:31" in header
    assert f"发现 {len(REPORT.findings)} 个问题" in header

    summary = doc.get_element_by_id("summary")
    figures = {
        d.get("data-figure"): int(d.xpath('string(./span[@class="value"])'))
        for d in summary.xpath(".//div[@data-figure]")
    }
    assert figures["students"] == len(STUDENTS)
    assert figures["complete"] == len(GOOD)
    assert figures["incomplete"] == len(BAD)
    assert figures["findings"] == len(REPORT.findings)
    assert figures["stray"] == 1
    for p in PROBLEMS:
        assert figures[f"problem-{p}"] == sum(f.problem == p for f in REPORT.findings)
    assert "缺失" in summary.text_content() and "文件已被改动" in summary.text_content()

    tables = doc.xpath('//table[contains(@class, "class-table")]')
    assert sorted(t.get("data-class") for t in tables) == [
        "数学2301",
        "汉语言文学2301",
        "汉语言文学2302",
    ]
    for t in tables:
        ids = [tr.get("data-student") for tr in t.xpath('.//tr[contains(@class, "student")]')]
        expected = sorted(s[0] for s in STUDENTS if s[3] == t.get("data-class"))
        assert ids == expected
    # nothing is hidden before a filter is set
    assert visible_ids(doc) == {s[0] for s in STUDENTS}

    # the name is text, not markup
    row = student_rows(doc)["2023010102"]
    assert not row.xpath(".//b")
    assert row.xpath('string(./td[@class="name"])') == EVIL
    assert row.get("data-problems") == "missing unsigned"
    # cells are coloured by status
    cells = row.xpath('./td[contains(@class, "status")]')
    assert [c.get("data-status") for c in cells] == ["ok", "missing", "unsigned", "ok", "ok", "ok"]
    assert "status-missing" in classes(cells[1]) and "group-bad" in classes(cells[1])
    assert "status-unsigned" in classes(cells[2]) and "group-warn" in classes(cells[2])
    assert cells[2].get("title") == "家长告知书缺少学生或家长签字。"
    na = student_rows(doc)["2023010202"].xpath('./td[@data-status="n/a"]')
    assert na and "status-na" in classes(na[0]) and na[0].text_content() == "不适用"
    findings = row.xpath('.//li[@class="finding"]')
    assert [li.get("data-problem") for li in findings] == ["missing", "unsigned"]

    # a chart per college, with text a printout can read
    charts = doc.xpath('//figure[contains(@class, "college-chart")]')
    assert sorted(c.get("data-college") for c in charts) == sorted([WEN, SHU])
    for fig in charts:
        svgs = fig.xpath(".//svg")
        assert len(svgs) == 2
        for svg in svgs:
            assert svg.findtext("title") and svg.findtext("desc")
        labels = [t.text_content() for t in fig.xpath(".//svg//text")]
        college = fig.get("data-college")
        for cls in {s[3] for s in STUDENTS if s[2] == college}:
            assert cls in labels
        assert any(lbl.startswith("齐全 ") for lbl in labels)
    wen = next(c for c in charts if c.get("data-college") == WEN)
    bar = wen.xpath('.//g[@data-class="汉语言文学2302"]')[0]
    assert (bar.get("data-complete"), bar.get("data-incomplete")) == ("1", "2")
    assert "齐全 1 / 未齐全 2" in bar.text_content()
    missing = wen.xpath('.//g[@data-problem="missing"]')[0]
    assert missing.get("data-count") == "3" and "缺失" in missing.text_content()

    # filters exist; stray files and notes are shown
    assert doc.get_element_by_id("filter-text") is not None
    assert doc.get_element_by_id("only-problems") is not None
    boxes = doc.xpath('//input[contains(@class, "problem-filter")]')
    assert {b.get("value") for b in boxes} >= set(PROBLEMS) - {"orphan"}
    stray = doc.get_element_by_id("stray")
    assert STRAY_PATH in stray.text_content()
    assert "期限按工作日计算" in doc.get_element_by_id("notes").text_content()


@requires_chromium
def test_browser_filters(dom: Dom) -> None:
    doc = dom("filter=2023010203")
    assert visible_ids(doc) == {"2023010203"}
    hidden = student_rows(doc)["2023010101"]
    assert hidden.get("hidden") is not None and "filtered-out" in classes(hidden)
    sections = {
        s.get("data-class"): s.get("hidden") is None for s in doc.xpath("//section[@data-class]")
    }
    assert sections == {"汉语言文学2301": False, "汉语言文学2302": True, "数学2301": False}
    assert "显示 1 / 9 名学生" in doc.get_element_by_id("filter-count").text_content()
    assert "2023010203" in doc.get_element_by_id("filter-note").text_content()

    assert visible_ids(dom("filter=" + quote("王芳"))) == {"2023010103"}
    assert visible_ids(dom("filter=" + quote("数学2301"))) == {
        "2023020101",
        "2023020102",
        "2023020103",
    }
    assert visible_ids(dom("filter=" + quote("张&三"))) == {"2023010102"}

    only = dom("only-problems")
    assert visible_ids(only) == BAD
    assert only.get_element_by_id("only-problems").get("checked") is None  # a property, not markup
    assert visible_ids(dom("problem=altered,unreadable")) == {
        "2023010103",
        "2023010203",
        "2023020101",
    }
    assert visible_ids(dom("class=" + quote("汉语言文学2302") + "&only-problems")) == {
        "2023010201",
        "2023010203",
    }


@requires_chromium
def test_browser_screenshot_and_pdf(chromium: str, page: Path, tmp_path: Path) -> None:
    from PIL import Image
    from pypdf import PdfReader

    png = tmp_path / "report.png"
    proc = _run(
        chromium,
        tmp_path / "ud1",
        [f"--screenshot={png}", "--window-size=1400,2000", page.as_uri()],
    )
    assert png.exists(), proc.stderr[-2000:]
    with Image.open(png) as im:
        assert im.size == (1400, 2000)
        colours = im.convert("RGB").getcolors(1 << 20) or []
    assert len(colours) > 50  # not a blank page
    keep = os.environ.get("YUJING_KEEP_SCREENSHOT")
    if keep:
        shutil.copy(png, keep)

    pdf = tmp_path / "report.pdf"
    proc = _run(
        chromium,
        tmp_path / "ud2",
        [f"--print-to-pdf={pdf}", "--no-pdf-header-footer", page.as_uri()],
    )
    assert pdf.exists(), proc.stderr[-2000:]
    reader = PdfReader(pdf)
    assert len(reader.pages) >= 1
    first = reader.pages[0]
    assert float(first.mediabox.width) > float(first.mediabox.height)  # A4 landscape
    assert abs(float(first.mediabox.width) - 841.9) < 2
    # NFKC: the CJK fonts map some characters to Kangxi radicals (⽣ for 生) in the text layer
    text = unicodedata.normalize("NFKC", "".join(p.extract_text() or "" for p in reader.pages))
    assert "学业预警档案检查报告" in text.replace(" ", "")
    assert "孤立文件" in text
    keep_pdf = os.environ.get("YUJING_KEEP_PDF")
    if keep_pdf:
        shutil.copy(pdf, keep_pdf)
