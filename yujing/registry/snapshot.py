"""Snapshots of the registry file (登记库备份): SQLite's online backup API, used by ``yujing
backup`` (:mod:`yujing.backup`) and by an upgrade before it migrates (the registry's own copy,
so that the registry needs nothing above it)."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

from yujing.errors import OutputError, RegistryError
from yujing.registry.boundary import sqlite_message
from yujing.registry.sealfile import CHECKPOINT_NAME


def backup_registry(path: Path, target: Path) -> Path:
    """Copy the registry at ``path`` (SQLite online backup) and its seal checkpoint into a new
    folder named ``target`` — or ``target-2``, ``-3`` … when another opening made that one in
    the same second (the folder is claimed by ``mkdir``, so two processes never share one) —
    what an upgrade keeps before it migrates the registry. Returns the folder."""
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        claimed, n = target, 1
        while True:
            try:
                claimed.mkdir()
                break
            except FileExistsError:
                n += 1
                claimed = target.with_name(f"{target.name}-{n}")
        copy_registry(path, claimed / path.name)
        point = path.with_name(CHECKPOINT_NAME)
        if point.is_file():
            shutil.copy2(point, claimed / CHECKPOINT_NAME)
    except OSError as exc:
        raise OutputError(
            f"升级登记库前无法备份到 {target}：{exc.strerror}；登记库未改动。"
        ) from exc
    return claimed


def copy_registry(path: Path, target: Path) -> None:
    """SQLite's online backup: a consistent snapshot of the registry, WAL included."""
    try:
        src = sqlite3.connect(path, timeout=30)
        try:
            dst = sqlite3.connect(target)
            try:
                src.backup(dst)
            finally:
                dst.close()
        finally:
            src.close()
    except sqlite3.Error as exc:
        raise RegistryError(f"无法备份登记库 {path}：{sqlite_message(exc)}。") from exc
