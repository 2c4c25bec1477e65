"""System parts the tests need — one skip marker per part — and the skip summary of a run.

A test that needs a program outside Python carries a marker from here (``requires_soffice``,
``requires_poppler``, ``requires_fonts``, ``requires_chromium``, ``requires_chromedriver``, or
``requires("soffice", "poppler")`` for several) or, where the need shows only at run time, calls
:func:`skip_missing`. Either way the skip reason starts with a tag naming the parts
(``[缺少系统组件:soffice] …``), so :class:`SkipSummary` (registered by tests/conftest.py) can
count the skipped tests per missing part, name them at the end of the run, and fail a run that
skipped any unless ``YUJING_ALLOW_SKIPS=1``: a green run has run everything.
``scripts/system_deps.py`` installs the parts (``make test`` runs it first).
"""

from __future__ import annotations

import functools
import os
import re
import shutil
import subprocess
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import NoReturn

import pytest

ALLOW_SKIPS = "YUJING_ALLOW_SKIPS"
INSTALL = "python3 scripts/system_deps.py"


@dataclass(frozen=True)
class SystemPart:
    """A program or font outside Python that some tests need (系统组件)."""

    key: str
    name: str  # as shown: "LibreOffice"
    tests: str  # what the tests that need it check, in Chinese
    debian: str  # the Debian packages that bring it

    def missing(self) -> bool:
        return not _PRESENT[self.key]()


PARTS: dict[str, SystemPart] = {
    p.key: p
    for p in (
        SystemPart("soffice", "LibreOffice", "PDF、打印批次、扫描归档、档案检查", "libreoffice-writer-nogui"),
        SystemPart("poppler", "poppler-utils", "PDF 转图片、扫描归档、档案检查", "poppler-utils"),
        SystemPart(
            "fonts",
            "中文字体/fontconfig",
            "字体映射",
            "fontconfig fonts-noto-cjk fonts-arphic-ukai fonts-liberation2",
        ),
        SystemPart("ghostscript", "Ghostscript", "照片转 PDF/A 归档件", "ghostscript"),
        SystemPart(
            "tesseract",
            "Tesseract chi_sim",
            "归档件中文文字层",
            "tesseract-ocr tesseract-ocr-chi-sim",
        ),
        SystemPart("chromium", "Chromium", "浏览器", "chromium"),
        SystemPart("chromedriver", "chromedriver", "浏览器驱动", "chromium-driver"),
    )
}

FONT_FAMILIES = (
    "Noto Serif CJK SC",
    "Noto Sans CJK SC",
    "AR PL UKai CN",
    "Liberation Serif",
    "Liberation Sans",
    "Liberation Mono",
)


@functools.cache
def _soffice() -> bool:
    from yujing.converter import find_converter

    return find_converter() is not None


def _poppler() -> bool:
    return shutil.which("pdftoppm") is not None and shutil.which("pdffonts") is not None


@functools.cache
def font_families() -> str:
    """``fc-list : family`` ("" without fontconfig)."""
    if shutil.which("fc-list") is None:
        return ""
    done = subprocess.run(
        ["fc-list", ":", "family"], capture_output=True, text=True, errors="replace", check=False
    )
    return done.stdout


def _fonts() -> bool:
    if shutil.which("fc-match") is None:
        return False
    families = font_families()
    return all(f in families for f in FONT_FAMILIES)


def chromium_path() -> str | None:
    """The Chromium binary: ``chromium``/``chromium-browser`` on PATH, or /usr/bin/chromium."""
    found = shutil.which("chromium") or shutil.which("chromium-browser")
    if found:
        return found
    return "/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None


def chromedriver_path() -> str | None:
    found = shutil.which("chromedriver")
    if found:
        return found
    return "/usr/bin/chromedriver" if Path("/usr/bin/chromedriver").exists() else None


def _tesseract() -> bool:
    from yujing.archive.pdfa import ocr_available

    return ocr_available()


_PRESENT = {
    "ghostscript": lambda: shutil.which("gs") is not None,
    "tesseract": _tesseract,
    "soffice": _soffice,
    "poppler": _poppler,
    "fonts": _fonts,
    "chromium": lambda: chromium_path() is not None,
    "chromedriver": lambda: chromedriver_path() is not None,
}


# ---------------------------------------------------------------------------------------------
# Markers and skips


def tag(keys: Iterable[str]) -> str:
    keys = list(keys)
    unknown = [k for k in keys if k not in PARTS]
    assert not unknown, f"unknown system part {unknown}"
    return f"[缺少系统组件:{','.join(keys)}]"


def reason_for(keys: Sequence[str], detail: str = "") -> str:
    names = "、".join(PARTS[k].name for k in keys)
    packages = " ".join(PARTS[k].debian for k in keys)
    text = detail or f"{names} 未安装 / not installed"
    return f"{tag(keys)} {text}（安装 / install: {INSTALL}，或 apt-get install {packages}）"


def requires(*keys: str) -> pytest.MarkDecorator:
    """Skip unless every part in ``keys`` is installed; the reason names the missing ones."""
    missing = [k for k in keys if PARTS[k].missing()] if keys else []
    return pytest.mark.skipif(bool(missing), reason=reason_for(missing or list(keys)))


def skip_missing(key: str, detail: str = "") -> NoReturn:
    """Skip the running test because the system part ``key`` is missing (or does not work)."""
    __tracebackhide__ = True  # the skip is reported at the caller's line
    pytest.skip(reason_for([key], detail))


requires_soffice = requires("soffice")
requires_poppler = requires("poppler")
requires_fonts = requires("fonts")
requires_chromium = requires("chromium")
requires_chromedriver = requires("chromium", "chromedriver")


# ---------------------------------------------------------------------------------------------
# The summary


_TAGGED = re.compile(r"\[缺少系统组件:([a-z,]+)\]")
_ABSENT = re.compile(
    r"not installed|missing|not found|\bneeds?\b|\brequires?\b|未安装|未找到|缺少|需要", re.IGNORECASE
)
_GUESS = {
    "soffice": re.compile(r"libreoffice|soffice", re.IGNORECASE),
    "poppler": re.compile(r"poppler|pdftoppm|pdffonts", re.IGNORECASE),
    "chromedriver": re.compile(r"chromedriver", re.IGNORECASE),
    "chromium": re.compile(r"chromium|chrome\b", re.IGNORECASE),
    "fonts": re.compile(r"\bfont|fc-match|fc-list|fontconfig", re.IGNORECASE),
}


def parts_of(reason: str) -> tuple[str, ...]:
    """The system parts a skip reason names: its tag, or — for a skip written without the
    markers here (say a test from another branch) — the parts its words say are missing."""
    tagged = _TAGGED.search(reason)
    if tagged:
        return tuple(tagged.group(1).split(","))
    if not _ABSENT.search(reason):
        return ()
    return tuple(key for key, pattern in _GUESS.items() if pattern.search(reason))


@dataclass(frozen=True)
class Skip:
    nodeid: str
    reason: str

    @property
    def file(self) -> str:
        return Path(self.nodeid.split("::")[0]).name


def _reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) and len(longrepr) == 3 else longrepr
    return str(text).removeprefix("Skipped: ")


class SkipSummary:
    """pytest plugin: collect the skips, name them per missing part at the end, and fail the
    run when a system part was missing (unless ``YUJING_ALLOW_SKIPS=1``)."""

    def __init__(self) -> None:
        self.skips: dict[str, Skip] = {}

    def _record(self, report: pytest.TestReport | pytest.CollectReport) -> None:
        if report.skipped and not hasattr(report, "wasxfail"):
            self.skips.setdefault(report.nodeid, Skip(report.nodeid, _reason(report)))

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        self._record(report)

    def pytest_collectreport(self, report: pytest.CollectReport) -> None:
        self._record(report)

    def by_part(self) -> dict[str, list[Skip]]:
        groups: dict[str, list[Skip]] = {}
        for skip in self.skips.values():
            for key in parts_of(skip.reason) or ("",):
                groups.setdefault(key, []).append(skip)
        return groups

    def system_skips(self) -> list[Skip]:
        return [s for s in self.skips.values() if parts_of(s.reason)]

    @staticmethod
    def allowed() -> bool:
        return os.environ.get(ALLOW_SKIPS, "").strip() == "1"

    def lines(self) -> list[str]:
        """The summary, one line per missing part (and one for the other skips)."""
        if not self.skips:
            return ["没有跳过任何测试 / no test skipped"]
        out = []
        groups = self.by_part()
        for key, part in PARTS.items():
            skips = groups.get(key, [])
            if not skips:
                continue
            files = Counter(s.file for s in skips)
            where = "，".join(f"{f} {n}" for f, n in sorted(files.items()))
            out.append(
                f"未安装 {part.name}：跳过 {len(skips)} 项测试（{part.tests}）—— {where}"
                f" / {part.name} not installed, tests skipped: {len(skips)}"
            )
        others = groups.get("", [])
        for skip in others:
            out.append(f"其他原因跳过 / skipped for another reason: {skip.nodeid}: {skip.reason}")
        system = self.system_skips()
        if system:
            out.append(f"安装缺少的系统组件 / to install the missing parts: {INSTALL}")
            if self.allowed():
                out.append(
                    f"{ALLOW_SKIPS}=1：允许跳过，本次仍算通过 / skips allowed, the run may pass"
                )
            else:
                out.append(
                    f"因缺少系统组件跳过了 {len(system)} 项测试，本次测试不算通过"
                    f"（设置 {ALLOW_SKIPS}=1 可允许跳过）/ {len(system)} tests skipped for missing "
                    f"system parts: the run fails (set {ALLOW_SKIPS}=1 to allow it)"
                )
        return out

    def pytest_sessionfinish(self, session: pytest.Session, exitstatus: int) -> None:
        if self.system_skips() and not self.allowed() and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        terminalreporter.section("跳过的测试 / skipped tests", sep="=")
        failing = bool(self.system_skips()) and not self.allowed()
        for line in self.lines():
            terminalreporter.write_line(line, red=failing and "不算通过" in line)
