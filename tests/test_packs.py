"""Institution packs (院校包): discovery, `pack new`, `pack check`, and a school's own pack
carried through the whole term — init → import → assess → freeze → issue → scan → audit."""

from __future__ import annotations

import ast
import io
import re
import zipfile
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner, Result
from conftest import PREV_GBK, ROSTER_XLSX, THIS_BOM
from sysparts import requires_soffice

from yujing.cli.main import cli
from yujing.errors import PackError
from yujing.institutions import (
    PACKS_DIR,
    builtin_names,
    builtin_packs,
    check_pack,
    find_pack,
    new_pack,
)

YUJING = Path(__file__).resolve().parents[1] / "yujing"
MY_SCHOOL = "示范理工大学机电学院"
MY_RULES = "《示范理工大学学生学业预警与帮扶办法》"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], catch_exceptions=False)


def replace_in_docx(path: Path, old: str, new: str) -> None:
    """Change a template's wording as a person would in Word: the text of one run."""
    with zipfile.ZipFile(path) as z:
        members = {i.filename: z.read(i.filename) for i in z.infolist()}
    xml = members["word/document.xml"].decode("utf-8")
    assert old in xml, old
    members["word/document.xml"] = xml.replace(old, new).encode("utf-8")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for name, data in members.items():
            z.writestr(name, data)
    path.write_bytes(out.getvalue())


# --------------------------------------------------------------------------- discovery


def test_packs_are_discovered_from_the_folder() -> None:
    folders = sorted(p.parent.name for p in PACKS_DIR.glob("*/policy.toml"))
    assert list(builtin_names()) == folders and len(folders) >= 5
    for pack in builtin_packs():
        assert pack.forms, pack.name
        assert (pack.root / "README.md").is_file()
        assert check_pack(pack.name).ok, [str(p) for p in check_pack(pack.name).problems]


def _code_words(path: Path) -> set[str]:
    """Identifiers and string constants of a module, docstrings left out (they cite sources)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    docstrings: set[int] = set()  # any bare string statement: a docstring or an attribute's
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            docstrings.add(id(node.value))
    words: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if id(node) not in docstrings:
                words.add(node.value)
        elif isinstance(node, ast.Name):
            words.add(node.id)
        elif isinstance(node, ast.Attribute):
            words.add(node.attr)
    return words


def test_no_builtin_pack_or_school_name_in_python_code() -> None:
    """What differs by institution is data in its pack folder, never a name in code."""
    names = set(builtin_names()) | {n.replace("-", "_") for n in builtin_names()}
    schools = {p.policy.school for p in builtin_packs()}
    found = []
    for path in sorted(YUJING.rglob("*.py")):
        for word in _code_words(path):
            for name in names:
                if re.search(rf"(?<![a-z]){re.escape(name)}(?![a-z])", word):
                    found.append(f"{path.relative_to(YUJING)}: {name!r} in {word[:60]!r}")
            for school in schools:
                if school in word:
                    found.append(f"{path.relative_to(YUJING)}: {school!r}")
    assert not found, "\n".join(found)


# --------------------------------------------------------------------------- pack new / check


def test_pack_new_copies_renames_and_checks(tmp_path: Path) -> None:
    result = run("pack", "new", tmp_path / "myschool", "--from", "anshan", "--school", MY_SCHOOL)
    assert result.exit_code == 0, result.output
    pack = find_pack(tmp_path / "myschool")
    assert pack.policy.name == "myschool" and pack.policy.school == MY_SCHOOL
    assert pack.forms[0].policy == "myschool"
    # the new school's own rules title, never the source school's
    assert pack.policy.rules == f"《{MY_SCHOOL}学生学业预警办法》"
    assert "鞍山" not in pack.policy.rules and pack.policy.rules in result.output
    assert sorted(p.name for p in pack.templates_dir.glob("*.docx")) == sorted(
        p.name for p in find_pack("anshan").templates_dir.glob("*.docx")
    )
    assert "# " in pack.policy_path.read_text(encoding="utf-8")  # comments kept
    result = run("pack", "check", tmp_path / "myschool")
    assert result.exit_code == 0 and "有效" in result.output, result.output
    again = run("pack", "new", tmp_path / "myschool", "--from", "anshan")
    assert again.exit_code == 1 and "已存在" in again.output
    assert not list(tmp_path.glob(".*partial"))


def test_pack_new_takes_the_rules_title_and_sample_prints_the_pack_school(tmp_path: Path) -> None:
    title = "《示范大学本科生学业预警实施细则》"
    result = run(
        "pack", "new", tmp_path / "mine", "--from", "anshan", "--school", MY_SCHOOL,
        "--rules", title,
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert find_pack(tmp_path / "mine").policy.rules == title
    out = tmp_path / "sample.docx"
    result = run("pack", "sample", tmp_path / "mine", "notice", "-o", out)
    assert result.exit_code == 0, result.output
    text = "\n".join(p.text for p in docx.Document(str(out)).paragraphs) + "\n".join(
        c.text for t in docx.Document(str(out)).tables for r in t.rows for c in r.cells
    )
    assert MY_SCHOOL in text and "示例学院" not in text


def test_pack_new_refuses_a_bad_name_and_an_unknown_source(tmp_path: Path) -> None:
    with pytest.raises(PackError, match="名称「My School」无效"):
        new_pack(tmp_path / "x", source="anshan", name="My School")
    result = run("pack", "new", tmp_path / "y", "--from", "nowhere")
    assert result.exit_code == 1 and "找不到院校包" in result.output
    assert "Traceback" not in result.output and not (tmp_path / "y").exists()


@pytest.mark.parametrize(
    ("where", "old", "new", "expect"),
    [
        ("policy.toml", 'op = ">="', 'op = "≥"', "policy.toml"),
        ("forms.toml", 'code = "N1"', 'code = "N2"', "「N2」重复"),
        ("forms.toml", 'levels = ["红色预警"]', 'levels = ["紫色预警"]', "紫色预警"),
        ("forms.toml", 'template = "notice.docx"', 'template = "通知.docx"', "通知.docx 不存在"),
    ],
)
def test_pack_check_names_file_and_key(
    tmp_path: Path, where: str, old: str, new: str, expect: str
) -> None:
    new_pack(tmp_path / "mine", source="anshan")
    path = tmp_path / "mine" / where
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    result = run("pack", "check", tmp_path / "mine")
    assert result.exit_code == 1, result.output
    assert where in result.output and expect in result.output, result.output
    assert "Traceback" not in result.output


def test_pack_check_finds_a_template_tag_typed_full_width_and_an_unknown_name(
    tmp_path: Path,
) -> None:
    pack = new_pack(tmp_path / "mine", source="anshan")
    notice = pack.templates_dir / "notice.docx"
    replace_in_docx(notice, "{{ student.name }}", "｛｛ student.name ｝｝")
    interview = pack.templates_dir / "interview.docx"
    replace_in_docx(interview, "{{ student.student_id }}", "{{ student.wechat }}")
    result = check_pack(tmp_path / "mine")
    messages = [str(p) for p in result.problems]
    assert any("notice.docx" in m and "全角" in m for m in messages), messages
    assert any("interview.docx" in m and "student.wechat" in m for m in messages), messages


def test_pack_check_finds_a_requirement_naming_no_part(tmp_path: Path) -> None:
    pack = new_pack(tmp_path / "mine", source="anshan")
    text = pack.policy_path.read_text(encoding="utf-8")
    code = re.search(r'parts = \["([A-Z][0-9])"', text)
    assert code is not None
    pack.policy_path.write_text(text.replace(code.group(0), 'parts = ["Z9"', 1), encoding="utf-8")
    messages = [str(p) for p in check_pack(pack.root).problems]
    assert any("requirements[" in m and "Z9" in m for m in messages), messages


# --------------------------------------------------------------------------- a whole term


@requires_soffice
def test_own_pack_through_the_whole_term(tmp_path: Path) -> None:
    """Copy anshan as a new school, change two thresholds and a form's wording, then run the
    term with it: every printed page carries the --school name, the new wording is printed,
    the returns scan back into the folders and the audit runs."""
    from pypdf import PdfReader

    assert run("pack", "new", tmp_path / "shifan", "--from", "anshan").exit_code == 0
    policy = tmp_path / "shifan" / "policy.toml"
    text = policy.read_text(encoding="utf-8")
    # Red from 25 % of the term's credits failed down to 20 %; orange GPA bar raised.
    assert 'metric = "term_failed_credit_percent", op = ">=", value = 25' in text
    text = text.replace(
        'metric = "term_failed_credit_percent", op = ">=", value = 25',
        'metric = "term_failed_credit_percent", op = ">=", value = 20',
    )
    policy.write_text(text, encoding="utf-8")
    replace_in_docx(
        tmp_path / "shifan" / "templates" / "notice.docx", "可能产生的后果", "可能导致的后果"
    )
    assert run("pack", "check", tmp_path / "shifan").exit_code == 0

    ws = tmp_path / "ws"
    result = run(
        "init", ws, "--pack", tmp_path / "shifan", "--school", MY_SCHOOL, "--rules", MY_RULES
    )
    assert result.exit_code == 0, result.output
    for kind, path in (("roster", ROSTER_XLSX), ("grades", PREV_GBK), ("grades", THIS_BOM)):
        assert run("-w", ws, "import", kind, path).exit_code == 0
    assert run("-w", ws, "assess", "--term", "2024-2025-1").exit_code == 0
    assert run("-w", ws, "list", "freeze", "--term", "2024-2025-1").exit_code == 0
    result = run("-w", ws, "issue", "--term", "2024-2025-1")
    assert result.exit_code == 0, result.output
    (pdf,) = ws.glob("batches/*/print.pdf")
    pages = [page.extract_text() or "" for page in PdfReader(pdf).pages]
    assert pages
    squashed = [re.sub(r"\s+", "", p) for p in pages]
    missing = [i + 1 for i, p in enumerate(squashed) if MY_SCHOOL not in p]
    assert not missing, f"pages without the school name: {missing}"
    assert not any("鞍山师范学院" in p for p in squashed)
    assert any(MY_RULES in p for p in squashed)
    assert any("可能导致的后果" in p for p in squashed)
    # the workbooks too: the list's title and the batch's list carry the workspace's name
    from openpyxl import load_workbook

    (list_xlsx,) = ws.glob("lists/*.xlsx")
    assert load_workbook(list_xlsx)["预警名单"]["A1"].value.startswith(MY_SCHOOL)
    workbooks = [*ws.glob("lists/*.xlsx"), *ws.glob("batches/*/*.xlsx")]
    assert len(workbooks) >= 2
    for book in workbooks:
        cells = [
            str(c.value)
            for sheet in load_workbook(book).worksheets
            for row in sheet.iter_rows()
            for c in row
            if c.value is not None
        ]
        assert not any("鞍山师范学院" in c for c in cells), book.name
    basis = load_workbook(list_xlsx)["预警名单"]["A2"].value
    assert f"依据：{MY_RULES}" in basis, basis  # the workspace's own rules, not anshan's

    result = run("-w", ws, "scan", pdf)
    assert result.exit_code == 0, result.output
    assert "已归档" in result.output and "Traceback" not in result.output
    filed = [p for p in (ws / "archive").rglob("*.pdf") if "回收" in p.name]
    assert filed
    result = run("-w", ws, "audit", "--term", "2024-2025-1")
    assert result.exit_code in (0, 1), result.output
    assert MY_SCHOOL in result.output
