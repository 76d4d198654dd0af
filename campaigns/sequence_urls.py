"""URLs of sequences, playbooks, response figures and the public feedback form (included by campaigns.urls, so
their names are in the "campaigns" namespace)."""
from django.urls import path

from . import feedback_views, sequence_views

urlpatterns = [
    path("feedback/<str:token>/", feedback_views.feedback_form, name="feedback"),
    path("playbooks/", sequence_views.playbook_list, name="playbooks"),
    path("<int:pk>/steps/add/", sequence_views.step_add, name="step_add"),
    path("steps/<int:pk>/", sequence_views.step_edit, name="step_edit"),
    path("steps/<int:pk>/delete/", sequence_views.step_delete, name="step_delete"),
    path("steps/<int:pk>/move/<str:direction>/", sequence_views.step_move, name="step_move"),
    path("<int:pk>/response.csv", sequence_views.response_csv, name="response_csv"),
]
