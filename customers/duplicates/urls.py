"""The duplicate review queue, included under /customers/duplicates/ in the customers namespace."""
from django.urls import path

from . import views

urlpatterns = [
    path("", views.duplicate_queue, name="duplicate_queue"),
    path("search/", views.duplicate_search, name="duplicate_search"),
    path("<int:pk>/reject/", views.duplicate_reject, name="duplicate_reject"),
    path("<int:pk>/accept/", views.duplicate_accept, name="duplicate_accept"),
]
