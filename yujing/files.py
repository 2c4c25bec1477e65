"""Safe file writing: nothing half-written is ever visible under its final name."""

from __future__ import annotations

import gc
import hashlib
import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from yujing.errors import OutputError
from yujing.faults import checkpoint


class atomic_write:
    """``with atomic_write(path, mode) as fh``: write a temporary file beside ``path`` and
    rename it into place only when the block succeeds (Ctrl-C or a crash leaves the old file,
    or none, never a truncated one)."""

    def __init__(self, path: Path, mode: str, **kwargs: Any) -> None:
        self.path = Path(path)
        self.mode = mode
        self.kwargs = kwargs

    def __enter__(self) -> Any:
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            fd, self.tmp = tempfile.mkstemp(
                prefix=f".{self.path.name}.", suffix=".part", dir=self.path.parent
            )
        except OSError as exc:
            raise OutputError(f"无法写入 {self.path}：{exc.strerror}") from exc
        self.fh = os.fdopen(fd, self.mode, **self.kwargs)
        return self.fh

    def __exit__(self, exc_type: object, exc: object, tb: object) -> None:
        self.fh.close()
        if exc_type is None:
            checkpoint("before-rename")
            try:
                os.replace(self.tmp, self.path)
                checkpoint("after-rename")
            except OSError as err:
                Path(self.tmp).unlink(missing_ok=True)
                raise OutputError(f"无法写入 {self.path}：{err.strerror}") from err
        else:
            Path(self.tmp).unlink(missing_ok=True)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


@contextmanager
def bulk() -> Iterator[None]:
    """Pause the cyclic garbage collector while a million acyclic records are made: with it
    running, parsing 1.3 million grade rows took 24 s here, without it 11 s."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def toml_string(value: str) -> str:
    """A TOML basic string holding ``value`` (for the config and pack files yujing edits)."""
    escaped = value.replace("\\", "\\\\").replace('"', '\\"')
    return '"' + "".join(c if c >= " " else f"\\u{ord(c):04x}" for c in escaped) + '"'
