"""Simulate the paperwork that comes back after a print batch, as a scanner would produce it.

Usage: ``python demo/simulate_returns.py WORKSPACE BATCH_PDF OUT.pdf``

Takes the pages of ``print.pdf`` whose part must come back (存根, 回执, 记录表 — from the
workspace's registry), and makes one image-only scanned PDF (200 dpi JPEG pages): most pages
signed (a pen scribble beside every 签字/签名 label, found with ``pdftotext -bbox``), some
left unsigned, some missing (never returned), some upside down, one blank duplex back after
every tenth page, and one page carrying a WeChat group QR code instead of ours. Prints what it
did, so the demo can show what landed where.
"""

from __future__ import annotations

import json
import random
import re
import subprocess
import sys
import tempfile
from pathlib import Path

import zxingcpp
from PIL import Image, ImageDraw

from yujing.forms import part_by_code
from yujing.qr import load_or_create_secret, qr_png, verify
from yujing.workspace import Workspace

DPI = 200
_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]*)</word>')


def signature_boxes(pdf: Path, page: int) -> list[tuple[float, float, float, float]]:
    """Boxes (in points) of the 签字/签名/签收 labels on ``page`` (1-based)."""
    html = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(pdf), "-"],
        capture_output=True, text=True, check=True,
    ).stdout
    return [tuple(map(float, m.groups()[:4])) for m in _WORD.finditer(html)  # type: ignore[misc]
            if any(k in m.group(5) for k in ("签字", "签名", "签收"))]


def scribble(draw: ImageDraw.ImageDraw, x: float, y: float, rng: random.Random) -> None:
    points = [(x + i * 9 + rng.uniform(-3, 3), y + rng.uniform(-14, 10)) for i in range(14)]
    draw.line(points, fill=(20, 30, 110), width=4, joint="curve")


def main(argv: list[str]) -> int:
    workspace, batch_pdf, out = Path(argv[0]), Path(argv[1]), Path(argv[2])
    truth_file = Path(argv[3]) if len(argv) > 3 else None
    truth: list[dict[str, object]] = []
    rng = random.Random(2024)
    ws = Workspace(workspace)
    secret = load_or_create_secret(ws.root)
    tmp = Path(tempfile.mkdtemp(prefix="yujing-returns-"))
    subprocess.run(["pdftoppm", "-r", str(DPI), "-gray", "-jpeg", str(batch_pdf),
                    str(tmp / "p")], check=True)
    pages: list[Image.Image] = []
    stats = {"returned": 0, "missing": 0, "unsigned": 0, "upside_down": 0, "blank": 0}
    for index, png in enumerate(sorted(tmp.glob("p-*.jpg")), start=1):
        image = Image.open(png).convert("RGB")
        codes = [verify(secret, c.text) for c in zxingcpp.read_barcodes(image)]
        refs = [c.ref for c in codes if c.ref is not None]
        if not refs or not part_by_code(ws.forms, refs[0].part)[1].returns:
            continue  # a cover sheet, or a part kept by the student or the parents
        if rng.random() < 0.12:
            stats["missing"] += 1
            continue
        draw = ImageDraw.Draw(image)
        signed = rng.random() < 0.85
        if signed:
            scale = DPI / 72
            for _x0, y0, x1, y1 in signature_boxes(batch_pdf, index):
                scribble(draw, x1 * scale + 12, (y0 + y1) / 2 * scale, rng)
        else:
            stats["unsigned"] += 1
        turned = rng.random() < 0.1
        if turned:
            image = image.rotate(180)
            stats["upside_down"] += 1
        truth.append({"serial": refs[0].serial, "part": refs[0].part, "signed": signed,
                      "upside_down": turned, "page": len(pages) + 1})
        pages.append(image)
        stats["returned"] += 1
        if len(pages) % 10 == 0:
            back = Image.new("RGB", image.size, (246, 246, 244))
            pages.append(back)
            stats["blank"] += 1
    # Someone scanned the class's WeChat group card too.
    wechat = Image.new("RGB", pages[0].size, "white")
    code = Image.open(__import__("io").BytesIO(qr_png("HTTPS://WEIXIN.QQ.COM/G/DEMO"))).convert("RGB")
    wechat.paste(code.resize((600, 600)), (500, 600))
    ImageDraw.Draw(wechat).text((500, 1300), "WeChat group", fill="black")
    pages.insert(3, wechat)
    for t in truth:
        t["page"] = int(str(t["page"])) + (1 if int(str(t["page"])) > 3 else 0)
    if truth_file is not None:
        truth_file.write_text(json.dumps(truth, ensure_ascii=False, indent=1), encoding="utf-8")
    out.parent.mkdir(parents=True, exist_ok=True)
    pages[0].save(out, "PDF", save_all=True, append_images=pages[1:], resolution=DPI, quality=80)
    print(f"模拟回收扫描件：{out}（{len(pages)} 页）")
    print(f"  交回 {stats['returned']} 页（其中未签字 {stats['unsigned']}，倒置 {stats['upside_down']}），"
          f"未交回 {stats['missing']} 页，空白背面 {stats['blank']} 页，另有 1 页微信群二维码")
    ws.close()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
