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
    """Copy the registry at ``path`` (SQLite online backup) and its seal checkpoint into the
    new folder ``target`` — what an upgrade keeps before it migrates the registry. Returns
    ``target``."""
    try:
        target.mkdir(parents=True, exist_ok=False)
        copy_registry(path, target / path.name)
        point = path.with_name(CHECKPOINT_NAME)
        if point.is_file():
            shutil.copy2(point, target / CHECKPOINT_NAME)
    except OSError as exc:
        raise OutputError(
            f"升级登记库前无法备份到 {target}：{exc.strerror}；登记库未改动。"
        ) from exc
    return target


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
