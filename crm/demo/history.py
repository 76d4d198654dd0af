"""Purchase histories per cohort: the dormancy patterns Mezame exists to find, as lists of (date, size factor).

Pure functions of a seeded `random.Random`, so the same seed gives the same five years.
"""
from datetime import date, timedelta

from .catalogue import SEASON

YEAR = 365
HISTORY_YEARS = 5

# Cohort -> share of the customer list. Every cohort gets at least two customers even in a tiny demo.
COHORTS = [
    ("steady", 0.36),  # buy all the time, on their own cycle
    ("seasonal", 0.10),  # a few big orders a year at the construction peaks
    ("one_or_two", 0.10),  # tried us once or twice and never came back
    ("price_rise", 0.06),  # stopped within 90 days after the price rise of a product they bought
    ("long_quiet", 0.07),  # long-standing buyers who quietly stopped (customer-side change)
    ("declining", 0.08),  # still buying, but this year's sales are less than half of last year's
    ("recent_quiet", 0.06),  # regular buyers silent for 100–150 days: at risk by their own cycle
    ("long_gone", 0.05),  # nothing for more than two years
    ("prospect", 0.12),  # never bought
]


def cohort_sizes(total):
    """Customers per cohort for `total` customers (largest cohort absorbs the rounding)."""
    sizes = {name: max(2, round(total * share)) for name, share in COHORTS}
    sizes["steady"] += total - sum(sizes.values())
    if sizes["steady"] < 2:
        raise ValueError("too few customers for every cohort; use at least 40")
    return sizes


def season(day, fiscal_year_end_month):
    factor = SEASON[day.month]
    if fiscal_year_end_month and day.month == fiscal_year_end_month and day.month != 3:
        factor *= 1.2  # the customer's own year-end rush (March is already in SEASON)
    return factor


def business_day(day):
    """Wholesalers are closed on Sundays and over New Year."""
    if day.month == 1 and day.day <= 3:
        day = day.replace(day=4)
    if day.weekday() == 6:
        day += timedelta(days=1)
    return day


def walk(rng, start, end, cycle, fiscal_year_end_month, size=1.0):
    """Purchase days from start to end, gaps around `cycle` days, denser in busy months."""
    days = []
    day = business_day(start)
    while day <= end:
        days.append((day, size * season(day, fiscal_year_end_month) * rng.uniform(0.7, 1.3)))
        gap = rng.gammavariate(4.0, cycle / 4.0) / season(day, fiscal_year_end_month)
        day = business_day(day + timedelta(days=max(1, round(gap))))
    return days


def history(rng, cohort, *, as_of, rise_on, fiscal_year_end_month):
    """Purchase days of one customer of `cohort`, oldest first, none after as_of."""
    first_possible = as_of - timedelta(days=HISTORY_YEARS * YEAR - 1)

    def start_before(day, min_days, max_days):
        return max(first_possible, day - timedelta(days=rng.randint(min_days, max_days)))

    def days_before(n):
        return as_of - timedelta(days=n)

    fy = fiscal_year_end_month
    if cohort == "prospect":
        return []
    if cohort == "steady":
        return walk(rng, start_before(as_of, int(2.5 * YEAR), 5 * YEAR), as_of, rng.uniform(20, 80), fy)
    if cohort == "seasonal":
        return walk(rng, start_before(as_of, 2 * YEAR, 5 * YEAR), as_of, rng.uniform(90, 150), fy, size=2.5)
    if cohort == "one_or_two":
        first = business_day(days_before(rng.randint(200, 1700)))
        days = [(first, rng.uniform(0.5, 1.5))]
        if rng.random() < 0.5:
            second = business_day(first + timedelta(days=rng.randint(10, 80)))
            days.append((second, rng.uniform(0.5, 1.2)))
        return days
    if cohort == "price_rise":
        stop = business_day(rise_on + timedelta(days=rng.randint(5, 80)))
        days = walk(rng, start_before(rise_on, YEAR, int(3.5 * YEAR)), rise_on - timedelta(days=1), rng.uniform(14, 45), fy)
        return [*days, (stop, rng.uniform(0.8, 1.2))]
    if cohort == "long_quiet":
        stop = days_before(rng.randint(200, 700))
        return walk(rng, start_before(stop, 2 * YEAR, 4 * YEAR), stop, rng.uniform(20, 60), fy)
    if cohort == "declining":
        cycle = rng.uniform(15, 45)
        year_ago = days_before(YEAR)
        before = walk(rng, start_before(as_of, 3 * YEAR, 5 * YEAR), year_ago, cycle, fy)
        # Half the visits, each smaller: this year's sales fall well under half of last year's.
        after = walk(rng, year_ago + timedelta(days=rng.randint(5, 30)), as_of, cycle * 1.8, fy, size=0.55)
        days = before + after
        if days[-1][0] < days_before(int(cycle)):
            days.append((business_day(days_before(rng.randint(3, 20))), 0.5))
        return [d for d in days if d[0] <= as_of]
    if cohort == "recent_quiet":
        stop = business_day(days_before(rng.randint(102, 148)))
        days = walk(rng, start_before(stop, int(1.5 * YEAR), 4 * YEAR), stop - timedelta(days=1), rng.uniform(18, 40), fy)
        return [*days, (stop, rng.uniform(0.8, 1.2))]
    if cohort == "long_gone":
        stop = days_before(rng.randint(740, 1400))
        return walk(rng, start_before(stop, YEAR, 3 * YEAR), stop, rng.uniform(30, 90), fy) or [(business_day(stop), 1.0)]
    raise ValueError(f"unknown cohort {cohort}")


def rise_date(as_of):
    """The popular product's price rise: the first of the month about 18 months before as_of."""
    day = as_of - timedelta(days=548)
    return date(day.year, day.month, 1)
