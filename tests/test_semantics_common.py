"""docs/policy-semantics.md, the parts shared by every policy: attempts, courses, figures,
grade points and GPA, who is assessed, and how grade exports are read."""

from __future__ import annotations

from decimal import Decimal
from fractions import Fraction
from pathlib import Path

import pytest
from semantics_helpers import (
    GRADE_HEADER,
    ROSTER_HEADER,
    SAMPLES,
    T2,
    T4,
    T5,
    assess_export,
    attempt,
    courses,
    figures,
    passes,
    read_list_csv,
    run,
    student,
    term,
    write_csv,
)

from yujing.engine.courses import Outcome, attempt_result, gpa
from yujing.errors import BadRowsError, InvalidValueError
from yujing.imports import exam_kind
from yujing.model import AttemptKind

# -- attempts -------------------------------------------------------------------------------

P, F, W = Outcome.PASSED, Outcome.FAILED, Outcome.PENDING


@pytest.mark.parametrize(
    ("score", "remark", "outcome", "point"),
    [
        ("60", "", P, Decimal("1.0")),
        ("59.9", "", F, Decimal(0)),
        ("59", "", F, Decimal(0)),
        ("0", "", F, Decimal(0)),
        ("100", "", P, Decimal("5.0")),
        ("85", "", P, Decimal("3.5")),
        ("69.8", "", P, Decimal("1.98")),
        ("优秀", "", P, Decimal("4.5")),
        ("良好", "", P, Decimal("3.5")),
        ("中等", "", P, Decimal("2.5")),
        ("及格", "", P, Decimal("1.5")),
        ("不及格", "", F, Decimal(0)),
        ("合格", "", P, None),
        ("通过", "", P, None),
        ("不合格", "", F, None),
        ("不通过", "", F, None),
        ("95", "缺考", F, Decimal(0)),
        ("95", "旷考", F, Decimal(0)),
        ("优秀", "作弊", F, Decimal(0)),
        ("合格", "取消考试资格", F, Decimal(0)),
        ("", "缺考", F, Decimal(0)),
        ("", "缓考", W, None),
        ("", "免修", P, None),
        ("40", "免修", P, None),
    ],
    ids=[
        "number-60-passes-point-1.0",
        "number-59.9-fails",
        "number-59-fails",
        "number-0-fails",
        "number-100-point-5.0",
        "number-85-point-3.5",
        "decimal-score-69.8-point-1.98",
        "word-优秀-4.5",
        "word-良好-3.5",
        "word-中等-2.5",
        "word-及格-1.5",
        "word-不及格-fails-0",
        "word-合格-passes-no-point",
        "word-通过-passes-no-point",
        "word-不合格-fails-no-point",
        "word-不通过-fails-no-point",
        "remark-缺考-fails-whatever-the-score",
        "remark-旷考-fails-whatever-the-score",
        "remark-作弊-fails-over-优秀",
        "remark-取消考试资格-fails-over-合格",
        "remark-缺考-without-score",
        "remark-缓考-no-result",
        "remark-免修-passes-no-point",
        "remark-免修-passes-over-a-low-score",
    ],
)
def test_attempt_outcome_and_point(score, remark, outcome, point):
    a = attempt("S1", (T4, "C1", "2", score, "正常考试", remark))
    assert attempt_result(a) == (outcome, point)


@pytest.mark.parametrize(
    ("text", "kind"),
    [
        ("正常考试", AttemptKind.NORMAL),
        ("正考", AttemptKind.NORMAL),
        ("缓考", AttemptKind.NORMAL),
        ("补考", AttemptKind.MAKEUP),
        ("补考一", AttemptKind.MAKEUP),
        ("补考二", AttemptKind.MAKEUP),
        ("重修", AttemptKind.RETAKE),
        ("重修二", AttemptKind.RETAKE),
    ],
    ids=[
        "正常考试",
        "正考",
        "缓考-is-the-deferred-first-exam",
        "补考",
        "补考一",
        "补考二",
        "重修",
        "重修二",
    ],
)
def test_exam_kind_variants_by_the_table(text, kind):
    assert exam_kind(text) is kind


@pytest.mark.parametrize(
    "text", ["补修", "", "结业考试", "补考三"], ids=["补修", "empty", "结业考试", "补考三"]
)
def test_unknown_exam_kind_is_unreadable_never_guessed_by_prefix(text):
    with pytest.raises(InvalidValueError, match="不在对照表中"):
        exam_kind(text)


# -- courses: term, credits, outcome --------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "at", "term_text", "credits"),
    [
        (
            [(T4, "M1", "3", "70", "重修"), (T2, "M1", "4", "40", "正常考试")],
            T4,
            T2,
            "4",
        ),
        (
            [(T5, "M1", "2", "70", "重修"), (T4, "M1", "3", "50", "重修")],
            T5,
            T4,
            "3",
        ),
        (
            [(T4, "M1", "2", "80", "正常考试"), (T2, "M1", "3", "40", "正常考试")],
            T4,
            T2,
            "3",
        ),
        (
            [(T4, "M1", "2", "61", "补考"), (T4, "M1", "3", "", "正常考试", "缓考")],
            T4,
            T4,
            "3",
        ),
        (
            [(T4, "M1", "2", "80", "重修"), (T5, "M1", "3", "40", "正常考试")],
            T4,
            T4,
            "2",
        ),
        (
            [(T2, "M1", "2", "55", "重修"), (T4, "M1", "3", "45", "正常考试")],
            T4,
            T4,
            "3",
        ),
    ],
    ids=[
        "term-and-credits-of-the-正常考试-row-not-the-retake",
        "no-正常考试-row-earliest-row-of-any-kind",
        "earliest-of-two-正常考试-rows",
        "deferred-正常考试-row-gives-term-and-credits-over-补考-row",
        "正常考试-row-after-T-does-not-count-earliest-counted-row",
        "正常考试-row-wins-over-an-earlier-retake-row",
    ],
)
def test_course_term_and_credits(rows, at, term_text, credits):
    (course,) = courses(rows, at).values()
    assert course.term == term(term_text)
    assert course.credits == Decimal(credits)


@pytest.mark.parametrize(
    ("rows", "at", "outcome"),
    [
        ([(T4, "M1", "4", "45", "正常考试"), (T4, "M1", "4", "62", "补考")], T4, P),
        ([(T2, "M1", "4", "45", "正常考试"), (T4, "M1", "4", "70", "重修")], T4, P),
        ([(T2, "M1", "4", "45", "正常考试"), (T4, "M1", "4", "70", "重修")], T2, F),
        ([(T4, "M1", "4", "45", "正常考试"), (T5, "M1", "4", "62", "补考")], T4, F),
        ([(T4, "M1", "4", "45", "正常考试"), (T4, "M1", "4", "50", "补考")], T4, F),
        ([(T4, "M1", "4", "", "正常考试", "缓考")], T4, W),
        ([(T4, "M1", "4", "", "缓考", "缓考"), (T4, "M1", "4", "", "补考", "缓考")], T4, W),
        ([(T4, "M1", "4", "", "正常考试", "缓考"), (T4, "M1", "4", "40", "补考")], T4, F),
        ([(T4, "M1", "4", "", "正常考试", "缓考"), (T4, "M1", "4", "75", "补考")], T4, P),
        ([(T4, "M1", "4", "95", "正常考试", "作弊")], T4, F),
        ([(T4, "M1", "4", "", "正常考试", "免修")], T4, P),
        ([(T4, "M1", "4", "不及格", "正常考试"), (T4, "M1", "4", "及格", "补考")], T4, P),
        ([(T4, "M1", "4", "不通过", "正常考试"), (T5, "M1", "4", "通过", "重修")], T5, P),
    ],
    ids=[
        "passed-by-补考-under-the-original-term",
        "passed-by-重修-under-a-later-term",
        "retake-after-T-does-not-count",
        "补考-recorded-after-T-does-not-count",
        "failed-normal-and-补考",
        "only-缓考-is-pending",
        "缓考-normal-and-缓考-补考-still-pending",
        "缓考-then-failed-补考-is-failed",
        "缓考-then-passed-补考-is-passed",
        "作弊-fails-a-95",
        "免修-passes",
        "不及格-then-及格-补考-passes",
        "不通过-then-通过-重修-passes",
    ],
)
def test_course_outcome(rows, at, outcome):
    (course,) = courses(rows, at).values()
    assert course.outcome is outcome


FAIL_N = (T4, "M1", "3", "45", "正常考试")


@pytest.mark.parametrize(
    ("rows", "at", "expected"),
    [
        ([FAIL_N, (T4, "M1", "3", "50", "补考")], T4, True),
        ([FAIL_N], T4, False),
        ([FAIL_N, (T4, "M1", "3", "50", "补考一"), (T5, "M1", "3", "52", "补考二")], T5, True),
        ([FAIL_N, (T4, "M1", "3", "50", "补考"), (T5, "M1", "3", "", "补考二", "缓考")], T5, False),
        ([FAIL_N, (T4, "M1", "3", "", "补考", "缓考")], T4, False),
        ([FAIL_N, (T4, "M1", "3", "50", "补考"), (T5, "M1", "3", "80", "重修")], T5, False),
        ([FAIL_N, (T4, "M1", "3", "50", "补考"), (T5, "M1", "3", "40", "重修")], T5, True),
        ([FAIL_N, (T4, "M1", "3", "50", "补考"), (T5, "M1", "3", "80", "重修")], T4, True),
        ([FAIL_N, (T4, "M1", "3", "60", "补考")], T4, False),
        ([FAIL_N, (T5, "M1", "3", "40", "补考")], T4, False),
        ([FAIL_N, (T4, "M1", "3", "95", "补考", "缺考")], T4, True),
        ([FAIL_N, (T4, "M1", "3", "不合格", "补考")], T4, True),
        ([(T2, "M1", "3", "45", "正常考试"), (T2, "M1", "3", "30", "补考")], T5, True),
    ],
    ids=[
        "failed-补考",
        "no-补考-attempt",
        "two-failed-补考",
        "failed-补考-then-缓考-补考-is-not-all-failed",
        "only-a-缓考-补考",
        "passed-by-重修-after-failed-补考",
        "failed-补考-and-failed-重修",
        "重修-pass-after-T-does-not-count",
        "passed-补考",
        "补考-after-T-does-not-count",
        "补考-缺考-is-a-failure",
        "补考-不合格-is-a-failure",
        "earlier-term-failed-补考-still-counts-until-passed",
    ],
)
def test_failed_after_makeup(rows, at, expected):
    (course,) = courses(rows, at).values()
    assert course.failed_after_makeup is expected


# -- grade points ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "point"),
    [
        ([(T4, "M1", "2", "85", "正常考试")], Decimal("3.5")),
        ([(T4, "M1", "2", "40", "正常考试"), (T4, "M1", "2", "95", "补考")], Decimal("1.0")),
        ([(T4, "M1", "2", "40", "正常考试"), (T4, "M1", "2", "良好", "补考")], Decimal("1.0")),
        ([(T4, "M1", "2", "40", "正常考试"), (T4, "M1", "2", "60", "补考")], Decimal("1.0")),
        (
            [
                (T2, "M1", "2", "40", "正常考试"),
                (T2, "M1", "2", "50", "补考"),
                (T4, "M1", "2", "85", "重修"),
            ],
            Decimal("3.5"),
        ),
        (
            [
                (T2, "M1", "2", "40", "正常考试"),
                (T2, "M1", "2", "95", "补考"),
                (T4, "M1", "2", "65", "重修"),
            ],
            Decimal("1.5"),
        ),
        (
            [(T2, "M1", "2", "88", "正常考试"), (T4, "M1", "2", "92", "重修")],
            Decimal("4.2"),
        ),
        ([(T4, "M1", "2", "合格", "正常考试")], None),
        ([(T4, "M1", "2", "", "正常考试", "免修")], None),
        ([(T4, "M1", "2", "40", "正常考试"), (T4, "M1", "2", "合格", "补考")], None),
        ([(T4, "M1", "2", "不合格", "正常考试")], None),
        ([(T4, "M1", "2", "不通过", "正常考试"), (T4, "M1", "2", "不通过", "补考")], None),
        ([(T4, "M1", "2", "不合格", "正常考试"), (T4, "M1", "2", "", "补考", "缺考")], Decimal(0)),
        ([(T4, "M1", "2", "40", "正常考试")], Decimal(0)),
        ([(T4, "M1", "2", "40", "正常考试"), (T4, "M1", "2", "不合格", "补考")], Decimal(0)),
        ([(T4, "M1", "2", "", "正常考试", "缓考")], None),
    ],
    ids=[
        "passed-85-is-3.5",
        "passing-补考-95-capped-at-1.0",
        "passing-补考-良好-capped-at-1.0",
        "passing-补考-60-is-1.0",
        "重修-pass-is-not-capped",
        "best-passing-attempt-重修-1.5-over-capped-补考",
        "best-passing-attempt-of-two",
        "passed-by-合格-left-out",
        "passed-by-免修-left-out",
        "passed-only-by-合格-after-a-numeric-fail-left-out",
        "failed-by-不合格-only-left-out",
        "failed-by-不通过-twice-left-out",
        "failed-with-a-缺考-attempt-is-0",
        "failed-numeric-is-0",
        "failed-numeric-then-不合格-is-0",
        "pending-left-out",
    ],
)
def test_course_grade_point(rows, point):
    (course,) = courses(rows, T4).values()
    assert course.grade_point == point


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([(T4, "A", "3", "70", "正常考试"), (T4, "B", "1", "69.8", "正常考试")], Decimal("2.00")),
        ([(T4, "A", "3", "70", "正常考试"), (T4, "B", "1", "69.7", "正常考试")], Decimal("1.99")),
        ([(T4, "A", "3", "72", "正常考试"), (T4, "B", "1", "71.4", "正常考试")], Decimal("2.19")),
        ([(T4, "A", "3", "72", "正常考试"), (T4, "B", "1", "71.8", "正常考试")], Decimal("2.20")),
        ([(T4, "A", "2", "95", "正常考试"), (T4, "B", "10", "合格", "正常考试")], Decimal("4.50")),
        (
            [(T4, "A", "2", "95", "正常考试"), (T4, "B", "10", "不合格", "正常考试")],
            Decimal("4.50"),
        ),
        ([(T4, "A", "2", "95", "正常考试"), (T4, "B", "2", "40", "正常考试")], Decimal("2.25")),
        (
            [(T4, "A", "2", "95", "正常考试"), (T4, "B", "2", "", "正常考试", "缓考")],
            Decimal("4.50"),
        ),
        ([(T4, "A", "2", "合格", "正常考试"), (T4, "B", "2", "", "正常考试", "免修")], None),
        ([(T4, "A", "2", "不合格", "正常考试")], None),
    ],
    ids=[
        "unrounded-1.995-is-2.00",
        "unrounded-1.9925-is-1.99",
        "unrounded-2.185-rounds-half-up-to-2.19",
        "unrounded-2.195-is-2.20",
        "合格-course-does-not-dilute",
        "不合格-course-left-out",
        "numeric-fail-counts-as-0",
        "pending-course-left-out",
        "no-course-with-a-point-no-gpa",
        "only-不合格-no-gpa",
    ],
)
def test_gpa(rows, expected):
    value = gpa(courses(rows, T4).values())
    assert value == expected
    if expected is not None:
        assert value.as_tuple().exponent == -2  # rounded to 2 decimals, as a transcript prints it


# -- figures --------------------------------------------------------------------------------

FIGURE_ROWS = [
    (T2, "A", "4", "45", "正常考试"),
    (T2, "A", "4", "62", "补考"),  # passed by 补考 under the original term, point capped to 1.0
    (T2, "B", "3", "50", "正常考试"),
    (T4, "B", "3", "55", "重修"),  # still failed; course B stays a T2 course
    (T4, "C", "4", "85", "正常考试"),
    (T4, "D", "2.5", "40", "正常考试"),
    (T4, "E", "0.5", "", "正常考试", "缓考"),  # pending: in term credits, neither failed nor earned
    (T4, "F", "1", "", "正常考试", "免修"),
    (T5, "D", "2.5", "90", "重修"),  # after T4
]


def test_figures_at_term():
    f = figures(student(FIGURE_ROWS), T4)
    assert f.term_credits == Decimal(8)
    assert f.term_failed_credits == Decimal("2.5")
    assert f.term_failed_percent == Fraction(125, 4)  # 2.5 / 8 = 31.25 %, exactly
    assert f.cumulative_failed_credits == Decimal("5.5")
    assert f.earned_credits == Decimal(9)
    assert sorted(c.code for c in f.failed_courses) == ["B", "D"]
    # (4×1.0 + 3×0 + 4×3.5 + 2.5×0) / 13.5 = 1.333…
    assert f.gpa == Decimal("1.33")
    assert f.term_gpa == Decimal("2.15")  # (4×3.5 + 2.5×0) / 6.5 = 2.1538…
    assert f.previous_term == term(T2)
    assert f.previous_term_gpa == Decimal("0.57")  # (4×1.0 + 3×0) / 7 at T2


def test_figures_at_a_later_term_count_the_later_rows():
    f = figures(student(FIGURE_ROWS), T5)
    assert f.cumulative_failed_credits == Decimal(3)
    assert f.earned_credits == Decimal("11.5")
    assert f.term_course_count == 0
    assert f.term_failed_percent is None


def test_figures_at_an_earlier_term_ignore_later_rows():
    f = figures(student(FIGURE_ROWS), T2)
    assert f.term_credits == Decimal(7)
    assert f.term_failed_credits == Decimal(3)
    assert f.cumulative_failed_credits == Decimal(3)
    assert f.earned_credits == Decimal(4)


@pytest.mark.parametrize(
    ("failed", "total", "percent"),
    [
        ("1", "20", Fraction(5)),
        ("0.5", "10", Fraction(5)),
        ("4.5", "18", Fraction(25)),
        ("3", "20.5", Fraction(600, 41)),
    ],
    ids=[
        "1-of-20-is-exactly-5",
        "half-of-10-is-exactly-5",
        "4.5-of-18-is-exactly-25",
        "3-of-20.5-exact-fraction",
    ],
)
def test_term_failed_percent_is_exact(failed, total, percent):
    rows = [(T4, "F", failed, "不合格", "正常考试"), *passes(T4, Decimal(total) - Decimal(failed))]
    assert figures(student(rows), T4).term_failed_percent == percent


# -- who is assessed ------------------------------------------------------------------------


def test_roster_entry_without_grade_rows_is_not_assessed():
    result = run(
        "anshan",
        T4,
        student(passes(T4, "20"), sid="S1"),
        student((), sid="S2", name="无成绩"),
        student([(T5, "X", "2", "40", "正常考试")], sid="S3", name="只有以后的成绩"),
    )
    assert result.assessed_count == 1
    reasons = {n.student_id: n.reason for n in result.not_assessed}
    assert set(reasons) == {"S2", "S3"}
    assert reasons["S2"] == "无成绩记录"
    assert "S2" not in result.levels and "S3" not in result.levels


# -- reading grade exports ------------------------------------------------------------------

ROSTER = [("2023000001", "张三", "男", "文学院", "汉语言文学", "2023", "汉语言2301")]


def _assess_anshan(tmp_path: Path, grades: Path, **kw: object):
    roster = write_csv(tmp_path / "roster.csv", ROSTER_HEADER, ROSTER)
    return assess_export(
        "anshan", T4, grades=grades, roster=roster, output=tmp_path / "out.csv", **kw
    )


def test_unreadable_rows_are_reported_and_nothing_is_imported(tmp_path):
    with pytest.raises(BadRowsError) as err:
        _assess_anshan(tmp_path, SAMPLES / "common_bad_rows_grades.csv")
    bad = {b.row: b for b in err.value.bad_rows}
    # rows 3…6 of the file: empty 成绩 without a remark, unknown 考试性质, negative and
    # non-numeric 学分; row 2 and row 7 are fine
    assert sorted(bad) == [3, 4, 5, 6]
    assert all(b.file == "common_bad_rows_grades.csv" for b in bad.values())
    assert bad[3].column == "成绩" and "成绩为空" in bad[3].reason
    assert bad[4].column == "考试性质" and bad[4].value == "补修"
    assert bad[5].column == "学分" and bad[5].value == "-1"
    assert bad[6].column == "学分" and bad[6].value == "两"
    assert not (tmp_path / "out.csv").exists()


def test_unreadable_rows_skipped_when_asked(tmp_path):
    res = _assess_anshan(tmp_path, SAMPLES / "common_bad_rows_grades.csv", skip_bad_rows=True)
    # what is left: 4 credits passed (85) and 1 credit failed with 缺考 (in the 成绩 column)
    (w,) = res.assessment.warned
    assert (w.figures.term_failed_credits, w.figures.term_credits) == (Decimal(1), Decimal(5))
    assert w.figures.gpa == Decimal("2.80")
    assert w.level == "橙色预警"  # 20 % ≥ 15 %


def _aliases_and_gbk_rows():
    return [
        ("2024-2025", "1", "2023000001", "张三", "C1", "古代汉语", "4", "85", "正考", ""),
        ("2024-2025", "1", "2023000001", "张三", "C2", "现代汉语", "4", "缺考", "正常考试", ""),
        ("2024-2025", "1", "2023000001", "张三", "C3", "写作", "2", "45", "正常考试", ""),
        ("2024-2025", "1", "2023000001", "张三", "C3", "写作", "2", "60", "补考一", ""),
        (
            "2024-2025",
            "1",
            "2023000001",
            "张三",
            "C4",
            "体育",
            "10",
            "优秀",
            "正常考试",
            "重修报名",
        ),
    ]


@pytest.mark.parametrize(
    ("header", "encoding"),
    [
        (GRADE_HEADER, "utf-8-sig"),
        (GRADE_HEADER, "utf-8"),
        (GRADE_HEADER, "gbk"),
        (GRADE_HEADER, "gb18030"),
        (("xnmmc", "xqmmc", "xh", "xm", "kch", "kcmc", "xf", "cj", "ksxz", "cjbz"), "utf-8-sig"),
    ],
    ids=["utf8-bom", "utf8-no-bom", "gbk", "gb18030", "zhengfang-field-names"],
)
def test_grade_export_encodings_and_headers(tmp_path, header, encoding):
    grades = write_csv(tmp_path / "grades.csv", header, _aliases_and_gbk_rows(), encoding=encoding)
    res = _assess_anshan(tmp_path, grades)
    (w,) = res.assessment.warned
    # 现代汉语 缺考 (printed in the 成绩 column) fails: 4 of 20 = 20 % → 橙色预警
    assert w.level == "橙色预警"
    assert (w.figures.term_failed_credits, w.figures.term_credits) == (Decimal(4), Decimal(20))
    # GPA: (4×3.5 + 4×0 + 2×1.0 + 10×4.5) / 20 = 3.05; 写作 passed by 补考一 is capped at 1.0
    assert w.figures.gpa == Decimal("3.05")
    rows = read_list_csv(tmp_path / "out.csv")
    assert rows["2023000001"]["预警原因"] == "本学期未通过 4/20 学分(20%)"
