"""Coupon URLs, included by campaigns.urls under /campaigns/coupons/ (names in the "campaigns" namespace)."""
from django.urls import path

from . import views

urlpatterns = [
    path("order-entry/<int:customer_pk>/issue/", views.order_entry_issue, name="coupon_order_entry_issue"),
    path("<int:pk>/slip.pdf", views.coupon_slip, name="coupon_slip"),
    path("<int:pk>/cancel/", views.coupon_cancel, name="coupon_cancel"),
    path("campaign/<int:pk>/", views.campaign_coupons, name="campaign_coupons"),
    path("steps/<int:step_pk>/offer/", views.step_offer_edit, name="coupon_offer_edit"),
    path("steps/<int:step_pk>/issue/", views.step_coupons_issue, name="coupon_step_issue"),
]
