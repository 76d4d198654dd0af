"""Reading and writing the spreadsheets Japanese offices exchange: CSV from Excel and XLSX.

In: UTF-8, UTF-8 with BOM, or Shift_JIS/cp932 (what Excel on Japanese Windows writes), detected;
or XLSX. Out: UTF-8 with BOM (so Excel opens it as UTF-8) or XLSX, with formula-like cells neutralized.
"""
from .reading import Table, TableError, decode_csv_bytes, read_table
from .writing import neutralize_formula, write_csv, write_xlsx

__all__ = ["Table", "TableError", "decode_csv_bytes", "neutralize_formula", "read_table", "write_csv", "write_xlsx"]
