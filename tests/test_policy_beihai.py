"""beihai (北海艺术设计学院 第六条, 第九条) as docs/policy-semantics.md reads it: failed courses
counted from the first term (≥ 6 一级, ≥ 4 二级), 休学 changes nothing, 纪律处分 for T → 一级."""

from __future__ import annotations

import pytest
from semantics_helpers import (
    SAMPLES,
    T1,
    T2,
    T4,
    T5,
    assess_export,
    figures,
    level,
    passes,
    read_list_csv,
    run,
    student,
    warned,
)

FIRST, SECOND = "一级预警", "二级预警"
SPREAD = [T1, T1, T2, T2, T4, T4, T4]


def failed_courses(n: int, terms: list[str] = SPREAD) -> list[tuple]:
    """``n`` failed 2-credit courses, from the first term on."""
    return [(terms[i], f"C{i}", "2", "45", "正常考试") for i in range(n)]


def base(n: int) -> list[tuple]:
    return [*failed_courses(n), *passes(T1, "10"), *passes(T4, "10")]


@pytest.mark.parametrize(
    ("n", "expected"),
    [(7, FIRST), (6, FIRST), (5, SECOND), (4, SECOND), (3, None), (0, None)],
    ids=[
        "seven-failed-is-first",
        "exactly-six-failed-is-first",
        "five-failed-is-second",
        "exactly-four-failed-is-second",
        "three-failed-is-none",
        "none-failed",
    ],
)
def test_failed_course_count_bounds(n, expected):
    assert level("beihai", T4, student(base(n))) == expected


def test_counted_from_the_first_term():
    # all six failures in the first term still count at T4
    rows = [*failed_courses(6, [T1] * 6), *passes(T4, "10")]
    assert level("beihai", T4, student(rows)) == FIRST


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ([(T4, "X", "2", "40", "正常考试")], SECOND),
        ([(T4, "X", "2", "40", "正常考试"), (T4, "X", "2", "50", "补考")], SECOND),
        (
            [
                (T4, "X", "2", "40", "正常考试"),
                (T4, "X", "2", "50", "补考"),
                (T4, "X", "2", "30", "重修"),
            ],
            SECOND,
        ),
        ([(T4, "X", "2", "", "正常考试", "缺考")], SECOND),
        ([(T4, "X", "2", "不合格", "正常考试")], SECOND),
        ([(T2, "X", "2", "40", "正常考试"), (T5, "X", "2", "80", "重修")], SECOND),
        ([(T4, "X", "2", "40", "正常考试"), (T4, "X", "2", "60", "补考")], None),
        ([(T2, "X", "2", "40", "正常考试"), (T4, "X", "2", "80", "重修")], None),
        ([(T4, "X", "2", "", "正常考试", "缓考")], None),
        ([(T4, "X", "2", "", "正常考试", "免修")], None),
        ([(T5, "X", "2", "40", "正常考试")], None),
    ],
    ids=[
        "fourth-failed-course",
        "failed-after-补考-counts",
        "failed-after-补考-and-重修-is-one-course",
        "缺考-counts",
        "不合格-counts",
        "重修-pass-after-T-does-not-count-yet",
        "passed-at-补考-does-not-count",
        "passed-by-重修-does-not-count",
        "pending-缓考-does-not-count",
        "免修-does-not-count",
        "failure-after-T-does-not-count",
    ],
)
def test_what_is_a_failed_course(extra, expected):
    # three failed courses and one more course whose outcome decides 二级 (4) or none (3)
    assert level("beihai", T4, student([*base(3), *extra])) == expected


@pytest.mark.parametrize(
    "flags",
    [[], [(T2, "休学")], [(T4, "休学")], [(T1, "休学"), (T2, "休学"), (T4, "休学")]],
    ids=["no-休学", "休学-earlier", "休学-in-T", "休学-every-term"],
)
@pytest.mark.parametrize(
    ("n", "expected"), [(6, FIRST), (4, SECOND), (3, None)], ids=["6", "4", "3"]
)
def test_suspension_changes_nothing(flags, n, expected):
    assert level("beihai", T4, student(base(n), flags=flags)) == expected


def test_count_carries_over_a_suspension_without_rows():
    # four failures in T1, 休学 in T2 and T4 (no rows), back in T5 with two more failures
    rows = [*failed_courses(4, [T1] * 4), *passes(T1, "10")]
    flags = [(T2, "休学"), (T4, "休学")]
    result = run("beihai", T4, student(rows, flags=flags))
    assert result.assessed_count == 1
    assert result.levels == {"S1": SECOND}
    back = [*rows, (T5, "Y1", "2", "40", "正常考试"), (T5, "Y2", "2", "40", "正常考试")]
    assert level("beihai", T5, student(back, flags=flags)) == FIRST
    assert len(figures(student(back, flags=flags), T5).failed_courses) == 6


@pytest.mark.parametrize(
    ("n", "flags", "expected"),
    [
        (0, [(T4, "纪律处分")], FIRST),
        (3, [(T4, "纪律处分")], FIRST),
        (5, [(T4, "纪律处分")], FIRST),
        (3, [(T2, "纪律处分")], None),
        (5, [(T2, "纪律处分")], SECOND),
        (3, [(T5, "纪律处分")], None),
        (3, [(T4, "旷课")], None),
        (3, [(T4, "学习态度")], None),
    ],
    ids=[
        "纪律处分-for-T-with-no-failure-is-first",
        "纪律处分-for-T-with-3-failures-is-first",
        "纪律处分-for-T-with-5-failures-is-first",
        "纪律处分-for-an-earlier-term-is-not",
        "纪律处分-for-an-earlier-term-leaves-the-count",
        "纪律处分-for-a-later-term-is-not",
        "旷课-is-not-a-beihai-criterion",
        "学习态度-is-not-a-beihai-criterion",
    ],
)
def test_discipline_flag_for_T(n, flags, expected):
    assert level("beihai", T4, student(base(n), flags=flags)) == expected


def test_reasons():
    named = [
        (T1, "ART101", "2", "45", "正常考试", "", "素描"),
        (T1, "ART102", "3", "45", "正常考试", "", "色彩"),
        (T2, "ART201", "2", "不及格", "正常考试", "", "字体设计"),
        (T4, "ART301", "1.5", "30", "正常考试", "", "摄影"),
    ]
    w = warned("beihai", T4, student([*named, *passes(T4, "10")]))
    assert w is not None and w.level == SECOND
    assert w.reason == "累计不及格课程 4 门：素描(2)、色彩(3)、字体设计(2)、摄影(1.5)"
    w = warned("beihai", T4, student([*named[:3], *passes(T4, "10")], flags=[(T4, "纪律处分")]))
    assert w is not None and w.level == FIRST
    assert w.reason == "本学期受到学校纪律处分"
    w = warned("beihai", T4, student([*named, *passes(T4, "10")], flags=[(T4, "纪律处分")]))
    assert w is not None and w.level == FIRST
    assert (
        w.reason
        == "本学期受到学校纪律处分；累计不及格课程 4 门：素描(2)、色彩(3)、字体设计(2)、摄影(1.5)"
    )


# -- end to end -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def beihai_list(tmp_path_factory):
    out = tmp_path_factory.mktemp("beihai") / "list.csv"
    res = assess_export(
        "beihai",
        T4,
        grades=SAMPLES / "beihai_counts_grades.csv",
        roster=SAMPLES / "beihai_counts_roster.csv",
        flags=SAMPLES / "beihai_counts_flags.csv",
        output=out,
    )
    return res, read_list_csv(out)


@pytest.mark.parametrize(
    ("sid", "expected"),
    [
        ("2023070101", FIRST),
        ("2023070102", SECOND),
        ("2023070103", SECOND),
        ("2023070104", FIRST),
        ("2023070105", None),
        ("2023070106", None),
        ("2023070107", SECOND),
    ],
    ids=[
        "file-six-failed-over-three-terms-is-first",
        "file-five-failed-with-a-休学-term-is-second",
        "file-four-failed-休学-in-T-without-rows-is-second",
        "file-纪律处分-for-T-is-first",
        "file-纪律处分-for-an-earlier-term-is-none",
        "file-passed-at-补考-leaves-three-is-none",
        "file-缓考-is-not-failed-five-is-second",
    ],
)
def test_file_levels(beihai_list, sid, expected):
    _, rows = beihai_list
    assert rows.get(sid, {}).get("预警等级") == expected


def test_file_reasons_and_not_assessed(beihai_list):
    res, rows = beihai_list
    assert rows["2023070101"]["预警原因"] == (
        "累计不及格课程 6 门：素描(2)、色彩(2)、字体设计(2)、版式设计(2)、摄影(2)、插画(2)"
    )
    assert rows["2023070104"]["预警原因"] == "本学期受到学校纪律处分"
    assert rows["2023070103"]["预警原因"] == (
        "累计不及格课程 4 门：素描(2)、色彩(2)、设计构成(2)、中国美术史(2)"
    )
    assert res.assessment.assessed_count == 7
    assert [(n.student_id, n.reason) for n in res.assessment.not_assessed] == [
        ("2023070108", "无成绩记录")
    ]
