"""Purchases URLs, included by customers.urls; no app_name of their own, so names live in "customers"."""
from django.urls import path

from . import entry, views

urlpatterns = [
    path("purchases/", views.purchase_list, name="purchase_list"),
    path("<int:pk>/purchases/new/", entry.purchase_enter, name="purchase_enter"),
    path("purchases/export/", views.purchase_export, name="purchase_export"),
    path("purchases/import/", views.purchase_import, name="purchase_import"),
    path("purchases/import/<int:pk>/", views.purchase_import_preview, name="purchase_import_preview"),
    path("purchases/import/<int:pk>/progress/", views.purchase_import_progress, name="purchase_import_progress"),
    path("purchases/import/<int:pk>/confirm/", views.purchase_import_confirm, name="purchase_import_confirm"),
    path("purchases/import/<int:pk>/cancel/", views.purchase_import_cancel, name="purchase_import_cancel"),
    path("purchases/import/<int:pk>/rejected.csv", views.purchase_import_rejected, name="purchase_import_rejected"),
    path("products/", views.product_list, name="product_list"),
    path("products/new/", views.product_create, name="product_create"),
    path("products/<int:pk>/edit/", views.product_edit, name="product_edit"),
    path("products/<int:pk>/delete/", views.product_delete, name="product_delete"),
    path("products/price-changes/new/", views.price_change_create, name="price_change_create"),
    path("products/price-changes/<int:pk>/edit/", views.price_change_edit, name="price_change_edit"),
    path("products/price-changes/<int:pk>/delete/", views.price_change_delete, name="price_change_delete"),
    path("products/market-events/new/", views.market_event_create, name="market_event_create"),
    path("products/market-events/<int:pk>/edit/", views.market_event_edit, name="market_event_edit"),
    path("products/market-events/<int:pk>/delete/", views.market_event_delete, name="market_event_delete"),
]
