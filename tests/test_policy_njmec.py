"""njmec-mech (南京机电职业技术学院 机械工程系) as docs/policy-semantics.md reads it: levels
红色预警 / 橙色预警 / 黄色预警 imported from the 教务 system's list; a policy file may add
criteria of the other policies' forms."""

from __future__ import annotations

from pathlib import Path

import pytest
from semantics_helpers import (
    SAMPLES,
    T2,
    T4,
    assess_export,
    passes,
    read_list_csv,
    run,
    student,
    term,
)

from yujing.engine.assess import assess
from yujing.errors import BadRowsError, InputError
from yujing.institutions import find_pack
from yujing.policies import load_policy

RED, ORANGE, YELLOW = "红色预警", "橙色预警", "黄色预警"
FAILING = [
    (T4, "JX101", "4", "40", "正常考试"),
    (T4, "JX102", "4", "35", "正常考试"),
    (T4, "JX103", "4", "", "正常考试", "旷考"),
]


@pytest.mark.parametrize("lv", [RED, ORANGE, YELLOW], ids=["red", "orange", "yellow"])
def test_imported_level_is_the_level(lv):
    result = run("njmec-mech", T4, student(passes(T4, "10"), imported=[(T4, lv, "教务系统原因")]))
    assert result.levels == {"S1": lv}
    assert result.warned[0].reason == "教务系统原因"


def test_imported_level_without_reason_says_where_it_comes_from():
    (w,) = run("njmec-mech", T4, student(passes(T4, "10"), imported=[(T4, ORANGE, "")])).warned
    assert w.reason == "教务系统预警名单：橙色预警"


def test_imported_level_of_another_term_does_not_apply():
    result = run("njmec-mech", T4, student(passes(T4, "10"), imported=[(T2, RED, "")]))
    assert result.levels == {}
    assert result.assessed_count == 1


def test_student_with_only_a_list_row_is_assessed():
    result = run("njmec-mech", T4, student((), imported=[(T4, YELLOW, "")]))
    assert result.assessed_count == 1 and not result.not_assessed
    assert result.levels == {"S1": YELLOW}


def test_student_without_rows_or_list_row_is_not_assessed():
    result = run("njmec-mech", T4, student((), sid="S2"), student(passes(T4, "10"), sid="S3"))
    assert [(n.student_id, n.reason) for n in result.not_assessed] == [("S2", "无成绩记录")]
    assert result.assessed_count == 1


def test_grades_alone_warn_nobody_under_the_builtin_file():
    # the built-in file has no criteria of its own: failing everything is not a level
    result = run("njmec-mech", T4, student(FAILING))
    assert result.levels == {}


def _policy_with_added_criterion(tmp_path: Path):
    text = find_pack("njmec-mech").policy_path.read_text(encoding="utf-8")
    marker = 'name = "橙色预警"\ncolor = "orange"\ncriteria = [ { metric = "imported_level" } ]'
    assert marker in text
    text = text.replace(
        marker,
        'name = "橙色预警"\ncolor = "orange"\ncriteria = [ { metric = "imported_level" }, '
        '{ metric = "cumulative_failed_credits", op = ">=", value = 10 } ]',
    )
    path = tmp_path / "njmec-mech-copy.toml"
    path.write_text(text, encoding="utf-8")
    return load_policy(path)


@pytest.mark.parametrize(
    ("rows", "imported", "expected"),
    [
        (FAILING, [], ORANGE),
        (FAILING[:2], [], None),
        (FAILING, [(T4, RED, "")], RED),
        (FAILING, [(T4, YELLOW, "")], ORANGE),
        (FAILING[:2], [(T4, YELLOW, "")], YELLOW),
    ],
    ids=[
        "added-criterion-12-failed-credits-is-orange",
        "added-criterion-8-failed-credits-is-none",
        "imported-red-is-more-severe",
        "added-orange-over-imported-yellow",
        "imported-yellow-below-the-added-bound",
    ],
)
def test_a_policy_file_may_add_criteria(tmp_path, rows, imported, expected):
    pol = _policy_with_added_criterion(tmp_path)
    result = assess(pol, term(T4), [student(rows, imported=imported)])
    assert result.levels.get("S1") == expected


# -- end to end -----------------------------------------------------------------------------


def _assess(tmp_path: Path, levels: Path, **kw: object):
    out = tmp_path / "list.csv"
    res = assess_export(
        "njmec-mech",
        T4,
        grades=SAMPLES / "njmec_levels_grades.csv",
        roster=SAMPLES / "njmec_levels_roster.csv",
        levels=levels,
        output=out,
        **kw,
    )
    return res, read_list_csv(out)


def test_file_levels_reasons_and_assessed(tmp_path):
    res, rows = _assess(tmp_path, SAMPLES / "njmec_levels_list.csv")
    assert {sid: r["预警等级"] for sid, r in rows.items()} == {
        "2023090101": RED,
        "2023090102": ORANGE,
        "2023090105": YELLOW,
        "2023090106": ORANGE,
    }
    assert rows["2023090101"]["预警原因"] == "累计已有 3 门课程不及格，未获学分累计 12 分"
    assert rows["2023090102"]["预警原因"] == "教务系统预警名单：橙色预警"
    assert rows["2023090106"]["姓名"] == "郑六"  # list-only, not on the roster: the list's name
    # 101, 103, 105 have grades; 102 and 106 only list rows; 104 is on the roster only
    assert res.assessment.assessed_count == 5
    assert [(n.student_id, n.reason) for n in res.assessment.not_assessed] == [
        ("2023090104", "无成绩记录")
    ]


def test_file_unknown_level_name_is_a_bad_row(tmp_path):
    with pytest.raises(BadRowsError) as err:
        _assess(tmp_path, SAMPLES / "njmec_levels_bad_list.csv")
    (bad,) = err.value.bad_rows
    assert (bad.file, bad.row, bad.column, bad.value) == (
        "njmec_levels_bad_list.csv",
        4,
        "预警等级",
        "蓝色预警",
    )
    assert not (tmp_path / "list.csv").exists()


def test_file_unknown_level_name_skipped_when_asked(tmp_path):
    _, rows = _assess(tmp_path, SAMPLES / "njmec_levels_bad_list.csv", skip_bad_rows=True)
    assert "2023090103" not in rows
    assert set(rows) == {"2023090101", "2023090102", "2023090105", "2023090106"}


def test_file_levels_list_is_required(tmp_path):
    with pytest.raises(InputError, match="levels"):
        assess_export(
            "njmec-mech",
            T4,
            grades=SAMPLES / "njmec_levels_grades.csv",
            roster=SAMPLES / "njmec_levels_roster.csv",
            output=tmp_path / "list.csv",
        )
