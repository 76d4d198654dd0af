"""Read a CSV or XLSX upload into rows of strings, with the line number each row had in the file."""
import codecs
import csv
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

# Tried in this order; cp932 is a superset of Shift_JIS with the NEC/IBM extensions Excel uses.
CANDIDATE_ENCODINGS = ("utf-8-sig", "cp932")


class TableError(ValueError):
    """The file as a whole cannot be read (not a row-level problem)."""


@dataclass
class Table:
    """Header names as found (stripped) and rows as (line_number, {column: value})."""

    header: list
    rows: list = field(default_factory=list)
    encoding: str = ""
    file_format: str = "csv"

    def __len__(self):
        return len(self.rows)


def decode_csv_bytes(data):
    """(text, encoding name) for CSV bytes in UTF-8 (with or without BOM) or cp932."""
    if data.startswith(codecs.BOM_UTF8):
        return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
    for encoding in CANDIDATE_ENCODINGS:
        try:
            return data.decode(encoding), ("utf-8" if encoding == "utf-8-sig" else encoding)
        except UnicodeDecodeError:
            continue
    raise TableError(_("The file is neither UTF-8 nor Shift_JIS (cp932). Save it from Excel as CSV and try again."))


def _is_xlsx(name, data):
    return name.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04"


def _cell_text(value):
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if hasattr(value, "isoformat"):
        text = value.isoformat()
        return text[:10] if text.endswith("T00:00:00") else text
    return str(value).strip()


def _read_xlsx(data):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise TableError(_("The Excel file could not be opened: %(error)s") % {"error": exc}) from exc
    sheet = workbook.worksheets[0]
    lines = ([_cell_text(v) for v in row] for row in sheet.iter_rows(values_only=True))
    return lines


def read_table(data, name="upload.csv", required_columns=()):
    """Parse bytes of a CSV or XLSX file. Blank lines are skipped; line numbers count the header as line 1."""
    if _is_xlsx(name, data):
        lines = _read_xlsx(data)
        encoding, file_format = "", "xlsx"
    else:
        text, encoding = decode_csv_bytes(data)
        lines = csv.reader(io.StringIO(text, newline=""))
        file_format = "csv"
    try:
        header = next(lines)
    except StopIteration:
        raise TableError(_("The file is empty.")) from None
    header = [h.strip().lstrip("\ufeff") for h in header]
    while header and header[-1] == "":
        header.pop()
    missing = [c for c in required_columns if c not in header]
    if missing:
        raise TableError(_("Required columns are missing: %(columns)s") % {"columns": ", ".join(missing)})
    table = Table(header=header, encoding=encoding, file_format=file_format)
    try:
        for line_number, values in enumerate(lines, start=2):
            if not any((v or "").strip() for v in values):
                continue
            row = {column: (values[i].strip() if i < len(values) and values[i] is not None else "")
                   for i, column in enumerate(header)}
            table.rows.append((line_number, row))
    except csv.Error as exc:
        raise TableError(_("The CSV file is malformed: %(error)s") % {"error": exc}) from exc
    return table
