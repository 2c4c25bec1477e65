"""Every CLI command, driven with a broken pack and with bad input: a clear message and an
exit code, never a traceback. The commands are enumerated from the click group, so a new
command is covered as soon as it exists."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner
from conftest import sample_workspace

from yujing.cli.main import cli

BLOCKING = {"serve"}
"""Commands that run until stopped (the web console); its own tests start and stop it."""


def leaf_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> Iterator[tuple[str, ...]]:
    for name, command in sorted(group.commands.items()):
        if isinstance(command, click.Group):
            yield from leaf_commands(command, (*prefix, name))
        else:
            yield (*prefix, name)


COMMANDS = [c for c in leaf_commands(cli) if c[-1] not in BLOCKING]


def find(path: tuple[str, ...]) -> click.Command:
    command: click.Command = cli
    for name in path:
        assert isinstance(command, click.Group)
        command = command.commands[name]
    return command


def bad_value(param: click.Parameter, junk: Path) -> str:
    """A value of the right shape that is wrong: a file that is not what it claims to be, a
    serial or item that does not exist, a student who is not on any list."""
    kind = param.type
    if isinstance(kind, click.Choice):
        return str(kind.choices[0])
    if isinstance(kind, click.Path):
        return str(junk)
    if isinstance(kind, click.types.IntParamType):
        return "987654"
    if kind.name == "学期":
        return "2031-2032-1"
    name = (param.name or "").lower()
    if "date" in name or "when" in name or "as_of" in name:
        return "2025-13-45"
    return "9999999999"


def argv_for(path: tuple[str, ...], junk: Path) -> list[str]:
    argv = list(path)
    for param in find(path).params:
        if isinstance(param, click.Argument):
            count = 1 if param.nargs in (1, -1) else param.nargs
            argv += [bad_value(param, junk)] * count
        elif isinstance(param, click.Option) and param.required and not param.is_flag:
            argv += [param.opts[0], bad_value(param, junk)]
    return argv


def invoke(argv: list[str], cwd: Path) -> tuple[int, str]:
    old = Path.cwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, argv, catch_exceptions=False)
    finally:
        os.chdir(old)
    return result.exit_code, result.output


@pytest.fixture(scope="module")
def places(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    root = tmp_path_factory.mktemp("cli-errors")
    junk = root / "损坏的文件.xlsx"
    junk.write_bytes(b"PK\x03\x04 not really a workbook")
    good = sample_workspace(root / "good")
    good.close()
    broken = sample_workspace(root / "broken")
    broken.close()
    (broken.root / "pack" / "policy.toml").write_text("[policy\nname = 1\n", encoding="utf-8")
    (broken.root / "pack" / "forms.toml").write_text("", encoding="utf-8")
    return {"junk": junk, "good": good.root, "broken": broken.root, "root": root}


@pytest.mark.parametrize("path", COMMANDS, ids=" ".join)
@pytest.mark.parametrize("where", ["good", "broken"])
def test_no_traceback(path: tuple[str, ...], where: str, places: dict[str, Path]) -> None:
    argv = argv_for(path, places["junk"])
    code, output = invoke(argv, places[where])
    assert "Traceback" not in output, output
    assert code in (0, 1, 2), (argv, code, output)
    if code:
        assert output.strip(), f"{argv}: failed without saying why"
    for line in output.splitlines():
        assert not line.startswith(("ValueError", "KeyError", "TypeError", "sqlite3.")), line


def test_commands_are_found() -> None:
    names = {" ".join(c) for c in COMMANDS}
    assert {"init", "import", "assess", "issue", "scan", "audit", "pack check"} <= names


def test_an_unexpected_fault_prints_a_message_and_writes_a_report_not_a_traceback(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bug of ours (here: the audit raising a RuntimeError) ends with a Chinese message,
    exit code 70 and the traceback in a report file, which the message names."""
    import sys
    import tempfile

    from yujing.cli import main as cli_main
    from yujing.workspace import Workspace

    ws = sample_workspace(tmp_path / "ws")
    ws.close()

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("an internal fault")

    monkeypatch.setattr(Workspace, "audit", broken)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    monkeypatch.setattr(
        sys, "argv", ["yujing", "-w", str(tmp_path / "ws"), "audit", "--term", "2024-2025-1"]
    )
    with pytest.raises(SystemExit) as ended:
        cli_main.main()
    assert ended.value.code == 70
    out = capsys.readouterr()
    shown = out.out + out.err
    assert "内部出错（RuntimeError）" in shown and "Traceback" not in shown
    (report,) = tmp_path.glob("yujing-error-*.txt")
    assert str(report) in shown.replace("\n", "")
    text = report.read_text(encoding="utf-8")
    assert "Traceback" in text and "an internal fault" in text and "audit" in text
