from __future__ import annotations

from pathlib import Path

import pytest

from yujing.model import Term
from yujing.workspace import Workspace

SAMPLES = Path(__file__).parent / "samples"
PREV_GBK = SAMPLES / "anshan_class_grades_2023-2024-2_gbk.csv"
THIS_BOM = SAMPLES / "anshan_class_grades_2024-2025-1_zhengfang_bom.csv"
ROSTER_XLSX = SAMPLES / "anshan_class_roster.xlsx"
BAD_ROWS = SAMPLES / "grades_with_bad_rows.csv"
PREV_TERM = Term.parse("2023-2024-2")
TERM = Term.parse("2024-2025-1")


@pytest.fixture
def samples() -> Path:
    return SAMPLES


@pytest.fixture
def anshan_ws(tmp_path: Path) -> Workspace:
    """A workspace with the anshan sample class imported (roster, two terms of grades)."""
    ws = Workspace.init(tmp_path / "ws", policy="anshan", school="鞍山师范学院")
    ws.import_file("roster", ROSTER_XLSX)
    ws.import_file("grades", PREV_GBK)
    ws.import_file("grades", THIS_BOM)
    yield ws
    ws.close()
