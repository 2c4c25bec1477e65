"""A real ``yujing serve`` for the browser tests: on a free port of 127.0.0.1, over a workspace
or a university folder, its output in ``serve.log``; stopped when the block ends."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serving(folder: Path, logs: Path) -> Iterator[str]:
    """Start ``yujing -w FOLDER serve``, wait until its sign-in page answers, yield its base
    address; the server's output goes to ``logs/serve.log`` (shown if it never answers)."""
    port = free_port()
    log_path = logs / "serve.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [sys.executable, "-m", "yujing.cli.main", "-w", str(folder), "serve", "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(150):
            try:
                urllib.request.urlopen(f"{base}/login", timeout=2)
                break
            except OSError:
                time.sleep(0.2)
        else:
            raise AssertionError(log_path.read_text())
        yield base
    finally:
        proc.terminate()
        proc.wait(timeout=20)
        log.close()
