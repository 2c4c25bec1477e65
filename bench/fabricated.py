"""Shared by the benches that fabricate registry rows with SQL (thousands of students in
seconds): such rows carry no seal, so the registry is turned back into one of version 1 —
before the seals of version 2 — and the next opening seals every row, as that upgrade does
(otherwise the audit reports each row as 登记库被改动, and yujing refuses to change them)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from yujing.registry.migrations import CHAIN_SEALED, SET_SEALED
from yujing.registry.sealfile import CHECKPOINT_NAME


def seal_as_upgrade(root: Path) -> None:
    """Unseal the (closed) workspace's registry at ``root`` so its next opening seals it."""
    conn = sqlite3.connect(root / "registry.sqlite")
    try:
        for table in (*CHAIN_SEALED, *SET_SEALED):
            conn.execute(f"update [{table}] set seal = null")
        conn.execute("delete from seal_heads")
        conn.execute("delete from schema_migrations where version >= 2")
        conn.execute("pragma user_version = 1")
        conn.commit()
    finally:
        conn.close()
    (root / CHECKPOINT_NAME).unlink(missing_ok=True)
