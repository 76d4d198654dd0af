"""The segment filter "dormancy reason" reads the confirmed reason (what the customer told us) over the inferred one."""
import pytest

from campaigns import segments
from crm.choices import DormancyStatus
from crm.dormancy.models import ConfirmedReason

from .support import customer

pytestmark = pytest.mark.django_db


def test_the_confirmed_reason_overrides_the_inferred_one():
    inferred_price = customer(status=DormancyStatus.DORMANT, reason="price")
    told_price = customer(status=DormancyStatus.DORMANT, reason="product")
    told_product = customer(status=DormancyStatus.DORMANT, reason="price")
    ConfirmedReason.objects.create(customer=told_price, reason="price", source="call")
    ConfirmedReason.objects.create(customer=told_product, reason="product", source="feedback")
    found = set(segments.filter_customers({"reasons": ["price"]}).values_list("pk", flat=True))
    assert found == {inferred_price.pk, told_price.pk}
    assert segments.audience(filters={"reasons": ["product"]}, channel="email").counts()["selected"] == 1
