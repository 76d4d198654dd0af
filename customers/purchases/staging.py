"""Getting an uploaded purchases file into temporary tables, as raw text, as fast as the database allows.

PostgreSQL: rows are streamed with COPY (psycopg2 copy_expert) into a TEMP table; SQLite: executemany.
Nothing here interprets values: that is parsing.py's job, done once per distinct cell text by the importer.
The SQL that follows is shared by both databases; the few differences are in Dialect.
"""
# ruff: noqa: S608 -- SQL here is assembled from constant table names and code-written conditions; every value is a parameter.
import csv
import hashlib
import io
import re
from dataclasses import dataclass, field

from django.db import connection
from django.utils.translation import gettext as _

from customers.tabular import (
    MAX_COLUMNS,
    TableError,
    check_header,
    csv_error,
    decode_csv_bytes,
    read_table,
    sniff_delimiter,
)

from .parsing import fold

COLUMNS = ("customer_code", "purchased_on", "product_code", "quantity", "amount", "store", "order_ref", "coupon_code")
REQUIRED = ("customer_code", "purchased_on", "amount")
# Japanese headers that real exports use for the same columns.
HEADER_ALIASES = {
    "顧客コード": "customer_code",
    "得意先コード": "customer_code",
    "購入日": "purchased_on",
    "売上日": "purchased_on",
    "商品コード": "product_code",
    "数量": "quantity",
    "金額": "amount",
    "売上金額": "amount",
    "店舗": "store",
    "部署": "store",
    "注文番号": "order_ref",
    "伝票番号": "order_ref",
    "クーポン": "coupon_code",
    "クーポンコード": "coupon_code",
}
STAGE = "mz_purchase_stage"
COPY_CHUNK_ROWS = 200_000


@dataclass(frozen=True)
class Dialect:
    vendor: str

    @property
    def is_postgres(self):
        return self.vendor == "postgresql"

    def fold(self, expression):
        """SQL for the same folding as parsing.fold (NFKC + trim)."""
        if not self.is_postgres:
            return f"mz_fold({expression})"
        # Pure ASCII text is already NFKC: skip normalize(), the costly part, for the usual codes.
        return (f"CASE WHEN octet_length({expression}) = char_length({expression}) THEN btrim({expression}) "
                f"ELSE normalize(btrim({expression}), NFKC) END")

    @property
    def map_key(self):
        """Constraint of a value map's raw column (distinct by construction). PostgreSQL hash-joins the maps
        after ANALYZE, so an index there would only cost its build (~3 s for 500,000 customer codes);
        SQLite's nested-loop joins need it."""
        return "" if self.is_postgres else "PRIMARY KEY"

    def octet_length(self, expression):
        return f"octet_length({expression})" if self.is_postgres else f"length(CAST({expression} AS BLOB))"

    @property
    def fence(self):
        """Ends a subquery so the planner keeps it whole: a condition outside is then evaluated on the
        subquery's rows (e.g. once per DISTINCT value) rather than pushed into it (once per row)."""
        return " OFFSET 0" if self.is_postgres else " LIMIT -1 OFFSET 0"

    def temp_table(self, name, columns_sql):
        return f"CREATE TEMP TABLE {name} ({columns_sql})"


def dialect():
    dia = Dialect(connection.vendor)
    if not dia.is_postgres:
        # SQLite gets the two helper functions PostgreSQL has built in.
        connection.ensure_connection()
        raw = connection.connection
        raw.create_function("mz_fold", 1, lambda v: fold(v) if v is not None else None, deterministic=True)
        raw.create_function(
            "md5", 1,
            lambda v: hashlib.md5(v.encode(), usedforsecurity=False).hexdigest() if v is not None else None,
            deterministic=True,
        )
    return dia


def _canonical_header(name):
    key = fold(name).lstrip("\ufeff").strip()
    return HEADER_ALIASES.get(key, key.lower())


def _positions(header):
    canonical = [_canonical_header(h) for h in header]
    missing = [c for c in REQUIRED if c not in canonical]
    if missing:
        raise TableError(_("Required columns are missing: %(columns)s") % {"columns": ", ".join(missing)})
    return [canonical.index(c) if c in canonical else None for c in COLUMNS]


@dataclass
class Source:
    """A purchases file opened for staging. `records` yields [line_no, 8 raw strings]; `text` is the decoded
    CSV for PostgreSQL's COPY (None for XLSX); `nul_cells` fills, as the records are read, with
    (line, column position, column, value) for cells holding NUL characters, which PostgreSQL cannot store:
    the records carry them as ␀ and the importer reports them as row errors."""

    encoding: str
    file_format: str
    records: object
    text: str | None = None
    delimiter: str = ","
    nul_cells: list = field(default_factory=list)


NUL_SHOWN_AS = "\N{SYMBOL FOR NULL}"


def _without_nul(records, nul_cells):
    for record in records:
        for position, value in enumerate(record[1:]):
            if "\x00" in value:
                shown = value.replace("\x00", NUL_SHOWN_AS)
                nul_cells.append((record[0], position + 1, COLUMNS[position], shown))
                record[position + 1] = shown
        yield record


def iter_records(data, filename):
    """A Source for the bytes. Blank lines are skipped; the header is line 1.
    Raises TableError for a file that cannot be read (encoding, damaged or too wide header, no columns)."""
    if filename.lower().endswith((".xlsx", ".xlsm")) or data[:4] == b"PK\x03\x04":
        table = read_table(data, filename)
        positions = _positions(table.header)
        names = [table.header[i] if i is not None else None for i in positions]
        records = ([line] + [row.get(n, "") if n else "" for n in names] for line, row in table.rows)
        source = Source("", "xlsx", None)
        source.records = _without_nul(records, source.nul_cells)
        return source
    text, encoding = decode_csv_bytes(data)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader)
    except StopIteration:
        raise TableError(_("The file is empty.")) from None
    except csv.Error as exc:
        raise csv_error(exc, 1) from exc
    check_header(header)
    positions = _positions(header)

    def records():
        line = 1
        try:
            for line, values in enumerate(reader, start=2):
                if not "".join(values).strip():
                    continue
                width = len(values)
                yield [line] + [values[i] if i is not None and i < width else "" for i in positions]
        except csv.Error as exc:
            raise csv_error(exc, line + 1) from exc

    source = Source(encoding, "csv", None, text=text, delimiter=delimiter)
    source.records = _without_nul(records(), source.nul_cells)
    return source


def create_stage(cursor, dia, extra_columns=0):
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
    # No index: the stage is read whole, by hash joins. Extra columns receive a file's unused columns.
    seq = "seq integer GENERATED BY DEFAULT AS IDENTITY (START WITH 2)" if dia.is_postgres else "seq integer"
    columns = [seq] + [f"{c} text NOT NULL DEFAULT ''" for c in COLUMNS]
    columns += [f"unused_{i} text" for i in range(extra_columns)]
    cursor.execute(dia.temp_table(STAGE, ", ".join(columns)))


# COPY FROM STDIN ends at a line holding only "\." even in CSV format: the rows after it would vanish.
_END_OF_COPY = re.compile(r"(?:\A|[\r\n])\\\.(?:[\r\n]|\Z)")
DELIMITER_SQL = {",": "','", "\t": "E'\\t'"}


def copy_csv_text(cursor, text, delimiter=","):
    """PostgreSQL fast path: hand the whole CSV text to COPY, which parses it in C. The identity column
    numbers the records in file order from 2 (the header is line 1), as the Python reader would.
    Returns the row count, or None when the file needs the Python path (blank lines, ragged rows, NUL
    characters, an end-of-copy marker, a very wide header): the caller must run this inside a savepoint,
    since a failed COPY aborts the transaction."""
    if ("\n\n" in text.replace("\r\n", "\n").rstrip("\r\n") or "\x00" in text
            or ("\\." in text and _END_OF_COPY.search(text))):
        return None
    header = next(csv.reader(io.StringIO(text, newline=""), delimiter=delimiter), [])
    if len(header) > MAX_COLUMNS:
        return None  # trailing empty header cells would each become a stage column
    positions = _positions(header)
    targets, used = [], set()
    for index, name in enumerate(header):
        canonical = _canonical_header(name)
        if canonical in COLUMNS and canonical not in used and positions[COLUMNS.index(canonical)] == index:
            targets.append(canonical)
            used.add(canonical)
        else:
            targets.append(None)
    extra = sum(1 for t in targets if t is None)
    cursor.execute(f"DROP TABLE IF EXISTS {STAGE}")
    create_stage(cursor, Dialect("postgresql"), extra_columns=extra)
    names, unused = [], 0
    for target in targets:
        if target is None:
            names.append(f"unused_{unused}")
            unused += 1
        else:
            names.append(target)
    known = [n for n in names if not n.startswith("unused_")]
    cursor.copy_expert(
        f"COPY {STAGE} ({', '.join(names)}) FROM STDIN WITH (FORMAT csv, HEADER true, "
        f"DELIMITER {DELIMITER_SQL[delimiter]}, "
        f"FORCE_NOT_NULL ({', '.join(known)}))",
        io.StringIO(text),
    )
    cursor.execute(f"SELECT count(*) FROM {STAGE}")
    return cursor.fetchone()[0]


def load_stage(cursor, dia, records, on_chunk=None):
    """Load the records; returns the number of rows. on_chunk(rows_so_far) is called between chunks."""
    total = 0
    columns = ", ".join(("seq", *COLUMNS))
    while True:
        chunk = []
        for record in records:
            chunk.append(record)
            if len(chunk) >= COPY_CHUNK_ROWS:
                break
        if not chunk:
            return total
        if dia.is_postgres:
            buffer = io.StringIO()
            csv.writer(buffer, quoting=csv.QUOTE_ALL, lineterminator="\n").writerows(chunk)
            buffer.seek(0)
            cursor.copy_expert(
                f"COPY {STAGE} ({columns}) FROM STDIN WITH (FORMAT csv, FORCE_NOT_NULL ({', '.join(COLUMNS)}))", buffer
            )
        else:
            placeholders = ", ".join(["%s"] * (len(COLUMNS) + 1))
            cursor.executemany(f"INSERT INTO {STAGE} ({columns}) VALUES ({placeholders})", chunk)
        total += len(chunk)
        if on_chunk:
            on_chunk(total)
        if len(chunk) < COPY_CHUNK_ROWS:
            return total


def _copy_text(value):
    if value is None:
        return "\\N"
    return str(value).replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def load_rows(cursor, dia, table, columns, rows):
    """Bulk-load small helper tables (value maps): COPY on PostgreSQL, executemany on SQLite."""
    if not rows:
        return
    if dia.is_postgres:
        buffer = io.StringIO("".join("\t".join(_copy_text(v) for v in row) + "\n" for row in rows))
        cursor.copy_expert(f"COPY {table} ({', '.join(columns)}) FROM STDIN", buffer)
    else:
        placeholders = ", ".join(["%s"] * len(columns))
        cursor.executemany(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)


def drop_tables(cursor, names):
    for name in names:
        cursor.execute(f"DROP TABLE IF EXISTS {name}")
