"""The purchases importer: validate the whole file first, then write it in one transaction, set-based.

    purchases_import(*, data, filename, user=None, create_missing_customers=False,
                     create_missing_products=False, dry_run=False, only_valid=False, batch=None) -> ImportResult

Pipeline (the same SQL on PostgreSQL and SQLite; only the loading differs, see staging.py):
1. the raw rows go into a TEMP table (COPY on PostgreSQL);
2. each DISTINCT date / amount / quantity text is parsed once in Python (parsing.py) into small map
   tables; customer and product codes are resolved by a join on their folded form;
3. errors (line, column, value, reason) are one UNION ALL query; a file with errors writes nothing unless
   only_valid, in which case the bad rows come back as a CSV (ImportResult.rejected_csv). Besides bad dates,
   amounts, quantities and unknown codes, a row is refused for a text longer than its column (store,
   order_ref, coupon_code, codes; measured after folding, as stored) and for a cell holding a NUL
   character (which PostgreSQL cannot store; staging.py notes them while reading);
4. INSERT … SELECT … ON CONFLICT (row_key) DO NOTHING, then the summaries of the affected customers.

Row identity (row_key): "o:<order_ref>#<n>" where n is the row's position among the file's rows with that
order reference; without order reference "d:<md5 of the parsed row>#<n>" where n counts identical rows in
the file (two identical lines are two purchases). Re-importing a file therefore adds nothing.
"""
# ruff: noqa: S608 -- SQL here is assembled from constant table names and code-written conditions; every value is a parameter.
import datetime as dt
import io
import logging
import time
from dataclasses import dataclass, field

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from customers.models import Customer, ImportBatch, Product, Purchase
from customers.tabular import no_rows_error, write_csv

from . import coupon_hooks, staging
from .parsing import ValueParseError, parse_amount, parse_date, parse_quantity
from .staging import COLUMNS, STAGE
from .summary import refresh_summaries_where

logger = logging.getLogger(__name__)
MAX_REPORTED_ERRORS = 1000
MAX_REPORTED_VALUE = 200  # characters of a cell repeated in an error (a 100,000-character cell is not)
DATE_MAP, AMOUNT_MAP, QUANTITY_MAP = "mz_purchase_dates", "mz_purchase_amounts", "mz_purchase_quantities"
CUSTOMER_MAP, PRODUCT_MAP, BAD, AFFECTED, NUL_CELLS = (
    "mz_purchase_customers", "mz_purchase_products", "mz_purchase_bad", "mz_purchase_affected", "mz_purchase_nul",
)
TEMP_TABLES = (STAGE, DATE_MAP, AMOUNT_MAP, QUANTITY_MAP, CUSTOMER_MAP, PRODUCT_MAP, BAD, AFFECTED, NUL_CELLS)
# Text columns checked against their database length, with their position in the error list.
TEXT_LIMITS = tuple((COLUMNS.index(name) + 1, name, Purchase._meta.get_field(name).max_length)
                    for name in ("store", "order_ref", "coupon_code"))
NFKC_MAX_EXPANSION = 18  # characters one character can fold into (U+FDFA); composing only shortens
CODE_LIMITS = {"customer_code": Customer._meta.get_field("code").max_length,
               "product_code": Product._meta.get_field("code").max_length}


@dataclass
class ImportResult:
    total_rows: int = 0
    valid_rows: int = 0
    error_rows: int = 0
    error_count: int = 0
    errors: list = field(default_factory=list)  # first MAX_REPORTED_ERRORS: {line, column, value, reason}
    created: int = 0  # purchase lines written
    already_imported: int = 0  # valid lines whose row_key existed (re-import)
    missing_customers: int = 0  # unknown codes (created when create_missing_customers)
    missing_products: int = 0
    created_customers: int = 0
    created_products: int = 0
    affected_customers: int = 0
    encoding: str = ""
    file_format: str = ""
    dry_run: bool = False
    written: bool = False
    rejected_csv: bytes | None = None
    # Written lines whose coupon code could not be redeemed ({customer_code, purchased_on, order_ref, value,
    # reason}): the sale is imported, the code reported (customers.purchases.coupon_hooks).
    warnings: list = field(default_factory=list)

    @property
    def is_valid(self):
        return self.error_rows == 0


def _progress(batch, percent, stage="", started=None):
    if started is not None:
        logger.info("purchase import: %s done after %.2f s", stage, time.monotonic() - started)
    if batch is not None and not connection.in_atomic_block:
        ImportBatch.objects.filter(pk=batch.pk).update(progress=percent)


def _build_maps(cursor, dia, today):
    """Parse each distinct cell text once; codes are resolved by joins."""
    tz = timezone.get_current_timezone()
    cursor.execute(dia.temp_table(DATE_MAP, f"raw text {dia.map_key}, day date, at timestamp with time zone, reason text")
                   if dia.is_postgres else dia.temp_table(DATE_MAP, "raw text PRIMARY KEY, day, at, reason text"))
    cursor.execute(f"SELECT DISTINCT purchased_on FROM {STAGE}")
    rows = []
    for (raw,) in cursor.fetchall():
        try:
            day, time_of_day = parse_date(raw)
            at = dt.datetime.combine(day, time_of_day, tzinfo=tz) if time_of_day else None
            reason = _("The date is in the future.") if day > today else None
        except ValueParseError as exc:
            day, at, reason = None, None, str(exc.reason)
        if not dia.is_postgres and at is not None:
            at = connection.ops.adapt_datetimefield_value(at)
        rows.append((raw, day.isoformat() if day else None, at.isoformat() if hasattr(at, "isoformat") else at,
                     reason))
    staging.load_rows(cursor, dia, DATE_MAP, ("raw", "day", "at", "reason"), rows)

    for table, column, parser, sql_type in (
        (AMOUNT_MAP, "amount", parse_amount, "bigint"),
        (QUANTITY_MAP, "quantity", parse_quantity, "numeric(12, 2)"),
    ):
        cursor.execute(dia.temp_table(table, f"raw text {dia.map_key}, value {sql_type}, reason text"))
        cursor.execute(f"SELECT DISTINCT {column} FROM {STAGE}")
        rows = []
        for (raw,) in cursor.fetchall():
            try:
                rows.append((raw, str(parser(raw)), None))
            except ValueParseError as exc:
                rows.append((raw, None, str(exc.reason)))
        staging.load_rows(cursor, dia, table, ("raw", "value", "reason"), rows)

    for table, column, target in (
        (CUSTOMER_MAP, "customer_code", "customers_customer"),
        (PRODUCT_MAP, "product_code", "customers_product"),
    ):
        cursor.execute(dia.temp_table(table, f"raw text {dia.map_key}, code text, id bigint"))
        cursor.execute(
            f"""
            INSERT INTO {table} (raw, code, id)
            SELECT d.raw, d.code, t.id
            FROM (SELECT raw, {dia.fold("raw")} AS code FROM (SELECT DISTINCT {column} AS raw FROM {STAGE}) AS u) AS d
            LEFT JOIN {target} t ON t.code = d.code
            """
        )
    if dia.is_postgres:
        cursor.execute(f"ANALYZE {DATE_MAP}, {AMOUNT_MAP}, {QUANTITY_MAP}, {CUSTOMER_MAP}, {PRODUCT_MAP}")


def _too_long(limit):
    return _("Longer than %(limit)d characters.") % {"limit": limit}


def _columns_to_measure(cursor, dia):
    """The text columns that may hold a value too long once folded, from one pass over the stage: folding
    only shortens ASCII text, and lengthens other text at most NFKC_MAX_EXPANSION times. Usually none, so
    the exact check (folding each distinct value) runs only for files that come near a limit."""
    bounds = ", ".join(f"max(CASE WHEN {dia.octet_length(c)} = length({c}) THEN length({c}) "
                       f"ELSE {NFKC_MAX_EXPANSION:d} * length({c}) END)" for _order, c, _limit in TEXT_LIMITS)
    cursor.execute(f"SELECT {bounds} FROM {STAGE}")
    return {column for (_order, column, limit), bound in zip(TEXT_LIMITS, cursor.fetchone(), strict=True)
            if (bound or 0) > limit}


def _error_sql(dia, create_missing_customers, create_missing_products, measured_columns=()):
    """(sql, params) listing every error as (line, column order, column, value, reason)."""
    customer_limit, product_limit = CODE_LIMITS["customer_code"], CODE_LIMITS["product_code"]
    parts = [
        f"SELECT s.seq, 1, 'customer_code', s.customer_code, %s FROM {STAGE} s "
        f"JOIN {CUSTOMER_MAP} c ON c.raw = s.customer_code WHERE c.code = ''",
        f"SELECT s.seq, 2, 'purchased_on', s.purchased_on, d.reason FROM {STAGE} s "
        f"JOIN {DATE_MAP} d ON d.raw = s.purchased_on WHERE d.reason IS NOT NULL",
        f"SELECT s.seq, 4, 'quantity', s.quantity, q.reason FROM {STAGE} s "
        f"JOIN {QUANTITY_MAP} q ON q.raw = s.quantity WHERE q.reason IS NOT NULL",
        f"SELECT s.seq, 5, 'amount', s.amount, a.reason FROM {STAGE} s "
        f"JOIN {AMOUNT_MAP} a ON a.raw = s.amount WHERE a.reason IS NOT NULL",
    ]
    params = [_("The customer code is missing.")]
    parts += [
        f"SELECT s.seq, 1, 'customer_code', s.customer_code, %s FROM {STAGE} s "
        f"JOIN {CUSTOMER_MAP} c ON c.raw = s.customer_code WHERE length(c.code) > {customer_limit:d}",
        f"SELECT s.seq, 3, 'product_code', s.product_code, %s FROM {STAGE} s "
        f"JOIN {PRODUCT_MAP} p ON p.raw = s.product_code WHERE length(p.code) > {product_limit:d}",
    ]
    params += [_too_long(customer_limit), _too_long(product_limit)]
    for order, column, limit in (t for t in TEXT_LIMITS if t[1] in measured_columns):
        # Stored folded, so measured folded: NFKC lengthens some characters (㍿ is 株式会社) and shortens others
        # (half-width ｶﾞ is ガ). Folded once per distinct text: a file has few stores and coupons.
        parts.append(f"SELECT s.seq, {order:d}, '{column}', s.{column}, %s FROM {STAGE} s "
                     f"JOIN (SELECT raw FROM (SELECT DISTINCT {column} AS raw FROM {STAGE}{dia.fence}) AS d "
                     f"WHERE length({dia.fold('raw')}) > {limit:d}) AS long ON long.raw = s.{column}")
        params.append(_too_long(limit))
    parts.append(f"SELECT seq, position, name, value, %s FROM {NUL_CELLS}")
    params.append(_("The cell contains a NUL character, which cannot be stored; the file may be damaged."))
    if not create_missing_customers:
        parts.append(
            f"SELECT s.seq, 1, 'customer_code', s.customer_code, %s FROM {STAGE} s "
            f"JOIN {CUSTOMER_MAP} c ON c.raw = s.customer_code "
            f"WHERE c.code <> '' AND c.id IS NULL AND length(c.code) <= {customer_limit:d}"
        )
        params.append(_("No customer has this code (import the customer first, or allow creating missing customers)."))
    if not create_missing_products:
        parts.append(
            f"SELECT s.seq, 3, 'product_code', s.product_code, %s FROM {STAGE} s "
            f"JOIN {PRODUCT_MAP} p ON p.raw = s.product_code "
            f"WHERE p.code <> '' AND p.id IS NULL AND length(p.code) <= {product_limit:d}"
        )
        params.append(_("No product has this code."))
    return " UNION ALL ".join(parts), params


def _reported_value(value):
    return value if len(value) <= MAX_REPORTED_VALUE else value[:MAX_REPORTED_VALUE] + "…"


def _collect_errors(cursor, dia, result, options):
    sql, params = _error_sql(dia, options["create_missing_customers"], options["create_missing_products"],
                             _columns_to_measure(cursor, dia))
    cursor.execute(f"CREATE TEMP TABLE {BAD} AS SELECT DISTINCT seq FROM ({sql}) AS e", params)
    cursor.execute(f"SELECT count(*) FROM {BAD}")
    result.error_rows = cursor.fetchone()[0]
    if not result.error_rows:
        return []
    cursor.execute(f"SELECT * FROM ({sql}) AS e ORDER BY 1, 2", params)
    errors = [{"line": line, "column": column, "value": _reported_value(value), "reason": reason}
              for line, _order, column, value, reason in cursor.fetchall()]
    result.error_count = len(errors)
    result.errors = errors[:MAX_REPORTED_ERRORS]
    return errors


def _rejected_csv(cursor, errors):
    reasons = {}
    for error in errors:
        reasons.setdefault(error["line"], []).append(f'{error["column"]}: {error["reason"]}')
    cursor.execute(f"SELECT seq, {', '.join(COLUMNS)} FROM {STAGE} WHERE seq IN (SELECT seq FROM {BAD}) ORDER BY seq")
    stream = io.BytesIO()
    write_csv(stream, ["line", *COLUMNS, "reason"],
              ([row[0], *row[1:], " / ".join(reasons.get(row[0], []))] for row in cursor.fetchall()))
    return stream.getvalue()


def _count_missing(cursor, result):
    for attr, table in (("missing_customers", CUSTOMER_MAP), ("missing_products", PRODUCT_MAP)):
        cursor.execute(
            f"SELECT count(DISTINCT m.code) FROM {table} m JOIN {STAGE} s ON s.{'customer_code' if table == CUSTOMER_MAP else 'product_code'} = m.raw "
            f"WHERE m.code <> '' AND m.id IS NULL AND s.seq NOT IN (SELECT seq FROM {BAD})"
        )
        setattr(result, attr, cursor.fetchone()[0])


def _create_missing(cursor, result, user, create_customers, create_products):
    """Unknown codes of otherwise valid rows become minimal customers / products (name = code)."""
    now = timezone.now()
    for enabled, table, column, model in (
        (create_customers, CUSTOMER_MAP, "customer_code", Customer),
        (create_products, PRODUCT_MAP, "product_code", Product),
    ):
        if not enabled:
            continue
        cursor.execute(
            f"SELECT DISTINCT m.code FROM {table} m JOIN {STAGE} s ON s.{column} = m.raw "
            f"WHERE m.code <> '' AND m.id IS NULL AND s.seq NOT IN (SELECT seq FROM {BAD}) ORDER BY m.code"
        )
        codes = [code for (code,) in cursor.fetchall()]
        if not codes:
            continue
        if model is Customer:
            objects = [Customer(code=code, name=code, lifecycle=Customer.Lifecycle.CUSTOMER, created_by=user,
                                created_at=now, notes=_("Created by a purchases import.")) for code in codes]
            for customer in objects:
                customer.refresh_search_keys()
            bulk_create_with_history(objects, Customer, batch_size=1000, default_user=user)
            result.created_customers = len(codes)
        else:
            Product.objects.bulk_create([Product(code=code, name=code) for code in codes], batch_size=1000)
            result.created_products = len(codes)
        target = model._meta.db_table
        cursor.execute(
            f"UPDATE {table} SET id = (SELECT t.id FROM {target} t WHERE t.code = {table}.code) "
            f"WHERE id IS NULL AND code <> ''"
        )


def _insert_purchases(cursor, batch_id, written_at):
    """Returns the number of purchase lines written (each with created_at = written_at)."""
    content = (
        "c.code || '|' || CAST(d.day AS TEXT) || '|' || COALESCE(p.code, '') || '|' || CAST(q.value AS TEXT)"
        " || '|' || CAST(a.value AS TEXT) || '|' || r.store || '|' || r.coupon_code"
    )
    fold = staging.dialect().fold
    cursor.execute(
        f"""
        INSERT INTO customers_purchase (customer_id, purchased_on, purchased_at, product_id, quantity, amount,
                                        store, order_ref, coupon_code, import_batch_id, row_key, created_at)
        SELECT customer_id, day, at, product_id, quantity, amount, store, order_ref, coupon_code, %s, row_key, %s
        FROM (
            -- Numbered over every row of the file (bad ones too), so a row keeps its key when the file
            -- is fixed and imported again.
            SELECT seq, customer_id, day, at, product_id, quantity, amount, store, order_ref, coupon_code,
                   CASE WHEN order_ref <> ''
                        THEN 'o:' || order_ref || '#'
                             || CAST(ROW_NUMBER() OVER (PARTITION BY order_ref ORDER BY seq) AS TEXT)
                        ELSE 'd:' || digest || '#'
                             || CAST(ROW_NUMBER() OVER (PARTITION BY order_ref, digest ORDER BY seq) AS TEXT)
                   END AS row_key
            FROM (
                SELECT r.seq, c.id AS customer_id, d.day, d.at, p.id AS product_id, q.value AS quantity,
                       a.value AS amount, r.store, r.order_ref, r.coupon_code,
                       -- only the rows without order reference are identified by their content
                       CASE WHEN r.order_ref = '' THEN md5({content}) END AS digest
                FROM (SELECT seq, customer_code, purchased_on, product_code, quantity, amount,
                             {fold('store')} AS store, {fold('order_ref')} AS order_ref,
                             {fold('coupon_code')} AS coupon_code
                      FROM {STAGE}) AS r
                JOIN {CUSTOMER_MAP} c ON c.raw = r.customer_code
                JOIN {DATE_MAP} d ON d.raw = r.purchased_on
                JOIN {AMOUNT_MAP} a ON a.raw = r.amount
                JOIN {QUANTITY_MAP} q ON q.raw = r.quantity
                JOIN {PRODUCT_MAP} p ON p.raw = r.product_code
            ) AS parsed
        ) AS numbered
        WHERE seq NOT IN (SELECT seq FROM {BAD})
        -- In index order: each page of the (customer, purchased_on) index, the one index whose insert points
        -- are scattered over the whole table, is then visited once instead of once per line (far fewer page
        -- reads, writes and WAL full-page images), and the deferred foreign-key checks hit customers in order.
        ORDER BY customer_id, day
        ON CONFLICT (row_key) DO NOTHING
        """,
        # Adapted as the ORM stores it (SQLite: text without offset), so the coupon hooks can find this run's lines.
        [batch_id, connection.ops.adapt_datetimefield_value(written_at)],
    )
    return cursor.rowcount


def _coupon_warnings(cursor, batch_id, written_at, today):
    """Hand the lines just written that carry a coupon code to the coupon hooks; their warnings come back.
    Most files have no code at all: one look at the stage settles that without touching the purchases."""
    cursor.execute(
        f"SELECT DISTINCT c.id FROM {STAGE} s JOIN {CUSTOMER_MAP} c ON c.raw = s.customer_code "
        f"WHERE s.coupon_code <> '' AND c.id IS NOT NULL AND s.seq NOT IN (SELECT seq FROM {BAD})"
    )
    customer_ids = [customer_id for (customer_id,) in cursor.fetchall()]
    if not customer_ids:
        return []
    # By customer (the (customer, purchased_on) index) and this run's stamp: the batch column has no index.
    lines = Purchase.objects.filter(customer_id__in=customer_ids, created_at=written_at, import_batch_id=batch_id)
    return coupon_hooks.purchases_imported(purchases=lines.exclude(coupon_code=""), today=today)


def _stage(cursor, dia, source):
    """Rows into the stage table: whole-file COPY when PostgreSQL can parse the CSV itself, else row by row;
    then the cells that held NUL characters into their own table, for the error query."""
    total = None
    if dia.is_postgres and source.text is not None:
        import psycopg2

        try:
            with transaction.atomic():
                total = staging.copy_csv_text(cursor, source.text, source.delimiter)
        except (psycopg2.DataError, psycopg2.IntegrityError):
            total = None  # ragged rows: the Python reader reports them properly
    if total is None:
        staging.create_stage(cursor, dia)
        total = staging.load_stage(cursor, dia, source.records)
    cursor.execute(dia.temp_table(NUL_CELLS, "seq integer, position integer, name text, value text"))
    staging.load_rows(cursor, dia, NUL_CELLS, ("seq", "position", "name", "value"), source.nul_cells)
    return total


def _options(**kwargs):
    return {k: bool(v) for k, v in kwargs.items()}


def purchases_import(
    *,
    data,
    filename,
    user=None,
    create_missing_customers=False,
    create_missing_products=False,
    dry_run=False,
    only_valid=False,
    batch=None,
    today=None,
):
    """Validate the file, then (unless dry_run, and only if valid or only_valid) write it atomically.

    Raises customers.tabular.TableError when the file as a whole cannot be read (encoding, missing or too
    many columns, a header without rows); row problems are reported in the result instead.
    """
    today = today or timezone.localdate()
    options = _options(create_missing_customers=create_missing_customers, create_missing_products=create_missing_products)
    result = ImportResult(dry_run=dry_run)
    source = staging.iter_records(data, filename)
    result.encoding, result.file_format = source.encoding, source.file_format
    dia = staging.dialect()
    started = time.monotonic()
    with connection.cursor() as cursor:
        try:
            staging.drop_tables(cursor, TEMP_TABLES)
            if dia.is_postgres:
                # temp_buffers is not raised here: Postgres refuses the change once the session has touched any
                # temporary table, which a pooled connection (CONN_MAX_AGE) or an earlier import may have done.
                cursor.execute("SET work_mem = '256MB'")
                # Compiling these one-off statements costs more than it saves.
                cursor.execute("SET jit = off")
            result.total_rows = _stage(cursor, dia, source)
            if not result.total_rows:
                raise no_rows_error()
            if dia.is_postgres:
                cursor.execute(f"ANALYZE {STAGE}")  # temp tables are never auto-analyzed
            _progress(batch, 25, "staging", started)
            _build_maps(cursor, dia, today)
            _progress(batch, 40, "value maps", started)
            errors = _collect_errors(cursor, dia, result, options)
            result.valid_rows = result.total_rows - result.error_rows
            _count_missing(cursor, result)
            if only_valid and errors:
                result.rejected_csv = _rejected_csv(cursor, errors)
            _progress(batch, 50, "validation", started)
            if dry_run or (errors and not only_valid) or not result.valid_rows:
                return result
            with transaction.atomic():
                if dia.is_postgres:
                    # A lost import after a crash is simply imported again (rows are identified by row_key),
                    # so the commit need not wait for its WAL flush.
                    cursor.execute("SET LOCAL synchronous_commit = off")
                _create_missing(cursor, result, user, create_missing_customers, create_missing_products)
                written_at = timezone.now()
                result.created = _insert_purchases(cursor, batch.pk if batch else None, written_at)
                result.already_imported = result.valid_rows - result.created
                _progress(batch, 80, "insert", started)
                cursor.execute(
                    f"CREATE TEMP TABLE {AFFECTED} AS SELECT DISTINCT c.id AS customer_id "
                    f"FROM {STAGE} s JOIN {CUSTOMER_MAP} c ON c.raw = s.customer_code "
                    f"WHERE c.id IS NOT NULL AND s.seq NOT IN (SELECT seq FROM {BAD})"
                )
                cursor.execute(f"SELECT count(*) FROM {AFFECTED}")
                result.affected_customers = cursor.fetchone()[0]
                _progress(batch, 85, "affected customers", started)
                if result.created:
                    if dia.is_postgres:
                        cursor.execute(f"ANALYZE {AFFECTED}")
                    refresh_summaries_where(cursor, as_of=today, scope_table=AFFECTED, vendor=dia.vendor,
                                            purchases_removed=False)
                    _progress(batch, 95, "summaries", started)
                    result.warnings = _coupon_warnings(cursor, batch.pk if batch else None, written_at, today)
                result.written = True
            _progress(batch, 100, "summaries and commit", started)
            return result
        finally:
            if not connection.needs_rollback:
                staging.drop_tables(cursor, TEMP_TABLES)
                if dia.is_postgres:
                    cursor.execute("RESET work_mem")
                    cursor.execute("RESET jit")
