"""Services of field sales: handing out tasks, skipping them, and logging a visit or call.

Each checks the permission layer on the rows as stored (crm/permissions.py): a rep works only his own tasks and logs
only to his own accounts (`visits.log` on the customer, `visits.work_task` on the task); managers assign.
"""
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from crm.dormancy import services as dormancy_services
from crm.dormancy.models import ConfirmedReason, CustomerDormancy
from crm.permissions import require
from customers.models import Contact, Customer, Touchpoint
from customers.services import contact_save, touchpoint_add

from .models import Outcome, Purpose, UpdateSuggestion, VisitLog, VisitTask
from .suggestions import suggestion_create

# A closed/moved customer goes to the list maintainer as a suggestion, never changed silently by the rep.
OUTCOME_SUGGESTIONS = {
    Outcome.BUSINESS_CLOSED: UpdateSuggestion.Kind.BUSINESS_CLOSED,
    Outcome.MOVED: UpdateSuggestion.Kind.MOVED,
}


def _open_task(*, customer, assigned_to, kind, purpose, due_on, source, note="", priority=None, reason="", by=None):
    """Create an open task, or, when the customer already has one for this purpose (the partial unique constraint),
    bring that one forward: (task, created)."""
    try:
        with transaction.atomic():
            return VisitTask.objects.create(
                customer=customer, assigned_to=assigned_to, kind=kind, purpose=purpose, due_on=due_on, source=source,
                note=note, priority=priority, reason=reason, created_by=by,
            ), True
    except IntegrityError:
        existing = VisitTask.objects.select_for_update().get(customer=customer, purpose=purpose,
                                                             state=VisitTask.State.OPEN)
        fields = []
        if due_on < existing.due_on:
            existing.due_on = due_on
            fields.append("due_on")
        if note and note not in existing.note:
            existing.note = f"{existing.note}\n{note}".strip()
            fields.append("note")
        if fields:
            existing.save(update_fields=fields)
        return existing, False


@transaction.atomic
def visit_task_request(*, customer, kind, purpose, due_on, source, note="", reason="", by=None):
    """A call or visit another part of the product asks for (a feedback answer, a click on a newsletter): for the
    customer's rep (or `by` when the customer has none), one open task per customer and purpose — an open one is
    brought forward and gets the note. `by`: the user who asked (checked: his own accounts for a rep); None when
    the system asks. Returns (task, created)."""
    stored = Customer.objects.select_related("assigned_rep").get(pk=customer.pk)
    if by is not None:
        require(by, "customers.edit", stored)
    assigned_to = stored.assigned_rep or by
    if assigned_to is None:
        raise ValidationError(_("This customer has no rep to give the task to."))
    dormancy = _dormancy(stored.pk)
    return _open_task(customer=stored, assigned_to=assigned_to, kind=kind, purpose=purpose, due_on=due_on,
                      source=source, note=note, priority=dormancy.get("priority_score"),
                      reason=reason or dormancy.get("reason") or "", by=by)


def _dormancy(customer_id):
    return CustomerDormancy.objects.filter(customer_id=customer_id).values("priority_score", "reason").first() or {}


@transaction.atomic
def visit_task_assign(*, customer, assigned_to, kind, purpose, due_on, note="", by):
    """A manager hands a call or visit to a rep. An open task of the same purpose is moved to that rep instead of
    a second one being made."""
    require(by, "visits.assign")
    stored = Customer.objects.get(pk=customer.pk)
    dormancy = _dormancy(stored.pk)
    task, created = _open_task(
        customer=stored, assigned_to=assigned_to, kind=kind, purpose=purpose, due_on=due_on,
        source=VisitTask.Source.MANUAL, note=note, priority=dormancy.get("priority_score"),
        reason=dormancy.get("reason") or "", by=by,
    )
    if not created and task.assigned_to_id != assigned_to.pk:
        task.assigned_to = assigned_to
        task.save(update_fields=["assigned_to"])
    return task


@transaction.atomic
def visit_task_skip(*, task, reason, by):
    """Close a task without a visit, saying why (moved by a conditional update: skipping twice is refused)."""
    stored = VisitTask.objects.select_for_update().get(pk=task.pk)
    require(by, "visits.work_task", stored)
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Say why the task is skipped.")})
    moved = VisitTask.objects.filter(pk=stored.pk, state=VisitTask.State.OPEN).update(
        state=VisitTask.State.SKIPPED, skip_reason=reason[:300], closed_at=timezone.now())
    if moved != 1:
        raise ValidationError(_("This task is already closed."))
    if stored.step_execution_id:
        from campaigns.services import step_execution_skip

        step_execution_skip(execution_id=stored.step_execution_id, reason="task_skipped")
    stored.refresh_from_db()
    return stored


def _summary(*, purpose, outcome, contact, notes, next_action, next_action_on):
    """The touchpoint's text: what the customer's timeline shows of the visit."""
    parts = [f"[{Purpose(purpose).label} → {Outcome(outcome).label}]"]
    if contact is not None:
        parts.append(_("Met: %(name)s") % {"name": contact.name})
    if notes:
        parts.append(notes.strip())
    if next_action:
        parts.append(_("Next: %(action)s (%(date)s)") % {
            "action": next_action, "date": next_action_on.isoformat() if next_action_on else "-"})
    return "\n".join(parts)


@transaction.atomic
def visit_log_record(*, customer, by, channel, purpose, outcome, visited_at=None, task=None, contact=None,
                     new_contact_name="", new_contact_title="", notes="", next_action="", next_action_on=None,
                     confirmed_reason="", reason_note="", new_phone="", new_email="", new_address=""):
    """Log a visit or call: a Touchpoint on the customer's timeline plus its VisitLog; the task it answers is done,
    the next action becomes a task, a closed/moved customer and any new phone, e-mail or address become suggestions
    for the list maintainer, and a reason the customer gave is recorded as the confirmed reason."""
    stored = Customer.objects.select_for_update().get(pk=customer.pk)
    require(by, "visits.log", stored)
    stored_task = None
    if task is not None:
        stored_task = VisitTask.objects.select_for_update().get(pk=task.pk)
        require(by, "visits.work_task", stored_task)
        if stored_task.customer_id != stored.pk:
            raise ValidationError(_("This task is for another customer."))
    if contact is not None and contact.customer_id != stored.pk:
        raise ValidationError({"contact": _("This contact belongs to another customer.")})
    if next_action_on is not None and not next_action.strip():
        raise ValidationError({"next_action": _("Say what the next action is.")})
    visited_at = visited_at or timezone.now()
    if new_contact_name.strip():
        contact = contact_save(contact=Contact(customer=stored, name=new_contact_name.strip(),
                                               title=new_contact_title.strip()), by=by)
    touchpoint = touchpoint_add(
        customer=stored, by=by, department=Touchpoint.Department.SALES, channel=channel, occurred_at=visited_at,
        summary=_summary(purpose=purpose, outcome=outcome, contact=contact, notes=notes, next_action=next_action,
                         next_action_on=next_action_on),
    )
    dormancy = _dormancy(stored.pk)
    log = VisitLog.objects.create(
        touchpoint=touchpoint, customer=stored, rep=by, visited_at=visited_at, channel=channel, contact=contact,
        purpose=purpose, outcome=outcome, notes=notes.strip(), next_action=next_action.strip(),
        next_action_on=next_action_on, task=stored_task, inferred_reason=dormancy.get("reason") or "",
        confirmed_reason=confirmed_reason,
    )
    if stored_task is not None:
        VisitTask.objects.filter(pk=stored_task.pk, state=VisitTask.State.OPEN).update(
            state=VisitTask.State.DONE, closed_at=timezone.now())
        if stored_task.step_execution_id is not None:
            _campaign_contact_record(execution_id=stored_task.step_execution_id, touchpoint=touchpoint)
    if next_action_on is not None:
        log.next_task, _created = _open_task(
            customer=stored, assigned_to=stored.assigned_rep or by, kind=channel, purpose=purpose,
            due_on=next_action_on, source=VisitTask.Source.NEXT_ACTION, note=next_action.strip(),
            priority=dormancy.get("priority_score"), reason=dormancy.get("reason") or "", by=by,
        )
        log.save(update_fields=["next_task"])
    _suggest_from_log(log=log, outcome=outcome, notes=notes, new_phone=new_phone, new_email=new_email,
                      new_address=new_address, by=by)
    if confirmed_reason:
        source = ConfirmedReason.Source.VISIT if channel == VisitTask.Kind.VISIT else ConfirmedReason.Source.CALL
        dormancy_services.confirmed_reason_record(
            customer=stored, reason=confirmed_reason, note=reason_note.strip(), by=by, source=source)
    return log


def _campaign_contact_record(*, execution_id, touchpoint):
    """A task a campaign step asked for was done: campaigns records the visit's touchpoint as the step's contact."""
    from campaigns.services import step_contact_link

    step_contact_link(execution_id=execution_id, touchpoint=touchpoint)


def _suggest_from_log(*, log, outcome, notes, new_phone, new_email, new_address, by):
    kind = OUTCOME_SUGGESTIONS.get(outcome)
    if kind is not None:
        value = new_address if kind == UpdateSuggestion.Kind.MOVED else ""
        suggestion_create(customer=log.customer, kind=kind, value=value, note=notes[:300], by=by, visit_log=log)
        if kind == UpdateSuggestion.Kind.MOVED:
            new_address = ""
    if outcome == Outcome.CONTACT_LEFT and log.contact_id is None:
        suggestion_create(customer=log.customer, kind=UpdateSuggestion.Kind.CONTACT_PERSON, value="",
                          note=notes[:300], by=by, visit_log=log)
    for kind, value in ((UpdateSuggestion.Kind.PHONE, new_phone), (UpdateSuggestion.Kind.EMAIL, new_email),
                        (UpdateSuggestion.Kind.ADDRESS, new_address)):
        if value.strip():
            suggestion_create(customer=log.customer, kind=kind, value=value, by=by, visit_log=log)
