"""The console's commands: ``yujing user add/list/passwd/disable`` and ``yujing serve``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from yujing.cli.main import cli
from yujing.workspace import Workspace


def run(*args: str | Path, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, [str(a) for a in args], input=input, catch_exceptions=False)


@pytest.fixture
def ws(tmp_path: Path) -> Path:
    root = tmp_path / "ws"
    assert run("init", root, "--policy", "anshan", "--school", "鞍山师范学院").exit_code == 0
    return root


def test_user_add_list_passwd_disable(ws: Path) -> None:
    r = run("-w", ws, "user", "add", "教务员", "--role", "secretary", "--password", "secret-pass1")
    assert r.exit_code == 0 and "已添加账号 教务员" in r.output
    # no roster yet: the name matches nobody, refused unless told to keep it
    refused = run(
        "-w", ws, "user", "add", "马颖", "--role", "counsellor", "--counsellor", "马颖",
        "--class", "机械2201", "--password", "typed-pass1",
    )
    assert refused.exit_code == 1 and "学生名单中没有辅导员「马颖」" in refused.output
    assert "班级「机械2201」" in refused.output and "--allow-unknown" in refused.output
    r = run(
        "-w", ws, "user", "add", "马颖", "--role", "counsellor", "--counsellor", "马颖",
        "--class", "机械2201", "--allow-unknown", input="typed-pass1\ntyped-pass1\n",
    )
    assert r.exit_code == 0, r.output
    listing = run("-w", ws, "user", "list")
    assert "教务员" in listing.output and "马颖" in listing.output and "机械2201" in listing.output
    assert "$argon2" not in listing.output
    w = Workspace(ws)
    assert w.authenticate("马颖", "typed-pass1").role == "counsellor"
    assert run("-w", ws, "user", "passwd", "马颖", "--password", "new-pass-22").exit_code == 0
    assert w.authenticate("马颖", "new-pass-22").name == "马颖"
    assert run("-w", ws, "user", "disable", "马颖").exit_code == 0
    assert "已停用" in run("-w", ws, "user", "list").output
    from yujing.errors import AccountError

    with pytest.raises(AccountError):
        w.authenticate("马颖", "new-pass-22")
    actions = [(e["action"], e["detail"]) for e in w.registry.events()]
    assert ("user-disable", "马颖") in actions
    assert all("$argon2" not in d for _, d in actions)
    w.close()


def test_user_errors(ws: Path) -> None:
    short = run("-w", ws, "user", "add", "a", "--role", "secretary", "--password", "short")
    assert short.exit_code == 1 and "至少 8 位" in short.output
    adviser = run("-w", ws, "user", "add", "b", "--role", "counsellor", "--password", "long-enough")
    assert adviser.exit_code == 1 and "--counsellor" in adviser.output
    bad_name = run("-w", ws, "user", "add", "../x", "--role", "inspector", "--password", "long-enough")
    assert bad_name.exit_code == 1 and "账号名" in bad_name.output
    run("-w", ws, "user", "add", "c", "--role", "inspector", "--password", "long-enough")
    again = run("-w", ws, "user", "add", "c", "--role", "inspector", "--password", "long-enough")
    assert again.exit_code == 1 and "已存在" in again.output
    assert run("-w", ws, "user", "passwd", "nobody", "--password", "long-enough").exit_code == 1
    assert run("-w", ws, "user", "disable", "nobody").exit_code == 1
    role = run("-w", ws, "user", "add", "d", "--role", "admin", "--password", "long-enough")
    assert role.exit_code == 2


def test_serve_binds_loopback_and_warns_on_other_hosts(
    ws: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import uvicorn

    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append({"app": app, **kw}))
    r = run("-w", ws, "serve", "--port", "8123")
    assert r.exit_code == 0
    assert calls[-1]["host"] == "127.0.0.1" and calls[-1]["port"] == 8123
    assert "http://127.0.0.1:8123/" in r.output
    assert "还没有账号" in r.output
    assert {route.name for route in calls[-1]["app"].routes} >= {"login", "list", "my", "check"}
    r = run("-w", ws, "serve", "--host", "0.0.0.0")
    assert calls[-1]["host"] == "0.0.0.0"
    assert "HTTPS" in r.output and "反向代理" in r.output


def test_serve_outside_a_workspace(tmp_path: Path) -> None:
    r = run("-w", tmp_path, "serve")
    assert r.exit_code == 1 and "不是 yujing 工作区" in r.output


def test_the_console_goes_through_the_front_door() -> None:
    """The web console, like the CLI, imports only the workspace (and the university folder,
    above it), packs, errors and values."""
    import ast

    front = {
        "yujing.workspace",
        "yujing.university",
        "yujing.institutions",
        "yujing.errors",
        "yujing.model",
    }
    web = Path(__file__).resolve().parents[1] / "yujing" / "web"
    for path in sorted(web.glob("*.py")):
        found = {
            node.module
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("yujing")
        }
        stray = {m for m in found if m not in front and not m.startswith("yujing.web")}
        assert not stray, f"{path.name} imports {sorted(stray)}"
