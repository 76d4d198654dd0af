"""A corpus of hostile files for the two importers (customers and purchases), built as bytes in code.

Each HostileFile says what a correct importer does with it:
- FILE_ERROR: refused as a whole, with a clear message (`message` is part of its English text);
- ROW_ERRORS: read; every cell of `bad_cells` (line, column) is reported and no other line is; nothing is
  written unless only the valid rows are asked for, and then exactly those;
- CLEAN: every row imported, the values of `stored` exactly as written in the file.
The same kinds of hostility go to both importers: random bytes, empty files, a header without rows, UTF-16
with and without BOM, NUL characters (header and cells), 10,000 columns, 100,000-character cells, spreadsheet
formulas, emoji and characters outside the BMP (𠮷); CSV, and XLSX where the hazard exists there too. The 50 MB + 1 byte upload is oversized_upload().

Fixtures the files assume: purchases refer to customers C0001 and C0002 and product P001; customer files
create customers H0001… from nothing. Purchase dates are in 2024 (in the past on any test run).
"""
import codecs
import io
import random
from dataclasses import dataclass, field

from openpyxl import Workbook

FILE_ERROR, ROW_ERRORS, CLEAN = "file_error", "row_errors", "clean"
NUL = "\x00"
FORMULAS = ("=cmd|' /C calc'!A0", "+81 商事", "-ハイフン商事", "@SUM(A1) 商事")
WIDE_COLUMNS = 10_000
LONG_CELL = 100_000

CUSTOMER_HEADER = ("code", "name", "name_kana", "phone", "email", "address", "rep")
PURCHASE_HEADER = ("customer_code", "purchased_on", "product_code", "quantity", "amount", "store", "order_ref",
                   "coupon_code")  # fmt: skip


@dataclass(frozen=True)
class HostileFile:
    id: str
    name: str
    data: bytes
    outcome: str
    message: str = ""
    bad_cells: frozenset = frozenset()
    rows: int = 0
    stored: dict = field(default_factory=dict)

    @property
    def bad_lines(self):
        return {line for line, _column in self.bad_cells}

    @property
    def valid_rows(self):
        return self.rows - len(self.bad_lines)

    def __repr__(self):  # pytest ids and failure messages: not 50 MB of bytes
        return f"HostileFile({self.id})"


def _csv(header, rows, *, delimiter=",", newline="\r\n"):
    def cell(value):
        value = str(value)
        if any(ch in value for ch in (delimiter, '"', "\r", "\n")):
            return '"' + value.replace('"', '""') + '"'
        return value

    lines = [delimiter.join(cell(v) for v in header)] + [delimiter.join(cell(v) for v in row) for row in rows]
    return newline.join(lines) + newline


def _xlsx(header, rows):
    workbook = Workbook()
    sheet = workbook.active
    for row in [header, *rows]:
        sheet.append(list(row))
    stream = io.BytesIO()
    workbook.save(stream)
    return stream.getvalue()


def _random_bytes(seed, size=4096):
    return random.Random(seed).randbytes(size)


def _common(kind, header, good_rows):
    """The cases whose shape is the same for both importers."""
    text = _csv(header, good_rows)
    header_line = _csv(header, [])
    junk = _random_bytes(20260510)
    return [
        HostileFile(f"{kind}-random-bytes", f"{kind}.csv", junk, FILE_ERROR, "neither UTF-8 nor Shift_JIS"),
        HostileFile(f"{kind}-random-bytes-xlsx", f"{kind}.xlsx", junk, FILE_ERROR, "Excel file could not be opened"),
        HostileFile(f"{kind}-zip-junk", f"{kind}.csv", b"PK\x03\x04" + junk, FILE_ERROR,
                    "Excel file could not be opened"),
        HostileFile(f"{kind}-empty", f"{kind}.csv", b"", FILE_ERROR, "The file is empty."),
        HostileFile(f"{kind}-bom-only", f"{kind}.csv", codecs.BOM_UTF8, FILE_ERROR, "The file is empty."),
        HostileFile(f"{kind}-header-only", f"{kind}.csv", header_line.encode(), FILE_ERROR, "no data rows"),
        HostileFile(f"{kind}-header-and-blank-lines", f"{kind}.csv", (header_line + "\r\n,,\r\n\r\n").encode(),
                    FILE_ERROR, "no data rows"),
        HostileFile(f"{kind}-nul-in-header", f"{kind}.csv", text.replace(header[1], header[1][:2] + NUL, 1).encode(),
                    FILE_ERROR, "NUL character in column 2"),
        HostileFile(f"{kind}-nul-in-header-utf16", f"{kind}.csv",
                    codecs.BOM_UTF16_LE + text.replace(header[0], NUL + header[0], 1).encode("utf-16-le"),
                    FILE_ERROR, "NUL character in column 1"),
        HostileFile(f"{kind}-10000-columns", f"{kind}.csv",
                    _csv([*header, *(f"extra_{i}" for i in range(WIDE_COLUMNS))],
                         [[*row, *("x" for _ in range(WIDE_COLUMNS))] for row in good_rows[:1]]).encode(),
                    FILE_ERROR, f"The file has {len(header) + WIDE_COLUMNS} columns"),
        HostileFile(f"{kind}-utf16-truncated", f"{kind}.csv", (codecs.BOM_UTF16_LE + text.encode("utf-16-le"))[:-1],
                    FILE_ERROR, "UTF-16"),
        # Excel's "Unicode text" (ユニコード テキスト): UTF-16LE with BOM, tab-separated.
        HostileFile(f"{kind}-utf16le-bom-tab", f"{kind}.txt",
                    codecs.BOM_UTF16_LE + _csv(header, good_rows, delimiter="\t").encode("utf-16-le"),
                    CLEAN, rows=len(good_rows)),
        HostileFile(f"{kind}-utf16le-no-bom", f"{kind}.csv", text.encode("utf-16-le"), CLEAN, rows=len(good_rows)),
        HostileFile(f"{kind}-utf16be-bom", f"{kind}.csv", codecs.BOM_UTF16_BE + text.encode("utf-16-be"), CLEAN,
                    rows=len(good_rows)),
        HostileFile(f"{kind}-utf16be-no-bom", f"{kind}.csv", text.encode("utf-16-be"), CLEAN, rows=len(good_rows)),
        HostileFile(f"{kind}-tab-separated-utf8", f"{kind}.tsv", _csv(header, good_rows, delimiter="\t").encode(),
                    CLEAN, rows=len(good_rows)),
        HostileFile(f"{kind}-cr-line-ends", f"{kind}.csv", _csv(header, good_rows, newline="\r").encode(),
                    CLEAN, rows=len(good_rows)),
        HostileFile(f"{kind}-trailing-empty-columns", f"{kind}.csv",
                    _csv([*header, *([""] * WIDE_COLUMNS)], [[*row, *([""] * WIDE_COLUMNS)] for row in good_rows])
                    .encode(), CLEAN, rows=len(good_rows)),
        HostileFile(f"{kind}-xlsx-header-only", f"{kind}.xlsx", _xlsx(header, []), FILE_ERROR, "no data rows"),
        HostileFile(f"{kind}-xlsx-10000-columns", f"{kind}.xlsx",
                    _xlsx([*header, *(f"extra_{i}" for i in range(WIDE_COLUMNS))], good_rows[:1]), FILE_ERROR,
                    f"The file has {len(header) + WIDE_COLUMNS} columns"),
        HostileFile(f"{kind}-xlsx", f"{kind}.xlsx", _xlsx(header, good_rows), CLEAN, rows=len(good_rows)),
        HostileFile(f"{kind}-long-cell-in-unused-column", f"{kind}.csv",
                    _csv([*header, "memo"], [[*row, "長" * LONG_CELL] for row in good_rows]).encode(), CLEAN,
                    rows=len(good_rows)),
    ]


# Customers -------------------------------------------------------------------------------------------------

def _customer(code, name, kana="", phone="", email="", address="", rep=""):
    return [code, name, kana, phone, email, address, rep]


CUSTOMER_ROWS = [
    _customer("H0001", "株式会社目覚め商事", "メザメショウジ", "03-1234-5678", "info@example.jp", "東京都千代田区丸の内1-1"),
    _customer("H0002", "𠮷野家 🍣🍺 商店", "ヨシノヤ", "045-123-4567", "yoshino@example.jp"),
    _customer("H0003", "👨‍👩‍👧 ファミリー工務店", "ファミリーコウムテン"),
]
CUSTOMER_STORED = {"H0001": {"name": "株式会社目覚め商事"}, "H0002": {"name": "𠮷野家 🍣🍺 商店", "name_kana": "ヨシノヤ"},
                   "H0003": {"name": "👨‍👩‍👧 ファミリー工務店"}}
# A valid address by Django's validator (320 characters at most) that the 254-character column cannot hold.
LONG_EMAIL = "a" * 64 + "@" + ".".join(["b" * 60] * 4) + ".jp"


def _with(rows, line, column, value, header=CUSTOMER_HEADER):
    """A copy of rows with one cell replaced; `line` counts the header as 1."""
    rows = [list(row) for row in rows]
    rows[line - 2][header.index(column)] = value
    return rows


def customer_files():
    header, rows = CUSTOMER_HEADER, CUSTOMER_ROWS

    def bad(case, cells, file_rows):
        return HostileFile(f"customers-{case}", "customers.csv", _csv(header, file_rows).encode(), ROW_ERRORS,
                           bad_cells=frozenset(cells), rows=len(file_rows))

    files = _common("customers", header, rows)
    for file in files:
        if file.outcome == CLEAN:
            object.__setattr__(file, "stored", CUSTOMER_STORED)
    files += [
        bad("nul-in-name", [(3, "name")], _with(rows, 3, "name", "𠮷野" + NUL + "家")),
        bad("nul-in-phone", [(2, "phone")], _with(rows, 2, "phone", "03-1234" + NUL + "-5678")),
        bad("nul-in-rep", [(4, "rep")], _with(rows, 4, "rep", "佐" + NUL + "藤")),
        bad("nul-in-email-and-address", [(2, "email"), (2, "address")],
            _with(_with(rows, 2, "email", "in" + NUL + "fo@example.jp"), 2, "address", "東京都" + NUL)),
        bad("nul-in-code", [(3, "code")], _with(rows, 3, "code", "H00" + NUL + "02")),
        bad("100k-character-cells", [(2, "name"), (3, "name_kana"), (4, "address")],
            _with(_with(_with(rows, 2, "name", "名" * LONG_CELL), 3, "name_kana", "カ" * LONG_CELL),
                  4, "address", "東京都" + "丁" * LONG_CELL)),
        bad("100k-character-phone-and-email", [(2, "phone"), (3, "email")],
            _with(_with(rows, 2, "phone", "0" * LONG_CELL), 3, "email", "a" * LONG_CELL + "@example.jp")),
        bad("e-mail-longer-than-its-column", [(3, "email")], _with(rows, 3, "email", LONG_EMAIL)),
        bad("code-longer-than-its-column", [(4, "code")], _with(rows, 4, "code", "H" * 33)),
        bad("end-of-copy-marker", [(3, "name")], [rows[0], ["\\."], rows[1]]),
        HostileFile("customers-formulas", "customers.csv",
                    _csv(header, [_customer(f"F000{i}", name) for i, name in enumerate(FORMULAS, 1)]).encode(),
                    CLEAN, rows=len(FORMULAS),
                    stored={f"F000{i}": {"name": name} for i, name in enumerate(FORMULAS, 1)}),
        HostileFile("customers-emoji-and-outside-bmp", "customers.csv", _csv(header, rows).encode(), CLEAN,
                    rows=len(rows), stored=CUSTOMER_STORED),
    ]
    return files


# Purchases -------------------------------------------------------------------------------------------------

def _purchase(customer="C0001", day="2024-01-10", product="P001", quantity="1", amount="980", store="本店",
              order_ref="", coupon=""):
    return [customer, day, product, quantity, amount, store, order_ref, coupon]


PURCHASE_ROWS = [
    _purchase(order_ref="H-1"),
    _purchase("C0002", "2024/2/3", store="𠮷野家🍣店", order_ref="𠮷-002", coupon="🎉春"),
    _purchase(amount="1,200", store="ｶﾞ" * 60, order_ref="H-3"),  # 120 characters, 60 once folded: fits
]
PURCHASE_STORED = {"H-1": {"store": "本店"}, "𠮷-002": {"store": "𠮷野家🍣店", "coupon_code": "🎉春"},
                   "H-3": {"store": "ガ" * 60, "amount": 1200}}


def purchase_files():
    header, rows = PURCHASE_HEADER, PURCHASE_ROWS

    def bad(case, cells, file_rows):
        return HostileFile(f"purchases-{case}", "purchases.csv", _csv(header, file_rows).encode(), ROW_ERRORS,
                           bad_cells=frozenset(cells), rows=len(file_rows))

    def refs(n):
        return [_purchase(order_ref=f"R-{i}") for i in range(1, n + 1)]

    def set_cells(file_rows, cells):
        for (line, column), value in cells.items():
            file_rows = _with(file_rows, line, column, value, header=PURCHASE_HEADER)
        return file_rows

    files = _common("purchases", header, rows)
    for file in files:
        if file.outcome == CLEAN:
            object.__setattr__(file, "stored", PURCHASE_STORED)
    nul_cells = {(2, "store"): "本" + NUL + "店", (3, "order_ref"): "R" + NUL + "3", (4, "customer_code"): "C00" + NUL + "01",
                 (5, "amount"): "98" + NUL + "0", (6, "coupon_code"): NUL, (7, "purchased_on"): "2024-01-1" + NUL,
                 (8, "product_code"): "P" + NUL + "001"}  # fmt: skip
    long_cells = {(2, "store"): "店" * LONG_CELL, (3, "store"): "s" * 101, (4, "order_ref"): "o" * 65,
                  (5, "coupon_code"): "c" * 65, (6, "customer_code"): "C" * 33, (7, "product_code"): "P" * 33,
                  (8, "store"): "㍿" * 30}  # fmt: skip  -- 30 characters, 120 once folded (㍿ is 株式会社)
    files += [
        bad("nul-in-cells", nul_cells, set_cells(refs(9), nul_cells)),
        HostileFile("purchases-nul-in-unused-column", "purchases.csv",
                    _csv([*header, "memo"], [[*row, "a" + NUL] for row in rows]).encode(), CLEAN, rows=len(rows),
                    stored=PURCHASE_STORED),
        bad("cells-longer-than-their-columns", long_cells, set_cells(refs(9), long_cells)),
        bad("end-of-copy-marker", [(3, "customer_code"), (3, "purchased_on"), (3, "amount")],
            [rows[0], ["\\."], rows[1], rows[2]]),
        HostileFile("purchases-formulas", "purchases.csv",
                    _csv(header, [_purchase(store=f, order_ref=f"F-{i}", coupon=f.split()[0])
                                  for i, f in enumerate(FORMULAS, 1)]
                         + [_purchase(store="-1+2", order_ref="+ORD-1", coupon="@SUM(1+1)")]).encode(),
                    CLEAN, rows=len(FORMULAS) + 1,
                    stored={**{f"F-{i}": {"store": f, "coupon_code": f.split()[0]} for i, f in enumerate(FORMULAS, 1)},
                            "+ORD-1": {"store": "-1+2", "coupon_code": "@SUM(1+1)"}}),
        HostileFile("purchases-emoji-and-outside-bmp", "purchases.csv", _csv(header, rows).encode(), CLEAN,
                    rows=len(rows), stored=PURCHASE_STORED),
    ]
    return files


def oversized_upload(limit):
    """limit + 1 bytes of an otherwise ordinary CSV: the upload forms must refuse it."""
    head = _csv(PURCHASE_HEADER, PURCHASE_ROWS).encode()
    return head + b"#" * (limit + 1 - len(head))
