"""Reading tabular input files: .xlsx, and .csv in UTF-8 (with or without BOM), GBK/GB18030
or UTF-16 (Excel's "Unicode text").

A :class:`Table` knows its file, the encoding it was read with, where its header row is and
how to iterate its data rows with their 1-based row numbers as a spreadsheet shows them, so
that every message about a row can name the row the user sees.
"""

from __future__ import annotations

import csv
import io
import re
import warnings
import zipfile
import zlib
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path
from xml.etree import ElementTree

from yujing.errors import UnreadableFileError
from yujing.imports.legacy import (
    MAX_LEGACY_BYTES,
    biff_sheets,
    html_tables,
    kind_of,
    spreadsheetml_sheets,
)
from yujing.imports.values import FORMULA_MARK

HEADER_SEARCH_ROWS = 10
"""Exports sometimes put a title line (e.g. ``2024-2025学年成绩``) above the headers."""

MAX_SHEET_XML_BYTES = 200 * 1024 * 1024
"""A worksheet's XML inside the .xlsx, uncompressed: a 30,000-student × 8-term export is
about 150 MB; a file claiming more is refused before it is parsed (a zip bomb of 3 MB can
unpack to gigabytes)."""
MAX_XLSX_BYTES = 400 * 1024 * 1024
"""All members of the .xlsx together, uncompressed."""
MAX_ROWS = 1_000_000
"""Rows of one sheet (Excel's own limit is 1,048,576)."""
MAX_COLUMNS = 1_000
"""Columns of one sheet: an export has a few dozen."""
_DIMENSION = re.compile(rb'<dimension\s+ref="([A-Z]+)?(\d+)?(?::([A-Z]+)(\d+))?"')


@dataclass(frozen=True)
class Table:
    """A table read from one file (CSV or the first fitting sheet of a workbook)."""

    path: Path
    encoding: str
    header: tuple[str, ...]
    header_row: int
    _rows: Sequence[Sequence[str]] = field(repr=False)
    has_formulas: bool = False
    """A workbook cell of the data rows is a formula (its text starts with FORMULA_MARK)."""

    @property
    def name(self) -> str:
        return self.path.name

    def iter_rows(self) -> Iterator[tuple[int, Sequence[str]]]:
        """Yield ``(row_number, cells)`` for each non-empty data row. Cells are as read (not
        stripped); a short row has fewer cells than the header."""
        for offset, raw in enumerate(self._rows, start=self.header_row + 1):
            if any(raw):
                yield offset, raw

    def column_values(self, index: int) -> set[str]:
        """The distinct values (stripped) of column ``index`` over the data rows."""
        return {r[index].strip() if index < len(r) else "" for r in self._rows}

    @property
    def size(self) -> int:
        """Data rows, empty ones included (for progress bars)."""
        return len(self._rows)

    def __len__(self) -> int:
        return sum(1 for _ in self.iter_rows())


def read_table(path: Path, known_headers: Iterable[str]) -> Table:
    """Read ``path`` and find its header row: the first of the top rows holding the most
    ``known_headers``. Raises :class:`UnreadableFileError` naming the file."""
    path = Path(path)
    if not path.exists():
        raise UnreadableFileError(f"找不到文件：{path}")
    if not path.is_file():
        raise UnreadableFileError(f"{path} 不是文件。")
    suffix = path.suffix.lower()
    if suffix in {".xlsx", ".xlsm"}:
        return _read_xlsx(path, frozenset(known_headers))
    if suffix in {".csv", ".txt", ".tsv"}:
        return _read_csv(path, frozenset(known_headers))
    if suffix == ".xls":
        return _read_xls(path, frozenset(known_headers))
    raise UnreadableFileError(f"{path.name}：只能导入 .xlsx、.xls 或 .csv 文件。")


def decode_text(data: bytes, name: str) -> tuple[str, str]:
    """Decode ``data`` as UTF-8 (BOM or not), UTF-16 with BOM, or GB18030 (a superset of GBK).

    Returns ``(text, encoding)``. UTF-8 is tried first: GBK bytes are almost never valid UTF-8,
    while the reverse often decodes to nonsense.
    """
    if data.startswith(b"\xef\xbb\xbf"):
        return _decode(data, "utf-8-sig", name), "utf-8-sig"
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _decode(data, "utf-16", name), "utf-16"
    try:
        return data.decode("utf-8"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        return data.decode("gb18030"), "gb18030"
    except UnicodeDecodeError as exc:
        raise UnreadableFileError(
            f"{name}：无法识别文件编码（已尝试 UTF-8、GBK/GB18030）。"
            "请在 Excel/WPS 中另存为“CSV UTF-8”或 .xlsx 后再导入。"
        ) from exc


def _decode(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise UnreadableFileError(
            f"{name}：文件声明为 {encoding} 编码，但第 {line} 行"
            "含有无法解码的字节。请检查文件是否损坏，或另存为 .xlsx 后再导入。"
        ) from exc


def _read_csv(path: Path, known: frozenset[str]) -> Table:
    text, encoding = decode_text(path.read_bytes(), path.name)
    delimiter = _sniff_delimiter(text)
    try:
        rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    except csv.Error as exc:
        raise UnreadableFileError(f"{path.name}：CSV 格式有误（{exc}）。") from exc
    header_index = _find_header(rows, known)
    if header_index is None:
        raise UnreadableFileError(_no_header_message(path.name, known))
    header = tuple(_clean_header(h) for h in rows[header_index])
    return Table(path, encoding, header, header_index + 1, rows[header_index + 1 :])


def _sniff_delimiter(text: str) -> str:
    first = text[:4096].splitlines()[:HEADER_SEARCH_ROWS]
    counts = {d: sum(line.count(d) for line in first) for d in (",", "\t", ";")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


def _read_xls(path: Path, known: frozenset[str]) -> Table:
    """An ``.xls`` export, whichever of its forms it is (see :mod:`yujing.imports.legacy`)."""
    size = path.stat().st_size
    if size > MAX_LEGACY_BYTES:
        raise UnreadableFileError(_too_big(path.name, f"{_size(size)}，上限 {_size(MAX_LEGACY_BYTES)}"))
    data = path.read_bytes()
    kind = kind_of(data[:4096])
    sheets: Iterable[tuple[str, list[list[str]]]]
    if kind == "zip":  # an .xlsx under an .xls name
        return _read_xlsx(path, known)
    if kind == "biff":
        sheets, encoding = biff_sheets(path, _cell_text), "xls"
    elif kind == "xml":
        sheets, encoding = spreadsheetml_sheets(path, data), "XML 2003 .xls"
    elif kind == "html":
        text, charset = decode_text(data, path.name)
        sheets = ((f"表{i}", rows) for i, rows in enumerate(html_tables(text), start=1))
        encoding = f"网页表格 .xls, {charset}"
    else:
        raise UnreadableFileError(
            f"{path.name}：不是可识别的 .xls 文件（既不是 Excel 97–2003 工作簿，也不是网页或 XML "
            "表格）。请用 Excel/WPS 打开后另存为 .xlsx 再导入。"
        )
    for _name, rows in sheets:
        if len(rows) > MAX_ROWS:
            raise UnreadableFileError(_too_big(path.name, f"超过 {MAX_ROWS:,} 行"))
        if any(len(r) > MAX_COLUMNS for r in rows):
            raise UnreadableFileError(_too_big(path.name, f"超过 {MAX_COLUMNS:,} 列"))
        header_index = _find_header(rows, known)
        if header_index is not None:
            header = tuple(_clean_header(h) for h in rows[header_index])
            return Table(path, encoding, header, header_index + 1, rows[header_index + 1 :])
    raise UnreadableFileError(_no_header_message(path.name, known))


def _read_xlsx(path: Path, known: frozenset[str]) -> Table:
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    _check_xlsx_size(path)
    # openpyxl warns in English (unknown extensions, missing styles): nothing of it is for a
    # user, and a warning text must never reach one.
    # The file is handed over open (openpyxl judges a path by its name and refuses an .xlsx
    # named .xls); it stays open while the read-only workbook reads its sheets lazily.
    with warnings.catch_warnings(), path.open("rb") as fh:
        warnings.simplefilter("ignore")
        try:
            workbook = load_workbook(fh, read_only=True, data_only=False)
        except (
            InvalidFileException,
            zipfile.BadZipFile,
            zlib.error,
            ElementTree.ParseError,
            EOFError,
            KeyError,
            OSError,
            ValueError,
        ) as exc:
            raise UnreadableFileError(
                f"{path.name}：不是有效的 .xlsx 文件（{exc}）。请用 Excel/WPS 打开后重新保存。"
            ) from exc
        try:
            for sheet in workbook.worksheets:
                try:
                    rows, formulas = _sheet_rows(path, sheet)
                except (zipfile.BadZipFile, zlib.error, ElementTree.ParseError, EOFError) as exc:
                    # read lazily: a damaged or doctored sheet shows only now (a checksum that
                    # does not match, a size that lies, XML cut short)
                    raise UnreadableFileError(
                        f"{path.name}：工作表「{getattr(sheet, 'title', '')}」已损坏，无法读取"
                        f"（{exc}）。请用 Excel/WPS 打开后重新保存，或从教务系统重新导出。"
                    ) from exc
                header_index = _find_header(rows, known)
                if header_index is not None:
                    header = tuple(_clean_header(h) for h in rows[header_index])
                    return Table(
                        path, "xlsx", header, header_index + 1, rows[header_index + 1 :], formulas
                    )
        finally:
            workbook.close()
    raise UnreadableFileError(_no_header_message(path.name, known))


def _sheet_rows(path: Path, sheet: object) -> tuple[list[list[str]], bool]:
    rows: list[list[str]] = []
    formulas = False
    for raw in sheet.iter_rows():  # type: ignore[attr-defined]
        if len(rows) >= MAX_ROWS:
            raise UnreadableFileError(_too_big(path.name, f"超过 {MAX_ROWS:,} 行"))
        if len(raw) > MAX_COLUMNS:
            raise UnreadableFileError(_too_big(path.name, f"超过 {MAX_COLUMNS:,} 列"))
        row = []
        for cell in raw:
            value = getattr(cell, "value", None)
            if getattr(cell, "data_type", None) == "f":
                formulas = True
                row.append(FORMULA_MARK + str(value))
            else:
                row.append(_cell_text(value))
        rows.append(row)
    return rows, formulas


def _check_xlsx_size(path: Path) -> None:
    """Refuse a workbook whose sheets unpack to more than the limits, from the zip's own
    directory and each sheet's <dimension>, before anything is decompressed in bulk."""
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
            total = sum(m.file_size for m in members)
            if total > MAX_XLSX_BYTES:
                raise UnreadableFileError(
                    _too_big(path.name, f"解压后共 {_size(total)}，上限 {_size(MAX_XLSX_BYTES)}")
                )
            for member in members:
                if not member.filename.startswith("xl/worksheets/"):
                    continue
                if member.file_size > MAX_SHEET_XML_BYTES:
                    raise UnreadableFileError(
                        _too_big(
                            path.name,
                            f"工作表 {member.filename} 解压后 {_size(member.file_size)}，"
                            f"上限 {_size(MAX_SHEET_XML_BYTES)}",
                        )
                    )
                with archive.open(member) as fh:
                    head = fh.read(4096)
                m = _DIMENSION.search(head)
                if m and m.group(4):
                    rows, columns = int(m.group(4)), _column_number(m.group(3).decode())
                    if rows > MAX_ROWS:
                        raise UnreadableFileError(
                            _too_big(path.name, f"工作表 {member.filename} 有 {rows:,} 行")
                        )
                    if columns > MAX_COLUMNS:
                        raise UnreadableFileError(
                            _too_big(path.name, f"工作表 {member.filename} 有 {columns:,} 列")
                        )
    except (zipfile.BadZipFile, OSError, EOFError, zipfile.LargeZipFile) as exc:
        raise UnreadableFileError(
            f"{path.name}：不是有效的 .xlsx 文件（{exc}）。请用 Excel/WPS 打开后重新保存。"
        ) from exc


def _column_number(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n


def _size(n: int) -> str:
    return f"{n / 1024**3:.1f} GB" if n >= 1024**3 else f"{n / 1024**2:.0f} MB"


def _too_big(name: str, what: str) -> str:
    return (
        f"{name}：文件过大（{what}），不像是成绩或名单的导出，已拒绝读取。"
        "如确为导出文件，请按学期或学院拆分后再导入。"
    )


def _cell_text(value: object) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer():
            return str(int(value))
        return format(Decimal(repr(value)).normalize(), "f")
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == datetime.min.time() else str(value)
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip()


def _clean_header(h: str) -> str:
    return h.replace("\ufeff", "").replace(" ", "").replace("\u3000", "").strip()


def _find_header(rows: Sequence[Sequence[str]], known: frozenset[str]) -> int | None:
    best, best_hits = None, 0
    for i, row in enumerate(rows[:HEADER_SEARCH_ROWS]):
        hits = sum(1 for c in row if _clean_header(c) in known)
        if hits > best_hits:
            best, best_hits = i, hits
    return best


def _no_header_message(name: str, known: frozenset[str]) -> str:
    sample = "、".join(sorted(known)[:8])
    return f"{name}：前 {HEADER_SEARCH_ROWS} 行中找不到表头（应含 {sample} 等列）。"
