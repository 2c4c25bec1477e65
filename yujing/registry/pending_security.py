"""Schema additions of the security work (issue #18), pending their named migration:

- ``records.participants`` (参与人): who else took part in a typed record (the 记录人 ``who`` is
  the account that entered it in the console). ``records.at`` already holds when a record was
  entered (录入时间), which the audit now measures deadlines by as well as the written date.
- ``jobs.cancel`` (取消请求): set by the job's owner or the secretary; the worker checks it
  between pages and stops the job.
- ``jobs.pages`` (页数): the pages a scan job holds, counted at upload, for the per-job limit.
- an index ``login_attempts(name, ip, at)`` for the count each sign-in makes.

``records`` is evidence (sealed already; the new column is part of each row's seal)."""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    """Add the columns if they are missing (idempotent)."""
    for table, column, kind in (
        ("records", "participants", str),
        ("jobs", "cancel", int),
        ("jobs", "pages", int),
    ):
        tbl = db.table(table)
        if tbl.exists() and column not in tbl.columns_dict:
            tbl.add_column(column, kind)
    if db.table("login_attempts").exists():  # the per account+address count of each sign-in
        db.execute(
            "create index if not exists idx_login_attempts_pair on login_attempts(name, ip, at)"
        )
