"""Read a CSV or XLSX upload into rows of strings, with the line number each row had in the file.

Encodings: UTF-8 (with or without BOM), cp932, and UTF-16, which is what Excel writes for "Unicode text"
(ユニコードテキスト: UTF-16LE with a BOM, tab-separated). UTF-16 is decoded rather than refused: a user who picked
that format in Excel's save dialog has a good file, and telling them to save it again helps nobody. Without a
BOM, UTF-16 is recognised by its NUL bytes (every ASCII character has a zero high byte). Tab-separated text is
recognised by its header line.

Whole-file problems raise TableError with a message for the user: an unreadable encoding, an empty file, a
header without rows, a damaged header (NUL characters), or more columns than any real export has (PostgreSQL
tables stop at 1,600 columns, and the purchases importer stages unknown columns too).
"""
import codecs
import csv
import io
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

# Tried in this order; cp932 is a superset of Shift_JIS with the NEC/IBM extensions Excel uses.
CANDIDATE_ENCODINGS = ("utf-8-sig", "cp932")
# Far above any real export (the importers use 8 and 12 columns), far below PostgreSQL's 1,600.
MAX_COLUMNS = 500
UTF16_SNIFF_BYTES = 4096


class TableError(ValueError):
    """The file as a whole cannot be read (not a row-level problem)."""

    def __init__(self, message):
        # The message ends up in a text column: PostgreSQL cannot store NUL characters.
        super().__init__(str(message).replace("\x00", "\N{SYMBOL FOR NULL}"))


@dataclass
class Table:
    """Header names as found (stripped) and rows as (line_number, {column: value})."""

    header: list
    rows: list = field(default_factory=list)
    encoding: str = ""
    file_format: str = "csv"

    def __len__(self):
        return len(self.rows)


def _utf16_codec(data):
    """'utf-16' (BOM), 'utf-16-le' or 'utf-16-be' (NUL bytes on one side of the pairs), or None."""
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    sample = data[: UTF16_SNIFF_BYTES - UTF16_SNIFF_BYTES % 2]
    pairs = len(sample) // 2
    if not pairs:
        return None
    even, odd = sample[0 : pairs * 2 : 2].count(0), sample[1 : pairs * 2 : 2].count(0)
    # Commas, digits and line ends are ASCII even in a Japanese file, so at least one pair in ten has a zero
    # byte, always on the same side; a stray NUL in UTF-8 or binary junk does not look like that.
    if odd * 10 >= pairs and even * 10 <= odd:
        return "utf-16-le"
    if even * 10 >= pairs and odd * 10 <= even:
        return "utf-16-be"
    return None


def decode_csv_bytes(data):
    """(text, encoding name) for CSV bytes in UTF-8 (with or without BOM), UTF-16 or cp932."""
    if data.startswith(codecs.BOM_UTF8):
        try:
            return data[len(codecs.BOM_UTF8) :].decode("utf-8"), "utf-8-sig"
        except UnicodeDecodeError:
            raise TableError(_("The file starts as UTF-8 but is not valid UTF-8. Save it from Excel as CSV and "
                               "try again.")) from None
    utf16 = _utf16_codec(data)
    if utf16:
        try:
            return data.decode(utf16).lstrip("\ufeff"), "utf-16"
        except UnicodeDecodeError:
            raise TableError(_("The file looks like UTF-16 (Excel's “Unicode text”) but cannot be decoded. "
                               "Save it from Excel as CSV (UTF-8 or Shift_JIS) and try again.")) from None
    for encoding in CANDIDATE_ENCODINGS:
        try:
            return data.decode(encoding), ("utf-8" if encoding == "utf-8-sig" else encoding)
        except UnicodeDecodeError:
            continue
    raise TableError(_("The file is neither UTF-8 nor Shift_JIS (cp932). Save it from Excel as CSV and try again."))


def sniff_delimiter(text):
    """Tab for tab-separated text (Excel's "Unicode text", .txt exports), else comma; judged by the header."""
    end = text.find("\n", 0, 1_000_000)
    first = text[: end if end >= 0 else 1_000_000]
    return "\t" if first.count("\t") > first.count(",") else ","


def check_header(header):
    """TableError for a header the importers must not go on with: NUL characters, or too many columns."""
    names = list(header)
    while names and not (names[-1] or "").strip():
        names.pop()  # trailing empty cells are not columns
    if len(names) > MAX_COLUMNS:
        raise TableError(
            _("The file has %(count)d columns; at most %(limit)d are accepted. Remove the unexpected columns "
              "(keep the ones the import uses) and try again.") % {"count": len(names), "limit": MAX_COLUMNS})
    for number, name in enumerate(names, start=1):
        if "\x00" in (name or ""):
            raise TableError(
                _("The header (line 1) contains a NUL character in column %(column)d: the file is damaged or is "
                  "not a text file. Save it from Excel as CSV and try again.") % {"column": number})


def no_rows_error():
    return TableError(_("The file has a header but no data rows; there is nothing to import."))


def csv_error(exc, line):
    """TableError for the csv module's complaint about a line (a cell past the field limit, a stray quote)."""
    if "field larger than field limit" in str(exc):
        return TableError(_("A cell near line %(line)d is longer than %(limit)d characters; the file cannot be "
                            "read.") % {"line": line, "limit": csv.field_size_limit()})
    return TableError(_("The CSV file is malformed near line %(line)d: %(error)s") % {"line": line, "error": exc})


def csv_reader(text):
    """A csv.reader over decoded text, with the delimiter of its header line."""
    return csv.reader(io.StringIO(text, newline=""), delimiter=sniff_delimiter(text))


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


def _xlsx_error(exc):
    return TableError(_("The Excel file could not be opened: %(error)s") % {"error": exc})


def _read_xlsx(data):
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        sheet = workbook.worksheets[0]
    except Exception as exc:  # openpyxl raises many kinds for a damaged file
        raise _xlsx_error(exc) from exc

    def lines():
        try:
            for row in sheet.iter_rows(values_only=True):
                yield [_cell_text(v) for v in row]
        except Exception as exc:  # a damaged sheet fails while it is read, not when it is opened
            raise _xlsx_error(exc) from exc

    return lines()


def read_header(lines, required_columns=()):
    """The first row of `lines` as the header: cleaned, checked (width, NUL, required columns). TableError otherwise."""
    try:
        header = next(lines)
    except StopIteration:
        raise TableError(_("The file is empty.")) from None
    except csv.Error as exc:
        raise csv_error(exc, 1) from exc
    header = [h.strip().lstrip("\ufeff") for h in header]
    while header and header[-1] == "":
        header.pop()
    check_header(header)
    missing = [c for c in required_columns if c not in header]
    if missing:
        raise TableError(_("Required columns are missing: %(columns)s") % {"columns": ", ".join(missing)})
    return header


def iter_rows(lines, header):
    """(line number, {column: cell}) for the rows after the header, one at a time. Blank lines are skipped, a short
    line's missing cells are empty, extra cells are dropped; TableError for a malformed line or no rows at all."""
    line_number, found = 1, False
    padding = [""] * len(header)
    strip = str.strip
    try:
        for line_number, values in enumerate(lines, start=2):
            # csv.reader and the XLSX reader give str cells only: a blank line is one whose cells joined are blank
            if not "".join(values).strip():
                continue
            found = True
            if len(values) < len(padding):
                values = values + padding[len(values) :]
            yield line_number, dict(zip(header, map(strip, values), strict=False))
    except csv.Error as exc:
        raise csv_error(exc, line_number + 1) from exc
    if not found:
        raise no_rows_error()


def read_table(data, name="upload.csv", required_columns=()):
    """Parse bytes of a CSV or XLSX file. Blank lines are skipped; line numbers count the header as line 1.

    Raises TableError for a file without data rows: an import of nothing is a mistake worth saying so."""
    if _is_xlsx(name, data):
        lines = _read_xlsx(data)
        encoding, file_format = "", "xlsx"
    else:
        text, encoding = decode_csv_bytes(data)
        lines = csv_reader(text)
        file_format = "csv"
    header = read_header(lines, required_columns)
    return Table(header=header, rows=list(iter_rows(lines, header)), encoding=encoding, file_format=file_format)
