"""xinglin (南通大学杏林学院 第三条) as docs/policy-semantics.md reads it: shortfall = credits
the 培养方案 requires through T − earned credits; ≥ 35 / ≥ 25 / ≥ 20."""

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
    level,
    passes,
    read_list_csv,
    run,
    student,
    term,
    warned,
)

from yujing.errors import AssessmentError
from yujing.model import PlanRow

DROPOUT, REPEAT, GENERAL = "退学预警", "留(降)级预警", "一般预警"
CS = "计算机科学与技术"


def plan(*rows: tuple[str, str], grade: str = "2023", major: str = CS) -> list[PlanRow]:
    return [PlanRow(grade, major, term(t), Decimal(c)) for t, c in rows]


PLAN = plan((T1, "30"), (T2, "30"), (T4, "25"), (T5, "25"))  # 85 through T4, 110 through T5


def earning(credits: str) -> list[tuple]:
    """Passed courses worth ``credits`` (over T1 and T2) and a failed course in each term."""
    half = Decimal(credits) / 2
    return [
        *passes(T1, str(half), prefix="A"),
        (T1, "F1", "4", "45", "正常考试"),
        *passes(T2, str(Decimal(credits) - half), prefix="B"),
        (T2, "F2", "4", "45", "正常考试"),
        (T4, "F4", "4", "45", "正常考试"),
    ]


@pytest.mark.parametrize(
    ("earned", "expected"),
    [
        ("0", DROPOUT),
        ("50", DROPOUT),
        ("50.5", REPEAT),
        ("60", REPEAT),
        ("60.5", GENERAL),
        ("65", GENERAL),
        ("65.5", None),
        ("85", None),
        ("90", None),
    ],
    ids=[
        "shortfall-85-is-dropout",
        "shortfall-exactly-35-is-dropout",
        "shortfall-34.5-is-repeat",
        "shortfall-exactly-25-is-repeat",
        "shortfall-24.5-is-general",
        "shortfall-exactly-20-is-general",
        "shortfall-19.5-is-none",
        "shortfall-0-is-none",
        "ahead-of-the-plan-is-none",
    ],
)
def test_shortfall_bounds(earned, expected):
    data = student(earning(earned))
    w = warned("xinglin", T4, data, plan=PLAN)
    assert (w.level if w else None) == expected
    if w is not None:
        assert w.figures.required_credits == Decimal(85)
        assert w.figures.earned_credits == Decimal(earned)
        assert w.figures.credit_shortfall == Decimal(85) - Decimal(earned)


def test_reason_states_earned_required_and_shortfall():
    w = warned("xinglin", T4, student(earning("50")), plan=PLAN)
    assert w is not None and w.level == DROPOUT
    assert w.reason == "累计取得 50 学分，培养方案要求 85 学分，差 35 学分"
    w = warned("xinglin", T4, student(earning("60.5")), plan=PLAN)
    assert w is not None and w.reason == "累计取得 60.5 学分，培养方案要求 85 学分，差 24.5 学分"


@pytest.mark.parametrize(
    ("at", "plan_rows", "expected"),
    [
        (T4, PLAN, None),
        (T5, PLAN, REPEAT),
        (T2, PLAN, None),
        (T4, [*PLAN, *plan((T3, "20"))], GENERAL),
        (T4, [*PLAN, *plan((T1, "100"), major="软件工程")], None),
        (T4, [*PLAN, *plan((T1, "100"), grade="2022")], None),
    ],
    ids=[
        "required-through-T4-is-85",
        "required-through-T5-is-110-shortfall-25",
        "required-through-T2-is-60",
        "summer-term-plan-row-counts-85+20-shortfall-20",
        "another-major-plan-does-not-count",
        "another-grade-plan-does-not-count",
    ],
)
def test_required_credits_sum_through_T(at, plan_rows, expected):
    # 85 credits earned by T2 (shortfall 0 at T4, 25 at T5 with no further pass)
    data = student(
        [
            *passes(T1, "45", prefix="A"),
            *passes(T2, "40", prefix="B"),
            (T4, "F", "4", "40", "正常考试"),
        ]
    )
    assert level("xinglin", at, data, plan=plan_rows) == expected


def test_plan_rows_all_after_T_make_the_required_credits_0():
    data = student([(T1, "F1", "4", "40", "正常考试"), (T1, "A", "2", "80", "正常考试")])
    result = run("xinglin", T1, data, plan=plan((T4, "60"), (T5, "60")))
    assert result.levels == {}
    assert result.assessed_count == 1
    assert run("xinglin", T4, data, plan=plan((T4, "60"), (T5, "60"))).levels == {"S1": DROPOUT}


@pytest.mark.parametrize(
    ("extra", "expected"),
    [
        ([(T4, "X", "0.5", "60", "正常考试")], GENERAL),
        ([(T4, "X", "0.5", "", "正常考试", "免修")], GENERAL),
        ([(T4, "X", "0.5", "合格", "正常考试")], GENERAL),
        ([(T4, "X", "0.5", "40", "正常考试"), (T4, "X", "0.5", "61", "补考")], GENERAL),
        ([(T2, "X", "0.5", "40", "正常考试"), (T4, "X", "0.5", "及格", "重修")], GENERAL),
        ([(T4, "X", "0.5", "59", "正常考试")], REPEAT),
        ([(T4, "X", "0.5", "95", "正常考试", "缺考")], REPEAT),
        ([(T4, "X", "0.5", "", "正常考试", "缓考")], REPEAT),
        ([(T4, "X", "0.5", "40", "正常考试"), (T5, "X", "0.5", "80", "重修")], REPEAT),
        ([(T5, "X", "0.5", "80", "正常考试")], REPEAT),
    ],
    ids=[
        "half-credit-passed-at-60-is-earned",
        "免修-is-earned",
        "合格-is-earned",
        "passed-补考-is-earned",
        "passed-重修-in-T-is-earned",
        "failed-59-is-not-earned",
        "缺考-is-not-earned",
        "pending-缓考-is-not-earned",
        "重修-pass-after-T-is-not-earned-yet",
        "course-after-T-is-not-earned",
    ],
)
def test_earned_credits_half_a_credit_makes_the_difference(extra, expected):
    # required 45 through T4; 20 earned → shortfall 25 (留(降)级); 20.5 → 24.5 (一般)
    data = student([*passes(T1, "20"), (T1, "F", "3", "不合格", "正常考试"), *extra])
    assert level("xinglin", T4, data, plan=plan((T1, "25"), (T2, "20"))) == expected


# -- a 年级/专业 without plan rows is an error naming the students ---------------------------


def test_student_without_plan_rows_is_an_error_naming_them():
    people = [
        student(earning("50"), sid="2023001", name="甲"),
        student(earning("50"), sid="2023002", name="乙", major="软件工程"),
        student(earning("50"), sid="2022003", name="丙", grade="2022"),
    ]
    with pytest.raises(AssessmentError) as err:
        run("xinglin", T4, *people, plan=PLAN)
    message = str(err.value)
    assert "2023002 乙" in message and "软件工程" in message
    assert "2022003 丙" in message and "2022" in message
    assert "2023001" not in message


def test_student_without_plan_rows_is_an_error_even_if_the_plan_is_empty():
    with pytest.raises(AssessmentError, match="2023001 甲"):
        run("xinglin", T4, student(earning("50"), sid="2023001", name="甲"), plan=[])


def test_roster_entry_without_grades_needs_no_plan():
    people = [
        student(earning("50"), sid="2023001", name="甲"),
        student((), sid="2023002", name="乙", major="软件工程"),
    ]
    result = run("xinglin", T4, *people, plan=PLAN)
    assert result.levels == {"2023001": DROPOUT}
    assert [n.student_id for n in result.not_assessed] == ["2023002"]


# -- end to end -----------------------------------------------------------------------------


@pytest.fixture(scope="module")
def xinglin_list(tmp_path_factory):
    out = tmp_path_factory.mktemp("xinglin") / "list.csv"
    res = assess_export(
        "xinglin",
        T4,
        grades=SAMPLES / "xinglin_plan_grades.csv",
        roster=SAMPLES / "xinglin_plan_roster.csv",
        plan=SAMPLES / "xinglin_plan.csv",
        output=out,
    )
    return res, read_list_csv(out)


@pytest.mark.parametrize(
    ("sid", "expected"),
    [
        ("2023030101", DROPOUT),
        ("2023030102", REPEAT),
        ("2023030103", REPEAT),
        ("2023030104", GENERAL),
        ("2023030105", None),
        ("2023030106", GENERAL),
    ],
    ids=[
        "file-shortfall-exactly-35-is-dropout",
        "file-shortfall-34.5-is-repeat",
        "file-shortfall-exactly-25-is-repeat",
        "file-shortfall-exactly-20-is-general",
        "file-shortfall-19.5-is-none",
        "file-retake-after-T-not-earned-shortfall-20.5-is-general",
    ],
)
def test_file_levels(xinglin_list, sid, expected):
    _, rows = xinglin_list
    assert rows.get(sid, {}).get("预警等级") == expected


def test_file_reason_and_figures(xinglin_list):
    res, rows = xinglin_list
    row = rows["2023030101"]
    assert row["预警原因"] == "累计取得 50 学分，培养方案要求 85 学分，差 35 学分"
    assert (row["培养方案应修学分"], row["累计取得学分"]) == ("85", "50")
    assert (
        rows["2023030106"]["预警原因"] == "累计取得 64.5 学分，培养方案要求 85 学分，差 20.5 学分"
    )
    assert [(n.student_id, n.reason) for n in res.assessment.not_assessed] == [
        ("2023030107", "无成绩记录")
    ]


def test_file_missing_plan_names_the_students(tmp_path):
    with pytest.raises(AssessmentError) as err:
        assess_export(
            "xinglin",
            T4,
            grades=SAMPLES / "xinglin_plan_grades.csv",
            roster=SAMPLES / "xinglin_missing_plan_roster.csv",
            plan=SAMPLES / "xinglin_plan.csv",
            output=tmp_path / "list.csv",
        )
    message = str(err.value)
    assert "2023030103 何三" in message and "软件工程" in message
    assert "2023030104 吕四" in message and "2022" in message
    assert "2023030107" not in message  # on the roster only: not assessed, no plan needed
    assert not (tmp_path / "list.csv").exists()
