"""The import stage (导入): reading the exports of the academic-affairs systems into records.

- :mod:`yujing.imports.tables`  reading .xlsx/.csv into a :class:`Table` (encodings, header row);
- :mod:`yujing.imports.kinds`   the input kinds and their columns;
- :mod:`yujing.imports.parse`   turning a table's rows into records, with one BadRow per bad row.
"""

from yujing.imports.kinds import KINDS, Column, ImportKind
from yujing.imports.parse import ParsedFile, checked, parse_file, record_key
from yujing.imports.tables import Table, read_table

__all__ = [
    "KINDS",
    "Column",
    "ImportKind",
    "ParsedFile",
    "Table",
    "checked",
    "parse_file",
    "read_table",
    "record_key",
]
