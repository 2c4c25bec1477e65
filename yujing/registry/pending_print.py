"""Pending schema change of the "print" work (to become a named migration at merge).

``students`` gains ``counsellor_phone`` (辅导员电话) and ``class_teacher_phone`` (班主任电话),
read from the roster's columns of those names and printed where a form has the adviser's
联系电话. A registry made before them gets the two columns, empty; a new one has them from
:class:`yujing.model.Student` already. Not evidence (a roster import, not sealed).
"""

from __future__ import annotations

import sqlite_utils

COLUMNS = ("counsellor_phone", "class_teacher_phone")


def migrate(db: sqlite_utils.Database) -> None:
    """Add the adviser phone columns to ``students`` if they are missing (idempotent)."""
    table = db.table("students")
    if not table.exists():
        return
    have = set(table.columns_dict)
    for column in COLUMNS:
        if column not in have:
            table.add_column(column, str)
