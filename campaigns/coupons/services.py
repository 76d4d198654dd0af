"""Coupon services: issue (for a campaign step, set-based; at order entry, one), redeem, expire, cancel.

Every state move is a conditional UPDATE from `issued`, so two cashiers redeeming one code, or the nightly expiry
racing a redemption, end with exactly one winner. A refusal is a CouponRefused (a ValidationError) whose message
says, in the user's language, why the code cannot be used.
"""
# ruff: noqa: S608 -- the issuing SQL is assembled from model table and column names; every value is a parameter.
import datetime
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from campaigns.models import Coupon, CouponOffer
from crm.permissions import require
from crm.sql import is_postgres, table, temp_table

from . import codes
from .codes import is_well_formed, new_code, normalize_code

ISSUE_RETRIES = 3  # a code collision (55 random bits) is all but impossible; retried rather than assumed away
ISSUE_STAGE = "mz_coupon_issue"  # temp table of (customer_id, code) for coupons_issue_for_step


class CouponRefused(ValidationError):
    """The code cannot be used for this purchase; `message` says why."""


@dataclass(frozen=True)
class PurchaseFacts:
    """What a redemption is checked against: the purchase line as entered or imported."""

    customer_id: int
    purchased_on: datetime.date
    product_id: int | None
    product_category: str
    quantity: object  # Decimal

    @classmethod
    def of(cls, purchase):
        product = purchase.product if purchase.product_id else None
        return cls(customer_id=purchase.customer_id, purchased_on=purchase.purchased_on,
                   product_id=purchase.product_id, product_category=product.category if product else "",
                   quantity=purchase.quantity)


def _day(value):
    return date_format(value, "Y-m-d")


def coupon_refusal(coupon, facts, *, code=""):
    """Why `coupon` (None: no coupon has the code) cannot be used for the purchase `facts`, or None when it can."""
    if coupon is None:
        if not is_well_formed(normalize_code(code)):
            return _("“%(code)s” is not a valid coupon code: please check it for a typing mistake.") % {"code": code}
        return _("No coupon has the code “%(code)s”.") % {"code": code}
    if coupon.customer_id != facts.customer_id:
        return _("Coupon %(code)s belongs to another customer.") % {"code": coupon.display_code}
    if coupon.state == Coupon.State.REDEEMED:
        if coupon.redeemed_on:
            return _("Coupon %(code)s was already used on %(date)s.") % {
                "code": coupon.display_code, "date": _day(coupon.redeemed_on)}
        return _("Coupon %(code)s was already used.") % {"code": coupon.display_code}
    if coupon.state == Coupon.State.CANCELLED:
        return _("Coupon %(code)s was cancelled.") % {"code": coupon.display_code}
    if coupon.state == Coupon.State.EXPIRED or facts.purchased_on > coupon.valid_until:
        return _("Coupon %(code)s expired on %(date)s.") % {"code": coupon.display_code, "date": _day(coupon.valid_until)}
    if facts.purchased_on < coupon.valid_from:
        return _("Coupon %(code)s is valid only from %(date)s.") % {
            "code": coupon.display_code, "date": _day(coupon.valid_from)}
    if coupon.product_id and facts.product_id != coupon.product_id:
        return _("Coupon %(code)s is only for %(product)s.") % {"code": coupon.display_code,
                                                               "product": coupon.product.name}
    if coupon.category and facts.product_category != coupon.category:
        return _("Coupon %(code)s is only for products of the category %(category)s.") % {
            "code": coupon.display_code, "category": coupon.category}
    if facts.quantity is None or facts.quantity < coupon.min_quantity:
        return _("Coupon %(code)s needs at least %(quantity)s at once.") % {
            "code": coupon.display_code, "quantity": f"{coupon.min_quantity:f}".rstrip("0").rstrip(".")}
    return None


def coupon_for_code(code):
    """The coupon a typed or imported code names, or None."""
    normalized = normalize_code(code)
    if not is_well_formed(normalized):
        return None
    return Coupon.objects.select_related("product").filter(code=normalized).first()


def coupon_check(*, code, facts):
    """Raise CouponRefused unless `code` may be used for the purchase `facts`; returns the coupon."""
    coupon = coupon_for_code(code)
    reason = coupon_refusal(coupon, facts, code=code)
    if reason:
        raise CouponRefused(reason, code="coupon")
    return coupon


@transaction.atomic
def coupon_redeem(*, code, purchase, by=None, now=None):
    """Record that `purchase` (a stored line) used the coupon `code`; refuses a used, expired, cancelled, foreign,
    not-yet-valid or not-matching code. `by` (when a person enters it) needs the purchase entry right."""
    if by is not None:
        require(by, "purchases.import")
    coupon = coupon_check(code=code, facts=PurchaseFacts.of(purchase))
    now = now or timezone.now()
    claimed = Coupon.objects.filter(pk=coupon.pk, state=Coupon.State.ISSUED).update(
        state=Coupon.State.REDEEMED, redeemed_purchase=purchase, redeemed_on=purchase.purchased_on, redeemed_at=now)
    if claimed != 1:  # someone redeemed or cancelled it since the check: say what happened
        coupon.refresh_from_db()
        raise CouponRefused(coupon_refusal(coupon, PurchaseFacts.of(purchase)) or _("The coupon cannot be used."),
                            code="coupon")
    coupon.refresh_from_db()
    return coupon


def _validity(offer, today):
    ends = [today + datetime.timedelta(days=offer.valid_days - 1)] if offer.valid_days else []
    if offer.valid_until:
        ends.append(offer.valid_until)
    return today, min(ends)


def _issue_insert_sql(values, step_id, round_):
    """INSERT … SELECT from the stage of (customer_id, code): the values every coupon of the call shares as
    parameters (cast on PostgreSQL, whose SELECT list would type them as text), pairs already issued left out, and
    ON CONFLICT DO NOTHING for what the NOT EXISTS cannot see — a concurrent run's uncommitted pair (waited for,
    then skipped) and a code already taken."""
    fields = [Coupon._meta.get_field(name) for name in values]
    columns = ", ".join(connection.ops.quote_name(f.column) for f in [
        Coupon._meta.get_field("code"), Coupon._meta.get_field("customer"), *fields])
    cast = (lambda f: f"CAST(%s AS {f.db_type(connection)})") if is_postgres() else (lambda f: "%s")
    params = [f.get_db_prep_save(value, connection) for f, value in zip(fields, values.values(), strict=True)]
    sql = (f"INSERT INTO {table(Coupon)} ({columns}) "
           f"SELECT s.code, s.customer_id, {', '.join(cast(f) for f in fields)} FROM {ISSUE_STAGE} s "
           f"WHERE NOT EXISTS (SELECT 1 FROM {table(Coupon)} c WHERE c.step_id = %s AND c.round = %s "
           f"AND c.customer_id = s.customer_id) "
           "ON CONFLICT DO NOTHING")
    return sql, [*params, step_id, round_]


@transaction.atomic
def coupons_issue_for_step(*, step, customer_ids, round=1, by=None, today=None, now=None):
    """Issue the step's coupon to each of `customer_ids` that has none for the step yet in `round` of his enrolment
    (a playbook's later round gets a coupon of its own); returns how many were new.

    Set-based: the (customer, fresh code) pairs go into a temp table (COPY on PostgreSQL, executemany on SQLite,
    through the purchase import's staging.load_rows), then one INSERT … SELECT … ON CONFLICT DO NOTHING writes the
    coupons, skipping the pairs already issued — so running it again (the nightly pipeline, a retried delivery)
    gives nobody a second coupon. Rows skipped for a code already taken are drawn again, only they. All in one
    transaction: a failure leaves nothing issued. `by` is a person launching it by hand (needs campaigns.manage);
    the pipeline passes none.
    """
    from customers.purchases.staging import Dialect, drop_tables, load_rows

    if by is not None:
        require(by, "campaigns.manage", step.campaign)
    offer = CouponOffer.objects.get(step=step)
    today = today or timezone.localdate()
    valid_from, valid_until = _validity(offer, today)
    values = {"source": Coupon.Source.CAMPAIGN, "campaign": step.campaign_id, "step": step.pk, "round": round,
              "valid_from": valid_from, "valid_until": valid_until, "state": Coupon.State.ISSUED,
              "issued_at": now or timezone.now(), "issued_by": by.pk if by is not None else None,
              "product": offer.product_id, "category": offer.category, "min_quantity": offer.min_quantity,
              "discount_kind": offer.discount_kind, "discount_value": offer.discount_value}
    insert_sql, insert_params = _issue_insert_sql(values, step.pk, round)
    pending = sorted(set(customer_ids))
    created = 0
    with connection.cursor() as cursor:
        drop_tables(cursor, [ISSUE_STAGE])  # left by an earlier call in the same transaction
        # Same column types as the coupon table's.
        cursor.execute(temp_table(ISSUE_STAGE, f"SELECT customer_id, code FROM {table(Coupon)} WHERE 1 = 0"))
        for _attempt in range(ISSUE_RETRIES):
            if not pending:
                break
            cursor.execute(f"DELETE FROM {ISSUE_STAGE}")
            load_rows(cursor, Dialect(connection.vendor), ISSUE_STAGE, ("customer_id", "code"),
                      list(zip(pending, codes.new_codes(len(pending)), strict=True)))
            cursor.execute(insert_sql, insert_params)
            created += cursor.rowcount
            if cursor.rowcount == len(pending):
                pending = []
                break
            # Some rows were skipped: pairs issued before (a re-run), or by a concurrent run, or (once in an age)
            # a code already taken. Only the customers still without the step's coupon are drawn again.
            cursor.execute(f"SELECT s.customer_id FROM {ISSUE_STAGE} s WHERE NOT EXISTS (SELECT 1 FROM "
                           f"{table(Coupon)} c WHERE c.step_id = %s AND c.round = %s "
                           f"AND c.customer_id = s.customer_id) ORDER BY 1",
                           [step.pk, round])
            pending = [customer_id for (customer_id,) in cursor.fetchall()]
        drop_tables(cursor, [ISSUE_STAGE])
    if pending:  # three draws in a row that all collide: the generator is broken, not unlucky
        raise IntegrityError(f"coupon codes for {len(pending)} customers collided {ISSUE_RETRIES} times")
    return created


def coupon_issue_at_order_entry(*, customer, by, today=None, now=None):
    """Issue the customer's order-entry coupon (campaigns.coupons.proposal decides what it offers); returns it.

    A customer has at most one open order-entry coupon: a second click returns the one already issued.
    """
    from .proposal import order_entry_proposal

    require(by, "coupons.issue", customer)
    today = today or timezone.localdate()
    # A coupon past its last day that the nightly scan has not marked yet no longer blocks a new one.
    Coupon.objects.filter(customer=customer, state=Coupon.State.ISSUED, valid_until__lt=today).update(
        state=Coupon.State.EXPIRED)
    open_coupon = _open_order_entry_coupon(customer)
    if open_coupon is not None:
        return open_coupon
    proposal = order_entry_proposal(customer=customer, today=today)
    if proposal is None:
        raise CouponRefused(_("This customer has no regular buying pattern, so there is no coupon to propose."),
                            code="no_pattern")
    try:
        with transaction.atomic():
            return Coupon.objects.create(
                code=new_code(), source=Coupon.Source.ORDER_ENTRY, customer=customer,
                product_id=proposal.product_id, category="", min_quantity=proposal.min_quantity,
                discount_kind=proposal.discount_kind, discount_value=proposal.discount_value,
                valid_from=today, valid_until=proposal.valid_until, issued_at=now or timezone.now(), issued_by=by)
    except IntegrityError:
        # Another click got there first (the open-coupon constraint), or a code collision: return what exists.
        open_coupon = _open_order_entry_coupon(customer)
        if open_coupon is None:
            raise
        return open_coupon


def _open_order_entry_coupon(customer):
    return Coupon.objects.filter(customer=customer, source=Coupon.Source.ORDER_ENTRY,
                                 state=Coupon.State.ISSUED).first()


@transaction.atomic
def coupon_cancel(*, coupon, by, now=None):
    """issued → cancelled (a coupon handed out by mistake); returns whether it moved."""
    require(by, "coupons.issue", coupon.customer)
    return bool(Coupon.objects.filter(pk=coupon.pk, state=Coupon.State.ISSUED)
                .update(state=Coupon.State.CANCELLED, cancelled_at=now or timezone.now()))


def coupons_expire(*, today):
    """issued → expired for every coupon whose last valid day is before `today`: one UPDATE. Returns the count."""
    return Coupon.objects.filter(state=Coupon.State.ISSUED, valid_until__lt=today).update(state=Coupon.State.EXPIRED)


def expire_coupons_step(ctx):
    """The nightly scan's step (registered from CampaignsConfig.ready)."""
    ctx.counts["coupons_expired"] = coupons_expire(today=ctx.as_of)



@transaction.atomic
def coupon_offer_save(*, step, by, offer):
    """Create or change the step's offer (a validated CouponOffer from the form). Coupons already issued keep the
    offer they were issued with; the change applies to the next ones."""
    require(by, "campaigns.manage", step.campaign)
    offer.step = step
    offer.full_clean()
    offer.save()
    return offer


@transaction.atomic
def coupons_issue_for_campaign_step(*, step, by, today=None):
    """Issue the step's coupon to every target of its campaign outside the control group, each for his latest round
    (a manager's button on a launched campaign; delivery and the sequences call coupons_issue_for_step with their
    own customers). One issue per round, not per customer."""
    from django.db.models import Max

    from campaigns.models import CampaignTarget

    require(by, "campaigns.manage", step.campaign)
    latest = (CampaignTarget.objects.filter(campaign_id=step.campaign_id, in_control_group=False)
              .values("customer_id").annotate(latest=Max("round")).order_by().values_list("customer_id", "latest"))
    by_round = {}
    for customer_id, round_ in latest:
        by_round.setdefault(round_, []).append(customer_id)
    return sum(coupons_issue_for_step(step=step, customer_ids=customer_ids, round=round_, by=by, today=today)
               for round_, customer_ids in sorted(by_round.items()))
