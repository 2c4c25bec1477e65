"""Reading tabular input files: .xlsx, and .csv in UTF-8 (with or without BOM), GBK/GB18030
or UTF-16 (Excel's "Unicode text").

A :class:`Table` knows its file, the encoding it was read with, where its header row is and
how to iterate its data rows with their 1-based row numbers as a spreadsheet shows them, so
that every message about a row can name the row the user sees.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from yujing.errors import UnreadableFileError

HEADER_SEARCH_ROWS = 10
"""Exports sometimes put a title line (e.g. ``2024-2025学年成绩``) above the headers."""


@dataclass(frozen=True)
class Table:
    """A table read from one file (CSV or the first fitting sheet of a workbook)."""

    path: Path
    encoding: str
    header: tuple[str, ...]
    header_row: int
    _rows: Sequence[Sequence[str]] = field(repr=False)

    @property
    def name(self) -> str:
        return self.path.name

    def iter_rows(self) -> Iterator[tuple[int, Sequence[str]]]:
        """Yield ``(row_number, cells)`` for each non-empty data row. Cells are as read (not
        stripped); a short row has fewer cells than the header."""
        for offset, raw in enumerate(self._rows, start=self.header_row + 1):
            if any(raw):
                yield offset, raw

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
        raise UnreadableFileError(
            f"{path.name} 是旧版 Excel (.xls) 文件，暂不支持。请在 Excel/WPS 中另存为 .xlsx 或 CSV 后再导入。"
        )
    raise UnreadableFileError(f"{path.name}：只能导入 .xlsx 或 .csv 文件。")


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


def _read_xlsx(path: Path, known: frozenset[str]) -> Table:
    import zipfile

    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except (InvalidFileException, zipfile.BadZipFile, KeyError, OSError, ValueError) as exc:
        raise UnreadableFileError(
            f"{path.name}：不是有效的 .xlsx 文件（{exc}）。请用 Excel/WPS 打开后重新保存。"
        ) from exc
    try:
        for sheet in workbook.worksheets:
            rows = [[_cell_text(v) for v in r] for r in sheet.iter_rows(values_only=True)]
            header_index = _find_header(rows, known)
            if header_index is not None:
                header = tuple(_clean_header(h) for h in rows[header_index])
                return Table(path, "xlsx", header, header_index + 1, rows[header_index + 1 :])
    finally:
        workbook.close()
    raise UnreadableFileError(_no_header_message(path.name, known))


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
