"""User administration under /users/."""
from django.urls import path

from . import views

app_name = "users"
urlpatterns = [
    path("", views.user_list, name="list"),
    path("new/", views.user_create_view, name="create"),
    path("<int:pk>/", views.user_edit_view, name="edit"),
    path("<int:pk>/password/", views.user_password_view, name="password"),
]
