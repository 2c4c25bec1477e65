"""LibreOffice (转换器): .docx → PDF with LibreOffice headless, for the print batches and the
pack samples. Reading, joining and rendering PDFs is :mod:`yujing.pdfkit`'s.

LibreOffice is an optional, external program. :func:`find_converter` looks for it (``soffice`` or
``libreoffice`` on PATH, or the path in ``$YUJING_SOFFICE``) and returns ``None`` when it is
absent; the caller then prints :data:`MISSING_MESSAGE` and keeps the .docx files.

How the conversion is run (docs/architecture.md, "LibreOffice"):

* every LibreOffice start costs 1–1.6 s, so one ``soffice --convert-to pdf`` call converts
  several files; a large document converts super-linearly, so the generator gives chunks of
  ≈ 100 students per .docx and :func:`join_pdfs` joins the PDFs afterwards;
* ``processes`` instances run at once, each with its own temporary profile
  (``-env:UserInstallation=…``): with a shared profile the second call is handed to the first
  instance, or fails silently;
* LibreOffice exits 0 even when a file could not be loaded, so every expected PDF is checked;
  the import filter is forced to Word 2007–365 so that a damaged file is not silently imported
  as plain text (it would otherwise be "converted" into pages of garbage);
* the Windows font names of the templates (宋体, 黑体, 仿宋, Times New Roman …) are mapped to
  installed free faces by ``fonts.conf`` beside this module, passed with ``FONTCONFIG_FILE`` to
  the LibreOffice processes only (without it Debian prints 宋体 with a sans face);
* PDFs appear atomically: LibreOffice writes into a hidden temporary folder inside ``out_dir``
  and each finished, non-empty PDF is renamed into place; the folder is always removed;
* a call that leaves PDFs missing for another reason than "could not load the file" (exit 81 on
  the first start of a fresh install or profile, a crash under load) is retried once, for the
  missing files, with a fresh profile; the error that remains names LibreOffice's exit code and
  its own words, and blames the file only when LibreOffice said it could not load it.

Library code never prints: progress goes through a ``progress(done, total)`` callback, called
from the calling thread.
"""

from __future__ import annotations

import contextlib
import ctypes.util
import os
import queue
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import zipfile
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path, PurePosixPath, PureWindowsPath

from yujing.errors import OutputError
from yujing.model import Progress

__all__ = [
    "MISSING_MESSAGE",
    "ConversionError",
    "Converter",
    "convert_to_pdf",
    "find_converter",
]

FONTS_CONF = Path(__file__).resolve().with_name("fonts.conf")
ENV_SOFFICE = "YUJING_SOFFICE"
# Files per LibreOffice call: enough to amortise the start (1–1.6 s), few enough that one call
# stays well inside the timeout with ≈ 100-student chunks and a crash loses little work.
MAX_FILES_PER_CALL = 20
POLL_SECONDS = 0.5  # how often a running call's output folder is looked at (progress)
# Word 2007–365 import filter: a damaged .docx fails to load instead of being read as text.
DOCX_FILTER = "MS Word 2007 XML"
PDF_EXPORT = "pdf:writer_pdf_Export"
PDFA_EXPORT = 'pdf:writer_pdf_Export:{"SelectPdfVersion":{"type":"long","value":"2"}}'
"""PDF/A-2b (LibreOffice ≥ 7.4 takes the filter options as JSON): the archive's copies."""

MISSING_MESSAGE = (
    "未找到 LibreOffice（soffice），无法生成 PDF；已生成的 Word 文件（.docx）不受影响，"
    "可用 Word/WPS 打开后打印或另存为 PDF。\n"
    "如需直接生成 PDF，请安装 LibreOffice 及中文字体：\n"
    "  Debian/Ubuntu：sudo apt-get install libreoffice-writer-nogui fonts-noto-cjk fonts-arphic-ukai\n"
    "  Windows/macOS：从 LibreOffice 官网（https://zh-cn.libreoffice.org/）下载安装，"
    f"然后把 soffice 所在目录加入 PATH，或设置环境变量 {ENV_SOFFICE} 为 soffice 的完整路径。"
)


class ConversionError(OutputError):
    """LibreOffice did not produce the PDF of one or more .docx files (``files``)."""

    def __init__(self, message: str, files: Sequence[Path] = ()) -> None:
        super().__init__(message)
        self.files = tuple(files)


@dataclass(frozen=True)
class Converter:
    """A LibreOffice installation found on this machine."""

    soffice: Path  # the LibreOffice executable found
    fontconfig: Path | None  # the fontconfig file passed via FONTCONFIG_FILE (None: no fontconfig)
    version: str  # e.g. "LibreOffice 7.4.7.2 40(Build:2)", "" when it could not be asked


# ---------------------------------------------------------------------------------------------
# Finding LibreOffice


def _uses_fontconfig() -> bool:
    """LibreOffice uses fontconfig on Linux and the BSDs, not on Windows or macOS."""
    if sys.platform in ("win32", "cygwin", "darwin"):
        return False
    return ctypes.util.find_library("fontconfig") is not None or Path("/etc/fonts").is_dir()


def _soffice_version(soffice: Path) -> str:
    try:
        done = subprocess.run(
            [str(soffice), "--version"],
            capture_output=True,
            text=True,
            errors="replace",
            timeout=60,
            stdin=subprocess.DEVNULL,
        )
    except (OSError, subprocess.SubprocessError):
        return ""
    lines = [line.strip() for line in done.stdout.splitlines() if line.strip()]
    return lines[0] if lines else ""


def install_paths(platform: str, env: Mapping[str, str]) -> list[str]:
    """Where LibreOffice installs ``soffice`` on ``platform`` (``sys.platform``), when it is
    not on PATH: Windows' Program Files (64- and 32-bit) and per-user Programs folder, macOS's
    Applications folders, the usual Linux and BSD prefixes."""
    if platform.startswith(("win", "cygwin")):
        roots = [
            env.get("PROGRAMFILES") or r"C:\Program Files",
            env.get("PROGRAMW6432") or "",
            env.get("PROGRAMFILES(X86)") or r"C:\Program Files (x86)",
        ]
        out = [str(PureWindowsPath(r, "LibreOffice", "program", "soffice.exe")) for r in roots if r]
        if env.get("LOCALAPPDATA"):
            out.append(
                str(
                    PureWindowsPath(
                        env["LOCALAPPDATA"], "Programs", "LibreOffice", "program", "soffice.exe"
                    )
                )
            )
        return list(dict.fromkeys(out))
    if platform == "darwin":
        app = "LibreOffice.app/Contents/MacOS/soffice"
        out = [f"/Applications/{app}"]
        if env.get("HOME"):
            out.append(str(PurePosixPath(env["HOME"], "Applications", app)))
        return out
    return [
        "/usr/lib/libreoffice/program/soffice",
        "/usr/lib64/libreoffice/program/soffice",
        "/opt/libreoffice/program/soffice",
        "/usr/local/lib/libreoffice/program/soffice",
        "/snap/bin/libreoffice",
    ]


def locate_soffice(
    *,
    platform: str | None = None,
    env: Mapping[str, str] | None = None,
    which: Callable[[str], str | None] = shutil.which,
    is_file: Callable[[str], bool] = os.path.isfile,
) -> str | None:
    """The LibreOffice program to run: ``$YUJING_SOFFICE``, else ``soffice``/``libreoffice``
    on PATH, else the usual install path of the platform (:func:`install_paths`). The probes
    are parameters so the lookup can be tested for Windows and macOS anywhere."""
    platform = sys.platform if platform is None else platform
    env = os.environ if env is None else env
    configured = env.get(ENV_SOFFICE, "").strip()
    if configured:
        if is_file(configured):
            return configured
        return which(configured)
    for name in ("soffice", "libreoffice"):
        found = which(name)
        if found:
            return found
    return next((p for p in install_paths(platform, env) if is_file(p)), None)


def find_converter() -> Converter | None:
    """LibreOffice found by :func:`locate_soffice`; ``None`` when absent."""
    found = locate_soffice()
    if not found:
        return None
    soffice = Path(found).expanduser().resolve()
    fontconfig = FONTS_CONF if _uses_fontconfig() and FONTS_CONF.is_file() else None
    return Converter(soffice=soffice, fontconfig=fontconfig, version=_soffice_version(soffice))


# ---------------------------------------------------------------------------------------------
# Converting


def _groups(files: Sequence[Path], processes: int) -> list[list[int]]:
    """Indices of ``files`` split into at most ``processes`` groups of about equal size in bytes
    (largest first onto the lightest group), each group kept in input order."""
    sizes = []
    for i, f in enumerate(files):
        try:
            sizes.append((f.stat().st_size, i))
        except OSError:
            sizes.append((0, i))
    count = max(1, min(processes, len(files)))
    groups: list[list[int]] = [[] for _ in range(count)]
    loads = [0] * count
    for size, i in sorted(sizes, key=lambda s: (-s[0], s[1])):
        g = loads.index(min(loads))
        groups[g].append(i)
        loads[g] += max(size, 1)
    return [sorted(g) for g in groups if g]


def _check_input(docx: Path) -> None:
    if not docx.is_file():
        raise ConversionError(
            f"找不到要转换为 PDF 的文件 {docx}。请重新生成 Word 文件后再试。", [docx]
        )
    if docx.suffix.lower() != ".docx":
        raise ConversionError(
            f"{docx} 不是 Word 文件（.docx），不能转换为 PDF。请只给出生成的 .docx 文件。", [docx]
        )
    try:
        ok = zipfile.is_zipfile(docx)
    except OSError as exc:
        raise ConversionError(
            f"无法读取 {docx}：{exc.strerror}。请检查文件权限后再试。", [docx]
        ) from exc
    if not ok:
        raise ConversionError(
            f"{docx} 已损坏（不是有效的 Word 文件），无法转换为 PDF。请删除该文件并重新生成后再试。",
            [docx],
        )


def _kill_tree(proc: subprocess.Popen[bytes]) -> None:
    """Stop soffice and the soffice.bin it started (the launcher is only the parent)."""
    if proc.poll() is not None:
        return
    if os.name == "posix":
        with contextlib.suppress(OSError):
            os.killpg(proc.pid, signal.SIGKILL)
    else:
        with contextlib.suppress(OSError, subprocess.SubprocessError):
            subprocess.run(
                ["taskkill", "/T", "/F", "/PID", str(proc.pid)],
                capture_output=True,
                timeout=30,
            )
    with contextlib.suppress(OSError):
        proc.kill()
    with contextlib.suppress(subprocess.SubprocessError):
        proc.wait(timeout=30)


# What LibreOffice prints (exit code 0) for each input it cannot load: a damaged or non-Word file.
NOT_LOADED = "could not be loaded"
# Lines of LibreOffice's output that say nothing about a failure.
_NOISE = ("javaldx", "java may not function", "using filter")


@dataclass(frozen=True)
class _Call:
    """How one LibreOffice call ended."""

    error: str = ""  # "" = LibreOffice ran to the end; "timeout", "stopped", or why it did not start
    returncode: int | None = None
    output: str = ""  # the tail of its stderr and stdout, noise lines left out

    def not_loaded(self) -> int:
        """How many inputs LibreOffice said it could not load."""
        return self.output.count(NOT_LOADED)


@dataclass
class _Batch:
    indices: list[int]
    error: str = ""  # "" = LibreOffice ran to the end; else why it did not
    call: _Call | None = None  # the last call that handled these files
    retried: bool = False  # the files' call was repeated once with a fresh profile


def _said(stderr: bytes | None, stdout: bytes | None) -> str:
    """The last lines LibreOffice printed (stderr first), without the noise, at most 500 chars."""
    lines = []
    for raw in (stderr, stdout):
        text = raw.decode("utf-8", "replace") if raw else ""
        lines += [
            line.strip()
            for line in text.splitlines()
            if line.strip() and not any(n in line for n in _NOISE)
        ]
    return "\n".join(lines)[-500:]


class _Runner:
    """Runs the LibreOffice calls of the worker threads; can stop them all."""

    def __init__(
        self, converter: Converter, stage: Path, timeout: float, export: str = PDF_EXPORT
    ) -> None:
        self.export = export
        self.converter = converter
        self.stage = stage
        self.timeout = timeout
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.running: set[subprocess.Popen[bytes]] = set()
        env = dict(os.environ)
        if converter.fontconfig is not None:
            env["FONTCONFIG_FILE"] = str(converter.fontconfig)
        self.env = env

    def run(
        self, profile: Path, files: Sequence[Path], on_ready: Callable[[int], None]
    ) -> _Call:
        """One ``soffice --convert-to pdf`` call; returns how it ended.

        LibreOffice converts the files in the given order: while it runs, ``on_ready(k)`` is
        called for file ``k`` once its PDF exists and the PDF of a later file has appeared (so
        the caller can report progress per file, not per call).
        """
        cmd = [
            str(self.converter.soffice),
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--invisible",
            "--nologo",
            "--nodefault",
            "--norestore",
            "--nolockcheck",
            f"--infilter={DOCX_FILTER}",
            "--convert-to",
            self.export,
            "--outdir",
            str(self.stage),
            *(str(f) for f in files),
        ]
        with self.lock:
            if self.stop.is_set():
                return _Call("stopped")
            try:
                proc = subprocess.Popen(
                    cmd,
                    stdin=subprocess.DEVNULL,
                    stdout=subprocess.PIPE,
                    stderr=subprocess.PIPE,
                    env=self.env,
                    start_new_session=True,  # POSIX: a timeout can kill soffice.bin too
                )
            except OSError as exc:
                return _Call(f"无法启动 LibreOffice（{self.converter.soffice}）：{exc.strerror}")
            self.running.add(proc)
        outputs = [self.stage / f"{f.stem}.pdf" for f in files]
        deadline = time.monotonic() + self.timeout
        seen = 0  # outputs[:seen] are finished (or were skipped by LibreOffice)
        try:
            while True:
                left = deadline - time.monotonic()
                try:
                    out, err = proc.communicate(timeout=max(0.01, min(POLL_SECONDS, left)))
                    break
                except subprocess.TimeoutExpired:
                    if time.monotonic() >= deadline:
                        _kill_tree(proc)
                        return _Call("timeout")
                latest = max(
                    (j for j in range(seen, len(outputs)) if outputs[j].exists()), default=0
                )
                for k in range(seen, latest):
                    if outputs[k].exists():
                        on_ready(k)
                seen = max(seen, latest)
        finally:
            with self.lock:
                self.running.discard(proc)
        said = _said(err, out)
        if self.stop.is_set() and proc.returncode != 0:
            return _Call("stopped", proc.returncode, said)
        return _Call("", proc.returncode, said)

    def kill_all(self) -> None:
        self.stop.set()
        with self.lock:
            procs = list(self.running)
        for proc in procs:
            _kill_tree(proc)


def convert_to_pdf(
    converter: Converter,
    docx_files: Sequence[Path],
    out_dir: Path,
    *,
    processes: int = 2,
    progress: Progress | None = None,
    timeout: float = 600,
    pdfa: bool = False,
) -> list[Path]:
    """Convert each .docx to ``out_dir/<stem>.pdf`` with ``processes`` LibreOffice instances
    (as PDF/A-2b with ``pdfa``).

    The files are split into ``processes`` groups (about equal in bytes); each group is
    converted by its own LibreOffice instance, with its own temporary profile, at most
    :data:`MAX_FILES_PER_CALL` files per start. ``timeout`` applies to each LibreOffice call.
    PDFs appear atomically. Returns the PDF paths in input order.

    Raises :class:`ConversionError` (an :class:`OutputError`) naming the .docx when its PDF is
    missing or empty after conversion, when a call times out, or when an input is not a .docx;
    PDFs finished before the failure are kept, nothing half-written is left in ``out_dir``.
    """
    files = [Path(f).resolve() for f in docx_files]
    out_dir = Path(out_dir)
    total = len(files)
    if total == 0:
        return []
    stems: dict[str, Path] = {}
    for f in files:
        _check_input(f)
        other = stems.setdefault(f.stem, f)
        if other != f:
            raise ConversionError(
                f"{other} 和 {f} 会转换成同名的 PDF（{f.stem}.pdf），请改名后再试。", [other, f]
            )
    targets = [out_dir / f"{f.stem}.pdf" for f in files]
    try:
        out_dir.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=".yujing-pdf-", dir=out_dir))
    except OSError as exc:
        raise OutputError(
            f"无法在 {out_dir} 中写入 PDF：{exc.strerror}。请检查目录权限和磁盘空间。"
        ) from exc
    profiles = Path(tempfile.mkdtemp(prefix="yujing-lo-"))
    runner = _Runner(converter, stage, timeout, PDFA_EXPORT if pdfa else PDF_EXPORT)
    groups = _groups(files, processes)
    results: queue.Queue[_Batch | None] = queue.Queue()

    def convert(profile: Path, batch: list[int]) -> tuple[list[int], _Call]:
        """One call for ``batch``; the files not yet reported ready, and how the call ended."""
        ready: set[int] = set()

        def on_ready(k: int) -> None:
            ready.add(k)
            results.put(_Batch([batch[k]]))

        call = runner.run(profile, [files[i] for i in batch], on_ready)
        return [i for k, i in enumerate(batch) if k not in ready], call

    def worker(n: int, group: list[int]) -> None:
        profile = profiles / f"profile-{n}"
        retried = False
        try:
            for start in range(0, len(group), MAX_FILES_PER_CALL):
                if runner.stop.is_set():
                    break
                rest, call = convert(profile, group[start : start + MAX_FILES_PER_CALL])
                missing = [i for i in rest if not _made(stage, files[i])]
                if (
                    missing
                    and not retried
                    and not call.error
                    and (call.returncode != 0 or call.not_loaded() < len(missing))
                ):
                    # not (only) files LibreOffice could not load: LibreOffice itself failed
                    # (exit 81 on a fresh profile's first start, a crash): once more, afresh
                    retried = True
                    profile = profiles / f"profile-{n}-again"
                    results.put(_Batch([i for i in rest if i not in missing]))
                    rest, call = convert(profile, missing)
                results.put(_Batch(rest, call.error, call, retried))
                if call.error:
                    break
        except BaseException as exc:  # pragma: no cover - reported to the calling thread
            results.put(_Batch([], f"{type(exc).__name__}: {exc}"))
        finally:
            results.put(None)

    threads = [
        threading.Thread(target=worker, args=(n, g), name=f"yujing-soffice-{n}", daemon=True)
        for n, g in enumerate(groups)
    ]
    done = 0
    failures: list[ConversionError] = []
    try:
        if progress:
            progress(0, total)
        for t in threads:
            t.start()
        finished = 0
        while finished < len(threads):
            batch = results.get()
            if batch is None:
                finished += 1
                continue
            if batch.error == "stopped":  # not converted: another batch failed first
                continue
            error = _place(batch, files, stage, targets, timeout, converter)
            if error is not None:
                failures.append(error)
                runner.stop.set()  # let running calls finish, start no new ones
                continue
            done += len(batch.indices)
            if progress and batch.indices:
                progress(done, total)
    except BaseException:
        runner.kill_all()
        raise
    finally:
        runner.stop.set()
        for t in threads:
            t.join(timeout=60)
        shutil.rmtree(stage, ignore_errors=True)
        shutil.rmtree(profiles, ignore_errors=True)
    if failures:
        if len(failures) == 1:
            raise failures[0]
        bad = [f for e in failures for f in e.files]
        text = "\n".join(f"  {e}" for e in failures)
        raise ConversionError(f"{len(bad)} 个文件未能转换为 PDF：\n{text}", bad)
    return targets


def _made(stage: Path, docx: Path) -> bool:
    """Whether LibreOffice left a PDF (begun, at least) for ``docx`` in ``stage``."""
    made = stage / f"{docx.stem}.pdf"
    try:
        return made.is_file() and made.stat().st_size > 0
    except OSError:
        return False


def _place(
    batch: _Batch,
    files: Sequence[Path],
    stage: Path,
    targets: Sequence[Path],
    timeout: float,
    converter: Converter,
) -> ConversionError | None:
    """Move the batch's finished PDFs into place; the error for those that are missing."""
    if not batch.indices and batch.error in ("", "timeout"):
        return None  # every PDF of the call was already placed
    names = "、".join(files[i].name for i in batch.indices)
    if batch.error == "timeout":
        return ConversionError(
            f"LibreOffice 转换 {names} 超过 {timeout:.0f} 秒仍未完成，已中止。"
            "请减少每个文件的学生数（分块更小），或加大超时时间后重试。",
            [files[i] for i in batch.indices],
        )
    if batch.error:
        return ConversionError(
            f"转换 {names or 'PDF'} 时出错：{batch.error}。请检查 LibreOffice 安装后重试。",
            [files[i] for i in batch.indices],
        )
    missing: list[Path] = []
    for i in batch.indices:
        made = stage / f"{files[i].stem}.pdf"
        try:
            ok = made.is_file() and made.stat().st_size > 0
            if ok:
                with open(made, "rb") as fh:
                    ok = fh.read(5) == b"%PDF-"
            if ok:
                os.replace(made, targets[i])
                continue
        except OSError as exc:
            return ConversionError(
                f"无法写入 {targets[i]}：{exc.strerror}。请检查目录权限和磁盘空间。", [files[i]]
            )
        missing.append(files[i])
    if not missing:
        return None
    return _failure(missing, batch, converter)


def _failure(missing: Sequence[Path], batch: _Batch, converter: Converter) -> ConversionError:
    """The error for PDFs still missing after a call ran to its end: the file is blamed only
    when LibreOffice said, exiting normally, that it could not load every missing file; else
    LibreOffice's exit code and its own words are named."""
    call = batch.call or _Call()
    listed = "、".join(str(f) for f in missing)
    words = call.output.replace("\n", "；") or "没有任何输出"
    if call.returncode == 0 and call.not_loaded() >= len(missing):
        return ConversionError(
            f"LibreOffice 无法打开 {listed}（LibreOffice：{words}）。"
            "文件可能已损坏或不是 Word 文件：请用 Word/WPS 打开检查，或重新生成后再试。",
            missing,
        )
    again = "，用新的配置目录重试一次仍然失败" if batch.retried else ""
    return ConversionError(
        f"LibreOffice（{converter.soffice}）未能把 {listed} 转换为 PDF{again}："
        f"退出码 {call.returncode}，LibreOffice 的输出：{words}。"
        "Word 文件本身没有发现问题；请检查 LibreOffice 的安装后重试。",
        missing,
    )
