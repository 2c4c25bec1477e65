"""Pictures of the forms: the first page of every form of every built-in pack, rendered for
the sample student (long, real-looking values) and printed by LibreOffice, as a PNG of about
60 dpi in ``docs/forms/<pack>-<form>.png``, so a reader sees every form without running
anything. ``python -m tools.form_pictures [--out DIR] [--dpi N] [PACK…]``

A development tool (not installed): it uses the sample renderer (:mod:`yujing.forms.sample`),
one LibreOffice call per pack, and pypdfium2 to draw the page.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from collections.abc import Sequence
from pathlib import Path

from yujing.converter import MISSING_MESSAGE, convert_to_pdf, find_converter
from yujing.forms.sample import render
from yujing.institutions import Pack, builtin_packs

DOCS = Path(__file__).resolve().parent.parent / "docs" / "forms"


def picture_name(pack: str, form_id: str) -> str:
    return f"{pack}-{form_id}.png"


def pack_pictures(pack: Pack, out: Path, *, dpi: float = 60) -> list[Path]:
    """Write the first page of each form of ``pack`` as ``out/<pack>-<form>.png``."""
    import pypdfium2 as pdfium

    converter = find_converter()
    if converter is None:
        raise SystemExit(MISSING_MESSAGE)
    level_names = pack.policy.level_names
    written: list[Path] = []
    with tempfile.TemporaryDirectory() as tmp:
        docs = []
        for form in pack.forms:
            level = form.levels[0] if form.levels else level_names[0]
            docs.append(
                render(
                    form, level, Path(tmp) / f"{form.id}.docx", level_names=level_names, long=True
                )
            )
        pdfs = convert_to_pdf(converter, docs, Path(tmp) / "pdf", processes=1)
        out.mkdir(parents=True, exist_ok=True)
        for form, pdf in zip(pack.forms, pdfs, strict=True):
            doc = pdfium.PdfDocument(str(pdf))
            try:
                image = doc[0].render(scale=dpi / 72).to_pil().convert("L")
            finally:
                doc.close()
            target = out / picture_name(pack.name, form.id)
            image.save(target, optimize=True)
            written.append(target)
    return written


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.form_pictures", description=__doc__)
    parser.add_argument("--out", type=Path, default=DOCS, help="output folder (docs/forms)")
    parser.add_argument("--dpi", type=float, default=60)
    parser.add_argument("packs", nargs="*", default=[])
    args = parser.parse_args(argv)
    for pack in builtin_packs():
        if args.packs and pack.name not in args.packs:
            continue
        for path in pack_pictures(pack, args.out, dpi=args.dpi):
            print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
