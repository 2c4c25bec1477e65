"""The package's structure: the interfaces go through the front door, and the installed
package holds the runtime only (development tools live in tools/)."""

from __future__ import annotations

import ast
from pathlib import Path

YUJING = Path(__file__).resolve().parents[1] / "yujing"
FRONT_DOOR = {
    "yujing.workspace",
    "yujing.university",
    "yujing.institutions",
    "yujing.errors",
    "yujing.model",
}
"""What an interface may import: the workspace (every stage of a term), the university folder
(its colleges' workspaces, the roll-up), the packs (no workspace needed), the exception tree
and the plain values (a term)."""


def yujing_imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("yujing"):
            found.add(node.module)
        elif isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.startswith("yujing"))
    return found


def test_the_cli_imports_only_the_front_door() -> None:
    for path in sorted((YUJING / "cli").glob("*.py")):
        stray = {
            m
            for m in yujing_imports(path)
            if m not in FRONT_DOOR and not m.startswith(("yujing.web", "yujing.cli"))
        }
        assert not stray, f"{path.name} imports {sorted(stray)}: go through yujing.workspace"


def test_development_tools_are_not_in_the_package() -> None:
    for path in YUJING.rglob("*.py"):
        assert "tools" not in yujing_imports(path) and not any(
            m.startswith("tools.") for m in yujing_imports(path)
        ), path
    assert not (YUJING / "synthetic.py").exists()
    assert not (YUJING / "templates").exists(), "template builders belong in tools/templates/"


def test_pipeline_stages_are_subpackages() -> None:
    stages = ("imports", "engine", "warnlist", "generator", "archive", "checker", "reports")
    missing = [s for s in stages if not (YUJING / s / "__init__.py").is_file()]
    assert not missing, missing


def test_the_stages_see_the_workspace_only_as_a_view() -> None:
    """Below the front door a stage is handed the workspace as a ``yujing.stage.WorkspaceView``
    (what it may read) and never imports ``yujing.workspace``; the job runner, which runs the
    front door's own methods for the console, is the one exception. The university folder
    (``yujing/university/``) sits above the front door: it opens its colleges' workspaces."""
    for path in sorted(YUJING.rglob("*.py")):
        rel = path.relative_to(YUJING)
        if rel.parts[0] in ("cli", "web", "university") or rel.name in ("workspace.py", "jobs.py"):
            continue
        assert "yujing.workspace" not in yujing_imports(path), f"{rel} imports yujing.workspace"
