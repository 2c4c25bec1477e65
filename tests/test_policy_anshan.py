"""anshan (鞍山师范学院 第七条) as docs/policy-semantics.md reads it: every criterion at its
bound, just below and just above it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from semantics_helpers import (
    SAMPLES,
    T1,
    T2,
    T3,
    T4,
    T5,
    assess_export,
    figures,
    level,
    passes,
    read_list_csv,
    student,
    term,
    warned,
)

RED, ORANGE, YELLOW = "红色预警", "橙色预警", "黄色预警"


def failing(t: str, credits: str, *, score: str = "不合格", prefix: str = "F") -> list[tuple]:
    """Failed 正常考试 rows worth ``credits`` in term ``t``; 不合格 has no grade point, so the
    GPA criteria stay out of the way."""
    return [(*r[:3], score, *r[4:]) for r in passes(t, credits, prefix=prefix)]


# -- term failed credits as a share of term credits: 25 % / 15 % / 5 % --------------------


@pytest.mark.parametrize(
    ("failed", "total", "expected"),
    [
        ("4", "16", RED),
        ("4.5", "18", RED),
        ("4", "16.5", ORANGE),
        ("3", "20", ORANGE),
        ("1.5", "10", ORANGE),
        ("3", "20.5", YELLOW),
        ("2.5", "20", YELLOW),
        ("1", "20", YELLOW),
        ("0.5", "10", YELLOW),
        ("1", "20.5", None),
        ("0.5", "10.5", None),
        ("0", "20", None),
    ],
    ids=[
        "term-percent-exactly-25-is-red",
        "term-percent-4.5-of-18-exactly-25-is-red",
        "term-percent-24.2-half-credit-more-taken-is-orange",
        "term-percent-exactly-15-is-orange",
        "term-percent-1.5-of-10-exactly-15-is-orange",
        "term-percent-14.6-half-credit-more-taken-is-yellow",
        "term-percent-12.5-is-yellow",
        "term-percent-exactly-5-is-yellow",
        "term-percent-half-credit-of-10-exactly-5-is-yellow",
        "term-percent-4.9-is-none",
        "term-percent-4.8-half-of-10.5-is-none",
        "term-percent-0-is-none",
    ],
)
def test_term_failed_percent_bounds(failed, total, expected):
    rows = [*failing(T4, failed), *passes(T4, Decimal(total) - Decimal(failed))]
    data = student(rows)
    assert level("anshan", T4, data) == expected
    assert figures(data, T4).cumulative_failed_credits == Decimal(failed)  # < 5: not the cause


def test_term_percent_counts_numeric_failures_and_gpa_is_unaffected_here():
    # 5 of 20 failed with 40/30 (grade point 0); GPA (15 × 4.5) / 20 = 3.38 stays out of the way
    rows = [
        (T4, "M1", "4", "40", "正常考试"),
        (T4, "M2", "1", "30", "正常考试"),
        *passes(T4, "15", score="95"),
    ]
    w = warned("anshan", T4, student(rows))
    assert w is not None and w.level == RED
    assert w.figures.gpa == Decimal("3.38")


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ([(T4, "F1", "4", "61", "补考")], None),
        ([(T4, "F1", "4", "50", "补考")], RED),
        ([(T5, "F1", "4", "61", "补考")], RED),
        ([(T5, "F1", "4", "61", "重修")], RED),
    ],
    ids=[
        "passing-补考-in-T-removes-the-failure",
        "failing-补考-keeps-it",
        "补考-recorded-after-T-does-not-count",
        "重修-after-T-does-not-count",
    ],
)
def test_term_failure_is_the_course_outcome_at_T(extra, expected):
    rows = [(T4, "F1", "4", "40", "正常考试"), *passes(T4, "12", score="95"), *extra]
    assert level("anshan", T4, student(rows)) == expected


def test_pending_course_counts_in_term_credits_not_in_failed_credits():
    # 1 failed of 20.5 (0.5 of them 缓考, pending) = 4.88 % < 5 %: no warning.
    # Leaving the pending course out of the term credits would make it 1/20 = 5 % (yellow).
    rows = [
        *failing(T4, "1"),
        (T4, "D1", "0.5", "", "正常考试", "缓考"),
        *passes(T4, "19"),
    ]
    data = student(rows)
    f = figures(data, T4)
    assert (f.term_credits, f.term_failed_credits) == (Decimal("20.5"), Decimal(1))
    assert level("anshan", T4, data) is None


@pytest.mark.parametrize(
    "t_rows",
    [
        [(T4, "F1", "4", "45", "重修")],
        [(T4, "F1", "4", "45", "补考")],
        [(T4, "F1", "4", "", "重修", "旷考")],
    ],
    ids=[
        "only-a-failed-重修-row-in-T",
        "only-a-late-补考-row-in-T",
        "only-a-旷考-重修-row-in-T-still-red-by-the-remark",
    ],
)
def test_no_course_whose_term_is_T_no_percentage_criterion(t_rows):
    # F1 is a T2 course: T4 has rows but no course of its own; 4 failed credits would be
    # 100 % of the "term" if the retake counted as a course of T4.
    rows = [(T2, "F1", "4", "40", "正常考试"), *passes(T2, "16", score="90"), *t_rows]
    data = student(rows)
    f = figures(data, T4)
    assert f.term_course_count == 0 and f.term_failed_percent is None
    expected = RED if t_rows[0][-1:] == ("旷考",) else None
    assert level("anshan", T4, data) == expected


# -- cumulative failed credits: 15 / 10 / 5 ------------------------------------------------


@pytest.mark.parametrize(
    ("failed", "expected"),
    [
        ("15", RED),
        ("14.5", ORANGE),
        ("10", ORANGE),
        ("9.5", YELLOW),
        ("5", YELLOW),
        ("4.5", None),
    ],
    ids=[
        "cumulative-exactly-15-is-red",
        "cumulative-14.5-is-orange",
        "cumulative-exactly-10-is-orange",
        "cumulative-9.5-is-yellow",
        "cumulative-exactly-5-is-yellow",
        "cumulative-4.5-is-none",
    ],
)
def test_cumulative_failed_credit_bounds(failed, expected):
    # failures split over T1 and T2; T4 all passed (0 %), so only the cumulative criterion acts
    half = Decimal(failed) / 2
    rows = [
        *failing(T1, str(half), prefix="A"),
        *passes(T1, "20"),
        *failing(T2, str(Decimal(failed) - half), prefix="B"),
        *passes(T2, "20"),
        *passes(T4, "20"),
    ]
    data = student(rows)
    assert figures(data, T4).cumulative_failed_credits == Decimal(failed)
    assert level("anshan", T4, data) == expected


def test_retake_passed_in_T_reduces_the_cumulative_credits():
    rows = [
        *failing(T2, "15"),
        *passes(T2, "20"),
        (T4, "F2023-2024-2-0", "5", "80", "重修"),  # one of the three 5-credit failures
        *passes(T4, "20"),
    ]
    data = student(rows)
    assert level("anshan", T2, data) == RED
    assert figures(data, T4).cumulative_failed_credits == Decimal(10)
    assert level("anshan", T4, data) == ORANGE


# -- GPA < 2.0 / < 2.2, rounded half-up to 2 decimals first --------------------------------


@pytest.mark.parametrize(
    ("scores", "gpa", "expected"),
    [
        (("70", "70"), "2.00", ORANGE),
        (("69.9", "69.9"), "1.99", RED),
        (("70", "69.8"), "2.00", ORANGE),
        (("70", "69.79"), "1.99", RED),
        (("72", "72"), "2.20", None),
        (("71.9", "71.9"), "2.19", ORANGE),
        (("72", "71.8"), "2.20", None),
        (("72", "71.79"), "2.19", ORANGE),
    ],
    ids=[
        "gpa-exactly-2.0-is-not-below-2.0-orange",
        "gpa-1.99-is-red",
        "gpa-unrounded-1.995-is-2.00-orange-not-red",
        "gpa-unrounded-1.99475-is-1.99-red",
        "gpa-exactly-2.2-is-none",
        "gpa-2.19-is-orange",
        "gpa-unrounded-2.195-is-2.20-none",
        "gpa-unrounded-2.19475-is-2.19-orange",
    ],
)
def test_gpa_bounds(scores, gpa, expected):
    # 15 credits at the first score, 5 at the second: (15 a + 5 b) / 20, no failure
    a, b = scores
    rows = [*passes(T4, "15", score=a, prefix="A"), (T4, "B", "5", b, "正常考试")]
    data = student(rows)
    assert figures(data, T4).gpa == Decimal(gpa)
    assert level("anshan", T4, data) == expected


def test_no_gpa_means_no_gpa_criterion():
    rows = [(T4, "A", "10", "合格", "正常考试"), (T4, "B", "10", "", "正常考试", "免修")]
    data = student(rows)
    assert figures(data, T4).gpa is None
    assert level("anshan", T4, data) is None


def test_gpa_counts_failed_courses_as_zero():
    # 2 failed (0) + 18 at 75 (2.5): GPA 2.25, no red/orange from GPA; 10 % → yellow
    rows = [(T4, "F", "2", "50", "正常考试"), *passes(T4, "18", score="75")]
    data = student(rows)
    assert figures(data, T4).gpa == Decimal("2.25")
    assert level("anshan", T4, data) == YELLOW
    # 3 failed (0) + 17 at 75: GPA 42.5 / 20 = 2.125 → 2.13 < 2.2 (and 15 %): orange
    rows = [(T4, "F", "3", "50", "正常考试"), *passes(T4, "17", score="75")]
    assert figures(student(rows), T4).gpa == Decimal("2.13")
    assert level("anshan", T4, student(rows)) == ORANGE


# -- 旷考 remark on a row of T, flags for T --------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([(T4, "K", "0.5", "", "正常考试", "旷考")], RED),
        ([(T4, "K", "0.5", "88", "正常考试", "旷考")], RED),
        ([(T4, "K", "0.5", "40", "正常考试"), (T4, "K", "0.5", "", "补考", "旷考")], RED),
        ([(T2, "K", "0.5", "", "正常考试", "旷考")], None),
        ([(T5, "K", "0.5", "", "正常考试", "旷考")], None),
        ([(T4, "K", "0.5", "", "正常考试", "缺考")], None),
        ([(T4, "K", "0.5", "", "正常考试", "作弊")], None),
        ([(T4, "K", "0.5", "", "正常考试", "缓考")], None),
    ],
    ids=[
        "旷考-in-T-is-red",
        "旷考-in-T-whatever-the-score",
        "旷考-on-a-补考-row-of-T-is-red",
        "旷考-in-an-earlier-term-is-not",
        "旷考-after-T-is-not",
        "缺考-is-not-旷考",
        "作弊-is-not-旷考",
        "缓考-is-not-旷考",
    ],
)
def test_absence_remark_in_T(rows, expected):
    # 0.5 of 20 credits failed at most (2.5 %): only the remark can warn
    data = student([*rows, *passes(T4, "19.5", score="90"), *passes(T2, "20", score="90")])
    assert level("anshan", T4, data) == expected


def test_absence_remark_fails_the_course_whatever_the_score():
    data = student([(T4, "K", "0.5", "88", "正常考试", "旷考"), *passes(T4, "19.5")])
    f = figures(data, T4)
    assert f.term_failed_credits == Decimal("0.5")


@pytest.mark.parametrize(
    ("flags", "expected"),
    [
        ([(T4, "旷课")], RED),
        ([(T4, "学习态度")], RED),
        ([(T4, "延长学习年限")], RED),
        ([(T2, "旷课")], None),
        ([(T5, "延长学习年限")], None),
        ([(T4, "纪律处分")], None),
        ([(T4, "休学")], None),
    ],
    ids=[
        "flag-旷课-for-T-is-red",
        "flag-学习态度-for-T-is-red",
        "flag-延长学习年限-for-T-is-red",
        "flag-for-an-earlier-term-is-not",
        "flag-for-a-later-term-is-not",
        "flag-纪律处分-is-not-an-anshan-criterion",
        "flag-休学-is-not-an-anshan-criterion",
    ],
)
def test_flags_for_T(flags, expected):
    data = student([*passes(T2, "20"), *passes(T4, "20")], flags=flags)
    assert level("anshan", T4, data) == expected


# -- term GPA drop ≥ 1.0 against the previous term ------------------------------------------


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([*passes(T2, "10", score="85"), *passes(T4, "10", score="75")], RED),
        ([*passes(T2, "10", score="85"), *passes(T4, "10", score="75.1")], None),
        ([*passes(T2, "10", score="85"), *passes(T4, "10", score="70")], RED),
        ([*passes(T2, "10", score="75"), *passes(T4, "10", score="85")], None),
        (
            [
                *passes(T2, "3", score="85", prefix="A"),
                (T2, "B", "1", "85.2", "正常考试"),
                *passes(T4, "10", score="75.1"),
            ],
            RED,
        ),
        ([*passes(T4, "10", score="75")], None),
        ([(T2, "H", "10", "合格", "正常考试"), *passes(T4, "10", score="75")], None),
        ([*passes(T2, "10", score="85"), (T4, "H", "10", "合格", "正常考试")], None),
    ],
    ids=[
        "drop-exactly-1.0-is-red",
        "drop-0.99-is-none",
        "drop-1.5-is-red",
        "rise-is-none",
        "drop-of-rounded-term-gpas-3.51-minus-2.51-is-red",
        "no-previous-term-no-drop",
        "previous-term-without-term-gpa-no-drop",
        "T-without-term-gpa-no-drop",
    ],
)
def test_term_gpa_drop(rows, expected):
    assert level("anshan", T4, student(rows)) == expected


def test_drop_rounded_term_gpas_figures():
    rows = [
        *passes(T2, "3", score="85", prefix="A"),
        (T2, "B", "1", "85.2", "正常考试"),  # unrounded (10.5 + 3.52) / 4 = 3.505 → 3.51
        *passes(T4, "10", score="75.1"),
    ]
    f = figures(student(rows), T4)
    assert (f.previous_term_gpa, f.term_gpa, f.term_gpa_drop) == (
        Decimal("3.51"),
        Decimal("2.51"),
        Decimal("1.00"),
    )


def test_previous_term_is_the_latest_term_of_a_course_not_of_a_row():
    # T2 has only a 重修 row of a T1 course: it is no course's term, so the previous term is
    # T1 (term GPA 3.5), and 3.5 → 2.5 is a drop of 1.0.
    rows = [
        *passes(T1, "10", score="85"),
        (T1, "X", "2", "不合格", "正常考试"),
        (T2, "X", "2", "不合格", "重修"),
        *passes(T4, "10", score="75"),
    ]
    data = student(rows)
    f = figures(data, T4)
    assert f.previous_term == term(T1)
    assert f.previous_term_gpa == Decimal("3.50")
    assert level("anshan", T4, data) == RED


def test_short_summer_term_can_be_the_previous_term():
    rows = [
        *passes(T2, "10", score="75"),
        *passes(T3, "2", score="85"),
        *passes(T4, "10", score="75"),
    ]
    data = student(rows)
    f = figures(data, T4)
    assert f.previous_term == term(T3)
    assert level("anshan", T4, data) == RED


def test_previous_term_gpa_uses_only_rows_up_to_that_term():
    # At T2: A 4 × 3.5 + B 2 × 0 → term GPA 2.33. B is passed by 重修 at 95 in T4, which
    # must not lift T2's term GPA to 3.83 (that would make 3.83 → 2.5 a drop of 1.33).
    rows = [
        (T2, "A", "4", "85", "正常考试"),
        (T2, "B", "2", "40", "正常考试"),
        (T4, "B", "2", "95", "重修"),
        *passes(T4, "6", score="75"),
    ]
    data = student(rows)
    f = figures(data, T4)
    assert (f.previous_term_gpa, f.term_gpa) == (Decimal("2.33"), Decimal("2.50"))
    assert level("anshan", T4, data) is None


def test_term_gpa_of_T_uses_only_courses_whose_term_is_T():
    # the 重修 row in T4 of a T2 course (95) does not enter T4's term GPA
    rows = [
        *passes(T2, "10", score="85"),
        (T2, "B", "2", "40", "正常考试"),
        (T4, "B", "2", "95", "重修"),
        *passes(T4, "10", score="75"),
    ]
    f = figures(student(rows), T4)
    assert f.term_gpa == Decimal("2.50")
    assert f.previous_term_gpa == Decimal("2.92")  # (10 × 3.5 + 2 × 0) / 12 at T2


# -- 预警原因 ---------------------------------------------------------------------------------


def test_reason_term_share_and_cumulative_courses():
    # T2: 大学英语 (2) failed; T4: 高等数学A (4) and 形势与政策 (0.5) failed of 20
    rows = [
        (T2, "ENG101", "2", "40", "正常考试", "", "大学英语"),
        *passes(T2, "18", score="90"),
        (T4, "MATH101", "4", "45", "正常考试", "", "高等数学A"),
        (T4, "POL101", "0.5", "30", "正常考试", "", "形势与政策"),
        *passes(T4, "15.5", score="90"),
    ]
    w = warned("anshan", T4, student(rows))
    assert w is not None and w.level == ORANGE
    assert w.reason == (
        "本学期未通过 4.5/20 学分(22.5%)；"
        "累计未通过 6.5 学分：大学英语(2)、高等数学A(4)、形势与政策(0.5)"
    )


def test_reason_cumulative_six_credits_from_two_courses():
    rows = [
        (T2, "MATH101", "4", "50", "正常考试", "", "高等数学A"),
        *passes(T2, "16", score="90"),
        (T4, "ENG101", "2", "55", "正常考试", "", "大学英语"),
        *passes(T4, "18", score="90"),
    ]
    w = warned("anshan", T4, student(rows))
    assert w is not None and w.level == YELLOW
    assert w.reason == "本学期未通过 2/20 学分(10%)；累计未通过 6 学分：高等数学A(4)、大学英语(2)"


def test_reason_absence_flag_and_drop():
    rows = [
        *passes(T2, "10", score="85"),
        (T4, "MIL101", "1", "", "正常考试", "旷考", "军事理论"),
        *passes(T4, "19", score="75"),
    ]
    w = warned("anshan", T4, student(rows, flags=[(T4, "旷课")]))
    assert w is not None and w.level == RED
    # term GPA (19 × 2.5) / 20 = 2.375 → 2.38 … against 3.5 a drop of 1.12
    assert w.reason == (
        "本学期军事理论旷考；本学期存在旷课等学习态度不端正情况；本学期学分绩点 2.38，较上学期 3.50 下降 1.12；"
        "本学期未通过 1/20 学分(5%)"
    )


def test_reason_gpa_only():
    rows = [*passes(T4, "15", score="70", prefix="A"), (T4, "B", "5", "69.8", "正常考试")]
    w = warned("anshan", T4, student(rows))
    assert w is not None and w.level == ORANGE
    # GPA 2.00 (from 1.995) is printed with two decimals, as a transcript prints it
    assert w.reason == "平均学分绩点 2.00"


# -- end to end through the files ----------------------------------------------------------


@pytest.fixture(scope="module")
def anshan_list(tmp_path_factory):
    out = tmp_path_factory.mktemp("anshan") / "list.csv"
    res = assess_export(
        "anshan",
        T4,
        grades=SAMPLES / "anshan_boundaries_grades.csv",
        roster=SAMPLES / "anshan_boundaries_roster.csv",
        flags=SAMPLES / "anshan_boundaries_flags.csv",
        output=out,
    )
    return res, read_list_csv(out)


@pytest.mark.parametrize(
    ("sid", "expected"),
    [
        ("2023010101", YELLOW),
        ("2023010102", None),
        ("2023010103", ORANGE),
        ("2023010104", YELLOW),
        ("2023010105", RED),
        ("2023010106", RED),
        ("2023010107", RED),
        ("2023010108", ORANGE),
        ("2023010110", RED),
        ("2023010111", None),
        ("2023010112", None),
    ],
    ids=[
        "file-term-percent-exactly-5-is-yellow",
        "file-term-percent-4.9-is-none",
        "file-22.5-percent-is-orange",
        "file-10-percent-and-6-cumulative-is-yellow",
        "file-term-percent-exactly-25-is-red",
        "file-旷考-in-成绩-column-is-red",
        "file-学习态度-flag-is-red",
        "file-gpa-1.995-is-orange-earlier-旷课-flag-ignored-绩点-column-not-trusted",
        "file-term-gpa-drop-exactly-1.0-is-red",
        "file-term-gpa-drop-0.99-is-none",
        "file-only-a-retake-row-in-T-is-none",
    ],
)
def test_file_levels(anshan_list, sid, expected):
    _, rows = anshan_list
    assert rows.get(sid, {}).get("预警等级") == expected


def test_file_reasons_and_figures(anshan_list):
    _, rows = anshan_list
    assert rows["2023010101"]["预警原因"] == "本学期未通过 1/20 学分(5%)"
    assert rows["2023010101"]["未通过学分占比(%)"] == "5"
    assert rows["2023010103"]["预警原因"] == (
        "本学期未通过 4.5/20 学分(22.5%)；"
        "累计未通过 6.5 学分：大学英语(2)、高等数学A(4)、形势与政策(0.5)"
    )
    assert rows["2023010104"]["预警原因"] == (
        "本学期未通过 2/20 学分(10%)；累计未通过 6 学分：高等数学A(4)、大学英语(2)"
    )
    assert rows["2023010105"]["预警原因"] == (
        "本学期未通过 5/20 学分(25%)；累计未通过 5 学分：高等数学A(4)、体育(1)"
    )
    assert rows["2023010106"]["预警原因"] == "本学期军事理论旷考；本学期未通过 1/20 学分(5%)"
    assert rows["2023010107"]["预警原因"] == "本学期学习态度不端正"
    assert rows["2023010108"]["预警原因"] == "平均学分绩点 2.00"
    assert rows["2023010110"]["预警原因"] == "本学期学分绩点 2.50，较上学期 3.50 下降 1.00"


def test_file_changes_against_the_previous_term(anshan_list):
    _, rows = anshan_list
    # at 2023-2024-2: 王三 2/20 = 10 % (yellow), 赵四 4/20 = 20 % (orange)
    assert (rows["2023010103"]["上学期等级"], rows["2023010103"]["较上学期"]) == (YELLOW, "升级")
    assert (rows["2023010104"]["上学期等级"], rows["2023010104"]["较上学期"]) == (ORANGE, "降级")
    assert rows["2023010110"]["较上学期"] == "新增"


def test_file_roster_entry_without_grades_is_not_assessed(anshan_list):
    res, rows = anshan_list
    assert "2023010109" not in rows
    assert [(n.student_id, n.reason) for n in res.assessment.not_assessed] == [
        ("2023010109", "无成绩记录")
    ]
    assert res.assessment.assessed_count == 11
