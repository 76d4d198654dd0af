"""The list-maintenance screens: merge wizard and undo, worklist and its bulk actions, retirement from the card,
deletion requests; each checks its right and changes the database through the services."""
import pytest
from django.urls import reverse

from crm.roles import Role
from customers.models import Customer, CustomerMerge, DeletionRequest, Tag
from customers.tests.factories import CustomerFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    return CustomerFactory(name="北斗精機株式会社", phone=""), CustomerFactory(name="北斗精器(株)", phone="03-1234-5678")


class TestMergeWizard:
    def test_it_shows_both_values_of_each_field(self, client_for, maintainer, pair):
        survivor, duplicate = pair
        page = client_for(maintainer).get(reverse("customers:merge_wizard"),
                                          {"survivor": survivor.pk, "duplicate": duplicate.pk})
        assert page.status_code == 200
        html = page.content.decode()
        assert "北斗精機株式会社" in html and "北斗精器(株)" in html
        assert 'value="duplicate" checked data-testid="choice-phone-duplicate"' in html  # the survivor has none

    def test_it_merges_with_the_chosen_values_and_undoes(self, client_for, maintainer, pair):
        survivor, duplicate = pair
        client = client_for(maintainer)
        response = client.post(reverse("customers:merge_wizard"), {
            "survivor": survivor.pk, "duplicate": duplicate.pk, "choice_name": "duplicate"})
        merge = CustomerMerge.objects.get()
        assert response.status_code == 302 and response.url == reverse("customers:merge_detail", args=[merge.pk])
        assert Customer.objects.get(pk=survivor.pk).name == "北斗精器(株)"
        assert Customer.objects.get(pk=duplicate.pk).merged_into_id == survivor.pk
        client.post(reverse("customers:merge_undo", args=[merge.pk]))
        assert Customer.objects.get(pk=survivor.pk).name == "北斗精機株式会社"
        assert Customer.objects.get(pk=duplicate.pk).merged_into_id is None

    def test_it_lets_the_card_pick_the_other_record(self, client_for, maintainer, pair):
        survivor, duplicate = pair
        page = client_for(maintainer).get(reverse("customers:merge_wizard"), {"survivor": survivor.pk, "q": "北斗"})
        assert f'data-code="{duplicate.code}"' in page.content.decode()

    @pytest.mark.parametrize("role", [Role.SALES_REP, Role.MANAGER])
    def test_other_roles_are_refused(self, client_for, users_by_role, pair, role):
        survivor, duplicate = pair
        client = client_for(users_by_role[role])
        assert client.get(reverse("customers:merge_wizard"), {"survivor": survivor.pk}).status_code == 403
        response = client.post(reverse("customers:merge_wizard"), {"survivor": survivor.pk, "duplicate": duplicate.pk})
        assert response.status_code == 403
        assert not CustomerMerge.objects.exists()


class TestWorklistPage:
    def test_it_lists_counts_and_rows(self, client_for, maintainer):
        CustomerFactory(name="電話なし商店", phone="", mobile="")
        page = client_for(maintainer).get(reverse("customers:worklist"), {"list": "missing_phone"})
        html = page.content.decode()
        assert page.status_code == 200 and "電話なし商店" in html
        assert 'data-testid="list-completeness-score"' in html

    def test_bulk_retire_and_tag(self, client_for, maintainer):
        a, b = CustomerFactory(phone="", mobile=""), CustomerFactory(phone="", mobile="")
        client = client_for(maintainer)
        url = reverse("customers:worklist_bulk") + "?list=missing_phone"
        tag = Tag.objects.create(name="要電話確認")
        client.post(url, {"action": "add_tag", "tag": tag.pk, "scope": "all"})
        assert set(tag.customers.values_list("pk", flat=True)) == {a.pk, b.pk}
        client.post(url, {"action": "retire", "scope": "selected", "ids": [a.pk], "reason": "閉店"})
        assert Customer.objects.get(pk=a.pk).lifecycle == "retired"
        assert Customer.objects.get(pk=b.pk).lifecycle != "retired"

    def test_a_rep_is_refused(self, client_for, rep):
        assert client_for(rep).get(reverse("customers:worklist")).status_code == 403


class TestCard:
    def test_the_card_offers_the_maintainers_actions(self, client_for, maintainer):
        customer = CustomerFactory()
        html = client_for(maintainer).get(customer.get_absolute_url()).content.decode()
        for testid in ("card-merge-with", "card-retire", "card-deletion", "card-completeness"):
            assert f'data-testid="{testid}"' in html

    def test_a_rep_sees_no_actions(self, client_for, rep):
        customer = CustomerFactory(assigned_rep=rep)
        html = client_for(rep).get(customer.get_absolute_url()).content.decode()
        assert 'data-testid="card-completeness"' in html
        assert 'data-testid="card-retire"' not in html and 'data-testid="card-merge-with"' not in html

    def test_retire_and_bring_back_from_the_card(self, client_for, maintainer):
        customer = CustomerFactory(lifecycle=Customer.Lifecycle.PROSPECT)
        client = client_for(maintainer)
        client.post(reverse("customers:retire", args=[customer.pk]), {"reason": "移転"})
        assert Customer.objects.get(pk=customer.pk).lifecycle == "retired"
        assert 'data-testid="card-retirement"' in client.get(customer.get_absolute_url()).content.decode()
        client.post(reverse("customers:unretire", args=[customer.pk]))
        assert Customer.objects.get(pk=customer.pk).lifecycle == "prospect"

    def test_a_rep_cannot_retire(self, client_for, rep):
        customer = CustomerFactory(assigned_rep=rep)
        assert client_for(rep).post(reverse("customers:retire", args=[customer.pk])).status_code == 403


class TestDeletionRequestPages:
    def test_receive_then_execute(self, client_for, maintainer):
        customer = CustomerFactory(name="山田太郎")
        client = client_for(maintainer)
        client.post(reverse("customers:deletion_new", args=[customer.pk]),
                    {"requested_by": "本人", "requested_on": "2026-11-01", "channel": "電話"})
        deletion = DeletionRequest.objects.get()
        client.post(reverse("customers:deletion_detail", args=[deletion.pk]), {"action": "execute"})
        deletion.refresh_from_db()
        assert deletion.state == "executed"
        assert "山田太郎" not in Customer.objects.get(pk=customer.pk).name
        assert 'data-testid="deletion-log"' in client.get(
            reverse("customers:deletion_detail", args=[deletion.pk])).content.decode()

    def test_a_manager_is_refused(self, client_for, manager):
        customer = CustomerFactory()
        assert client_for(manager).get(reverse("customers:deletion_new", args=[customer.pk])).status_code == 403
