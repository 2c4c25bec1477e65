"""The README's tour runs as written: every ```console block, in order, in a copy of the clone,
each command's output compared with what the README shows (``tools/readme_tour.py`` says how
``…`` elides). A README that drifts from the program fails here, naming the line."""

from __future__ import annotations

from pathlib import Path

from tests.sysparts import requires
from tools.readme_tour import ROOT, copy_clone, describe, matches, run, steps


def test_the_tour_parser_reads_commands_outputs_and_elisions() -> None:
    readme = "\n".join(
        [
            "<!-- tour: may-fail -->",
            "```console",
            "$ yujing a \\",
            "    --b c",
            "line 1",
            "…",
            "$ yujing d",
            "```",
            "```sh",
            "$ not run",
            "```",
        ]
    )
    found = steps(readme)
    assert [s.command for s in found] == ["yujing a \\\n    --b c", "yujing d"]
    assert found[0].shown == ("line 1", "…") and found[0].may_fail and found[1].shown == ()
    assert matches(("a", "…", "c"), ("a", "x", "y", "c"))
    assert matches(("截至 …，共 3 人",), ("截至 2027-01-07，共 3 人",))
    assert not matches(("a",), ("a", "more"))  # nothing printed beyond what is shown
    assert not matches(("a", "b"), ("a", "c"))


@requires("soffice", "poppler", "fonts")
def test_the_readme_tour_runs_as_written(tmp_path: Path) -> None:
    work = copy_clone(tmp_path / "yujing")
    outcomes = list(run(work))
    assert len(outcomes) == len(steps((ROOT / "README.md").read_text(encoding="utf-8")))
    differ = [describe(o) for o in outcomes if not o.matches]
    assert not differ, "\n\n".join(differ)
