"""The import settings of a workspace, kept in its ``yujing.toml``::

    [import]
    student_id_pattern = "^[0-9]{10}$"   # 学号 pattern (default: ASCII letters and digits)

    [import.map.grades]                  # saved column mapping: template name = file header
    学年 = "开课学年"
    课程代码 = "课号"

:func:`save_column_map` writes a mapping into the file atomically, keeping every other line
(and comment) as it was.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from yujing.errors import WorkspaceError
from yujing.files import atomic_write, toml_string


@dataclass(frozen=True)
class ImportSettings:
    """``[import]`` of yujing.toml: the 学号 pattern and the saved column mappings per kind."""

    student_id_pattern: str | None = None
    maps: Mapping[str, Mapping[str, str]] = field(default_factory=dict)


def import_settings(config: Path) -> ImportSettings:
    """Read ``[import]`` from the workspace config ``config``."""
    data = _load(config)
    section = data.get("import", {})
    if not isinstance(section, dict):
        raise WorkspaceError(f"工作区配置 {config} 的 [import] 应为一个表。")
    pattern = section.get("student_id_pattern")
    if pattern is not None and not isinstance(pattern, str):
        raise WorkspaceError(f"工作区配置 {config}：[import] student_id_pattern 应为字符串。")
    maps: dict[str, dict[str, str]] = {}
    for kind, table in (section.get("map") or {}).items():
        if not isinstance(table, dict) or not all(isinstance(v, str) for v in table.values()):
            raise WorkspaceError(
                f'工作区配置 {config}：[import.map.{kind}] 应为「模板列名 = "文件表头"」的表。'
            )
        maps[str(kind)] = {str(k): v for k, v in table.items()}
    return ImportSettings(pattern, maps)


def save_column_map(config: Path, kind: str, mapping: Mapping[str, str]) -> None:
    """Store ``mapping`` as ``[import.map.<kind>]`` in ``config``, replacing an earlier one;
    the rest of the file is kept byte for byte. Written atomically."""
    text = config.read_text(encoding="utf-8")
    header = f"[import.map.{kind}]"
    body = "".join(f"{_key(k)} = {toml_string(v)}\n" for k, v in mapping.items())
    block = f"{header}\n{body}"
    lines = text.splitlines(keepends=True)
    start = next((i for i, line in enumerate(lines) if line.strip() == header), None)
    if start is None:
        sep = "" if not text or text.endswith("\n\n") else ("\n" if text.endswith("\n") else "\n\n")
        new = f"{text}{sep}# 成绩文件的列映射（yujing import {kind} --map … --save-map 写入）\n{block}"
    else:
        end = next(
            (j for j in range(start + 1, len(lines)) if lines[j].lstrip().startswith("[")),
            len(lines),
        )
        while end > start + 1 and not lines[end - 1].strip():
            end -= 1  # keep the blank lines before the next table
        new = "".join([*lines[:start], block, *lines[end:]])
    try:
        tomllib.loads(new)
    except tomllib.TOMLDecodeError as exc:  # a hand-edited file we would break: refuse
        raise WorkspaceError(
            f"无法把列映射写入工作区配置 {config}（{exc}）。请手工在文件末尾加入：\n{block}"
        ) from exc
    with atomic_write(config, "w", encoding="utf-8") as fh:
        fh.write(new)


def _load(config: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(config.read_text(encoding="utf-8"))
    except FileNotFoundError as exc:
        raise WorkspaceError(f"{config.parent} 不是 yujing 工作区（没有 {config.name}）。") from exc
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise WorkspaceError(f"工作区配置 {config} 无法解析：{exc}") from exc


_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(key: str) -> str:
    return key if _BARE.match(key) else toml_string(key)
