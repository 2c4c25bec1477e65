"""The university folder through the CLI: three colleges with different packs, each a complete
workspace that ``-w`` understands; the roll-up's figures equal each college's own
``list show`` and ``audit`` figures (table, CSV and .xlsx); the university's accounts,
inspections and filings; error paths."""

from __future__ import annotations

import csv
import io
import json
import os
import re
from pathlib import Path

import openpyxl
import pytest
from click.testing import CliRunner, Result

from tools.synthetic import SampleSpec, write_grades_csv, write_roster_csv
from yujing.cli.main import cli
from yujing.model import Term
from yujing.university import University
from yujing.university.rollup import HEADERS
from yujing.workspace import Workspace

TERM = Term.parse("2024-2025-1")
LAST_YEAR = Term.parse("2023-2024-1")
PACKS = {"art": "beihai", "mech": "anshan", "life": "lanzhou-life"}
NAMES = {"art": "艺术设计学院", "mech": "机械工程学院", "life": "生命科学与工程学院"}


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def ok(*args: str | Path) -> str:
    result = run(*args)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.fixture(scope="module")
def data(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    folder = tmp_path_factory.mktemp("synthetic")
    spec = SampleSpec(
        students=80, terms=("2023-2024-1", "2023-2024-2", "2024-2025-1"), seed=7, weak_share=0.4
    )
    write_roster_csv(folder / "学生名单.csv", spec)
    write_grades_csv(folder / "成绩.csv", spec)
    return folder / "学生名单.csv", folder / "成绩.csv"


@pytest.fixture(scope="module")
def university(tmp_path_factory: pytest.TempPathFactory, data: tuple[Path, Path]) -> Path:
    """A university of three colleges with different packs, built through the CLI, each at a
    different stage of the term."""
    roster, grades = data
    root = tmp_path_factory.mktemp("uni") / "示范大学"
    out = ok("university", "init", root, "--name", "示范大学")
    assert "已创建学校文件夹" in out and (root / "university.toml").is_file()
    for slug, pack in PACKS.items():
        out = ok("university", "add", root, NAMES[slug], "--pack", pack, "--slug", slug)
        assert f"简称 {slug}" in out
        ws = root / slug
        ok("-w", ws, "import", "roster", roster)
        ok("-w", ws, "import", "grades", grades)
        ok("-w", ws, "assess", "--term", LAST_YEAR)
        ok("-w", ws, "assess", "--term", TERM)
    # mech: an objection, interviews of two warned students, a frozen list
    listed = ok("-w", root / "mech", "list", "show", "--term", TERM, "--all")
    warned = re.findall(r"^│ (\d{10}) .*?(红色预警|橙色预警|黄色预警)", listed, re.M)
    assert len(warned) >= 3
    ok(
        "-w",
        root / "mech",
        "list",
        "objection",
        warned[0][0],
        "--term",
        TERM,
        "--reason",
        "补考成绩未录入",
        "--outcome",
        "upheld",
    )
    for sid, _level in warned[1:3]:
        ok(
            "-w",
            root / "mech",
            "record",
            "interview",
            sid,
            "--term",
            TERM,
            "--who",
            "辅导员 王颖",
            "--how",
            "面谈",
            "--summary",
            "学业谈话",
        )
    ok("-w", root / "mech", "list", "freeze", "--term", TERM)
    # notices for the red level (Word files only: no LibreOffice needed for the serials)
    issued = CliRunner().invoke(
        cli,
        ["-w", str(root / "mech"), "issue", "--term", str(TERM), "--level", "红色预警"],
        env={"YUJING_SOFFICE": str(root / "no-soffice")},
        catch_exceptions=False,
    )
    assert issued.exit_code == 0 and "已生成 Word 文件" in issued.output, issued.output
    # life: last year's list frozen too
    ok("-w", root / "life", "list", "freeze", "--term", LAST_YEAR)
    return root


def test_each_college_is_a_workspace_the_cli_understands(university: Path) -> None:
    out = ok("university", "list", university)
    for slug, pack in PACKS.items():
        assert slug in out and pack in out
        assert (university / slug / "yujing.toml").is_file()
        assert (university / slug / "secret.key").is_file()
    config = university / "art" / "yujing.toml"
    assert 'pack_origin = "beihai"' in config.read_text(encoding="utf-8")
    assert "示范大学艺术设计学院" in config.read_text(encoding="utf-8")  # default --school


def _list_show(ws: Path, term: Term) -> dict[str, int | str]:
    out = ok("-w", ws, "list", "show", "--term", term)
    m = re.search(r"名单（(草稿|已冻结)）：评估 (\d+) 人，预警 (\d+) 人", out)
    assert m, out
    levels = dict(re.findall(r"^\s*(\S+预警|\S+警示)\s*│\s*(\d+)", out, re.M))
    return {
        "status": m.group(1),
        "assessed": int(m.group(2)),
        "warned": int(m.group(3)),
        "levels": "，".join(f"{k} {v}" for k, v in levels.items()),
    }


def _audit(ws: Path, term: Term) -> dict[str, int]:
    result = run("-w", ws, "audit", "--term", term, "--format", "json")
    assert result.exit_code in (0, 1), result.output
    report = json.loads(result.output)
    problems = [f["problem"] for s in report["students"] for f in s["findings"]]
    college = Workspace(ws)  # the pack's requirements that an interview record satisfies
    interviews = {r.id for r in college.policy.requirements if "interview" in r.kinds}
    college.close()
    assert interviews
    held = required = 0
    for s in report["students"]:
        for st in s["statuses"]:
            if st["requirement"] in interviews and st["status"] != "n/a":
                held += min(st["count"], st["needed"])
                required += st["needed"]
    return {
        "folders": len(report["students"]),
        "complete": sum(1 for s in report["students"] if not s["findings"]),
        "missing": problems.count("missing"),
        "overdue": problems.count("overdue"),
        "unsigned": problems.count("unsigned"),
        "interviews": f"{held}/{required}",
    }


def _rollup_csv(root: Path, term: Term) -> list[dict[str, str]]:
    out = ok("university", "rollup", root, "--term", term, "--format", "csv")
    rows = list(csv.reader(io.StringIO(out.lstrip("\ufeff"))))
    head = rows[0]
    return [dict(zip(head, r, strict=True)) for r in rows[1:]]


@pytest.mark.parametrize("term", [TERM, LAST_YEAR], ids=str)
def test_rollup_equals_each_colleges_list_show_and_audit(university: Path, term: Term) -> None:
    rows = [r for r in _rollup_csv(university, TERM) if r["学期"] == str(term)]
    by_college = {r["学院"]: r for r in rows}
    totals = {"warned": 0, "assessed": 0, "complete": 0, "missing": 0}
    for slug in PACKS:
        row = by_college[NAMES[slug]]
        shown = _list_show(university / slug, term)
        audited = _audit(university / slug, term)
        assert row["名单"] == shown["status"]
        assert int(row["评估人数"]) == shown["assessed"]
        assert int(row["预警人数"]) == shown["warned"]
        assert row["各等级"] == shown["levels"]
        assert int(row["档案（人）"]) == audited["folders"] == shown["warned"]
        assert int(row["档案齐全"]) == audited["complete"]
        assert int(row["缺失"]) == audited["missing"]
        assert int(row["超期未完成"]) == audited["overdue"]
        assert int(row["未签字"]) == audited["unsigned"]
        assert row["谈话（已谈/应谈）"] == audited["interviews"]
        for key, column in (
            ("warned", "预警人数"),
            ("assessed", "评估人数"),
            ("complete", "档案齐全"),
            ("missing", "缺失"),
        ):
            totals[key] += int(row[column])
    total = by_college["合计"]
    assert int(total["预警人数"]) == totals["warned"]
    assert int(total["评估人数"]) == totals["assessed"]
    assert int(total["档案齐全"]) == totals["complete"]
    assert int(total["缺失"]) == totals["missing"]


def test_rollup_figures_of_the_work_done(university: Path) -> None:
    rows = {r["学院"]: r for r in _rollup_csv(university, TERM) if r["学期"] == str(TERM)}
    mech = rows[NAMES["mech"]]
    assert mech["名单"] == "已冻结" and mech["冻结时间"]
    assert mech["异议"] == "1"
    held, required = map(int, mech["谈话（已谈/应谈）"].split("/"))
    assert held == 2 and required >= int(mech["预警人数"])
    assert rows[NAMES["art"]]["名单"] == "草稿" and rows[NAMES["art"]]["冻结时间"] == ""
    # notices issued and returns filed as the term report counts them
    ws = Workspace(university / "mech")
    try:
        summary = ws.term_summary(TERM)
        red = ws.report(TERM).count_by_level()["红色预警"]
    finally:
        ws.close()
    assert int(mech["已发通知书"]) == summary.notices_issued == red > 0
    assert int(mech["已回收回执"]) == summary.returns_filed == 0
    last = {r["学院"]: r for r in _rollup_csv(university, TERM) if r["学期"] == str(LAST_YEAR)}
    assert last[NAMES["life"]]["名单"] == "已冻结"


def test_rollup_table_and_xlsx_say_the_same(university: Path, tmp_path: Path) -> None:
    table = ok("university", "rollup", university, "--term", TERM)
    csv_rows = _rollup_csv(university, TERM)
    for r in csv_rows:
        assert f"{r['学院']}" in table
        assert f"评估 {r['评估人数']}，预警 {r['预警人数']}" in table
    out = tmp_path / "汇总.xlsx"
    ok("university", "rollup", university, "--term", TERM, "--format", "xlsx", "-o", out)
    book = openpyxl.load_workbook(out)
    assert book.sheetnames == [f"本学期 {TERM}", f"去年同期 {LAST_YEAR}"]
    for sheet, term in zip(book.worksheets, (TERM, LAST_YEAR), strict=True):
        values = [
            [("" if c is None else str(c)) for c in row]
            for row in sheet.iter_rows(values_only=True)
        ]
        assert values[1] == [h for _, h in HEADERS]
        expected = [[r[h] for _, h in HEADERS] for r in csv_rows if r["学期"] == str(term)]
        assert values[2:] == expected
        assert not any(c.data_type == "f" for row in sheet.iter_rows() for c in row)


def test_university_accounts_inspections_and_filing(university: Path) -> None:
    out = ok(
        "university",
        "user",
        "add",
        university,
        "教务处张老师",
        "--role",
        "office",
        "--password",
        "office-pass-1",
    )
    assert "教务处" in out
    assert "教务处张老师" in ok("university", "user", "list", university)
    ok("university", "user", "passwd", university, "教务处张老师", "--password", "office-pass-2")
    uni = University(university)
    try:
        assert uni.authenticate("教务处张老师", "office-pass-2").role == "office"
    finally:
        uni.close()
    assert "已停用" in ok("university", "user", "disable", university, "教务处张老师")
    assert "已停用" in ok("university", "user", "list", university)
    assert (
        "没有账号"
        in run(
            "university", "user", "passwd", university, "无此人", "--password", "office-pass-3"
        ).output
    )
    bad = run(
        "university",
        "user",
        "add",
        university,
        "秘书",
        "--role",
        "secretary",
        "--password",
        "office-pass-1",
    )
    assert bad.exit_code == 2  # not a university role
    out = ok(
        "university", "sample", university, "mech", "--term", TERM, "--size", "3", "--seed", "42"
    )
    drawn = re.findall(r"^  (\d{10}) ", out, re.M)
    assert len(drawn) == 3 and "种子 42" in out
    again = ok(
        "university", "sample", university, "mech", "--term", TERM, "--size", "3", "--seed", "42"
    )
    assert re.findall(r"^  (\d{10}) ", again, re.M) == drawn  # seeded: the same draw again
    uni = University(university)
    try:
        assert [i.seed for i in uni.inspections("mech")][-2:] == [42, 42]
        assert any(e["action"] == "inspection-draw" for e in uni.registry.events())
    finally:
        uni.close()
    missing = run("university", "file-report", university, "mech", "--term", TERM)
    assert missing.exit_code == 1 and "请先生成学期报告" in missing.output
    ok("-w", university / "mech", "report", "--term", TERM)
    out = ok("university", "file-report", university, "mech", "--term", TERM)
    assert f"已备案：{NAMES['mech']} {TERM} 学期学业帮扶总结报告" in out
    uni = University(university)
    try:
        (filing,) = uni.filings("mech")
        made = university / "mech" / "reports" / f"{TERM} 学期学业帮扶总结报告.docx"
        assert uni.filing_file(filing.id).read_bytes() == made.read_bytes()
        assert filing.filed_at and filing.sha256
    finally:
        uni.close()


def test_errors_say_what_is_wrong(tmp_path: Path, university: Path) -> None:
    again = run("university", "init", university, "--name", "别的大学")
    assert again.exit_code == 1 and "已是学校文件夹" in again.output
    assert "不是学校文件夹" in run("university", "list", tmp_path).output
    assert (
        "已被使用"
        in run(
            "university", "add", university, "新学院", "--pack", "anshan", "--slug", "mech"
        ).output
    )
    assert (
        "只能用小写字母"
        in run(
            "university", "add", university, "新学院", "--pack", "anshan", "--slug", "Mech School"
        ).output
    )
    assert "已在" in run("university", "add", university, NAMES["mech"], "--pack", "anshan").output
    no_file = run("university", "rollup", university, "--term", TERM, "--format", "xlsx")
    assert no_file.exit_code == 1 and "--output" in no_file.output
    assert (
        "没有学院「nope」" in run("university", "sample", university, "nope", "--term", TERM).output
    )
    broken = tmp_path / "broken"
    broken.mkdir()
    (broken / "university.toml").write_text("[university\n", encoding="utf-8")
    assert "无法解析" in run("university", "list", broken).output
    assert not list(tmp_path.glob("yujing-error-*"))
    assert os.environ.get("YUJING_WORKSPACE") is None
