"""Grade exports of every common 教务 system, read as they come out (issue #10), and the
import-side checks of issue #9 (学号, oversized workbooks, formulas, long names, warnings).

The files under tests/samples/exports/ are written by tests/samples/make_exports.py: the same
grades in each system's layout. Every one must give the figures below, computed by hand from
docs/policy-semantics.md (not by the engine).
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import SAMPLES
from openpyxl import Workbook
from semantics_helpers import GRADE_HEADER as TEMPLATE_HEADER

from yujing.cli.main import cli
from yujing.engine.figures import figures_at
from yujing.errors import InputError, MissingColumnsError, UnreadableFileError
from yujing.imports import load_profiles, parse_file
from yujing.imports.tables import MAX_ROWS, MAX_SHEET_XML_BYTES
from yujing.model import AttemptKind, Term
from yujing.warnlist import population
from yujing.workspace import Workspace

EXPORTS = SAMPLES / "exports"
T = Term(2024, 1)

PROFILE_FILES = [
    ("yujing_template_utf8.csv", "本系统成绩模板", "utf-8"),
    ("zhengfang_chinese_headers_gbk.csv", "正方教务 成绩导出", "gb18030"),
    ("zhengfang_field_codes_xnm_xqm.xlsx", "正方教务 成绩导出（字段名表头）", "xlsx"),
    ("zhengfang_old_lncj.xlsx", "正方教务（旧版）历年成绩", "xlsx"),
    ("zhengfang_old_lncj_gbk.csv", "正方教务（旧版）历年成绩", "gb18030"),
    ("qiangzhi_jsxsd_utf8bom.csv", "强智教务 成绩导出", "utf-8-sig"),
    ("qiangzhi_old_gbk.csv", "强智教务（旧版）成绩导出", "gb18030"),
    ("qingguo_jwweb.xlsx", "青果教务 成绩导出", "xlsx"),
    ("urp_gbk.csv", "URP 综合教务 成绩导出", "gb18030"),
    # the three things an .xls export can be: Excel 97-2003, a web page, XML Spreadsheet 2003
    ("qiangzhi_jsxsd_excel97.xls", "强智教务 成绩导出", "xls"),
    ("urp_html_table_gbk.xls", "URP 综合教务 成绩导出", "网页表格 .xls, gb18030"),
    ("zhengfang_xml2003.xls", "正方教务 成绩导出", "XML 2003 .xls"),
]


@dataclass(frozen=True)
class Expected:
    term_credits: str
    term_failed: str
    cumulative_failed: str
    earned: str
    gpa: str | None
    failed_after_makeup: int
    level: str | None


# Worked out from the semantics page (grade points: s ≥ 60 → (s − 50)/10, 优秀 4.5, 良好 3.5,
# 中等 2.5, 及格 1.5, 不及格 0; a passing 补考 counts at most 1.0; 免修/合格/通过 no point):
EXPECTED = {
    # 高等数学A(4) 45 → 补考 65 = 1.0; 大学英语Ⅲ(2) 优 = 4.5; 线性代数(3) 82 = 3.2
    # GPA (4×1.0 + 2×4.5 + 3×3.2) / 9 = 22.6 / 9 = 2.51
    "2023010201": Expected("9", "0", "0", "9", "2.51", 0, None),
    # 高等数学A 50 → 补考 40 failed (0); 大学英语Ⅲ 旷考 failed (0); 线性代数 缓考 pending
    # failed 6 of 9 credits; GPA 0 / 6 = 0.00; 旷考 and ≥ 25 % → 红色
    "2023010202": Expected("9", "6", "6", "0", "0.00", 1, "红色预警"),
    # 大学物理B(3) 40 in 2023-2024-2, 重修 75 = 2.5; 高等数学A 良 = 3.5; 大学英语Ⅲ 免修 (no
    # point); 线性代数 58 → 正常考试补考 60 = 1.0. GPA (7.5 + 14 + 3) / 10 = 2.45
    "2023010203": Expected("9", "0", "0", "12", "2.45", 0, None),
    # 金工实习(1) 及 = 1.5 (summer term 2023-2024-3); 高等数学A 不及 = 0; 大学英语Ⅲ 88 = 3.8;
    # 线性代数 中 = 2.5. GPA (1.5 + 0 + 7.6 + 7.5) / 10 = 1.66; failed 4 of 9 → 红色
    "2023010204": Expected("9", "4", "4", "6", "1.66", 0, "红色预警"),
    # 高等数学A 30 → 补考 40 → 补考 55 failed after 补考 (0); 大学英语Ⅲ 55 → 结业后返校补考
    # 70 = 1.0; 线性代数 不及格 → 重修 通过 passed, no point. GPA (0 + 2×1.0) / 6 = 0.33
    "2023010205": Expected("9", "4", "4", "5", "0.33", 1, "红色预警"),
}


def _workspace(tmp_path: Path) -> Workspace:
    return Workspace.init(tmp_path / "ws", pack="anshan", school="测试学院")


@pytest.mark.parametrize(
    ("name", "title", "encoding"), PROFILE_FILES, ids=[f[0] for f in PROFILE_FILES]
)
def test_each_export_imports_and_assesses_to_the_hand_checked_figures(
    tmp_path: Path, name: str, title: str, encoding: str
) -> None:
    ws = _workspace(tmp_path)
    report = ws.import_file("grades", EXPORTS / name)
    assert (report.profile, report.encoding, report.skipped) == (title, encoding, ())
    (event,) = ws.registry.events("import")
    assert f"成绩 {name}（按 {title} 读取）: 新增 {report.inserted}" in event["detail"]
    people = {d.student.student_id: d for d in population({}, ws.registry.attempts())}
    assert set(people) == set(EXPECTED)
    for sid, want in EXPECTED.items():
        f = figures_at(people[sid], T)
        got = Expected(
            str(f.term_credits),
            str(f.term_failed_credits),
            str(f.cumulative_failed_credits),
            str(f.earned_credits),
            None if f.gpa is None else str(f.gpa),
            len(f.failed_after_makeup),
            None,
        )
        assert got == Expected(**{**want.__dict__, "level": None}), sid
    levels = {r.student_id: r.level or None for r in ws.assess(T).rows}
    assert {sid: levels.get(sid) for sid in EXPECTED} == {
        sid: e.level for sid, e in EXPECTED.items()
    }
    ws.close()


def test_xqm_codes_3_12_16_are_terms_1_2_3() -> None:
    parsed = parse_file("grades", EXPORTS / "zhengfang_field_codes_xnm_xqm.xlsx")
    terms = {(a.student_id, a.course_code, a.kind_text): a.term for a in parsed.records}
    assert terms[("2023010203", "P01", "正常考试")] == Term(2023, 2)  # xnm 2023, xqm 12
    assert terms[("2023010204", "S01", "正常考试")] == Term(2023, 3)  # xnm 2023, xqm 16
    assert terms[("2023010201", "C01", "正常考试")] == Term(2024, 1)  # xnm 2024, xqm 3


def _write(path: Path, rows: list[list[str]], encoding: str = "utf-8") -> Path:
    with path.open("w", encoding=encoding, newline="") as fh:
        csv.writer(fh).writerows(rows)
    return path


GRADE_HEADER = list(TEMPLATE_HEADER)  # the project's own grade template


def test_a_semester_column_with_12_is_read_as_zhengfang_codes_for_the_whole_file(
    tmp_path: Path,
) -> None:
    path = _write(
        tmp_path / "g.csv",
        [
            GRADE_HEADER,
            ["2024-2025", "3", "2024000001", "甲", "M1", "数学", "4", "80", "正常考试", ""],
            ["2024-2025", "12", "2024000001", "甲", "M2", "物理", "3", "70", "正常考试", ""],
        ],
    )
    parsed = parse_file("grades", path)
    assert [a.term for a in parsed.records] == [Term(2024, 1), Term(2024, 2)]
    assert any("正方学期代码" in n for n in parsed.notes)


def test_a_semester_column_of_only_3_is_the_short_term_and_says_how_to_read_codes(
    tmp_path: Path,
) -> None:
    path = _write(
        tmp_path / "g.csv",
        [
            GRADE_HEADER,
            ["2024-2025", "3", "2024000001", "甲", "M1", "数学", "4", "80", "正常考试", ""],
        ],
    )
    parsed = parse_file("grades", path)
    assert parsed.records[0].term == Term(2024, 3)
    (note,) = parsed.notes
    assert "--map 学期代码=学期" in note
    again = parse_file("grades", path, column_map={"学期代码": "学期"})
    assert again.records[0].term == Term(2024, 1)


def test_old_zhengfang_makeup_and_retake_columns_become_attempts() -> None:
    parsed = parse_file("grades", EXPORTS / "zhengfang_old_lncj_gbk.csv")
    rows = {
        (a.student_id, a.course_code, a.kind): (a.term, a.score, a.kind_text)
        for a in parsed.records
    }
    assert rows[("2023010201", "C01", AttemptKind.NORMAL)] == (T, "45", "正常考试")
    assert rows[("2023010201", "C01", AttemptKind.MAKEUP)] == (T, "65", "补考成绩")
    # 重修标记 1: the row itself is the 重修
    assert rows[("2023010203", "P01", AttemptKind.RETAKE)] == (T, "75", "重修")
    # 重修成绩 column: a 重修 attempt in the row's term
    assert rows[("2023010205", "C03", AttemptKind.RETAKE)] == (T, "通过", "重修成绩")


def test_old_zhengfang_with_a_hand_added_kind_column_keeps_its_makeup_results(
    tmp_path: Path,
) -> None:
    text = (EXPORTS / "zhengfang_old_lncj_gbk.csv").read_bytes().decode("gbk")
    rows = list(csv.reader(io.StringIO(text)))
    rows = [[*rows[0], "考试性质"], *([*r, "正常考试"] for r in rows[1:])]
    parsed = parse_file("grades", _write(tmp_path / "old.csv", rows))
    assert parsed.profile_name == "zhengfang-old" and not parsed.bad_rows
    makeups = {
        (a.student_id, a.course_code, a.score)
        for a in parsed.records
        if a.kind is AttemptKind.MAKEUP
    }
    assert ("2023010201", "C01", "65") in makeups and ("2023010202", "C01", "40") in makeups


def test_an_unknown_exam_kind_is_a_row_error_naming_the_value(tmp_path: Path) -> None:
    text = (EXPORTS / "qiangzhi_jsxsd_utf8bom.csv").read_text(encoding="utf-8-sig")
    rows = list(csv.reader(io.StringIO(text)))
    rows[2][rows[0].index("考试性质")] = "期中补考"  # data row 2 is spreadsheet row 3
    parsed = parse_file("grades", _write(tmp_path / "qz.csv", rows))
    (bad,) = parsed.bad_rows
    assert (bad.row, bad.column, bad.value) == (3, "考试性质", "期中补考")
    assert "不在强智教务 成绩导出的考试性质表中" in bad.reason and "正常考试补考" in bad.reason


@pytest.mark.parametrize(
    ("kind", "score", "remark", "outcome"),
    [
        ("正常考试补考", "60", "", (AttemptKind.MAKEUP, "60", "")),
        ("补考二", "55", "", (AttemptKind.MAKEUP, "55", "")),
        ("结业后返校补考", "70", "", (AttemptKind.MAKEUP, "70", "")),
        ("重修补考", "61", "", (AttemptKind.RETAKE, "61", "")),
        ("旷考", "", "", (AttemptKind.NORMAL, "", "旷考")),
        ("免修", "", "", (AttemptKind.NORMAL, "", "免修")),
        ("缓考", "", "", (AttemptKind.NORMAL, "", "缓考")),
        ("缓考", "72", "", (AttemptKind.NORMAL, "72", "")),  # the deferred exam's result
        ("正常考试", "", "缓考", (AttemptKind.NORMAL, "", "缓考")),
        ("正常考试", "不及", "", (AttemptKind.NORMAL, "不及格", "")),
        ("正常考试", "优", "", (AttemptKind.NORMAL, "优秀", "")),
    ],
)
def test_exam_kinds_and_grade_words_by_table(
    tmp_path: Path, kind: str, score: str, remark: str, outcome: tuple[AttemptKind, str, str]
) -> None:
    path = _write(
        tmp_path / "g.csv",
        [
            GRADE_HEADER,
            ["2024-2025", "1", "2024000001", "甲", "M1", "数学", "4", score, kind, remark],
        ],
    )
    (a,) = parse_file("grades", path).records
    assert (a.kind, a.score, a.remark) == outcome


def test_a_file_matching_no_profile_names_its_headers_and_the_missing_columns() -> None:
    with pytest.raises(MissingColumnsError) as err:
        parse_file("grades", EXPORTS / "unknown_system_utf8.csv")
    message = str(err.value)
    assert "文件中的列：学生编号、学生姓名、开课学年、开课学期、课号" in message
    assert "还缺少：学号、课程代码、学分、成绩、考试性质、学年" in message
    assert "--map" in message


def test_a_column_map_reads_an_unknown_layout_as_the_template() -> None:
    mapping = {
        "学号": "学生编号", "姓名": "学生姓名", "学年": "开课学年", "学期": "开课学期",
        "课程代码": "课号", "课程名称": "课名", "学分": "学分数", "成绩": "总评", "考试性质": "考试类别",
    }  # fmt: skip
    parsed = parse_file("grades", EXPORTS / "unknown_system_utf8.csv", column_map=mapping)
    assert parsed.profile_name == "yujing" and len(parsed.records) == 25 and not parsed.bad_rows


def test_forced_profile_lists_what_it_misses() -> None:
    with pytest.raises(
        MissingColumnsError, match="按强智教务 成绩导出读取，缺少列 考试性质、开课学期"
    ):
        parse_file("grades", EXPORTS / "urp_gbk.csv", profile="qiangzhi")


# -- rosters ------------------------------------------------------------------------------


def test_roster_aliases_of_zhengfang_and_qingguo() -> None:
    (first, *_) = parse_file("roster", EXPORTS / "roster_zhengfang_field_codes_utf8.csv").records
    assert (first.college, first.major, first.grade, first.class_name, first.counsellor) == (
        "数学学院", "数学与应用数学", "2023", "数学2301", "周老师",
    )  # fmt: skip
    (first, *_) = parse_file("roster", EXPORTS / "roster_qingguo.xlsx").records
    assert (first.college, first.class_name, first.counsellor, first.class_teacher) == (
        "数学学院", "数学2301", "周老师", "吴老师",
    )  # fmt: skip


ROSTER_HEADER = ["学号", "姓名", "性别", "学院", "专业", "年级", "班级"]


def test_roster_name_longer_than_a_form_holds_is_a_row_error(tmp_path: Path) -> None:
    long_name = "阿" * 21
    path = _write(
        tmp_path / "r.csv",
        [ROSTER_HEADER, ["2024000001", long_name, "男", "学院", "专业", "2024", "班"],
         ["2024000002", "阿" * 20, "男", "学院", "专业", "2024", "班"]],
    )  # fmt: skip
    parsed = parse_file("roster", path)
    (bad,) = parsed.bad_rows
    assert (bad.row, bad.column, bad.value) == (2, "姓名", long_name)
    assert "20 个字" in bad.reason
    assert [s.student_id for s in parsed.records] == ["2024000002"]


# -- 学号 (issue #9) -------------------------------------------------------------------------


def test_student_ids_are_folded_to_ascii_and_checked(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "r.csv",
        [
            ROSTER_HEADER,
            ["２０２５０００００５", "甲", "男", "学院", "专业", "2025", "班"],
            [" 2025000006 ", "乙", "男", "学院", "专业", "2025", "班"],
            ["2025 000004", "丙", "男", "学院", "专业", "2025", "班"],
            ["2025/0001", "丁", "男", "学院", "专业", "2025", "班"],
        ],
    )
    parsed = parse_file("roster", path)
    assert [s.student_id for s in parsed.records] == ["2025000005", "2025000006"]
    assert [(b.row, b.column, b.value) for b in parsed.bad_rows] == [
        (4, "学号", "2025 000004"),
        (5, "学号", "2025/0001"),
    ]
    assert "空格" in parsed.bad_rows[0].reason and "字母和数字" in parsed.bad_rows[1].reason


def test_the_full_width_id_is_the_same_student_in_grades(tmp_path: Path) -> None:
    path = _write(
        tmp_path / "g.csv",
        [GRADE_HEADER,
         ["2024-2025", "1", "２０２５０００００５", "甲", "M1", "数学", "4", "80", "正常考试", ""],
         ["2024-2025", "1", "2025000005", "甲", "M2", "物理", "4", "80", "正常考试", ""]],
    )  # fmt: skip
    assert {a.student_id for a in parse_file("grades", path).records} == {"2025000005"}


def test_the_workspace_student_id_pattern_applies_to_every_kind(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    config = ws.root / "yujing.toml"
    config.write_text(
        config.read_text("utf-8") + '\n[import]\nstudent_id_pattern = "^[0-9]{10}$"\n', "utf-8"
    )
    path = _write(
        tmp_path / "g.csv",
        [GRADE_HEADER,
         ["2024-2025", "1", "A024000001", "甲", "M1", "数学", "4", "80", "正常考试", ""],
         ["2024-2025", "1", "2024000002", "乙", "M1", "数学", "4", "80", "正常考试", ""]],
    )  # fmt: skip
    report = ws.import_file("grades", path, skip_bad_rows=True)
    (bad,) = report.skipped
    assert (bad.value, bad.column) == ("A024000001", "学号") and "^[0-9]{10}$" in bad.reason
    ws.close()


# -- workbooks (issue #9) ------------------------------------------------------------------


def test_a_formula_cell_is_reported_with_its_text(tmp_path: Path) -> None:
    wb = Workbook()
    ws = wb.active
    ws.append(GRADE_HEADER)
    ws.append(["2024-2025", "1", "2024000001", "甲", "M1", "数学", 4, "=60+B2*5", "正常考试", ""])
    ws.append(["2024-2025", "1", "2024000001", "甲", "M2", "物理", 3, 75, "正常考试", ""])
    wb.save(tmp_path / "f.xlsx")
    parsed = parse_file("grades", tmp_path / "f.xlsx")
    (bad,) = parsed.bad_rows
    assert (bad.row, bad.column, bad.value) == (2, "成绩", "=60+B2*5")
    assert "公式" in bad.reason
    assert [a.course_code for a in parsed.records] == ["M2"]


def test_an_invisible_control_character_is_reported_not_printed_later(tmp_path: Path) -> None:
    """A stray U+0007 in a name or U+000B in a course name cannot go into a .docx or .xlsx:
    the import names file, row and column (the character shown as □) instead of the printing
    failing weeks later; the other rows import."""
    ws = _workspace(tmp_path)
    path = _write(
        tmp_path / "成绩.csv",
        [GRADE_HEADER,
         ["2024-2025", "1", "2024000001", "张\x07三", "M1", "数学", "4", "40", "正常考试", ""],
         ["2024-2025", "1", "2024000002", "李四", "M2", "物理\x0b实验", "3", "40", "正常考试", ""],
         ["2024-2025", "1", "2024000003", "王五", "M1", "数学", "4", "40", "正常考试", ""]],
    )  # fmt: skip
    with pytest.raises(InputError) as refused:
        ws.import_file("grades", path)
    assert "第 2 行" in str(refused.value) and "U+0007" in str(refused.value)
    report = ws.import_file("grades", path, skip_bad_rows=True)
    by_row = {bad.row: bad for bad in report.skipped}
    assert set(by_row) == {2, 3}
    assert (by_row[2].column, by_row[2].value) == ("姓名", "张□三")
    assert (by_row[3].column, by_row[3].value) == ("课程名称", "物理□实验")
    assert "U+000B" in by_row[3].reason and "Excel/WPS" in by_row[3].reason
    result = CliRunner().invoke(
        cli, ["-w", str(ws.root), "import", "grades", str(path)], catch_exceptions=False
    )
    assert result.exit_code != 0 and "Traceback" not in result.output
    assert "成绩.csv" in result.output and "U+0007" in result.output
    ws.close()


def test_a_zip_bomb_is_refused_from_the_zip_directory_before_parsing(tmp_path: Path) -> None:
    bomb = tmp_path / "成绩.xlsx"
    chunk = b"<row>" + b" " * (1024 * 1024 - 11) + b"</row>"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        with zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh:
            for _ in range(MAX_SHEET_XML_BYTES // len(chunk) + 2):
                fh.write(chunk)
    assert bomb.stat().st_size < 2 * 1024 * 1024  # small on disk, 200+ MB unpacked
    with pytest.raises(UnreadableFileError, match=r"文件过大.*解压后 2\d\d MB"):
        parse_file("grades", bomb)


def test_a_sheet_declaring_too_many_rows_is_refused(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.append(GRADE_HEADER)
    wb.save(tmp_path / "ok.xlsx")
    big = tmp_path / "big.xlsx"
    with zipfile.ZipFile(tmp_path / "ok.xlsx") as src, zipfile.ZipFile(big, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/worksheets/sheet1.xml":
                data = data.replace(
                    b'<dimension ref="A1:J1"/>', f'<dimension ref="A1:J{MAX_ROWS + 1}"/>'.encode()
                )
                assert str(MAX_ROWS + 1).encode() in data
            dst.writestr(item, data)
    with pytest.raises(UnreadableFileError, match="1,000,001 行"):
        parse_file("grades", big)


def test_no_openpyxl_warning_reaches_the_user(tmp_path: Path) -> None:
    wb = Workbook()
    wb.active.append(ROSTER_HEADER)
    wb.active.append(["2024000001", "甲", "男", "学院", "专业", "2024", "班"])
    wb.save(tmp_path / "r.xlsx")
    odd = (
        tmp_path / "odd.xlsx"
    )  # openpyxl warns "Defined names for sheet index 5 cannot be located"
    bad_name = b'<definedNames><definedName name="x" localSheetId="5">Sheet!$A$1</definedName></definedNames>'
    with zipfile.ZipFile(tmp_path / "r.xlsx") as src, zipfile.ZipFile(odd, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "xl/workbook.xml":
                assert b"<definedNames/>" in data
                data = data.replace(b"<definedNames/>", bad_name)
            dst.writestr(item, data)
    from openpyxl import load_workbook

    with pytest.warns(UserWarning, match="Defined names"):
        load_workbook(odd, read_only=True).close()  # the file does make openpyxl warn
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        (student,) = parse_file("roster", odd).records
    assert student.student_id == "2024000001"


def test_credits_stay_decimal() -> None:
    (a, *_) = parse_file("grades", EXPORTS / "urp_gbk.csv").records
    assert a.credits == Decimal("4")


# -- the CLI ------------------------------------------------------------------------------


def _cli(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


@pytest.fixture
def cli_ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    r = _cli("init", root, "--policy", "anshan", "--school", "测试学院")
    assert r.exit_code == 0, r.output
    return root


def test_cli_import_says_which_profile_it_read_each_file_with(cli_ws: Path) -> None:
    files = [EXPORTS / name for name, _, _ in PROFILE_FILES]
    r = _cli("-w", cli_ws, "import", "grades", *files)
    assert r.exit_code == 0, r.output
    for name, title, encoding in PROFILE_FILES:
        assert f"{name}（{encoding}）按 {title} 读取：" in r.output


def test_cli_forced_profile(cli_ws: Path) -> None:
    r = _cli("-w", cli_ws, "import", "grades", EXPORTS / "urp_gbk.csv", "--profile", "urp")
    assert r.exit_code == 0 and "（gb18030）按 URP 综合教务 成绩导出 读取：25 行" in r.output
    r = _cli("-w", cli_ws, "import", "grades", EXPORTS / "urp_gbk.csv", "--profile", "nosuch")
    assert r.exit_code != 0 and "没有名为「nosuch」的导出格式" in r.output
    assert "Traceback" not in r.output


def test_cli_unknown_layout_then_map_then_saved_map(cli_ws: Path) -> None:
    unknown = EXPORTS / "unknown_system_utf8.csv"
    r = _cli("-w", cli_ws, "import", "grades", unknown)
    assert r.exit_code != 0
    assert (
        "文件中的列：学生编号、学生姓名、开课学年、开课学期、课号、课名、学分数、总评、考试类别、说明"
        in r.output
    )
    assert "还缺少：学号、课程代码、学分、成绩、考试性质、学年、学期" in r.output
    config = cli_ws / "yujing.toml"
    before = config.read_text("utf-8")
    maps = [
        "学号=学生编号", "姓名=学生姓名", "学年=开课学年", "学期=开课学期", "课程代码=课号",
        "课程名称=课名", "学分=学分数", "成绩=总评", "考试性质=考试类别",
    ]  # fmt: skip
    r = _cli(
        "-w",
        cli_ws,
        "import",
        "grades",
        unknown,
        *(a for m in maps for a in ("--map", m)),
        "--save-map",
    )
    assert r.exit_code == 0, r.output
    assert "按 本系统成绩模板 读取" in r.output and "新增 25" in r.output
    assert "列映射已存入" in r.output
    after = config.read_text("utf-8")
    assert after.startswith(before)  # the rest of the file and its comments are kept
    assert "[import.map.grades]" in after and '"学年" = "开课学年"' in after
    # the next term's file: no flags
    r = _cli("-w", cli_ws, "import", "grades", unknown)
    assert r.exit_code == 0, r.output
    assert "未变 25" in r.output
    # the TOML table's name survives the terminal's markup (rich would take it for a style)
    assert "按工作区保存的列映射读取（yujing.toml 的 [import.map.grades]）" in r.output
    # a file of a known layout is not bent by the saved mapping
    r = _cli("-w", cli_ws, "import", "grades", EXPORTS / "urp_gbk.csv")
    assert r.exit_code == 0 and "按 URP 综合教务 成绩导出 读取" in r.output, r.output
    assert "保存的列映射" not in r.output
    # saving again replaces the table instead of adding a second one
    r = _cli("-w", cli_ws, "import", "grades", unknown, "--map", "成绩=总评", "--save-map")
    assert r.exit_code == 0, r.output
    assert config.read_text("utf-8").count("[import.map.grades]") == 1


def test_cli_bad_map_arguments(cli_ws: Path) -> None:
    r = _cli("-w", cli_ws, "import", "grades", EXPORTS / "unknown_system_utf8.csv", "--map", "学年")
    assert r.exit_code == 2 and "列名=表头" in r.output
    r = _cli(
        "-w",
        cli_ws,
        "import",
        "grades",
        EXPORTS / "unknown_system_utf8.csv",
        "--map",
        "年份=开课学年",
    )
    assert r.exit_code != 0 and "「年份」不是成绩模板的列" in r.output
    r = _cli(
        "-w",
        cli_ws,
        "import",
        "grades",
        EXPORTS / "unknown_system_utf8.csv",
        "--map",
        "学年=没有这列",
    )
    assert r.exit_code != 0 and "没有这列 不在文件中" in r.output
    r = _cli("-w", cli_ws, "import", "grades", EXPORTS / "urp_gbk.csv", "--save-map")
    assert r.exit_code != 0 and "--save-map 需要同时用 --map" in r.output


def test_cli_unknown_exam_kind_and_zip_bomb_messages(cli_ws: Path, tmp_path: Path) -> None:
    text = (
        (EXPORTS / "qiangzhi_old_gbk.csv")
        .read_bytes()
        .decode("gbk")
        .replace("补考一", "期末补考", 1)
    )
    (tmp_path / "qz.csv").write_bytes(text.encode("gbk"))
    r = _cli("-w", cli_ws, "import", "grades", tmp_path / "qz.csv")
    assert r.exit_code != 0 and "列「考试性质」，值「期末补考」" in r.output
    bomb = tmp_path / "bomb.xlsx"
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf,
        zf.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as fh,
    ):
        for _ in range(MAX_SHEET_XML_BYTES // (1 << 20) + 2):
            fh.write(b" " * (1 << 20))
    r = _cli("-w", cli_ws, "import", "roster", bomb)
    assert r.exit_code != 0 and "文件过大" in r.output and "Traceback" not in r.output


def test_every_system_profile_is_data_that_cites_its_sources() -> None:
    profiles = load_profiles()
    assert set(profiles) == {
        "yujing", "zhengfang", "zhengfang-codes", "zhengfang-old",
        "qiangzhi", "qiangzhi-old", "qingguo", "urp",
    }  # fmt: skip
    for profile in profiles.values():
        text = profile.source.read_text("utf-8")
        if profile.name != "yujing":
            assert "Sources relied on" in text, profile.name
            assert re.search(r"# - [\w.-]+/[\w.-]+ [\w./-]+", text), profile.name  # repo + path
        # every exam-kind value of the semantics page's table is in every profile's table
        for value in (
            "正常考试",
            "补考二",
            "正常考试补考",
            "结业后返校补考",
            "重修补考",
            "缓考",
            "旷考",
            "免修",
        ):
            assert value in profile.exam_kinds, (profile.name, value)


def test_a_bad_student_id_pattern_in_the_config_is_a_clear_error(tmp_path: Path) -> None:
    ws = _workspace(tmp_path)
    config = ws.root / "yujing.toml"
    config.write_text(
        config.read_text("utf-8") + '\n[import]\nstudent_id_pattern = "^[0-9"\n', "utf-8"
    )
    with pytest.raises(InputError, match="student_id_pattern「\\^\\[0-9」不是有效的正则表达式"):
        ws.import_file("roster", EXPORTS / "roster_qingguo.xlsx")
    ws.close()


def test_flags_and_levels_fold_student_ids_too(tmp_path: Path) -> None:
    flags = _write(
        tmp_path / "f.csv",
        [["学号", "学年", "学期", "标记"], ["２０２５０００００５", "2024-2025", "1", "旷课"]],
    )
    assert parse_file("flags", flags).records[0].student_id == "2025000005"
    levels = _write(tmp_path / "l.csv", [["学号", "预警等级"], ["2025 000005", "红色预警"]])
    (bad,) = parse_file("levels", levels, term=T).bad_rows
    assert (bad.column, bad.value) == ("学号", "2025 000005")


def test_an_xlsx_named_xls_is_read_as_the_xlsx_it_is(tmp_path: Path) -> None:
    renamed = tmp_path / "成绩.xls"
    renamed.write_bytes((EXPORTS / "qingguo_jwweb.xlsx").read_bytes())
    parsed = parse_file("grades", renamed)
    assert parsed.encoding == "xlsx" and parsed.profile_name == "qingguo"
    assert len(parsed.records) == len(parse_file("grades", EXPORTS / "qingguo_jwweb.xlsx").records)


def test_a_damaged_excel97_file_is_refused_by_name(tmp_path: Path) -> None:
    whole = (EXPORTS / "qiangzhi_jsxsd_excel97.xls").read_bytes()
    cut = tmp_path / "强智成绩.xls"
    cut.write_bytes(whole[: len(whole) // 2])  # a download cut short
    with pytest.raises(UnreadableFileError, match=r"强智成绩\.xls：旧版 Excel"):
        parse_file("grades", cut)


def test_a_web_page_xls_keeps_its_columns_under_a_spanning_title(tmp_path: Path) -> None:
    """The title row spans the table (colspan); the header row below it is found and every
    column keeps its place; entities and line breaks in a cell are read as text."""
    page = tmp_path / "成绩.xls"
    page.write_text(
        '<html><body><table><tr><td colspan="10">学生成绩</td></tr>'
        "<tr><th>学年</th><th>学期</th><th>学号</th><th>姓名</th><th>课程代码</th>"
        "<th>课程名称</th><th>学分</th><th>成绩</th><th>考试性质</th><th>备注</th></tr>"
        "<tr><td>2024-2025</td><td>1</td><td>2024000001</td><td>张&amp;三</td><td>M1</td>"
        "<td>数学<br>分析</td><td>4</td><td>45</td><td>正常考试</td><td>&nbsp;</td></tr>"
        "</table></body></html>",
        encoding="utf-8",
    )
    parsed = parse_file("grades", page)
    (attempt,) = parsed.records
    assert (attempt.student_id, attempt.course_name, attempt.score) == ("2024000001", "数学 分析", "45")
    assert attempt.student_name == "张&三"


def _lying_workbook(path: Path, rows: int = 3000) -> Path:
    """A real workbook whose sheet's declared size is a lie (smaller than the data): the
    zip's checksum fails only while the sheet is read, row by row."""
    import struct

    wb = Workbook()
    sheet = wb.active
    sheet.append(GRADE_HEADER)
    for i in range(rows):
        sheet.append(["2024-2025", "1", f"2024{i:06d}", "甲", "M1", "数学", 4, 80, "正常考试", ""])
    wb.save(path)
    data = bytearray(path.read_bytes())
    name = b"xl/worksheets/sheet1.xml"
    at = 0
    while (cd := data.find(b"PK\x01\x02", at)) >= 0:
        size = struct.unpack_from("<H", data, cd + 28)[0]
        if data[cd + 46 : cd + 46 + size] == name:
            struct.pack_into("<I", data, cd + 24, 20_000)  # central directory
            local = struct.unpack_from("<I", data, cd + 42)[0]
            struct.pack_into("<I", data, local + 22, 20_000)  # local header
        at = cd + 4
    path.write_bytes(bytes(data))
    return path


def test_a_workbook_damaged_inside_a_sheet_is_refused_with_its_name(tmp_path: Path) -> None:
    bad = _lying_workbook(tmp_path / "成绩.xlsx")
    with pytest.raises(UnreadableFileError, match=r"成绩\.xlsx：工作表「Sheet」已损坏"):
        parse_file("grades", bad)
    ws = _workspace(tmp_path)
    result = CliRunner().invoke(cli, ["-w", str(ws.root), "import", "grades", str(bad)])
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert "已损坏" in result.output
    assert ws.registry.attempts() == {}  # nothing imported
    ws.close()
