"""(Re)create the bundled demo input files in ``demo/data/`` (synthetic, deterministic).

Usage: ``python demo/make_sample.py``. The same version of ``tools.synthetic`` always
writes the same bytes, so running it again changes nothing unless the generator changed.
"""

from __future__ import annotations

import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"


def main() -> int:
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # tools/ (not installed)
    from tools.synthetic import SampleSpec, write_sample

    DATA.mkdir(parents=True, exist_ok=True)
    for old in DATA.glob("成绩_*"):  # per-term names change when the spec's terms do
        old.unlink()
    spec = SampleSpec()
    files = write_sample(DATA, spec)
    paths = [files.roster, *files.grades, files.plan, files.flags, files.levels]
    total = sum(p.stat().st_size for p in paths)
    print(f"{spec.students} 名学生，{len(files.grades)} 个学期，{files.grade_rows} 条成绩记录")
    for p in paths:
        print(f"  {p.relative_to(ROOT)}  {p.stat().st_size / 1024:.0f} KB")
    print(f"合计 {total / 1024:.0f} KB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
