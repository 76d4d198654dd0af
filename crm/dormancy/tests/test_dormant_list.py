"""The dormant list and the card as a rep and a manager read them (issue 12, points 1–4 and 6).

1. A customer flagged by the halved rule reads as one who still buys, but less: the status shows its rule, the
   reason and approach speak of lost volume, the products bought less and a competitor's offer; the list shows the
   last purchase and the 12 months against the year before; a legend explains the columns.
2. The list sorts by priority, last purchase, past spend, days dormant and 12-month change (each both ways, each
   served by an index), and a rep's list defaults to his own customers.
3. The lost tab shows the lost customers with their exclusion reason.
4. The counts are exact (the scan's stored counts, or one GROUP BY), and a page past the end is the last page.
6. The run log describes the model in words; the raw parameters are for administrators.
"""
import re

import pytest
from django.db import connection
from django.urls import reverse

from crm.dormancy import reasons, selectors
from crm.dormancy.forms import DormantFilter
from crm.dormancy.models import CustomerDormancy, ModelFit, ScanRun
from crm.dormancy.pipeline import scan_dormancy
from crm.dormancy.tests.dormancy_support import AS_OF, ago, buy, customer_with, make_customer, product
from customers.models import Customer

pytestmark = pytest.mark.django_db

LIST = reverse("dormancy:dormant_list")


@pytest.fixture(autouse=True)
def _english(client, settings):
    # Assertions read the English msgids; the Japanese catalogue must not change what is asserted.
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"


def halved_customer(rep=None):
    """A key account still buying (last purchase 3 days ago) whose gypsum board orders fell from 600,000 to 200,000
    yen a year while insulation held at 120,000: 320,000 against 720,000, halved."""
    board, insulation = product("GB-125", "石膏ボード"), product("IN-50", "断熱材")
    board.name, insulation.name = "石膏ボード 12.5mm", "断熱材 50mm"
    board.save(update_fields=["name"])
    insulation.save(update_fields=["name"])
    customer = make_customer("半減建材株式会社", rep=rep, is_key_account=True, phone="03-1234-5678")
    for days in (400, 450, 500, 550, 600, 650):
        buy(customer, ago(days), 100_000, board)
    for days in (100, 300):
        buy(customer, ago(days), 100_000, board)
    for days in (420, 470, 520, 570, 620, 670, 3, 60, 120, 180, 240, 330):
        buy(customer, ago(days), 20_000, insulation)
    return customer


@pytest.fixture
def book(rep, other_rep):
    """A rep's halved key account and stopped buyer, another rep's overdue buyers, a lost one, a small one-timer and
    an active one, scanned as of AS_OF."""
    customers = {
        "halved": halved_customer(rep),
        "stopped": customer_with([200, 230, 260, 290, 320, 350, 380], amount=80_000, name="購入途絶商店", rep=rep),
        "at_risk": customer_with([150, 180, 210], name="田中工務店", rep=other_rep),
        "overdue": customer_with(list(range(100, 401, 30)), name="周期遅れ設備", rep=other_rep),
        "lost": customer_with([800], name="昔の商店"),
        "small": customer_with([250], amount=3_000, name="一見さん"),
        "active": customer_with([5, 35], name="元気な会社"),
    }
    scan_dormancy(as_of=AS_OF, triggered_by="test")
    return customers


def row(html, customer):
    """The list's row of one customer."""
    return html.split(f'data-customer="{customer.code}"', 1)[1].split("</tr>", 1)[0]


def codes(html):
    return re.findall(r'<tr data-customer="([^"]+)"', html)


def get(client, **params):
    response = client.get(LIST, params)
    assert response.status_code == 200
    return response.content.decode()


# ---------------------------------------------------------------- 1. what a halved customer is


class TestHalvedCustomers:
    def test_it_shows_the_rule_next_to_each_status(self, client_for, manager, book):
        html = get(client_for(manager), show_excluded="on")
        assert 'data-rule="halved"' in row(html, book["halved"])
        assert "Sales halved" in row(html, book["halved"])
        assert "Stopped buying" in row(html, book["stopped"])
        assert "Cycle overdue" in row(html, book["at_risk"])

    def test_it_says_the_halved_customer_buys_less_not_that_he_stopped(self, client_for, manager, book):
        cells = row(get(client_for(manager)), book["halved"])
        assert "Buys less" in cells
        assert "Likely cause: a competitor&#x27;s offer." in cells
        assert "Ask about the products they buy less" in cells
        assert "stopped" not in cells.lower()

    def test_it_names_the_product_whose_amount_fell_most(self, client_for, manager, book):
        cells = row(get(client_for(manager)), book["halved"])
        # Board: 600,000 the year before, 200,000 now; insulation held at 120,000, so it is not listed.
        assert "Buys less of:" in cells and "石膏ボード 12.5mm" in cells and "￥400,000" in cells
        assert "断熱材 50mm" not in cells

    def test_it_shows_last_purchase_and_12_months_against_the_year_before_not_zero_days(
        self, client_for, manager, book
    ):
        cells = row(get(client_for(manager)), book["halved"])
        assert f'<time datetime="{ago(3).isoformat()}">' in cells and "3 days ago" in cells
        assert "￥320,000" in cells and "year before ￥720,000" in cells and "−56%" in cells
        assert "New this scan" in cells  # first found by this scan, not "0"
        assert ">0<" not in cells

    def test_it_explains_the_columns_in_a_legend(self, client_for, manager, book):
        legend = get(client_for(manager)).split('data-testid="legend"', 1)[1]
        for column in ("Priority", "Status", "Last purchase", "Last 12 months", "Days dormant", "Past spend"):
            assert f">{column}</dt>" in legend
        assert "Dormant · Sales halved: still buying" in legend

    def test_it_tells_the_rep_on_the_card_what_the_customer_buys_less_of(self, client_for, rep, book):
        html = client_for(rep).get(reverse("customers:detail", args=[book["halved"].pk])).content.decode()
        panel = html.split('data-testid="dormancy-panel"', 1)[1]
        assert "Dormant" in panel and "Sales halved" in panel
        assert "Still buying (last purchase" in panel and "￥400,000</span> less (−56%)" in panel
        assert "石膏ボード 12.5mm" in panel and "Likely cause: a competitor&#x27;s offer." in panel
        # The summary at the top of the card shows the rule under the status too.
        summary = html.split('data-testid="summary-status"', 1)[1].split("</div></div>", 1)[0]
        assert "Dormant" in summary and "Sales halved" in summary

    def test_it_shows_the_rule_in_the_customer_list(self, client_for, manager, book):
        html = client_for(manager).get(reverse("customers:list"), {"q": "半減建材"}).content.decode()
        assert "Dormant · Sales halved" in html

    def test_it_describes_an_overdue_buyer_against_his_own_rhythm(self, book):
        dormancy = CustomerDormancy.objects.get(customer=book["overdue"])
        assert (dormancy.status, dormancy.rule) == ("at_risk", "cycle_overdue")
        advice = reasons.advice_for(dormancy)
        assert "Usually buys every 30 days; the last purchase was 100 days ago" in advice.explanation
        assert advice.approach == reasons.CYCLE_APPROACH


# ---------------------------------------------------------------- 2. sorting, and a rep's own customers


SORTS = {  # sort → the customer attribute ("label") in the order expected
    "priority": ["P90", "P70", "P50", "P30"],
    "-priority": ["P30", "P50", "P70", "P90"],
    "last_purchase": ["P50", "P30", "P90", "P70"],  # most recent first
    "-last_purchase": ["P70", "P90", "P30", "P50"],
    "spend": ["P30", "P90", "P70", "P50"],
    "-spend": ["P50", "P70", "P90", "P30"],
    "days": ["P70", "P90", "P30", "P50"],  # longest dormant first; the at-risk one (not dormant) last
    "-days": ["P50", "P30", "P90", "P70"],
    "change": ["P90", "P30", "P70", "P50"],  # largest drop first: −500,000, −200,000, −100,000, −50,000
    "-change": ["P50", "P70", "P30", "P90"],
}


@pytest.fixture
def sortable():
    """Four listed customers whose every sort key differs (written as the scan would)."""
    rows = {  # priority, days since last purchase, past spend, dormant since (days ago), last 12m, previous 12m
        "P90": (90, 200, 900_000, 40, 0, 500_000),
        "P70": (70, 400, 500_000, 220, 0, 100_000),
        "P50": (50, 10, 100_000, None, 50_000, 100_000),
        "P30": (30, 100, 1_000_000, 5, 400_000, 600_000),
    }
    for name, (score, days, spend, since, last, previous) in rows.items():
        CustomerDormancy.objects.create(
            customer=make_customer(name), status="at_risk" if since is None else "dormant",
            rule="cycle_overdue" if since is None else "inactivity", priority_score=score,
            days_since_last_purchase=days, total_amount=spend, amount_last_12m=last, amount_prev_12m=previous,
            dormant_since=None if since is None else ago(since), as_of=AS_OF,
        )
    return {c.name: c.code for c in Customer.objects.all()}


class TestSorting:
    @pytest.mark.parametrize("sort", SORTS)
    def test_it_sorts_by_each_column_both_ways(self, client_for, manager, sortable, sort):
        assert codes(get(client_for(manager), sort=sort)) == [sortable[name] for name in SORTS[sort]]

    def test_it_reverses_the_sorted_column_on_a_second_click(self, client_for, manager, sortable):
        html = get(client_for(manager), sort="spend")
        header = html.split('data-sort="spend"', 1)[0].rsplit("<th", 1)[1]
        assert 'aria-sort="descending"' in header
        assert re.search(r'href="\?sort=-spend" data-sort="spend"', html)
        assert re.search(r'href="\?sort=priority" data-sort="priority"', html)

    def test_it_ignores_an_unknown_sort(self, client_for, manager, sortable):
        assert codes(get(client_for(manager), sort="name; drop table")) == [sortable[n] for n in SORTS["priority"]]

    @pytest.mark.postgres
    @pytest.mark.parametrize("params", ["", "status=lost", "show_excluded=on", "status=dormant"])
    @pytest.mark.parametrize("sort", SORTS)
    def test_it_reads_every_sort_from_an_index_without_sorting(self, manager, sortable, sort, params):
        from django.http import QueryDict

        dormant_filter = DormantFilter(QueryDict(f"sort={sort}&{params}"), user=manager)
        keys = dormant_filter.qs.values_list("pk", flat=True)[:50]
        query, values = keys.query.sql_with_params()
        with connection.cursor() as cursor:
            # A handful of rows: make the planner show whether an index can deliver the order at all.
            for setting in ("enable_seqscan", "enable_bitmapscan", "enable_sort"):
                cursor.execute(f"SET LOCAL {setting} = off")
            cursor.execute("EXPLAIN (COSTS OFF) " + query, values)
            plan = "\n".join(r[0] for r in cursor.fetchall())
        # No sort of the rows found (an incremental sort of equal keys after an ordered index scan is fine).
        assert not re.search(r"(^|->  )Sort\b", plan, flags=re.M), plan
        assert re.search(r"Index Scan (Backward )?using dormancy_", plan), plan


class TestOwnCustomers:
    def test_it_shows_a_rep_his_own_customers_by_default(self, client_for, rep, book):
        html = get(client_for(rep))
        assert codes(html) == [book["halved"].code, book["stopped"].code]
        assert 'data-testid="mine"' in html and 'data-testid="all-reps"' in html

    def test_it_shows_every_rep_s_customers_one_click_away(self, client_for, rep, book):
        html = get(client_for(rep))
        link = re.search(r'href="\?([^"]*)" data-testid="all-reps"', html).group(1)
        assert link == "rep="
        assert set(codes(get(client_for(rep), rep=""))) == {book[k].code for k in ("halved", "stopped", "at_risk",
                                                                                  "overdue")}

    def test_it_shows_a_manager_every_rep_s_customers_by_default(self, client_for, manager, book):
        assert len(codes(get(client_for(manager)))) == 4
        assert 'data-testid="all-reps"' not in get(client_for(manager))

    def test_it_counts_the_rep_s_own_customers_in_the_tabs(self, client_for, rep, book):
        html = get(client_for(rep))
        assert re.search(r'data-status="targets" data-count="2"', html)
        assert re.search(r'data-status="at_risk" data-count="0"', html)


# ---------------------------------------------------------------- 3. lost customers


class TestLostCustomers:
    def test_it_lists_the_lost_with_their_exclusion_reason(self, client_for, manager, book):
        html = get(client_for(manager), status="lost")
        assert codes(html) == [book["lost"].code]
        assert "Excluded: Lost: not targeted" in row(html, book["lost"])
        assert "No scan has run yet" not in html

    def test_it_says_no_customer_matches_rather_than_that_no_scan_ran(self, client_for, manager, book):
        html = get(client_for(manager), q="存在しない会社")
        assert "No customers match these filters." in html and "No scan has run yet" not in html

    def test_it_says_when_no_scan_has_run(self, client_for, manager):
        assert "No scan has run yet: the list fills after the nightly scan." in get(client_for(manager))


# ---------------------------------------------------------------- 4. counts and pages


@pytest.fixture
def many():
    """1,234 dormant customers (more than the customer list's capped count), priorities 1 … 1234."""
    customers = Customer.objects.bulk_create(
        Customer(code=f"M{k:05d}", name=f"顧客{k}", lifecycle=Customer.Lifecycle.CUSTOMER) for k in range(1, 1235)
    )
    CustomerDormancy.objects.bulk_create(
        CustomerDormancy(customer=c, status="dormant", rule="inactivity", priority_score=k, days_since_last_purchase=200,
                         dormant_since=ago(20), as_of=AS_OF)
        for k, c in enumerate(customers, start=1)
    )
    return customers


class TestCounts:
    def test_it_shows_the_exact_count_of_each_tab(self, client_for, manager, book):
        html = get(client_for(manager))
        # Dormant: the halved and the stopped buyer (the small one-timer is excluded); at risk: two; lost: one.
        for status, n in (("targets", 4), ("dormant", 2), ("at_risk", 2), ("lost", 1)):
            assert re.search(rf'data-status="{status}" data-count="{n}"', html)

    def test_it_counts_excluded_customers_when_they_are_shown(self, client_for, manager, book):
        html = get(client_for(manager), show_excluded="on")
        assert re.search(r'data-status="dormant" data-count="3"', html)

    def test_it_reads_the_unfiltered_counts_from_the_scan(self, client_for, manager, book):
        run = ScanRun.objects.get()
        assert run.counts["excluded"] == {"dormant": 1, "lost": 1}  # stored by the scan
        run.counts["statuses"]["dormant"] = 5_001
        run.save(update_fields=["counts"])
        html = get(client_for(manager))
        assert re.search(r'data-status="dormant" data-count="5000"', html) and ">5,000<" in html

    def test_it_counts_past_a_thousand_exactly(self, client_for, manager, many):
        html = get(client_for(manager))
        assert re.search(r'data-status="dormant" data-count="1234"', html) and "1,234" in html
        assert "1–50 of 1,234" in html and "page 1 of 25" in html
        assert "+" not in html.split('data-testid="page-position"', 1)[1].split("</span>", 1)[0]

    @pytest.mark.parametrize("page", ["25", "26", "999", "99999999999"])
    def test_it_shows_the_last_page_for_a_page_past_the_end(self, client_for, manager, many, page):
        html = get(client_for(manager), page=page)
        assert "1,201–1,234 of 1,234" in html and "page 25 of 25" in html
        assert codes(html) == [f"M{k:05d}" for k in range(34, 0, -1)]  # the 34 lowest priorities
        assert 'rel="next"' not in html

    def test_it_reads_a_page_near_the_end_backwards_in_the_same_order(self, client_for, manager, many):
        assert codes(get(client_for(manager), page="24")) == [f"M{k:05d}" for k in range(84, 34, -1)]
        assert codes(get(client_for(manager), page="2")) == [f"M{k:05d}" for k in range(1184, 1134, -1)]

    def test_it_keeps_the_manager_s_list_to_a_bounded_number_of_queries(
        self, client_for, manager, book, many, django_assert_max_num_queries
    ):
        client = client_for(manager)
        # session, user, last scan, page keys, page rows, products bought less, rep and tag choices
        with django_assert_max_num_queries(8):
            get(client)
        with django_assert_max_num_queries(8):
            get(client, page="20", sort="-change")

    def test_it_keeps_a_rep_s_list_to_a_bounded_number_of_queries(
        self, client_for, rep, book, many, django_assert_max_num_queries
    ):
        client = client_for(rep)
        # As the manager's, plus the rep filter's own user read and the counts of his customers (one GROUP BY).
        with django_assert_max_num_queries(10):
            html = get(client)
        assert len(codes(html)) == 2


# ---------------------------------------------------------------- 6. the model in words


@pytest.fixture
def fit():
    ScanRun.objects.create(as_of=AS_OF, outcome=ScanRun.Outcome.SUCCEEDED, counts={"statuses": {"dormant": 3}})
    return ModelFit.objects.create(fitted_on=AS_OF, r=2.2986, alpha=14.1069, a=1771.8894, b=162754.7914,
                                   log_likelihood=-195544.1, n_customers=2640, seconds=0.4)


class TestModelInWords:
    def test_it_tells_the_manager_what_the_model_is_and_what_to_do_with_it(self, client_for, manager, fit):
        html = client_for(manager).get(reverse("dormancy:runs")).content.decode()
        assert "Model fitted on 2,640 buyers by the scan of 2026-06-30." in html
        assert "What you can do with it:" in html and "call soon" in html
        assert "r=2.299" not in html and "α=" not in html and "162754" not in html

    def test_it_keeps_the_raw_parameters_for_the_administrator(self, client_for, admin_user, fit):
        html = client_for(admin_user).get(reverse("dormancy:runs")).content.decode()
        assert "Model fitted on 2,640 buyers" in html
        assert "r=2.299, α=14.107, a=1771.889, b=162754.791" in html


# ---------------------------------------------------------------- the scan writes what the list reads


class TestScanFigures:
    def test_it_stores_the_figures_the_list_shows_as_of_the_scan(self, book):
        d = CustomerDormancy.objects.get(customer=book["halved"])
        assert (d.total_amount, d.amount_last_12m, d.amount_prev_12m) == (1_040_000, 320_000, 720_000)
        assert d.last_purchase_on == ago(3)
        assert (d.amount_change_12m, d.change_12m_percent) == (-400_000, -56)
        assert str(d.status_label) == "Dormant · Sales halved"

    def test_it_reads_the_products_bought_less_in_one_query(self, book, django_assert_num_queries):
        ids = [book["halved"].pk, book["stopped"].pk]
        with django_assert_num_queries(1):
            fell = selectors.products_bought_less(ids, as_of=AS_OF)
        assert fell == {book["halved"].pk: [("石膏ボード 12.5mm", 400_000)]}


# ---------------------------------------------------------------- 5. the card puts the dormancy panel first


class TestCardPanelFirst:
    def test_it_puts_a_dormant_customer_s_panel_before_the_note_form_and_the_purchases(self, client_for, rep, book):
        html = client_for(rep).get(reverse("customers:detail", args=[book["halved"].pk])).content.decode()
        panel = html.index('data-testid="dormancy-panel"')
        assert panel < html.index('data-testid="customer-summary"') < html.index('data-testid="touchpoint-form"')
        assert html.index('data-testid="touchpoint-form"') < html.index('data-testid="purchases-panel"')
        assert html.count('data-testid="dormancy-panel"') == 1
        call = html.split('data-testid="dormancy-call"', 1)[1].split("</div>", 1)[0]
        assert 'href="tel:0312345678"' in call and "03-1234-5678" in call

    def test_it_folds_the_long_tables(self, client_for, rep, book):
        html = client_for(rep).get(reverse("customers:detail", args=[book["halved"].pk])).content.decode()
        for fold in ("fold-recent-purchases", "fold-monthly-totals", "fold-yearly-totals", "fold-history",
                     "dormancy-timeline-fold"):
            assert re.search(rf'<details[^>]* data-fold data-testid="{fold}"', html), fold

    def test_it_keeps_an_active_customer_s_panel_below_the_purchases(self, client_for, rep, book):
        html = client_for(rep).get(reverse("customers:detail", args=[book["active"].pk])).content.decode()
        assert html.index('data-testid="purchases-panel"') < html.index('data-testid="dormancy-panel"')

    def test_it_reads_the_card_of_a_customer_who_buys_less_in_a_bounded_number_of_queries(
        self, client_for, rep, book, django_assert_max_num_queries
    ):
        client = client_for(rep)
        # The bound of any dormant card (test_card_panel): the panel's products bought less fit in it; the coupons
        # panel adds its coupons and, for a customer with enough purchase days, his buying pattern; the visits panel
        # its open tasks and latest visit logs; the campaigns panel its campaigns and step executions.
        with django_assert_max_num_queries(26):
            response = client.get(reverse("customers:detail", args=[book["halved"].pk]))
        assert "石膏ボード 12.5mm" in response.content.decode()
