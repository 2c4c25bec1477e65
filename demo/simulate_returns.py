"""Simulate the paperwork that comes back after a print batch, as a scanner would produce it.

Usage: ``python demo/simulate_returns.py WORKSPACE BATCH_PDF OUT.pdf``

Takes the pages of ``print.pdf`` whose part must come back (存根, 回执, 记录表 — from the
workspace's registry), and makes one image-only scanned PDF (200 dpi JPEG pages): most pages
signed (a handwritten signature in every signature blank, found on the page as the signature
check finds it), some
left unsigned, some missing (never returned), some upside down, one blank duplex back after
every tenth page, and one page carrying a WeChat group QR code instead of ours. Prints what it
did, so the demo can show what landed where.
"""

from __future__ import annotations

import json
import random
import sys
from pathlib import Path

import zxingcpp
from PIL import Image, ImageDraw
from pypdf import PdfReader

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))
import scanlib

from yujing.archive.reader import render_pdf_page
from yujing.archive.signature import issued_page
from yujing.forms import part_by_code
from yujing.qr import load_secret, qr_png, verify
from yujing.workspace import Workspace

DPI = 200


def main(argv: list[str]) -> int:
    workspace, batch_pdf, out = Path(argv[0]), Path(argv[1]), Path(argv[2])
    truth_file = Path(argv[3]) if len(argv) > 3 else None
    truth: list[dict[str, object]] = []
    rng = random.Random(2024)
    ws = Workspace(workspace)
    secret = load_secret(ws.root)
    pages: list[Image.Image] = []
    stats = {"returned": 0, "missing": 0, "unsigned": 0, "upside_down": 0, "blank": 0}
    for index in range(1, len(PdfReader(batch_pdf).pages) + 1):
        image = render_pdf_page(batch_pdf, index, DPI, grey=True).convert("RGB")
        codes = [verify(secret, c.text) for c in zxingcpp.read_barcodes(image)]
        refs = [c.ref for c in codes if c.ref is not None]
        if not refs:
            continue  # a page without a code of ours
        # the class cover sheets and college lists come back too, into archive/_学院/
        college = ws.registry.college_doc(refs[0].serial) is not None
        if not college and not part_by_code(ws.forms, refs[0].part)[1].returns:
            continue  # a part kept by the student or the parents
        if rng.random() < 0.12:
            stats["missing"] += 1
            continue
        signed = rng.random() < 0.85
        if signed:
            for k, area in enumerate(issued_page(batch_pdf, index).areas):
                image = scanlib.signature(image, area.box, seed=index * 10 + k)
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
