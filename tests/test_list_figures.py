"""The list's figures as typed values (名单数据): the registry keeps each entry's figures as
JSON — the same text since the first release — and hands back :class:`ListRow` values whose
:class:`ListFigures` are Decimals, GPAs and counts. Read back, they print exactly what was
computed, and a list read from the registry equals the list the assessment made."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path

from conftest import TERM, sample_workspace
from hypothesis import given, settings
from hypothesis import strategies as st
from semantics_helpers import T1, T2, T4, student, term

from yujing.engine.figures import figures_at
from yujing.model import ListFigures, ListRow

GRADE_ROWS = st.lists(
    st.tuples(
        st.sampled_from([T1, T2, T4]),
        st.sampled_from(["M1", "M2", "M3", "M4", "M5"]),
        st.sampled_from(["1", "1.5", "2", "2.5", "3", "4", "4.5", "0.5"]),
        st.one_of(
            st.integers(0, 100).map(str),
            st.sampled_from(["优秀", "良好", "中等", "及格", "不及格", "合格", "不合格"]),
        ),
        st.sampled_from(["正常考试", "补考", "重修"]),
        st.sampled_from(["", "", "", "缺考"]),  # 备注
    ),
    min_size=1,
    max_size=14,
)


@settings(max_examples=200, deadline=None)
@given(rows=GRADE_ROWS, required=st.sampled_from([None, "150", "160.5", "4"]))
def test_stored_figures_read_back_exactly(
    rows: list[tuple[str, ...]], required: str | None
) -> None:
    figures = figures_at(
        student(rows), term(T4), required_credits=Decimal(required) if required else None
    )
    plain = figures.to_json()
    stored = json.dumps(plain, ensure_ascii=False, sort_keys=True)  # as the registry keeps it
    typed = ListFigures.from_json(stored)
    assert typed.to_json() == stored  # an objection rewrites an entry: the text is unchanged
    for key, value in plain.items():
        if key != "failed_courses":
            assert typed.text(key) == ("" if value is None else str(value)), key
    assert [(c.code, c.name, c.credits_text) for c in typed.failed_courses] == [
        (code, name, credits or "") for code, name, credits in plain["failed_courses"]
    ]
    assert typed.cumulative_failed_credits == figures.cumulative_failed_credits
    assert typed.earned_credits == figures.earned_credits


def test_figures_of_an_older_registry_with_unknown_or_broken_values_still_read() -> None:
    old = '{"gpa": "无", "term_credits": "20", "failed_courses": [["M1", "数学", "4"]], "x": 1}'
    typed = ListFigures.from_json(old)
    assert typed.gpa is None and typed.text("gpa") == ""  # not a number: missing, not a crash
    assert typed.term_credits == Decimal("20") and typed.text("term_credits") == "20"
    assert typed.failed_courses[0].credits == Decimal("4")
    assert typed.text("x") == "" and typed.text("failed_courses") == ""
    assert ListFigures.from_json(None) == ListFigures() == ListFigures.from_json("")


def test_the_list_read_from_the_registry_is_the_list_the_assessment_made(tmp_path: Path) -> None:
    ws = sample_workspace(tmp_path / "ws")
    try:
        made = ws.assess(TERM).rows
        read = ws.report(TERM).rows
        assert made and all(isinstance(r, ListRow) for r in read)
        assert read == made  # every field, the figures as values
        warned = [r for r in read if r.warned]
        assert any(r.figures.failed_courses for r in warned)
        assert all(r.figures.term_credits is not None for r in warned)
        assert ListRow.from_entry(warned[0].to_entry()) == warned[0]
    finally:
        ws.close()
