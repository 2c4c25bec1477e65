"""The .docx templates of the packs (yujing/institutions/<pack>/templates/): tags, contract, rendering, layout."""

from __future__ import annotations

import io
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import docx
import pytest
from docx.oxml.ns import qn
from docxtpl import DocxTemplate

from tools.templates.build import build_all
from yujing.forms import FormSpec
from yujing.forms.contract import (
    COURSE_ATTRS,
    DATE_ATTRS,
    ROW_ATTRS,
    STUDENT_ATTRS,
    STUDENT_CONTEXT,
    SUMMARY_CONTEXT,
)
from yujing.forms.sample import (
    SAMPLE_SERIAL,
    sample_student,
    student_context,
    summary_context,
)
from yujing.forms.templates import TAG_RE, template_texts
from yujing.institutions import builtin_names, builtin_packs, find_pack, load_pack_policy

ALL_FORMS = [f for policy in builtin_names() for f in find_pack(policy).forms]
STUDENT_FORMS = [f for f in ALL_FORMS if f.per_student]
SUMMARY_FORMS = [f for f in ALL_FORMS if not f.per_student]
STUDENT_CASES = [
    (f, level) for f in STUDENT_FORMS for level in load_pack_policy(f.policy).level_names
]
WS_RE = re.compile(r"[\s\u3000\u2060]+")  # and word joiners (options kept whole)
TEXT_HEIGHT_MM = 297 - 2 * 20


def fid(f: FormSpec) -> str:
    return f"{f.policy}/{f.id}"


def squash(text: str) -> str:
    return WS_RE.sub("", text)


# Seed wording each rendered form must carry (whitespace ignored).
KEY_WORDING: dict[str, list[str]] = {
    "anshan/notice": ["学院留存一份，学生留存一份", "可能产生的后果", "学生签字"],
    "anshan/interview": ["谈话时间", "谈话地点", "谈话人员", "学生的反馈"],
    "anshan/parent-interview": ["沟通方式", "☐电话", "☐面谈", "☐通知函", "家长的意见"],
    "anshan/study-plan": ["学习时间安排", "学习方法改进", "短期学习计划", "长期学业帮扶方案"],
    "anshan/support-record": ["辅导课程", "辅导时间", "效果评估"],
    "lanzhou-life/list": ["学业警示学生名单汇总表", "经学生确认无异议后在全院范围公布"],
    "lanzhou-life/notice": ["不是纪律处分，不记入学生档案", "累计低于6学分，解除学业警示"],
    "lanzhou-life/parent-notice": ["学业警示通知单（家长联）", "学业警示通知单（家长回执）"],
    "lanzhou-life/interview": ["辅导员每学期至少安排2次谈话", "班主任每月至少安排1次及以上谈话"],
    "lanzhou-life/study-plan": ["学期末由学生填写第二联《执行情况》"],
    "lanzhou-life/parent-interview": ["☐降级", "☐延期毕业", "☐退学", "经家长确认、签字后存档"],
    "xinglin/list": ["一式四份，副主任、党总支副书记、教务老师和辅导员各一份"],
    "xinglin/notice": [
        "预警开展学年学期",
        "预警原因（可附不及格课程）",
        "确保在规定的学习年限内达到毕业要求",
        "学部分管领导签发",
        "学生本人签收",
    ],
    "xinglin/parent-notice": [
        "尊敬的家长",
        "黏贴处，预警通知书送达证明",
        "学业预警通知书送达方式和时间",
        "期待",
        "同学在下一学年重修和补考考试中取得好成绩。衷心感谢您的理解与支持！",
        "注：一般预警表示学习出现问题。留(降)级预警表示学习问题较严重。退学预警表示学习问题非常严重。",
    ],
    "xinglin/interview": [
        "学部（公章）",
        "约谈时间",
        "预谈地点",
        "预谈记录",
        "教师签名",
        "学生签名",
    ],
    "beihai/notice-1": [
        "决定对你作学业一级警示",
        "预计将无法按期毕业",
        "https://jwglxt.sszss.com:8443/jwglxt",
        "特此通知。",
        "累计不及格科目达五门者，予以留级；累计不及格科目达七门者，予以退学。",
        "示例学院教务处（公章）",
    ],
    "beihai/notice-2": [
        "予以学业二级警示，希望引起你的高度重视",
        "将予以学业一级预警",
        "累计不及格科目达五门者，予以留级；累计不及格科目达七门者，予以退学。",
    ],
    "beihai/interview": ["谈话内容", "学生（签字）", "谈话人（签字）", "记录人（签字）"],
    "beihai/summary": ["学院（公章）", "教学副院长签名", "填表人", "处理结果"],
    "njmec-mech/notice": [
        "学业预警通知书（存根）",
        "学业预警通知书（学生告知联）",
        "本人接到学校《学业预警通知书（学生告知联）》，确认签字",
        "学业预警填发时间",
    ],
    "njmec-mech/interview": [
        "谈话内容（学生学业情况，原因总结，解决方案，学习计划，是否需要帮扶等）",
        "注：谈话记录须包含本表内容，格式不限。",
    ],
    "njmec-mech/parent-notice": [
        "请在收到本通知书后两周内将回执寄回",
        "院系的联系方式家长已清楚。（☐是☐否）",
        "院系意见（盖章）",
        "教务处意见（盖章）",
    ],
    "njmec-mech/parent-interview": ["家长面谈签字", "☐电话", "☐面谈", "☐其他"],
    "njmec-mech/support-record": ["帮扶教师", "帮扶结果"],
}


# --------------------------------------------------------------------------- reading documents


@dataclass
class Part:
    lines: list[str]
    images: int
    elements: list[Any]

    @property
    def text(self) -> str:
        return "\n".join(self.lines)


def paragraph_text(p: Any) -> str:
    return "".join(t.text or "" for t in p.iter(qn("w:t")))


def split_parts(document: Any) -> list[Part]:
    """Split the body at paragraphs with page-break-before (and at manual page breaks)."""
    parts = [Part([], 0, [])]
    for child in document.element.body.iterchildren():
        if child.tag == qn("w:sectPr"):
            continue
        if child.tag == qn("w:p"):
            ppr = child.find(qn("w:pPr"))
            if ppr is not None and ppr.find(qn("w:pageBreakBefore")) is not None:
                parts.append(Part([], 0, []))
        current = parts[-1]
        current.elements.append(child)
        paragraphs = [child] if child.tag == qn("w:p") else list(child.iter(qn("w:p")))
        current.lines += [paragraph_text(p) for p in paragraphs]
        current.images += len(list(child.iter(qn("wp:inline"))))
        for br in child.iter(qn("w:br")):
            if br.get(qn("w:type")) == "page":
                parts.append(Part([], 0, []))
    return parts


def render_student(f: FormSpec, level: str, **student: str) -> tuple[Any, dict[str, Any]]:
    tpl = DocxTemplate(str(f.template_path))
    context = student_context(
        tpl, f, level, load_pack_policy(f.policy).level_names, student=sample_student(**student)
    )
    tpl.render(context, autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    out.seek(0)
    return docx.Document(out), context


# --------------------------------------------------------------------------- layout estimate


class Layout:
    """A rough height estimate (mm) of rendered content, to catch a part spilling to 2 pages."""

    def __init__(self, document: Any) -> None:
        self.styles: dict[str, tuple[float, float | None, float]] = {}
        for style in document.styles:
            if style.type != 1:  # paragraph styles
                continue
            pf = style.paragraph_format
            size = style.font.size.pt if style.font.size else 10.5
            line = pf.line_spacing.pt if pf.line_spacing_rule == 4 and pf.line_spacing else None
            gaps = sum(x.pt for x in (pf.space_before, pf.space_after) if x is not None)
            self.styles[style.style_id] = (size, line, gaps)

    def paragraph(self, p: Any, width_mm: float) -> float:
        ppr = p.find(qn("w:pPr"))
        sid = "Normal"
        if ppr is not None and ppr.find(qn("w:pStyle")) is not None:
            sid = ppr.find(qn("w:pStyle")).get(qn("w:val"))
        size, line, gaps = self.styles.get(sid, (10.5, None, 0.0))
        em = size * 0.3528
        text = paragraph_text(p)
        ems = sum(1.0 if ord(ch) > 0x2E80 else 0.55 for ch in text)
        ems += 4 * len(list(p.iter(qn("w:tab"))))
        lines = max(1, math.ceil(ems * em / max(width_mm, 1)))
        height = lines * ((line or size * 1.3) * 0.3528) + gaps * 0.3528
        for extent in p.iter(qn("wp:extent")):
            height = max(height, int(extent.get("cy")) / 36000 + 1)
        return height

    def table(self, tbl: Any) -> float:
        total = 0.0
        for tr in tbl.iter(qn("w:tr")):
            row = 0.0
            tr_pr = tr.find(qn("w:trPr"))
            if tr_pr is not None and tr_pr.find(qn("w:trHeight")) is not None:
                row = int(tr_pr.find(qn("w:trHeight")).get(qn("w:val"))) / 56.7
            for tc in tr.iter(qn("w:tc")):
                width = int(tc.find(qn("w:tcPr")).find(qn("w:tcW")).get(qn("w:w"))) / 56.7
                content = sum(self.paragraph(p, width - 3.8) for p in tc.iter(qn("w:p")))
                row = max(row, content + 1)
            total += row
        return total

    def part(self, part: Part) -> float:
        height = 0.0
        for el in part.elements:
            if el.tag == qn("w:p"):
                height += self.paragraph(el, 170)
            elif el.tag == qn("w:tbl"):
                height += self.table(el)
        return height


# --------------------------------------------------------------------------- tags and contract


@pytest.mark.parametrize("f", ALL_FORMS, ids=fid)
def test_tags_parse_and_use_only_the_contract(f: FormSpec) -> None:
    tpl = DocxTemplate(str(f.template_path))
    names = tpl.get_undeclared_template_variables()
    allowed = STUDENT_CONTEXT if f.per_student else SUMMARY_CONTEXT
    assert names, fid(f)
    assert names <= allowed, names - allowed
    tags = [m.group(0) for text in template_texts(f.template_path) for m in TAG_RE.finditer(text)]
    joined = " ".join(tags)
    assert set(re.findall(r"\bstudent\.(\w+)", joined)) <= STUDENT_ATTRS
    assert set(re.findall(r"\bissue_date\.(\w+)", joined)) <= DATE_ATTRS
    assert set(re.findall(r"\bc\.(\w+)", joined)) <= COURSE_ATTRS
    assert set(re.findall(r"\br\.(\w+)", joined)) <= ROW_ATTRS
    levels = set(load_pack_policy(f.policy).level_names)
    assert set(re.findall(r'box\["(.*?)"\]', joined)) <= levels
    # every part, a student's or a college-level list, carries its two codes and 第 N 号
    assert set(re.findall(r"\bqr\.(\w+)", joined)) == {p.id for p in f.parts}
    assert set(re.findall(r"\bqr2\.(\w+)", joined)) == {p.id for p in f.parts}
    assert joined.count("{{ serial }}") == len(f.parts)
    if not f.per_student:
        # the rows, the last ones in a loop of their own (kept with the signature block)
        assert re.search(r"\{%tr for r in rows(\[[^\]]*\])? %\}", joined), joined
        assert "{%tr endfor %}" in joined


@pytest.mark.parametrize("f", ALL_FORMS, ids=fid)
def test_every_tag_is_one_whole_run(f: FormSpec) -> None:
    for text in template_texts(f.template_path):
        assert not re.search("[｛｝％]", text), text
        if any(mark in text for mark in ("{{", "}}", "{%", "%}")):
            assert TAG_RE.fullmatch(text), f"tag not alone in its run: {text!r}"


@pytest.mark.parametrize("f", ALL_FORMS, ids=fid)
def test_fields_are_on_the_form(f: FormSpec) -> None:
    """Each catalogue field: its label is printed, its context name is used."""
    text = squash("".join(template_texts(f.template_path)))
    tags = " ".join(TAG_RE.findall(text.replace("{{", " {{")))
    for field in f.fields:
        assert squash(field.label) in text, (fid(f), field.label)
        if field.name:
            root = field.name.replace("rows.", "r.").replace("failed_courses.", "c.")
            assert root in tags, (fid(f), field.name)


def test_parent_phone_only_where_the_seed_asks() -> None:
    using = {
        fid(f)
        for f in STUDENT_FORMS
        if any("parent_phone" in t for t in template_texts(f.template_path))
    }
    assert using == {"xinglin/parent-notice", "njmec-mech/parent-interview"}


# --------------------------------------------------------------------------- rendering


@pytest.mark.parametrize(
    ("f", "level"), STUDENT_CASES, ids=lambda x: x if isinstance(x, str) else fid(x)
)
def test_render_student_form(f: FormSpec, level: str) -> None:
    document, context = render_student(f, level)
    student = context["student"]
    parts = split_parts(document)
    assert len(parts) == len(f.parts), "one page per part"
    levels = load_pack_policy(f.policy).level_names
    layout = Layout(document)
    whole = squash("\n".join(part.text for part in parts))
    assert squash(f.title) in whole
    for spec, part in zip(f.parts, parts, strict=True):
        text = part.text
        flat = squash(text)
        where = f"{fid(f)} {level} part {spec.id}"
        assert part.images == 1, where
        assert text.count(f"第 {SAMPLE_SERIAL} 号") == 1, where
        assert student.name in text and student.student_id in text, where
        assert squash(spec.title) in flat, where
        if any(re.search(f"[☐☑]{re.escape(lv)}|{re.escape(lv)}[☐☑]", text) for lv in levels):
            for lv in levels:
                mark = "☑" if lv == level else "☐"
                other = "☐" if lv == level else "☑"
                lv_re = re.escape(lv)
                assert re.search(f"{mark}{lv_re}|{lv_re}{mark}", text), (where, lv)
                assert not re.search(f"{other}{lv_re}|{lv_re}{other}", text), (where, lv)
        assert "{{" not in text and "{%" not in text, where
        assert layout.part(part) <= TEXT_HEIGHT_MM, (where, round(layout.part(part)))
    for phrase in KEY_WORDING[fid(f)]:
        assert squash(phrase) in whole, (fid(f), phrase)


def test_level_named_in_the_njmec_parent_notice() -> None:
    f = {x.id: x for x in find_pack("njmec-mech").forms}["parent-notice"]
    document, _ = render_student(f, "橙色预警")
    assert "现给予橙色预警。" in squash("\n".join(p.text for p in split_parts(document)))


@pytest.mark.parametrize("f", STUDENT_FORMS, ids=fid)
def test_autoescape(f: FormSpec) -> None:
    name = "A&B<C>"
    level = load_pack_policy(f.policy).level_names[0]
    document, _ = render_student(f, level, name=name, address="1 < 2 & 3")
    parts = split_parts(document)
    assert len(parts) == len(f.parts)
    assert all(name in part.text for part in parts)


@pytest.mark.parametrize("f", SUMMARY_FORMS, ids=fid)
def test_render_summary_form(f: FormSpec) -> None:
    tpl = DocxTemplate(str(f.template_path))
    context = summary_context(rows=3)
    context["rows"][0].name = "甲&乙<丙>"
    tpl.render(context, autoescape=True)
    out = io.BytesIO()
    tpl.save(out)
    out.seek(0)
    document = docx.Document(out)
    parts = split_parts(document)
    assert len(parts) == 1
    text = parts[0].text
    assert squash(f.title) in squash(text)
    assert "{{" not in text and "{%" not in text
    for row in context["rows"]:
        assert row.student_id in text and row.name in text
    assert context["college"] in text
    for phrase in KEY_WORDING[fid(f)]:
        assert squash(phrase) in squash(text), phrase
    table = next(t for t in document.tables if any("学号" in c.text for c in t.rows[1].cells))
    # the heading (title, 第 N 号, code) and the column labels repeat on every page; one row per
    # student; the signature block is the table's last row
    heading = [
        r
        for r in table.rows
        if r._tr.trPr is not None and r._tr.trPr.find(qn("w:tblHeader")) is not None
    ]
    assert len(heading) == 2 and squash(f.title) in squash(table.rows[0].cells[0].text)
    students = [
        r
        for r in table.rows
        if any(c.text == row.student_id for c in r.cells for row in context["rows"])
    ]
    assert len(students) == 3
    assert len(table.rows) in (2 + 3, 2 + 3 + 1)


# --------------------------------------------------------------------------- document setup


@pytest.mark.parametrize("f", ALL_FORMS, ids=fid)
def test_page_setup_and_breaks(f: FormSpec) -> None:
    document = docx.Document(str(f.template_path))
    for section in document.sections:
        # A4; the college-level lists landscape (their rows carry long reasons)
        size = (round(section.page_width.mm), round(section.page_height.mm))
        assert size == ((297, 210) if f.per_college else (210, 297))
        for margin in (
            section.top_margin,
            section.bottom_margin,
            section.left_margin,
            section.right_margin,
        ):
            assert 15 <= margin.mm <= 25
    body = document.element.body
    manual = [br for br in body.iter(qn("w:br")) if br.get(qn("w:type")) == "page"]
    assert not manual, "page breaks are paragraph properties, never w:br (docxtpl #396)"
    starts = [p for p in body.iter(qn("w:pageBreakBefore"))]
    assert len(starts) == len(f.parts) - 1
    last = [c for c in body.iterchildren() if c.tag != qn("w:sectPr")][-1]
    assert last.tag == qn("w:p")


@pytest.mark.parametrize("f", ALL_FORMS, ids=fid)
def test_east_asian_fonts(f: FormSpec) -> None:
    document = docx.Document(str(f.template_path))
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults")).find(qn("w:rPrDefault")).find(qn("w:rPr"))
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsia")) == "宋体"
    assert defaults.find(qn("w:rFonts")).get(qn("w:eastAsiaTheme")) is None
    used: set[str] = set()
    for p in document.element.body.iter(qn("w:p")):
        ppr = p.find(qn("w:pPr"))
        if ppr is not None and ppr.find(qn("w:pStyle")) is not None:
            used.add(ppr.find(qn("w:pStyle")).get(qn("w:val")))
    assert used, "paragraphs carry named styles"
    by_id = {s.style_id: s for s in document.styles}
    for style_id in used | {"Normal"}:
        style = by_id[style_id]
        assert style_id == "Normal" or style.name.startswith("YJ "), style.name
        rfonts = style.element.find(qn("w:rPr")).find(qn("w:rFonts"))
        assert rfonts.get(qn("w:eastAsia")) in ("宋体", "黑体", "仿宋"), style.name
        assert rfonts.get(qn("w:ascii")) == "Times New Roman"
        assert rfonts.get(qn("w:hAnsi")) == "Times New Roman"
    sizes = {by_id[s].name: by_id[s].font.size.pt for s in used if by_id[s].font.size}
    assert all(10.5 <= sizes[n] <= 12 for n in ("YJ Cell", "YJ Body", "YJ Letter") if n in sizes)
    assert 16 <= by_id["YJTitle"].font.size.pt <= 18
    for run in document.element.body.iter(qn("w:r")):
        rfonts = run.find(qn("w:rPr")).find(qn("w:rFonts"))
        assert rfonts is not None and rfonts.get(qn("w:eastAsia")), "every run sets eastAsia"


def test_templates_are_built_and_current(tmp_path: Path) -> None:
    """The committed .docx files are what tools/templates/build.py makes now, byte for byte,
    every time."""
    first = build_all(tmp_path / "a")
    second = build_all(tmp_path / "b")
    assert len(first.written) == len(ALL_FORMS)
    for a, b in zip(first.written, second.written, strict=True):
        assert a.read_bytes() == b.read_bytes(), a
        pack_name, name = a.relative_to(tmp_path / "a").parts
        committed = find_pack(pack_name).templates_dir / name
        assert committed.read_bytes() == a.read_bytes(), (
            f"{committed} is stale: run python -m tools.templates.build"
        )
    on_disk = {
        f"{pack.name}/{p.name}"
        for pack in builtin_packs()
        for p in pack.templates_dir.glob("*.docx")
    }
    assert on_disk == {f"{f.policy}/{f.template}" for f in ALL_FORMS}


def test_the_builder_refuses_a_split_title_label_or_option() -> None:
    """The layout check of tools/templates: a title line wider than its room, a line of check
    boxes wider than its cell (LibreOffice would break an option: ☐心理辅/导) and a label
    leaving a character alone are refused before any template is written."""
    from tools.templates.layout import label_problem, title_problem, words_problem

    options = "☐学习互助小组活动    ☐帮扶小组（班导师、辅导员、专业教师）"
    assert words_problem(f"{options}    ☐心理辅导", 132.0, 10.5)
    assert words_problem(f"{options}\n☐心理辅导    ☐其他：[[    ]]", 132.0, 10.5) == ""
    # a level's boxes count as ☐ each; a data tag beside them as a name
    assert words_problem('{{ box["留(降)级预警"] }}留(降)级预警', 20.0, 10.5)
    assert words_problem('{{ box["留(降)级预警"] }}留(降)级预警', 40.0, 10.5) == ""
    # options inside a sentence of prose are the sentence's, not checked as a line
    prose = "现我们通过《学业预警通知书》向您告知，接下来同学可能会（☐降级、☐退学）。" * 3
    assert words_problem(prose, 100.0, 12) == ""
    assert title_problem("南京机电职业技术学院机械工程系学业预警材料发放单", 118.0, 16)
    assert title_problem("学业预警致家长（监护人）通知书", 118.0, 16) == ""
    assert title_problem("{{ school }}", 10.0, 16) == ""  # the school's own name
    assert label_problem("可能产生的后果", 26.0, 10.5)


@pytest.mark.parametrize("f", ALL_FORMS, ids=fid)
def test_no_word_joiner_inside_a_tag(f: FormSpec) -> None:
    """Options are kept whole by word joiners between their characters, never inside a tag
    (a condition comparing with "☑" would never hold)."""
    for text in template_texts(f.template_path):
        for tag in TAG_RE.findall(text):
            assert "\u2060" not in tag, (fid(f), tag)
