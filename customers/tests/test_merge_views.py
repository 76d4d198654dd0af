"""The list-maintenance screens: merge wizard and undo, worklist and its bulk actions, retirement from the card,
deletion requests; each checks its right and changes the database through the services."""
import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from crm.roles import Role
from customers.models import Customer, CustomerMerge, DeletionRequest, Tag
from customers.purchases.summary import refresh_purchase_summaries
from customers.tests.factories import ContactFactory, CustomerFactory, PurchaseFactory, TouchpointFactory

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


def _error_messages(html):
    return [re.sub(r"\s+", " ", m).strip() for m in re.findall(r'class="alert alert-danger[^"]*"[^>]*>(.*?)<', html, re.S)]


class TestMergeRefusals:
    """Why a merge or an undo is refused is said in the reader's language."""

    def test_merging_a_record_into_itself_is_refused_in_japanese(self, client_for, maintainer, pair):
        survivor, _duplicate = pair
        page = client_for(maintainer).post(reverse("customers:merge_wizard"),
                                           {"survivor": survivor.pk, "duplicate": survivor.pk})
        assert _error_messages(page.content.decode()) == ["統合できませんでした: 同じ顧客どうしは統合できません。"]
        assert not CustomerMerge.objects.exists()

    @staticmethod
    def _undo_twice(client, pair):
        client.post(reverse("customers:merge_wizard"), {"survivor": pair[0].pk, "duplicate": pair[1].pk})
        undo = reverse("customers:merge_undo", args=[CustomerMerge.objects.get().pk])
        client.post(undo)
        return _error_messages(client.get(client.post(undo).url).content.decode())

    def test_undoing_twice_is_refused_in_japanese(self, client_for, maintainer, pair):
        assert self._undo_twice(client_for(maintainer), pair) == [
            "統合を取り消せませんでした: この統合はすでに取り消されています。"]

    def test_undoing_twice_is_refused_in_english(self, client_for, maintainer, pair, english):
        assert self._undo_twice(client_for(maintainer), pair) == [
            "The merge could not be undone: This merge has already been undone."]


def _with_related_rows(survivor, duplicate):
    """Give the duplicate rows of the kinds a maintainer meets most: tags, purchases and their summary, contacts
    (with their history), touchpoints, a visit task."""
    from visits.models import VisitTask

    duplicate.tags.add(Tag.objects.create(name="展示会2025"))
    ContactFactory(customer=duplicate)
    TouchpointFactory(customer=duplicate)
    today = timezone.localdate()
    for days in (30, 400):
        PurchaseFactory(customer=duplicate, purchased_on=today - datetime.timedelta(days=days))
    refresh_purchase_summaries(as_of=today)
    VisitTask.objects.create(customer=duplicate, due_on=today)


def _moves_labels(html):
    """The kinds of row listed under "What moves to the surviving record" on the wizard."""
    block = re.search(r'data-testid="merge-moves">(.*?)</ul>', html, re.S).group(1)
    return re.findall(r"<li>(.*?): \d+", block)


def _handled_labels(html):
    """The first column of the merge page's "Rows handled" table."""
    block = re.search(r'data-testid="merge-moved">.*?<tbody>(.*?)</tbody>', html, re.S).group(1)
    return re.findall(r"<tr><td>(.*?)</td>", block)


RAW_NAME = re.compile(r"customer[-_]tag|Historical|historical|\w+\.\w+|relationship|の関連")


class TestMergeLabels:
    """Each kind of related row is named as users know it, in their language, never by its model's name."""

    def _pages(self, client, survivor, duplicate):
        wizard = client.get(reverse("customers:merge_wizard"), {"survivor": survivor.pk, "duplicate": duplicate.pk})
        client.post(reverse("customers:merge_wizard"), {"survivor": survivor.pk, "duplicate": duplicate.pk})
        detail = client.get(reverse("customers:merge_detail", args=[CustomerMerge.objects.get().pk]))
        return _moves_labels(wizard.content.decode()), _handled_labels(detail.content.decode())

    def test_it_names_each_kind_of_row_in_japanese(self, client_for, maintainer, pair):
        _with_related_rows(*pair)
        moves, handled = self._pages(client_for(maintainer), *pair)
        assert set(moves) == {"タグ", "購入", "購入集計", "担当者", "対応履歴", "訪問タスク"}
        assert {"タグ", "購入", "購入集計", "担当者", "対応履歴", "訪問タスク"} <= set(handled)
        assert [label for label in moves + handled if RAW_NAME.search(label)] == []

    def test_it_names_each_kind_of_row_in_english(self, client_for, maintainer, pair, english):
        _with_related_rows(*pair)
        moves, handled = self._pages(client_for(maintainer), *pair)
        assert set(moves) == {"Tags", "Purchases", "Purchase summaries", "Contacts", "Touchpoints", "Visit tasks"}
        assert set(handled) == {*moves, "Contacts (history)"}
        assert [label for label in moves + handled if RAW_NAME.search(label)] == []


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

    def test_the_history_names_a_merge_and_its_undo_in_japanese(self, client_for, maintainer, pair):
        survivor, duplicate = pair
        client = client_for(maintainer)
        client.post(reverse("customers:merge_wizard"), {"survivor": survivor.pk, "duplicate": duplicate.pk,
                                                        "choice_phone": "duplicate"})  # a change the history shows
        merge = CustomerMerge.objects.get()
        client.post(reverse("customers:merge_undo", args=[merge.pk]))
        html = client.get(survivor.get_absolute_url()).content.decode()
        assert f"統合：{duplicate.code} を吸収" in html and f"統合 #{merge.pk} を取り消し" in html
        assert "absorbed" not in html and "undone" not in html

    def test_a_reason_the_maintainer_typed_is_shown_as_typed(self, client_for, maintainer):
        customer = CustomerFactory(lifecycle=Customer.Lifecycle.CUSTOMER)
        client = client_for(maintainer)
        client.post(reverse("customers:retire", args=[customer.pk]), {"reason": "閉店のため"})
        html = client.get(customer.get_absolute_url()).content.decode()
        panel = re.search(r'data-testid="card-retirement">(.*?)</div>', html, re.S).group(1)
        assert panel.endswith(": 閉店のため")
        client.post(reverse("customers:unretire", args=[customer.pk]))
        html = client.get(customer.get_absolute_url()).content.decode()
        assert "名簿に戻しました" in html and "brought back" not in html

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

    def test_executing_twice_says_why_in_japanese(self, client_for, maintainer):
        client = client_for(maintainer)
        customer = CustomerFactory()
        client.post(reverse("customers:deletion_new", args=[customer.pk]),
                    {"requested_by": "本人", "requested_on": "2026-11-01", "channel": "電話"})
        url = reverse("customers:deletion_detail", args=[DeletionRequest.objects.get().pk])
        client.post(url, {"action": "execute"})
        client.get(url)  # the success message is read
        page = client.get(client.post(url, {"action": "execute"}).url)
        assert _error_messages(page.content.decode()) == ["この請求はすでに実行または却下されているため、実行できません。"]

    def test_the_card_says_why_the_record_was_retired_in_japanese(self, client_for, maintainer):
        customer = CustomerFactory()
        client = client_for(maintainer)
        client.post(reverse("customers:deletion_new", args=[customer.pk]),
                    {"requested_by": "本人", "requested_on": "2026-11-01", "channel": "電話"})
        deletion = DeletionRequest.objects.get()
        client.post(reverse("customers:deletion_detail", args=[deletion.pk]), {"action": "execute"})
        html = client.get(customer.get_absolute_url()).content.decode()
        panel = re.search(r'data-testid="card-retirement">(.*?)</div>', html, re.S).group(1)
        assert panel.endswith(f"個人情報を消去（削除請求 #{deletion.pk}）")
        assert "personal data erased" not in html
