"""Unverified web inquiries: marked as such on the customer's card, queued for the list maintainer, who accepts one
(a touchpoint in the reviewer's name) or rejects it; a sales rep may not decide."""
import pytest
from django.urls import reverse

from customers.inquiry import review
from customers.models import Customer, Inquiry, Touchpoint

QUEUE = reverse("inquiry:review_queue")


@pytest.fixture
def customer(db):
    return Customer.objects.create(code="C0001", name="既存商事", email="taro@example.jp", phone="03-1111-2222")


@pytest.fixture
def inquiry(customer):
    return Inquiry.objects.create(
        name="山本 太郎", email="taro@example.jp", phone="", message="全注文をキャンセルしてください",
        customer=customer, matched_by=Inquiry.MatchedBy.EMAIL, state=Inquiry.State.UNVERIFIED,
        asked_for_email_consent=True,
    )  # fmt: skip


def decide(client, inquiry, decision, **extra):
    return client.post(reverse("inquiry:review_decide", args=[inquiry.pk]), {"decision": decision, **extra})


class TestOnTheCard:
    def test_it_is_marked_unverified_and_not_listed_as_a_touchpoint(self, client_for, rep, customer, inquiry, english):
        page = client_for(rep).get(customer.get_absolute_url()).content.decode()
        panel = page.split('data-testid="unverified-inquiries"', 1)[1].split("</section>", 1)[0]
        assert "Unverified web inquiry — not confirmed to be from this customer" in panel
        assert "全注文をキャンセルしてください" in panel and "taro@example.jp" in panel
        timeline = page.split('data-testid="touchpoint-list"', 1)[1].split("</ul>", 1)[0]
        assert "全注文をキャンセルしてください" not in timeline

    def test_a_rep_sees_it_without_the_review_buttons(self, client_for, rep, customer, inquiry):
        page = client_for(rep).get(customer.get_absolute_url()).content.decode()
        assert 'data-testid="unverified-inquiry"' in page and 'data-testid="inquiry-review-form"' not in page

    def test_a_maintainer_can_decide_from_the_card(self, client_for, maintainer, customer, inquiry):
        page = client_for(maintainer).get(customer.get_absolute_url()).content.decode()
        assert 'data-testid="inquiry-review-form"' in page

    def test_it_disappears_once_reviewed(self, client_for, maintainer, customer, inquiry):
        review.inquiry_reject(inquiry=inquiry, by=maintainer, reason="spam")
        assert 'data-testid="unverified-inquiries"' not in client_for(maintainer).get(customer.get_absolute_url()).content.decode()

    def test_it_follows_a_merge_to_the_surviving_record(self, client_for, rep, customer, inquiry):
        survivor = Customer.objects.create(code="C0002", name="存続商事")
        Customer.objects.filter(pk=customer.pk).update(merged_into=survivor)
        assert 'data-testid="unverified-inquiry"' in client_for(rep).get(survivor.get_absolute_url()).content.decode()


class TestTheQueue:
    def test_it_lists_unverified_inquiries_for_the_maintainer(self, client_for, maintainer, customer, inquiry):
        Inquiry.objects.create(name="別人", email="new@example.jp", message="新規", state=Inquiry.State.NEW_PROSPECT)
        response = client_for(maintainer).get(QUEUE)
        page = response.content.decode()
        assert response.status_code == 200 and page.count('data-testid="queued-inquiry"') == 1
        assert "全注文をキャンセルしてください" in page and customer.name in page and "新規" not in page

    def test_it_is_open_to_the_admin(self, client_for, admin_user, inquiry):
        assert client_for(admin_user).get(QUEUE).status_code == 200

    @pytest.mark.parametrize("role_user", ["rep", "manager"])
    def test_it_is_refused_to_other_roles(self, client_for, request, role_user, inquiry):
        assert client_for(request.getfixturevalue(role_user)).get(QUEUE).status_code == 403

    def test_it_is_linked_from_the_navigation_for_maintainers_only(self, client_for, maintainer, rep, db):
        assert f'href="{QUEUE}"' in client_for(maintainer).get(reverse("customers:list")).content.decode()
        assert f'href="{QUEUE}"' not in client_for(rep).get(reverse("customers:list")).content.decode()

    def test_it_keeps_queries_bounded(self, client_for, maintainer, customer, django_assert_max_num_queries):
        for i in range(10):
            Inquiry.objects.create(name=f"送信者{i}", email=f"s{i}@example.jp", message="m", customer=customer,
                                   state=Inquiry.State.UNVERIFIED, matched_by="email")  # fmt: skip
        client = client_for(maintainer)
        with django_assert_max_num_queries(8):
            assert client.get(QUEUE).status_code == 200


class TestDeciding:
    def test_accepting_records_a_touchpoint_by_the_reviewer(self, client_for, maintainer, customer, inquiry, english):
        response = decide(client_for(maintainer), inquiry, "accept")
        assert response.status_code == 302 and response["Location"] == QUEUE
        touchpoint = Touchpoint.objects.get()
        assert (touchpoint.customer, touchpoint.author, touchpoint.channel) == (customer, maintainer, "web")
        assert touchpoint.occurred_at == inquiry.created_at
        assert "web inquiry form" in touchpoint.summary and "全注文をキャンセルしてください" in touchpoint.summary
        inquiry.refresh_from_db()
        assert (inquiry.state, inquiry.reviewed_by, inquiry.touchpoint) == ("accepted", maintainer, touchpoint)
        assert inquiry.reviewed_at is not None

    def test_accepting_changes_no_field_or_consent_of_the_customer(self, client_for, maintainer, customer, inquiry):
        history = customer.history.count()
        decide(client_for(maintainer), inquiry, "accept")
        refreshed = Customer.objects.get(pk=customer.pk)
        assert not refreshed.has_email_consent and refreshed.history.count() == history

    @pytest.mark.parametrize("reason", ["spam", "not_this_customer"])
    def test_rejecting_records_nothing_on_the_customer(self, client_for, maintainer, inquiry, reason):
        decide(client_for(maintainer), inquiry, reason)
        inquiry.refresh_from_db()
        assert (inquiry.state, inquiry.rejection_reason, inquiry.reviewed_by) == ("rejected", reason, maintainer)
        assert not Touchpoint.objects.exists()

    def test_a_rep_may_not_decide(self, client_for, rep, inquiry):
        assert decide(client_for(rep), inquiry, "accept").status_code == 403
        inquiry.refresh_from_db()
        assert inquiry.state == "unverified" and not Touchpoint.objects.exists()

    def test_the_service_refuses_a_rep_too(self, rep, inquiry):
        from django.core.exceptions import PermissionDenied

        with pytest.raises(PermissionDenied):
            review.inquiry_accept(inquiry=inquiry, by=rep)

    def test_a_second_decision_changes_nothing(self, client_for, maintainer, admin_user, inquiry):
        decide(client_for(maintainer), inquiry, "accept")
        decide(client_for(admin_user), inquiry, "spam")
        inquiry.refresh_from_db()
        assert (inquiry.state, inquiry.reviewed_by) == ("accepted", maintainer) and Touchpoint.objects.count() == 1

    def test_an_unknown_decision_is_a_bad_request(self, client_for, maintainer, inquiry):
        assert decide(client_for(maintainer), inquiry, "delete").status_code == 400
        assert decide(client_for(maintainer), inquiry, "").status_code == 400

    def test_it_returns_to_the_card_but_never_off_site(self, client_for, maintainer, customer, inquiry):
        client = client_for(maintainer)
        card = customer.get_absolute_url()
        assert decide(client, inquiry, "spam", next=card)["Location"] == card
        other = Inquiry.objects.create(name="x", email="x@example.jp", message="m", customer=customer,
                                       state=Inquiry.State.UNVERIFIED)  # fmt: skip
        assert decide(client, other, "spam", next="https://evil.example/")["Location"] == QUEUE

    def test_a_new_prospects_inquiry_cannot_be_reviewed(self, maintainer, customer):
        created = Inquiry.objects.create(name="x", email="x@example.jp", message="m", customer=customer,
                                         state=Inquiry.State.NEW_PROSPECT)  # fmt: skip
        with pytest.raises(review.InquiryAlreadyReviewed):
            review.inquiry_accept(inquiry=created, by=maintainer)
        assert not Touchpoint.objects.exists()
