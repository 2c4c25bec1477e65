"""Spreadsheet outputs never turn data into formulas (issue #9, finding 1).

A roster name such as ``=HYPERLINK("http://…","点我")`` used to be written as a live formula
into the list .xlsx, the batch 名单.xlsx, ``audit --xlsx`` and ``assess --output .xlsx``, and
unescaped into ``assess --output .csv``, ``audit --format csv`` and ``archive manifest``.
"""

from __future__ import annotations

import csv
import io
import zipfile
from dataclasses import replace
from decimal import Decimal
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner
from conftest import PREV_GBK, ROSTER_XLSX, TERM, THIS_BOM
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from yujing.checker.model import AuditReport, Finding, StudentAudit
from yujing.checker.xlsx import write_xlsx as write_audit_xlsx
from yujing.cli.main import cli
from yujing.converter import find_converter
from yujing.forms import forms_for_level
from yujing.generator.batch import _Planned, _write_batch_list, issue
from yujing.institutions import find_pack
from yujing.model import ListFigures, Student
from yujing.outputs import csv_text, csv_value, save_xlsx
from yujing.outputs import write_csv as write_plain_csv
from yujing.warnlist import ListRow, write_csv, write_xlsx
from yujing.workspace import Workspace

LINK = '=HYPERLINK("//e.cn")'
"""A formula short enough to pass the roster's 姓名 length limit (20 characters)."""
POLICY = find_pack("anshan").policy
FORMS = find_pack("anshan").forms


def formulas(path: Path) -> list[str]:
    """Every formula stored in the workbook at ``path`` (``<f>`` elements of its sheets)."""
    found = []
    with zipfile.ZipFile(path) as z:
        for name in z.namelist():
            if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                text = z.read(name).decode("utf-8")
                found += [part.split("</f>")[0] for part in text.split("<f>")[1:]]
    return found


def texts(path: Path) -> list[tuple[str, str]]:
    """(value, data type) of every text cell of the workbook at ``path``, read back."""
    wb = openpyxl.load_workbook(path)
    return [
        (c.value, c.data_type)
        for sheet in wb.worksheets
        for row in sheet.iter_rows()
        for c in row
        if isinstance(c.value, str)
    ]


def csv_cells(path: Path) -> list[str]:
    with open(path, encoding="utf-8-sig", newline="") as fh:
        return [cell for row in csv.reader(fh) for cell in row]


# -- the real commands ------------------------------------------------------------------------


def poisoned_roster(path: Path) -> Path:
    """The sample roster with every 姓名 a HYPERLINK formula and every 学院 starting ``@``/tab."""
    wb = openpyxl.load_workbook(ROSTER_XLSX)
    sheet = wb.active
    assert sheet is not None
    for row in sheet.iter_rows(min_row=3):
        row[1].value = LINK
        row[3].value = "\t=1+2"
    return save_xlsx(wb, path)  # as text cells: a secretary's file typed with a leading quote


def test_every_output_of_the_real_commands_keeps_a_formula_name_as_text(tmp_path: Path) -> None:
    ws = Workspace.init(tmp_path / "ws", pack="anshan", school="测试学院")
    ws.import_file("roster", poisoned_roster(tmp_path / "roster.xlsx"))
    ws.import_file("grades", PREV_GBK)
    ws.import_file("grades", THIS_BOM)
    report = ws.assess(TERM)
    ws.freeze(TERM)
    (batch,) = issue(ws, TERM, converter=find_converter())  # archive copies for the manifest
    runner = CliRunner()
    common = ["--workspace", str(ws.root)]
    audit_xlsx = tmp_path / "audit.xlsx"
    result = runner.invoke(
        cli,
        [*common, "audit", "--term", str(TERM), "--xlsx", str(audit_xlsx), "--format", "csv"],
        catch_exceptions=False,
    )
    audit_csv = list(csv.reader(io.StringIO(result.stdout)))
    manifest = tmp_path / "manifest.csv"
    runner.invoke(
        cli, [*common, "archive", "manifest", "-o", str(manifest)], catch_exceptions=False
    )
    file_csv, file_xlsx = tmp_path / "list.csv", tmp_path / "list.xlsx"
    for out in (file_csv, file_xlsx):
        runner.invoke(
            cli,
            [
                "assess",
                "--policy",
                "anshan",
                "--term",
                str(TERM),
                "--roster",
                str(tmp_path / "roster.xlsx"),
                "--grades",
                str(PREV_GBK),
                "--grades",
                str(THIS_BOM),
                "--output",
                str(out),
            ],
            catch_exceptions=False,
        )
    workbooks = [report.xlsx, batch.folder / "名单.xlsx", audit_xlsx, file_xlsx]
    for book in workbooks:
        assert book.exists(), book
        assert formulas(book) == [], book
        cells = texts(book)
        assert (LINK, "s") in cells, book
    for cells in (
        [c for row in audit_csv for c in row],
        csv_cells(manifest),
        csv_cells(file_csv),
    ):
        assert LINK not in cells and "'" + LINK in cells
        assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)
    assert "'=1+2" in csv_cells(file_csv)  # the import trimmed the tab; still text


# -- any text, every writer ----------------------------------------------------------------

# Text a roster or grade cell can hold (XML 1.0 cannot carry other control characters), with
# the characters that start a formula drawn often.
cell_text = st.text(
    alphabet=st.one_of(
        st.sampled_from("=+-@\t\r\n'\" ,;"),
        st.characters(blacklist_categories=("Cs", "Cc")),
    ),
    min_size=1,
    max_size=40,
)


def one_row(text: str) -> ListRow:
    return ListRow(
        "2023010101",
        text,
        "男",
        text,
        text,
        "2023",
        text,
        "红色预警",
        text,
        "新增",
        figures=ListFigures(cumulative_failed_credits=Decimal("12")),
    )


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(text=cell_text)
def test_any_cell_text_round_trips_through_every_writer(tmp_path: Path, text: str) -> None:
    level = POLICY.level_names[0]
    row = replace(one_row(text), level=level, figures=ListFigures())
    list_xlsx = write_xlsx(tmp_path / "list.xlsx", [row], POLICY, TERM, school="测试学院")
    list_csv = write_csv(tmp_path / "list.csv", [row], POLICY)
    student = Student("2023010101", text, college=text, class_name=text)
    batch_xlsx = tmp_path / "batch.xlsx"
    _write_batch_list(
        batch_xlsx,
        [_Planned(student, replace(row, level=level), 7, forms_for_level(FORMS, level))],
        POLICY,
        TERM,
    )
    finding = Finding("2023010101", text, text, text, level, "notice", "通知书", "missing", text)
    audit = AuditReport(
        text,
        "anshan",
        "学业预警",
        str(TERM),
        TERM.label(),
        "2025-01-01T00:00:00",
        "2025-01-01",
        False,
        (("notice", "通知书"),),
        (StudentAudit("2023010101", text, text, text, level, "archive/x", (), (finding,)),),
    )
    audit_xlsx = write_audit_xlsx(audit, tmp_path / "audit.xlsx")
    plain_csv = write_plain_csv(tmp_path / "plain.csv", ["姓名"], [[text]])
    for book in (list_xlsx, batch_xlsx, audit_xlsx):
        assert formulas(book) == []
        assert (text, "s") in texts(book), book
    for path in (list_csv, plain_csv):
        cells = csv_cells(path)
        assert text in [csv_text(c) for c in cells]
        assert not any(c.startswith(("=", "+", "-", "@", "\t", "\r")) for c in cells)


@pytest.mark.parametrize(
    ("value", "written"),
    [
        ("=1+1", "'=1+1"),
        ("+86 138", "'+86 138"),
        ("-3", "'-3"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\t=1", "'\t=1"),
        ("\r=1", "'\r=1"),
        ("'=1", "''=1"),
        ("'abc", "''abc"),
        ("陈明", "陈明"),
        (-3, -3),
    ],
)
def test_csv_values_by_owasps_rule(value: object, written: object) -> None:
    assert csv_value(value) == written
    if isinstance(value, str):
        assert csv_text(str(written)) == value
