"""Feedback requests: the product playbook's "may we ask your opinion?" step.

The letter or e-mail carries a signed link (`feedback_url(customer_id=…, step_id=…, round=…)`, the merge field
{{ feedback_url }}) to a short public form — no login: the signature (django.core.signing, a salt of its own,
FEEDBACK_LINK_DAYS valid) is the proof that Mezame sent it to this customer for this step. A tampered or expired
link is refused with a page that says so.

An answer is recorded once per (customer, step, round) (`feedback_answer_record`; the round of the customer's
enrolment the request was sent in: a playbook's second round asks again, and a link of round 1 stays answered):
the FeedbackResponse, a Touchpoint on the customer's timeline, the confirmed reason (crm.dormancy
confirmed_reason_record, by=None, source "feedback": the one caller allowed without a user, because the link was
verified) and a follow-up task for the rep.
"""
import datetime

from django.core import signing
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.dormancy.models import ConfirmedReason
from crm.dormancy.services import confirmed_reason_record
from customers.models import Customer, Touchpoint

from .models import CampaignStep, FeedbackResponse

SIGNING_SALT = "mezame.campaigns.feedback-request"
FEEDBACK_LINK_DAYS = 60
FOLLOW_UP_DAYS = 3


class InvalidFeedbackLink(Exception):
    def __init__(self, *, expired=False):
        super().__init__("expired" if expired else "invalid")
        self.expired = expired


class AlreadyAnswered(Exception):
    pass


def feedback_token(*, customer_id, step_id, round=1):
    data = {"c": customer_id, "s": step_id}
    if round != 1:  # links of round 1 keep the shape they had before rounds existed
        data["r"] = round
    return signing.dumps(data, salt=SIGNING_SALT, compress=True)


def feedback_url(*, customer_id, step_id, round=1):
    """The path of the customer's form (delivery prefixes the site's address)."""
    return reverse("campaigns:feedback", args=[feedback_token(customer_id=customer_id, step_id=step_id, round=round)])


def feedback_request_for_token(token):
    """(customer, step, round) of a valid, unexpired token; InvalidFeedbackLink otherwise (also when either is
    gone)."""
    try:
        data = signing.loads(token, salt=SIGNING_SALT, max_age=datetime.timedelta(days=FEEDBACK_LINK_DAYS))
    except signing.SignatureExpired:
        raise InvalidFeedbackLink(expired=True) from None
    except signing.BadSignature:
        raise InvalidFeedbackLink() from None
    try:
        customer = Customer.objects.get(pk=data["c"])
        step = CampaignStep.objects.select_related("campaign").get(pk=data["s"])
        round_ = int(data.get("r", 1))
    except (Customer.DoesNotExist, CampaignStep.DoesNotExist, KeyError, TypeError, ValueError):
        raise InvalidFeedbackLink() from None
    return customer, step, round_


def is_answered(*, customer, step, round=1):
    return FeedbackResponse.objects.filter(customer=customer, step=step, round=round).exists()


def rep_follow_up_task_create(*, customer, response, today):
    """A call for the customer's rep about the answer (visits' task; an open reactivation task gets the note)."""
    from visits import services as visit_services
    from visits.models import Purpose, VisitTask

    note = _("Feedback from the customer: %(reason)s. %(comment)s") % {
        "reason": response.get_reason_display(), "comment": response.comment}
    if customer.assigned_rep_id is None:
        return None  # nobody to call back: the answer is on the timeline and the maintainer's worklist
    task, _created = visit_services.visit_task_request(
        customer=customer, kind=VisitTask.Kind.PHONE,
        purpose=Purpose.REACTIVATION, due_on=today + datetime.timedelta(days=FOLLOW_UP_DAYS),
        source=VisitTask.Source.CAMPAIGN, note=note.strip(), reason=response.reason)
    return task


def feedback_answer_record(*, customer, step, reason, round=1, comment="", wants_call=False, now=None):
    """Record the customer's answer once per round; AlreadyAnswered if this link was answered before."""
    now = now or timezone.now()
    if reason not in ConfirmedReason.Reason.values:
        raise ValueError(f"unknown reason {reason!r}")
    try:
        with transaction.atomic():
            response = FeedbackResponse.objects.create(
                customer=customer, campaign=step.campaign, step=step, round=round, reason=reason,
                comment=comment[:2000],
                wants_call=wants_call, answered_at=now)
            summary = _("Feedback form: %(reason)s") % {"reason": response.get_reason_display()}
            if comment:
                summary = f"{summary}\n{comment[:2000]}"
            if wants_call:
                summary = f"{summary}\n{_('The customer would like a call.')}"
            response.touchpoint = Touchpoint.objects.create(
                customer=customer, occurred_at=now, department=Touchpoint.Department.SALES,
                channel=Touchpoint.Channel.WEB, summary=summary)
            response.save(update_fields=["touchpoint"])
            confirmed_reason_record(customer=customer, reason=reason, by=None,
                                    source=ConfirmedReason.Source.FEEDBACK, note=comment[:2000], now=now)
            rep_follow_up_task_create(customer=customer, response=response, today=timezone.localdate(now))
    except IntegrityError:
        if is_answered(customer=customer, step=step, round=round):
            raise AlreadyAnswered() from None
        raise
    return response


def feedback_fields_for(step, customer_ids, round=1):
    """Merge field {{ feedback_url }}: each customer's own signed link (for his `round` of the enrolment), made only
    for a step whose text uses it (signing costs a little per customer; a newsletter without the field should not
    pay it)."""
    from .delivery.conf import site_url

    if "feedback_url" not in f"{step.subject} {step.body}":
        return {}
    base = site_url()
    return {pk: {"feedback_url": base + feedback_url(customer_id=pk, step_id=step.pk, round=round)}
            for pk in customer_ids}
