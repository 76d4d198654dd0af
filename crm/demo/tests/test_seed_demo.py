"""seed_demo: deterministic for a seed, idempotent, and realistic (every dormancy pattern is present)."""
from datetime import date, timedelta
from io import StringIO

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db.models import Count, Max, Min, Q, Sum

from crm.demo import DEMO_PASSWORD, DEMO_USERS
from crm.demo.catalogue import POPULAR_PRODUCT
from crm.demo.history import rise_date
from crm.roles import Role
from customers.models import (
    Contact,
    Customer,
    CustomerPurchaseSummary,
    MarketEvent,
    PriceChange,
    Product,
    Purchase,
    Tag,
    Touchpoint,
)

AS_OF = date(2026, 11, 20)
SMALL = "120"  # customers: enough for every cohort, quick enough for every test run

pytestmark = pytest.mark.slow


def seed(seed="7", customers=SMALL):
    out = StringIO()
    call_command("seed_demo", "--seed", seed, "--customers", customers, "--as-of", AS_OF.isoformat(), stdout=out)
    return out.getvalue()


def snapshot():
    customers = list(Customer.objects.order_by("code").values_list("code", "name", "name_kana", "phone", "email"))
    totals = list(
        Purchase.objects.values("customer__code").annotate(total=Sum("amount"), lines=Count("pk")).order_by("customer__code")
    )
    return customers, totals


def counts():
    return {
        model.__name__: model.objects.count()
        for model in (Customer, Contact, Touchpoint, Purchase, Product, PriceChange, MarketEvent, Tag, get_user_model())
    }


@pytest.fixture(scope="module")
def demo(django_db_setup, django_db_blocker):
    """Seed once for the read-only checks of this module (seeding is the slow part), and clean up after."""
    from campaigns.models import Campaign, DemandSeason, Segment
    from crm.demo.build import demo_data_wipe
    from crm.dormancy.models import ModelFit, RankingEvaluation, ScanRun

    user_model = get_user_model()
    with django_db_blocker.unblock():
        # Campaigns before segments (a campaign protects its segment).
        marks = {model: model.objects.aggregate(m=Max("pk"))["m"] or 0
                 for model in (Campaign, Segment, DemandSeason, ScanRun, ModelFit, RankingEvaluation, Tag, user_model)}
        output = seed()
        data = {"output": output, "snapshot": snapshot(), "counts": counts()}
    yield data
    with django_db_blocker.unblock():
        demo_data_wipe()
        for model, mark in marks.items():
            model.objects.filter(pk__gt=mark).delete()


@pytest.fixture
def seeded(demo, db):
    return demo["output"]


def test_it_creates_the_demo_company(seeded):
    assert "120 customers" in seeded
    assert Customer.objects.count() == 120
    assert Purchase.objects.count() > 1000
    assert Product.objects.filter(code__startswith="DP-").count() > 15
    assert set(Product.objects.values_list("category", flat=True)) >= {"セメント", "石膏ボード", "断熱材", "合板", "塗料", "配管材"}
    assert Contact.objects.count() > 0 and Touchpoint.objects.count() > 0
    assert set(Tag.objects.values_list("name", flat=True)) >= {"工務店", "リフォーム", "設備", "不動産", "官公庁"}


def test_it_creates_the_nine_demo_logins_with_their_roles(seeded):
    users = {u.username: u for u in get_user_model().objects.all()}
    roles = [users[f"rep{n}"].role for n in range(1, 7)]
    assert roles == [Role.SALES_REP] * 6
    assert users["maintainer"].role == Role.LIST_MAINTAINER
    assert users["manager"].role == Role.MANAGER
    assert users["admin"].role == Role.ADMIN and users["admin"].is_superuser
    assert all(u.check_password(DEMO_PASSWORD) for u in users.values())


def test_it_fills_japanese_names_kana_addresses_and_consents(seeded):
    companies = Customer.objects.filter(kind=Customer.Kind.COMPANY).exclude(industry="官公庁")
    assert companies.filter(name__contains="会社").count() == companies.count()
    assert all("ア" <= kana[0] <= "ン" for kana in companies.values_list("name_kana", flat=True))
    assert not Customer.objects.filter(prefecture="").exists()
    assert Customer.objects.exclude(kana_key="").count() >= companies.count()  # search keys were computed
    assert Customer.objects.exclude(phone_key="").count() == 120
    assert Customer.objects.filter(has_email_consent=True).exclude(email_consent_method="").exists()
    assert Customer.objects.filter(is_key_account=True).exists()
    assert Customer.objects.filter(fiscal_year_end_month=3).exists()
    assert all(c.email.endswith(".example.jp") for c in Customer.objects.exclude(email=""))


def test_it_gives_the_same_data_for_the_same_seed(demo, db):
    seed("7")
    assert snapshot() == demo["snapshot"]


def test_it_gives_different_data_for_another_seed(demo, db):
    seed("8")
    assert snapshot() != demo["snapshot"]


def test_it_does_not_duplicate_anything_when_run_again(demo, db):
    seed()
    assert counts() == demo["counts"]


def test_it_leaves_customers_that_are_not_demo_rows_alone(demo, db):
    own = Customer.objects.create(code="K-1", name="本物の顧客株式会社")
    seed()
    assert Customer.objects.filter(pk=own.pk).exists()
    assert Customer.objects.count() == 121


def test_it_plans_campaigns_without_sending_anything(seeded):
    from campaigns.models import Campaign, CampaignContact, DemandSeason, OutboxMessage

    playbooks = Campaign.objects.filter(kind="playbook")
    assert set(playbooks.values_list("playbook_reason", flat=True)) == {"product", "price", "customer_side"}
    greeting = Campaign.objects.get(name__contains="年末のご挨拶状")
    assert greeting.state == "launched" and greeting.targets.exists()
    win_back = Campaign.objects.get(name__contains="春の掘り起こし")
    assert win_back.state == "draft"
    assert list(win_back.steps.values_list("channel", flat=True)) == ["email", "dm", "phone"]
    assert DemandSeason.objects.count() >= 3
    assert not OutboxMessage.objects.exists() and not CampaignContact.objects.exists()


def test_it_refreshes_summaries_and_runs_the_dormancy_scan(seeded):
    from crm.dormancy.models import CustomerDormancy

    buyers = Customer.objects.filter(purchases__isnull=False).distinct().count()
    assert CustomerPurchaseSummary.objects.filter(as_of=AS_OF).count() >= buyers
    assert CustomerDormancy.objects.filter(as_of=AS_OF).count() == 120
    statuses = set(CustomerDormancy.objects.values_list("status", flat=True))
    assert statuses >= {"active", "at_risk", "dormant", "lost", "prospect"}


class TestCohorts:
    """Each pattern Mezame exists to find is in the data (checked from the purchases, not from a label)."""

    @pytest.fixture(autouse=True)
    def _seed(self, seeded):
        self.per_customer = Customer.objects.annotate(
            days=Count("purchases__purchased_on", distinct=True),
            first=Min("purchases__purchased_on"),
            last=Max("purchases__purchased_on"),
            last_12m=Sum("purchases__amount", filter=Q(purchases__purchased_on__gt=AS_OF - timedelta(days=365))),
            prev_12m=Sum(
                "purchases__amount",
                filter=Q(purchases__purchased_on__gt=AS_OF - timedelta(days=730),
                         purchases__purchased_on__lte=AS_OF - timedelta(days=365)),
            ),
        )

    def test_it_has_no_purchase_after_as_of(self):
        assert not Purchase.objects.filter(purchased_on__gt=AS_OF).exists()
        assert Purchase.objects.aggregate(first=Min("purchased_on"))["first"] > AS_OF - timedelta(days=5 * 365)

    def test_it_has_steady_buyers(self):
        assert self.per_customer.filter(days__gte=12, last__gte=AS_OF - timedelta(days=60)).count() >= 20

    def test_it_has_buyers_who_stopped_after_one_or_two_purchases(self):
        assert self.per_customer.filter(days__in=[1, 2], last__lt=AS_OF - timedelta(days=180)).count() >= 2

    def test_it_has_buyers_who_stopped_within_90_days_after_the_price_rise(self):
        rise = PriceChange.objects.get(product__code=POPULAR_PRODUCT)
        assert rise.changed_on == rise_date(AS_OF)
        assert rise.new_price > rise.old_price
        stopped = self.per_customer.filter(
            last__gte=rise.changed_on, last__lte=rise.changed_on + timedelta(days=90),
            purchases__product__code=POPULAR_PRODUCT, purchases__purchased_on__lt=rise.changed_on,
        ).distinct()
        assert stopped.count() >= 2

    def test_it_charges_the_new_price_after_the_rise(self):
        rise = PriceChange.objects.get(product__code=POPULAR_PRODUCT)
        lines = Purchase.objects.filter(product__code=POPULAR_PRODUCT)
        before = lines.filter(purchased_on__lt=rise.changed_on).values_list("amount", "quantity")
        after = lines.filter(purchased_on__gte=rise.changed_on).values_list("amount", "quantity")
        assert {amount / quantity for amount, quantity in before} == {rise.old_price}
        assert {amount / quantity for amount, quantity in after} == {rise.new_price}

    def test_it_has_long_standing_buyers_who_quietly_stopped(self):
        quiet = [c for c in self.per_customer.filter(days__gte=6, last__lt=AS_OF - timedelta(days=200),
                                                     last__gt=AS_OF - timedelta(days=730))
                 if (c.last - c.first).days >= 2 * 365]
        assert len(quiet) >= 2

    def test_it_has_declining_buyers_whose_sales_halved(self):
        halved = [c for c in self.per_customer.filter(last__gte=AS_OF - timedelta(days=60), prev_12m__gt=0)
                  if (c.last_12m or 0) < c.prev_12m / 2]
        assert len(halved) >= 2

    def test_it_has_regular_buyers_silent_for_100_to_150_days(self):
        quiet = self.per_customer.filter(
            days__gte=8, last__lte=AS_OF - timedelta(days=100), last__gte=AS_OF - timedelta(days=150)
        )
        assert quiet.count() >= 2

    def test_it_has_long_gone_customers(self):
        assert self.per_customer.filter(days__gte=1, last__lt=AS_OF - timedelta(days=730)).count() >= 2

    def test_it_has_prospects_without_purchases(self):
        prospects = self.per_customer.filter(days=0)
        assert prospects.count() >= 2
        assert set(prospects.values_list("lifecycle", flat=True)) == {Customer.Lifecycle.PROSPECT}

    def test_it_has_a_competitor_price_cut(self):
        event = MarketEvent.objects.get()
        assert event.kind == MarketEvent.Kind.COMPETITOR_PRICE_CUT
        assert event.occurred_on < AS_OF

    def test_it_peaks_in_march_and_in_the_construction_seasons(self):
        by_month = dict(
            Purchase.objects.values("purchased_on__month").annotate(total=Sum("amount"))
            .values_list("purchased_on__month", "total")
        )
        assert by_month[3] > by_month[1] * 1.5  # fiscal-year-end rush
        assert by_month[3] > by_month[8] * 1.5
        assert by_month[4] + by_month[5] > by_month[7] + by_month[8]  # spring peak
        assert by_month[10] + by_month[11] > by_month[7] + by_month[8]  # autumn peak


def test_demo_logins_prints_every_user_and_the_password(seeded):
    out = StringIO()
    call_command("demo_logins", stdout=out)
    text = out.getvalue()
    assert DEMO_PASSWORD in text
    for username in ["rep1", "rep6", "maintainer", "manager", "admin"]:
        assert f"  {username} " in text


def test_demo_logins_says_to_seed_first_without_demo_users(db):
    get_user_model().objects.filter(username__in=[u for u, _, _ in DEMO_USERS]).delete()  # rolled back after
    out = StringIO()
    call_command("demo_logins", stdout=out)
    assert "seed_demo" in out.getvalue()
    assert DEMO_PASSWORD not in out.getvalue()


def test_it_refuses_a_customer_count_too_small_for_every_cohort(db):
    with pytest.raises(CommandError, match="at least 40"):
        call_command("seed_demo", "--customers", "10", stdout=StringIO())
