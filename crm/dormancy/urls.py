"""URLs of the dormancy screens, mounted at the site root under the `dormancy` namespace."""
from django.urls import path

from . import views

app_name = "dormancy"
urlpatterns = [
    path("dormant/", views.dormant_list, name="dormant_list"),
    path("dormant/export/", views.dormant_export, name="dormant_export"),
    path("dormancy/rules/", views.rules, name="rules"),
    path("dormancy/rules/<int:pk>/", views.rule_edit, name="rule_edit"),
    path("dormancy/rules/<int:pk>/delete/", views.rule_delete, name="rule_delete"),
    path("dormancy/runs/", views.runs, name="runs"),
]
