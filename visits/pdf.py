"""Printable daily reports: one rep's reports for a day or a week as a PDF (WeasyPrint; Japanese set in Noto CJK,
installed with the fonts-noto-cjk package)."""
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone

from . import reports
from .models import DailyReport


def reports_pdf(*, rep, days):
    """The PDF bytes of `rep`'s reports on `days` (a day without a report still lists its activity)."""
    from weasyprint import HTML  # heavy: only loaded when a PDF is asked for

    stored = {r.day: r for r in DailyReport.objects.filter(rep=rep, day__in=days).select_related("read_by")}
    pages = [{"day": day, "report": stored.get(day), "activity": reports.day_activity(rep=rep, day=day)}
             for day in days]
    html = render_to_string("visits/report_pdf.html", {"rep": rep, "pages": pages, "printed_at": timezone.now()})
    return HTML(string=html).write_pdf()


def reports_pdf_response(*, rep, days):
    name = f"nippo-{rep.username}-{days[0].isoformat()}{'-week' if len(days) > 1 else ''}.pdf"
    response = HttpResponse(reports_pdf(rep=rep, days=days), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{name}"'
    return response
