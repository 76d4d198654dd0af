"""Reading and writing the spreadsheets Japanese offices exchange: CSV from Excel and XLSX.

In: UTF-8, UTF-8 with BOM, Shift_JIS/cp932 (what Excel on Japanese Windows writes) or UTF-16 (Excel's
"Unicode text", tab-separated), detected; or XLSX. Out: UTF-8 with BOM (so Excel opens it as UTF-8) or XLSX,
with formula-like cells neutralized.
"""
from .reading import (
    MAX_COLUMNS,
    Table,
    TableError,
    check_header,
    csv_error,
    csv_reader,
    decode_csv_bytes,
    no_rows_error,
    read_table,
    sniff_delimiter,
)
from .writing import neutralize_formula, write_csv, write_xlsx

__all__ = [
    "MAX_COLUMNS",
    "Table",
    "TableError",
    "check_header",
    "csv_error",
    "csv_reader",
    "decode_csv_bytes",
    "neutralize_formula",
    "no_rows_error",
    "read_table",
    "sniff_delimiter",
    "write_csv",
    "write_xlsx",
]
