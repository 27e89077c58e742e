"""Reading the tables publishers ship (TSV, CSV, XLSX, optionally gzipped) with line numbers.

Every row comes back with the physical line (or sheet row) it started on, so that a mapping
can raise a SourceError naming file, line, column and problem. Required columns are checked up
front. Text is decoded strictly as UTF-8 line by line (`text_lines`), and characters that XML and
RDF/XML cannot carry (NUL and the other C0 controls but tab, LF, CR; U+FFFE, U+FFFF) are refused
at read time: readers that do not go through `read_delimited` use `text_lines` too.
"""
from __future__ import annotations

import csv
import gzip
import re
import sys
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import Any, Literal, TypeVar

from .errors import SourceError

T = TypeVar("T")

csv.field_size_limit(sys.maxsize)


@dataclass(frozen=True)
class Row:
    """One data record: its values by column name and the line it starts on (1-based, header = 1)."""

    path: str
    line: int
    values: dict[str, str]
    # how to tell a field's position: "chars" (one unquoted physical line: character column),
    # "cells" (a sheet: cell number), "" (a quoted or multi-line record: not told)
    cells: str = ""

    def position(self, column: str | None) -> int | None:
        """1-based position of a column's field on the line (None when it cannot be told exactly)."""
        if column is None or column not in self.values or not self.cells:
            return None
        pos = 1
        for name, v in self.values.items():
            if name == column:
                return pos
            pos += 1 if self.cells == "cells" else len(v) + 1
        return None

    def __getitem__(self, column: str) -> str:
        return self.values[column]

    def get(self, column: str, default: str = "") -> str:
        """A column's value, or the default when the column is absent."""
        v = self.values.get(column)
        return default if v is None else v

    def error(self, problem: str, column: str | None = None) -> SourceError:
        """A SourceError pointing at this row (and column), so bad input names file, line and column."""
        return SourceError(self.path, problem, line=self.line, column=column, char=self.position(column))

    def required(self, column: str) -> str:
        """A column's value, which must not be empty."""
        v = self.get(column).strip()
        if not v:
            raise self.error("empty value in a required column", column=column)
        return v

    def decimal(self, column: str, required: bool = True) -> float | None:
        """A column as a number, with a located error when it is not one."""
        v = self.get(column).strip()
        if v in EMPTY:
            if required:
                raise self.error("empty value in a required numeric column", column=column)
            return None
        check_number(self, column, v)
        return float(v)

    def integer(self, column: str, required: bool = True) -> int | None:
        """A column as a whole number, with a located error when it is not one."""
        f = self.decimal(column, required)
        if f is None:
            return None
        if f != int(f):
            raise self.error(f"{self.get(column)!r} is not a whole number", column=column)
        return int(f)


EMPTY = ("", "n/a", "NA", "N/A")
# a number as publishers write them: digits, an optional fraction and exponent; never nan/inf
NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
# XML 1.0 Char excludes these (and RDF/XML, SPARQL XML results are XML): refused at read time
FORBIDDEN = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def check_number(row: Row, column: str, v: str) -> None:
    """A finite number written in digits; 'nan', 'inf', '1,5' and words are errors naming file:line:column."""
    if not NUMBER.fullmatch(v):
        raise row.error(f"{v!r} is not a number", column=column)


def _describe_char(c: str) -> str:
    names = {"\x00": "NUL", "\x0b": "vertical tab", "\x0c": "form feed", "\x1b": "escape"}
    return f"control character U+{ord(c):04X}" + (f" ({names[c]})" if c in names else "")


def check_text(path: str, line: int, text: str) -> None:
    """Refuse characters XML and RDF/XML cannot carry, naming file:line:column."""
    m = FORBIDDEN.search(text)
    if m:
        utf16 = m.group() == "\x00" and text.count("\x00") * 3 >= len(text)  # every other byte NUL
        hint = " (the file looks like UTF-16: save it as UTF-8)" if utf16 else ""
        raise SourceError(path, f"{_describe_char(m.group())}, which XML and RDF/XML cannot carry{hint}",
                          line=line, char=m.start() + 1)


def text_lines(path: str | Path, shown: str | None = None) -> Iterator[str]:
    """The lines of a UTF-8 text file (optionally gzipped), decoded strictly and checked for forbidden characters.

    Lines keep their line ends (as `open(..., newline="")` gives them) so the csv module reads them unchanged.
    A UTF-16 file, latin-1 bytes or random bytes are a SourceError naming file, line, column and problem.
    """
    path = Path(path)
    shown = shown or str(path)
    opener = gzip.open if path.name.endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            for n, raw in enumerate(fh, start=1):
                if n == 1:
                    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
                        raise SourceError(shown, "the file is UTF-16 (it starts with a UTF-16 byte-order mark); "
                                                 "save it as UTF-8", line=1, char=1)
                    if raw.startswith(b"\xef\xbb\xbf"):
                        raw = raw[3:]
                try:
                    text = raw.decode("utf-8")
                except UnicodeDecodeError as e:
                    col = len(raw[: e.start].decode("utf-8", "replace")) + 1
                    raise SourceError(
                        shown,
                        f"not UTF-8: byte 0x{raw[e.start]:02x} {e.reason} (save the file as "
                        "UTF-8; latin-1/Windows-1252 text needs converting)",
                        line=n,
                        char=col,
                    ) from None
                check_text(shown, n, text)
                yield text
    except (gzip.BadGzipFile, EOFError) as e:
        raise SourceError(shown, f"not a readable gzip file: {e}") from None


def _check_header(path: Path, header: Sequence[str], required: Iterable[str]) -> None:
    missing = [c for c in required if c not in header]
    if missing:
        raise SourceError(
            path,
            f"missing required column(s) {', '.join(repr(c) for c in missing)}; "
            f"the header has {', '.join(repr(c) for c in header)}",
            line=1,
        )


def read_delimited(path: str | Path, required: Iterable[str] = (), delimiter: str | None = None) -> Iterator[Row]:
    """Rows of a CSV/TSV file (delimiter from the suffix unless given); quoted multi-line fields allowed."""
    path = Path(path)
    name = path.name[:-3] if path.name.endswith(".gz") else path.name
    if delimiter is None:
        delimiter = "\t" if name.endswith((".txt", ".tsv")) else ","
    lines = _Lines(text_lines(path))
    # O*NET text files are plain tab-separated with no quoting; CSV uses RFC 4180 quoting.
    quoting: Literal[0, 1, 2, 3] = csv.QUOTE_NONE if delimiter == "\t" else csv.QUOTE_MINIMAL
    reader = csv.reader(lines, delimiter=delimiter, quoting=quoting)
    try:
        header = [h.strip() for h in next(reader)]
    except StopIteration:
        raise SourceError(path, "the file is empty; expected a header row", line=1) from None
    except csv.Error as e:
        raise SourceError(path, f"unreadable header: {e}", line=1) from None
    _check_header(path, header, required)
    width = len(header)
    for start, rec in csv_records(reader, path):
        if len(rec) != width:
            raise SourceError(path, f"expected {width} fields as in the header, found {len(rec)}", line=start)
        plain = reader.line_num == start and (quoting == csv.QUOTE_NONE or '"' not in lines.last)
        yield Row(str(path), start, dict(zip(header, rec, strict=False)), "chars" if plain else "")


def csv_records(reader: Any, path: str | Path) -> Iterator[tuple[int, list[str]]]:
    """The non-blank records left in a csv.reader, each with the line it starts on (a bad record names it).

    While a record is being handled, `reader.line_num` is the line it ends on (multi-line quoted fields).
    """
    while True:
        start = reader.line_num + 1
        try:
            rec = next(reader)
        except StopIteration:
            return
        except csv.Error as e:
            raise SourceError(path, f"malformed CSV record: {e}", line=start) from None
        if rec and (len(rec) > 1 or rec[0].strip()):
            yield start, rec


class _Lines:
    """An iterator over lines that remembers the last one (to tell a record's field positions)."""

    def __init__(self, it: Iterator[str]):
        self.it, self.last = it, ""

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        self.last = next(self.it)
        return self.last


def read_xlsx(path: str | Path, required: Iterable[str] = ()) -> Iterator[Row]:
    """Rows of the first sheet of an XLSX workbook; values come back as strings like the text export.

    Read by calamine (a Rust reader, via python-calamine): on O*NET's workbooks it is an order of magnitude
    faster than openpyxl's XML parsing in Python, which was a quarter of mapping O*NET. Values come back
    as openpyxl's read-only mode gave them (tests/test_onet.py): numbers in their shortest text form, whole
    numbers without a fraction, dates as datetimes; an error cell (#N/A) reads as empty.
    """
    from python_calamine import CalamineError, CalamineWorkbook  # only the Excel path needs it

    path = Path(path)
    try:
        sheet = CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
        first_row, first_col = sheet.start or (0, 0)  # calamine drops empty rows and columns before the data
        rows = iter(sheet.iter_rows())
    except (CalamineError, OSError, ValueError) as e:
        raise SourceError(path, f"not a readable XLSX workbook: {e}") from None
    if first_row > 0:
        raise SourceError(path, "the first row is empty; expected a header row", line=1)
    pad = [""] * first_col
    try:
        header = [_cell(h).strip() for h in pad + next(rows)]
    except StopIteration:
        raise SourceError(path, "the sheet is empty; expected a header row", line=1) from None
    while header and header[-1] == "":
        header.pop()
    _check_header(path, header, required)
    width = len(header)
    for i, rec in enumerate(tracked(path, rows, total=sheet.height - 1), start=2):
        vals = [_cell(v) for v in (pad + rec if pad else rec)[:width]]
        if not any(vals):
            continue
        vals += [""] * (width - len(vals))
        for k, v in enumerate(vals):
            _check_cell(path, i, k + 1, v)
        yield Row(str(path), i, dict(zip(header, vals, strict=False)), "cells")


def _check_cell(path: Path, row: int, col: int, v: str) -> None:
    m = FORBIDDEN.search(v)
    if m:
        raise SourceError(path, f"{_describe_char(m.group())} in a cell, which XML and RDF/XML cannot carry",
                          line=row, char=col)


def _cell(v: object) -> str:
    """A cell as text, as openpyxl gave it: whole numbers without '.0', a date as its midnight datetime."""
    if isinstance(v, float) and v.is_integer() and abs(v) < 2**53:
        return str(int(v))
    if isinstance(v, date) and not isinstance(v, datetime):
        return str(datetime.combine(v, time()))
    return str(v)


def read_table(path: str | Path, required: Iterable[str] = ()) -> Iterator[Row]:
    """Rows of a table in any supported format, chosen by the file suffix; big tables show progress."""
    p = Path(path)
    return read_xlsx(p, required) if p.suffix.lower() == ".xlsx" else tracked(p, read_delimited(p, required))


def tracked(path: Path, rows: Iterator[T], name: str | None = None, total: int | None = None) -> Iterator[T]:
    """`rows`, showing reading progress when it takes longer than a couple of seconds (skillgraph.progress)."""
    from .progress import track

    return track(rows, f"reading {name or path.name}", total=total, unit="rows")
