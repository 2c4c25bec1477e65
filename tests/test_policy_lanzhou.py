"""lanzhou-life (兰州理工大学生命科学与工程学院 三、学业警示范围) as docs/policy-semantics.md
reads it: 补考后不及格 ≥ 2 / = 1, 正考不及格 in T ≥ 3, and the release (解除) history."""

from __future__ import annotations

import pytest
from semantics_helpers import (
    SAMPLES,
    T1,
    T2,
    T4,
    T5,
    assess_export,
    level,
    passes,
    read_list_csv,
    run,
    student,
    term,
    warned,
)

WRITTEN, ORAL = "书面警示", "口头警示"
NAMES = {"A": "有机化学", "B": "物理化学", "C": "生物化学", "D": "分子生物学"}


def first(
    t: str, code: str, credits: str = "2", score: str = "45", kind: str = "正常考试"
) -> tuple:
    """A 正常考试 row (failed unless a passing score is given)."""
    return (t, code, credits, score, kind, "", NAMES.get(code, code))


def makeup(
    t: str, code: str, score: str = "50", credits: str = "2", remark: str = "", kind: str = "补考"
) -> tuple:
    return (t, code, credits, score, kind, remark, NAMES.get(code, code))


def retake(t: str, code: str, score: str = "75", credits: str = "2") -> tuple:
    return (t, code, credits, score, "重修", "", NAMES.get(code, code))


# -- conditions in T ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "expected"),
    [
        ([first(T4, "A"), makeup(T4, "A")], ORAL),
        ([first(T4, "A"), makeup(T4, "A"), first(T4, "B"), makeup(T4, "B")], WRITTEN),
        (
            [first(T4, c) for c in "ABC"] + [makeup(T4, c) for c in "ABC"],
            WRITTEN,
        ),
        ([first(T4, "A"), first(T4, "B")], None),
        ([first(T4, "A"), first(T4, "B"), first(T4, "C")], ORAL),
        (
            [first(T4, c) for c in "ABC"] + [makeup(T4, c, score="60") for c in "ABC"],
            ORAL,
        ),
        ([first(T4, "A", kind="缓考"), first(T4, "B", kind="正考"), first(T4, "C")], ORAL),
        (
            [(T4, "A", "2", "", "正常考试", "缓考"), first(T4, "B"), first(T4, "C")],
            None,
        ),
        (
            [
                first(T4, "A", score="不及格"),
                first(T4, "B", score="不合格"),
                first(T4, "C", score="不通过"),
            ],
            ORAL,
        ),
        ([(T4, "A", "2", "95", "正常考试", "缺考"), first(T4, "B"), first(T4, "C")], ORAL),
        ([first(T2, "A"), first(T4, "B"), first(T4, "C")], None),
        ([first(T4, "A"), first(T4, "B"), first(T5, "C")], None),
        ([first(T2, "A"), makeup(T2, "A")], ORAL),
        ([first(T2, "A"), makeup(T2, "A"), first(T4, "B"), makeup(T4, "B")], WRITTEN),
        ([first(T2, "A"), makeup(T2, "A"), retake(T4, "A")], None),
        ([first(T2, "A"), makeup(T2, "A"), retake(T5, "A")], ORAL),
        ([first(T4, "A"), makeup(T4, "A", score="", remark="缓考")], None),
        (
            [
                first(T4, "A"),
                makeup(T4, "A"),
                makeup(T4, "A", score="", remark="缓考", kind="补考二"),
            ],
            None,
        ),
        ([first(T4, "A"), makeup(T4, "A", kind="补考一"), makeup(T4, "A", kind="补考二")], ORAL),
        ([first(T4, "A"), makeup(T5, "A")], None),
        ([first(T4, "A"), makeup(T4, "A", score="", remark="缺考")], ORAL),
        ([first(T4, "A"), retake(T4, "A", score="40")], None),
        (
            [
                first(T4, "A"),
                makeup(T4, "A"),
                first(T4, "B", score="85"),
                makeup(T4, "B", score="40"),
            ],
            ORAL,
        ),
    ],
    ids=[
        "one-course-failed-after-补考-is-oral",
        "two-courses-failed-after-补考-is-written",
        "three-courses-failed-after-补考-is-written",
        "two-first-exam-failures-in-T-is-none",
        "three-first-exam-failures-in-T-is-oral",
        "three-first-exam-failures-passed-at-补考-still-oral",
        "缓考-exam-kind-and-正考-count-as-first-exams",
        "缓考-remark-is-no-result-not-a-first-exam-failure",
        "word-failures-不及格-不合格-不通过-count",
        "缺考-remark-fails-a-95",
        "first-exam-failure-of-an-earlier-term-is-not-in-T",
        "first-exam-failure-after-T-does-not-count",
        "failed-after-补考-in-an-earlier-term-still-counts",
        "failed-after-补考-earlier-and-in-T-adds-up-to-written",
        "failed-after-补考-passed-by-重修-in-T-no-longer-counts",
        "重修-pass-after-T-does-not-count-yet",
        "缓考-补考-is-not-a-failed-补考",
        "failed-补考-then-缓考-补考-is-not-all-failed",
        "two-failed-补考-attempts",
        "补考-recorded-after-T-does-not-count",
        "缺考-补考-is-a-failure",
        "failed-重修-without-补考-is-not-failed-after-补考",
        "补考-attempt-on-a-passed-course-does-not-count",
    ],
)
def test_conditions_in_T(rows, expected):
    data = student([*rows, *passes(T4, "10")])
    w = warned("lanzhou-life", T4, data)
    assert (w.level if w else None) == expected
    if w is not None:
        assert w.carried_from is None  # met in T, not kept from an earlier term


def test_makeup_after_T_counts_at_its_own_term():
    data = student([first(T4, "A"), makeup(T5, "A"), *passes(T5, "10")])
    assert level("lanzhou-life", T4, data) is None
    assert level("lanzhou-life", T5, data) == ORAL


def test_reason_names_both_conditions():
    rows = [first(T4, "A"), makeup(T4, "A"), first(T4, "B"), first(T4, "C"), first(T4, "D")]
    w = warned("lanzhou-life", T4, student([*rows, *passes(T4, "10")]))
    assert w is not None and w.level == ORAL
    assert w.reason == (
        "经补考未通过 1 门：有机化学(2)；"
        "本学期正考不及格 4 门：有机化学(2)、物理化学(2)、生物化学(2)、分子生物学(2)"
    )


def test_reason_written():
    rows = [
        first(T4, "A"),
        makeup(T4, "A"),
        first(T4, "B", credits="3"),
        makeup(T4, "B", credits="3"),
    ]
    w = warned("lanzhou-life", T4, student([*rows, *passes(T4, "10")]))
    assert w is not None and w.level == WRITTEN
    assert w.reason == "经补考未通过 2 门：有机化学(2)、物理化学(3)"


# -- history: kept while cumulative failed credits ≥ 6, released below 6 -------------------


def three_first_exam_failures(c_credits: str = "2") -> list[tuple]:
    """T1: A (2), B (2), C (c_credits) fail their 正常考试 → 口头警示 at T1."""
    return [first(T1, "A"), first(T1, "B"), first(T1, "C", credits=c_credits), *passes(T1, "10")]


def test_kept_at_the_earlier_level_while_6_credits_fail():
    data = student([*three_first_exam_failures(), *passes(T2, "10"), *passes(T4, "10")])
    assert level("lanzhou-life", T1, data) == ORAL
    w = warned("lanzhou-life", T4, data)
    assert w is not None
    assert (w.level, w.carried_from) == (ORAL, term(T1))
    assert w.reason == (
        "2023-2024学年第1学期起口头警示，本学期未达警示条件，尚未解除：累计未通过学分 6，未低于 6"
        "（不及格课程：有机化学(2)、物理化学(2)、生物化学(2)）"
    )


@pytest.mark.parametrize(
    ("c_credits", "expected"),
    [("2", ORAL), ("2.5", ORAL), ("1.5", None), ("1", None)],
    ids=[
        "cumulative-exactly-6-keeps",
        "cumulative-6.5-keeps",
        "cumulative-5.5-releases",
        "cumulative-5-releases",
    ],
)
def test_release_bound(c_credits, expected):
    data = student([*three_first_exam_failures(c_credits), *passes(T2, "10"), *passes(T4, "10")])
    assert level("lanzhou-life", T1, data) == ORAL
    assert level("lanzhou-life", T4, data) == expected


def test_released_when_a_retake_brings_the_credits_below_6():
    rows = [*three_first_exam_failures(), *passes(T2, "10"), retake(T4, "A"), *passes(T4, "10")]
    data = student(rows)
    assert level("lanzhou-life", T2, data) == ORAL
    assert level("lanzhou-life", T4, data) is None


def test_released_stays_released_when_credits_climb_back_without_a_condition():
    rows = [
        *three_first_exam_failures(),
        retake(T2, "A"),  # 4 credits left: released at T2
        *passes(T2, "10"),
        first(T4, "D"),  # one 正考不及格: no condition; 6 credits again
        *passes(T4, "10"),
    ]
    data = student(rows)
    assert level("lanzhou-life", T2, data) is None
    assert level("lanzhou-life", T4, data) is None


def test_never_warned_with_6_failed_credits_is_none():
    data = student([first(T1, "A", credits="6"), *passes(T1, "10"), *passes(T4, "10")])
    assert level("lanzhou-life", T1, data) is None
    assert level("lanzhou-life", T4, data) is None


def written_at_T1() -> list[tuple]:
    """T1: A and B (2 each) fail after 补考 → 书面警示; C (6) fails its 正常考试, no 补考."""
    return [
        first(T1, "A"),
        makeup(T1, "A"),
        first(T1, "B"),
        makeup(T1, "B"),
        first(T1, "C", credits="6"),
        *passes(T1, "10"),
    ]


def test_a_new_lower_condition_applies_over_the_earlier_level():
    data = student([*written_at_T1(), retake(T4, "A"), *passes(T4, "10")])
    assert level("lanzhou-life", T1, data) == WRITTEN
    w = warned("lanzhou-life", T4, data)
    assert w is not None
    assert (w.level, w.carried_from) == (ORAL, None)


def test_the_earlier_higher_level_is_kept_when_no_condition_holds():
    data = student([*written_at_T1(), retake(T4, "A"), retake(T4, "B"), *passes(T4, "10")])
    w = warned("lanzhou-life", T4, data)
    assert w is not None
    assert (w.level, w.carried_from) == (WRITTEN, term(T1))
    assert w.reason == (
        "2023-2024学年第1学期起书面警示，本学期未达警示条件，尚未解除：累计未通过学分 6，未低于 6"
        "（不及格课程：生物化学(6)）"
    )


def test_the_latest_level_met_is_the_one_kept():
    # 书面 at T1, 口头 at T2 (a condition holds, lower), no condition at T4 with C's 6 credits
    rows = [
        *written_at_T1(),
        retake(T2, "A"),
        *passes(T2, "10"),
        retake(T4, "B"),
        *passes(T4, "10"),
    ]
    data = student(rows)
    assert level("lanzhou-life", T2, data) == ORAL
    w = warned("lanzhou-life", T4, data)
    assert w is not None
    assert (w.level, w.carried_from) == (ORAL, term(T2))


def test_T_is_evaluated_without_a_row_in_T():
    data = student([*three_first_exam_failures(), *passes(T2, "10")])
    result = run("lanzhou-life", T5, data)
    assert result.assessed_count == 1 and not result.not_assessed
    (w,) = result.warned
    assert (w.level, w.carried_from) == (ORAL, term(T1))


def test_T_without_rows_is_released_when_credits_are_below_6():
    data = student([*three_first_exam_failures("1.5"), *passes(T2, "10")])
    result = run("lanzhou-life", T5, data)
    assert result.assessed_count == 1
    assert result.levels == {}


# -- end to end -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def lanzhou_list(tmp_path_factory):
    out = tmp_path_factory.mktemp("lanzhou") / "list.csv"
    res = assess_export(
        "lanzhou-life",
        T4,
        grades=SAMPLES / "lanzhou_history_grades.csv",
        roster=SAMPLES / "lanzhou_history_roster.csv",
        output=out,
    )
    return res, read_list_csv(out)


@pytest.mark.parametrize(
    ("sid", "expected", "change"),
    [
        ("2023050101", ORAL, "持续"),
        ("2023050102", None, None),
        ("2023050103", WRITTEN, "新增"),
        ("2023050104", ORAL, "降级"),
        ("2023050105", ORAL, "新增"),
        ("2023050106", None, None),
    ],
    ids=[
        "file-kept-without-rows-in-T",
        "file-released-then-6-credits-again-without-condition",
        "file-two-failed-补考一-is-written",
        "file-new-lower-condition-after-written",
        "file-缓考-exam-kind-counts-as-正考",
        "file-缓考-补考-is-not-a-failure",
    ],
)
def test_file_levels(lanzhou_list, sid, expected, change):
    _, rows = lanzhou_list
    row = rows.get(sid, {})
    assert (row.get("预警等级"), row.get("较上学期")) == (expected, change)


def test_file_reasons(lanzhou_list):
    _, rows = lanzhou_list
    assert rows["2023050101"]["预警原因"] == (
        "2023-2024学年第1学期起口头警示，本学期未达警示条件，尚未解除：累计未通过学分 6，未低于 6"
        "（不及格课程：有机化学(2)、物理化学(2)、生物化学(2)）"
    )
    assert rows["2023050103"]["预警原因"] == "经补考未通过 2 门：细胞生物学(3)、遗传学(3)"
    assert rows["2023050104"]["预警原因"] == "经补考未通过 1 门：物理化学(2)"
    assert (
        rows["2023050105"]["预警原因"]
        == "本学期正考不及格 3 门：微生物学(2)、生物统计(2)、免疫学(2)"
    )


def test_file_not_assessed(lanzhou_list):
    res, _ = lanzhou_list
    assert res.assessment.assessed_count == 6
    assert [(n.student_id, n.reason) for n in res.assessment.not_assessed] == [
        ("2023050107", "无成绩记录")
    ]
    w = next(w for w in res.assessment.warned if w.student.student_id == "2023050101")
    assert w.carried_from == term(T1)
