"""When each target of a campaign is due, and how many a campaign reaches per month (the calendar's figures).

- fixed: everyone on the period's first day.
- fiscal year-end, N months before: a customer closing in month m is due in month m − N (wrapping the year), on the
  first day of the first such month inside the period (or the period's start, if that month began earlier).
  "3 months before" reaches March-closing companies in December. Customers without a fiscal year-end month, or
  whose month does not fall in the period, are not due.
- next expected purchase, N days before: due on next_expected_purchase_on − N days, when that falls in the period.

Reach is counted in SQL (GROUP BY the fiscal month, or by the next expected purchase date) and only the at most
12 / period-length groups are mapped to months here.
"""
import datetime

from django.db.models import Case, Count, DateField, ExpressionWrapper, F, Q, Value, When

from .models import Campaign

NEXT_PURCHASE = "dormancy__next_expected_purchase_on"


def _month_starts(start, end):
    day = start.replace(day=1)
    while day <= end:
        yield day
        day = (day + datetime.timedelta(days=32)).replace(day=1)


def due_month(fiscal_month, months_before):
    """The calendar month a customer closing in `fiscal_month` is contacted in."""
    return (fiscal_month - months_before - 1) % 12 + 1


def fiscal_due_dates(campaign):
    """{fiscal year-end month: due date} for the months whose contact month falls in the campaign's period."""
    due = {}
    for fiscal_month in range(1, 13):
        target = due_month(fiscal_month, campaign.timing_offset)
        for first in _month_starts(campaign.starts_on, campaign.ends_on):
            if first.month == target:
                due[fiscal_month] = max(first, campaign.starts_on)
                break
    return due


def _next_purchase_range(campaign):
    offset = datetime.timedelta(days=campaign.timing_offset)
    return campaign.starts_on + offset, campaign.ends_on + offset


def due_filter_and_date(campaign):
    """(Q over customers who are due in the period, the SQL expression of their due date)."""
    if campaign.timing == Campaign.Timing.FISCAL_YEAR_END:
        due = fiscal_due_dates(campaign)
        if not due:
            return Q(pk__in=[]), Value(campaign.starts_on, output_field=DateField())
        when = [When(fiscal_year_end_month=month, then=Value(day)) for month, day in due.items()]
        return Q(fiscal_year_end_month__in=list(due)), Case(*when, output_field=DateField())
    if campaign.timing == Campaign.Timing.NEXT_PURCHASE:
        return (Q(**{f"{NEXT_PURCHASE}__range": _next_purchase_range(campaign)}),
                ExpressionWrapper(F(NEXT_PURCHASE) - datetime.timedelta(days=campaign.timing_offset),
                                  output_field=DateField()))
    return Q(), Value(campaign.starts_on, output_field=DateField())


def reach_by_month(campaign, selected):
    """{(year, month): customers due then} for the selected customers (one GROUP BY query)."""
    reach = {}
    if campaign.timing == Campaign.Timing.FISCAL_YEAR_END:
        due = fiscal_due_dates(campaign)
        rows = (selected.filter(fiscal_year_end_month__in=list(due)).order_by()
                .values_list("fiscal_year_end_month").annotate(n=Count("pk")))
        for fiscal_month, n in rows:
            day = due[fiscal_month]
            reach[(day.year, day.month)] = reach.get((day.year, day.month), 0) + n
    elif campaign.timing == Campaign.Timing.NEXT_PURCHASE:
        offset = datetime.timedelta(days=campaign.timing_offset)
        rows = (selected.filter(**{f"{NEXT_PURCHASE}__range": _next_purchase_range(campaign)}).order_by()
                .values_list(NEXT_PURCHASE).annotate(n=Count("pk")))
        for expected_on, n in rows:
            day = expected_on - offset
            reach[(day.year, day.month)] = reach.get((day.year, day.month), 0) + n
    else:
        n = selected.count()
        if n:
            reach[(campaign.starts_on.year, campaign.starts_on.month)] = n
    return reach
