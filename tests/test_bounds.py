"""Bounded work (issue #9, findings 7 and 8, scan and attach side): scan memory bounded per
page, images above a pixel limit refused in Chinese with no third-party warning text, and
``attach`` opening what it files."""

from __future__ import annotations

import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from conftest import TERM, sample_workspace
from PIL import Image, ImageDraw

from yujing.archive.records import attach
from yujing.checker.audit import audit
from yujing.errors import InputError

A4_150 = (1240, 1754)


def tiff(path: Path, pages: int) -> Path:
    """A multi-page greyscale TIFF of ``pages`` A4 pages at 150 dpi, each with a line of ink
    (no code: every page goes to review)."""
    page = Image.new("L", A4_150, 255)
    ImageDraw.Draw(page).rectangle((200, 300, 1000, 340), fill=0)
    page.save(
        path,
        format="TIFF",
        save_all=True,
        append_images=[page] * (pages - 1),
        compression="tiff_lzw",
        dpi=(150, 150),
    )
    return path


PEAK = """
import resource, sys
from pathlib import Path
from yujing.archive.intake import ingest
from yujing.workspace import Workspace
ws = Workspace(Path(sys.argv[1]))
result = ingest(ws, [Path(sys.argv[2])])
assert len(result.pages) == int(sys.argv[3]), len(result.pages)
print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)
"""


def peak_kib(ws_root: Path, scan: Path, pages: int) -> int:
    done = subprocess.run(
        [sys.executable, "-c", PEAK, str(ws_root), str(scan), str(pages)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.strip().splitlines()[-1])


@pytest.mark.skipif(sys.platform == "win32", reason="peak memory read with resource (POSIX)")
def test_scan_memory_does_not_grow_with_the_number_of_pages(tmp_path: Path) -> None:
    # Before: every page of a TIFF was kept until the file ended (a 240-page 150 dpi TIFF took
    # 2.1 GB). 2.1 MB a page here: 160 pages kept would add ≈ 270 MB over 20 pages.
    small_ws = sample_workspace(tmp_path / "a").root
    large_ws = sample_workspace(tmp_path / "b").root
    small = peak_kib(small_ws, tiff(tmp_path / "20.tif", 20), 20)
    large = peak_kib(large_ws, tiff(tmp_path / "160.tif", 160), 160)
    assert large - small < 60 * 1024, (small, large)


def test_a_huge_image_is_refused_in_chinese_without_a_pillow_warning(tmp_path: Path) -> None:
    ws = sample_workspace(tmp_path / "ws")
    huge = tmp_path / "huge.png"
    Image.new("1", (10_000, 10_000), 1).save(huge)  # 100 million pixels, a small file
    done = subprocess.run(
        [sys.executable, "-m", "yujing.cli.main", "--workspace", str(ws.root), "scan", str(huge)],
        capture_output=True,
        text=True,
    )
    text = done.stdout + done.stderr
    assert "图像尺寸异常巨大" in text and "huge.png" in text
    assert "DecompressionBomb" not in text and "Warning" not in text and "Traceback" not in text
    with pytest.raises(InputError, match="图像尺寸异常巨大"):
        attach(ws, "2023010101", huge, kind="other", term=TERM)
    ws.close()


def zip_bomb(path: Path, megabytes: int) -> Path:
    """An .xlsx-named zip that unpacks to ``megabytes`` MB of zeros (a few hundred KB)."""
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        with z.open("xl/worksheets/sheet1.xml", "w") as fh:
            block = b"\0" * (1 << 20)
            for _ in range(megabytes):
                fh.write(block)
    return path


def test_attach_refuses_empty_broken_and_bomb_files_and_the_audit_counts_none(
    tmp_path: Path,
) -> None:
    ws = sample_workspace(tmp_path / "ws", freeze=True)
    empty = tmp_path / "成绩单.pdf"
    empty.write_bytes(b"")
    garbage = tmp_path / "成绩单2.pdf"
    garbage.write_bytes(b"%PDF-1.4\n this is not a pdf \n%%EOF\n")
    renamed_zip = tmp_path / "成绩单3.pdf"
    renamed_zip.write_bytes(zip_bomb(tmp_path / "x.zip", 1).read_bytes())
    bomb = zip_bomb(tmp_path / "成绩单.xlsx", 250)
    broken_png = tmp_path / "照片.png"
    broken_png.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\0" * 50)
    for bad, words in (
        (empty, "空文件"),
        (garbage, "损坏的 PDF"),
        (renamed_zip, "不是可归档的材料"),
        (bomb, "压缩炸弹"),
        (broken_png, "损坏的图片"),
    ):
        with pytest.raises(InputError, match=words):
            attach(ws, "2023010101", bad, kind="transcript", term=TERM)
    assert ws.registry.records() == []
    assert not list((ws.root / "archive").rglob("成绩单*"))
    assert not any(
        st.requirement == "transcript" and st.count
        for s in audit(ws, TERM).students
        for st in s.statuses
    )
    # a real PDF is accepted
    good = tmp_path / "good.pdf"
    Image.new("L", (200, 300), 255).save(good, format="PDF")
    filed = attach(ws, "2023010101", good, kind="transcript", term=TERM)
    assert (ws.root / filed.path).read_bytes() == good.read_bytes()
    ws.close()
