"""Delivery URLs, under /campaigns/delivery/ (namespace campaigns:delivery)."""
from django.urls import path

from . import views

app_name = "delivery"
urlpatterns = [
    path("steps/<int:pk>/", views.step_delivery, name="step"),
    path("letters/<int:pk>/", views.batch_detail, name="batch"),
    path("letters/<int:pk>/progress/", views.batch_progress, name="batch_progress"),
    path("letters/<int:pk>/download/", views.batch_download, name="batch_download"),
    path("letters/<int:pk>/posted/", views.batch_posted, name="batch_posted"),
    path("hot-leads/", views.hot_leads, name="hot_leads"),
    # Reached from messages, without a session.
    path("u/<str:token>/", views.unsubscribe, name="unsubscribe"),
    path("c/<str:token>/", views.click, name="click"),
    path("o/<str:token>/", views.open_pixel, name="open"),
]
