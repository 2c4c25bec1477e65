"""Shared by the integrity, concurrency and fault-injection tests: one issued batch (rendered
with LibreOffice once per test session), its pages scanned into three PDFs, and helpers to
copy the workspace, run the CLI in a subprocess and describe a workspace's end state."""

from __future__ import annotations

import os
import shutil
import sqlite3
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest
import scanlib
from conftest import TERM, sample_workspace
from PIL import Image

from yujing.archive.intake import manifest_rows
from yujing.converter import find_converter
from yujing.generator.batch import issue
from yujing.workspace import Workspace

SCAN_DPI = 100


@dataclass(frozen=True)
class Issued:
    """A frozen sample workspace with one issued batch, and scans of its printed pages."""

    root: Path
    frozen: Path
    """The same workspace before ``issue`` (frozen list, nothing issued)."""
    scans: tuple[Path, ...]
    """print.pdf's pages at 100 dpi as three scan files of disjoint pages."""
    pages: int


@pytest.fixture(scope="session", name="issued")
def issued_fixture(tmp_path_factory: pytest.TempPathFactory) -> Issued:
    base = tmp_path_factory.mktemp("integrity")
    ws = sample_workspace(base / "ws", freeze=True)
    ws.close()
    frozen = base / "frozen"
    shutil.copytree(base / "ws", frozen)
    ws = Workspace(base / "ws")
    (batch,) = issue(ws, TERM, converter=find_converter())
    assert batch.pdf is not None
    ws.close()
    out = base / "pages"
    out.mkdir()
    subprocess.run(
        ["pdftoppm", "-r", str(SCAN_DPI), "-gray", "-png", str(batch.pdf), str(out / "p")],
        check=True,
    )
    images = [Image.open(p).convert("L") for p in sorted(out.glob("p-*.png"))]
    third = (len(images) + 2) // 3
    scans = tuple(
        scanlib.make_pdf(images[i : i + third], base / f"scan-{n}.pdf", dpi=SCAN_DPI)
        for n, i in enumerate(range(0, len(images), third), start=1)
    )
    return Issued(base / "ws", frozen, scans, len(images))


def copy_ws(source: Path, target: Path) -> Path:
    shutil.copytree(source, target, ignore=shutil.ignore_patterns(".yujing-writer.lock"))
    return target


def run_cli(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """``yujing ARGS`` in a new process (the fault hook and kill -9 need a real process)."""
    full_env = {**os.environ, "YUJING_WORKERS": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "yujing.cli.main", *args],
        capture_output=True,
        text=True,
        env=full_env,
        cwd=cwd,
        timeout=600,
    )


def end_state(root: Path) -> dict[str, object]:
    """What a run leaves, independent of timing: the archive manifest (file, student, serial,
    part, source pages), every scanned page's outcome once, serials, review items by page, and
    the registry's integrity (SQLite's check and the seals)."""
    ws = Workspace(root)
    try:
        registry = ws.registry
        manifest = sorted(
            (r["文件"], r["学号"], r["编号"], r["联别"], r["来源"], r["页码"])
            for r in manifest_rows(ws)
        )
        pages = sorted(
            (p["source_name"], p["page"], p["result"], p["file"]) for p in registry.scan_pages()
        )
        serials = sorted(
            (s.student_id, s.serial, s.status) for s in registry.serial_rows().values()
        )
        review = sorted(
            (r["source_name"], r["page"], r["reason"])
            for r in registry.review_items(include_blank=True)
        )
        seals = registry.check_seals().problems
    finally:
        ws.close()
    conn = sqlite3.connect(root / "registry.sqlite")
    try:
        (check,) = conn.execute("pragma integrity_check").fetchone()
    finally:
        conn.close()
    return {
        "manifest": manifest,
        "pages": pages,
        "serials": serials,
        "review": review,
        "seals": seals,
        "integrity_check": check,
    }
