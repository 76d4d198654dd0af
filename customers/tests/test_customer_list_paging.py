"""The capped paginator's two reading paths give exactly the rows and order of the list's queryset."""
import pytest
from django.db import connection
from django.http import QueryDict
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from crm.pagination import CappedPaginator
from customers import selectors
from customers.filters import CustomerFilter
from customers.models import Customer


class SmallCapPaginator(CappedPaginator):
    cap = 5


@pytest.fixture
def customers(db):
    # Codes inserted out of order so that a page in insertion (heap) order would be visibly wrong.
    codes = ["K07", "K02", "K11", "K05", "K01", "K09", "K03", "K12", "K06", "K04", "K10", "K08"]
    # create(), not bulk_create(): save() writes the search keys.
    return [Customer.objects.create(code=code, name=f"会社{code}", name_kana=f"カイシャ{13 - int(code[1:])}",
                                    prefecture="東京都" if code < "K04" else "大阪府") for code in codes]


def listed(params, paginator_class=CappedPaginator, *, per_page=2, page=1):
    queryset = CustomerFilter(QueryDict(params), queryset=selectors.customer_list()).qs
    paginator = paginator_class(queryset, per_page)
    with CaptureQueriesContext(connection) as queries:
        rows = [c.code for c in paginator.page(page).object_list]
    return rows, paginator, [q["sql"] for q in queries.captured_queries]


def test_it_reads_a_selective_page_from_the_keys_the_count_collected(customers):
    rows, paginator, sql = listed("prefecture=東京都", SmallCapPaginator)
    assert rows == ["K01", "K02"]
    assert paginator.count == 3 and paginator.is_capped is False
    assert len(sql) == 2 and " IN (" in sql[1]


def test_it_walks_the_list_when_the_count_reaches_the_cap(customers):
    rows, paginator, sql = listed("prefecture=大阪府", SmallCapPaginator, page=2)
    assert rows == ["K06", "K07"]
    assert paginator.count == 5 and paginator.is_capped is True
    assert len(sql) == 2 and " IN (" not in sql[1]


@pytest.mark.parametrize("sort", ["code", "-code", "kana", "-updated"])
def test_it_pages_in_the_querysets_order_on_both_paths(customers, sort):
    queryset = CustomerFilter(QueryDict(f"sort={sort}"), queryset=selectors.customer_list()).qs
    expected = [c.code for c in queryset]
    for paginator_class in (CappedPaginator, SmallCapPaginator):  # 12 rows: under the default cap, over 5
        visible = expected[: paginator_class.cap]  # a capped list ends at the cap, as it always has
        for page in (1, 2, 3):
            rows, _paginator, _sql = listed(f"sort={sort}", paginator_class, per_page=2, page=page)
            assert rows == visible[(page - 1) * 2 : page * 2], (paginator_class.__name__, page)


def test_it_orders_search_results_by_code(customers):
    Customer.objects.create(code="A99", name="会社Z")
    rows, paginator, _sql = listed("q=会社", per_page=3)
    assert rows == ["A99", "K01", "K02"]
    assert paginator.count == 13


def test_it_pages_plain_lists_as_django_does(db):
    paginator = SmallCapPaginator(list(range(12)), 5)
    assert paginator.count == 12 and paginator.is_capped is False
    assert list(paginator.page(3).object_list) == [10, 11]


def test_it_shows_the_capped_count_in_the_list(client_for, rep, db, monkeypatch):
    Customer.objects.bulk_create([Customer(code=f"B{i:03d}", name=f"会社{i}") for i in range(8)])
    monkeypatch.setattr(CappedPaginator, "cap", 5)
    response = client_for(rep).get(reverse("customers:list"), {"page": 3})
    content = response.content.decode()
    assert response.status_code == 200
    assert response.context["paginator"].is_capped is True
    assert "B004" in content and "B005" not in content  # page 3 falls back to the last page, which ends at the cap


@pytest.mark.postgres
def test_it_creates_the_list_indexes_and_statistics_on_postgres(db):
    with connection.cursor() as cursor:
        cursor.execute("SELECT indexname FROM pg_indexes WHERE tablename = 'customers_customer'")
        indexes = {row[0] for row in cursor.fetchall()}
        cursor.execute("SELECT stxname FROM pg_statistic_ext")
        statistics = {row[0] for row in cursor.fetchall()}
    expected = {"customer_prefecture_code_idx", "customer_rep_code_idx", "customer_key_account_code_idx",
                "customer_updated_idx"}  # fmt: skip
    assert expected <= indexes
    assert "customer_segment_stats" in statistics
