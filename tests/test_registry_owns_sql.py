"""The registry owns all SQL (issue #8 item 4): no module of the package outside
``yujing/registry/`` holds an SQL statement in a string, or reaches for the registry's
database handle."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import yujing

PACKAGE = Path(yujing.__file__).parent
SQL = re.compile(
    r"\b(select\s+[\w*\[\].,\s()]{1,300}?\bfrom\s+\[?\w+|insert\s+(or\s+\w+\s+)?into"
    r"|update\s+\[?\w+\]?\s+set|delete\s+from|replace\s+into|create\s+(unique\s+)?"
    r"(table|index)|drop\s+table|alter\s+table|pragma\s+\w+)\b",
    re.IGNORECASE,
)


def sql_in(source: str) -> list[tuple[int, str]]:
    """(line, text) of every string constant (f-string parts included) that reads as SQL, and
    of every ``.db`` attribute (the registry's sqlite-utils handle)."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if SQL.search(node.value):
                found.append((node.lineno, node.value[:60]))
        elif isinstance(node, ast.Attribute) and node.attr in {"db", "conn"}:
            found.append((node.lineno, f".{node.attr}"))
    return found


def test_the_scanner_sees_sql_in_strings_and_f_strings() -> None:
    source = (
        'x = registry.db.query("select * from serials where term = ?")\n'
        'y = f"delete from [{name}] where id = {i}"\n'
        'z = "UPDATE archive_files SET signed=1"\n'
        'ok = "请选择（select）一个学期，然后更新记录"\n'
    )
    lines = sorted(line for line, _ in sql_in(source))
    assert lines == [1, 1, 2, 3]  # the .db handle and the three statements; not the message


def test_no_sql_outside_the_registry() -> None:
    offenders = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        if path.is_relative_to(PACKAGE / "registry"):
            continue
        found = sql_in(path.read_text(encoding="utf-8"))
        if found:
            offenders[str(path.relative_to(PACKAGE))] = found
    assert offenders == {}
