"""The seal checkpoint (封印检查点): the heads of every sealed table, outside the SQLite file.

``registry.seal`` beside ``registry.sqlite`` holds, per sealed table, the head the registry
keeps in ``seal_heads`` (rows, last id, chain or sum), under an HMAC with the workspace key. It
is written at every commit that changed a sealed table: before the commit as *pending* (the
heads before and after), after it as confirmed. So deleting or rolling back ``seal_heads`` (or
the whole registry file to an older copy) disagrees with the checkpoint, and the audit says so.
A crash between the two writes leaves a pending checkpoint, which accepts either side.

The file is small JSON, written to a temporary file and renamed into place (never half
written); every backup copies it with the registry. What it cannot do is described in
docs/seals.md: someone who holds the key and the folder can rewrite both.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import tempfile
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

CHECKPOINT_NAME = "registry.seal"

Head = tuple[int, int, str]
"""(rows, last id, chain) of one table, as in ``seal_heads``."""
Heads = Mapping[str, Head]


def checkpoint_path(registry_path: Path) -> Path:
    """Where the checkpoint of the registry at ``registry_path`` lives (beside it)."""
    return registry_path.with_name(CHECKPOINT_NAME)


def heads_digest(secret: bytes, heads: Heads) -> str:
    """One short HMAC over every table's head: printed on each audit report, so a report
    kept elsewhere shows which state of the registry it checked."""
    body = json.dumps(_plain(heads), sort_keys=True, ensure_ascii=False)
    return hmac.new(secret, b"heads\x1e" + body.encode("utf-8"), hashlib.sha256).hexdigest()[:24]


@dataclass(frozen=True)
class Checkpoint:
    """A checkpoint as read: its heads, the heads before a commit that may not have landed
    (``previous``, None when confirmed), and when it was written."""

    heads: dict[str, Head]
    previous: dict[str, Head] | None
    at: str

    def accepts(self, heads: Heads) -> bool:
        """Whether the registry's heads are the ones this checkpoint vouches for."""
        now = _plain(heads)
        return now == _plain(self.heads) or (
            self.previous is not None and now == _plain(self.previous)
        )


class CheckpointProblem(Exception):
    """The checkpoint is missing, unreadable or not signed with this workspace's key."""


def write_checkpoint(
    path: Path, secret: bytes, heads: Heads, at: str, previous: Heads | None = None
) -> None:
    """Write the checkpoint atomically (a temporary file renamed into place)."""
    body = {
        "format": 1,
        "at": at,
        "heads": _plain(heads),
        "previous": None if previous is None else _plain(previous),
    }
    body["mac"] = _mac(secret, body)
    data = json.dumps(body, sort_keys=True, ensure_ascii=False, indent=1).encode("utf-8")
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:  # no fsync: as durable as the registry itself
            fh.write(data)  # (WAL with synchronous=NORMAL survives a crash of the program)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def read_checkpoint(path: Path, secret: bytes) -> Checkpoint:
    """The checkpoint at ``path``; :class:`CheckpointProblem` (in Chinese) when it is missing,
    damaged or signed with another key."""
    try:
        body = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise CheckpointProblem(f"封印检查点 {path.name} 不存在（被删除？）") from exc
    except (OSError, ValueError) as exc:
        raise CheckpointProblem(f"封印检查点 {path.name} 无法读取或已损坏") from exc
    if not isinstance(body, dict) or not isinstance(body.get("heads"), dict):
        raise CheckpointProblem(f"封印检查点 {path.name} 格式不对")
    mac = str(body.pop("mac", ""))
    if not hmac.compare_digest(mac, _mac(secret, body)):
        raise CheckpointProblem(f"封印检查点 {path.name} 的签名不符（被改动，或不是本工作区的）")
    previous = body.get("previous")
    return Checkpoint(
        _heads(body["heads"]), None if previous is None else _heads(previous), str(body["at"])
    )


def _mac(secret: bytes, body: Mapping[str, object]) -> str:
    text = json.dumps(body, sort_keys=True, ensure_ascii=False)
    return hmac.new(secret, b"checkpoint\x1e" + text.encode("utf-8"), hashlib.sha256).hexdigest()


def _plain(heads: Heads) -> dict[str, list[object]]:
    return {t: [int(h[0]), int(h[1]), str(h[2])] for t, h in sorted(heads.items())}


def _heads(raw: Mapping[str, list[object]]) -> dict[str, Head]:
    return {str(t): (int(str(v[0])), int(str(v[1])), str(v[2])) for t, v in raw.items()}
