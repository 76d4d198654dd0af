"""Public URLs (no login): /inquiry/ and /inquiry/thanks/."""
from django.urls import path

from customers.views import inquiry_form, inquiry_thanks

app_name = "inquiry"
urlpatterns = [
    path("", inquiry_form, name="form"),
    path("thanks/", inquiry_thanks, name="thanks"),
]
