"""A customer file as a stream of rows, so that checking a 200,000-row file never holds all its rows at once.

The same reading as customers.tabular.read_table (its read_header and iter_rows: encodings, delimiter, header
checks, blank lines skipped, line numbers counting the header as line 1, the same errors), but CSV rows are handed
out one by one from the decoded text instead of being collected first: the rows as dicts are what made a large
file cost hundreds of megabytes. XLSX files go through read_table (they are compressed: the same rows are a far
smaller file).
"""
import csv
import re
from dataclasses import dataclass

from customers.tabular import decode_csv_bytes, read_table, sniff_delimiter
from customers.tabular.reading import _is_xlsx, iter_rows, read_header


@dataclass
class RowStream:
    header: list
    rows: object  # iterator of (line number, {column: cell})
    encoding: str = ""
    file_format: str = "csv"
    expected_rows: int = 0  # an estimate, for progress (lines of the file less the header)


def open_rows(data, name, required_columns=()):
    """A RowStream over the bytes of a CSV or XLSX file; TableError when the file as a whole cannot be read,
    raised here or, for a malformed line or a file without rows, while the rows are read."""
    if _is_xlsx(name, data):
        table = read_table(data, name, required_columns=required_columns)
        return RowStream(table.header, iter(table.rows), "", "xlsx", len(table.rows))
    text, encoding = decode_csv_bytes(data)
    del data  # the caller passes the bytes in place: they are not needed past decoding
    expected = max(text.count("\n") - 1, 1)
    lines = csv.reader(_lines(text), delimiter=sniff_delimiter(text))  # as tabular.csv_reader, without a copy
    header = read_header(lines, required_columns)
    return RowStream(header, iter_rows(lines, header), encoding, "csv", expected)


_LINE_END = re.compile(r"\r\n|\r|\n")


def _lines(text):
    """The lines of the text, endings kept, split where io.StringIO(text, newline="") splits them, but without
    its copy of the text (four bytes a character: 100 MB for a 25 MB file)."""
    start = 0
    for match in _LINE_END.finditer(text):
        yield text[start : match.end()]
        start = match.end()
    if start < len(text):
        yield text[start:]
