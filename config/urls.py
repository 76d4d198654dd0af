"""Top-level URLs: each app mounts its own urls module."""
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

urlpatterns = [
    # The language switcher must work on the login page too, so it is open to anonymous visitors.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    path("admin/", admin.site.urls),
    path("users/", include("crm.user_management.urls")),
    path("customers/", include("customers.urls")),
    path("inquiry/", include("customers.inquiry.urls")),
    path("campaigns/", include("campaigns.urls")),
    path("visits/", include("visits.urls")),
    path("", include("crm.dormancy.urls")),
    path("", include("crm.urls")),
]
# MEDIA_ROOT is never served, in any setting: uploaded imports, rejected-row files and generated PDFs hold
# personal data and are streamed only by views that check the user's right to them.

handler403 = "crm.views.permission_denied"
handler404 = "crm.views.page_not_found"
handler500 = "crm.views.server_error"
