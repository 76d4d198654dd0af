"""Check every row of a customer file before anything is written, and say precisely what is wrong where.

Decisions (documented for the users in the import screen):
- `status` is the lifecycle (prospect/customer/retired, or 見込み/顧客/取引終了).
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
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.utils.translation import gettext as _

from customers import normalize
from customers.models import Customer
from customers.selectors import possible_duplicates

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
MAX_LENGTHS = {name: Customer._meta.get_field(name).max_length for name in ("code", "name", "name_kana", "address")}


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
    header: list
    encoding: str = ""
    file_format: str = "csv"
    rows: list = field(default_factory=list)
    errors: list = field(default_factory=list)
    warnings: list = field(default_factory=list)
    unknown_columns: list = field(default_factory=list)

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
        return len(self.rows)

    @property
    def is_valid(self):
        return not self.errors


def _key(text):
    return normalize.clean_text(text).replace(" ", "").lower()


class RepMatcher:
    """Finds a user by the way people write a colleague's name in a spreadsheet."""

    def __init__(self):
        self.by_key = {}
        for user in get_user_model().objects.filter(is_active=True):
            keys = {_key(user.display_name), _key(user.last_name), _key(user.username), _key(user.get_full_name())}
            display = normalize.clean_text(user.display_name)
            if " " in display:
                keys.add(_key(display.split(" ")[0]))  # 佐藤 営業 -> 佐藤 (family name first)
            for key in keys - {""}:
                self.by_key.setdefault(key, set()).add(user.pk)

    def match(self, name):
        """(user id or None, reason when not matched)."""
        ids = self.by_key.get(_key(name), set())
        if len(ids) == 1:
            return next(iter(ids)), ""
        if not ids:
            return None, _("No active user is called “%(name)s”; the customer is left unassigned.") % {"name": name}
        return None, _("Several users match “%(name)s”; the customer is left unassigned.") % {"name": name}


class _RowChecker:
    SHOWN_VALUE_LENGTH = 200  # characters of a cell repeated in an error or warning

    def __init__(self, plan, line, raw, matcher):
        # NUL characters cannot be stored by PostgreSQL, not even in an error message: the checker sees them as
        # ␀ and refuses the row (ParsedRow.raw keeps the cells as sent, for the rejected-rows file).
        self.nul_columns = [c for c in COLUMNS if "\x00" in (raw.get(c) or "")]
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
        limit = MAX_LENGTHS.get(field_name) or Customer._meta.get_field(field_name).max_length
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
        if self.has("name_kana"):
            kana = self.text("name_kana")
            self.check_length("name_kana", kana, "name_kana")
            self.values["name_kana"] = kana
        self.phone()
        self.email()
        self.postal_code()
        self.address()
        self.choice("kind", "kind", KIND_LABELS, _("Use company or person (法人/個人)."))
        self.choice("status", "lifecycle", LIFECYCLE_LABELS, _("Use prospect, customer or retired (見込み/顧客/取引終了)."))
        self.fiscal_month()
        self.rep()
        self.source()
        return code

    def phone(self):
        if not self.has("phone"):
            return
        value = self.text("phone")
        if value and not normalize.is_valid_phone(value):
            self.error("phone", _("Not a valid phone number."))
        self.values["phone"] = normalize.format_phone(value) if value else ""

    def email(self):
        if not self.has("email"):
            return
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
        if not self.has("postal_code"):
            return
        value = self.text("postal_code")
        if value and not normalize.postal_key(value):
            self.error("postal_code", _("A postal code has seven digits, e.g. 100-0001."))
        self.values["postal_code"] = normalize.format_postal_code(value) if value else ""

    def address(self):
        if not self.has("address"):
            return
        prefecture, rest = normalize.split_prefecture(self.raw.get("address", ""))
        self.check_length("address", rest, "address")
        self.values["prefecture"], self.values["address"] = prefecture, rest

    def choice(self, column, field_name, labels, hint):
        if not self.has(column):
            return
        value = self.text(column)
        if not value:
            self.values[field_name] = KEEP
            return
        mapped = labels.get(value.lower()) or labels.get(value)
        if mapped is None:
            self.error(column, _("Unknown value.") + " " + hint)
        self.values[field_name] = mapped or KEEP

    def fiscal_month(self):
        if not self.has("fiscal_month"):
            return
        value = self.text("fiscal_month").removesuffix("月")
        if not value:
            self.values["fiscal_year_end_month"] = None
            return
        if not value.isdigit() or not 1 <= int(value) <= 12:
            self.error("fiscal_month", _("The fiscal year-end month is a number from 1 to 12."))
            return
        self.values["fiscal_year_end_month"] = int(value)

    def rep(self):
        if not self.has("rep"):
            return
        value = self.text("rep")
        if not value:
            self.values["assigned_rep_id"] = None
            return
        user_id, reason = self.matcher.match(value)
        if user_id is None:
            self.warn("rep", reason)
        self.values["assigned_rep_id"] = user_id if user_id else KEEP

    def source(self):
        if not self.has("source"):
            return
        value = self.text("source")
        if not value:
            self.values["source"] = ""
            return
        mapped = SOURCE_LABELS.get(value.lower()) or SOURCE_LABELS.get(value)
        if mapped is None:
            self.error("source", _("Unknown source. Use one of: %(labels)s.") % {
                "labels": "既存, 名刺, 展示会, Web問い合わせ, 会員カード, セミナー, 紹介, その他"})
        self.values["source"] = mapped or ""


def _warn_duplicates(plan):
    """'possible duplicate of C0001' by normalized name, phone or e-mail, within the file and against the data."""
    seen = {}
    labels = {"name_key": _("same name"), "phone_key": _("same phone"), "email_key": _("same e-mail")}
    keys_by_row = []
    for row in plan.rows:
        keys = {
            ("name_key", normalize.name_key(row.values.get("name", ""))),
            ("phone_key", normalize.phone_key(row.values.get("phone", ""))),
            ("email_key", normalize.email_key(row.values.get("email", ""))),
        }
        keys = {k for k in keys if k[1]}
        keys_by_row.append((row, keys))
    file_codes = [row.code for row in plan.rows]
    existing = possible_duplicates(
        name_keys=[k for _r, ks in keys_by_row for f, k in ks if f == "name_key"],
        phone_keys=[k for _r, ks in keys_by_row for f, k in ks if f == "phone_key"],
        email_keys=[k for _r, ks in keys_by_row for f, k in ks if f == "email_key"],
        exclude_codes=file_codes,
    )
    for row, keys in keys_by_row:
        matches = {}
        for key in sorted(keys):
            for code in seen.get(key, []) + existing.get(key, []):
                if code != row.code:
                    matches.setdefault(code, labels[key[0]])
            seen.setdefault(key, []).append(row.code)
        for code, label in matches.items():
            plan.warnings.append(RowError(row.line, "code", row.code,
                                          _("Possible duplicate of %(code)s (%(why)s).") % {"code": code, "why": label}))


def validate_table(table):
    """An ImportPlan for a customers.tabular.Table: parsed rows, errors and warnings. Writes nothing."""
    plan = ImportPlan(header=table.header, encoding=table.encoding, file_format=table.file_format)
    plan.unknown_columns = [c for c in table.header if c and c not in COLUMNS]
    for column in plan.unknown_columns:
        plan.warnings.append(RowError(1, column, column, _("Unknown column; its values are ignored.")))
    matcher = RepMatcher()
    first_line_of_code = {}
    for line, raw in table.rows:
        checker = _RowChecker(plan, line, raw, matcher)
        code = checker.run()
        if code:
            if code in first_line_of_code:
                checker.error("code", _("Code %(code)s already appears on line %(line)d.") % {
                    "code": code, "line": first_line_of_code[code]})
            else:
                first_line_of_code[code] = line
        plan.rows.append(ParsedRow(line=line, code=code, values=checker.values, raw=raw))
    _warn_duplicates(plan)
    plan.errors.sort(key=lambda e: e.line)
    plan.warnings.sort(key=lambda e: e.line)
    return plan
