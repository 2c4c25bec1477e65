"""scripts/system_deps.py decides what to install: tested on fake machines (platform, user,
installed tools and fonts, sudo, the commands run are all fields of its System), and once on
this machine, where it must find every part and run nothing."""

from __future__ import annotations

import importlib.util
import io
import subprocess
import sys
from collections.abc import Sequence
from pathlib import Path
from types import ModuleType
from typing import ClassVar

import pytest
from sysparts import PARTS, reason_for

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "system_deps.py"


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("system_deps", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules["system_deps"] = module  # dataclasses look their module up while being built
    spec.loader.exec_module(module)
    return module


sd = _load()

ALL_TOOLS = {
    "make", "apt-get", "sudo", "soffice", "fc-list", "fc-match", "pdftoppm", "pdffonts",
    "chromium", "chromedriver", "brew", "gs", "tesseract",
}  # fmt: skip
ALL_FONTS = (
    "Noto Serif CJK SC\nNoto Sans CJK SC\nAR PL UKai CN\n"
    "Liberation Serif\nLiberation Sans\nLiberation Mono\nDejaVu Sans\n"
)
DEBIAN = {"ID": "debian", "VERSION_ID": "12"}
UBUNTU = {"ID": "ubuntu", "ID_LIKE": "debian", "VERSION_ID": "24.04"}


class FakeMachine:
    """A machine with the given tools, fonts and user; commands run are recorded, and a
    successful `apt-get install` makes its packages' tools and fonts appear."""

    PROVIDES: ClassVar[dict[str, tuple[set[str], str]]] = {
        "libreoffice-writer-nogui": ({"soffice"}, ""),
        "poppler-utils": ({"pdftoppm", "pdffonts"}, ""),
        "chromium": ({"chromium"}, ""),
        "chromium-driver": ({"chromedriver"}, ""),
        "fontconfig": ({"fc-list", "fc-match"}, ""),
        "fonts-noto-cjk": (set(), "Noto Serif CJK SC\nNoto Sans CJK SC\n"),
        "fonts-arphic-ukai": (set(), "AR PL UKai CN\n"),
        "fonts-liberation2": (set(), "Liberation Serif\nLiberation Sans\nLiberation Mono\n"),
        "make": ({"make"}, ""),
        "ghostscript": ({"gs"}, ""),
        "tesseract-ocr": ({"tesseract"}, ""),
    }

    def __init__(
        self,
        *,
        platform: str = "linux",
        os_release: dict[str, str] | None = None,
        uid: int | None = 0,
        tools: set[str] | None = None,
        fonts: str = ALL_FONTS,
        modules: set[str] | None = None,
        sudo_ok: bool = False,
        exit_codes: dict[str, int] | None = None,
        env: dict[str, str] | None = None,
        files: set[str] | None = None,
    ) -> None:
        self.tools = set(ALL_TOOLS if tools is None else tools)
        self.fonts = fonts
        self.modules = {"venv", "ensurepip"} if modules is None else modules
        self.files = files or set()
        self.sudo_ok = sudo_ok
        self.exit_codes = exit_codes or {}
        self.calls: list[tuple[str, ...]] = []
        self.warm_up_inputs: list[str] = []  # the text of the file each soffice call converted
        self.sudo_asked = 0
        self.system = sd.System(
            platform=platform,
            os_release=DEBIAN if os_release is None else os_release,
            uid=uid,
            which=lambda name: f"/usr/bin/{name}" if name in self.tools else None,
            exists=lambda path: path in self.files,
            fc_list=lambda: self.fonts if "fc-list" in self.tools else "",
            has_module=lambda name: name in self.modules,
            can_sudo=self._can_sudo,
            run=self._run,
            env=env or {},
        )

    def _can_sudo(self) -> bool:
        self.sudo_asked += 1
        return self.sudo_ok

    def _run(self, argv: Sequence[str]) -> int:
        argv = tuple(argv)
        self.calls.append(argv)
        if Path(argv[0]).name == "soffice":
            self.warm_up_inputs.append(Path(argv[-1]).read_text(encoding="utf-8"))
            return self.exit_codes.get("soffice", 0)
        apt = argv[argv.index("apt-get") + 1 :] if "apt-get" in argv else ()
        if apt[:1] == ("install",):
            code = self.exit_codes.get("install", 0)
            if code == 0:
                for pkg in (a for a in apt[1:] if not a.startswith("-")):
                    tools, fonts = self.PROVIDES.get(pkg, (set(), ""))
                    self.tools |= tools
                    self.fonts += fonts
                    if pkg == "python3-venv":
                        self.modules |= {"ensurepip"}
            return code
        if apt[:1] == ("update",):
            return self.exit_codes.get("update", 0)
        return 0

    def apt_calls(self) -> list[tuple[str, ...]]:
        return [c[c.index("apt-get") :] for c in self.calls if "apt-get" in c]


def run_main(machine: FakeMachine, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = sd.main(list(args), system=machine.system, out=out)
    return code, out.getvalue()


def install_args(call: tuple[str, ...]) -> list[str]:
    assert call[:2] == ("apt-get", "install")
    return [a for a in call[2:] if not a.startswith("-")]


# ---------------------------------------------------------------------------------------------
# Debian


def test_root_on_debian_installs_exactly_the_missing_packages() -> None:
    machine = FakeMachine(
        tools=ALL_TOOLS - {"soffice", "chromedriver", "pdftoppm"},
        fonts="Noto Serif CJK SC\nNoto Sans CJK SC\nLiberation Serif\nLiberation Sans\nLiberation Mono\n",
        modules={"venv"},  # Debian's python3 without python3-venv has no ensurepip
    )
    code, out = run_main(machine)
    assert code == 0
    update, install = machine.apt_calls()
    assert update[:2] == ("apt-get", "update")
    assert install_args(install) == [
        "python3-venv",
        "libreoffice-writer-nogui",
        "fonts-arphic-ukai",
        "poppler-utils",
        "chromium-driver",
    ]
    assert "-y" in install and "--no-install-recommends" in install
    # root: no sudo, and apt never asks a question
    *apt, warm = machine.calls
    assert all(c[0] == "env" and "DEBIAN_FRONTEND=noninteractive" in c for c in apt)
    # then LibreOffice, just installed, is started once: one tiny conversion, its own profile
    assert warm[0] == "/usr/bin/soffice" and "--convert-to" in warm and "--headless" in warm
    (profile,) = [a for a in warm if a.startswith("-env:UserInstallation=file://")]
    assert "yujing-warm-up-" in profile
    assert machine.warm_up_inputs == ["yujing 预热 warm-up\n"]
    assert "正在预热 LibreOffice" in out
    assert machine.sudo_asked == 0
    assert "正在安装" in out and "installing" in out
    assert "系统组件已安装齐全" in out


def test_libreoffice_already_there_is_not_warmed_up() -> None:
    machine = FakeMachine(tools=ALL_TOOLS - {"chromium"})
    code, out = run_main(machine)
    assert code == 0
    assert [c for c in machine.calls if "apt-get" not in c] == []
    assert "预热" not in out


def test_a_failed_warm_up_is_said_and_not_fatal() -> None:
    machine = FakeMachine(tools=ALL_TOOLS - {"soffice"}, exit_codes={"soffice": 81})
    code, out = run_main(machine, "--strict")
    assert code == 0  # LibreOffice is installed; a batch retries a failed first start itself
    assert machine.calls[-1][0] == "/usr/bin/soffice"
    assert "退出码 81" in out and "exited 81" in out
    assert "系统组件已安装齐全" in out


def test_all_present_does_nothing_not_even_apt_get_update() -> None:
    machine = FakeMachine()
    code, out = run_main(machine)
    assert code == 0
    assert machine.calls == []
    assert machine.sudo_asked == 0
    assert out.strip() == "系统组件齐全 / all system parts present"


def test_not_root_without_sudo_prints_the_command_and_installs_nothing() -> None:
    machine = FakeMachine(uid=1000, tools=ALL_TOOLS - {"soffice", "pdftoppm", "pdffonts"})
    code, out = run_main(machine)
    assert code == 0  # make demo goes on (with .docx); make test then fails on the skips
    assert machine.calls == []
    assert machine.sudo_asked == 1
    assert "LibreOffice Writer" in out and "poppler-utils" in out
    assert "Chromium" not in out  # only what is missing is named
    assert "不是 root" in out and "not root" in out
    assert (
        "sudo apt-get update && sudo apt-get install -y --no-install-recommends "
        "libreoffice-writer-nogui poppler-utils" in out
    )


def test_not_root_with_passwordless_sudo_installs_through_sudo() -> None:
    machine = FakeMachine(uid=1000, sudo_ok=True, tools=ALL_TOOLS - {"chromium"})
    code, _ = run_main(machine)
    assert code == 0
    assert [c[:2] for c in machine.calls] == [("sudo", "-n"), ("sudo", "-n")]
    update, install = machine.apt_calls()
    assert update[:2] == ("apt-get", "update")
    assert install_args(install) == ["chromium"]


def test_ubuntu_names_chromium_differently() -> None:
    machine = FakeMachine(os_release=UBUNTU, tools=ALL_TOOLS - {"chromium", "chromedriver"})
    run_main(machine)
    _, install = machine.apt_calls()
    assert install_args(install) == ["chromium-browser", "chromium-chromedriver"]


def test_without_fontconfig_the_fonts_count_as_missing() -> None:
    machine = FakeMachine(tools=ALL_TOOLS - {"fc-list", "fc-match"}, fonts="")
    run_main(machine)
    _, install = machine.apt_calls()
    assert install_args(install) == [
        "fontconfig",
        "fonts-noto-cjk",
        "fonts-arphic-ukai",
        "fonts-liberation2",
    ]


def test_demo_needs_no_browser() -> None:
    machine = FakeMachine(tools=ALL_TOOLS - {"chromium", "chromedriver"})
    code, out = run_main(machine, "--for", "demo")
    assert code == 0 and machine.calls == []
    assert "齐全" in out


def test_check_installs_nothing_and_exits_1() -> None:
    machine = FakeMachine(tools=ALL_TOOLS - {"soffice"})
    code, out = run_main(machine, "--check")
    assert code == 1
    assert machine.calls == [] and machine.sudo_asked == 0
    assert "apt-get install -y --no-install-recommends libreoffice-writer-nogui" in out
    assert "sudo" not in out  # root needs none


def test_failed_install_is_reported_and_strict_fails() -> None:
    machine = FakeMachine(tools=ALL_TOOLS - {"soffice"}, exit_codes={"install": 100})
    code, out = run_main(machine, "--strict")
    assert code == 1
    assert "命令失败（退出码 100）" in out
    assert "安装后仍缺少" in out and "LibreOffice Writer" in out
    code, _ = run_main(FakeMachine(tools=ALL_TOOLS - {"soffice"}, exit_codes={"install": 100}))
    assert code == 0  # without --strict the demo still goes on, with .docx


def test_failed_update_installs_nothing() -> None:
    machine = FakeMachine(tools=ALL_TOOLS - {"soffice"}, exit_codes={"update": 1})
    code, _ = run_main(machine, "--strict")
    assert code == 1
    assert [c[1] for c in machine.apt_calls()] == ["update"]


def test_other_linux_prints_what_to_install_by_name() -> None:
    machine = FakeMachine(
        os_release={"ID": "fedora"}, tools=ALL_TOOLS - {"apt-get", "pdftoppm", "pdffonts"}
    )
    code, out = run_main(machine)
    assert code == 0 and machine.calls == []
    assert "没有 apt-get" in out and "no apt-get" in out
    assert "poppler-utils (pdftoppm, pdffonts) (poppler-utils)" in out


def test_yujing_soffice_counts_as_libreoffice() -> None:
    path = "/opt/libreoffice/program/soffice"
    machine = FakeMachine(
        tools=ALL_TOOLS - {"soffice"}, env={"YUJING_SOFFICE": path}, files={path}
    )
    assert run_main(machine) == (0, "系统组件齐全 / all system parts present\n")
    assert machine.calls == []


# ---------------------------------------------------------------------------------------------
# macOS and Windows: nothing installed, the commands printed


def test_macos_prints_brew_commands_and_installs_nothing() -> None:
    machine = FakeMachine(
        platform="darwin",
        os_release={},
        uid=0,  # even as root: Homebrew is never run by this script
        tools={"make", "brew", "fc-list"},
        fonts="",
    )
    code, out = run_main(machine)
    assert code == 0 and machine.calls == []
    assert "brew install poppler" in out
    assert "brew install --cask libreoffice chromium chromedriver" in out
    assert "YUJING_SOFFICE=/Applications/LibreOffice.app/Contents/MacOS/soffice" in out
    # fonts, fontconfig and python3-venv are Linux matters
    assert "Noto" not in out and "fontconfig" not in out and "python3-venv" not in out


def test_macos_without_homebrew_says_to_install_it() -> None:
    machine = FakeMachine(platform="darwin", os_release={}, tools={"soffice", "pdftoppm", "pdffonts"})
    _, out = run_main(machine, "--for", "demo")
    assert machine.calls == []
    assert out.strip() == "系统组件齐全 / all system parts present"
    _, out = run_main(FakeMachine(platform="darwin", os_release={}, tools=set()), "--for", "demo")
    assert "https://brew.sh" in out and "brew install --cask libreoffice" in out


def test_windows_prints_winget_and_downloads() -> None:
    machine = FakeMachine(platform="win32", os_release={}, uid=None, tools=set(), fonts="")
    code, out = run_main(machine)
    assert code == 0 and machine.calls == [] and machine.sudo_asked == 0
    assert "winget install -e --id TheDocumentFoundation.LibreOffice" in out
    assert "setx YUJING_SOFFICE" in out
    assert "poppler-windows/releases" in out
    assert "chrome-for-testing" in out
    assert "apt-get" not in out and "make" not in out.split("安装命令")[0]
    code, _ = run_main(machine, "--check")
    assert code == 1


# ---------------------------------------------------------------------------------------------
# This machine


def test_this_machine_has_every_part() -> None:
    """CI and the developers' machines run `make test` after the script installed everything:
    it must find every part here, and so run nothing. (Where the tests themselves find a part
    missing, this skips under that part: the skip summary then names it.)"""
    missing = [key for key, part in PARTS.items() if part.missing()]
    if missing:
        pytest.skip(reason_for(missing))
    done = subprocess.run(
        [sys.executable, str(SCRIPT), "--check"], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout.strip() == "系统组件齐全 / all system parts present"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ('ID=debian\nVERSION_ID="12"\n', {"ID": "debian", "VERSION_ID": "12"}),
        ("# c\nID=ubuntu\nID_LIKE='debian'\n\n", {"ID": "ubuntu", "ID_LIKE": "debian"}),
    ],
)
def test_read_os_release(tmp_path: Path, text: str, expected: dict[str, str]) -> None:
    path = tmp_path / "os-release"
    path.write_text(text, encoding="utf-8")
    assert sd.read_os_release(path) == expected
    assert sd.read_os_release(tmp_path / "none") == {}


@pytest.mark.parametrize(
    ("platform", "soffice", "tell"),
    [
        ("darwin", sd.MAC_SOFFICE, f"export YUJING_SOFFICE={sd.MAC_SOFFICE}"),
        ("win32", sd.WINDOWS_SOFFICE, f'setx YUJING_SOFFICE "{sd.WINDOWS_SOFFICE}"'),
    ],
)
def test_libreoffice_installed_but_not_on_path_is_only_pointed_to(
    platform: str, soffice: str, tell: str
) -> None:
    machine = FakeMachine(
        platform=platform, os_release={}, tools=ALL_TOOLS - {"soffice"}, files={soffice}
    )
    _, out = run_main(machine, "--for", "demo")
    assert machine.calls == []
    assert "LibreOffice Writer" in out  # still missing: yujing would not find it
    assert tell in out
    # no command to install it again
    assert "--cask libreoffice" not in out and "TheDocumentFoundation" not in out
