"""The campaigns' step of the nightly dormancy scan (registered from CampaignsConfig.ready(), after record_changes).

It runs inside the scan's transaction and lock: customers who became dormant or at-risk in this run are enrolled
into their reason's playbook (campaigns.playbooks), then every running sequence moves on (campaigns.sequences).
Both are idempotent, so a rerun of the scan for the same day changes nothing.
"""
from django.utils import timezone

from . import playbooks, sequences


def campaign_sequences(ctx):
    now = timezone.now()
    enrolled = playbooks.playbook_enrol(run=ctx.run, as_of=ctx.as_of, now=now)
    ctx.counts["campaigns"] = {"enrolled": enrolled, **sequences.sequences_advance(today=ctx.as_of, now=now)}
