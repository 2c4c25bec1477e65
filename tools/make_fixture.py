"""Build a small whole-term workspace with an earlier commit's own code, as a test fixture.

Usage: ``python tools/make_fixture.py COMMIT OUT.zip``

Checks the commit out into a temporary ``git worktree``, and runs THAT commit's CLI
(``python -m yujing.cli.main`` with ``PYTHONPATH`` at the temporary tree; the script first
checks the import really comes from there) on that commit's own test samples: init (its own
options: ``--pack`` or the older ``--policy``), import the sample class's roster and two terms of
grades, assess, one objection, freeze, issue a batch (LibreOffice), simulate the returns with
the commit's ``demo/simulate_returns.py`` and scan them, two typed records, and the console's
accounts where the commit has them. The returns are simulated at 100 dpi, and the workspace is zipped without the batch's
print files (``batches/*/*.pdf`` and the Word files, which nothing in the registry or the
archive points at), so the fixture stays small; ``fixture.json`` in the zip says how it was made.

The fixtures under ``tests/samples/fixtures/`` were made with this script (see the README
there); ``tests/test_fixtures.py`` opens them with today's code.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
TERM = "2024-2025-1"
SAMPLES = ("anshan_class_roster.xlsx",)
GRADES = (
    "anshan_class_grades_2023-2024-2_gbk.csv",
    "anshan_class_grades_2024-2025-1_zhengfang_bom.csv",
)
KEEP = ("2023010101", "2023010102", "2023010103")
"""The students whose grades are imported (two warned, one not): a handful keeps it small."""

SIMULATE = """
import importlib.util, sys
spec = importlib.util.spec_from_file_location("simulate_returns", "demo/simulate_returns.py")
module = importlib.util.module_from_spec(spec)
spec.loader.exec_module(module)
module.DPI = 100  # half the demo's resolution: a small fixture, and the codes still read
sys.exit(module.main(sys.argv[1:]))
"""
"""The commit's own demo/simulate_returns.py, at 100 dpi (as tests/integritylib.py scans)."""


def run(tree: Path, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(tree), "COLUMNS": "200", "YUJING_WORKERS": "1"}
    env.pop("YUJING_WORKSPACE", None)
    done = subprocess.run(
        [sys.executable, *args], cwd=tree, env=env, capture_output=True, text=True
    )
    if check and done.returncode != 0:
        raise SystemExit(f"failed: {' '.join(args)}\n{done.stdout}\n{done.stderr}")
    return done


def yujing(tree: Path, ws: Path, *args: str, check: bool = True) -> str:
    return run(tree, "-m", "yujing.cli.main", "-w", str(ws), *args, check=check).stdout


def build(commit: str, out: Path) -> None:
    with tempfile.TemporaryDirectory(prefix="yujing-fixture-") as tmp:
        tree, ws = Path(tmp) / "tree", Path(tmp) / "ws"
        subprocess.run(
            ["git", "-C", str(REPO), "worktree", "add", "--detach", str(tree), commit],
            check=True,
            capture_output=True,
        )
        try:
            where = run(tree, "-c", "import yujing; print(yujing.__file__)").stdout.strip()
            if not Path(where).resolve().is_relative_to(tree.resolve()):
                raise SystemExit(f"yujing imported from {where}, not from the checkout {tree}")
            made_with = _make_workspace(tree, ws)
            _zip(ws, out, {"commit": commit, "imported_from": where, **made_with})
        finally:
            subprocess.run(
                ["git", "-C", str(REPO), "worktree", "remove", "--force", str(tree)],
                check=False,
                capture_output=True,
            )


def _make_workspace(tree: Path, ws: Path) -> dict[str, object]:
    samples = tree / "tests" / "samples"
    init_help = run(tree, "-m", "yujing.cli.main", "init", "--help").stdout
    option = "--pack" if "--pack" in init_help else "--policy"
    run(tree, "-m", "yujing.cli.main", "init", str(ws), option, "anshan", "--school", "测试学院")
    for name in SAMPLES:
        yujing(tree, ws, "import", "roster", str(samples / name))
    for name in GRADES:
        yujing(tree, ws, "import", "grades", str(_handful(samples / name, ws.parent)))
    yujing(tree, ws, "assess", "--term", TERM)
    shown = yujing(tree, ws, "list", "show", "--term", TERM, "--all")
    students = [w for w in shown.split() if w.isdigit() and len(w) == 10]
    students = list(dict.fromkeys(students))
    yujing(
        tree, ws, "list", "objection", students[0], "--term", TERM, "--reason",
        "认为补考成绩未录入", "--outcome", "upheld", "--note", "经核实，补考成绩已录入",
    )  # fmt: skip
    yujing(tree, ws, "list", "freeze", "--term", TERM)
    yujing(tree, ws, "issue", "--term", TERM)
    (pdf,) = sorted(ws.glob("batches/*/print.pdf"))
    scans = ws / "scans"
    scans.mkdir()
    run(tree, "-c", SIMULATE, str(ws), str(pdf), str(scans / "扫描_第1批.pdf"))
    yujing(tree, ws, "scan", str(scans))
    for sid in students[:2]:
        yujing(
            tree, ws, "record", "interview", sid, "--who", "辅导员 马颖", "--how", "面谈",
            "--summary", "分析挂科原因，制定补考复习计划",
        )  # fmt: skip
    accounts = "user" in run(tree, "-m", "yujing.cli.main", "--help").stdout.split()
    if accounts:
        yujing(tree, ws, "user", "add", "教务员", "--role", "secretary", "--password", "fixture-1")
        yujing(
            tree, ws, "user", "add", "马颖", "--role", "counsellor", "--counsellor", "马颖",
            "--password", "fixture-2",
        )  # fmt: skip
    shutil.rmtree(scans)  # the scans are filed in archive/ (and their sources are recorded)
    return {"init_option": option, "students": students, "accounts": accounts}


def _handful(sample: Path, folder: Path) -> Path:
    """The sample grade file with only the rows of :data:`KEEP` (same encoding and BOM)."""
    raw = sample.read_bytes()
    bom = raw.startswith(b"\xef\xbb\xbf")
    try:
        text, encoding = raw.decode("utf-8-sig"), "utf-8-sig" if bom else "utf-8"
    except UnicodeDecodeError:
        text, encoding = raw.decode("gb18030"), "gb18030"
    lines = text.splitlines(keepends=True)
    kept = [lines[0], *(line for line in lines[1:] if any(k in line for k in KEEP))]
    out = folder / sample.name
    out.write_bytes("".join(kept).encode(encoding))
    return out


def _zip(ws: Path, out: Path, about: dict[str, object]) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as zf:
        for path in sorted(ws.rglob("*")):
            rel = path.relative_to(ws)
            if not path.is_file() or path.name.endswith(("-wal", "-shm", ".lock")):
                continue
            if rel.parts[0] == "batches" and path.suffix in (".pdf", ".docx"):
                continue  # the print files: large, and no registry row points at them
            zf.write(path, f"workspace/{rel.as_posix()}")
        zf.writestr("fixture.json", json.dumps(about, ensure_ascii=False, indent=1))


if __name__ == "__main__":
    if len(sys.argv) != 3:
        raise SystemExit(__doc__)
    build(sys.argv[1], Path(sys.argv[2]))
