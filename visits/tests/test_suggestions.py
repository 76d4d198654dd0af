"""Suggested updates: the list maintainer accepts (applied through the customers services) or rejects in one click;
the worklist counts what waits."""
import pytest
from django.core.exceptions import ValidationError

from crm.permissions import Refused
from customers.models import Contact, Customer
from customers.worklist import worklist_source
from visits.models import UpdateSuggestion
from visits.suggestions import suggestion_accept, suggestion_create, suggestion_reject

from .support import customer

pytestmark = pytest.mark.django_db


def suggest(c, by, kind, value=""):
    return suggestion_create(customer=c, kind=kind, value=value, by=by)


class TestAccept:
    @pytest.mark.parametrize(("kind", "field", "value"), [
        ("phone", "phone", "03-2222-3333"), ("mobile", "mobile", "090-1234-5678"),
        ("email", "email", "info@example.jp"), ("address", "address", "川崎市川崎区2-2"),
        ("moved", "address", "千葉市中央区3-3"),
    ])
    def test_it_applies_the_new_value_to_the_customer(self, rep, maintainer, kind, field, value):
        c = customer(rep=rep, phone="03-1111-1111", address="横浜市中区1-1")
        decided = suggestion_accept(suggestion=suggest(c, rep, kind, value), by=maintainer)
        c.refresh_from_db()
        assert getattr(c, field) == value
        assert (decided.state, decided.decided_by) == ("accepted", maintainer)
        assert decided.decided_at is not None
        assert c.history.first().history_user == maintainer  # the customer's own history says who changed it

    def test_a_contact_person_is_added(self, rep, maintainer):
        c = customer(rep=rep)
        suggestion_accept(suggestion=suggest(c, rep, "contact_person", "佐々木 次郎"), by=maintainer)
        assert list(Contact.objects.filter(customer=c).values_list("name", flat=True)) == ["佐々木 次郎"]

    def test_business_closed_retires_the_customer(self, rep, maintainer):
        c = customer(rep=rep)
        suggestion_accept(suggestion=suggest(c, rep, "business_closed"), by=maintainer)
        assert Customer.objects.get(pk=c.pk).lifecycle == "retired"

    def test_it_is_decided_once(self, rep, maintainer):
        s = suggest(customer(rep=rep), rep, "phone", "03-2222-3333")
        suggestion_accept(suggestion=s, by=maintainer)
        with pytest.raises(ValidationError):
            suggestion_reject(suggestion=s, by=maintainer)
        assert UpdateSuggestion.objects.get().state == "accepted"

    def test_a_failed_change_leaves_the_suggestion_waiting(self, rep, maintainer):
        c = customer(rep=rep)
        s = suggest(c, rep, "business_closed")
        Customer.objects.filter(pk=c.pk).update(lifecycle="retired")
        with pytest.raises(ValidationError):
            suggestion_accept(suggestion=s, by=maintainer)
        assert UpdateSuggestion.objects.get().state == "pending"


class TestReject:
    def test_it_leaves_the_customer_as_it_is(self, rep, maintainer):
        c = customer(rep=rep, phone="03-1111-1111")
        decided = suggestion_reject(suggestion=suggest(c, rep, "phone", "03-9999-9999"), by=maintainer)
        c.refresh_from_db()
        assert (c.phone, decided.state, decided.decided_by) == ("03-1111-1111", "rejected", maintainer)


class TestRights:
    @pytest.mark.parametrize("who", ["rep", "manager"])
    def test_only_holders_of_edit_any_decide(self, request, rep, who):
        s = suggest(customer(rep=rep), rep, "phone", "03-2222-3333")
        for decide in (suggestion_accept, suggestion_reject):
            with pytest.raises(Refused):
                decide(suggestion=s, by=request.getfixturevalue(who))
        assert UpdateSuggestion.objects.get().state == "pending"

    def test_a_field_change_needs_a_value(self, rep):
        with pytest.raises(ValidationError):
            suggest(customer(rep=rep), rep, "phone", "  ")


class TestWorklist:
    def test_the_worklist_counts_customers_with_suggestions_and_those_reported_closed_or_moved(self, rep, maintainer):
        a, b, c = customer("甲", rep=rep), customer("乙", rep=rep), customer("丙", rep=rep)
        suggest(a, rep, "phone", "03-1")
        suggest(a, rep, "email", "a@example.jp")
        suggest(b, rep, "moved", "")
        done = suggest(c, rep, "business_closed")
        suggestion_reject(suggestion=done, by=maintainer)
        changes, closed = worklist_source("rep_suggestions"), worklist_source("reported_closed_or_moved")
        assert (changes.count_fn(), closed.count_fn()) == (1, 1)
        assert list(changes.queryset_fn()) == [a]
        assert list(closed.queryset_fn()) == [b]
