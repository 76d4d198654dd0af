"""Purchases screens per role: list, export, import flow, catalogue management and the card panel."""
import datetime as dt
import io

import pytest
import time_machine
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from openpyxl import load_workbook

from config.celery import app as celery_app
from crm.models import ExportAudit
from crm.roles import Role
from customers.models import ImportBatch, MarketEvent, PriceChange, Product, Purchase
from customers.purchases.importer import purchases_import

from .purchase_fixtures import sample_bytes, sample_customers, sample_products  # noqa: F401

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("english")]
FROZEN = dt.datetime(2027, 1, 15, 10, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def _eager_tasks():
    previous = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True  # no worker in tests, even with Redis set
    yield
    celery_app.conf.task_always_eager = previous


@pytest.fixture
def frozen():
    with time_machine.travel(FROZEN, tick=False):
        yield


@pytest.fixture
def imported(frozen, sample_customers, sample_products, sample_bytes):  # noqa: F811
    purchases_import(data=sample_bytes, filename="p.csv", only_valid=True)
    return sample_customers


def _login_redirect(response):
    return response.status_code == 302 and reverse("login") in response["Location"]


class TestPurchaseList:
    url = reverse("customers:purchase_list")

    @pytest.mark.parametrize("role", list(Role))
    def test_it_shows_purchases_to_every_role(self, role, users_by_role, client_for, imported):
        response = client_for(users_by_role[role]).get(self.url)
        assert response.status_code == 200
        assert "127" in response.content.decode()
        assert "ORD-00001" in response.content.decode() or "ORD-00" in response.content.decode()

    def test_it_sends_anonymous_visitors_to_login(self, client, imported):
        assert _login_redirect(client.get(self.url))

    def test_it_filters_by_customer_period_store_and_category(self, rep, client_for, imported):
        client = client_for(rep)
        by_customer = client.get(self.url, {"customer": "C0003"})
        assert by_customer.context["page"].paginator.count == Purchase.objects.filter(customer__code="C0003").count()
        by_period = client.get(self.url, {"date_from": "2025-01-01", "date_to": "2025-12-31", "store": "通販"})
        expected = Purchase.objects.filter(purchased_on__year=2025, store__icontains="通販").count()
        assert by_period.context["page"].paginator.count == expected > 0
        by_category = client.get(self.url, {"category": "食品"})
        assert by_category.context["page"].paginator.count == Purchase.objects.filter(product__category="食品").count()

    def test_it_answers_htmx_with_the_table_only(self, rep, client_for, imported):
        response = client_for(rep).get(self.url, {"customer": "C0001"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert "<nav" not in response.content.decode().split("purchase-table")[0]
        assert 'data-testid="purchase-table"' in response.content.decode()

    def test_it_uses_a_bounded_number_of_queries(self, rep, client_for, imported, django_assert_max_num_queries):
        client = client_for(rep)
        with django_assert_max_num_queries(12):
            client.get(self.url)


class TestPurchaseExport:
    url = reverse("customers:purchase_export")

    @pytest.mark.parametrize("role", [Role.LIST_MAINTAINER, Role.MANAGER, Role.ADMIN])
    def test_it_exports_an_audited_csv_with_bom(self, role, users_by_role, client_for, imported):
        user = users_by_role[role]
        response = client_for(user).get(self.url, {"customer": "C0001", "format": "csv"})
        content = b"".join(response.streaming_content)
        assert response.status_code == 200
        assert content.startswith(b"\xef\xbb\xbf")
        lines = content.decode("utf-8-sig").splitlines()
        assert lines[0].startswith("customer_code,customer_name,purchased_on")
        assert len(lines) - 1 == Purchase.objects.filter(customer__code="C0001").count()
        audit = ExportAudit.objects.get(user=user)
        assert (audit.kind, audit.row_count, audit.filters) == ("purchases", len(lines) - 1, {"customer": "C0001"})

    def test_it_exports_xlsx_with_formulas_neutralized(self, manager, client_for, imported):
        Purchase.objects.filter(order_ref="ORD-00001").update(store="=HYPERLINK(\"x\")")
        response = client_for(manager).get(self.url, {"customer": "C0001", "format": "xlsx"})
        sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
        stores = [row[8] for row in sheet.iter_rows(min_row=2, values_only=True)]
        assert "'=HYPERLINK(\"x\")" in stores

    def test_it_refuses_sales_reps(self, rep, client_for, imported):
        assert client_for(rep).get(self.url).status_code == 403
        assert not ExportAudit.objects.exists()

    def test_it_sends_anonymous_visitors_to_login(self, client):
        assert _login_redirect(client.get(self.url))


class TestPurchaseImport:
    url = reverse("customers:purchase_import")

    def _upload(self, client, data, django_capture_on_commit_callbacks, **options):
        with django_capture_on_commit_callbacks(execute=True):
            return client.post(self.url, {"file": SimpleUploadedFile("purchases.csv", data), **options})

    def test_it_checks_the_file_and_shows_the_four_errors_without_writing(
        self, maintainer, client_for, frozen, sample_customers, sample_products, sample_bytes,  # noqa: F811
        django_capture_on_commit_callbacks,
    ):
        client = client_for(maintainer)
        response = self._upload(client, sample_bytes, django_capture_on_commit_callbacks)
        batch = ImportBatch.objects.get()
        assert response.status_code == 302 and response["Location"] == reverse(
            "customers:purchase_import_preview", args=[batch.pk])
        page = client.get(response["Location"]).content.decode()
        assert batch.state == ImportBatch.State.PREVIEWED and batch.error_count == 4
        assert page.count('data-testid="import-error"') == 4
        assert "The date does not exist." in page and "2025-02-30" in page
        assert Purchase.objects.count() == 0

    def test_it_imports_the_valid_rows_on_confirmation_and_gives_back_the_rejected(
        self, maintainer, client_for, frozen, sample_customers, sample_products, sample_bytes,  # noqa: F811
        django_capture_on_commit_callbacks,
    ):
        client = client_for(maintainer)
        self._upload(client, sample_bytes, django_capture_on_commit_callbacks)
        batch = ImportBatch.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("customers:purchase_import_confirm", args=[batch.pk]), {"mode": "valid_only"})
        batch.refresh_from_db()
        assert (batch.state, batch.created_count) == (ImportBatch.State.DONE, 127)
        assert Purchase.objects.count() == 127
        page = client.get(reverse("customers:purchase_import_preview", args=[batch.pk])).content.decode()
        assert 'data-testid="import-done"' in page
        rejected = client.get(reverse("customers:purchase_import_rejected", args=[batch.pk]))
        assert b"".join(rejected.streaming_content).decode("utf-8-sig").count("\n") == 5

    def test_it_will_not_import_a_file_with_errors_as_a_whole(
        self, maintainer, client_for, frozen, sample_customers, sample_products, sample_bytes,  # noqa: F811
        django_capture_on_commit_callbacks,
    ):
        client = client_for(maintainer)
        self._upload(client, sample_bytes, django_capture_on_commit_callbacks)
        batch = ImportBatch.objects.get()
        client.post(reverse("customers:purchase_import_confirm", args=[batch.pk]), {"mode": "all"})
        batch.refresh_from_db()
        assert batch.state == ImportBatch.State.PREVIEWED and Purchase.objects.count() == 0

    def test_the_progress_endpoint_redirects_once_finished_and_renders_while_running(
        self, manager, client_for, frozen, sample_customers,  # noqa: F811
    ):
        client = client_for(manager)
        batch = ImportBatch.objects.create(kind=ImportBatch.Kind.PURCHASES, state=ImportBatch.State.IMPORTING,
                                           original_name="x.csv", file="x.csv", progress=40)
        url = reverse("customers:purchase_import_progress", args=[batch.pk])
        running = client.get(url, HTTP_HX_REQUEST="true")
        assert running.status_code == 200 and "40%" in running.content.decode()
        ImportBatch.objects.filter(pk=batch.pk).update(state=ImportBatch.State.DONE)
        done = client.get(url, HTTP_HX_REQUEST="true")
        assert done.status_code == 204 and done["HX-Redirect"].endswith(f"/purchases/import/{batch.pk}/")

    def test_it_cancels_a_previewed_import(self, maintainer, client_for):
        batch = ImportBatch.objects.create(kind=ImportBatch.Kind.PURCHASES, state=ImportBatch.State.PREVIEWED,
                                           original_name="x.csv", file="x.csv")
        response = client_for(maintainer).post(reverse("customers:purchase_import_cancel", args=[batch.pk]))
        batch.refresh_from_db()
        assert response.status_code == 302 and batch.state == ImportBatch.State.CANCELLED

    def test_it_shows_a_failure_for_a_file_without_required_columns(
        self, maintainer, client_for, django_capture_on_commit_callbacks
    ):
        client = client_for(maintainer)
        response = self._upload(client, b"code,date\nC1,2025-01-01\n", django_capture_on_commit_callbacks)
        page = client.get(response["Location"]).content.decode()
        assert ImportBatch.objects.get().state == ImportBatch.State.FAILED
        assert "Required columns are missing" in page

    @pytest.mark.parametrize("role", [Role.LIST_MAINTAINER, Role.MANAGER, Role.ADMIN])
    def test_it_shows_the_upload_form_to_office_roles(self, role, users_by_role, client_for):
        response = client_for(users_by_role[role]).get(self.url)
        assert response.status_code == 200 and 'data-testid="purchase-import-form"' in response.content.decode()

    def test_it_refuses_sales_reps(self, rep, client_for, sample_bytes):  # noqa: F811
        client = client_for(rep)
        assert client.get(self.url).status_code == 403
        assert client.post(self.url, {"file": SimpleUploadedFile("p.csv", sample_bytes)}).status_code == 403
        assert not ImportBatch.objects.exists()

    def test_it_sends_anonymous_visitors_to_login(self, client):
        assert _login_redirect(client.get(self.url))


class TestCatalogue:
    url = reverse("customers:product_list")

    @pytest.mark.parametrize("role", [Role.MANAGER, Role.ADMIN])
    def test_it_lists_products_events_and_price_changes_for_managers(self, role, users_by_role, client_for,
                                                                     sample_products):  # noqa: F811
        response = client_for(users_by_role[role]).get(self.url)
        assert response.status_code == 200 and "セメント 25kg" in response.content.decode()

    @pytest.mark.parametrize("role", [Role.SALES_REP, Role.LIST_MAINTAINER])
    def test_it_refuses_other_roles(self, role, users_by_role, client_for, sample_products):  # noqa: F811
        client = client_for(users_by_role[role])
        assert client.get(self.url).status_code == 403
        assert client.post(reverse("customers:product_create"), {"code": "X", "name": "x"}).status_code == 403
        assert not Product.objects.filter(code="X").exists()

    def test_it_sends_anonymous_visitors_to_login(self, client):
        assert _login_redirect(client.get(self.url))

    def test_it_creates_a_product(self, manager, client_for):
        response = client_for(manager).post(reverse("customers:product_create"),
                                            {"code": "P-900", "name": "新商品", "category": "食品", "unit_price": "1200",
                                             "is_active": "on"})
        assert response.status_code == 302
        assert Product.objects.get(code="P-900").unit_price == 1200

    def test_it_records_a_price_change_when_the_unit_price_is_edited(self, manager, client_for, frozen,
                                                                      sample_products):  # noqa: F811
        product = Product.objects.get(code="P-100")
        response = client_for(manager).post(reverse("customers:product_edit", args=[product.pk]),
                                            {"code": "P-100", "name": product.name, "category": product.category,
                                             "unit_price": "1080", "is_active": "on"})
        assert response.status_code == 302
        change = PriceChange.objects.get(product=product)
        assert (change.old_price, change.new_price, change.changed_on, change.is_rise) == (
            980, 1080, dt.date(2027, 1, 15), True)

    def test_it_keeps_a_product_that_has_purchases(self, manager, client_for, imported):
        product = Product.objects.get(code="P-100")
        response = client_for(manager).post(reverse("customers:product_delete", args=[product.pk]), follow=True)
        assert "cannot be deleted" in response.content.decode()
        assert Product.objects.filter(pk=product.pk).exists()

    def test_it_records_edits_and_deletes_market_events_and_price_changes(self, manager, client_for,
                                                                           sample_products):  # noqa: F811
        client = client_for(manager)
        product = Product.objects.get(code="P-400")
        client.post(reverse("customers:market_event_create"),
                    {"occurred_on": "2026-10-01", "kind": "competitor_price_cut", "description": "競合が値下げ",
                     "product": product.pk})
        event = MarketEvent.objects.get()
        assert (event.created_by, event.category) == (manager, product.category)
        client.post(reverse("customers:market_event_edit", args=[event.pk]),
                    {"occurred_on": "2026-10-02", "kind": "other", "description": "訂正", "category": "食品"})
        event.refresh_from_db()
        assert (event.occurred_on, event.description) == (dt.date(2026, 10, 2), "訂正")
        client.post(reverse("customers:price_change_create"),
                    {"product": product.pk, "changed_on": "2026-09-01", "old_price": "6800", "new_price": "7480"})
        change = PriceChange.objects.get()
        assert change.is_rise
        client.post(reverse("customers:price_change_delete", args=[change.pk]))
        client.post(reverse("customers:market_event_delete", args=[event.pk]))
        assert not PriceChange.objects.exists() and not MarketEvent.objects.exists()
        assert "競合" not in client.get(self.url).content.decode()


class TestCustomerCardPanel:
    def test_it_shows_purchases_totals_interval_and_next_date_on_the_card(self, rep, client_for, imported):
        customer = imported[2]  # C0003: 12 lines over 2023–2026
        response = client_for(rep).get(reverse("customers:detail", args=[customer.pk]))
        page = response.content.decode()
        summary = customer.purchase_summary
        assert response.status_code == 200
        assert 'data-testid="customer-purchases"' in page
        assert f"￥{summary.amount_last_12m:,}" in page and f"￥{summary.total_amount:,}" in page
        expected_next = summary.last_purchase_on + dt.timedelta(days=round(summary.median_interval_days))
        assert expected_next.isoformat() in page
        recent = Purchase.objects.filter(customer=customer, purchased_on__gt=dt.date(2026, 1, 15)).count()
        assert page.count('data-testid="recent-purchase"') == recent > 0
        assert "chart.umd.min.js" in page and "2023-08" in page  # the chart starts at the first month
        assert "ずわいがに 1kg" in page  # the top product by amount

    def test_it_says_so_when_there_are_no_purchases(self, rep, client_for, sample_customers):  # noqa: F811
        page = client_for(rep).get(reverse("customers:detail", args=[sample_customers[0].pk])).content.decode()
        assert 'data-testid="no-purchases"' in page
