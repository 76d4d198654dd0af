"""Core views: the home page (a landing page per role), health, error pages."""
from django.contrib.auth.decorators import login_not_required
from django.http import JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from .health import health_report
from .home import home_sections


def home(request):
    """Each user's landing page: the sections the apps registered for the user's role (see crm/home.py)."""
    return render(request, "crm/home.html", {"sections": home_sections(user=request.user)})


@login_not_required
@never_cache
@require_GET
def healthz(request):
    report = health_report()
    return JsonResponse(report, status=200 if report["ok"] else 503)


def permission_denied(request, exception=None):
    """The product's 403: says why (a Refused carries the reason) and links back to the record refused."""
    record = getattr(exception, "obj", None)
    back_url = record.get_absolute_url() if hasattr(record, "get_absolute_url") else None
    return render(request, "403.html", {"reason": getattr(exception, "reason", None), "back_url": back_url}, status=403)


def page_not_found(request, exception=None):
    return render(request, "404.html", status=404)


def server_error(request):
    # No request context: the database (sessions, users) may be what failed.
    from django.http import HttpResponseServerError
    from django.template import loader

    return HttpResponseServerError(loader.get_template("500.html").render({}))
