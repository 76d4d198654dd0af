"""URLs under /inquiry/: the public form, thanks and double opt-in pages (no login), and the staff review queue."""
from django.urls import path

from customers.views import inquiry as views

app_name = "inquiry"
urlpatterns = [
    path("", views.inquiry_form, name="form"),
    path("thanks/", views.inquiry_thanks, name="thanks"),
    path("confirm/<str:token>/", views.inquiry_confirm_consent, name="confirm"),
    path("review/", views.inquiry_review_queue, name="review_queue"),
    path("review/<int:pk>/", views.inquiry_review_decide, name="review_decide"),
]
