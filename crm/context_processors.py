"""Navigation: each role sees the entries it may use. Entries of later issues join this list."""
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from . import permissions

# (url name, label, permission action or a test of the user)
NAV_ITEMS = [
    ("home", _("Home"), "customers.view"),
    ("customers:list", _("Customers"), "customers.view"),
    ("customers:purchase_list", _("Purchases"), "purchases.view"),
    ("dormancy:dormant_list", _("Dormant customers"), "dormancy.view"),
    ("visits:today", _("Today's tasks"), lambda user: permissions.has_role_for(user, "visits.log")
     and not permissions.has_role_for(user, "visits.coverage")),
    ("visits:manager", _("Field sales"), "visits.coverage"),
    ("visits:suggestions", _("Suggested updates"), "customers.edit_any"),
    ("campaigns:calendar", _("Campaigns"), "customers.view"),
    ("customers:import", _("Import"), "customers.import"),
    ("customers:worklist", _("List maintenance"), "customers.merge"),
    ("customers:duplicate_queue", _("Duplicates"), "customers.merge"),
    ("inquiry:review_queue", _("Web inquiries"), "inquiries.review"),
    ("customers:product_list", _("Products"), "products.manage"),
    ("dormancy:rules", _("Dormancy rules"), "dormancy.configure"),
    ("dormancy:runs", _("Scan runs"), "dormancy.configure"),
    ("users:list", _("Users"), "users.manage"),
    # The stock Django admin is for superusers only; administrators manage users on the page above.
    ("admin:index", _("Administration"), lambda user: user.is_superuser),
]


def navigation(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {"nav_items": []}
    items = []
    for url_name, label, action in NAV_ITEMS:
        allowed = action(user) if callable(action) else permissions.can(user, action)
        if not allowed:
            continue
        try:
            url = reverse(url_name)
        except NoReverseMatch:
            continue  # the app providing it is not installed yet
        items.append({"url": url, "label": label, "url_name": url_name, "active": request.path == url})
    return {"nav_items": items}
