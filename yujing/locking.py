"""One writer at a time (写入锁): every command that changes a workspace's archive or registry
(import, assess, objection, freeze, issue, reprint, void, scan, assign, attach, record,
transcript, backup) holds the workspace's lock file while it runs; a second run waits for the
first and then finds its work done (a file scanned is recognised by its hash, a serial
allocated is not allocated again). Readers (audit, review, reports) take no lock: the registry
is in SQLite's WAL mode, so they read a consistent state while a writer works.

The lock is filelock's (PyPI ``filelock``: ``fcntl.flock`` on POSIX, ``msvcrt.locking`` on
Windows), released by the operating system when a process dies, so a crash or ``kill -9``
never leaves a workspace locked. It is re-entrant within a thread: a command that calls another
(``issue`` resuming a batch) does not wait for itself.
"""

from __future__ import annotations

import functools
import os
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from filelock import FileLock, Timeout

from yujing.errors import BusyError

LOCK_NAME = ".yujing-writer.lock"
TIMEOUT_ENV = "YUJING_LOCK_TIMEOUT"
DEFAULT_TIMEOUT = 3600.0
"""Seconds a command waits for another before giving up (an issue of 5,000 students takes
tens of minutes; a scan of a few hundred pages, minutes)."""

_locks: dict[str, FileLock] = {}
_guard = threading.Lock()

F = TypeVar("F", bound=Callable[..., Any])


def _lock_for(root: Path) -> FileLock:
    path = str(Path(root).resolve() / LOCK_NAME)
    with _guard:
        lock = _locks.get(path)
        if lock is None:
            lock = _locks[path] = FileLock(path)
        return lock


@contextmanager
def writer_lock(root: Path, *, timeout: float | None = None) -> Iterator[None]:
    """Hold the writer lock of the workspace at ``root`` (wait up to ``timeout`` seconds, by
    default ``$YUJING_LOCK_TIMEOUT`` or an hour)."""
    if timeout is None:
        timeout = float(os.environ.get(TIMEOUT_ENV, DEFAULT_TIMEOUT))
    lock = _lock_for(root)
    try:
        lock.acquire(timeout=timeout)
    except Timeout as exc:
        raise BusyError(
            f"另一个 yujing 命令正在修改工作区 {root}，等待 {timeout:.0f} 秒后仍未结束。"
            "请等它完成后再试（若确认没有其他命令在运行，锁会在那个进程退出时自动解除）。"
        ) from exc
    except OSError as exc:
        raise BusyError(f"无法在工作区 {root} 建立写入锁：{exc.strerror}") from exc
    try:
        yield
    finally:
        lock.release()


def writes(func: F) -> F:
    """Run ``func(ws, …)`` holding the writer lock of ``ws`` (a Workspace, first argument)."""

    @functools.wraps(func)
    def wrapper(ws: Any, *args: Any, **kwargs: Any) -> Any:
        with writer_lock(ws.root):
            return func(ws, *args, **kwargs)

    return wrapper  # type: ignore[return-value]
