"""The columns of a customer file: one set for the export and the import, so that an export can be imported again.

Each column has an English code (the header of `manage.py export_customers` and of the sample file) and a label
(the header of the web export, in the user's language). The import accepts either, in Japanese or English, and
matches them ignoring case and full-width/half-width differences. The read-only columns are the dormancy and
purchase figures an export carries for reference: the import accepts them and ignores their values (one notice,
not a warning per column).

The lifecycle is `lifecycle`; files made before it had that name call it `status`, which the import still takes
as the lifecycle, unless the file also has `lifecycle` (an older export, where `status` was the dormancy status).
"""
import functools
import unicodedata
from dataclasses import dataclass

from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy


@dataclass(frozen=True)
class Column:
    code: str
    label: object  # lazy: translated when a header is written or matched
    read_only: bool = False
    check_as: str = ""  # the name the row check knows the column by, when not the code


COLUMNS = (
    Column("code", gettext_lazy("Customer code")),
    Column("name", gettext_lazy("Customer name")),
    Column("name_kana", gettext_lazy("Name (kana)")),
    Column("kind", gettext_lazy("Kind")),
    Column("lifecycle", gettext_lazy("Lifecycle"), check_as="status"),
    Column("rep", gettext_lazy("Sales rep")),
    Column("phone", gettext_lazy("Phone")),
    Column("email", gettext_lazy("E-mail")),
    Column("postal_code", gettext_lazy("Postal code")),
    Column("address", gettext_lazy("Address")),
    Column("fiscal_month", gettext_lazy("Fiscal year-end month")),
    Column("source", gettext_lazy("Source")),
    Column("dormancy_status", gettext_lazy("Dormancy status"), read_only=True),
    Column("last_purchase_on", gettext_lazy("Last purchase"), read_only=True),
    Column("days_since_last_purchase", gettext_lazy("Days since the last purchase"), read_only=True),
    Column("dormant_since", gettext_lazy("Dormant since"), read_only=True),
    Column("dormancy_rule", gettext_lazy("Dormancy rule"), read_only=True),
    Column("dormancy_reason", gettext_lazy("Dormancy reason"), read_only=True),
    Column("priority_score", gettext_lazy("Priority score"), read_only=True),
    Column("p_alive", gettext_lazy("Probability still active"), read_only=True),
    Column("expected_purchases_90d", gettext_lazy("Expected purchases in 90 days"), read_only=True),
    Column("next_expected_purchase_on", gettext_lazy("Next expected purchase"), read_only=True),
)
CODES = [column.code for column in COLUMNS]
LIFECYCLE = next(column for column in COLUMNS if column.code == "lifecycle")
IMPORT_CODES = [column.code for column in COLUMNS if not column.read_only]  # the columns of the sample file
LEGACY_LIFECYCLE = "status"  # the lifecycle's former name, still accepted
LANGUAGES = ("ja", "en")


def header(*, codes):
    """The export's header: the codes, or the labels in the active language."""
    return list(CODES) if codes else [str(column.label) for column in COLUMNS]


def _fold(name):
    return unicodedata.normalize("NFKC", name or "").strip().casefold()


@functools.lru_cache(maxsize=1)
def _by_name():
    """Folded code or label (in every language) -> Column."""
    found = {}
    for language in LANGUAGES:
        with translation.override(language):
            for column in COLUMNS:
                found.setdefault(_fold(str(column.label)), column)
    found.update({_fold(column.code): column for column in COLUMNS})
    return found


@dataclass
class ImportHeader:
    """How the import reads a file's header. `renames` maps a file's column name to the name the row check uses
    (empty when the header is already in those names); `shown` the other way, for errors and warnings."""

    renames: dict
    shown: dict
    read_only: list
    unknown: list
    missing: list  # required columns not found


def import_header(file_header, *, check_names, required=("code", "name")):
    """Match the columns of a file to the import's; `check_names` are the names the row check knows."""
    by_name, seen = _by_name(), set()
    matched = {}  # file name -> Column
    for name in file_header:
        column = by_name.get(_fold(name))
        if name and column is not None and column.code not in seen:
            seen.add(column.code)
            matched[name] = column
    for name in file_header:
        if name and name not in matched and _fold(name) == LEGACY_LIFECYCLE:
            if "lifecycle" in seen:  # next to `lifecycle`: an export of before the rename (the dormancy status)
                matched[name] = Column(LEGACY_LIFECYCLE, LEGACY_LIFECYCLE, read_only=True)
            else:
                matched[name] = LIFECYCLE
                seen.add("lifecycle")
    renames, read_only = {}, []
    for name, column in matched.items():
        if column.read_only:
            read_only.append(name)
            continue
        internal = column.check_as or column.code
        if internal in check_names and name != internal:
            renames[name] = internal
    unknown = [name for name in file_header if name and name not in matched]
    missing = [code for code in required if code not in seen]
    return ImportHeader(renames=renames, shown={v: k for k, v in renames.items()}, read_only=read_only,
                        unknown=unknown, missing=missing)  # fmt: skip


def missing_message(missing):
    return _("Required columns are missing: %(columns)s") % {"columns": ", ".join(missing)}
