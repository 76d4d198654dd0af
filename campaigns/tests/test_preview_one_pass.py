"""The preview's one pass (PostgreSQL: counts and the sample's ids from one statement) gives what the two separate
questions give: the counts by reason and the first rows by priority, then code."""
import pytest

from campaigns import segments
from campaigns.models import Campaign

from .support import NOW, customer, touch

pytestmark = pytest.mark.django_db
EMAIL = Campaign.Channel.EMAIL


def the_base():
    for priority in (50, 50, 50, 90, None):  # ties: by code
        customer(status="dormant", priority=priority)
    customer()  # no verdict: after every priority
    customer(status="active")
    customer(status="lost", priority=99)  # excluded: lost
    customer(status="dormant", priority=95, consent=False)  # excluded: no consent
    capped = customer(status="at_risk", priority=97)  # excluded: at the 30-day cap
    touch(capped, "email", 3)
    touch(capped, "email", 10)


@pytest.mark.parametrize("size", [3, 20])
def test_the_one_pass_preview_matches_the_separate_counts_and_sample(size):
    the_base()
    aud = segments.audience(filters={}, channel=EMAIL, now=NOW)
    with segments.roomy_read():
        counts, sample = aud.counts(), aud.sample(size)
    result = segments.preview(aud, size=size)
    assert {key: result[key] for key in ("selected", "matched", "excluded")} == counts
    assert counts["excluded"] == {"no_consent": 1, "lost": 1, "frequency_cap": 1} and counts["selected"] == 7
    assert [c.code for c in result["sample"]] == [c.code for c in sample]
    assert len(result["sample"]) == min(size, 7)
    assert [c.dormancy.priority_score for c in result["sample"][:4]][:size] == [90, 50, 50, 50][:size]


def test_an_empty_audience_previews_as_nothing():
    customer(status="dormant", priority=10, consent=False)
    result = segments.preview(segments.audience(filters={}, channel=EMAIL, now=NOW))
    assert (result["selected"], result["matched"], result["sample"]) == (0, 1, [])
    assert result["excluded_rows"][0][0] == "no_consent"
