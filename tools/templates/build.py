"""Build the form templates of the packs: ``python -m tools.templates.build [--out DIR] [PACK…]``.

For every pack folder under ``yujing/institutions/`` that has a layout module here
(``tools/templates/packs/<pack name with _ for ->.py``, whose ``BUILDERS`` maps form id →
builder), writes ``<pack>/templates/<template>.docx`` for each form of its ``forms.toml`` (or
``<DIR>/<pack>/<template>`` with ``--out``). The output is deterministic: the same source gives
the same bytes (fixed zip timestamps and document properties), so a test can rebuild into a
temporary directory and compare with the committed files.

This is a development tool: it is not installed with yujing. A school edits its pack's
templates in Word or WPS instead.
"""

from __future__ import annotations

import argparse
import importlib
import io
import sys
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tools.templates.layout import Builder
from yujing.forms import FormSpec, load_forms
from yujing.institutions import Pack, builtin_packs


def deterministic_bytes(doc: Any) -> bytes:
    """Save ``doc`` and rewrite the zip with fixed timestamps, so rebuilding is byte-stable."""
    raw = io.BytesIO()
    doc.save(raw)
    out = io.BytesIO()
    with zipfile.ZipFile(raw) as src, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            fixed = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            fixed.compress_type = zipfile.ZIP_DEFLATED
            fixed.external_attr = 0o644 << 16
            dst.writestr(fixed, src.read(info.filename))
    return out.getvalue()


@dataclass
class BuildResult:
    written: list[Path] = field(default_factory=list)


def builders(pack: Pack) -> dict[str, Builder]:
    """The layout module of ``pack``: form id → builder."""
    module = importlib.import_module(f"tools.templates.packs.{pack.name.replace('-', '_')}")
    return dict(module.BUILDERS)


def pack_forms(pack: Pack) -> tuple[FormSpec, ...]:
    return load_forms(pack.forms_path, pack.templates_dir, check_templates=False)


def build_form(pack: Pack, form: FormSpec) -> bytes:
    try:
        builder = builders(pack)[form.id]
    except KeyError:
        raise SystemExit(f"没有为表单 {pack.name}/{form.id} 编写模板生成函数") from None
    return deterministic_bytes(builder(form))


def build_all(out_dir: Path | None = None, packs: Sequence[str] = ()) -> BuildResult:
    """Write every template of ``packs`` (default: every built-in pack with a layout module)."""
    result = BuildResult()
    for pack in builtin_packs():
        if packs and pack.name not in packs:
            continue
        root = pack.templates_dir if out_dir is None else out_dir / pack.name
        for form in pack_forms(pack):
            target = root / form.template
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(build_form(pack, form))
            result.written.append(target)
    return result


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.templates.build", description=__doc__)
    parser.add_argument("--out", type=Path, default=None, help="output directory (default: packs)")
    parser.add_argument("packs", nargs="*", default=[])
    args = parser.parse_args(argv)
    for path in build_all(args.out, args.packs).written:
        print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
