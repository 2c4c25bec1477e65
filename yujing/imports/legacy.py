"""Old-style ``.xls`` exports (旧版 Excel 导出), read as the systems write them.

A file named ``.xls`` from a 教务 system is one of three things, told apart by its first bytes
(not by its name):

- a real Excel 97–2003 workbook (BIFF8 in an OLE2 container, magic ``D0 CF 11 E0``): read
  with xlrd, the library that reads exactly this format (its 2.x releases read nothing else);
- an HTML table saved as ``.xls`` — what many web systems' 「导出Excel」 buttons send, and what
  Excel and WPS open without a word: read with the standard library's HTML parser;
- SpreadsheetML 2003 (an XML workbook, ``<Workbook xmlns="urn:schemas-microsoft-com:office:
  spreadsheet">``): read with ElementTree.

An ``.xlsx`` renamed ``.xls`` (a zip) is read as the ``.xlsx`` it is, by the caller. Each reader
returns the sheets' rows as text, in the same form as the .xlsx and CSV readers give them.
"""

from __future__ import annotations

import html.parser
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from xml.etree import ElementTree

from yujing.errors import UnreadableFileError

OLE2_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
MAX_LEGACY_BYTES = 100 * 1024 * 1024
"""An .xls holds at most 65,536 rows: a real export is a few MB; a bigger file is refused."""
_SPREADSHEET_NS = "urn:schemas-microsoft-com:office:spreadsheet"

Rows = list[list[str]]


def kind_of(head: bytes) -> str:
    """``"biff"``, ``"zip"``, ``"xml"``, ``"html"`` or ``""`` from a file's first bytes."""
    if head.startswith(OLE2_MAGIC):
        return "biff"
    if head.startswith(b"PK\x03\x04"):
        return "zip"
    text = head.lstrip(b"\xef\xbb\xbf \t\r\n").lower()
    if text.startswith(b"<?xml") and _SPREADSHEET_NS.encode() in head:
        return "xml"
    if text.startswith((b"<html", b"<!doctype html", b"<table", b"<meta", b"<head", b"<?xml")):
        return "html"
    if b"<table" in head.lower():
        return "html"
    return ""


# -- Excel 97–2003 (BIFF8) ----------------------------------------------------------------


def biff_sheets(path: Path, cell_text: Callable[[object], str]) -> Iterator[tuple[str, Rows]]:
    """The sheets of a real .xls as (name, rows); ``cell_text`` turns a Python value (str,
    int/float, bool, datetime) into the text the other readers give."""
    import xlrd

    try:
        book = xlrd.open_workbook(str(path), on_demand=True)
    except (xlrd.XLRDError, xlrd.compdoc.CompDocError, OSError, ValueError, IndexError) as exc:
        raise UnreadableFileError(
            f"{path.name}：旧版 Excel (.xls) 文件已损坏或无法识别（{exc}）。"
            "请用 Excel/WPS 打开后另存为 .xlsx 再导入。"
        ) from exc
    try:
        for index in range(book.nsheets):
            sheet = book.sheet_by_index(index)
            rows: Rows = []
            for r in range(sheet.nrows):
                row = []
                for cell in sheet.row(r):
                    value: object = cell.value
                    if cell.ctype == xlrd.XL_CELL_DATE:
                        try:
                            value = xlrd.xldate.xldate_as_datetime(cell.value, book.datemode)
                        except (xlrd.xldate.XLDateError, ValueError, OverflowError):
                            value = cell.value
                    elif cell.ctype == xlrd.XL_CELL_BOOLEAN:
                        value = bool(cell.value)
                    elif cell.ctype in (xlrd.XL_CELL_EMPTY, xlrd.XL_CELL_BLANK, xlrd.XL_CELL_ERROR):
                        value = None
                    row.append(cell_text(value))
                rows.append(row)
            book.unload_sheet(index)
            yield sheet.name, rows
    except (xlrd.XLRDError, xlrd.compdoc.CompDocError, ValueError, IndexError) as exc:
        raise UnreadableFileError(
            f"{path.name}：旧版 Excel (.xls) 文件的工作表已损坏（{exc}）。"
            "请用 Excel/WPS 打开后另存为 .xlsx 再导入。"
        ) from exc
    finally:
        book.release_resources()


# -- an HTML table saved as .xls --------------------------------------------------------------


class _TableParser(html.parser.HTMLParser):
    """Rows of every <table> of a page: each <tr>'s <td>/<th> texts, a cell spanning
    ``colspan`` columns followed by empty cells so that columns stay aligned."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: list[Rows] = []
        self._row: list[str] | None = None
        self._cell: list[str] | None = None
        self._span = 1

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append([])
        elif tag == "tr":
            self._end_row()
            self._row = []
        elif tag in ("td", "th"):
            self._end_cell()
            if self._row is None:
                self._row = []
            self._cell = []
            span = dict(attrs).get("colspan") or "1"
            self._span = min(int(span), 1000) if span.isascii() and span.isdigit() and int(span) > 0 else 1
        elif tag == "br" and self._cell is not None:
            self._cell.append("\n")

    def handle_endtag(self, tag: str) -> None:
        if tag in ("td", "th"):
            self._end_cell()
        elif tag == "tr" or tag == "table":
            self._end_row()

    def handle_data(self, data: str) -> None:
        if self._cell is not None:
            self._cell.append(data)

    def _end_cell(self) -> None:
        if self._cell is not None and self._row is not None:
            text = " ".join("".join(self._cell).replace("\xa0", " ").split())
            self._row.append(text)
            self._row.extend([""] * (self._span - 1))
        self._cell = None
        self._span = 1

    def _end_row(self) -> None:
        self._end_cell()
        if self._row is not None:
            if not self.tables:
                self.tables.append([])
            self.tables[-1].append(self._row)
        self._row = None

    def close(self) -> None:
        super().close()
        self._end_row()


def html_tables(text: str) -> list[Rows]:
    """The rows of every table of an HTML page (an "Excel" export that is a web page)."""
    parser = _TableParser()
    parser.feed(text)
    parser.close()
    return [t for t in parser.tables if t]


# -- SpreadsheetML 2003 --------------------------------------------------------------------


def spreadsheetml_sheets(path: Path, data: bytes) -> Iterator[tuple[str, Rows]]:
    """The worksheets of an XML Spreadsheet 2003 file as (name, rows)."""
    ns = {"ss": _SPREADSHEET_NS}
    try:
        root = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise UnreadableFileError(
            f"{path.name}：XML 表格 (.xls) 无法解析（{exc}）。请用 Excel/WPS 打开后另存为 .xlsx 再导入。"
        ) from exc
    index_attr = f"{{{_SPREADSHEET_NS}}}Index"
    for sheet in root.findall("ss:Worksheet", ns):
        rows: Rows = []
        for row in sheet.findall("ss:Table/ss:Row", ns):
            cells: list[str] = []
            for cell in row.findall("ss:Cell", ns):
                at = cell.get(index_attr)
                if at and at.isascii() and at.isdigit():
                    cells.extend([""] * max(0, int(at) - 1 - len(cells)))
                found = cell.find("ss:Data", ns)
                text = "".join(found.itertext()).strip() if found is not None else ""
                kind = found.get(f"{{{_SPREADSHEET_NS}}}Type") if found is not None else None
                if kind == "Number" and text.endswith(".0") and text[:-2].lstrip("-").isdigit():
                    text = text[:-2]
                elif kind == "DateTime" and text:
                    try:
                        moment = datetime.fromisoformat(text)
                        text = (
                            moment.date().isoformat()
                            if moment.time() == datetime.min.time()
                            else str(moment)
                        )
                    except ValueError:
                        pass
                cells.append(text)
            rows.append(cells)
        yield sheet.get(f"{{{_SPREADSHEET_NS}}}Name", ""), rows
