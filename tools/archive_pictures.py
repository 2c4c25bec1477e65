"""Pictures of the long-term archive for docs/archive/: a volume's 卷皮 and 卷内目录, and an
archive copy's first page with its 归档章 — rendered with PDFium from a handover package.

Run on a package made by ``yujing archive handover --term T -o PKG``::

    .venv/bin/python -m tools.archive_pictures PKG docs/archive
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pypdfium2 as pdfium

SCALE = 110 / 72


def _save(pdf: Path, index: int, out: Path) -> Path:
    doc = pdfium.PdfDocument(str(pdf))
    try:
        doc[index].render(scale=SCALE).to_pil().convert("RGB").save(out, optimize=True)
    finally:
        doc.close()
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("package", type=Path, help="a handover package (yujing archive handover)")
    parser.add_argument("out", type=Path, help="where the PNG files go")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    volume = sorted((args.package / "卷").glob("*.pdf"))[0]
    _save(volume, 0, args.out / "volume-cover.png")
    _save(volume, 1, args.out / "volume-contents.png")
    scans = sorted(p for p in (args.package / "文件").rglob("*.pdf") if "回收" in p.name)
    _save(scans[0], 0, args.out / "stamped-first-page.png")
    issued = sorted(p for p in (args.package / "文件").rglob("*.pdf") if "发出" in p.name)
    if issued:
        _save(issued[0], 0, args.out / "stamped-printed-copy.png")
    print(f"pictures in {args.out}")


if __name__ == "__main__":
    main()
