"""The package's structure: the interfaces go through the front door, and the installed
package holds the runtime only (development tools live in tools/)."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
from pathlib import Path

YUJING = Path(__file__).resolve().parents[1] / "yujing"
FRONT_DOOR = {
    "yujing.workspace",
    "yujing.university",
    "yujing.institutions",
    "yujing.errors",
    "yujing.model",
    "yujing.roles",
}
"""What an interface may import: the workspace (every stage of a term), the university folder
(its colleges' workspaces, the roll-up), the packs (no workspace needed), the exception tree,
the plain values (a term) and the roles with their one rule (values the CLI's options list
without loading the workspace)."""


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
    stages = (
        "imports",
        "engine",
        "warnlist",
        "generator",
        "archive",
        "checker",
        "reports",
        "handover",
    )
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


HEAVY = ("cv2", "zxingcpp", "pypdfium2", "pypdf", "docx", "docxtpl", "yujing.converter")
"""What a command that reads no scan, writes no .docx and converts nothing must not load:
OpenCV (≈ 1 s), the QR reader, PDFium, pypdf, python-docx and LibreOffice's driver."""


def _loaded_after(code: str) -> set[str]:
    """The modules of HEAVY that ``code``, run in a fresh interpreter, leaves loaded."""
    probe = f"import sys\n{code}\nprint('LOADED:', *(m for m in {HEAVY!r} if m in sys.modules))\n"
    done = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, check=True, cwd=YUJING.parent
    )
    (last,) = [line for line in done.stdout.splitlines() if line.startswith("LOADED:")]
    return set(last.split()[1:])


def test_the_front_door_loads_no_scan_reader_pdf_or_word_library() -> None:
    assert _loaded_after("import yujing.workspace") == set()


def test_yujing_help_loads_neither_the_front_door_nor_rich() -> None:
    code = (
        "import runpy\n"
        "sys.argv = ['yujing', '--help']\n"
        "try:\n"
        "    runpy.run_module('yujing.cli.main', run_name='__main__')\n"
        "except SystemExit:\n"
        "    pass\n"
        "assert 'yujing.workspace' not in sys.modules, 'yujing --help imported the workspace'\n"
        "assert 'rich.console' not in sys.modules, 'yujing --help imported rich'\n"
        "assert 'cv2' not in sys.modules"
    )
    assert _loaded_after(code) == set()


def _package_imports() -> dict[str, dict[str, set[str]]]:
    """Which top-level part of yujing (a subpackage, or a module of yujing/) imports which other,
    with the importing modules: every import, also inside functions, except those that only
    serve the type checker (under ``if TYPE_CHECKING:``)."""

    def part(module: str) -> str:
        return module.split(".")[1] if "." in module else module

    modules = {}
    for path in YUJING.rglob("*.py"):
        rel = path.relative_to(YUJING.parent).with_suffix("").parts
        modules[".".join(rel[:-1] if rel[-1] == "__init__" else rel)] = path
    graph: dict[str, dict[str, set[str]]] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        typing_only = {
            id(n)
            for node in ast.walk(tree)
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test)
            for n in ast.walk(node)
        }
        for node in ast.walk(tree):
            if id(node) in typing_only:
                continue
            targets: list[str] = []
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for target in targets:
                if target in modules and part(target) != part(name):
                    graph.setdefault(part(name), {}).setdefault(part(target), set()).add(name)
    return graph


def test_no_import_cycle_between_the_parts_of_the_package() -> None:
    graph = _package_imports()
    for a, targets in graph.items():
        for b in targets:
            if a < b and a in graph.get(b, {}):
                raise AssertionError(
                    f"yujing.{a} and yujing.{b} import each other: "
                    f"{sorted(graph[a][b])} → {b}, {sorted(graph[b][a])} → {a}"
                )
    # the policies are values the engine evaluates; the forms and the archive sit below the
    # generator (what they share with it is in yujing.forms.images, yujing.converter, yujing.pdfkit)
    assert "engine" not in graph.get("policies", {})
    assert "generator" not in graph.get("forms", {})
    assert "generator" not in graph.get("archive", {})


def test_every_metric_of_the_policy_vocabulary_is_measured_by_the_engine() -> None:
    from yujing.engine.figures import METRICS
    from yujing.policies.metrics import METRIC_SPECS

    assert set(METRICS) == set(METRIC_SPECS)
    assert all(METRICS[n].params == s.params for n, s in METRIC_SPECS.items())


def test_every_doc_the_code_and_the_readme_cite_is_in_the_repository() -> None:
    """A clone has what the README, the code and the tests point a reader to (the semantics
    page used to live outside the repository)."""
    root = YUJING.parent
    cited: dict[str, set[str]] = {}
    sources = [root / "README.md", *YUJING.rglob("*.py"), *(root / "tests").glob("*.py")]
    for path in sources:
        for ref in re.findall(r"(?<![\w./])docs/[\w./-]+\.(?:md|svg|png)", path.read_text("utf-8")):
            cited.setdefault(ref, set()).add(path.name)
    assert "docs/policy-semantics.md" in cited
    missing = {ref: sorted(where) for ref, where in cited.items() if not (root / ref).is_file()}
    assert not missing, missing
    assert "../shared" not in (root / "README.md").read_text("utf-8")
