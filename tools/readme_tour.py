"""Run the README's tour as a newcomer would, and compare what it prints with what the README shows.

Every ```console block of README.md is part of the tour, in order: a line starting with ``$ ``
is a command (bash, run in the folder the tour has reached — ``cd`` carries over — with
``.venv/bin`` first on PATH, as after ``source .venv/bin/activate``); the lines after it, up
to the next command, are what it prints (stdout and stderr together). Blocks of any other
kind (```sh, ```toml …) are illustrations and are not run.

What the README shows is compared line by line, exactly, except:

- a line that is only ``…`` stands for any number of lines (none included);
- ``…`` inside a line stands for any text (a date, a count that depends on today);
- the clone's own folder is shown as ``~/yujing``;
- a command whose block is preceded by ``<!-- tour: may-fail -->``, or whose shown output
  holds the CLI's ``错误：``, may end with a non-zero exit status; any other must succeed.

``python -m tools.readme_tour [--keep DIR] [--show]`` runs the tour in a temporary copy of the
clone and prints, for every step that differs, the README's lines and the real ones (with
``--show``, every step's output) — the way to bring the README up to date after a change. ``tests/test_readme_tour.py`` runs it in CI.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ELLIPSIS = "…"
SHOWN_ROOT = "~/yujing"
MAY_FAIL = "<!-- tour: may-fail -->"
COPIED = ("README.md", "demo", "tests", "docs", "yujing/institutions")
"""What of the clone the tour may name as an input (copied; the venv is used where it is)."""


@dataclass(frozen=True)
class Step:
    """One command of the tour and what the README shows it printing."""

    line: int
    command: str
    shown: tuple[str, ...]
    may_fail: bool


@dataclass(frozen=True)
class Outcome:
    """A step as it ran: its exit status, what it printed, and whether that matches."""

    step: Step
    status: int
    printed: tuple[str, ...]
    matches: bool


def steps(readme: str) -> list[Step]:
    """The tour's commands, in README order."""
    found: list[Step] = []
    lines = readme.splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() != "```console":
            i += 1
            continue
        may_fail = any(MAY_FAIL in lines[j] for j in range(max(0, i - 3), i))
        indent = len(lines[i]) - len(lines[i].lstrip())  # a block inside a list item
        start, command, shown, continued = 0, [], [], False
        i += 1
        while i < len(lines) and lines[i].strip() != "```":
            text = lines[i][indent:] if lines[i][:indent].strip() == "" else lines[i]
            if text.startswith("$ "):
                if command:
                    found.append(_step(start, command, shown, may_fail))
                start, command, shown = i + 1, [text[2:]], []
                continued = text.endswith("\\")
            elif continued:
                command.append(text)
                continued = text.endswith("\\")
            elif command:
                shown.append(text)
            i += 1
        if command:
            found.append(_step(start, command, shown, may_fail))
        i += 1
    return found


def _step(line: int, command: list[str], shown: list[str], may_fail: bool) -> Step:
    return Step(line, "\n".join(command), tuple(shown), may_fail or any("错误：" in s for s in shown))


def matches(shown: tuple[str, ...], printed: tuple[str, ...]) -> bool:
    """Whether ``printed`` is what ``shown`` shows (with ``…`` elisions)."""
    pats = [None if s.strip() == ELLIPSIS else _pattern(s) for s in shown]

    def walk(p: int, q: int) -> bool:
        if p == len(pats):
            return q == len(printed)
        pat = pats[p]
        if pat is None:
            return any(walk(p + 1, r) for r in range(q, len(printed) + 1))
        return q < len(printed) and bool(pat.fullmatch(printed[q])) and walk(p + 1, q + 1)

    return walk(0, 0)


def _pattern(shown: str) -> re.Pattern[str]:
    return re.compile(".*".join(re.escape(part) for part in shown.rstrip().split(ELLIPSIS)))


def copy_clone(target: Path) -> Path:
    """A copy of what the tour reads from the clone, in ``target``."""
    for name in COPIED:
        source = ROOT / name
        if source.is_dir():
            shutil.copytree(source, target / name, ignore=shutil.ignore_patterns("__pycache__"))
        elif source.exists():
            (target / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target / name)
    return target


def run(
    workdir: Path,
    *,
    readme: str | None = None,
    on_step: Callable[[Outcome], None] | None = None,
    timeout: float = 900,
) -> Iterator[Outcome]:
    """Run every step of the tour in ``workdir`` (a copy made by :func:`copy_clone`)."""
    text = readme if readme is not None else (workdir / "README.md").read_text(encoding="utf-8")
    env = dict(os.environ)
    venv_bin = Path(sys.executable).parent
    env["PATH"] = f"{venv_bin}{os.pathsep}{env.get('PATH', '')}"
    env.update(COLUMNS="100", LC_ALL="C.UTF-8", PYTHONIOENCODING="utf-8", NO_COLOR="1")
    env.pop("YUJING_WORKSPACE", None)
    cwd = workdir
    state = workdir / ".tour-cwd"
    for step in steps(text):
        script = f"{step.command}\nstatus=$?\npwd > {_quote(state)}\nexit $status\n"
        done = subprocess.run(
            ["bash", "-c", script],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            timeout=timeout,
        )
        if state.exists():
            cwd = Path(state.read_text(encoding="utf-8").strip())
        out = done.stdout.decode("utf-8", "replace").replace(str(workdir), SHOWN_ROOT)
        printed = tuple(line.rstrip() for line in out.rstrip("\n").splitlines()) if out.strip() else ()
        ok = matches(tuple(s.rstrip() for s in step.shown), printed) and (
            done.returncode == 0 or step.may_fail
        )
        outcome = Outcome(step, done.returncode, printed, ok)
        if on_step is not None:
            on_step(outcome)
        yield outcome


def _quote(path: Path) -> str:
    return "'" + str(path).replace("'", "'\\''") + "'"


def describe(outcome: Outcome) -> str:
    """The README's lines beside the real ones, for a step that differs."""
    step = outcome.step
    return "\n".join(
        [
            f"README.md line {step.line}: $ {step.command}  (exit {outcome.status})",
            "  README shows:",
            *(f"    {s}" for s in step.shown),
            "  printed:",
            *(f"    {p}" for p in outcome.printed),
        ]
    )


def main(argv: list[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    keep = Path(args[args.index("--keep") + 1]) if "--keep" in args else None
    show = "--show" in args  # every step's output, to copy into the README
    base = keep or Path(tempfile.mkdtemp(prefix="yujing-tour-"))
    work = copy_clone(base / "yujing")
    bad = 0
    for outcome in run(work):
        mark = "ok " if outcome.matches else "DIFF"
        print(f"{mark} $ {outcome.step.command.splitlines()[0]}", flush=True)
        if not outcome.matches:
            bad += 1
            print(describe(outcome), flush=True)
        elif show:
            print("\n".join(f"    {p}" for p in outcome.printed), flush=True)
    if keep is None:
        shutil.rmtree(base, ignore_errors=True)
    print(f"{bad} step(s) differ" if bad else "the README's tour runs as written")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
