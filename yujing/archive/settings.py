"""The archive rules of a pack (``archive.toml``, 归档规则): what DA/T 22 needs that differs by
institution — the 全宗号 the school's archive office assigned, the 机构（问题）, the 保管期限 and
how long it runs, how the term's documents are bound into volumes (卷).

A pack without ``archive.toml`` (a workspace made before it existed) gets :data:`DEFAULTS`,
which the 四性 report names so the secretary fills them in.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from yujing.errors import PackError

ARCHIVE_FILE = "archive.toml"
RETENTIONS = {"永久": "Y", "30年": "D30", "10年": "D10"}
"""保管期限 (DA/T 22-2015 §6.1) and their codes in the 档号."""
VOLUME_KEYS = ("class", "level")


@dataclass(frozen=True)
class ArchiveSettings:
    """归档规则 of a pack."""

    fonds: str
    """全宗号 (assigned by the school's archive office)."""
    org: str
    """机构（问题） printed in the 归档章."""
    org_code: str
    """机构（问题）代码 in the 档号."""
    retention: str
    """保管期限: 永久, 30年 or 10年."""
    retention_from: str
    """Where the 保管期限 starts: ``graduation`` (年级 + program_years) or ``term``."""
    program_years: int
    """学制 (years to graduation from the 年级)."""
    volume_by: tuple[str, ...]
    """How a term's documents are bound: by ``class``, then optionally ``level``."""
    defaulted: bool = False
    """True when the pack has no archive.toml (the defaults are in use)."""

    @property
    def retention_code(self) -> str:
        return RETENTIONS[self.retention]

    @property
    def retention_years(self) -> int | None:
        """Years to keep, None for 永久."""
        return None if self.retention == "永久" else int(self.retention.removesuffix("年"))


DEFAULTS = ArchiveSettings(
    fonds="（待定）",
    org="学工",
    org_code="XG",
    retention="10年",
    retention_from="graduation",
    program_years=4,
    volume_by=("class",),
    defaulted=True,
)


def load_archive_settings(pack_root: Path) -> ArchiveSettings:
    """The pack's ``archive.toml`` (``[archive]`` table), checked; :data:`DEFAULTS` when the
    pack has none. Raises :class:`PackError` naming the key that is wrong."""
    path = Path(pack_root) / ARCHIVE_FILE
    if not path.is_file():
        return DEFAULTS
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise PackError(f"{path} 无法读取：{exc}") from exc
    table = data.get("archive")
    if not isinstance(table, dict):
        raise PackError(f"{path} 缺少 [archive] 表。")
    known = {
        "fonds",
        "org",
        "org_code",
        "retention",
        "retention_from",
        "program_years",
        "volume_by",
        "source",
    }
    extra = sorted(set(table) - known)
    if extra:
        raise PackError(f"{path}：[archive] 中有不认识的键 {'、'.join(extra)}")

    def text(key: str, default: str) -> str:
        value: Any = table.get(key, default)
        if not isinstance(value, str) or not value.strip():
            raise PackError(f"{path}：archive.{key} 应为非空文字")
        return value.strip()

    retention = text("retention", DEFAULTS.retention)
    if retention not in RETENTIONS:
        raise PackError(
            f"{path}：archive.retention「{retention}」应为 {'、'.join(RETENTIONS)} 之一"
        )
    start = text("retention_from", DEFAULTS.retention_from)
    if start not in ("graduation", "term"):
        raise PackError(f"{path}：archive.retention_from 应为 graduation 或 term")
    years = table.get("program_years", DEFAULTS.program_years)
    if not isinstance(years, int) or not 1 <= years <= 10:
        raise PackError(f"{path}：archive.program_years 应为 1 到 10 的整数（学制年数）")
    volume_by = table.get("volume_by", list(DEFAULTS.volume_by))
    if (
        not isinstance(volume_by, list)
        or not volume_by
        or volume_by[0] != "class"
        or any(v not in VOLUME_KEYS for v in volume_by)
        or len(set(volume_by)) != len(volume_by)
    ):
        raise PackError(
            f'{path}：archive.volume_by 应为以 "class" 开头的列表，可再加 "level"（按级别）'
        )
    code = text("org_code", DEFAULTS.org_code)
    if not code.isascii() or not code.replace("-", "").isalnum():
        raise PackError(f"{path}：archive.org_code 只能用字母和数字（写进档号）")
    return ArchiveSettings(
        fonds=text("fonds", DEFAULTS.fonds),
        org=text("org", DEFAULTS.org),
        org_code=code,
        retention=retention,
        retention_from=start,
        program_years=years,
        volume_by=tuple(str(v) for v in volume_by),
    )
