"""Coupon URLs, included by campaigns.urls under /campaigns/coupons/ (names in the "campaigns" namespace)."""
from django.urls import path

from . import views

urlpatterns = [
    path("order-entry/<int:customer_pk>/issue/", views.order_entry_issue, name="coupon_order_entry_issue"),
    path("<int:pk>/slip.pdf", views.coupon_slip, name="coupon_slip"),
    path("<int:pk>/cancel/", views.coupon_cancel, name="coupon_cancel"),
]
