"""End-of-term reports (yujing.reports): the figures, the charts and the three .docx files."""

from __future__ import annotations

import io
import subprocess
from fractions import Fraction
from pathlib import Path
from typing import Any

import pytest
from conftest import PREV_GBK, PREV_TERM, ROSTER_XLSX, TERM, THIS_BOM
from docx import Document
from docx.enum.section import WD_ORIENT
from docx.oxml.ns import qn
from docx.shared import Mm
from PIL import Image
from sysparts import requires

from yujing.errors import ListStateError
from yujing.reports import charts as chart_kit
from yujing.reports.documents import REPORT_NAMES, report_paths, write_term_reports
from yujing.reports.figures import TermSummary, percent_text, term_summary
from yujing.workspace import Workspace

# The known outcome of the sample class (tests/test_workspace.py):
#   101 新增 橙, 102 解除 (was 黄), 103 降级 红→黄, 104 新增 红, 107 持续 黄, 108 升级 黄→橙.
CLASS_A, CLASS_B = "机械2301", "机械2302"


@pytest.fixture
def assessed(anshan_ws: Workspace) -> Workspace:
    anshan_ws.assess(PREV_TERM)
    anshan_ws.freeze(PREV_TERM)
    anshan_ws.assess(TERM)
    return anshan_ws


def _texts(doc: object) -> list[str]:
    """Every paragraph's text, body then table cells."""
    out = [p.text for p in doc.paragraphs]  # type: ignore[attr-defined]
    for table in doc.tables:  # type: ignore[attr-defined]
        for row in table.rows:
            out.extend(cell.text for cell in row.cells)
    return out


def _size_mm(section: Any) -> tuple[int, int]:
    return round(section.page_width.mm), round(section.page_height.mm)


def _run_east_asia(run: Any) -> str | None:
    return _east_asia_of(run._element.rPr)


def _east_asia_of(rpr: Any) -> str | None:
    rfonts = None if rpr is None else rpr.find(qn("w:rFonts"))
    return None if rfonts is None else rfonts.get(qn("w:eastAsia"))


def _east_asia(style: Any) -> str | None:
    return _east_asia_of(style.element.rPr)


# ------------------------------------------------------------------------------ figures


def test_summary_figures_match_the_known_outcomes(assessed: Workspace) -> None:
    s = term_summary(assessed, TERM)
    assert s.level_names == ("红色预警", "橙色预警", "黄色预警")
    assert dict(s.levels) == {"红色预警": 1, "橙色预警": 2, "黄色预警": 2}
    assert s.warned == 5
    assert dict(s.colleges) == {"机械工程学院": s.levels}
    assert dict(s.changes) == {"新增": 2, "升级": 1, "降级": 1, "持续": 1, "解除": 1}
    assert s.has_previous and s.previous_status == "frozen"
    assert dict(s.previous_levels) == {"红色预警": 1, "橙色预警": 0, "黄色预警": 3}
    assert s.previous_warned == 4
    assert s.converted == 2
    assert s.conversion_rate == Fraction(1, 2)
    assert percent_text(s.conversion_rate) == "50%"

    classes = {c.class_name: c for c in s.classes}
    assert set(classes) == {CLASS_A, CLASS_B}
    a, b = classes[CLASS_A], classes[CLASS_B]
    assert dict(a.levels) == {"红色预警": 0, "橙色预警": 1, "黄色预警": 1}
    assert dict(b.levels) == {"红色预警": 1, "橙色预警": 1, "黄色预警": 1}
    # 2301: 102 解除 + 103 降级 of 2 warned before; 2302: 107 持续 + 108 升级 of 2
    assert (a.previous_warned, a.converted, a.conversion_rate) == (2, 2, Fraction(1))
    assert (b.previous_warned, b.converted, b.conversion_rate) == (2, 0, Fraction(0))
    assert dict(a.changes) == {"新增": 1, "升级": 0, "降级": 1, "持续": 0, "解除": 1}
    assert dict(b.changes) == {"新增": 1, "升级": 1, "降级": 0, "持续": 1, "解除": 0}

    assert [(c.student_id, c.change, c.previous_level, c.level) for c in s.fallen] == [
        ("2023010102", "解除", "黄色预警", ""),
        ("2023010103", "降级", "红色预警", "黄色预警"),
    ]
    assert [r.student_id for r in s.students] == [
        "2023010101",
        "2023010103",
        "2023010104",
        "2023010107",
        "2023010108",
    ]
    # nothing issued, filed or recorded yet
    assert (s.notices_issued, s.returns_filed, s.interviews, s.parent_contacts) == (0, 0, 0, 0)
    assert all(r.result == "" for r in s.students)


def _scan(serial: int, sid: str, form: str, part: str, version: int) -> dict[str, object]:
    return {
        "student_id": sid,
        "term": str(TERM),
        "serial": serial,
        "form": form,
        "part": part,
        "kind": "scan",
        "path": f"archive/{sid}-{form}-{part}-{version}.pdf",
        "version": version,
        "signed": 1,
    }


def _record(sid: str, kind: str, term: str = str(TERM)) -> dict[str, object]:
    keys = ("date", "who", "how", "summary", "path")
    return {"student_id": sid, "term": term, "kind": kind, **dict.fromkeys(keys, "")}


def test_work_figures_count_serials_returns_and_records(assessed: Workspace) -> None:
    registry = assessed.registry
    with registry.transaction():
        serials = registry.allocate_serials(TERM, ["2023010101", "2023010104"], "b1")
    serial = serials["2023010101"]
    registry.record_archive_file(_scan(serial, "2023010101", "notice", "stub", 1))
    # the same part filed again (a better scan): still one return
    registry.record_archive_file(_scan(serial, "2023010101", "notice", "stub", 2))
    for sid, kind in [
        ("2023010101", "interview"),
        ("2023010101", "interview"),
        ("2023010101", "parent-contact"),
        ("2023010108", "interview"),
        ("2023010108", "plan"),
    ]:
        registry.add_record(_record(sid, kind))
    registry.add_record(_record("2023010101", "interview", str(PREV_TERM)))  # not this term
    s = term_summary(assessed, TERM)
    assert (s.notices_issued, s.returns_filed, s.interviews, s.parent_contacts) == (2, 1, 3, 1)
    assert s.records_available
    rows = {r.student_id: r for r in s.students}
    assert rows["2023010101"].result == "谈话 2 次；家长联系 1 次；通知书已交回"
    assert rows["2023010104"].result == "通知书未交回"
    assert rows["2023010108"].result == "谈话 1 次"
    assert rows["2023010107"].result == ""
    classes = {c.class_name: c for c in s.classes}
    assert (classes[CLASS_A].notices_issued, classes[CLASS_A].returns_filed) == (1, 1)
    assert (classes[CLASS_A].interviews, classes[CLASS_A].parent_contacts) == (2, 1)
    assert (classes[CLASS_B].notices_issued, classes[CLASS_B].interviews) == (1, 1)


def test_no_records_counts_zero_and_says_so(assessed: Workspace) -> None:
    assert assessed.registry.record_counts(TERM) == {}
    s = term_summary(assessed, TERM)
    assert (s.interviews, s.parent_contacts, s.records_available) == (0, 0, False)
    paths = write_term_reports(assessed, TERM, assessed.root / "reports")
    text = "\n".join(_texts(Document(str(paths[1]))))
    assert "尚未登记谈话、家长联系记录" in text


def test_no_saved_list_raises(anshan_ws: Workspace, tmp_path: Path) -> None:
    with pytest.raises(ListStateError, match=r"yujing assess --term 2024-2025-1"):
        term_summary(anshan_ws, TERM)
    with pytest.raises(ListStateError, match="还没有名单"):
        write_term_reports(anshan_ws, TERM, tmp_path / "out")
    assert not (tmp_path / "out").exists() or not any((tmp_path / "out").iterdir())


def test_no_previous_list_is_said_not_failed(anshan_ws: Workspace, tmp_path: Path) -> None:
    anshan_ws.assess(TERM)  # 2023-2024-2 never saved
    s = term_summary(anshan_ws, TERM)
    assert not s.has_previous and s.previous_warned == 0
    assert s.conversion_rate is None and percent_text(None) == "—"
    paths = write_term_reports(anshan_ws, TERM, tmp_path / "out")
    for path in paths[:2]:
        text = "\n".join(_texts(Document(str(path))))
        assert "对比：上学期无名单" in text
    effect = Document(str(paths[0]))
    assert len(effect.inline_shapes) == 1  # previous vs current (current only); no conversion


# ------------------------------------------------------------------------------ the files


def test_three_reports_are_written_and_read_back(assessed: Workspace, tmp_path: Path) -> None:
    calls: list[tuple[int, int]] = []
    out = tmp_path / "out"
    paths = write_term_reports(assessed, TERM, out, progress=lambda d, t: calls.append((d, t)))
    assert paths == report_paths(TERM, out)
    assert [p.name for p in paths] == [f"2024-2025-1 {n}" for n in REPORT_NAMES]
    assert all(p.is_file() for p in paths)
    assert sorted(p.name for p in out.iterdir()) == sorted(p.name for p in paths)  # no .part
    assert calls == [(0, 3), (1, 3), (2, 3), (3, 3)]

    effect, work, results = (Document(str(p)) for p in paths)
    for doc in (effect, work):
        section = doc.sections[0]
        assert _size_mm(section) == (210, 297)
    for doc in (effect, work, results):
        assert _east_asia(doc.styles["Normal"]) == "宋体"
        assert _east_asia(doc.styles["Heading 1"]) == "黑体"
        runs = [r for p in doc.paragraphs for r in p.runs if r.text.strip()]
        assert runs and all(_run_east_asia(r) in ("宋体", "黑体") for r in runs)

    # 1. 帮扶效果分析报告
    assert effect.paragraphs[0].text == "2024-2025学年第1学期学业预警帮扶效果分析报告"
    text = "\n".join(_texts(effect))
    assert "转化率 50%" in text
    assert "新增 2 人，升级 1 人，降级 1 人，持续 1 人，解除 1 人" in text
    conv = next(t for t in effect.tables if t.rows[0].cells[-1].text == "转化率")
    rates = {r.cells[1].text: r.cells[-1].text for r in conv.rows[1:]}
    assert rates == {CLASS_A: "100%", CLASS_B: "0%", "": "50%"}
    fallen = next(
        t for t in effect.tables if t.rows[0].cells[-1].text == "变化" and len(t.columns) == 7
    )
    assert [(r.cells[1].text, r.cells[2].text, r.cells[6].text) for r in fallen.rows[1:]] == [
        ("2023010102", "林芳", "解除"),
        ("2023010103", "吴强", "降级"),
    ]
    assert len(effect.inline_shapes) == 2  # previous vs current, conversion per class
    for shape in effect.inline_shapes:
        assert abs(shape.width - Mm(160)) < Mm(1)

    # 2. 学期学业帮扶总结报告
    assert work.paragraphs[0].text == "2024-2025学年第1学期学业预警与学业帮扶总结报告"
    text = "\n".join(_texts(work))
    for heading in ("一、本学期工作概况", "二、各班情况", "四、经验与问题", "五、改进措施"):
        assert heading in [p.text for p in work.paragraphs]
    assert text.count("【待填写】") == 3
    assert "发出学业预警通知书 0 份" in text
    per_class = next(t for t in work.tables if t.rows[0].cells[0].text == "班级")
    header = [c.text for c in per_class.rows[0].cells]
    assert header == [
        "班级",
        "红色预警",
        "橙色预警",
        "黄色预警",
        "合计",
        "通知书",
        "回收",
        "谈话",
        "家长联系",
    ]
    assert [c.text for c in per_class.rows[-1].cells][:5] == ["合计", "1", "2", "2", "5"]
    assert len(work.inline_shapes) == 2  # levels per class, previous vs current

    # 3. 学生学业预警处理结果汇总表 (beihai 附件3)
    section = results.sections[0]
    assert section.orientation == WD_ORIENT.LANDSCAPE
    assert _size_mm(section) == (297, 210)
    lines = [p.text for p in results.paragraphs]
    assert lines[0] == "鞍山师范学院学生学业预警处理结果汇总表"
    assert lines[1] == "2024-2025    第 1 学期"
    assert lines[2].startswith("学院（公章）：机械工程学院") and "教学副院长签名：" in lines[2]
    assert lines[3].startswith("填表人：") and lines[3].endswith("年      月      日")
    (table,) = results.tables
    assert [c.text for c in table.rows[0].cells] == [
        "序号",
        "学院",
        "班级",
        "学号",
        "姓名",
        "预警等级",
        "预警原因",
        "处理结果",
    ]
    body = [[c.text for c in r.cells] for r in table.rows[1:]]
    assert [(r[0], r[3], r[4], r[5]) for r in body] == [
        ("1", "2023010101", "陈明", "橙色预警"),
        ("2", "2023010103", "吴强", "黄色预警"),
        ("3", "2023010104", "郑丽", "红色预警"),
        ("4", "2023010107", "何静", "黄色预警"),
        ("5", "2023010108", "冯涛", "橙色预警"),
    ]
    assert body[0][6] == "本学期未通过 4/20 学分(20%)"
    assert all(r[7] == "" for r in body)  # nothing recorded: left for hand filling


def test_charts_are_pngs_with_chinese_text(assessed: Workspace) -> None:
    s = term_summary(assessed, TERM)
    charts = [
        *chart_kit.class_level_charts(s, assessed.policy),
        chart_kit.previous_current_chart(s),
        *chart_kit.conversion_charts(s),
    ]
    assert len(charts) == 3
    for caption, png in charts:
        assert caption
        image = Image.open(io.BytesIO(png))
        assert image.format == "PNG" and image.size == (chart_kit.CHART_W, chart_kit.CHART_H)
        assert len(image.getcolors(1 << 16) or []) > 10  # something drawn


def test_many_classes_split_into_several_charts() -> None:
    from yujing.reports.figures import ClassFigures

    levels = (("一级预警", 1), ("二级预警", 1))
    classes = tuple(
        ClassFigures("学院", f"班{i:02d}", levels, 0, (), 0, 0, 0, 0) for i in range(23)
    )
    summary = TermSummary(
        term=TERM,
        previous_term=PREV_TERM,
        school="x",
        basis="《x办法》",
        title="学业预警",
        policy_name="beihai",
        level_names=("一级预警", "二级预警"),
        status="draft",
        assessed_count=50,
        levels=(("一级预警", 22), ("二级预警", 23)),
        colleges=(),
        classes=classes,
        has_previous=False,
        previous_status="",
        previous_levels=(("一级预警", 0), ("二级预警", 0)),
        changes=(),
        fallen=(),
        students=(),
        notices_issued=0,
        returns_filed=0,
        interviews=0,
        parent_contacts=0,
        records_available=True,
    )
    from yujing.institutions import load_pack_policy

    charts = chart_kit.class_level_charts(summary, load_pack_policy("beihai"))
    assert [c[-5:] for c, _ in charts] == ["（1/3）", "（2/3）", "（3/3）"]


def test_chart_falls_back_without_a_cjk_font(
    assessed: Workspace, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    def no_fc_match(*args: object, **kwargs: object) -> object:
        raise FileNotFoundError("fc-match")

    from yujing import cjkfont

    monkeypatch.setattr(cjkfont.subprocess, "run", no_fc_match)
    assert cjkfont._find_cjk_font() is None
    monkeypatch.setattr(chart_kit, "cjk_font", lambda: None)
    _, png = chart_kit.previous_current_chart(term_summary(assessed, TERM))
    assert Image.open(io.BytesIO(png)).size == (chart_kit.CHART_W, chart_kit.CHART_H)
    fonts = chart_kit._Fonts()
    assert fonts.text("红色预警", 0, "Level ") == "Level 1"
    assert fonts.text("机械2301", 1, "C") == "2301"
    paths = write_term_reports(assessed, TERM, tmp_path / "out")
    assert len(Document(str(paths[1])).inline_shapes) == 2


@pytest.mark.parametrize(
    ("policy", "school", "levels", "warned", "changes"),
    [
        # beihai counts failed courses (≥ 4): nobody in the sample class reaches it
        ("beihai", "北海艺术设计学院", ("一级预警", "二级预警"), {}, {}),
        (
            "lanzhou-life",
            "兰州理工大学生命科学与工程学院",
            ("书面警示", "口头警示"),
            {"书面警示": 3, "口头警示": 2},
            {"新增": 1, "升级": 2, "持续": 2},
        ),
    ],
)
def test_two_level_policies_render(
    tmp_path: Path,
    policy: str,
    school: str,
    levels: tuple[str, str],
    warned: dict[str, int],
    changes: dict[str, int],
) -> None:
    ws = Workspace.init(tmp_path / "b", pack=policy, school=school)
    try:
        ws.import_file("roster", ROSTER_XLSX)
        ws.import_file("grades", PREV_GBK)
        ws.import_file("grades", THIS_BOM)
        ws.assess(PREV_TERM)
        ws.freeze(PREV_TERM)
        ws.assess(TERM)
        s = term_summary(ws, TERM)
        assert s.level_names == levels
        assert dict(s.levels) == {lv: warned.get(lv, 0) for lv in levels}
        assert {c: n for c, n in s.changes if n} == changes
        assert all(len(c.levels) == 2 for c in s.classes)
        paths = write_term_reports(ws, TERM, tmp_path / "out")
        effect, work, results = (Document(str(p)) for p in paths)
        header = [c.text for c in effect.tables[0].rows[0].cells]
        assert header == ["学院", "班级", *levels, "合计"]
        title = ws.policy.title  # 学业预警 / 学业警示
        assert effect.paragraphs[0].text == f"2024-2025学年第1学期{title}帮扶效果分析报告"
        if any(f.kind == "summary" for f in ws.forms):
            # beihai 附件3: from the pack's template, the one issue prints per college
            text = "".join(p.text for t in results.tables for r in t.rows for c in r.cells
                           for p in c.paragraphs)  # fmt: skip
            # the heading (title, 学年学期, 第 N 号) is the table's repeated first row
            assert f"{school}学生{title}处理结果汇总表" in text and "学年学期" in text
            return
        assert results.paragraphs[0].text == f"{school}学生{title}处理结果汇总表"
        assert results.paragraphs[1].text == "2024-2025    第 1 学期"
        body = [r for t in results.tables for r in t.rows[1:]]
        if s.warned:
            assert [r.cells[3].text for r in body] == [x.student_id for x in s.students]
            assert {r.cells[5].text for r in body} <= set(levels)
        else:
            assert len(body) == 1 and f"本学期无{title}学生" in body[0].cells[6].text
        assert len(work.inline_shapes) == 2
    finally:
        ws.close()


# ------------------------------------------------------------------------------ rendering


@requires("soffice", "poppler")
def test_a_report_renders_with_libreoffice(assessed: Workspace, tmp_path: Path) -> None:
    from yujing.converter import convert_to_pdf, find_converter

    converter = find_converter()
    assert converter is not None
    paths = write_term_reports(assessed, TERM, tmp_path / "out")
    (pdf,) = convert_to_pdf(converter, [paths[2]], tmp_path / "pdf", processes=1)
    subprocess.run(
        ["pdftoppm", "-r", "60", "-png", "-f", "1", "-l", "1", str(pdf), str(tmp_path / "page")],
        check=True,
        capture_output=True,
    )
    (png,) = tmp_path.glob("page*.png")
    image = Image.open(png)
    assert image.width > image.height  # landscape
    assert len(image.convert("L").getcolors(256) or []) > 2  # text and rules drawn
