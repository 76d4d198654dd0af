"""The customer list's filter form: an untouched form filters nothing."""
import pytest
from django.urls import reverse

from customers.models import Customer

pytestmark = pytest.mark.django_db


def test_it_offers_an_empty_fiscal_month_so_a_plain_search_keeps_every_month(client_for, rep):
    Customer.objects.create(code="M01", name="一月決算株式会社", fiscal_year_end_month=1)
    Customer.objects.create(code="M03", name="三月決算株式会社", fiscal_year_end_month=3)
    client = client_for(rep)

    page = client.get(reverse("customers:list")).content.decode()
    assert '<option value="" selected>' in page.split('name="fiscal_month"')[1].split("</select>")[0]

    # What the browser submits for the untouched form: an empty fiscal month.
    response = client.get(reverse("customers:list"), {"q": "", "fiscal_month": "", "prefecture": ""})
    assert "一月決算株式会社" in response.content.decode()
    assert "三月決算株式会社" in response.content.decode()


def test_it_filters_by_fiscal_month_when_one_is_chosen(client_for, rep):
    Customer.objects.create(code="M01", name="一月決算株式会社", fiscal_year_end_month=1)
    Customer.objects.create(code="M03", name="三月決算株式会社", fiscal_year_end_month=3)

    response = client_for(rep).get(reverse("customers:list"), {"fiscal_month": "3"})

    assert "三月決算株式会社" in response.content.decode()
    assert "一月決算株式会社" not in response.content.decode()
