"""The worklist page's counts without a pass over every customer per view: a nightly tally, plus live counts where
they are cheap or where a stale figure would show.

At 200,000 customers counting every list live took 1.6–2.2 s per view (one pass over the customers with a dozen
FILTERs, regular expressions and a 70-branch CASE, plus two anti-joins), and the list's completeness 0.45 s more.
So the nightly scan (crm.dormancy registers worklist_tally_step) counts every list once, grouped by the page's
filters (rep, lifecycle, prefecture) and rolled up into every combination of them (WorklistTally, one row each),
and the page reads one row. Counted live on each view:

- the list the maintainer has open (the paginator counts it anyway: exact up to COUNT_CAP, "1,000+" beyond, where
  the nightly figure is shown if it is larger) — so a record fixed from that list leaves it at once;
- the review flags (an index probe; the review rules run after the scan) and the registered sources (one cheap
  count each, by their contract);
- "not updated in N months" when N is not the default the tally used;
- everything, when no tally exists yet (a fresh install before its first scan).

The page says when the tally was taken. worklist_counts() in worklists.py stays the all-live reference.
"""
import itertools

from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from crm.pagination import COUNT_CAP
from customers.models import WorklistTally
from customers.worklist import worklist_sources

from .completeness import completeness_result, has_contact_person, list_completeness, row_field_conditions
from .worklists import (
    BUILTIN_WORKLISTS,
    DEFAULT_STALE_MONTHS,
    SOURCE_PREFIX,
    WorklistParams,
    live_customers,
    with_expected_prefecture,
    without_jit,
    worklist_counts,
)

DIMENSIONS = ("assigned_rep_id", "lifecycle", "prefecture")  # the worklist page's filters, in the scope's order
ANY = "*"
# Always counted live: an index probe, and the review rules add flags after the nightly scan.
LIVE_LISTS = {"review"}
COMPLETENESS = "completeness:"


def tally_scope(*, rep_id=None, lifecycle="", prefecture=""):
    """The WorklistTally.scope of a combination of the page's filters ("" / None: any)."""
    return f"rep={rep_id or ANY}|lifecycle={lifecycle or ANY}|prefecture={prefecture or ANY}"


ALL_SCOPE = tally_scope()


def _cell_figures(now):
    """{(rep_id, lifecycle, prefecture): {figure: n}} of the live customers: three grouped queries, each one pass."""
    params = WorklistParams(months=DEFAULT_STALE_MONTHS, now=now)
    live = live_customers().order_by()
    row_fields, all_row_fields = row_field_conditions()
    tallied = [w for w in BUILTIN_WORKLISTS if w.key not in LIVE_LISTS]
    cells = {}

    def add(rows, names):
        for row in rows:
            figures = cells.setdefault(tuple(row[d] for d in DIMENSIONS), {})
            for name, column in names.items():
                figures[name] = figures.get(name, 0) + row[column]

    shared = [w for w in tallied if not w.own_query]
    aggregates = {w.key: Count("pk", filter=w.condition(params)) for w in shared}
    aggregates.update({f"filled_{key}": Count("pk", filter=condition) for key, condition in row_fields})
    rows = with_expected_prefecture(live).values(*DIMENSIONS).annotate(total=Count("pk"), **aggregates)
    add(rows, {**{w.key: w.key for w in shared}, COMPLETENESS + "total": "total",
               **{f"{COMPLETENESS}filled_{key}": f"filled_{key}" for key, _condition in row_fields}})
    # The lists with a subquery: in WHERE it is a hash (anti-)join, inside the aggregate one probe per customer.
    for w in tallied:
        if w.own_query:
            add(live.filter(w.condition(params)).values(*DIMENSIONS).annotate(n=Count("pk")), {w.key: "n"})
    contact = live.filter(has_contact_person()).values(*DIMENSIONS).annotate(
        n=Count("pk"), complete=Count("pk", filter=all_row_fields))
    add(contact, {COMPLETENESS + "filled_contact": "n", COMPLETENESS + "complete": "complete"})
    return cells


@transaction.atomic
def worklist_tally_refresh(*, now=None):
    """Count every tallied list and the completeness figures for every combination of the page's filters and
    replace the WorklistTally rows. Set-based: three grouped queries over the customers, then the cells (at most
    reps × lifecycles × prefectures, never customers) rolled up in Python. Returns the number of rows written."""
    now = now or timezone.now()
    without_jit()
    scopes = {ALL_SCOPE: {}}  # written even when there is no live customer: "the tally exists and says 0"
    for key, figures in _cell_figures(now).items():
        for kept in itertools.product((True, False), repeat=len(DIMENSIONS)):
            if any(keep and not value for keep, value in zip(kept, key, strict=True)):
                continue  # no rep / no prefecture is not a filter the page offers: counted under "any" only
            rep_id, lifecycle, prefecture = (value if keep else None for keep, value in zip(kept, key, strict=True))
            scope = scopes.setdefault(tally_scope(rep_id=rep_id, lifecycle=lifecycle, prefecture=prefecture), {})
            for name, n in figures.items():
                scope[name] = scope.get(name, 0) + n
    WorklistTally.objects.all().delete()
    WorklistTally.objects.bulk_create(
        [WorklistTally(scope=scope, counts=counts, taken_at=now) for scope, counts in scopes.items()],
        batch_size=2000)
    return len(scopes)


def worklist_tally_step(ctx):
    """The nightly scan's step (registered by crm.dormancy, which sits above customers): after the verdicts are
    written, so "customer without a dormancy status" counts this night's verdicts."""
    ctx.counts["worklist_tallies"] = worklist_tally_refresh()


def _read_tally(scope):
    """(counts, taken_at) of `scope`: zeros when the tally has no row for it (no live customer matched), None
    when there is no tally at all. One query."""
    rows = {t.scope: t for t in WorklistTally.objects.filter(scope__in={scope, ALL_SCOPE})}
    if scope in rows:
        return rows[scope].counts, rows[scope].taken_at
    if ALL_SCOPE in rows:
        return {}, rows[ALL_SCOPE].taken_at
    return None, None


@transaction.atomic
def worklist_page_counts(*, base, params, scope, opened=None):
    """What the worklist page shows beside its lists: {"lists": [{key, label, group, count, is_live, at_least}],
    "completeness": list_completeness()'s dict, "taken_at": when the tally was taken (None: all counted now)}.

    `base` is the filtered live customers and `scope` its tally_scope(); `opened` = (key, count, is_capped) of
    the list on screen as its paginator counted it (exact up to COUNT_CAP)."""
    tallied, taken_at = _read_tally(scope)
    if tallied is None:
        lists = [{**row, "is_live": True, "at_least": False} for row in worklist_counts(base=base, params=params)]
        completeness = list_completeness(base)
    else:
        without_jit()
        lists = []
        for w in BUILTIN_WORKLISTS:
            live = w.key in LIVE_LISTS or (w.key == "stale" and params.months != DEFAULT_STALE_MONTHS)
            count = base.order_by().filter(w.condition(params)).count() if live else tallied.get(w.key, 0)
            lists.append({"key": w.key, "label": w.label, "group": w.group, "count": count, "is_live": live,
                          "at_least": False})
        for source in worklist_sources():
            lists.append({"key": SOURCE_PREFIX + source.key, "label": source.label, "group": "sources",
                          "count": source.count_fn(), "is_live": True, "at_least": False})
        completeness = completeness_result(
            {name[len(COMPLETENESS):]: n for name, n in tallied.items() if name.startswith(COMPLETENESS)})
    if opened is not None:
        _count_opened_live(lists, *opened)
    return {"lists": lists, "completeness": completeness, "taken_at": taken_at}


def _count_opened_live(lists, key, count, is_capped):
    """The open list's badge from its paginator: exact when it found at most COUNT_CAP records; beyond that the
    nightly figure if larger (still marked as of the tally), else "COUNT_CAP+"."""
    for row in lists:
        if row["key"] != key or row["is_live"]:
            continue
        if not is_capped:
            row.update(count=count, is_live=True)
        elif row["count"] <= COUNT_CAP:
            row.update(count=COUNT_CAP, is_live=True, at_least=True)
