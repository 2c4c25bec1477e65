"""Schema of the list's workflow and the review queue (名单流程、待处理队列), pending its
named migration (the lead turns this into one at merge).

- ``list_submissions``: each time the secretary submits a term's list for review (提交审核):
  who, when, and the list's revision then (evidence: to be sealed).
- ``approvals.list_revision``, ``submission_id``: the list's revision and the submission a
  reviewer's decision was made on; a later revision (a new assessment, an objection's outcome)
  or a later submission makes the decision stale.
- ``review_items.uploaded_by``: the account that uploaded the page (empty: the command line);
  ``decided_by``, ``decided_at``, ``note``: who set a page aside as 不是本系统材料
  (``status = 'discarded'``) or 重复 (``status = 'duplicate'``), when and why — the file stays
  where it is (evidence: to be sealed).
"""

from __future__ import annotations

import sqlite_utils


def migrate(db: sqlite_utils.Database) -> None:
    """Idempotent: create the table and add the columns that are missing."""
    if not db["list_submissions"].exists():
        db.create_table(
            "list_submissions",
            {"id": int, "term": str, "account": str, "list_revision": int, "at": str},
            pk="id",
        )
    wanted: dict[str, dict[str, type]] = {
        "approvals": {"list_revision": int, "submission_id": int},
        "review_items": {"uploaded_by": str, "decided_by": str, "decided_at": str, "note": str},
    }
    for table, columns in wanted.items():
        if not db[table].exists():
            continue
        have = set(db.table(table).columns_dict)
        for name, kind in columns.items():
            if name not in have:
                db.table(table).add_column(name, kind)
