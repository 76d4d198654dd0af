"""Reads for the campaign screens: the year calendar with each campaign's reach per month."""
import datetime

from django.db.models import Count, Q
from django.utils import timezone

from . import segments, timing
from .models import Campaign, CampaignTarget, ContactPolicy, DemandSeason

MONTHS = range(1, 13)


def year_calendar(*, year, now=None):
    """Seasons and campaigns touching `year`, each with the months it covers; campaigns with the customers they
    reach per month: launched ones from their targets (one GROUP BY for all), drafts from their live audience
    (one query each)."""
    now = now or timezone.now()
    first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
    seasons = [(season, set(season.months_in(year)))
               for season in DemandSeason.objects.filter(Q(repeats_yearly=True) | Q(year__in=[year - 1, year]))]
    campaigns = list(Campaign.objects.filter(starts_on__lte=last, ends_on__gte=first)
                     .select_related("segment", "launched_by"))
    launched_reach = _launched_reach([c.pk for c in campaigns if not c.is_draft], year)
    policy = ContactPolicy.current() if any(c.is_draft for c in campaigns) else None
    rows = []
    for campaign in campaigns:
        if campaign.is_draft:
            reach_all = timing.reach_by_month(campaign, segments.campaign_audience(campaign, now=now,
                                                                                   policy=policy).selected)
            reach = {month: n for (y, month), n in reach_all.items() if y == year}
        else:
            reach = launched_reach.get(campaign.pk, {})
        months = set(campaign.months_in(year))
        rows.append({"campaign": campaign, "cells": [(m, m in months, reach.get(m)) for m in MONTHS],
                     "total": sum(reach.values())})
    return {
        "year": year, "months": list(MONTHS),
        "seasons": [{"season": s, "cells": [(m, m in months) for m in MONTHS]} for s, months in seasons],
        "campaigns": rows,
    }


def _launched_reach(campaign_ids, year):
    """{campaign id: {month: targets due that month}} for `year`, control group excluded (it is not contacted)."""
    reach = {}
    if not campaign_ids:
        return reach
    rows = (CampaignTarget.objects.filter(campaign_id__in=campaign_ids, in_control_group=False,
                                          due_on__year=year)
            .values_list("campaign_id", "due_on").annotate(n=Count("pk")).order_by())
    for campaign_id, due_on, n in rows:
        months = reach.setdefault(campaign_id, {})
        months[due_on.month] = months.get(due_on.month, 0) + n
    return reach


def campaign_preview(campaign, *, now=None):
    """The campaign's audience now: counts by exclusion, the first rows, and the reach per month."""
    aud = segments.campaign_audience(campaign, now=now)
    result = segments.preview(aud)
    reach = timing.reach_by_month(campaign, aud.selected)
    result["reach"] = sorted(reach.items())
    result["reach_total"] = sum(reach.values())
    result["not_due"] = result["selected"] - result["reach_total"]
    return result
