"""Services of the campaigns app: everything that changes a season, segment or campaign, with the permission
checked on the row as stored (crm.permissions.require). Views only call these."""
import zlib

from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.db.models import Case, F, Q, Value, When
from django.db.models.functions import Mod
from django.utils import timezone
from django.utils.translation import gettext as _

from crm import sql
from crm.permissions import require
from customers.models import Touchpoint

from . import caps, segments, tasks, timing
from .models import (
    Campaign,
    CampaignContact,
    CampaignStep,
    CampaignTarget,
    ContactPolicy,
    DemandSeason,
    Segment,
    StepExecution,
)

ACTION = "campaigns.manage"

# The control group is drawn by a hash of (campaign, customer): the same launch always draws the same customers,
# a different campaign draws others, and it is plain integer arithmetic on both PostgreSQL and SQLite.
_HASH_PRIME = 1_000_003
_HASH_A, _HASH_B, _HASH_C = 2_654_435_761 % _HASH_PRIME, 40_503, 7_919


def control_bucket(customer_field, campaign_id):
    """0–99 for each customer, pseudo-random and reproducible per campaign."""
    mixed = Mod(Mod(F(customer_field) * Value(_HASH_A), Value(_HASH_PRIME)) * Value(_HASH_B)
                + Value((campaign_id * _HASH_C) % _HASH_PRIME), Value(_HASH_PRIME))
    return Mod(mixed, Value(100))


# --- demand seasons -------------------------------------------------------------------------------------------

def _full_clean(obj):
    obj.full_clean()
    return obj


@transaction.atomic
def demand_season_create(*, by, **fields):
    require(by, ACTION)
    season = _full_clean(DemandSeason(**fields))
    season.save()
    return season


@transaction.atomic
def demand_season_update(*, season, by, **fields):
    stored = DemandSeason.objects.select_for_update().get(pk=season.pk)
    require(by, ACTION, stored)
    for name, value in fields.items():
        setattr(stored, name, value)
    _full_clean(stored).save()
    return stored


@transaction.atomic
def demand_season_delete(*, season, by):
    stored = DemandSeason.objects.select_for_update().get(pk=season.pk)
    require(by, ACTION, stored)
    stored.delete()


# --- segments -------------------------------------------------------------------------------------------------

@transaction.atomic
def segment_create(*, name, filters, by):
    require(by, ACTION)
    return Segment.objects.create(name=name, filters=filters, version=segments.FILTERS_VERSION, owner=by)


@transaction.atomic
def segment_update(*, segment, name, filters, by):
    stored = Segment.objects.select_for_update().get(pk=segment.pk)
    require(by, ACTION, stored)
    if stored.campaigns.exclude(state=Campaign.State.DRAFT).exists():
        # A launched campaign's targets were chosen by this definition: keep it as it was.
        raise ValidationError(_("A launched campaign uses this segment; save it under a new name instead."))
    stored.name, stored.filters, stored.version = name, filters, segments.FILTERS_VERSION
    stored.save(update_fields=["name", "filters", "version", "updated_at"])
    return stored


# --- campaigns ------------------------------------------------------------------------------------------------

CAMPAIGN_FIELDS = ("name", "starts_on", "ends_on", "approach", "channel", "segment", "timing", "timing_offset",
                   "include_lost", "control_share_percent", "note")


def _checked(campaign):
    if campaign.approach == Campaign.Approach.EVERYONE:
        campaign.segment = None  # everyone means everyone: a segment left in the form must not narrow it
    elif campaign.approach == Campaign.Approach.SEGMENT and campaign.segment_id is None:
        raise ValidationError({"segment": _("Choose the segment this campaign targets.")})
    campaign.full_clean(exclude=["created_by", "launched_by", "copied_from"])
    return campaign


@transaction.atomic
def campaign_create(*, by, **fields):
    """A draft with its first step on the campaign's channel (a sequence adds further steps)."""
    require(by, ACTION)
    campaign = _checked(Campaign(created_by=by, **fields))
    campaign.save()
    CampaignStep.objects.create(campaign=campaign, position=1, channel=campaign.channel)
    return campaign


@transaction.atomic
def campaign_update(*, campaign, by, **fields):
    stored = Campaign.objects.select_for_update().get(pk=campaign.pk)
    require(by, ACTION, stored)
    if not stored.is_draft:
        raise ValidationError(_("Only a draft can be changed; this campaign has been launched."))
    for name, value in fields.items():
        setattr(stored, name, value)
    _checked(stored).save()
    # The campaign's channel is its first step's channel.
    CampaignStep.objects.filter(campaign=stored, position=1).update(channel=stored.channel)
    return stored


STEP_FIELDS = ("position", "channel", "wait_days", "condition", "is_key_accounts_only", "weekly_capacity_per_rep",
               "subject", "body")


def years_later(day, years=1):
    """The same day `years` later; 29 February becomes the 28th in a year without it."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


@transaction.atomic
def campaign_copy_to_next_year(*, campaign, by):
    """A draft with the same settings one year later (a year in the name moves too: 「2026年 年末DM」→「2027年 …」)."""
    stored = Campaign.objects.get(pk=campaign.pk)
    require(by, ACTION, stored)
    year = str(stored.starts_on.year)
    name = stored.name.replace(year, str(stored.starts_on.year + 1)) if year in stored.name else stored.name
    copy = Campaign(**{name_: getattr(stored, name_) for name_ in CAMPAIGN_FIELDS})
    copy.name, copy.created_by, copy.copied_from = name, by, stored
    copy.starts_on, copy.ends_on = years_later(stored.starts_on), years_later(stored.ends_on)
    copy.kind, copy.playbook_reason = stored.kind, stored.playbook_reason
    copy.response_window_days = stored.response_window_days
    copy.save()
    CampaignStep.objects.bulk_create(
        CampaignStep(campaign=copy, **{name_: getattr(step, name_) for name_ in STEP_FIELDS})
        for step in stored.steps.all())
    return copy


def first_step_of(campaign):
    """The campaign's first step; a campaign made without the service (admin, old data) gets it from its channel."""
    step, _created = CampaignStep.objects.get_or_create(campaign=campaign, position=1,
                                                        defaults={"channel": campaign.channel})
    return step


def _insert_targets(campaign, selected, *, now):
    """INSERT … SELECT of the selected customers who are due in the period, with their control flag and due date."""
    due_q, due_date = timing.due_filter_and_date(campaign)
    share = campaign.control_share_percent
    in_control = (Case(When(Q(t_bucket__lt=share), then=Value(True)), default=Value(False))
                  if share else Value(False))
    rows = (selected.filter(due_q)
            .annotate(t_bucket=control_bucket("pk", campaign.pk))
            .annotate(t_customer=F("pk"), t_control=in_control, t_due=due_date)
            .order_by().values_list("t_customer", "t_control", "t_due"))
    select_sql, params = rows.query.sql_with_params()
    target = sql.table(CampaignTarget)
    first_wait = first_step_of(campaign).wait_days
    # The first step is due `wait_days` after the target's due date; the control group has no next step.
    next_step_on = sql.add_days("s.t_due", int(first_wait))
    return sql.execute(
        f"INSERT INTO {target} (customer_id, in_control_group, due_on, campaign_id, round, "  # noqa: S608
        f"sequence_state, last_step_position, next_step_on, enrolled_at, left_reason) "
        # WHERE 1 = 1: SQLite needs it to tell the ON CONFLICT clause from a join's ON. A launch has one round.
        f"SELECT s.t_customer, s.t_control, s.t_due, %s, 1, %s, 0, "
        f"CASE WHEN s.t_control THEN NULL ELSE {next_step_on} END, %s, '' "
        f"FROM ({select_sql}) s WHERE 1 = 1 "
        f"ON CONFLICT (campaign_id, customer_id, round) DO NOTHING",
        (campaign.pk, CampaignTarget.SequenceState.ACTIVE, now, *params))


def campaign_launch(*, campaign, by, now=None):
    """Draft → launched, once: writes the targets set-based. A second launch (or a racing one) changes nothing.

    Returns the campaign as stored; `launch_counts` says what the launch found.
    """
    now = now or timezone.now()
    with transaction.atomic():
        stored = Campaign.objects.select_for_update(of=("self",)).select_related("segment").get(pk=campaign.pk)
        require(by, ACTION, stored)
        claimed = Campaign.objects.filter(pk=stored.pk, state=Campaign.State.DRAFT).update(
            state=Campaign.State.LAUNCHED, launched_by=by, launched_at=now)
        if not claimed:
            return stored
        aud = segments.campaign_audience(stored, now=now)
        with segments.roomy_read():  # the same cap subquery as the preview: it needs the same room to stay hashed
            counts = aud.counts()
            _insert_targets(stored, aud.selected, now=now)
        targets = CampaignTarget.objects.filter(campaign=stored)
        stored.launch_counts = {
            "matched": counts["matched"], "selected": counts["selected"], "excluded": counts["excluded"],
            "targets": targets.count(), "control": targets.filter(in_control_group=True).count(),
        }
        stored.save(update_fields=["launch_counts"])
        stored.refresh_from_db()
        return stored


def _lock_channel(channel):
    """Contacts through one channel are recorded one batch at a time, so two campaigns cannot both use a
    customer's last contact under the cap. (SQLite serialises writers anyway.)"""
    if sql.is_postgres():
        with connection.cursor() as cursor:
            # crc32, not hash(): str hashes differ from one process to the next, and the lock is between processes.
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", (0x6D7A, zlib.crc32(channel.encode()) & 0x7FFFFFFF))


def step_contacts_record(*, step, customer_ids, round=1, now=None, by=None):
    """Record that a step reached these customers in `round` of their enrolment (delivery sent their e-mails,
    their letters were posted, a rep made the call): a Touchpoint on each customer's history, the CampaignContact
    linking it to the step, and the step's executions marked contacted. A customer already recorded for the step
    and round is skipped, so a retry after a crash records nobody twice. `by`: the user who posted or called; None
    for the system's own sending. Returns the number newly recorded.
    """
    now = now or timezone.now()
    with transaction.atomic():
        step = CampaignStep.objects.select_related("campaign").get(pk=step.pk)
        _lock_channel(step.channel)
        recorded = _contacts_write(step=step, campaign=step.campaign, customer_ids=customer_ids, round_=round,
                                   now=now, by=by)
        if recorded:
            caps.caps_recount_if_due()
        return recorded


def contact_summary(campaign, step, round_):
    """The contact's line on the customer's timeline; a playbook's later round says which."""
    values = {"name": campaign.name, "channel": step.get_channel_display(), "round": round_}
    if round_ > 1:
        return _("Campaign: %(name)s, round %(round)d (%(channel)s)") % values
    return _("Campaign: %(name)s (%(channel)s)") % values


def _contacts_write(*, step, campaign, customer_ids, round_, now, by):
    already = set(CampaignContact.objects.filter(step=step, round=round_, customer_id__in=customer_ids)
                  .values_list("customer_id", flat=True))
    customer_ids = [pk for pk in dict.fromkeys(customer_ids) if pk not in already]
    if not customer_ids:
        return 0
    summary = contact_summary(campaign, step, round_)
    touchpoints = Touchpoint.objects.bulk_create(
        Touchpoint(customer_id=pk, occurred_at=now, author=by, department=Touchpoint.Department.SALES,
                   channel=step.touchpoint_channel, summary=summary) for pk in customer_ids)
    CampaignContact.objects.bulk_create(
        CampaignContact(campaign=campaign, step=step, customer_id=tp.customer_id, round=round_, channel=step.channel,
                        touchpoint=tp, created_at=now) for tp in touchpoints)
    contacted = (CampaignContact.objects.filter(step=step, round=round_, customer_id__in=customer_ids)
                 .values("customer_id"))
    StepExecution.objects.filter(step=step, round=round_, customer_id__in=contacted).exclude(
        state=StepExecution.State.CONTACTED).update(state=StepExecution.State.CONTACTED, contacted_at=now)
    CampaignTarget.objects.filter(campaign=campaign, round=round_, customer_id__in=contacted,
                                  contacted_at__isnull=True).update(contacted_at=now)
    return len(customer_ids)


@transaction.atomic
def contact_policy_update(*, by, max_contacts_30d, max_contacts_180d):
    """Change the company's frequency cap (a manager's decision, applied from the next preview, launch or send)."""
    require(by, "campaigns.manage")
    ContactPolicy.current()  # the row exists from here on (created with the defaults when first read)
    policy = ContactPolicy.objects.select_for_update().get(pk=1)
    if max_contacts_30d < 1 or max_contacts_180d < 1:
        raise ValidationError(_("A cap of at least one contact is needed; to contact nobody, do not launch."))
    if max_contacts_180d < max_contacts_30d:
        raise ValidationError(_("The 180-day cap cannot be lower than the 30-day cap."))
    policy.max_contacts_30d, policy.max_contacts_180d = max_contacts_30d, max_contacts_180d
    policy.save(update_fields=["max_contacts_30d", "max_contacts_180d", "updated_at"])
    # Until the count is taken under the new cap, the cap is counted from the touchpoints (caps.ready_count).
    transaction.on_commit(lambda: tasks.contact_caps_count.delay())
    return policy


def step_contact_link(*, execution_id, touchpoint):
    """A rep carried out a step's call or visit (visits logged it as `touchpoint`): that touchpoint is the step's
    contact, the execution is contacted and the target reached. Once per step and customer: a second visit for the
    same step links nothing. Returns True when it linked."""
    execution = StepExecution.objects.select_related("step").filter(pk=execution_id).first()
    if execution is None:
        return False
    now = touchpoint.occurred_at
    _contact, created = CampaignContact.objects.get_or_create(
        step=execution.step, customer_id=execution.customer_id, round=execution.round,
        defaults={"campaign_id": execution.campaign_id, "channel": execution.step.channel, "touchpoint": touchpoint,
                  "created_at": now},
    )
    StepExecution.objects.filter(pk=execution.pk).exclude(state=StepExecution.State.CONTACTED).update(
        state=StepExecution.State.CONTACTED, contacted_at=now)
    CampaignTarget.objects.filter(pk=execution.target_id, contacted_at__isnull=True).update(contacted_at=now)
    return created


def step_execution_skip(*, execution_id, reason):
    """The rep skipped the task a step asked for: the execution is skipped with his reason (unless it already
    reached the customer), so the response figures do not count it as a contact."""
    return StepExecution.objects.filter(pk=execution_id).exclude(state=StepExecution.State.CONTACTED).update(
        state=StepExecution.State.SKIPPED, skip_reason=reason[:30])
