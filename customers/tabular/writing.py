"""Write rows as CSV (UTF-8 with BOM, for Excel on Japanese Windows) or XLSX, safe from formula injection."""
import codecs
import csv
import io

FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def neutralize_formula(value):
    """Prefix a cell that a spreadsheet would run as a formula with an apostrophe (OWASP's advice).

    Negative numbers stay numbers: only text is touched.
    """
    if value is None:
        return ""
    if isinstance(value, (int, float)):
        return value
    text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def write_csv(stream, header, rows):
    """Write to a binary stream; rows are sequences in header order. Returns the number of rows written."""
    stream.write(codecs.BOM_UTF8)
    text = io.TextIOWrapper(stream, encoding="utf-8", newline="", write_through=True)
    writer = csv.writer(text, lineterminator="\r\n")
    writer.writerow(header)
    count = 0
    for row in rows:
        writer.writerow([neutralize_formula(v) for v in row])
        count += 1
    text.detach()
    return count


def write_xlsx(stream, header, rows, sheet_title="data"):
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=sheet_title)
    sheet.append(list(header))
    count = 0
    for row in rows:
        sheet.append([neutralize_formula(v) for v in row])
        count += 1
    workbook.save(stream)
    return count
