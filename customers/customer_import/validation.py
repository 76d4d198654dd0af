"""Check every row of a customer file before anything is written, and say precisely what is wrong where.

Decisions (documented for the users in the import screen):
- The columns are those of customers.customer_columns (English codes or the export's labels in Japanese or English), so
  an export can be imported again. `lifecycle` is the lifecycle (prospect/customer/retired, or 見込み/顧客/取引終了);
  `status`, its former name, is still taken as the lifecycle when the file has no `lifecycle`. The row check knows
  the lifecycle as `status`. The export's read-only columns (dormancy, purchases) are ignored with one notice.
- `rep` is matched to an active user by display name, family name or user name, ignoring spaces. A name
  that matches nobody (or several people) is a WARNING, not an error: old systems keep names of staff who
  have left, and a whole file should not be refused for that. New customers are left unassigned; an
  existing customer keeps its rep.
- Empty `kind`/`status` mean company/prospect for a new customer and "keep" for an existing one; every other
  column present in the file is taken as the truth (an empty cell clears the field). Columns absent from
  the file are not touched.
- Unknown columns are reported as a warning and ignored.
- Likely duplicates (same normalized name, phone or e-mail as another code) are warnings: merging is a
  separate, deliberate step.
"""
import functools
import re
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email as django_validate_email
from django.db import connection
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from customers import customer_columns, normalize
from customers.models import Customer

COLUMNS = ["code", "name", "name_kana", "phone", "email", "postal_code", "address", "kind", "status",
           "fiscal_month", "rep", "source"]  # fmt: skip
REQUIRED_COLUMNS = ["code", "name"]
KEEP = object()  # "leave the existing value alone"

SOURCE_LABELS = {
    "既存": Customer.Source.EXISTING,
    "既存顧客": Customer.Source.EXISTING,
    "名刺": Customer.Source.BUSINESS_CARD,
    "展示会": Customer.Source.EXHIBITION,
    "web問い合わせ": Customer.Source.WEB_INQUIRY,
    "webお問い合わせ": Customer.Source.WEB_INQUIRY,
    "問い合わせ": Customer.Source.WEB_INQUIRY,
    "会員カード": Customer.Source.MEMBER_CARD,
    "セミナー": Customer.Source.SEMINAR,
    "紹介": Customer.Source.REFERRAL,
    "その他": Customer.Source.OTHER,
    # the English labels, as an English web export writes them
    "web inquiry": Customer.Source.WEB_INQUIRY,
    "business card": Customer.Source.BUSINESS_CARD,
    "member card": Customer.Source.MEMBER_CARD,
    "existing account": Customer.Source.EXISTING,
    **{value: value for value in Customer.Source.values},
}
LIFECYCLE_LABELS = {
    "見込み": Customer.Lifecycle.PROSPECT,
    "見込": Customer.Lifecycle.PROSPECT,
    "見込客": Customer.Lifecycle.PROSPECT,
    "見込み客": Customer.Lifecycle.PROSPECT,
    "顧客": Customer.Lifecycle.CUSTOMER,
    "取引中": Customer.Lifecycle.CUSTOMER,
    "取引終了": Customer.Lifecycle.RETIRED,
    "終了": Customer.Lifecycle.RETIRED,
    **{value: value for value in Customer.Lifecycle.values},
}
KIND_LABELS = {
    "法人": Customer.Kind.COMPANY,
    "会社": Customer.Kind.COMPANY,
    "個人": Customer.Kind.PERSON,
    **{value: value for value in Customer.Kind.values},
}
# Lazy: translated only for a row that needs them (gettext is a tenth of a row's check otherwise).
KIND_HINT = gettext_lazy("Use company or person (法人/個人).")
STATUS_HINT = gettext_lazy("Use prospect, customer or retired (見込み/顧客/取引終了).")
MAX_LENGTHS = {name: Customer._meta.get_field(name).max_length
               for name in ("code", "name", "name_kana", "address", "email")}  # fmt: skip


@dataclass
class RowError:
    line: int
    column: str
    value: str
    reason: str

    def as_dict(self):
        return {"line": self.line, "column": self.column, "value": self.value, "reason": self.reason}


@dataclass
class ParsedRow:
    line: int
    code: str
    values: dict  # model field -> value (or KEEP)
    raw: dict


@dataclass
class ImportPlan:
    """What the check of one file found. `rows` holds the parsed rows only when the caller kept them (the web
    import writes them to CustomerImportRow as they are checked instead); the counts are always there."""

    header: list
    encoding: str = ""
    file_format: str = "csv"
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    unknown_columns: list = field(default_factory=list)
    read_only_columns: list = field(default_factory=list)  # the export's columns the import ignores
    warning_groups: list = field(default_factory=list)  # WarningGroup: the warnings, grouped, all counted
    row_count: int = 0
    rejected_count: int = 0  # rows with at least one error
    error_count: int = 0  # all errors and warnings, also when the lists keep only the first (check_rows)
    warning_count: int = 0

    @property
    def error_lines(self):
        return {e.line for e in self.errors}

    @property
    def valid_rows(self):
        bad = self.error_lines
        return [row for row in self.rows if row.line not in bad]

    @property
    def rejected_rows(self):
        bad = self.error_lines
        return [row for row in self.rows if row.line in bad]

    @property
    def total_rows(self):
        return self.row_count

    @property
    def valid_count(self):
        return self.row_count - self.rejected_count

    @property
    def is_valid(self):
        return not self.errors


@functools.lru_cache(maxsize=1024)
def _email_domain_ok(domain):
    return domain in django_validate_email.domain_allowlist or django_validate_email.validate_domain_part(domain)


@functools.cache
def _email_user_match():
    """The match of Django's pattern for the part before the @, compiled: the validator keeps it as a lazy object,
    and going through that on every address cost more than the match."""
    regex = django_validate_email.user_regex
    return re.compile(regex.pattern, regex.flags).match


def validate_email(value):
    """Django's validate_email, step for step, with the verdict on each domain remembered: a file has thousands
    of addresses at a few domains, and the domain is most of the validator's cost."""
    if value and "@" in value and len(value) <= 320:
        user_part, domain_part = value.rsplit("@", 1)
        if _email_user_match()(user_part) and _email_domain_ok(domain_part):
            return
    raise ValidationError(django_validate_email.message, code=django_validate_email.code, params={"value": value})


def _key(text):
    return normalize.clean_text(text).replace(" ", "").lower()


class RepMatcher:
    """Finds a user by the way people write a colleague's name in a spreadsheet."""

    def __init__(self):
        self.by_key, self.answers = {}, {}
        for user in get_user_model().objects.filter(is_active=True):
            keys = {_key(user.display_name), _key(user.last_name), _key(user.username), _key(user.get_full_name())}
            display = normalize.clean_text(user.display_name)
            if " " in display:
                keys.add(_key(display.split(" ")[0]))  # 佐藤 営業 -> 佐藤 (family name first)
            for key in keys - {""}:
                self.by_key.setdefault(key, set()).add(user.pk)

    def match(self, name):
        """(user id or None, reason when not matched); remembered per name, as a file repeats a few names."""
        if name not in self.answers:
            self.answers[name] = self._match(name)
        return self.answers[name]

    def _match(self, name):
        ids = self.by_key.get(_key(name), set())
        if len(ids) == 1:
            return next(iter(ids)), ""
        if not ids:
            return None, _("No active user is called “%(name)s”; the customer is left unassigned.") % {"name": name}
        return None, _("Several users match “%(name)s”; the customer is left unassigned.") % {"name": name}


@functools.lru_cache(maxsize=4096)
def _clean_repeated(text):
    """normalize.clean_text of a cell of a column whose values repeat (kind, status, rep, source): worked out once
    per distinct text, not once per row."""
    return normalize.clean_text(text)


@functools.lru_cache(maxsize=4096)
def _fiscal_month(text):
    """The month of a fiscal_month cell: 1-12, None when the cell is empty, 0 when it is not a month."""
    value = normalize.clean_text(text).removesuffix("月")
    if not value:
        return None
    if not value.isdigit() or not 1 <= int(value) <= 12:
        return 0
    return int(value)


class _RowChecker:
    SHOWN_VALUE_LENGTH = 200  # characters of a cell repeated in an error or warning

    def __init__(self, plan, line, raw, matcher):
        # NUL characters cannot be stored by PostgreSQL, not even in an error message: the checker sees them as
        # ␀ and refuses the row (ParsedRow.raw keeps the cells as sent, for the rejected-rows file).
        try:
            has_nul = "\x00" in "".join(raw.values())  # one search per row; the columns only when there is one
        except TypeError:  # a cell that is not text
            has_nul = True
        self.nul_columns = [c for c in COLUMNS if "\x00" in (raw.get(c) or "")] if has_nul else ()
        if self.nul_columns:
            raw = {k: (v or "").replace("\x00", "\N{SYMBOL FOR NULL}") for k, v in raw.items()}
        self.plan, self.line, self.raw, self.matcher = plan, line, raw, matcher
        self.values = {}

    def shown(self, column):
        value = self.raw.get(column, "")
        return value if len(value) <= self.SHOWN_VALUE_LENGTH else value[: self.SHOWN_VALUE_LENGTH] + "…"

    def error(self, column, reason):
        self.plan.errors.append(RowError(self.line, column, self.shown(column), reason))

    def warn(self, column, reason):
        self.plan.warnings.append(RowError(self.line, column, self.shown(column), reason))

    def has(self, column):
        return column in self.raw

    def text(self, column):
        return normalize.clean_text(self.raw.get(column, ""))

    def check_length(self, column, value, field_name):
        limit = MAX_LENGTHS[field_name]
        if limit and len(value) > limit:
            self.error(column, _("Longer than %(limit)d characters.") % {"limit": limit})

    def run(self):
        for column in self.nul_columns:
            self.error(column, _("The cell contains a NUL character, which cannot be stored; the file may be damaged."))
        code = self.text("code").upper()
        if not code:
            self.error("code", _("The customer code is required."))
        self.check_length("code", code, "code")
        name = self.text("name")
        if not name:
            self.error("name", _("The name is required."))
        elif not normalize.name_key(name):
            self.error("name", _("The name must contain more than a legal-form word."))
        elif name.startswith(("=", "+", "-", "@")):
            self.warn("name", _("Starts like a spreadsheet formula; it is stored as text and exported neutralized."))
        self.check_length("name", name, "name")
        self.values["name"] = name
        raw = self.raw
        if "name_kana" in raw:
            kana = self.text("name_kana")
            self.check_length("name_kana", kana, "name_kana")
            self.values["name_kana"] = kana
        if "phone" in raw:
            self.phone()
        if "email" in raw:
            self.email()
        if "postal_code" in raw:
            self.postal_code()
        if "address" in raw:
            self.address()
        if "kind" in raw:
            self.choice("kind", "kind", KIND_LABELS, KIND_HINT)
        if "status" in raw:
            self.choice("status", "lifecycle", LIFECYCLE_LABELS, STATUS_HINT)
        if "fiscal_month" in raw:
            self.fiscal_month()
        if "rep" in raw:
            self.rep()
        if "source" in raw:
            self.source()
        return code

    def phone(self):
        value = self.text("phone")
        if not value:
            self.values["phone"] = ""
            return
        valid, shown = normalize.phone_verdict(value)
        if not valid:
            self.error("phone", _("Not a valid phone number."))
        self.values["phone"] = shown

    def email(self):
        value = normalize.email_key(self.raw.get("email", ""))
        if value:
            try:
                validate_email(value)
            except ValidationError:
                self.error("email", _("Not a valid e-mail address."))
            else:
                self.check_length("email", value, "email")  # the validator allows 320 characters, the column 254
        self.values["email"] = value

    def postal_code(self):
        value = self.text("postal_code")
        if not value:
            self.values["postal_code"] = ""
            return
        key = normalize.postal_key(value)
        if not key:
            self.error("postal_code", _("A postal code has seven digits, e.g. 100-0001."))
            self.values["postal_code"] = normalize.format_postal_code(value)
            return
        self.values["postal_code"] = f"{key[:3]}-{key[3:]}"  # normalize.format_postal_code, the key at hand

    def address(self):
        prefecture, rest = normalize.split_prefecture(self.raw.get("address", ""))
        self.check_length("address", rest, "address")
        self.values["prefecture"], self.values["address"] = prefecture, rest

    def choice(self, column, field_name, labels, hint):
        value = _clean_repeated(self.raw.get(column, ""))
        if not value:
            self.values[field_name] = KEEP
            return
        mapped = labels.get(value.lower()) or labels.get(value)
        if mapped is None:
            self.error(column, _("Unknown value.") + " " + hint)
        self.values[field_name] = mapped or KEEP

    def fiscal_month(self):
        month = _fiscal_month(self.raw.get("fiscal_month", ""))
        if month == 0:
            self.error("fiscal_month", _("The fiscal year-end month is a number from 1 to 12."))
            return
        self.values["fiscal_year_end_month"] = month

    def rep(self):
        value = _clean_repeated(self.raw.get("rep", ""))
        if not value:
            self.values["assigned_rep_id"] = None
            return
        user_id, reason = self.matcher.match(value)
        if user_id is None:
            self.warn("rep", reason)
        self.values["assigned_rep_id"] = user_id if user_id else KEEP

    def source(self):
        value = _clean_repeated(self.raw.get("source", ""))
        if not value:
            self.values["source"] = ""
            return
        mapped = SOURCE_LABELS.get(value.lower()) or SOURCE_LABELS.get(value)
        if mapped is None:
            self.error("source", _("Unknown source. Use one of: %(labels)s.") % {
                "labels": "既存, 名刺, 展示会, Web問い合わせ, 会員カード, セミナー, 紹介, その他"})
        self.values["source"] = mapped or ""


DUPLICATES_LISTED = 5  # codes named per row and key; beyond that a shared key is only counted
KEYS_TABLE = "mz_customer_import_keys"
KEYS_CHUNK = 10_000


class BulkLoader:
    """The bulk loads of one check (the purchase import's staging.load_rows: COPY on PostgreSQL, executemany on
    SQLite), in the order asked. On PostgreSQL each runs on a helper thread over the same database session, so
    the database takes in one chunk while Python checks the next: two cores at work instead of one taking turns.
    Only one load runs at a time, and wait() comes before any other use of the connection (the check makes none
    while rows stream by). Use as a context manager."""

    def __init__(self):
        from customers.purchases.staging import Dialect

        self.dialect = Dialect(connection.vendor)
        self.pending, self.executor = None, None

    def __enter__(self):
        if self.dialect.is_postgres:
            connection.ensure_connection()
            self.executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="customer-import-copy")
        return self

    def __exit__(self, *exc_info):
        try:
            self.wait()
        finally:
            if self.executor is not None:
                self.executor.shutdown()

    def load(self, table, columns, rows):
        from customers.purchases.staging import load_rows

        if not rows:
            return
        if self.executor is None:
            with connection.cursor() as cursor:
                load_rows(cursor, self.dialect, table, columns, rows)
            return
        self.wait()
        # The driver's connection, not Django's wrapper (which belongs to this thread): psycopg2 lets another
        # thread use it while this one does not.
        session = connection.connection

        def copy():
            with session.cursor() as cursor:
                load_rows(cursor, self.dialect, table, columns, rows)

        self.pending = self.executor.submit(copy)

    def wait(self):
        pending, self.pending = self.pending, None
        if pending is not None:
            with connection.wrap_database_errors:  # psycopg2's errors as Django's, as from any query
                pending.result()


class _DuplicateCheck:
    """'Possible duplicate of C0001 (same phone, name 94 % similar)' within the file and against the data, by the
    duplicate engine (customers.duplicates): the same blocks and scores as find_duplicates and the review queue,
    so a common name in other places is no warning and 北斗精機 / 北斗精器 at one address is one.

    The keys of every row with a code go into a temporary table as the rows are checked (COPY on PostgreSQL,
    executemany on SQLite, as the purchase import stages its rows); once the file is read, the engine pairs them
    set-based (customers.duplicates.import_check) and scores the pairs. A row names at most DUPLICATES_LISTED
    records and counts the others.
    """

    def __init__(self, loader):
        self.pending, self.cursor, self.loader, self.records = [], None, loader, {}

    def __enter__(self):
        from customers.duplicates.import_check import STAGED_TYPES

        self.dialect = self.loader.dialect
        self.cursor = connection.cursor()
        self.cursor.execute(f"DROP TABLE IF EXISTS {KEYS_TABLE}")
        self.cursor.execute(f"CREATE TEMP TABLE {KEYS_TABLE} ({STAGED_TYPES})")
        if self.dialect.is_postgres:
            # Hash joins and sorts of a whole file in memory; one-off statements are not worth compiling.
            self.cursor.execute("SET work_mem = '64MB'")
            self.cursor.execute("SET jit = off")
        return self

    def __exit__(self, error_type, error, traceback):
        try:
            try:
                self.loader.wait()  # a load may still run on the helper thread
            except Exception:
                if error is None:
                    raise
                # the error that stopped the check is the one to report
            if not connection.needs_rollback:
                self.cursor.execute(f"DROP TABLE IF EXISTS {KEYS_TABLE}")
                if self.dialect.is_postgres:
                    self.cursor.execute("RESET work_mem")
                    self.cursor.execute("RESET jit")
        finally:
            self.cursor.close()

    def add(self, row):
        from customers.duplicates.scoring import Record

        if not row.code:
            return  # rejected anyway, and there is no code to name in a warning
        values = row.values

        def text(name):
            value = values.get(name, "")
            return value if isinstance(value, str) else ""  # KEEP: the column is not in the file

        record = Record.from_values(code=row.code, kind=text("kind"), name=text("name"), name_kana=text("name_kana"),
                                    phone=text("phone"), mobile=text("mobile"), email=text("email"),
                                    postal_code=text("postal_code"), address=text("address"),
                                    prefecture=text("prefecture"))  # fmt: skip
        self.records[row.line] = record
        phones = sorted(record.phones)
        self.pending.append((
            row.line, row.code, record.name_key, normalize.kana_key(text("name_kana")),
            phones[0] if phones else "", phones[1] if len(phones) > 1 else "", record.email_key, record.postal_key,
        ))  # fmt: skip
        if len(self.pending) >= KEYS_CHUNK:
            self._flush()

    def _flush(self):
        from customers.duplicates.import_check import STAGED_COLUMNS

        self.loader.load(KEYS_TABLE, STAGED_COLUMNS, self.pending)
        self.pending = []

    def warnings(self):
        """RowErrors for every row with possible duplicates (call once the rows are added)."""
        from customers.duplicates.import_check import file_matches
        from customers.duplicates.scoring import reasons_text

        self._flush()
        self.loader.wait()
        if self.dialect.is_postgres:
            self.cursor.execute(f"ANALYZE {KEYS_TABLE}")  # temporary tables are never analyzed on their own
        else:
            self.cursor.execute(f"CREATE INDEX {KEYS_TABLE}_code ON {KEYS_TABLE} (code)")
        per_line = {}
        for line, other, other_line, _score, reasons in file_matches(keys_table=KEYS_TABLE, records=self.records):
            # Earlier rows of the file first (file order), then customers (code order); then by score.
            order = (0, other_line, "") if other_line is not None else (1, 0, other)
            per_line.setdefault(line, []).append((order, other, reasons))
        warnings = []
        for line in sorted(per_line):
            code = self.records[line].code
            found = sorted(per_line[line], key=lambda item: item[0])
            for _order, other, reasons in found[:DUPLICATES_LISTED]:
                warnings.append(RowError(line, "code", code, _("Possible duplicate of %(code)s (%(why)s).") % {
                    "code": other, "why": reasons_text(reasons)}))
            if len(found) > DUPLICATES_LISTED:
                warnings.append(RowError(line, "code", code, _("Possible duplicate of %(count)d more records.") % {
                    "count": len(found) - DUPLICATES_LISTED}))
        return warnings


def _with_check_names(lines, renames):
    """The rows with each renamed cell also under the row check's name (the rejected-rows file keeps the file's)."""
    pairs = tuple(renames.items())
    for line, raw in lines:
        for name, check_name in pairs:
            raw[check_name] = raw.get(name, "")
        yield line, raw


WARNING_GROUPS = 200  # distinct warnings summarised; further ones are only counted (warning_count)
WARNING_GROUP_LINES = 10  # line numbers named per group
WARNING_GROUP_VALUES = 5  # distinct values named per group


@dataclass
class WarningGroup:
    """One warning as it repeats over the file: "No active user is called 佐藤" on 14 rows is one group."""

    column: str
    reason: str
    count: int = 0
    lines: list = field(default_factory=list)
    values: list = field(default_factory=list)

    def as_dict(self):
        return {"column": self.column, "reason": self.reason, "count": self.count, "lines": self.lines,
                "values": self.values}  # fmt: skip


class _WarningGroups:
    """Groups the warnings by column and reason as they are found, so every warning counts, not only those kept."""

    def __init__(self):
        self.groups = {}

    def add(self, warnings):
        for warning in warnings:
            key = (warning.column, warning.reason)
            group = self.groups.get(key)
            if group is None:
                if len(self.groups) >= WARNING_GROUPS:
                    continue
                group = self.groups[key] = WarningGroup(warning.column, warning.reason)
            group.count += 1
            if len(group.lines) < WARNING_GROUP_LINES:
                group.lines.append(warning.line)
            if warning.value not in group.values and len(group.values) < WARNING_GROUP_VALUES:
                group.values.append(warning.value)

    def result(self):
        """The groups, the most frequent first (then in file order)."""
        return sorted(self.groups.values(), key=lambda group: (-group.count, min(group.lines)))


def check_rows(plan, lines, *, keep_rows=True, on_row=None, keep_problems=None, loader=None):
    """Check (line, {column: cell}) pairs one by one into the plan: errors and warnings, parsed rows (kept in
    plan.rows when keep_rows), the counts. on_row(parsed_row, its errors) sees every row as it is checked, so a
    caller can write the rows away instead of keeping them. With keep_problems, plan.errors and plan.warnings
    keep only the first that many (by line) and plan.error_count / warning_count count them all, so memory stays
    flat however bad a large file is. loader: the BulkLoader to stage with, when the caller loads rows of its own
    through it too. Writes nothing to the customers."""
    if loader is None:
        with BulkLoader() as loader:
            return check_rows(plan, lines, keep_rows=keep_rows, on_row=on_row, keep_problems=keep_problems,
                              loader=loader)  # fmt: skip
    header = customer_columns.import_header(plan.header, check_names=COLUMNS)
    plan.unknown_columns, plan.read_only_columns = header.unknown, header.read_only
    for column in plan.unknown_columns:
        plan.warnings.append(RowError(1, column, column, _("Unknown column; its values are ignored.")))
    if header.renames:
        lines = _with_check_names(lines, header.renames)
    groups = _WarningGroups()
    groups.add(plan.warnings)
    matcher = RepMatcher()
    first_line_of_code = {}
    # Counted as they come; beyond keep_problems they are dropped (rows arrive in line order: the kept are the first).
    errors_seen, warnings_seen = len(plan.errors), len(plan.warnings)
    with _DuplicateCheck(loader) as duplicates:
        for line, raw in lines:
            errors_before, warnings_before = len(plan.errors), len(plan.warnings)
            checker = _RowChecker(plan, line, raw, matcher)
            code = checker.run()
            if code:
                if code in first_line_of_code:
                    checker.error("code", _("Code %(code)s already appears on line %(line)d.") % {
                        "code": code, "line": first_line_of_code[code]})
                else:
                    first_line_of_code[code] = line
            row = ParsedRow(line=line, code=code, values=checker.values, raw=raw)
            row_errors = plan.errors[errors_before:]
            row_warnings = plan.warnings[warnings_before:]
            if header.shown:  # the file's names in what the user reads
                for problem in (*row_errors, *row_warnings):
                    problem.column = header.shown.get(problem.column, problem.column)
            groups.add(row_warnings)
            plan.row_count += 1
            plan.rejected_count += bool(row_errors)
            if keep_rows:
                plan.rows.append(row)
            duplicates.add(row)
            if on_row is not None:
                on_row(row, row_errors)
            if keep_problems is not None:
                errors_seen += len(plan.errors) - errors_before
                warnings_seen += len(plan.warnings) - warnings_before
                del plan.errors[keep_problems:], plan.warnings[keep_problems:]
        found = duplicates.warnings()
    for problem in found:
        problem.column = header.shown.get(problem.column, problem.column)
    groups.add(found)
    plan.warning_groups = groups.result()
    plan.warnings.extend(found)
    plan.errors.sort(key=lambda e: e.line)
    plan.warnings.sort(key=lambda e: e.line)
    if keep_problems is None:
        plan.error_count, plan.warning_count = len(plan.errors), len(plan.warnings)
    else:
        # The kept warnings of the rows are the first by line, so the first of them and the duplicates are the
        # first of all.
        del plan.warnings[keep_problems:]
        plan.error_count, plan.warning_count = errors_seen, warnings_seen + len(found)
    return plan


def validate_table(table):
    """An ImportPlan for a customers.tabular.Table: parsed rows, errors and warnings. Writes nothing."""
    plan = ImportPlan(header=table.header, encoding=table.encoding, file_format=table.file_format)
    return check_rows(plan, table.rows)
