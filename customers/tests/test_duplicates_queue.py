"""The review queue and find_duplicates: who may see and decide, rejects remembered for good, accept on to the merge
wizard, and the command's CSV."""
import codecs
import csv
import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import call_command
from django.urls import reverse

from crm.roles import Role
from customers.duplicates import engine, services, views
from customers.models import Customer, DuplicateCandidate, DuplicatePairDecision

pytestmark = [pytest.mark.django_db]


def make(code, name, **fields):
    customer = Customer(code=code, name=name, **fields)
    customer.save()
    return customer


@pytest.fixture
def pair(db):
    a = make("C0001", "株式会社山田建材", phone="03-1234-5678", postal_code="100-0001", address="東京都千代田区千代田1-1")
    b = make("C0002", "(株)山田建材", phone="０３－１２３４－５６７８", postal_code="1000001", address="千代田区千代田１－１")
    call_command("find_duplicates", export=None, stdout=io.StringIO(), stderr=io.StringIO())
    return a, b


@pytest.fixture
def queued(pair):
    return DuplicateCandidate.objects.get()


class TestQueuePage:
    @pytest.mark.parametrize(("role", "status"), [(Role.SALES_REP, 403), (Role.MANAGER, 403),
                                                  (Role.LIST_MAINTAINER, 200), (Role.ADMIN, 200)])  # fmt: skip
    def test_only_maintainers_and_admins_see_it(self, client_for, users_by_role, queued, role, status):
        response = client_for(users_by_role[role]).get(reverse("customers:duplicate_queue"))
        assert response.status_code == status
        if status == 200:
            assert b'data-pair="C0001-C0002"' in response.content

    def test_it_shows_the_score_and_the_reasons_in_the_readers_language(self, client_for, maintainer, queued, english):
        response = client_for(maintainer).get(reverse("customers:duplicate_queue"))
        assert f'data-score="{queued.score}"'.encode() in response.content
        assert "same phone" in response.content.decode()

    def test_a_pair_with_a_record_merged_away_since_the_run_is_not_shown(self, client_for, maintainer, pair, queued):
        Customer.objects.filter(pk=pair[1].pk).update(merged_into=pair[0])
        response = client_for(maintainer).get(reverse("customers:duplicate_queue"))
        assert b"data-testid=\"duplicate-queue-empty\"" in response.content

    def test_it_reads_a_page_in_a_bounded_number_of_queries(self, client_for, maintainer, queued,
                                                            django_assert_max_num_queries):  # fmt: skip
        client = client_for(maintainer)
        with django_assert_max_num_queries(8):
            client.get(reverse("customers:duplicate_queue"))


class TestReject:
    @pytest.mark.parametrize("role", [Role.SALES_REP, Role.MANAGER])
    def test_others_may_not_reject(self, client_for, users_by_role, queued, role):
        response = client_for(users_by_role[role]).post(reverse("customers:duplicate_reject", args=[queued.pk]))
        assert response.status_code == 403
        assert DuplicateCandidate.objects.filter(pk=queued.pk).exists()
        assert not DuplicatePairDecision.objects.exists()

    def test_a_rejected_pair_leaves_the_queue_and_is_never_proposed_again(self, client_for, maintainer, pair, queued):
        response = client_for(maintainer).post(reverse("customers:duplicate_reject", args=[queued.pk]))
        assert response.status_code == 302
        decision = DuplicatePairDecision.objects.get()
        assert (decision.customer_a, decision.customer_b, decision.decision) == (*pair, "rejected")
        assert decision.decided_by == maintainer and decision.score == queued.score
        assert engine.find_duplicates() == []
        call_command("find_duplicates", stdout=io.StringIO(), stderr=io.StringIO())
        assert not DuplicateCandidate.objects.exists()

    def test_a_rejection_is_stored_smaller_id_first_whichever_way_it_is_given(self, maintainer, pair):
        services.duplicate_pair_reject(a=pair[1], b=pair[0], by=maintainer)
        assert DuplicatePairDecision.objects.filter(customer_a=pair[0], customer_b=pair[1]).count() == 1

    def test_the_service_checks_the_right_itself(self, rep, pair):
        with pytest.raises(PermissionDenied):
            services.duplicate_pair_reject(a=pair[0], b=pair[1], by=rep)


class TestAccept:
    def test_it_goes_on_to_the_merge_wizard_with_the_older_record_as_survivor(self, client_for, admin_user, queued,
                                                                             monkeypatch):  # fmt: skip
        monkeypatch.setattr(views, "MERGE_WIZARD_URL", "customers:list")  # stands in for the wizard's page
        response = client_for(admin_user).post(reverse("customers:duplicate_accept", args=[queued.pk]))
        assert response.status_code == 302
        assert response.url == (reverse("customers:list")
                                + f"?survivor={queued.customer_a_id}&duplicate={queued.customer_b_id}")  # fmt: skip
        assert not DuplicatePairDecision.objects.exists()  # the merge takes the pair out, not the button

    def test_the_queue_leads_to_the_list_maintenance_merge_wizard(self, client_for, maintainer, queued):
        response = client_for(maintainer).post(reverse("customers:duplicate_accept", args=[queued.pk]))
        assert response.url == (reverse("customers:merge_wizard")
                                + f"?survivor={queued.customer_a_id}&duplicate={queued.customer_b_id}")  # fmt: skip
        assert client_for(maintainer).get(response.url).status_code == 200

    def test_others_may_not_accept(self, client_for, rep, queued):
        response = client_for(rep).post(reverse("customers:duplicate_accept", args=[queued.pk]))
        assert response.status_code == 403


class TestCommand:
    def test_it_writes_code_a_code_b_score_reasons_as_utf8_with_bom(self, pair, tmp_path, english):
        path = tmp_path / "duplicates.csv"
        call_command("find_duplicates", export=str(path), stderr=io.StringIO())
        data = path.read_bytes()
        assert data.startswith(codecs.BOM_UTF8)
        rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
        assert rows[0] == ["code_a", "code_b", "score", "reasons"]
        assert rows[1][:2] == ["C0001", "C0002"] and int(rows[1][2]) >= 90
        assert "same phone" in rows[1][3]

    def test_min_score_leaves_out_the_lower_pairs(self, db, tmp_path):
        make("A", "カネコ商店", email="kaneko@example.jp")
        make("B", "カネコ商店", phone="03-1234-5678")  # nothing to compare but the name: 82
        path = tmp_path / "duplicates.csv"
        call_command("find_duplicates", export=str(path), min_score=90, stderr=io.StringIO())
        assert len(path.read_text(encoding="utf-8-sig").splitlines()) == 1
        call_command("find_duplicates", export=str(path), min_score=80, stderr=io.StringIO())
        assert len(path.read_text(encoding="utf-8-sig").splitlines()) == 2

    def test_a_run_replaces_the_stored_queue(self, pair):
        Customer.objects.filter(pk=pair[1].pk).update(phone_key="", name_key="別会社", postal_key="")
        call_command("find_duplicates", stdout=io.StringIO(), stderr=io.StringIO())
        assert not DuplicateCandidate.objects.exists()

    def test_a_formula_in_a_code_is_neutralised(self, db, tmp_path):
        make("=1+1", "山田建材", phone="03-1234-5678")
        make("B", "山田建材", phone="03-1234-5678")
        path = tmp_path / "duplicates.csv"
        call_command("find_duplicates", export=str(path), stderr=io.StringIO())
        assert "'=1+1" in path.read_text(encoding="utf-8-sig")


class TestSearchAgain:
    def test_a_maintainer_starts_a_new_search_which_refills_the_queue(self, client_for, maintainer, pair, monkeypatch,
                                                                      django_capture_on_commit_callbacks):  # fmt: skip
        from customers import tasks

        monkeypatch.setattr(tasks.find_duplicates, "delay", tasks.find_duplicates)  # the worker, here and now
        DuplicateCandidate.objects.all().delete()
        with django_capture_on_commit_callbacks(execute=True):
            response = client_for(maintainer).post(reverse("customers:duplicate_search"))
        assert response.status_code == 302
        assert DuplicateCandidate.objects.filter(customer_a=pair[0], customer_b=pair[1]).exists()

    def test_a_rep_may_not(self, client_for, rep, pair):
        response = client_for(rep).post(reverse("customers:duplicate_search"))
        assert response.status_code == 403


def test_a_merge_takes_the_pair_out_of_the_queue_and_its_undo_lets_a_later_run_propose_it_again(client_for, maintainer,
                                                                                                pair, queued):  # fmt: skip
    from customers.maintenance.merge import customer_merge, customer_merge_undo

    merge = customer_merge(survivor=pair[0], duplicate=pair[1], chosen_fields=None, by=maintainer)
    response = client_for(maintainer).get(reverse("customers:duplicate_queue"))
    assert b'data-testid="duplicate-queue-empty"' in response.content
    customer_merge_undo(merge=merge, by=maintainer)
    assert [(m.a.code, m.b.code) for m in engine.find_duplicates()] == [("C0001", "C0002")]
