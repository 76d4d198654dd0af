"""The frequency cap's count, kept ready (models ContactCap, ContactCapCount).

`contact_caps_count()` counts everyone's contacts of the last 180 days per channel (one INSERT … SELECT over the
touchpoints, ranked per customer): each customer with enough contacts gets the dates of his N-th most recent
contact, N being the cap of each window. At any later moment he is at the cap while such a date is still inside
its window, as long as nobody contacted him since. So the cap's question "who is at the cap now?" becomes a read
of those rows plus an exact count, customer by customer, of the few with a contact since the count
(campaigns.segments.frequency_capped_q).

It runs after each nightly scan (queued by the scan's step, in a transaction of its own), when the manager changes
the cap, and when delivery has recorded many contacts (so the customers checked one by one stay few). A customer's
rows are counted again when one of his touchpoints is edited or deleted, and when a merge moves touchpoints to or
from him: the count ignores neither.

Why contacts "since" are found by created_at with a margin: a touchpoint written by a transaction still open when
the count read the table is invisible to the count but may carry a created_at from before it. COUNT_MARGIN covers
any such transaction shorter than itself.
"""
# ruff: noqa: S608 - SQL here is assembled from model table names and fixed fragments; values are always parameters.
import datetime
import zlib

from django.db import connection, transaction
from django.utils import timezone

from crm import sql
from customers.models import Touchpoint

from .models import TOUCHPOINT_CHANNEL, ContactCap, ContactCapCount, ContactPolicy

COUNT_MARGIN = datetime.timedelta(hours=1)
# Touchpoint channels the campaigns contact through (the cap is counted for these only).
CAPPED_CHANNELS = tuple(sorted({str(channel) for channel in TOUCHPOINT_CHANNEL.values()}))
# Past this many contacts written since the count, delivery has it taken again (caps_recount_if_due): the customers
# checked one by one stay few.
RECOUNT_AFTER = 5000


def _lock():
    """One count at a time (PostgreSQL; SQLite serialises writers anyway)."""
    if sql.is_postgres():
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s, %s)", (0x6D7A, zlib.crc32(b"contact-caps") & 0x7FFFFFFF))


def last_count():
    """The ContactCapCount (one row), or None before the first count."""
    return ContactCapCount.objects.filter(pk=1).first()


def ready_count(*, policy, now):
    """The ContactCapCount the cap may be read from at `now`, or None: none taken yet, taken under another cap, or
    after `now` (a question about an earlier moment)."""
    count = last_count()
    if (count is None or count.counted_at > now or count.max_contacts_30d != policy.max_contacts_30d
            or count.max_contacts_180d != policy.max_contacts_180d):
        return None
    return count


def _write_counts(*, counted_at, policy, customer_ids=None):
    """INSERT … SELECT of the ContactCap rows as of `counted_at` (for these customers, or everyone), one statement
    per channel.

    Each contact's place counting back from the most recent (`back`: 1 for the latest) is a running sum over the
    customer's contacts in date order to the end, so the touchpoints' (channel, customer, occurred_at) index feeds
    it in order, with no sort (bench/bench_segments.py: 0.6 s per channel at 800,000 contacts). Contacts dated
    after `counted_at` (entered ahead) take no place and mark the row for a recheck."""
    m30, m180 = policy.max_contacts_30d, policy.max_contacts_180d
    since_30, since_180 = counted_at - datetime.timedelta(days=30), counted_at - datetime.timedelta(days=180)
    only, ids = "", []
    if customer_ids is not None:
        only, ids = f" AND t.customer_id IN ({', '.join(['%s'] * len(customer_ids))})", list(customer_ids)
    kept = "r.back = %s AND r.ahead = 0"
    for channel in CAPPED_CHANNELS:
        sql.execute(
            f"INSERT INTO {sql.table(ContactCap)} (customer_id, channel, nth_30d_at, nth_180d_at, recheck) "
            f"SELECT r.customer_id, %s, MAX(CASE WHEN {kept} THEN r.occurred_at END), "
            f"MAX(CASE WHEN {kept} THEN r.occurred_at END), MAX(r.ahead) = 1 "
            f"FROM (SELECT t.customer_id, t.occurred_at, CASE WHEN t.occurred_at > %s THEN 1 ELSE 0 END AS ahead, "
            f"SUM(CASE WHEN t.occurred_at > %s THEN 0 ELSE 1 END) OVER (PARTITION BY t.customer_id "
            f"ORDER BY t.occurred_at ROWS BETWEEN CURRENT ROW AND UNBOUNDED FOLLOWING) AS back "
            f"FROM {sql.table(Touchpoint)} t WHERE t.channel = %s AND t.occurred_at > %s{only}) r "
            f"WHERE r.back IN (%s, %s) OR r.ahead = 1 "
            f"GROUP BY r.customer_id "
            f"HAVING MAX(CASE WHEN {kept} AND r.occurred_at > %s THEN 1 ELSE 0 END) = 1 "
            f"OR MAX(CASE WHEN {kept} THEN 1 ELSE 0 END) = 1 OR MAX(r.ahead) = 1 "
            f"ON CONFLICT (customer_id, channel) DO UPDATE SET nth_30d_at = EXCLUDED.nth_30d_at, "
            f"nth_180d_at = EXCLUDED.nth_180d_at, recheck = EXCLUDED.recheck",
            [channel, m30, m180, counted_at, counted_at, channel, since_180, *ids, m30, m180, m30, since_30, m180])


def contact_caps_count(*, now=None, policy=None):
    """Count everyone's contacts anew; returns the ContactCapCount. Safe to run twice or concurrently."""
    policy = policy or ContactPolicy.current()
    with transaction.atomic():
        _lock()
        counted_at = now or timezone.now()
        sql.execute(f"DELETE FROM {sql.table(ContactCap)}")
        _write_counts(counted_at=counted_at, policy=policy)
        count, _created = ContactCapCount.objects.update_or_create(pk=1, defaults={
            "counted_at": counted_at, "max_contacts_30d": policy.max_contacts_30d,
            "max_contacts_180d": policy.max_contacts_180d})
    return count


def contact_caps_recount(*, customer_ids):
    """Count these customers' contacts again, as of the last count (their touchpoints were edited, deleted or moved
    by a merge). Nothing to do before the first count."""
    customer_ids = sorted({pk for pk in customer_ids if pk is not None})
    count = last_count()
    if count is None or not customer_ids:
        return
    policy = ContactPolicy(max_contacts_30d=count.max_contacts_30d, max_contacts_180d=count.max_contacts_180d)
    with transaction.atomic():
        ContactCap.objects.filter(customer_id__in=customer_ids).delete()
        _write_counts(counted_at=count.counted_at, policy=policy, customer_ids=customer_ids)


def contacted_since_count(*, count, channels=CAPPED_CHANNELS):
    """Touchpoints of these touchpoint channels written since the count (with its margin): their customers are
    counted again."""
    return Touchpoint.objects.filter(channel__in=channels, created_at__gt=count.counted_at - COUNT_MARGIN)


def caps_recount_due():
    """Whether so many contacts were written since the count that it should be taken again."""
    count = last_count()
    if count is None:
        return False
    return contacted_since_count(count=count).values("pk")[:RECOUNT_AFTER].count() >= RECOUNT_AFTER


def caps_recount_if_due():
    """Queue a new count (after commit) once RECOUNT_AFTER contacts were written since the last one."""
    from .tasks import contact_caps_count as task

    if caps_recount_due():
        transaction.on_commit(lambda: task.delay(only_if_due=True))


def touchpoint_changed(sender, instance, created=False, raw=False, **kwargs):
    """post_save / post_delete of a Touchpoint: an edited or deleted contact is counted again for its customer (a
    new one is found by created_at, see contacted_since_count)."""
    if created or raw:
        return
    contact_caps_recount(customer_ids=[instance.customer_id])


def recount_merged(*, customer_ids, as_of=None):
    """customers' merge (and its undo) moved touchpoints between these customers."""
    contact_caps_recount(customer_ids=customer_ids)


def connect():
    """From CampaignsConfig.ready(): the touchpoint signals, the merge rule and the nightly count."""
    from django.db.models.signals import post_delete, post_save

    from crm.dormancy.pipeline import register_step
    from customers.maintenance.merge_rules import RECOMPUTE, register_merge_rule

    post_save.connect(touchpoint_changed, sender=Touchpoint, dispatch_uid="contact_caps_touchpoint_saved")
    post_delete.connect(touchpoint_changed, sender=Touchpoint, dispatch_uid="contact_caps_touchpoint_deleted")
    register_merge_rule("campaigns.ContactCap", "customer", RECOMPUTE, recompute=recount_merged, after_undo=True)
    register_step(count_after_scan)


def count_after_scan(ctx):
    """The nightly scan's last step: the cap is counted anew once the scan has committed, in a transaction of its own
    (the count holds its lock for a second or two; the scan's transaction lasts minutes)."""
    from .tasks import contact_caps_count as task

    transaction.on_commit(lambda: task.delay())

