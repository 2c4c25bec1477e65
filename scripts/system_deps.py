#!/usr/bin/env python3
"""The system parts yujing's demo and tests need, installed where this machine allows it.

``make demo``, ``make test`` and ``.ci/run`` run this before anything else, with the system
``python3`` (standard library only: ``.venv`` may not exist yet). It looks for each part —
LibreOffice Writer (PDF), the free fonts the templates' Windows font names are mapped to, poppler
(the tests and the demo rasterise PDFs), Chromium and chromedriver (browser tests), and on Debian
python3-venv and make — and then:

* on Debian/Ubuntu as root, or with passwordless sudo: ``apt-get update`` and ``apt-get install``
  of exactly the missing packages (nothing at all, not even the update, when nothing is missing);
* anywhere else (not root and no passwordless sudo, no apt, macOS, Windows): installs nothing and
  prints, in Chinese and English, what is missing and the command that installs it there.

After installing LibreOffice it warms it once: one tiny conversion in a throwaway profile, so
that the first start of a fresh install (which may exit 81 without converting anything) is not
the first conversion of a print batch or of a test run.

Usage::

    python3 scripts/system_deps.py                # install what is missing, where possible
    python3 scripts/system_deps.py --for demo     # only what the demo needs
    python3 scripts/system_deps.py --check        # install nothing; exit 1 if something is missing
    python3 scripts/system_deps.py --strict       # exit 1 if something is still missing (CI)

Every probe of the machine (platform, distribution, user, ``which``, ``fc-list``, running a
command) is a field of :class:`System`, so the decisions are tested with a fake machine.
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TextIO

ENV_SOFFICE = "YUJING_SOFFICE"  # as in yujing/converter.py: soffice's path when not on PATH
APT_INSTALL = ("apt-get", "install", "-y", "-q", "--no-install-recommends")
APT_UPDATE = ("apt-get", "update", "-q")
NONINTERACTIVE = ("env", "DEBIAN_FRONTEND=noninteractive")
MAC_SOFFICE = "/Applications/LibreOffice.app/Contents/MacOS/soffice"
WINDOWS_SOFFICE = r"C:\Program Files\LibreOffice\program\soffice.exe"


# ---------------------------------------------------------------------------------------------
# The machine


@dataclass(frozen=True)
class System:
    """What this script may ask of the machine: the probes, and the one way to change it."""

    platform: str  # sys.platform: "linux", "darwin", "win32"
    os_release: Mapping[str, str]  # /etc/os-release (ID, ID_LIKE …); empty elsewhere
    uid: int | None  # effective user id; None where there is none (Windows)
    which: Callable[[str], str | None]
    exists: Callable[[str], bool]
    fc_list: Callable[[], str]  # `fc-list : family`; "" when fontconfig is absent
    has_module: Callable[[str], bool]  # importable by the python3 that runs this
    can_sudo: Callable[[], bool]  # `sudo -n true` succeeds
    run: Callable[[Sequence[str]], int]  # runs a command, output to the terminal; exit code
    env: Mapping[str, str] = field(default_factory=dict)

    @property
    def debian_like(self) -> bool:
        ids = {self.os_release.get("ID", "")} | set(self.os_release.get("ID_LIKE", "").split())
        return bool(ids & {"debian", "ubuntu"})

    @property
    def ubuntu_like(self) -> bool:
        ids = {self.os_release.get("ID", "")} | set(self.os_release.get("ID_LIKE", "").split())
        return "ubuntu" in ids


def read_os_release(path: Path = Path("/etc/os-release")) -> dict[str, str]:
    values: dict[str, str] = {}
    try:
        text = path.read_text(encoding="utf-8")
    except OSError:
        return values
    for line in text.splitlines():
        key, sep, value = line.partition("=")
        if sep and key.strip() and not key.startswith("#"):
            values[key.strip()] = value.strip().strip("'\"")
    return values


def _fc_list() -> str:
    if shutil.which("fc-list") is None:
        return ""
    try:
        done = subprocess.run(
            ["fc-list", ":", "family"], capture_output=True, text=True, errors="replace", timeout=120
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    return done.stdout


def _can_sudo() -> bool:
    if shutil.which("sudo") is None:
        return False
    try:
        done = subprocess.run(
            ["sudo", "-n", "true"],
            stdin=subprocess.DEVNULL,
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        return False
    return done.returncode == 0


def _run(argv: Sequence[str]) -> int:
    try:
        return subprocess.run(list(argv), stdin=subprocess.DEVNULL).returncode
    except OSError as exc:
        print(f"无法运行 / cannot run {argv[0]}: {exc}", file=sys.stderr)
        return 127


def _has_module(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


def this_machine() -> System:
    geteuid = getattr(os, "geteuid", None)
    return System(
        platform=sys.platform,
        os_release=read_os_release() if sys.platform.startswith("linux") else {},
        uid=geteuid() if geteuid is not None else None,
        which=shutil.which,
        exists=os.path.exists,
        fc_list=_fc_list,
        has_module=_has_module,
        can_sudo=_can_sudo,
        run=_run,
        env=dict(os.environ),
    )


# ---------------------------------------------------------------------------------------------
# The parts


@dataclass(frozen=True)
class Part:
    """One system part: how to tell it is there, and how each platform installs it."""

    key: str
    name: str  # as shown
    zh: str  # what it is for, in Chinese
    en: str  # what it is for, in English
    debian: tuple[str, ...]  # apt packages (Debian names)
    ubuntu: tuple[str, ...] | None  # where Ubuntu names them differently
    brew: str | None  # `brew install …` arguments; None: not needed on macOS
    windows: str | None  # how to install on Windows; None: not needed there
    needed_by: frozenset[str]  # "demo", "test"
    present: Callable[[System, str], bool]  # (system, fc-list output)

    def packages(self, system: System) -> tuple[str, ...]:
        return self.ubuntu if self.ubuntu is not None and system.ubuntu_like else self.debian

    def applies_to(self, platform: str) -> bool:
        if platform == "darwin":
            return self.brew is not None
        if platform in ("win32", "cygwin"):
            return self.windows is not None
        return True


def _soffice_present(system: System, _fonts: str) -> bool:
    configured = system.env.get(ENV_SOFFICE, "").strip()
    if configured:
        return system.exists(configured) or system.which(configured) is not None
    return system.which("soffice") is not None or system.which("libreoffice") is not None


def _fonts_present(*families: str) -> Callable[[System, str], bool]:
    def present(_system: System, fonts: str) -> bool:
        return all(family in fonts for family in families)

    return present


def _chromium_present(system: System, _fonts: str) -> bool:
    return (
        system.which("chromium") is not None
        or system.which("chromium-browser") is not None
        or system.exists("/usr/bin/chromium")
    )


def _tools_present(*tools: str) -> Callable[[System, str], bool]:
    def present(system: System, _fonts: str) -> bool:
        return all(system.which(tool) is not None for tool in tools)

    return present


BOTH = frozenset({"demo", "test"})
TEST = frozenset({"test"})
POPPLER_WINDOWS = (
    "从 https://github.com/oschwartz10612/poppler-windows/releases 下载并解压，把其中的 "
    "Library\\bin 加入 PATH / download, unpack and add its Library\\bin to PATH"
)
CHROMEDRIVER_WINDOWS = (
    "从 https://googlechromelabs.github.io/chrome-for-testing/ 下载与 Chromium 同版本的 "
    "chromedriver，放入 PATH / download the chromedriver of the same version and put it on PATH"
)

PARTS: tuple[Part, ...] = (
    Part(
        key="make",
        name="make",
        zh="运行 make demo / make test",
        en="runs make demo / make test",
        debian=("make",),
        ubuntu=None,
        brew=None,  # comes with the Xcode command line tools
        windows=None,  # the README gives the commands to run instead
        needed_by=BOTH,
        present=_tools_present("make"),
    ),
    Part(
        key="venv",
        name="python3-venv",
        zh="创建 .venv",
        en="creates .venv",
        debian=("python3-venv",),  # Debian's python3 has no ensurepip without it
        ubuntu=None,
        brew=None,
        windows=None,
        needed_by=BOTH,
        present=lambda system, _f: system.has_module("venv") and system.has_module("ensurepip"),
    ),
    Part(
        key="soffice",
        name="LibreOffice Writer",
        zh="把 Word 文件转为 PDF（打印批次）",
        en="turns the .docx files into PDF (print batches)",
        debian=("libreoffice-writer-nogui",),
        ubuntu=None,
        brew="--cask libreoffice",
        windows="winget install -e --id TheDocumentFoundation.LibreOffice（或从 / or from "
        "https://zh-cn.libreoffice.org/download/ 下载安装程序 / the installer）",
        needed_by=BOTH,
        present=_soffice_present,
    ),
    Part(
        key="fontconfig",
        name="fontconfig (fc-list, fc-match)",
        zh="按 fonts.conf 把宋体/黑体等映射到免费字体",
        en="maps 宋体/黑体 … to free faces with fonts.conf",
        debian=("fontconfig",),
        ubuntu=None,
        brew=None,  # LibreOffice uses fontconfig on Linux only
        windows=None,
        needed_by=BOTH,
        present=_tools_present("fc-list", "fc-match"),
    ),
    Part(
        key="noto-cjk",
        name="Noto CJK fonts",
        zh="宋体、黑体、仿宋（Noto Serif/Sans CJK）",
        en="宋体, 黑体, 仿宋 (Noto Serif/Sans CJK)",
        debian=("fonts-noto-cjk",),
        ubuntu=None,
        brew=None,  # macOS and Windows have Chinese faces of their own
        windows=None,
        needed_by=BOTH,
        present=_fonts_present("Noto Serif CJK SC", "Noto Sans CJK SC"),
    ),
    Part(
        key="ukai",
        name="AR PL UKai font",
        zh="楷体（AR PL UKai）",
        en="楷体 (AR PL UKai)",
        debian=("fonts-arphic-ukai",),
        ubuntu=None,
        brew=None,
        windows=None,
        needed_by=BOTH,
        present=_fonts_present("AR PL UKai"),
    ),
    Part(
        key="liberation",
        name="Liberation fonts",
        zh="Times New Roman、Arial 的等宽替代字体",
        en="metric-compatible Times New Roman, Arial",
        debian=("fonts-liberation2",),
        ubuntu=None,
        brew=None,
        windows=None,
        needed_by=BOTH,
        present=_fonts_present("Liberation Serif", "Liberation Sans", "Liberation Mono"),
    ),
    Part(
        key="poppler",
        name="poppler-utils (pdftoppm, pdffonts)",
        zh="把 PDF 转为图片（模拟扫描、测试）",
        en="rasterises PDFs (simulated scans, tests)",
        debian=("poppler-utils",),
        ubuntu=None,
        brew="poppler",
        windows=POPPLER_WINDOWS,
        needed_by=BOTH,
        present=_tools_present("pdftoppm", "pdffonts"),
    ),
    Part(
        key="ghostscript",
        name="Ghostscript",
        zh="OCRmyPDF 把照片和图片转为 PDF/A 归档件",
        en="OCRmyPDF turns photos and images into PDF/A archive copies",
        debian=("ghostscript",),
        ubuntu=None,
        brew="ghostscript",
        windows="winget install -e --id ArtifexSoftware.GhostScript",
        needed_by=TEST,
        present=_tools_present("gs"),
    ),
    Part(
        key="tesseract",
        name="Tesseract OCR (chi_sim)",
        zh="归档件的中文文字层（archive pdfa --ocr）",
        en="the Chinese text layer of archive copies (archive pdfa --ocr)",
        debian=("tesseract-ocr", "tesseract-ocr-chi-sim"),
        ubuntu=None,
        brew="tesseract tesseract-lang",
        windows="winget install -e --id UB-Mannheim.TesseractOCR（安装时勾选 Chinese Simplified "
        "/ tick Chinese Simplified）",
        needed_by=TEST,
        present=_tools_present("tesseract"),
    ),
    Part(
        key="chromium",
        name="Chromium",
        zh="浏览器测试（检查报告、网页控制台）",
        en="browser tests (audit report, web console)",
        debian=("chromium",),
        ubuntu=("chromium-browser",),
        brew="--cask chromium",
        windows="winget install -e --id Hibbiki.Chromium（并把 chrome.exe 以 chromium 之名加入 "
        "PATH / and put chrome.exe on PATH as chromium）",
        needed_by=TEST,
        present=_chromium_present,
    ),
    Part(
        key="chromedriver",
        name="chromedriver",
        zh="用 Chromium 驱动网页控制台测试",
        en="drives Chromium in the web console tests",
        debian=("chromium-driver",),
        ubuntu=("chromium-chromedriver",),
        brew="--cask chromedriver",
        windows=CHROMEDRIVER_WINDOWS,
        needed_by=TEST,
        present=_tools_present("chromedriver"),
    ),
)


def missing_parts(system: System, purpose: str = "test") -> tuple[Part, ...]:
    """The parts ``purpose`` ("demo" or "test") needs on this platform that are not there."""
    fonts = system.fc_list() if not system.platform.startswith(("win", "cygwin", "darwin")) else ""
    return tuple(
        part
        for part in PARTS
        if purpose in part.needed_by
        and part.applies_to(system.platform)
        and not part.present(system, fonts)
    )


# ---------------------------------------------------------------------------------------------
# The decision


@dataclass(frozen=True)
class Plan:
    """What to do: the commands to run now (none: install nothing), or what to tell the user."""

    missing: tuple[Part, ...]
    commands: tuple[tuple[str, ...], ...]  # run in order, each must succeed
    why_not: str  # when nothing is run although something is missing: why (zh / en)
    advice: tuple[str, ...]  # the commands that would install the missing parts here


def _unique(items: Sequence[str]) -> tuple[str, ...]:
    return tuple(dict.fromkeys(items))


def _apt_packages(system: System, missing: Sequence[Part]) -> tuple[str, ...]:
    return _unique([pkg for part in missing for pkg in part.packages(system)])


def advice_for(system: System, missing: Sequence[Part]) -> tuple[str, ...]:
    """The commands a person would type on this platform to install ``missing``."""
    if not missing:
        return ()
    needs_soffice = any(p.key == "soffice" for p in missing)
    if system.platform == "darwin":
        if needs_soffice and system.exists(MAC_SOFFICE):  # installed, only not on PATH
            missing = [p for p in missing if p.key != "soffice"]
        lines = []
        if system.which("brew") is None and missing:
            lines.append("先安装 Homebrew / first install Homebrew: https://brew.sh")
        formulae = [p.brew for p in missing if p.brew and not p.brew.startswith("--cask")]
        casks = [p.brew.removeprefix("--cask ") for p in missing if p.brew and p.brew.startswith("--cask")]
        if formulae:
            lines.append("brew install " + " ".join(formulae))
        if casks:
            lines.append("brew install --cask " + " ".join(casks))
        if needs_soffice:
            lines.append(f"export {ENV_SOFFICE}={MAC_SOFFICE}")
        return tuple(lines)
    if system.platform in ("win32", "cygwin"):
        if needs_soffice and system.exists(WINDOWS_SOFFICE):  # installed, only not on PATH
            missing = [p for p in missing if p.key != "soffice"]
        lines = [f"{p.name}: {p.windows}" for p in missing if p.windows]
        if needs_soffice:
            lines.append(
                f"然后 / then: setx {ENV_SOFFICE} \"{WINDOWS_SOFFICE}\"（安装位置不同时改为实际路径 / "
                "or where it was installed）"
            )
        return tuple(lines)
    packages = " ".join(_apt_packages(system, missing))
    if system.which("apt-get") is not None and system.debian_like:
        sudo = "" if system.uid == 0 else "sudo "
        return (f"{sudo}apt-get update && {sudo}apt-get install -y --no-install-recommends {packages}",)
    return (
        "用本系统的包管理器安装以下组件（括号内为 Debian 包名）/ "
        "install these with your package manager (Debian names in brackets):",
        *(f"  {p.name} ({' '.join(p.debian)})" for p in missing),
    )


def decide(system: System, purpose: str = "test", *, install: bool = True) -> Plan:
    """What to do on ``system`` so that ``purpose`` ("demo"/"test") has every part it needs."""
    missing = missing_parts(system, purpose)
    advice = advice_for(system, missing)
    if not missing:
        return Plan((), (), "", ())
    if not install:
        return Plan(missing, (), "只检查，未安装 / checked only, nothing installed", advice)
    if system.platform == "darwin":
        return Plan(missing, (), "macOS：请用 Homebrew 安装 / macOS: install with Homebrew", advice)
    if system.platform in ("win32", "cygwin"):
        return Plan(missing, (), "Windows：请手动安装 / Windows: install by hand", advice)
    if system.which("apt-get") is None or not system.debian_like:
        return Plan(
            missing,
            (),
            "不是 Debian/Ubuntu（没有 apt-get），不自动安装 / not Debian/Ubuntu (no apt-get), "
            "nothing installed automatically",
            advice,
        )
    if system.uid == 0:
        prefix: tuple[str, ...] = ()
    elif system.can_sudo():
        prefix = ("sudo", "-n")
    else:
        return Plan(
            missing,
            (),
            "不是 root，也不能免密码使用 sudo，未安装任何组件 / not root and no passwordless sudo, "
            "nothing installed",
            advice,
        )
    packages = _apt_packages(system, missing)
    return Plan(
        missing,
        (
            (*prefix, *NONINTERACTIVE, *APT_UPDATE),
            (*prefix, *NONINTERACTIVE, *APT_INSTALL, *packages),
        ),
        "",
        advice,
    )


# ---------------------------------------------------------------------------------------------
# Running it


def _describe(missing: Sequence[Part]) -> list[str]:
    return [f"  - {p.name}：{p.zh} / {p.en}" for p in missing]


def _tell(out: TextIO, missing: Sequence[Part], why: str, advice: Sequence[str]) -> None:
    print("缺少以下系统组件 / missing system parts:", file=out)
    for line in _describe(missing):
        print(line, file=out)
    if why:
        print(why, file=out)
    if advice:
        print("安装命令 / to install them:", file=out)
        for line in advice:
            print(f"  {line}", file=out)


def soffice_path(system: System) -> str | None:
    """The LibreOffice program yujing would run (``$YUJING_SOFFICE``, else PATH)."""
    configured = system.env.get(ENV_SOFFICE, "").strip()
    if configured:
        return configured if system.exists(configured) else system.which(configured)
    return system.which("soffice") or system.which("libreoffice")


def warm_up_command(soffice: str, folder: Path) -> tuple[str, ...]:
    """One tiny conversion (a one-line text file to PDF) in a throwaway profile inside
    ``folder``, whose file :func:`warm_up` writes first."""
    return (
        soffice,
        f"-env:UserInstallation={(folder / 'profile').as_uri()}",
        "--headless",
        "--invisible",
        "--nologo",
        "--norestore",
        "--convert-to",
        "pdf",
        "--outdir",
        str(folder / "out"),
        str(folder / "warm-up.txt"),
    )


def warm_up(system: System, out: TextIO) -> int:
    """Start a freshly installed LibreOffice once; its exit code (127: not found). A failure is
    said, not fatal: a print batch retries a failed first start itself."""
    soffice = soffice_path(system)
    if soffice is None:
        return 127
    print("正在预热 LibreOffice（首次启动）/ warming LibreOffice up (first start)", file=out)
    out.flush()
    with tempfile.TemporaryDirectory(prefix="yujing-warm-up-") as tmp:
        folder = Path(tmp)
        (folder / "warm-up.txt").write_text("yujing 预热 warm-up\n", encoding="utf-8")
        code = system.run(warm_up_command(soffice, folder))
    if code != 0:
        print(
            f"LibreOffice 首次启动退出码 {code}（新安装时常见，生成 PDF 时会自动重试）/ "
            f"LibreOffice's first start exited {code} (common after installing; PDF conversion "
            "retries it)",
            file=out,
        )
    return code


def main(
    argv: Sequence[str] | None = None, *, system: System | None = None, out: TextIO | None = None
) -> int:
    parser = argparse.ArgumentParser(
        prog="system_deps.py",
        description="安装 yujing 需要的系统组件 / install the system parts yujing needs",
    )
    parser.add_argument(
        "--for", dest="purpose", choices=("demo", "test"), default="test",
        help="只看演示需要的组件（demo）或测试需要的全部组件（test，默认）",
    )  # fmt: skip
    parser.add_argument("--check", action="store_true", help="只检查，不安装；缺少时退出码 1")
    parser.add_argument("--strict", action="store_true", help="安装后仍缺少组件时退出码 1（CI）")
    args = parser.parse_args(argv)
    system = system if system is not None else this_machine()
    out = out if out is not None else sys.stdout

    plan = decide(system, args.purpose, install=not args.check)
    if not plan.missing:
        print("系统组件齐全 / all system parts present", file=out)
        return 0
    if not plan.commands:
        _tell(out, plan.missing, plan.why_not, plan.advice)
        return 1 if args.check or args.strict else 0

    print(
        "正在安装缺少的系统组件 / installing the missing system parts: "
        + "、".join(p.name for p in plan.missing),
        file=out,
    )
    out.flush()
    for command in plan.commands:
        print("$ " + " ".join(command), file=out)
        out.flush()
        code = system.run(command)
        if code != 0:
            print(f"命令失败（退出码 {code}）/ command failed (exit code {code})", file=out)
            break
    still = missing_parts(system, args.purpose)
    if any(p.key == "soffice" for p in plan.missing) and all(p.key != "soffice" for p in still):
        warm_up(system, out)
    if still:
        _tell(out, still, "安装后仍缺少 / still missing after installing", advice_for(system, still))
        return 1 if args.strict else 0
    print("系统组件已安装齐全 / all system parts installed", file=out)
    return 0


if __name__ == "__main__":
    sys.exit(main())
