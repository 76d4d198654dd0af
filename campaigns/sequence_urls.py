"""URLs of sequences, playbooks, response figures and the public feedback form (included by campaigns.urls, so
their names are in the "campaigns" namespace)."""
from django.urls import path

from . import feedback_views

urlpatterns = [
    path("feedback/<str:token>/", feedback_views.feedback_form, name="feedback"),
]
