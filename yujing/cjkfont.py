"""The CJK font Pillow draws Chinese with (中文字体): the term reports' charts, the student
check slips and the 归档章 all ask here, once per process, through ``fc-match``."""

from __future__ import annotations

import functools
import subprocess

from PIL import Image, ImageDraw, ImageFont


def _find_cjk_font() -> tuple[str, int] | None:
    """(font file, face index) of an installed CJK font, via ``fc-match``; None when fc-match
    or a font covering Chinese is missing."""
    try:
        done = subprocess.run(
            ["fc-match", "-f", "%{file}\n%{index}", "Noto Sans CJK SC:lang=zh-cn"],
            capture_output=True,
            text=True,
            timeout=20,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    lines = done.stdout.splitlines()
    if done.returncode != 0 or not lines or not lines[0].strip():
        return None
    path = lines[0].strip()
    index = int(lines[1]) if len(lines) > 1 and lines[1].strip().isdigit() else 0
    try:
        font = ImageFont.truetype(path, 32, index=index)
        # a font without Chinese draws every character as the same box (.notdef)
        if _glyph(font, "预") == _glyph(font, "警"):
            return None
    except OSError:
        return None
    return path, index


def _glyph(font: ImageFont.FreeTypeFont, char: str) -> bytes:
    image = Image.new("L", (48, 48), 0)
    ImageDraw.Draw(image).text((4, 4), char, fill=255, font=font)
    return image.tobytes()


@functools.lru_cache(maxsize=1)
def cjk_font() -> tuple[str, int] | None:
    """A CJK font for Pillow (file, face index), or None: the charts' and the slips' labels."""
    return _find_cjk_font()
