"""Customer master URLs under /customers/ (purchases add theirs here too)."""
from django.urls import include, path

from . import views

app_name = "customers"

urlpatterns = [
    path("", views.customer_list, name="list"),
    path("new/", views.customer_create, name="create"),
    path("lookup/", views.phone_lookup, name="phone_lookup"),
    path("export/", views.customer_export_view, name="export"),
    path("duplicates/", include("customers.duplicates.urls")),
    path("maintenance/", include("customers.maintenance.urls")),
    path("import/", views.import_upload, name="import"),
    path("import/<int:pk>/", views.import_detail, name="import_detail"),
    path("import/<int:pk>/progress/", views.imports.import_progress, name="import_progress"),
    path("import/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("import/<int:pk>/cancel/", views.import_cancel, name="import_cancel"),
    path("import/<int:pk>/rejected.csv", views.import_rejected, name="import_rejected"),
    path("<int:pk>/", views.customer_detail, name="detail"),
    path("<int:pk>/edit/", views.customer_edit, name="edit"),
    path("<int:pk>/touchpoints/", views.touchpoint_add, name="touchpoint_add"),
    path("<int:pk>/contacts/new/", views.contact_add, name="contact_add"),
    path("<int:pk>/contacts/<int:contact_pk>/", views.contact_edit, name="contact_edit"),
    path("", include("customers.purchases.urls")),
]
