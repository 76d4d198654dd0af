"""URLs of the campaign screens, under /campaigns/."""
from django.urls import include, path

from . import views

app_name = "campaigns"
urlpatterns = [
    path("", views.calendar, name="calendar"),
    path("year/<int:year>/", views.calendar, name="calendar_year"),
    path("contact-policy/", views.contact_policy, name="contact_policy"),
    path("seasons/", views.season_list, name="seasons"),
    path("seasons/<int:pk>/", views.season_edit, name="season_edit"),
    path("seasons/<int:pk>/delete/", views.season_delete, name="season_delete"),
    path("segments/", views.segment_list, name="segments"),
    path("segments/new/", views.segment_edit, name="segment_new"),
    path("segments/<int:pk>/", views.segment_edit, name="segment_edit"),
    path("segments/preview/", views.segment_preview, name="segment_preview"),
    path("new/", views.campaign_edit, name="new"),
    path("<int:pk>/", views.campaign_detail, name="detail"),
    path("<int:pk>/edit/", views.campaign_edit, name="edit"),
    path("<int:pk>/launch/", views.campaign_launch, name="launch"),
    path("<int:pk>/copy/", views.campaign_copy, name="copy"),
    path("coupons/", include("campaigns.coupons.urls")),
    path("delivery/", include("campaigns.delivery.urls")),
    # Sequences: steps editor, playbooks, response figures, the customer's feedback form.
    path("", include("campaigns.sequence_urls")),
]
