from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sysparts import SkipSummary

from yujing.model import Term
from yujing.workspace import Workspace

SAMPLES = Path(__file__).parent / "samples"
PREV_GBK = SAMPLES / "anshan_class_grades_2023-2024-2_gbk.csv"
THIS_BOM = SAMPLES / "anshan_class_grades_2024-2025-1_zhengfang_bom.csv"
ROSTER_XLSX = SAMPLES / "anshan_class_roster.xlsx"
BAD_ROWS = SAMPLES / "grades_with_bad_rows.csv"
PREV_TERM = Term.parse("2023-2024-2")
TERM = Term.parse("2024-2025-1")


def pytest_configure(config: pytest.Config) -> None:
    """The skip summary (tests/sysparts.py): at the end of the run, which tests were skipped
    for which missing system part; the run fails for such skips unless YUJING_ALLOW_SKIPS=1."""
    config.pluginmanager.register(SkipSummary(), "yujing-skip-summary")


@pytest.fixture
def samples() -> Path:
    return SAMPLES


def sample_workspace(
    root: Path, *, policy: str = "anshan", school: str = "鞍山师范学院", freeze: bool = False
) -> Workspace:
    """A workspace with the sample class imported (roster, two terms of grades); with
    ``freeze`` the list of TERM is assessed and frozen, ready to issue."""
    ws = Workspace.init(root, pack=policy, school=school)
    ws.import_file("roster", ROSTER_XLSX)
    ws.import_file("grades", PREV_GBK)
    ws.import_file("grades", THIS_BOM)
    if freeze:
        ws.assess(TERM)
        ws.freeze(TERM)
    return ws


@pytest.fixture
def anshan_ws(tmp_path: Path) -> Iterator[Workspace]:
    """A workspace with the anshan sample class imported (roster, two terms of grades)."""
    ws = sample_workspace(tmp_path / "ws")
    yield ws
    ws.close()
