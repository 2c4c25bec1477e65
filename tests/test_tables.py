"""Reading real input files: encodings, workbooks, header rows, clear refusals."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import BAD_ROWS, PREV_GBK, ROSTER_XLSX, THIS_BOM
from openpyxl import Workbook

from yujing.errors import BadRowsError, MissingColumnsError, UnreadableFileError
from yujing.imports import checked, parse_file, read_table
from yujing.model import AttemptKind, Term


def test_gbk_file_is_detected_and_decoded() -> None:
    raw = PREV_GBK.read_bytes()
    with pytest.raises(UnicodeDecodeError):
        raw.decode("utf-8")
    parsed = parse_file("grades", PREV_GBK)
    assert parsed.encoding == "gb18030"
    names = {a.course_name for a in parsed.records}
    assert "大学英语Ⅱ" in names and "高等数学A(上)" in names
    assert not parsed.bad_rows


def test_bom_file_with_zhengfang_field_codes_as_headers() -> None:
    parsed = parse_file("grades", THIS_BOM)
    assert parsed.encoding == "utf-8-sig"
    first = parsed.records[0]
    assert first.term == Term.parse("2024-2025-1")
    assert first.student_id == "2023010101"
    kinds = {a.kind_text: a.kind for a in parsed.records}
    assert kinds["正考"] is AttemptKind.NORMAL and kinds["补考"] is AttemptKind.MAKEUP


def test_xlsx_roster_with_title_row_keeps_leading_zero_ids() -> None:
    table = read_table(ROSTER_XLSX, {"学号", "姓名"})
    assert table.header_row == 2
    parsed = parse_file("roster", ROSTER_XLSX)
    ids = [s.student_id for s in parsed.records]
    assert "0223010105" in ids
    row_numbers = dict(zip(ids, parsed.row_numbers, strict=True))
    assert row_numbers["2023010101"] == 3  # the row Excel shows


def test_numeric_xlsx_student_ids_are_text(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(["学号", "姓名", "性别", "学院", "专业", "年级", "班级"])
    ws.append([2023010101, "陈明", "男", "机械学院", "机械", 2023, "机械2301"])
    wb.save(tmp_path / "r.xlsx")
    (student,) = parse_file("roster", tmp_path / "r.xlsx").records
    assert student.student_id == "2023010101" and student.grade == "2023"


def test_utf16_tab_separated_export(tmp_path: Path) -> None:
    text = "学号\t姓名\t性别\t学院\t专业\t年级\t班级\n001\t张三\t男\t机械\t机械\t2023\t机械2301\n"
    (tmp_path / "r.txt").write_bytes(text.encode("utf-16"))
    (student,) = parse_file("roster", tmp_path / "r.txt").records
    assert student.student_id == "001" and student.name == "张三"


def test_bad_rows_name_file_row_column_value_and_reason() -> None:
    parsed = parse_file("grades", BAD_ROWS)
    found = {(b.row, b.column, b.value) for b in parsed.bad_rows}
    assert found == {
        (2, "成绩", ""),
        (3, "考试性质", "期中"),
        (4, "学分", "-4"),
        (5, "成绩", "120"),
        (7, "学年", "2024/2025"),
    }
    assert len(parsed.records) == 1
    with pytest.raises(BadRowsError) as err:
        checked(parsed, skip_bad_rows=False)
    message = str(err.value)
    assert "grades_with_bad_rows.csv 第 3 行，列「考试性质」，值「期中」" in message
    assert "--skip-bad-rows" in message
    assert checked(parsed, skip_bad_rows=True).records == parsed.records


def test_conflicting_duplicate_row_is_bad(tmp_path: Path) -> None:
    path = tmp_path / "dup.csv"
    path.write_text(
        "学年,学期,学号,课程代码,学分,成绩,考试性质\n"
        "2024-2025,1,001,M1,4,50,正常考试\n"
        "2024-2025,1,001,M1,4,50,正常考试\n"
        "2024-2025,1,001,M1,4,70,正常考试\n",
        encoding="utf-8",
    )
    parsed = parse_file("grades", path)
    assert len(parsed.records) == 1
    (bad,) = parsed.bad_rows
    assert bad.row == 4 and "第 2 行" in bad.reason


def test_missing_columns_are_listed(tmp_path: Path) -> None:
    path = tmp_path / "g.csv"
    path.write_text("学号,姓名,课程代码,成绩\n001,张三,M1,80\n", encoding="utf-8")
    with pytest.raises(MissingColumnsError) as err:
        parse_file("grades", path)
    assert "学年" in str(err.value) and "考试性质" in str(err.value) and "g.csv" in str(err.value)


@pytest.mark.parametrize(
    ("name", "content", "expected"),
    [
        ("old.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(600), "另存为 .xlsx"),
        ("mystery.xls", b"\x00\x01 not a workbook", "不是可识别的 .xls"),
        ("broken.xlsx", b"not a zip", "不是有效的 .xlsx"),
        ("notes.pdf", b"%PDF", "只能导入 .xlsx、.xls 或 .csv"),
        ("binary.csv", bytes(range(128, 256)) * 3, "无法识别文件编码"),
    ],
)
def test_unreadable_files_get_a_clear_message(
    tmp_path: Path, name: str, content: bytes, expected: str
) -> None:
    path = tmp_path / name
    path.write_bytes(content)
    with pytest.raises(UnreadableFileError) as err:
        parse_file("grades", path)
    assert expected in str(err.value) and name in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UnreadableFileError, match="找不到文件"):
        parse_file("grades", tmp_path / "nope.csv")
