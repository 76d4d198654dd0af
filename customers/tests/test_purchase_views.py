"""Purchases screens per role: list, export, import flow, catalogue management and the card panel."""
import csv
import datetime as dt
import io
import re

import factory
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

from .factories import CustomerFactory, PurchaseFactory
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


def _purchase_count(page):
    return page.split('data-testid="purchase-count">')[1].split("</p>")[0].strip()


def _order_refs(page):
    """The order references of the table's rows, top to bottom."""
    return re.findall(r"ORD-\d{5}", page.split('data-testid="purchase-table"')[1])


class TestPurchaseList:
    url = reverse("customers:purchase_list")

    @pytest.mark.parametrize("role", list(Role))
    def test_it_shows_purchases_to_every_role_newest_first(self, role, users_by_role, client_for, imported):
        response = client_for(users_by_role[role]).get(self.url)
        assert response.status_code == 200
        page = response.content.decode()
        assert _purchase_count(page) == "127 purchase lines"  # the sample's 131 rows less its 4 bad ones
        refs = _order_refs(page)
        # Newest first, 50 a page: 2026-12-23 (ORD-00073) down to 2025-07-04 (ORD-00089); 2025-07-03 is on page 2.
        assert (len(refs), refs[0], refs[1], refs[-1]) == (50, "ORD-00073", "ORD-00007", "ORD-00089")
        assert "ORD-00124" not in refs

    def test_it_sends_anonymous_visitors_to_login(self, client, imported):
        assert _login_redirect(client.get(self.url))

    def test_it_filters_by_customer(self, rep, client_for, imported):
        response = client_for(rep).get(self.url, {"customer": "C0003"})
        # Rows 10–21 of the sample file: C0003's twelve lines.
        assert _purchase_count(response.content.decode()) == "12 purchase lines"
        assert sorted(_order_refs(response.content.decode())) == [f"ORD-{n:05d}" for n in range(9, 21)]

    def test_it_filters_by_period_and_store(self, rep, client_for, imported):
        response = client_for(rep).get(self.url, {"date_from": "2025-01-01", "date_to": "2025-12-31", "store": "通販"})
        # The sample's 2025 lines sold through 通販, read off the file.
        assert sorted(_order_refs(response.content.decode())) == [
            "ORD-00024", "ORD-00061", "ORD-00064", "ORD-00071", "ORD-00100", "ORD-00117", "ORD-00123"]

    def test_it_filters_by_category(self, rep, client_for, imported):
        response = client_for(rep).get(self.url, {"category": "食品"})
        # P-400 (¥6,800) is the fixtures' only 食品 product; the sample has 33 valid P-400 lines.
        assert _purchase_count(response.content.decode()) == "33 purchase lines"
        assert response.context["page"].paginator.count == 33

    def test_it_answers_htmx_with_the_table_only(self, rep, client_for, imported):
        response = client_for(rep).get(self.url, {"customer": "C0001"}, HTTP_HX_REQUEST="true")
        assert response.status_code == 200
        assert "<nav" not in response.content.decode().split("purchase-table")[0]
        assert 'data-testid="purchase-table"' in response.content.decode()

    def test_it_uses_a_bounded_number_of_queries(self, rep, client_for, frozen, django_assert_max_num_queries):
        # 50 lines (a full page) over 25 customers and 50 products: six queries today, one per row would be 50+.
        PurchaseFactory.create_batch(50, customer=factory.Iterator(CustomerFactory.create_batch(25)))
        client = client_for(rep)
        with django_assert_max_num_queries(8):
            response = client.get(self.url)
        assert response.status_code == 200
        page = response.content.decode()
        assert _purchase_count(page) == "50 purchase lines"
        assert len(_order_refs(page.replace("FORD-", "ORD-"))) == 50


class TestPurchaseExport:
    url = reverse("customers:purchase_export")

    @pytest.mark.parametrize("role", [Role.LIST_MAINTAINER, Role.MANAGER, Role.ADMIN])
    def test_it_exports_an_audited_csv_with_bom(self, role, users_by_role, client_for, imported):
        user = users_by_role[role]
        response = client_for(user).get(self.url, {"customer": "C0001", "format": "csv"})
        content = b"".join(response.streaming_content)
        assert response.status_code == 200
        assert content.startswith(b"\xef\xbb\xbf")
        rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig"))))
        assert rows[0][:3] == ["customer_code", "customer_name", "purchased_on"]
        # C0001's four lines in the sample (rows 2–5), newest first.
        assert [(row[0], row[2], row[9]) for row in rows[1:]] == [
            ("C0001", "2024-07-21", "ORD-00001"), ("C0001", "2024-02-18", "ORD-00003"),
            ("C0001", "2023-10-19", "ORD-00004"), ("C0001", "2023-09-07", "ORD-00002")]
        audit = ExportAudit.objects.get(user=user)
        assert (audit.kind, audit.row_count, audit.filters, audit.via) == ("purchases", 4, {"customer": "C0001"}, "web")
        assert response["Content-Type"] == "text/csv; charset=utf-8"

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
        assert batch.state == ImportBatch.State.VALIDATED and batch.error_count == 4
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

    def test_the_rejected_rows_file_has_an_unguessable_name_and_is_refused_to_a_rep(
        self, maintainer, rep, client_for, frozen, sample_customers, sample_products, sample_bytes,  # noqa: F811
        django_capture_on_commit_callbacks,
    ):
        client = client_for(maintainer)
        self._upload(client, sample_bytes, django_capture_on_commit_callbacks)
        batch = ImportBatch.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            client.post(reverse("customers:purchase_import_confirm", args=[batch.pk]), {"mode": "valid_only"})
        batch.refresh_from_db()
        stored = batch.options["rejected_file"]
        leaf = stored.rsplit("/", 1)[1]
        assert stored.startswith("imports/rejected/") and not leaf.startswith("purchases-")
        assert len(leaf) >= 24 and "purchases" not in batch.file.name
        response = client_for(rep).get(reverse("customers:purchase_import_rejected", args=[batch.pk]))
        assert response.status_code == 403

    def test_it_will_not_import_a_file_with_errors_as_a_whole(
        self, maintainer, client_for, frozen, sample_customers, sample_products, sample_bytes,  # noqa: F811
        django_capture_on_commit_callbacks,
    ):
        client = client_for(maintainer)
        self._upload(client, sample_bytes, django_capture_on_commit_callbacks)
        batch = ImportBatch.objects.get()
        client.post(reverse("customers:purchase_import_confirm", args=[batch.pk]), {"mode": "all"})
        batch.refresh_from_db()
        assert batch.state == ImportBatch.State.VALIDATED and Purchase.objects.count() == 0

    def test_the_progress_endpoint_redirects_once_finished_and_renders_while_running(
        self, manager, client_for, frozen, sample_customers,  # noqa: F811
    ):
        client = client_for(manager)
        batch = ImportBatch.objects.create(kind=ImportBatch.Kind.PURCHASES, state=ImportBatch.State.RUNNING,
                                           original_name="x.csv", file="x.csv", progress=40)
        url = reverse("customers:purchase_import_progress", args=[batch.pk])
        running = client.get(url, HTTP_HX_REQUEST="true")
        assert running.status_code == 200 and "40%" in running.content.decode()
        ImportBatch.objects.filter(pk=batch.pk).update(state=ImportBatch.State.DONE)
        done = client.get(url, HTTP_HX_REQUEST="true")
        assert done.status_code == 204 and done["HX-Redirect"].endswith(f"/purchases/import/{batch.pk}/")

    def test_it_cancels_a_previewed_import(self, maintainer, client_for):
        batch = ImportBatch.objects.create(kind=ImportBatch.Kind.PURCHASES, state=ImportBatch.State.VALIDATED,
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
        assert response.status_code == 200
        page = response.content.decode().split('data-testid="customer-purchases"')[1]
        # C0003 by hand from the sample file: 12 lines, ¥462,700 in all; in the 12 months to 2027-01-15 four
        # lines (2026-02-27, 03-25, 06-22, 06-24) for ¥152,220. The 11 gaps between its purchase days have a
        # median of 89 days, so the next purchase was due 89 days after 2026-06-24: 2026-09-21.
        assert "￥462,700" in page and "￥152,220" in page
        assert "2026-09-21" in page
        assert page.count('data-testid="recent-purchase"') == 4
        assert "chart.umd.min.js" in page and "2023-08" in page  # the chart starts at the first month
        assert "ずわいがに 1kg" in page  # the top product by amount

    def test_it_says_so_when_there_are_no_purchases(self, rep, client_for, sample_customers):  # noqa: F811
        page = client_for(rep).get(reverse("customers:detail", args=[sample_customers[0].pk])).content.decode()
        assert 'data-testid="no-purchases"' in page
