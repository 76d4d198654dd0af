"""The dormancy engine's sections of the home page (registered in apps.DormancyConfig.ready, see crm/home.py).

- a rep's own dormant and at-risk customers, highest priority first: the ten to call or visit next;
- the manager's (and administrator's) status counts as the latest successful scan stored them, each linking to the
  list it counts, and how that scan and the latest run went.
Both read a bounded number of rows in a fixed number of queries; the counts come from ScanRun.counts, never from
counting CustomerDormancy rows on every visit.
"""
from django.db.models import F
from django.urls import reverse
from django.utils.http import urlencode

from . import reasons, selectors
from .models import DormancyStatus, ScanRun

TOP_TARGETS = 10
# The statuses of the manager's counts, in the order shown; the first three are the dormant list's tabs.
OVERVIEW_STATUSES = [DormancyStatus.DORMANT, DormancyStatus.AT_RISK, DormancyStatus.LOST, DormancyStatus.ACTIVE,
                     DormancyStatus.PROSPECT]  # fmt: skip
LISTED_ON_DORMANT_LIST = {DormancyStatus.DORMANT, DormancyStatus.AT_RISK, DormancyStatus.LOST}
WAKING = {DormancyStatus.DORMANT, DormancyStatus.AT_RISK, DormancyStatus.LOST}


def my_targets(user):
    """The rep's own dormant and at-risk customers not excluded from targeting, by priority: the first ten and how
    many there are (two queries). The rows are those of the dormant list the card links to (its selectors), so
    "Show all N" is the count the list shows."""
    targets = selectors.dormant_rows(selectors.dormant_scope(rep=user), statuses=selectors.TARGET_STATUSES,
                                     with_excluded=False)
    rows = targets.order_by(F("priority_score").desc(nulls_last=True), "customer_id")
    return {
        "rows": [{"d": d, "approach": reasons.approach_for(d.reason)} for d in rows[:TOP_TARGETS]],
        "total": targets.count(),
        "list_url": f"{reverse('dormancy:dormant_list')}?{urlencode({'rep': user.pk})}",
    }


def _status_url(status):
    if status in LISTED_ON_DORMANT_LIST:
        # Every rep's customers, the excluded ones too: the list then counts what the scan counted.
        query = {"status": status, "rep": "", "show_excluded": "on"}
        return f"{reverse('dormancy:dormant_list')}?{urlencode(query)}"
    return f"{reverse('customers:list')}?{urlencode({'status': status})}"


def _change_totals(changes):
    """(customers who newly went quiet, customers who came back) from a run's {"from→to": n} (a first scan's
    "-→…" entries are where everyone started, not changes)."""
    went_quiet = came_back = 0
    for key, n in (changes or {}).items():
        old, _arrow, new = key.partition("→")
        if old in ("-", "", new):
            continue
        if new in (DormancyStatus.DORMANT, DormancyStatus.AT_RISK) and old in (DormancyStatus.ACTIVE, DormancyStatus.PROSPECT):
            went_quiet += n
        elif new == DormancyStatus.ACTIVE and old in WAKING:
            came_back += n
    return went_quiet, came_back


def status_overview(user):
    """Counts per status from the latest successful scan, that scan's changes, and the latest run when it did not
    succeed (one query, two when the latest run failed or is running)."""
    latest = ScanRun.objects.order_by("-started_at", "-pk").first()
    scan = latest
    if latest is not None and latest.outcome != ScanRun.Outcome.SUCCEEDED:
        scan = ScanRun.objects.filter(outcome=ScanRun.Outcome.SUCCEEDED).order_by("-started_at", "-pk").first()
    counts = (scan.counts or {}) if scan is not None else {}
    statuses = counts.get("statuses") or {}
    went_quiet, came_back = _change_totals(counts.get("changes"))
    return {
        "scan": scan,
        "latest": latest,
        "latest_failed": latest is not None and latest.outcome in (ScanRun.Outcome.FAILED, ScanRun.Outcome.REFUSED),
        "statuses": [
            {"status": status.value, "label": status.label, "count": statuses.get(status.value, 0),
             "url": _status_url(status)}
            for status in OVERVIEW_STATUSES
        ],
        "customers": counts.get("customers", sum(statuses.values())),
        "went_quiet": went_quiet,
        "came_back": came_back,
        "runs_url": reverse("dormancy:runs"),
    }
