"""The skip summary (tests/sysparts.py, registered by tests/conftest.py): a run of pytest on a
small test folder whose tests skip for missing system parts and for other reasons, in a
separate process, read back from its output and exit status."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sysparts import PARTS, parts_of, reason_for

TESTS = Path(__file__).resolve().parent

CONFTEST = """
from sysparts import SkipSummary

def pytest_configure(config):
    config.pluginmanager.register(SkipSummary(), "yujing-skip-summary")
"""

TEST_FILE = '''
import pytest
from sysparts import reason_for, skip_missing

def test_runs():
    assert 1 + 1 == 2

def test_prints_a_pdf():
    skip_missing("soffice")

@pytest.mark.parametrize("n", [1, 2])
def test_reads_the_scan(n):
    skip_missing("poppler")

@pytest.mark.skipif(True, reason=reason_for(["soffice", "poppler"]))
def test_prints_and_reads_back():
    pass

def test_written_on_another_branch():
    pytest.skip("LibreOffice (soffice) is not installed")

def test_windows_only():
    pytest.skip("uses a shell script as a stand-in for soffice")

@pytest.mark.xfail(reason="a known bug, not a skip")
def test_known_bug():
    assert False
'''

MODULE_SKIP = """
import pytest
pytest.skip("Chromium is not installed", allow_module_level=True)

def test_browser():
    pass
"""


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    (tmp_path / "conftest.py").write_text(CONFTEST, encoding="utf-8")
    (tmp_path / "test_parts.py").write_text(TEST_FILE, encoding="utf-8")
    (tmp_path / "test_browser.py").write_text(MODULE_SKIP, encoding="utf-8")
    return tmp_path


def run(folder: Path, *args: str, allow: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "YUJING_ALLOW_SKIPS"}
    env["PYTHONPATH"] = os.pathsep.join([str(TESTS), env.get("PYTHONPATH", "")])
    if allow is not None:
        env["YUJING_ALLOW_SKIPS"] = allow
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args],
        cwd=folder,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_skips_for_missing_parts_are_named_and_fail_the_run(folder: Path) -> None:
    done = run(folder)
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert "1 passed, 7 skipped, 1 xfailed" in out
    assert "跳过的测试 / skipped tests" in out
    # per part, with the files; a test needing two parts counts under both
    assert "未安装 LibreOffice：跳过 3 项测试（PDF、打印批次、扫描归档、档案检查）—— test_parts.py 3" in out
    assert "未安装 poppler-utils：跳过 3 项测试" in out
    assert "未安装 Chromium：跳过 1 项测试（浏览器）—— test_browser.py 1" in out
    assert "/ LibreOffice not installed, tests skipped: 3" in out
    assert (
        "其他原因跳过 / skipped for another reason: test_parts.py::test_windows_only: "
        "uses a shell script as a stand-in for soffice" in out
    )
    assert "因缺少系统组件跳过了 6 项测试，本次测试不算通过" in out
    assert "set YUJING_ALLOW_SKIPS=1 to allow it" in out
    assert "python3 scripts/system_deps.py" in out
    assert "known_bug" not in out.split("skipped tests")[1]  # an xfail is not a skip


def test_yujing_allow_skips_lets_the_run_pass_and_still_names_the_skips(folder: Path) -> None:
    done = run(folder, allow="1")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "未安装 LibreOffice：跳过 3 项测试" in done.stdout
    assert "YUJING_ALLOW_SKIPS=1：允许跳过" in done.stdout
    assert "不算通过" not in done.stdout
    assert run(folder, allow="0").returncode == 1  # only 1 allows


def test_other_skips_are_named_but_do_not_fail_the_run(folder: Path) -> None:
    done = run(folder, "test_parts.py", "-k", "runs or windows_only")
    assert done.returncode == 0, done.stdout + done.stderr
    assert "其他原因跳过" in done.stdout and "未安装" not in done.stdout


def test_no_skip_says_so(folder: Path) -> None:
    done = run(folder, "test_parts.py", "-k", "runs")
    assert done.returncode == 0
    assert "没有跳过任何测试 / no test skipped" in done.stdout


def test_a_failure_stays_a_failure_and_no_tests_stays_5(folder: Path) -> None:
    (folder / "test_fails.py").write_text("def test_fails():\n    assert False\n")
    assert run(folder).returncode == 1
    assert run(folder, "-k", "no_such_test").returncode == 5


@pytest.mark.parametrize(
    ("reason", "parts"),
    [
        (reason_for(["soffice"]), ("soffice",)),
        (reason_for(["chromium", "chromedriver"], "no window"), ("chromium", "chromedriver")),
        ("LibreOffice (soffice) is not installed", ("soffice",)),
        ("needs LibreOffice and poppler: not installed", ("soffice", "poppler")),
        ("pdftoppm (poppler-utils) missing", ("poppler",)),
        ("chromedriver not found", ("chromedriver",)),
        ("font Noto Serif CJK SC not installed", ("fonts",)),
        ("未安装 Chromium", ("chromium",)),
        ("needs Debian's chromium", ("chromium",)),
        ("issuing needs LibreOffice", ("soffice",)),
        ("needs poppler-utils", ("poppler",)),
        ("uses a shell script as a stand-in for soffice", ()),
        ("needs Windows", ()),
    ],
)
def test_parts_of_a_skip_reason(reason: str, parts: tuple[str, ...]) -> None:
    assert parts_of(reason) == parts


def test_every_reason_says_how_to_install() -> None:
    for key, part in PARTS.items():
        reason = reason_for([key])
        assert reason.startswith(f"[缺少系统组件:{key}] {part.name}")
        assert "python3 scripts/system_deps.py" in reason and part.debian in reason


@pytest.mark.skipif(os.name != "posix", reason="a PATH of symlinks to the POSIX shell tools")
def test_the_real_markers_fail_a_run_without_the_system_parts(tmp_path: Path) -> None:
    """tests/test_pdf.py run where nothing outside Python is on PATH: its LibreOffice, poppler
    and font tests skip under their parts, and the run fails."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    for tool in ("sh", "cp", "basename", "sleep", "cat"):  # the stand-in soffice's shell
        found = shutil.which(tool)
        assert found is not None
        (bin_dir / tool).symlink_to(found)
    env = {k: v for k, v in os.environ.items() if k not in ("YUJING_ALLOW_SKIPS", "YUJING_SOFFICE")}
    env["PATH"] = str(bin_dir)
    # LibreOffice is also looked for at its usual install paths: point yujing at none
    env["YUJING_SOFFICE"] = str(tmp_path / "no-libreoffice-here")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/test_pdf.py"],
        cwd=TESTS.parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    out = done.stdout
    assert done.returncode == 1, out + done.stderr
    assert re.search(r"未安装 LibreOffice：跳过 \d+ 项测试.*test_pdf\.py", out), out
    assert "未安装 poppler-utils：跳过" in out
    assert "未安装 中文字体/fontconfig：跳过 17 项测试" in out  # the 17 font aliases
    assert "failed" not in out  # skipped, not failed: the tests that need nothing still pass
