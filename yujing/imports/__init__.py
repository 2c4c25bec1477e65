"""The import stage (导入): reading the exports of the academic-affairs systems into records.

- :mod:`yujing.imports.tables`    reading .xlsx/.csv into a :class:`Table` (encodings, header
  row, size limits checked before a workbook is parsed, formula cells marked);
- :mod:`yujing.imports.kinds`     the input kinds and their columns (and the 教务 systems' aliases);
- :mod:`yujing.imports.profiles`  grade export profiles (``profiles/*.toml``): detection, terms;
- :mod:`yujing.imports.values`    学号, scores and remarks, read the same way for every kind;
- :mod:`yujing.imports.parse`     turning a table's rows into records, with one BadRow per bad row;
- :mod:`yujing.imports.settings`  the workspace's ``[import]`` settings and saved column mappings.
"""

from yujing.imports.kinds import KINDS, Column, ImportKind
from yujing.imports.parse import ParsedFile, checked, parse_file, record_key
from yujing.imports.profiles import ExportProfile, exam_kind, load_profiles, profile_names
from yujing.imports.settings import ImportSettings, import_settings, save_column_map
from yujing.imports.tables import Table, read_table

__all__ = [
    "KINDS",
    "Column",
    "ExportProfile",
    "ImportKind",
    "ImportSettings",
    "ParsedFile",
    "Table",
    "checked",
    "exam_kind",
    "import_settings",
    "load_profiles",
    "parse_file",
    "profile_names",
    "read_table",
    "record_key",
    "save_column_map",
]
