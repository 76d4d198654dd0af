"""The coupon slip: a small PDF (80 mm wide, a receipt printer's roll) handed over or sent with the order.

WeasyPrint sets the Japanese in Noto Sans CJK (the fonts-noto-cjk package); the code is printed large, grouped
in fours, from an alphabet without 0/O and 1/I so that it is read back without doubt.
"""
from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone


def coupon_slip_pdf(*, coupon):
    from weasyprint import HTML  # heavy: only loaded when a slip is printed

    html = render_to_string("campaigns/coupons/slip.html", {"coupon": coupon, "printed_at": timezone.localtime()})
    return HTML(string=html).write_pdf()


def coupon_slip_response(*, coupon):
    response = HttpResponse(coupon_slip_pdf(coupon=coupon), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="coupon-{coupon.code}.pdf"'
    return response
