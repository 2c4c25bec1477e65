"""The list stage (预警名单): the term's warning list built from the imported records, its
rows with the change against last term (新增/升级/降级/持续/解除), objections, and its .xlsx/.csv.

:mod:`yujing.warnlist.build` joins the records per student and runs the engine (also for the
file-only ``yujing assess --policy … --grades …``); :mod:`yujing.warnlist.rows` holds the list's
rows and writes them.
"""

from yujing.warnlist.build import (
    FileAssessment,
    assess_files,
    population,
    previous_levels,
    unrostered,
)
from yujing.warnlist.rows import (
    CHANGES,
    DOWN,
    NEW,
    RELEASED,
    SAME,
    UP,
    ListRow,
    apply_objections,
    change_of,
    list_rows,
    write_csv,
    write_xlsx,
)

__all__ = [
    "CHANGES",
    "DOWN",
    "NEW",
    "RELEASED",
    "SAME",
    "UP",
    "FileAssessment",
    "ListRow",
    "apply_objections",
    "assess_files",
    "change_of",
    "list_rows",
    "population",
    "previous_levels",
    "unrostered",
    "write_csv",
    "write_xlsx",
]
