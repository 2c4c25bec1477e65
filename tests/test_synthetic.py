"""Tests of the synthetic input generator: write a sample, read the files back, check them."""

from __future__ import annotations

import csv
import io
import re
from collections import Counter, defaultdict
from pathlib import Path

import openpyxl
import pytest

from tools.synthetic import (
    EXTRA_GRADE_HEADERS,
    FIELD_CODE_ALIASES,
    FLAG_HEADERS,
    GRADE_HEADERS,
    LEVEL_HEADERS,
    PLAN_HEADERS,
    ROSTER_HEADERS,
    SampleFiles,
    SampleSpec,
    write_grades_csv,
    write_sample,
)

SPEC = SampleSpec()
ALL_HEADERS = list(GRADE_HEADERS + EXTRA_GRADE_HEADERS)
FROM_ALIAS = {v: k for k, v in FIELD_CODE_ALIASES.items()}
BOM = b"\xef\xbb\xbf"
FAILING_REMARKS = {"缺考", "旷考", "作弊"}
Row = dict[str, str]
NUMERIC = {ALL_HEADERS.index(h) for h in ("学分", "成绩", "绩点")}


# --------------------------------------------------------------------------- helpers


def decode(path: Path) -> str:
    data = path.read_bytes()
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("gbk")


def csv_rows(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(decode(path), newline="")))


def cell_text(value: object) -> str:
    return "" if value is None else str(value)


def xlsx_rows(path: Path, sheet: str) -> list[list[str]]:
    wb = openpyxl.load_workbook(path, read_only=True)
    try:
        return [[cell_text(v) for v in r] for r in wb[sheet].iter_rows(values_only=True)]
    finally:
        wb.close()


def grade_table(path: Path) -> list[list[str]]:
    """Header (in Chinese) and rows of one grade export, whatever its format."""
    rows = xlsx_rows(path, "成绩") if path.suffix == ".xlsx" else csv_rows(path)
    return [[FROM_ALIAS.get(h, h) for h in rows[0]], *rows[1:]]


def grade_dicts(path: Path) -> list[Row]:
    header, *rows = grade_table(path)
    return [dict(zip(header, r, strict=True)) for r in rows]


def normalized(row: list[str]) -> list[str]:
    """Numbers compared by value: an .xlsx gives back 绩点 1.0 as 1."""
    return [str(float(v)) if is_number(v) and i in NUMERIC else v for i, v in enumerate(row)]


def term_of(row: Row) -> str:
    return f"{row['学年']}-{row['学期']}"


def is_number(text: str) -> bool:
    return re.fullmatch(r"\d{1,3}(\.\d)?", text) is not None


def failed(row: Row) -> bool:
    s = row["成绩"]
    if row["成绩备注"] in FAILING_REMARKS:
        return True
    return s in ("不及格", "不合格") or (is_number(s) and float(s) < 60)


def is_normal(row: Row) -> bool:
    return row["考试性质"] in ("正常考试", "正考")


@pytest.fixture(scope="module")
def sample(tmp_path_factory: pytest.TempPathFactory) -> SampleFiles:
    return write_sample(tmp_path_factory.mktemp("sample"))


@pytest.fixture(scope="module")
def grades(sample: SampleFiles) -> list[Row]:
    return [r for p in sample.grades for r in grade_dicts(p)]


@pytest.fixture(scope="module")
def roster(sample: SampleFiles) -> list[Row]:
    header, *rows = xlsx_rows(sample.roster, "学生名单")
    return [dict(zip(header, r, strict=True)) for r in rows]


# --------------------------------------------------------------------------- files


def test_file_names(sample: SampleFiles) -> None:
    assert sample.roster.name == "学生名单.xlsx"
    assert [p.name for p in sample.grades] == [
        "成绩_2022-2023-1.csv",
        "成绩_2022-2023-2.csv",
        "成绩_2023-2024-1.csv",
        "成绩_2023-2024-2.csv",
        "成绩_2024-2025-1.xlsx",
    ]
    assert sample.plan.name == "培养方案学分.csv"
    assert sample.flags.name == "学生标记.csv"
    assert sample.levels.name == "教务预警名单.csv"
    for p in (sample.roster, *sample.grades, sample.plan, sample.flags, sample.levels):
        assert p.is_file() and p.stat().st_size > 0


def test_encodings(sample: SampleFiles) -> None:
    first, gbk, plain, alias, _ = sample.grades
    raw = gbk.read_bytes()
    assert not raw.startswith(BOM)
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    text = raw.decode("gbk")
    assert "学号" in text and "高等数学A(下)" in text and "大学英语Ⅱ" in text
    assert first.read_bytes().startswith(BOM)
    assert alias.read_bytes().startswith(BOM)
    assert not plain.read_bytes().startswith(BOM)
    plain.read_bytes().decode("utf-8")  # plain UTF-8, no BOM
    for p in (sample.plan, sample.flags, sample.levels):
        assert p.read_bytes().startswith(BOM)
        p.read_bytes().decode("utf-8-sig")


def test_grade_headers(sample: SampleFiles) -> None:
    first, gbk, plain, alias, xlsx = sample.grades
    for p in (first, gbk, plain):
        assert csv_rows(p)[0] == ALL_HEADERS
    assert csv_rows(alias)[0] == [FIELD_CODE_ALIASES[h] for h in ALL_HEADERS]
    assert xlsx_rows(xlsx, "成绩")[0] == ALL_HEADERS
    assert {"xh", "kch", "cj", "ksxz", "cjbz", "kcxzmc"} <= set(csv_rows(alias)[0])


def test_grade_xlsx_cells(sample: SampleFiles) -> None:
    wb = openpyxl.load_workbook(sample.grades[-1])
    assert wb.sheetnames == ["成绩"]
    ws = wb["成绩"]
    header = [c.value for c in ws[1]]
    sid, score = header.index("学号") + 1, header.index("成绩") + 1
    ids = [ws.cell(row=r, column=sid) for r in range(2, ws.max_row + 1)]
    assert ids and all(c.data_type == "s" and isinstance(c.value, str) for c in ids)
    assert any(c.value.startswith("0") for c in ids)
    scores = [ws.cell(row=r, column=score).value for r in range(2, ws.max_row + 1)]
    assert any(isinstance(v, int) for v in scores)
    assert any(isinstance(v, float) for v in scores)
    assert any(isinstance(v, str) for v in scores)  # 五级制 / 二级制 words


def test_row_counts(sample: SampleFiles, grades: list[Row]) -> None:
    assert len(grades) == sample.grade_rows
    assert 5000 < sample.grade_rows < 20000
    for p in sample.grades:
        term = p.stem.removeprefix("成绩_")
        assert {term_of(r) for r in grade_dicts(p)} == {term}


# --------------------------------------------------------------------------- roster


def test_roster(roster: list[Row], sample: SampleFiles) -> None:
    wb = openpyxl.load_workbook(sample.roster)
    assert wb.sheetnames == ["学生名单"]
    ws = wb["学生名单"]
    assert [c.value for c in ws[1]] == list(ROSTER_HEADERS)
    assert all(ws.cell(row=r, column=1).data_type == "s" for r in range(2, ws.max_row + 1))
    assert len(roster) == SPEC.students
    ids = [r["学号"] for r in roster]
    assert len(set(ids)) == len(ids)
    assert all(re.fullmatch(r"\d{10}", i) for i in ids)
    zero = [i for i in ids if i.startswith("0")]
    assert 1 <= len(zero) <= 6
    assert {r["性别"] for r in roster} == {"男", "女"}
    assert {r["年级"] for r in roster} == {"2022", "2023"}
    assert {r["学院"] for r in roster} == {SPEC.college}
    assert {r["专业"] for r in roster} == set(SPEC.majors)
    for r in roster:
        assert re.fullmatch(r"(13|15|18)\d{9}", r["家长电话"]), r
        assert re.fullmatch(r"\d{6}", r["邮编"]), r
        assert re.fullmatch(r"(机械|车辆|材控)" + r["年级"][2:] + r"\d{2}", r["班级"]), r
        assert 2 <= len(r["姓名"]) <= 3 and r["家长姓名"] and r["家庭地址"]
        assert r["辅导员"] and r["班主任"]
    sizes = Counter(r["班级"] for r in roster)
    assert all(20 <= n <= 40 for n in sizes.values())


def test_students_without_grades(roster: list[Row], grades: list[Row]) -> None:
    roster_ids = {r["学号"] for r in roster}
    graded = {r["学号"] for r in grades}
    assert graded <= roster_ids
    assert 2 <= len(roster_ids - graded) <= 3
    names = {r["学号"]: r["姓名"] for r in roster}
    assert all(names[r["学号"]] == r["姓名"] for r in grades)


def test_cohorts_start_at_entry(roster: list[Row], grades: list[Row]) -> None:
    year = {r["学号"]: int(r["年级"]) for r in roster}
    for r in grades:
        assert int(r["学年"][:4]) >= year[r["学号"]], r
    assert {term_of(r) for r in grades} == set(SPEC.terms)
    late = {r["学号"] for r in grades if year[r["学号"]] == 2023}
    assert late and all(term_of(r) >= "2023-2024-1" for r in grades if r["学号"] in late)


# --------------------------------------------------------------------------- grade content


def test_courses(grades: list[Row]) -> None:
    per_term: dict[tuple[str, str], set[str]] = defaultdict(set)
    for r in grades:
        assert re.fullmatch(r"[A-Z]\d{7}", r["课程代码"]), r
        assert r["学分"] in {"0.5", "1", "1.5", "2", "2.5", "3", "3.5", "4", "5"}, r
        assert r["课程名称"] and r["课程性质"] and r["开课学院"] and r["教学班"]
        if is_normal(r) or (r["考试性质"] == "补考" and r["成绩备注"] == ""):
            per_term[(r["学号"], term_of(r))].add(r["课程代码"])
    counts = sorted(len(v) for v in per_term.values())
    assert 7 <= counts[len(counts) // 2] <= 10
    names = {r["课程名称"] for r in grades}
    assert {"高等数学A(上)", "大学英语Ⅱ", "理论力学", "思想道德与法治", "体育Ⅲ"} <= names
    # One code, one name.
    by_code: dict[str, set[str]] = defaultdict(set)
    for r in grades:
        by_code[r["课程代码"]].add(r["课程名称"])
    assert all(len(v) == 1 for v in by_code.values())


def test_scores(grades: list[Row]) -> None:
    scores = Counter(r["成绩"] for r in grades)
    numbers = [s for s in scores if is_number(s)]
    assert all(0 <= float(s) <= 100 for s in numbers)
    assert any("." in s for s in numbers)  # one decimal, e.g. 59.5
    assert any("." in s and float(s) < 60 for s in numbers)
    assert {"优秀", "良好", "中等", "及格", "不及格"} <= set(scores)
    assert {"合格", "不合格"} <= set(scores)
    other = {s for s in scores if not is_number(s)}
    assert other <= {"", "优秀", "良好", "中等", "及格", "不及格", "合格", "不合格", "免修"}
    for r in grades:
        if r["成绩"] == "":
            assert r["成绩备注"], r  # an empty score always comes with a remark


def test_exam_kinds(grades: list[Row]) -> None:
    kinds = Counter(r["考试性质"] for r in grades)
    assert set(kinds) == {"正常考试", "正考", "补考", "补考一", "重修", "重修二"}
    assert kinds["正常考试"] > 0.85 * len(grades)
    by_course: dict[tuple[str, str], list[Row]] = defaultdict(list)
    for r in grades:
        by_course[(r["学号"], r["课程代码"])].append(r)
    failed_normal = with_makeup = 0
    for rows in by_course.values():
        first = [r for r in rows if is_normal(r)]
        assert first, rows  # every course has a 正常考试 row
        t0 = min(term_of(r) for r in first)
        for r in rows:
            if r["考试性质"].startswith("补考"):
                assert term_of(r) == t0, rows  # 补考 in the same term
                assert any(failed(f) or f["成绩备注"] == "缓考" for f in first), rows
            if r["考试性质"].startswith("重修"):
                assert term_of(r) > t0, rows  # 重修 in a later term, after a failure
                assert any(failed(x) for x in rows if term_of(x) < term_of(r)), rows
        bad_first = [r for r in first if failed(r) and r["成绩备注"] == ""]
        if bad_first:
            failed_normal += 1
            with_makeup += any(r["考试性质"].startswith("补考") for r in rows)
    assert failed_normal > 100
    assert 0.75 <= with_makeup / failed_normal < 1.0
    makeups = [r for r in grades if r["考试性质"].startswith("补考") and r["成绩备注"] == ""]
    assert Counter(r["成绩"] for r in makeups).most_common(1)[0][0] == "60"
    assert any(failed(r) for r in makeups)  # some fail the 补考 too
    retakes = [r for r in grades if r["考试性质"].startswith("重修")]
    assert any(failed(r) for r in retakes) and any(not failed(r) for r in retakes)


def test_remarks(grades: list[Row]) -> None:
    remarks = Counter(r["成绩备注"] for r in grades)
    assert set(remarks) == {"", "缺考", "旷考", "作弊", "缓考", "免修"}
    assert remarks[""] > 0.97 * len(grades)
    assert remarks["作弊"] < remarks["旷考"] < remarks["缺考"]
    for r in grades:
        if r["成绩备注"] in FAILING_REMARKS:
            assert r["成绩"] in {"0", "", "不及格", "不合格"}, r
        if r["成绩备注"] == "免修":
            assert r["成绩"] in {"", "免修"}, r
        if r["成绩备注"] == "缓考":
            assert r["成绩"] == "" and is_normal(r), r
    assert {r["成绩"] for r in grades if r["成绩备注"] == "缺考"} >= {"0", ""}
    # Every 缓考 gets its result later: 补考 the same term, or 正常考试 in the next one.
    for d in (r for r in grades if r["成绩备注"] == "缓考"):
        later = [
            r
            for r in grades
            if r["学号"] == d["学号"]
            and r["课程代码"] == d["课程代码"]
            and r["成绩"]
            and (
                (term_of(r) == term_of(d) and r["考试性质"] == "补考")
                or (term_of(r) > term_of(d) and r["考试性质"] == "正常考试")
            )
        ]
        assert later, d


def test_importer_keys_unique(grades: list[Row]) -> None:
    keys = Counter((r["学号"], r["课程代码"], term_of(r), r["考试性质"]) for r in grades)
    assert keys.most_common(1)[0][1] == 1


def test_failure_rates(grades: list[Row]) -> None:
    students: dict[str, set[str]] = defaultdict(set)
    failures: dict[tuple[str, str], int] = Counter()
    for r in grades:
        students[term_of(r)].add(r["学号"])
        if is_normal(r) and failed(r):
            failures[(term_of(r), r["学号"])] += 1
    for term, ids in students.items():
        share = len({s for t, s in failures if t == term}) / len(ids)
        assert 0.08 <= share <= 0.25, (term, share)
    assert sum(1 for n in failures.values() if n >= 3) >= 20  # weak students fail a lot


# --------------------------------------------------------------------------- other files


def test_plan(sample: SampleFiles) -> None:
    header, *rows = csv_rows(sample.plan)
    assert header == list(PLAN_HEADERS)
    assert len(rows) == SPEC.cohorts * len(SPEC.majors) * 8
    credits = [float(r[4]) for r in rows]
    assert all(18 <= c <= 30 for c in credits)
    assert any(c != int(c) for c in credits)
    for grade in ("2022", "2023"):
        for major in SPEC.majors:
            terms = [f"{r[2]}-{r[3]}" for r in rows if r[0] == grade and r[1] == major]
            y = int(grade)
            assert terms == [f"{y + i}-{y + i + 1}-{s}" for i in range(4) for s in (1, 2)]


def test_flags(sample: SampleFiles, roster: list[Row], grades: list[Row]) -> None:
    header, *rows = csv_rows(sample.flags)
    assert header == list(FLAG_HEADERS)
    assert 0.01 * SPEC.students <= len(rows) <= 0.04 * SPEC.students
    assert {r[3] for r in rows} == {"旷课", "学习态度", "延长学习年限", "纪律处分", "休学"}
    ids = {r["学号"] for r in roster}
    assert all(r[0] in ids and f"{r[1]}-{r[2]}" in SPEC.terms for r in rows)
    ungraded = ids - {r["学号"] for r in grades}
    assert any(r[0] in ungraded and r[3] == "休学" for r in rows)


def test_levels(sample: SampleFiles, roster: list[Row]) -> None:
    header, *rows = csv_rows(sample.levels)
    assert header == list(LEVEL_HEADERS)
    assert 0.05 * SPEC.students <= len(rows) <= 0.11 * SPEC.students
    levels = Counter(r[2] for r in rows)
    assert set(levels) == {"红色预警", "橙色预警", "黄色预警"}
    assert levels["红色预警"] < levels["黄色预警"]
    names = {r["学号"]: r["姓名"] for r in roster}
    assert all(names[r[0]] == r[1] and "学分" in r[3] for r in rows)
    assert len({r[0] for r in rows}) == len(rows)


# --------------------------------------------------------------------------- API behaviour


def test_deterministic(sample: SampleFiles, tmp_path: Path) -> None:
    again = write_sample(tmp_path / "again")
    assert again.grade_rows == sample.grade_rows
    for a, b in zip(
        (sample.roster, *sample.grades, sample.plan, sample.flags, sample.levels),
        (again.roster, *again.grades, again.plan, again.flags, again.levels),
        strict=True,
    ):
        assert a.read_bytes() == b.read_bytes(), a.name
    other = write_sample(tmp_path / "other", SampleSpec(seed=7))
    assert other.grades[0].read_bytes() != sample.grades[0].read_bytes()


def test_grades_csv_matches_sample(tmp_path: Path) -> None:
    spec = SampleSpec(students=90, cohorts=2, seed=5)
    files = write_sample(tmp_path / "mixed", spec)
    path = tmp_path / "all" / "grades.csv"
    n = write_grades_csv(path, spec)
    raw = path.read_bytes()
    assert not raw.startswith(BOM)
    header, *rows = list(csv.reader(io.StringIO(raw.decode("utf-8"), newline="")))
    assert header == ALL_HEADERS
    assert n == len(rows) == files.grade_rows
    mixed = [row for p in files.grades for row in grade_table(p)[1:]]
    assert [normalized(r) for r in rows] == [normalized(r) for r in mixed]


def test_other_formats(tmp_path: Path) -> None:
    spec = SampleSpec(students=40, cohorts=1, terms=("2022-2023-1", "2022-2023-2"))
    as_csv = write_sample(tmp_path / "csv", spec, fmt="csv")
    assert all(p.suffix == ".csv" and p.read_bytes().startswith(BOM) for p in as_csv.grades)
    assert all(csv_rows(p)[0] == ALL_HEADERS for p in as_csv.grades)
    as_xlsx = write_sample(tmp_path / "xlsx", spec, fmt="xlsx")
    assert all(p.suffix == ".xlsx" for p in as_xlsx.grades)
    assert as_xlsx.grade_rows == as_csv.grade_rows
    assert sum(len(grade_dicts(p)) for p in as_xlsx.grades) == as_xlsx.grade_rows


def test_bad_arguments(tmp_path: Path) -> None:
    with pytest.raises(ValueError):
        write_sample(tmp_path, fmt="json")
    with pytest.raises(ValueError):
        write_sample(tmp_path, SampleSpec(terms=("2022-2024-1",)))
    with pytest.raises(ValueError):
        write_grades_csv(tmp_path / "g.csv", SampleSpec(students=0))
