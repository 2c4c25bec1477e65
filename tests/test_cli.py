"""Every CLI command through click's runner, including its error exits."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import BAD_ROWS, PREV_GBK, ROSTER_XLSX, THIS_BOM

from yujing.cli.main import cli


def run(*args: str | Path, cwd: Path | None = None) -> Result:
    """Invoke the CLI as a user would (in ``cwd`` if given); exceptions are not swallowed, so a
    traceback fails the test."""
    argv = [str(a) for a in args]
    old = Path.cwd()
    if cwd is not None:
        os.chdir(cwd)
    try:
        return CliRunner().invoke(cli, argv, catch_exceptions=False)
    finally:
        os.chdir(old)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    result = run("init", root, "--policy", "anshan", "--school", "鞍山师范学院")
    assert result.exit_code == 0, result.output
    return root


def test_init_then_import_assess_show_objection_freeze(ws: Path) -> None:
    r = run("-w", ws, "import", "roster", ROSTER_XLSX)
    assert r.exit_code == 0 and "新增 8" in r.output
    r = run("-w", ws, "import", "grades", PREV_GBK, THIS_BOM)
    assert r.exit_code == 0, r.output
    assert "gb18030" in r.output and "utf-8-sig" in r.output
    r = run("-w", ws, "import", "grades", THIS_BOM)
    assert "新增 0，更新 0" in r.output

    r = run("-w", ws, "assess", "--term", "2024-2025-1")
    assert r.exit_code == 0, r.output
    assert "预警 5 人" in r.output
    assert "机械2302" in r.output  # counts per class
    assert "降级 1" in r.output and "解除 1" in r.output
    assert (ws / "lists" / "2024-2025-1 学业预警名单.xlsx").exists()

    r = run("-w", ws, "list", "show", "--term", "2024-2025-1", "--all")
    assert r.exit_code == 0 and "2023010104" in r.output

    r = run(
        "-w",
        ws,
        "list",
        "objection",
        "2023010104",
        "--term",
        "2024-2025-1",
        "--reason",
        "旷考录入错误",
        "--outcome",
        "corrected",
        "--level",
        "橙色预警",
    )
    assert r.exit_code == 0 and "更正为橙色预警" in r.output

    r = run("-w", ws, "list", "freeze", "--term", "2024-2025-1")
    assert r.exit_code == 0 and "已冻结：5 人" in r.output

    r = run("-w", ws, "assess", "--term", "2024-2025-1")
    assert r.exit_code == 1 and "冻结" in r.output and "Traceback" not in r.output


def test_workspace_found_from_current_folder(ws: Path) -> None:
    r = run("import", "roster", ROSTER_XLSX, cwd=ws / "archive")
    assert r.exit_code == 0, r.output


def test_error_exits(tmp_path: Path, ws: Path) -> None:
    r = run("import", "roster", ROSTER_XLSX, cwd=tmp_path)
    assert r.exit_code == 1 and "不在 yujing 工作区内" in r.output

    r = run("-w", ws, "import", "grades", BAD_ROWS)
    assert r.exit_code == 1
    assert "第 3 行，列「考试性质」，值「期中」" in r.output and "--skip-bad-rows" in r.output
    r = run("-w", ws, "import", "grades", BAD_ROWS, "--skip-bad-rows")
    assert r.exit_code == 0 and "跳过 5 行" in r.output

    r = run("-w", ws, "import", "grades", tmp_path / "missing.csv")
    assert r.exit_code == 1 and "找不到文件" in r.output

    r = run("-w", ws, "assess", "--term", "2024-2025")
    assert r.exit_code == 2 and "2024-2025-1" in r.output

    r = run("-w", ws, "list", "freeze", "--term", "2030-2031-1")
    assert r.exit_code == 1 and "还没有名单" in r.output

    r = run(
        "-w",
        ws,
        "list",
        "objection",
        "2023010101",
        "--term",
        "2024-2025-1",
        "--reason",
        "x",
        "--outcome",
        "upheld",
    )
    assert r.exit_code == 1 and "还没有名单" in r.output

    r = run("init", ws, "--policy", "anshan", "--school", "x")
    assert r.exit_code == 1 and "已是 yujing 工作区" in r.output


def test_file_only_assess_writes_bom_csv(tmp_path: Path) -> None:
    out = tmp_path / "list.csv"
    r = run(
        "assess",
        "--policy",
        "anshan",
        "--term",
        "2024-2025-1",
        "--grades",
        PREV_GBK,
        "--grades",
        THIS_BOM,
        "--roster",
        ROSTER_XLSX,
        "--output",
        out,
    )
    assert r.exit_code == 0, r.output
    assert out.read_bytes().startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    got = {row["学号"]: (row["预警等级"], row["较上学期"]) for row in rows}
    assert got == {
        "2023010101": ("橙色预警", "新增"),
        "2023010103": ("黄色预警", "降级"),
        "2023010104": ("红色预警", "新增"),
        "2023010107": ("黄色预警", "持续"),
        "2023010108": ("橙色预警", "升级"),
    }
    assert all(row["预警原因"] for row in rows)


def test_file_only_assess_xlsx_and_errors(tmp_path: Path) -> None:
    out = tmp_path / "list.xlsx"
    r = run(
        "assess",
        "--policy",
        "anshan",
        "--term",
        "2024-2025-1",
        "--grades",
        THIS_BOM,
        "--roster",
        ROSTER_XLSX,
        "-o",
        out,
    )
    assert r.exit_code == 0 and out.exists()

    r = run("assess", "--policy", "anshan", "--term", "2024-2025-1", "--grades", THIS_BOM)
    assert r.exit_code == 2 and "--roster" in r.output and "--output" in r.output

    r = run(
        "assess",
        "--policy",
        "xinglin",
        "--term",
        "2024-2025-1",
        "--grades",
        THIS_BOM,
        "--roster",
        ROSTER_XLSX,
        "-o",
        out,
    )
    assert r.exit_code == 1 and "--plan" in r.output

    r = run(
        "assess",
        "--policy",
        "anshan",
        "--term",
        "2024-2025-1",
        "--grades",
        THIS_BOM,
        "--roster",
        ROSTER_XLSX,
        "-o",
        tmp_path / "list.pdf",
    )
    assert r.exit_code == 1 and ".csv 或 .xlsx" in r.output

    r = run("assess", "--term", "2024-2025-1", "--grades", THIS_BOM, cwd=tmp_path)
    assert r.exit_code == 2 and "--policy" in r.output


def test_policy_list_and_check(tmp_path: Path) -> None:
    r = run("policy", "list")
    assert r.exit_code == 0
    for name in ("anshan", "lanzhou-life", "xinglin", "beihai", "njmec-mech"):
        assert name in r.output
    r = run("policy", "check", "lanzhou-life")
    assert r.exit_code == 0 and "书面警示" in r.output and "警示期" in r.output

    bad = tmp_path / "bad.toml"
    bad.write_text(
        '[policy]\nname = "x"\nschool = "y"\n[[levels]]\nname = "红色预警"\n'
        'criteria = [ { metric = "gpa", op = "=>", value = 2 } ]\n',
        encoding="utf-8",
    )
    r = run("policy", "check", bad)
    assert r.exit_code == 1 and "levels[0].criteria[0].op" in r.output

    bad.write_text('[policy]\nname = "x"\nschool = "y"\nthreshold = 3\n', encoding="utf-8")
    r = run("policy", "check", bad)
    assert r.exit_code == 1 and "policy.threshold" in r.output


def test_levels_import_needs_a_term(tmp_path: Path) -> None:
    root = tmp_path / "nj"
    assert run("init", root, "--policy", "njmec-mech", "--school", "南京机电").exit_code == 0
    levels = tmp_path / "levels.csv"
    levels.write_text(
        "学号,姓名,预警等级\n001,张三,红色预警\n002,李四,紫色预警\n", encoding="utf-8-sig"
    )
    r = run("-w", root, "import", "levels", levels)
    assert r.exit_code == 1 and "--term" in r.output and "紫色预警" in r.output
    r = run("-w", root, "import", "levels", levels, "--term", "2024-2025-1", "--skip-bad-rows")
    assert r.exit_code == 0 and "新增 1" in r.output
    r = run("-w", root, "assess", "--term", "2024-2025-1")
    assert r.exit_code == 0 and "预警 1 人" in r.output


def test_issue_reprint_void_through_the_cli(ws: Path) -> None:
    run("-w", ws, "import", "roster", ROSTER_XLSX)
    run("-w", ws, "import", "grades", PREV_GBK, THIS_BOM)
    run("-w", ws, "assess", "--term", "2024-2025-1")
    r = run("-w", ws, "issue", "--term", "2024-2025-1")
    assert r.exit_code == 1 and "尚未冻结" in r.output
    run("-w", ws, "list", "freeze", "--term", "2024-2025-1")
    r = run("-w", ws, "issue", "--term", "2024-2025-1", "--level", "红色预警")
    assert r.exit_code == 0, r.output
    assert "批次 2024-2025-1-001：1 人" in r.output
    assert ("打印文件" in r.output) or ("apt-get install" in r.output)
    r = run("-w", ws, "issue", "--term", "2024-2025-1", "--level", "红色预警")
    assert r.exit_code == 0 and "都已发放编号" in r.output
    r = run("-w", ws, "issue", "--term", "2024-2025-1", "--class", "火星2401")
    assert r.exit_code == 1 and "没有班级" in r.output
    r = run("-w", ws, "void", "1", "--reason", "通知书遗失")
    assert r.exit_code == 0 and "已作废 第 000001 号" in r.output
    r = run("-w", ws, "void", "1", "--reason", "again")
    assert r.exit_code == 1 and "已于" in r.output
    r = run("-w", ws, "reprint", "1")
    assert r.exit_code == 1 and "已作废" in r.output
    r = run("-w", ws, "reprint", "77")
    assert r.exit_code == 1 and "没有编号 000077" in r.output
    r = run("-w", ws, "issue", "--term", "2024-2025-1", "--level", "红色预警")
    assert r.exit_code == 0 and "批次 2024-2025-1-002：1 人" in r.output


def test_report_through_the_cli(ws: Path) -> None:
    run("-w", ws, "import", "roster", ROSTER_XLSX)
    run("-w", ws, "import", "grades", PREV_GBK, THIS_BOM)
    r = run("-w", ws, "report", "--term", "2024-2025-1")
    assert r.exit_code == 1 and "还没有名单" in r.output
    run("-w", ws, "assess", "--term", "2023-2024-2")
    run("-w", ws, "list", "freeze", "--term", "2023-2024-2")
    run("-w", ws, "assess", "--term", "2024-2025-1")
    r = run("-w", ws, "report", "--term", "2024-2025-1")
    assert r.exit_code == 0, r.output
    assert "转化（降级或解除）2 人" in r.output
    assert len(list((ws / "reports").glob("2024-2025-1 *.docx"))) == 3


def test_backup_and_restore_through_the_cli(ws: Path, tmp_path: Path) -> None:
    run("-w", ws, "import", "roster", ROSTER_XLSX)
    r = run("-w", ws, "backup", tmp_path / "bk")
    assert r.exit_code == 0 and "secret.key" in r.output, r.output
    assert (tmp_path / "bk" / "secret.key").read_bytes() == (ws / "secret.key").read_bytes()
    r = run("-w", ws, "backup", tmp_path / "bk")
    assert r.exit_code == 1 and "不是空的" in r.output
    r = run("-w", ws, "backup", ws / "inside")
    assert r.exit_code == 1 and "不能在工作区" in r.output
    r = run("restore", tmp_path / "bk", tmp_path / "back")
    assert r.exit_code == 0 and "已恢复工作区" in r.output, r.output
    r = run("-w", tmp_path / "back", "import", "grades", PREV_GBK)
    assert r.exit_code == 0, r.output
    r = run("restore", ws, tmp_path / "other")
    assert r.exit_code == 1 and "不是 yujing 备份" in r.output
    r = run("restore", tmp_path / "bk", tmp_path / "back")
    assert r.exit_code == 1 and "不是空的" in r.output
    (ws / "secret.key").unlink()
    r = run("-w", ws, "backup", tmp_path / "bk2")
    assert r.exit_code == 1 and "secret.key" in r.output


def test_audit_csv_and_import_changes_in_chinese(ws: Path, tmp_path: Path) -> None:
    run("-w", ws, "import", "roster", ROSTER_XLSX)
    changed = tmp_path / "roster.csv"
    with open(changed, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["学号", "姓名", "性别", "学院", "专业", "年级", "班级"])
        writer.writerow(["2023010101", "=陈明", "男", "机械工程学院", "机械设计制造及其自动化",
                         "2023", "机械2301"])
    r = run("-w", ws, "import", "roster", changed)
    assert r.exit_code == 0 and "2023010101：姓名「陈明」→「=陈明」" in r.output, r.output


def test_init_records_the_return_address_and_phone(tmp_path: Path) -> None:
    """--address and --phone go into yujing.toml; the forms print them (school_address,
    school_phone) where parents send a receipt back; without them they are empty."""
    from yujing.workspace import Workspace

    root = tmp_path / "ws"
    r = run(
        "init", root, "--policy", "lanzhou-life", "--school", "生命科学与工程学院",
        "--address", "兰州市七里河区兰工坪路287号 生命科学与工程学院（730050）",
        "--phone", "0931-2976000",
    )  # fmt: skip
    assert r.exit_code == 0, r.output
    ws = Workspace(root)
    assert ws.school_address == "兰州市七里河区兰工坪路287号 生命科学与工程学院（730050）"
    assert ws.school_phone == "0931-2976000"
    ws.close()
    plain = tmp_path / "plain"
    assert run("init", plain, "--policy", "anshan", "--school", "x").exit_code == 0
    ws = Workspace(plain)
    assert ws.school_address == "" and ws.school_phone == ""
    ws.close()


def test_pack_sample_with_long_data(tmp_path: Path) -> None:
    """pack sample --long fills the form with the long values the layout test prints."""
    from docx import Document

    out = tmp_path / "list.docx"
    r = run("pack", "sample", "xinglin", "list", "--long", "-o", out)
    assert r.exit_code == 0, r.output
    doc = Document(str(out))
    text = "".join(c.text for t in doc.tables for row in t.rows for c in row.cells)
    assert text.count("欧阳木兰花") == 4 and "机械设计制造及其自动化" in text
    short = tmp_path / "short.docx"
    assert run("pack", "sample", "xinglin", "list", "-o", short).exit_code == 0
    assert "欧阳木兰花" not in "".join(
        c.text for t in Document(str(short)).tables for row in t.rows for c in row.cells
    )
    r = run("pack", "sample", "xinglin", "nothere", "-o", out)
    assert r.exit_code != 0 and "没有表单「nothere」" in r.output
