"""Fault injection (故障注入): ``kill -9`` at 20 points of ``issue``, ``scan`` and ``import``
each, then the same command again: the registry passes SQLite's integrity check and its seals,
the archive manifest equals an uninterrupted run's, no serial is given twice, no page is lost
or doubled. And two and four scans of overlapping files at once end as one scan does.

The kill is the process killing itself at its Nth checkpoint (``YUJING_FAULT_AT=N``, see
:mod:`yujing.faults`: before and after every registry commit, every file renamed into place,
every chunk of a bulk import) with ``os._exit(137)``, which is what ``kill -9`` leaves: no
``finally``, no flush, no lock released but by the operating system. The uninterrupted run is
counted first (``YUJING_FAULT_LOG``) and 20 kill points are spread over its checkpoints.
LibreOffice is slow, so ``issue`` is killed in a copy of one frozen workspace each time and
the scans reuse the batch issued once for the session.
"""

from __future__ import annotations

import csv
import sqlite3
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from conftest import PREV_GBK, ROSTER_XLSX, TERM, THIS_BOM
from integritylib import Issued, copy_ws, end_state, issued_fixture, run_cli  # noqa: F401

from yujing.workspace import Workspace

KILLS = 20
KILLED = 137


def checkpoints(log: Path) -> list[str]:
    return [line.split(" ", 1)[1] for line in log.read_text(encoding="utf-8").splitlines()]


def kill_points(total: int, n: int = KILLS) -> list[int]:
    """``n`` checkpoints spread over 1..total, first and last included."""
    assert total >= n, f"only {total} checkpoints"
    return sorted({1 + round(i * (total - 1) / (n - 1)) for i in range(n)})


def run_killed_then_again(
    make: Path, base: Path, args: list[str], points: list[int], tmp: Path
) -> list[tuple[int, Path]]:
    """For each kill point: a copy of ``base``, the command killed there, then run again."""

    def one(n: int) -> tuple[int, Path]:
        root = copy_ws(base, tmp / f"k{n:03d}")
        full = [a.replace("{ws}", str(root)) for a in args]
        killed = run_cli(*full, env={"YUJING_FAULT_AT": str(n)})
        assert killed.returncode == KILLED, (n, killed.returncode, killed.stderr[-800:])
        again = run_cli(*full)
        assert again.returncode == 0, (n, again.stdout[-800:], again.stderr[-800:])
        return n, root

    with ThreadPoolExecutor(max_workers=2) as pool:
        return list(pool.map(one, points))


def reference(base: Path, args: list[str], tmp: Path) -> tuple[Path, list[str]]:
    root = copy_ws(base, tmp / "reference")
    log = tmp / "reference.log"
    done = run_cli(
        *[a.replace("{ws}", str(root)) for a in args], env={"YUJING_FAULT_LOG": str(log)}
    )
    assert done.returncode == 0, done.stderr[-2000:]
    return root, checkpoints(log)


def test_issue_killed_at_20_points_then_run_again(issued: Issued, tmp_path: Path) -> None:
    args = ["--workspace", "{ws}", "issue", "--term", str(TERM)]
    ref_root, names = reference(issued.frozen, args, tmp_path)
    ref = end_state(ref_root)
    assert ref["seals"] == () and ref["integrity_check"] == "ok" and ref["manifest"]
    students = {s for s, _, _ in ref["serials"]}  # type: ignore[union-attr]
    points = kill_points(len(names))
    for n, root in run_killed_then_again(Path(), issued.frozen, args, points, tmp_path):
        state = end_state(root)
        assert state == ref, (n, names[n - 1])
        serials = [serial for _, serial, _ in state["serials"]]  # type: ignore[union-attr]
        assert len(serials) == len(set(serials)) == len(students), n  # no serial twice


def test_scan_killed_at_20_points_then_run_again(issued: Issued, tmp_path: Path) -> None:
    scans = [str(p) for p in issued.scans[:2]]
    args = ["--workspace", "{ws}", "scan", *scans]
    ref_root, names = reference(issued.root, args, tmp_path)
    ref = end_state(ref_root)
    pages = {(s, p) for s, p, _, _ in ref["pages"]}  # type: ignore[union-attr]
    assert ref["seals"] == () and ref["integrity_check"] == "ok" and len(pages) >= 10
    for n, root in run_killed_then_again(
        Path(), issued.root, args, kill_points(len(names)), tmp_path
    ):
        state = end_state(root)
        assert state == ref, (n, names[n - 1])
        # every page once: in one filed file or one review item, never both, never twice
        got = [(s, p) for s, p, _, _ in state["pages"]]  # type: ignore[union-attr]
        assert sorted(got) == sorted(pages), n


IMPORT = """
import sys
from pathlib import Path
from yujing.model import Term
from yujing.workspace import Workspace
ws = Workspace(Path(sys.argv[1]))
for kind, file in zip(sys.argv[2::2], sys.argv[3::2]):
    ws.import_file(kind, Path(file))
ws.close()
"""


def big_grades(path: Path, copies: int) -> Path:
    """The sample term's grades for ``copies`` made-up classes (≈ 52 rows each)."""
    with open(THIS_BOM, encoding="utf-8-sig", newline="") as fh:
        header, *rows = list(csv.reader(fh))
    with open(path, "w", encoding="utf-8-sig", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(header)
        for i in range(copies):
            for row in rows:
                writer.writerow([*row[:2], f"2099{i:04d}{row[2][-2:]}", *row[3:]])
    return path


def table(root: Path, name: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(root / "registry.sqlite")
    try:
        return sorted(conn.execute(f"select * from [{name}]").fetchall())
    finally:
        conn.close()


def test_import_killed_at_20_points_then_run_again(tmp_path: Path) -> None:
    base = tmp_path / "base"
    Workspace.init(base, pack="anshan", school="测试学院").close()
    grades = big_grades(tmp_path / "grades.csv", 400)
    files = ["roster", str(ROSTER_XLSX), "grades", str(PREV_GBK), "grades", str(THIS_BOM)]
    files += ["grades", str(grades)]

    def run(root: Path, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-c", IMPORT, str(root), *files],
            capture_output=True,
            text=True,
            env={**__import__("os").environ, **env},
        )

    ref_root = copy_ws(base, tmp_path / "reference")
    log = tmp_path / "reference.log"
    assert run(ref_root, {"YUJING_FAULT_LOG": str(log)}).returncode == 0
    names = checkpoints(log)
    ref = {t: table(ref_root, t) for t in ("students", "grades", "changes")}
    assert len(ref["grades"]) > 20_000

    def one(n: int) -> tuple[int, Path]:
        root = copy_ws(base, tmp_path / f"k{n:03d}")
        killed = run(root, {"YUJING_FAULT_AT": str(n)})
        assert killed.returncode == KILLED, (n, killed.stderr[-800:])
        again = run(root, {})
        assert again.returncode == 0, (n, again.stderr[-800:])
        return n, root

    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(one, kill_points(len(names))))
    for n, root in results:
        got = {t: table(root, t) for t in ("students", "grades", "changes")}
        assert got == ref, (n, names[n - 1])
        ws = Workspace(root)
        assert ws.registry.check_seals().problems == (), n
        ws.close()
        conn = sqlite3.connect(root / "registry.sqlite")
        assert conn.execute("pragma integrity_check").fetchone() == ("ok",)
        conn.close()


@pytest.mark.parametrize("processes", [2, 4])
def test_concurrent_scans_of_overlapping_files_end_as_one_scan(
    issued: Issued, tmp_path: Path, processes: int
) -> None:
    a, b, c = (str(p) for p in issued.scans)
    one_root = copy_ws(issued.root, tmp_path / "one")
    assert run_cli("--workspace", str(one_root), "scan", a, b, c).returncode == 0
    one = end_state(one_root)
    many_root = copy_ws(issued.root, tmp_path / "many")
    lists = [[a, b], [b, c], [c, a], [a, b, c]][:processes]
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                "-m",
                "yujing.cli.main",
                "--workspace",
                str(many_root),
                "scan",
                *files,
            ],
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for files in lists
    ]
    for proc in procs:
        _out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err[-800:]
    many = end_state(many_root)
    assert many == one
    assert len(many["manifest"]) == len(set(many["manifest"]))  # type: ignore[arg-type]
