"""The forms catalogue (yujing/forms/*.toml): loading, validation, and what each level needs."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from yujing.errors import FormsError
from yujing.forms import (
    KINDS,
    FormSpec,
    PartSpec,
    forms_for_level,
    load_forms,
    part_by_code,
)
from yujing.institutions import Pack, builtin_names, builtin_packs, find_pack, load_pack_policy

HAND_FILLED = ("interview", "parent-interview", "plan", "support-record")


def ids(forms: tuple[FormSpec, ...]) -> list[str]:
    return [f.id for f in forms]


def form(policy: str, form_id: str) -> FormSpec:
    return {f.id: f for f in find_pack(policy).forms}[form_id]


def part_titles(f: FormSpec) -> list[str]:
    return [p.title for p in f.parts]


# --------------------------------------------------------------------------- loading


@pytest.mark.parametrize("policy", builtin_names())
def test_every_policy_loads(policy: str) -> None:
    forms = find_pack(policy).forms
    assert forms, policy
    assert all(f.policy == policy for f in forms)
    assert len(set(ids(forms))) == len(forms)
    assert all(f.kind in KINDS for f in forms)


@pytest.mark.parametrize("policy", builtin_names())
def test_part_codes_unique_per_policy(policy: str) -> None:
    codes = [p.code for f in find_pack(policy).forms for p in f.parts]
    assert len(codes) == len(set(codes))
    assert all(re.fullmatch(r"[A-Z][0-9]", c) for c in codes)


@pytest.mark.parametrize("policy", builtin_names())
def test_templates_exist(policy: str) -> None:
    for f in find_pack(policy).forms:
        assert f.template == f"{f.id}.docx"
        assert f.template_path.is_file(), f.template


@pytest.mark.parametrize("policy", builtin_names())
def test_levels_are_the_policys_levels(policy: str) -> None:
    names = load_pack_policy(policy).level_names
    for f in find_pack(policy).forms:
        assert set(f.levels) <= set(names), (f.id, f.levels, names)


@pytest.mark.parametrize("policy", builtin_names())
def test_parts_and_kinds_fit_together(policy: str) -> None:
    for f in find_pack(policy).forms:
        part_ids = [p.id for p in f.parts]
        assert len(part_ids) == len(set(part_ids))
        if f.per_student:
            # something always comes back to the archive (一生一档)
            assert any(p.returns for p in f.parts), f.id
        else:
            assert f.kind in ("list", "summary") and len(f.parts) == 1
        if f.kind in HAND_FILLED:
            assert f.per_student
            assert f.parts[0].id == "record" and all(p.returns for p in f.parts), f.id
        for p in f.parts:
            assert p.kept_by
            if p.returns and f.per_student:
                assert p.kept_by != "学生" and p.kept_by != "家长", (f.id, p.id)


@pytest.mark.parametrize("policy", builtin_names())
def test_reconstructed_layouts_say_so(policy: str) -> None:
    for f in find_pack(policy).forms:
        if policy in ("anshan", "lanzhou-life"):
            assert "重构" in f.note, f.id
    assert "重构" in form("njmec-mech", "support-record").note


def test_part_by_code_round_trip() -> None:
    for policy in builtin_names():
        for f in find_pack(policy).forms:
            for p in f.parts:
                assert part_by_code(find_pack(policy).forms, p.code) == (f, p)
    with pytest.raises(FormsError, match="Z9"):
        part_by_code(find_pack("anshan").forms, "Z9")


def test_frozen() -> None:
    f = find_pack("anshan").forms[0]
    with pytest.raises(AttributeError):
        f.title = "x"  # type: ignore[misc]
    assert isinstance(f.parts[0], PartSpec)


# --------------------------------------------------------------------------- per seed


def test_anshan_forms() -> None:
    notice = form("anshan", "notice")
    assert notice.title == "学业预警通知书"
    assert part_titles(notice) == ["学院留存联", "学生联"]
    assert all(p.signed_by == ("学生",) for p in notice.parts)
    assert notice.part("stub").returns and not notice.part("student").returns
    assert form("anshan", "interview").title == "学业预警学生谈话记录表"
    parent = form("anshan", "parent-interview")
    assert parent.title == "学业预警家长谈话记录表" and parent.levels == ("红色预警",)
    # the catalogue's name is the printed title (and the cover sheet's, the archive's)
    assert form("anshan", "study-plan").title == "学业预警学生个性化帮扶计划"


def test_lanzhou_forms() -> None:
    by_annex = {f.annex: f for f in find_pack("lanzhou-life").forms if f.annex}
    assert by_annex["附件1"].title == "学业警示学生名单汇总表"
    assert by_annex["附件1"].per == "college"
    assert part_titles(by_annex["附件2"]) == ["学院存根", "学生存根"]
    parent = by_annex["附件3"]
    assert parent.title == "学业警示通知单（家长联）"
    receipt = parent.part("receipt")
    assert receipt.title == "家长回执" and receipt.returns and receipt.signed_by == ("家长",)
    assert by_annex["附件4"].title == "学业警示学生谈话记录表"
    assert by_annex["附件5"].title == "学业警示学生个人学习计划"
    assert any(fs.label == "执行情况" for fs in by_annex["附件5"].fields)
    # the end-of-term review is a second signed part that comes back (细则四、4)
    review = by_annex["附件5"].part("review")
    assert review.returns and review.signed_by == ("学生", "班主任")
    talk = form("lanzhou-life", "parent-interview")
    assert talk.levels == ("书面警示",) and "降级" in talk.note and "退学" in talk.note


def test_xinglin_forms() -> None:
    lst = form("xinglin", "list")
    assert lst.title == "学业预警清单" and lst.per == "college" and "一式四份" in lst.note
    assert lst.copies == ("副主任", "党总支副书记", "教务老师", "辅导员")
    notice = form("xinglin", "notice")
    assert notice.annex == "附件1"
    assert part_titles(notice) == ["学生联", "学生联存根"]
    assert all(p.signed_by == ("学生",) for p in notice.parts)
    parent = form("xinglin", "parent-notice")
    assert parent.annex == "附件2"
    assert part_titles(parent) == ["家长联存根", "家长联"]
    labels = {fs.label for fs in parent.fields}
    assert {"学业预警通知书送达方式和时间", "黏贴处，预警通知书送达证明", "家长联系电话"} <= labels
    assert form("xinglin", "interview").annex == "附件3"


def test_beihai_forms() -> None:
    n1, n2 = form("beihai", "notice-1"), form("beihai", "notice-2")
    # the school's name is printed from the workspace config ({{ school }}), not the title
    assert n1.title == "学业一级预警通知书" and n1.levels == ("一级预警",)
    assert n2.title == "学业二级预警通知书" and n2.levels == ("二级预警",)
    assert form("beihai", "interview").annex == "附件2"
    summary = form("beihai", "summary")
    assert summary.annex == "附件3" and summary.per == "college" and summary.kind == "summary"


def test_njmec_forms() -> None:
    notice = form("njmec-mech", "notice")
    assert notice.annex == "附件一"
    assert part_titles(notice) == ["存根", "学生告知联", "回执单"]
    receipt = notice.part("receipt")
    assert receipt.returns and receipt.signed_by == ("学生",)
    assert form("njmec-mech", "interview").title == "预警学生谈话记录表"
    parent = form("njmec-mech", "parent-notice")
    assert parent.title == "学业预警致家长（监护人）通知书"
    assert set(parent.levels) == {"橙色预警", "红色预警"}
    assert parent.part("receipt").returns and parent.part("receipt").signed_by == ("家长",)
    talk = form("njmec-mech", "parent-interview")
    assert talk.title == "学业预警家长（监护人）谈话记录表"
    assert set(talk.levels) == {"橙色预警", "红色预警"}
    support = form("njmec-mech", "support-record")
    assert support.title == "预警学生学业帮扶记录表"
    assert set(support.levels) == {"橙色预警", "红色预警"}


# --------------------------------------------------------------------------- forms_for_level

EXPECTED = {
    ("anshan", "红色预警"): [
        "notice",
        "interview",
        "parent-interview",
        "study-plan",
        "support-record",
    ],
    ("anshan", "橙色预警"): ["notice", "interview", "study-plan", "support-record"],
    ("anshan", "黄色预警"): ["notice", "interview", "study-plan", "support-record"],
    ("lanzhou-life", "书面警示"): [
        "notice",
        "parent-notice",
        "interview",
        "study-plan",
        "parent-interview",
    ],
    ("lanzhou-life", "口头警示"): ["notice", "parent-notice", "interview", "study-plan"],
    ("xinglin", "退学预警"): ["notice", "parent-notice", "interview"],
    ("xinglin", "留(降)级预警"): ["notice", "parent-notice", "interview"],
    ("xinglin", "一般预警"): ["notice", "parent-notice", "interview"],
    ("beihai", "一级预警"): ["notice-1", "interview"],
    ("beihai", "二级预警"): ["notice-2", "interview"],
    ("njmec-mech", "红色预警"): [
        "notice",
        "interview",
        "parent-notice",
        "parent-interview",
        "support-record",
    ],
    ("njmec-mech", "橙色预警"): [
        "notice",
        "interview",
        "parent-notice",
        "parent-interview",
        "support-record",
    ],
    ("njmec-mech", "黄色预警"): ["notice", "interview"],
}


@pytest.mark.parametrize(("policy", "level"), sorted(EXPECTED))
def test_forms_for_level(policy: str, level: str) -> None:
    got = forms_for_level(find_pack(policy).forms, level)
    assert ids(got) == EXPECTED[(policy, level)]
    assert all(f.per_student for f in got)


def test_expected_covers_every_level() -> None:
    for policy in builtin_names():
        for level in load_pack_policy(policy).level_names:
            assert (policy, level) in EXPECTED


# --------------------------------------------------------------------------- validation errors

GOOD = """
[catalogue]
policy = "anshan"

[[forms]]
id = "notice"
title = "学业预警通知书"
kind = "notice"
per = "student"
levels = ["红色预警"]
template = "notice.docx"
parts = [
  { id = "stub", code = "N1", title = "存根", returns = true, signed_by = ["学生"], kept_by = "学院" },
  { id = "student", code = "N2", title = "学生联", kept_by = "学生" },
]
fields = [ { name = "student.name", label = "姓名" }, { label = "学生签字" } ]
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "mine.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load_mine(path: Path) -> tuple[FormSpec, ...]:
    """A catalogue file checked against the anshan pack's templates and levels."""
    anshan = find_pack("anshan")
    return load_forms(path, anshan.templates_dir, anshan.policy.level_names)


def test_catalogue_by_path(tmp_path: Path) -> None:
    forms = load_mine(write(tmp_path, GOOD))
    assert ids(forms) == ["notice"]
    assert forms[0].parts[1].returns is False and forms[0].fields[1].handwritten is True


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('code = "N2"', 'code = "N1"', r"forms\[0\]（notice）\.parts\[1\]\.code 「N1」重复"),
        ('code = "N2"', 'code = "n2"', r"parts\[1\]\.code 「n2」无效"),
        (
            'levels = ["红色预警"]',
            'levels = ["蓝色预警"]',
            r"levels 「蓝色预警」不是规则的等级",
        ),
        ("notice.docx", "nothere.docx", r"template 模板文件 .*nothere\.docx 不存在"),
        ('kind = "notice"', 'kind = "letter"', r"kind 「letter」无效"),
        ('per = "student"', 'per = "college"', r"per 名单、汇总表"),
        ('{ id = "student"', '{ id = "stub"', r"parts\[1\]\.id 「stub」在本表单中重复"),
        (
            'name = "student.name"',
            'name = "student.nickname"',
            r"fields\[0\]\.name 「student\.nickname」",
        ),
        ('{ label = "学生签字" }', '{ label = "学生签字", handwritten = false }', r"handwritten"),
        (
            'title = "学业预警通知书"',
            'title = "学业预警通知书"\ncolour = "red"',
            r"未知的键：colour",
        ),
        ('title = "学业预警通知书"\n', "", r"title 缺失"),
        ('code = "N2"', 'code = "Z0"', r"「Z0」留作班级发放单的代码"),
        ('title = "学业预警通知书"\n', 'title = "学业预警通知书"\ncopies = ["甲", "乙"]\n', r"copies"),
    ],
)
def test_catalogue_errors_name_file_and_key(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    assert old in GOOD
    path = write(tmp_path, GOOD.replace(old, new, 1))
    with pytest.raises(FormsError, match=message) as info:
        load_mine(path)
    assert "mine.toml" in str(info.value)


def test_duplicate_form_id(tmp_path: Path) -> None:
    second = GOOD.split("[[forms]]", 1)[1].replace('"N1"', '"M1"').replace('"N2"', '"M2"')
    text = GOOD + "\n[[forms]]" + second
    with pytest.raises(FormsError, match=r"forms\[1\]（notice）\.id 「notice」重复"):
        load_mine(write(tmp_path, text))


def test_not_toml(tmp_path: Path) -> None:
    with pytest.raises(FormsError, match="不是有效的 TOML"):
        load_mine(write(tmp_path, "[catalogue\n"))


def _subsequence(short: str, long: str) -> bool:
    chars = iter(long)
    return all(ch in chars for ch in short)


@pytest.mark.parametrize("pack", builtin_packs(), ids=lambda p: p.name)
def test_names_agree_catalogue_archive_and_audit(pack: Pack) -> None:
    """The audit's column for a returned part is the name the archive files it under (the
    catalogue's form title, with the part's when the form has several), optionally with a
    note in brackets; where the parts are of several forms (beihai's two notices) the words
    common to their titles and the part's title."""
    from yujing.archive.intake import _title as archive_title

    forms = pack.forms
    for req in pack.policy.requirements:
        if not req.parts:
            continue
        names = set()
        for code in req.parts:
            form, part = part_by_code(forms, code)
            names.add(archive_title(form, part))
        if len(names) == 1:
            (name,) = names
            assert req.title == name or req.title.startswith(name + "（"), (req.id, req.title)
        else:
            head, _, tail = req.title.rpartition("-")
            assert all(n.endswith("-" + tail) for n in names), (req.id, req.title)
            assert all(_subsequence(head, n.rpartition("-")[0]) for n in names), req.title


def test_a_requirement_scope_is_student_or_college(tmp_path: Path) -> None:
    from yujing.errors import PolicyError

    text = find_pack("xinglin").policy_path.read_text(encoding="utf-8")
    assert 'scope = "college"' in text
    bad = tmp_path / "policy.toml"
    bad.write_text(text.replace('scope = "college"', 'scope = "school"'), encoding="utf-8")
    with pytest.raises(PolicyError, match=r"scope 应为 student（学生档案）或 college（学院档案）"):
        load_pack_policy(bad)
    college = [r for r in load_pack_policy("xinglin").requirements if r.scope == "college"]
    assert [(r.title, r.parts, r.count) for r in college] == [("学业预警清单", ("L1",), 4)]
