"""The campaigns' step of the nightly dormancy scan (registered from CampaignsConfig.ready(), after record_changes).

It runs inside the scan's transaction and lock: customers who became dormant or at-risk in this run are enrolled
into their reason's playbook (campaigns.playbooks), then every running sequence moves on (campaigns.sequences).
Both are idempotent, so a rerun of the scan for the same day changes nothing.
"""
from django.db.models import Exists, OuterRef
from django.utils import timezone

from crm import sql

from . import playbooks, sequences
from .models import Campaign, CampaignTarget

# Past this many new targets the table's statistics are refreshed before the advance reads it: rows written in
# this transaction are invisible to autovacuum, and a planner that believes the table small picks nested loops
# (measured: a minute instead of seconds for 50,000 enrolments, bench/bench_sequences.py).
ANALYZE_AFTER = 1000


def campaign_sequences(ctx):
    now = timezone.now()
    enrolled = playbooks.playbook_enrol(run=ctx.run, as_of=ctx.as_of, now=now)
    if enrolled > ANALYZE_AFTER and sql.is_postgres():
        sql.execute(f"ANALYZE {sql.table(CampaignTarget)}")
    advanced = sequences.sequences_advance(today=ctx.as_of, now=now)
    ctx.counts["campaigns"] = {"enrolled": enrolled, **advanced, "finished": campaigns_finish(today=ctx.as_of)}


def campaigns_finish(*, today):
    """Launched campaigns whose period is over and whose sequences have nothing left to do become finished (one
    UPDATE). Playbooks run on; the response figures stay on a finished campaign's page."""
    waiting = CampaignTarget.objects.filter(campaign_id=OuterRef("pk"), sequence_state=CampaignTarget.SequenceState.ACTIVE,
                                            in_control_group=False, next_step_on__isnull=False)
    return (Campaign.objects.filter(state=Campaign.State.LAUNCHED, kind=Campaign.Kind.CAMPAIGN, ends_on__lt=today)
            .exclude(Exists(waiting)).update(state=Campaign.State.FINISHED))
