"""WeasyPrint rendering of a letter batch: cover sheet, letters, address labels: one print-ready A4 PDF.

Japanese text needs a Japanese font: the stylesheet asks for Noto Sans CJK JP (Debian: fonts-noto-cjk) or IPAex
Gothic (fonts-ipaexfont), found through fontconfig; `lang="ja"` picks the Japanese glyph forms. Letters are
rendered in chunks (one WeasyPrint pass each, the progress saved between them) sharing one font configuration,
and the pages of all passes are written as one document.

Layout: the address block sits where the window of a 長3 window envelope (120 × 235 mm, window about 90 × 45 mm,
23 mm from the left and 13 mm from the top) shows it when the A4 sheet is folded in three: its top third is the
window side. The label layouts are the common A4 sheets (12 and 24 labels); adjust LABEL_LAYOUTS to your stock.
"""
from dataclasses import dataclass

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone, translation

from . import conf, letters


@dataclass(frozen=True)
class LabelLayout:
    columns: int
    rows: int
    width_mm: float
    height_mm: float
    top_mm: float
    left_mm: float
    column_gap_mm: float = 0.0


LABEL_LAYOUTS = {
    12: LabelLayout(columns=2, rows=6, width_mm=86.4, height_mm=42.3, top_mm=21.5, left_mm=18.6),
    24: LabelLayout(columns=3, rows=8, width_mm=70.0, height_mm=33.9, top_mm=12.9, left_mm=0.0),
}


def _label_sheets(rows, layout):
    """[[{"values", "top", "left"} …] per sheet]: each label's position in millimetres."""
    per_sheet = layout.columns * layout.rows
    sheets = []
    for start in range(0, len(rows), per_sheet):
        sheet = []
        for index, (_item, values) in enumerate(rows[start:start + per_sheet]):
            row, column = divmod(index, layout.columns)
            sheet.append({"values": values, "top": layout.top_mm + row * layout.height_mm,
                          "left": layout.left_mm + column * (layout.width_mm + layout.column_gap_mm)})
        sheets.append(sheet)
    return sheets


def _html(template, context):
    with translation.override(settings.LANGUAGE_CODE):
        return render_to_string(template, context)


def render_batch(batch, *, progress=None, chunk=100):
    """The batch's PDF as bytes. progress(done) is called after each chunk of letters."""
    from weasyprint import HTML
    from weasyprint.text.fonts import FontConfiguration

    fonts = FontConfiguration()
    rows = letters.letters_in_order(batch)
    step = batch.step
    today = timezone.localdate()
    common = {"sender": conf.sender(), "today": today, "step": step, "campaign": step.campaign, "batch": batch}
    layout = LABEL_LAYOUTS[batch.label_layout]
    base_url = str(settings.BASE_DIR)

    def render(template, context):
        return HTML(string=_html(template, {**common, **context}), base_url=base_url).render(font_config=fonts)

    documents = [render("campaigns/delivery/letters/cover.html", {
        "count": len(rows), "areas": letters.postal_areas(batch),
        "undeliverable": letters.undeliverable(batch).count(), "layout": batch.label_layout,
        "label_sheets": -(-len(rows) // (layout.columns * layout.rows)),
    })]
    for start in range(0, len(rows), chunk):
        part = [{"item": item, "values": values, "body": letters.merge.fill(step.body, values),
                 "subject": letters.merge.fill(step.subject, values)} for item, values in rows[start:start + chunk]]
        documents.append(render("campaigns/delivery/letters/letters.html",
                                {"letters": part, "staff_profile": batch.include_staff_profile,
                                 "staff_text": conf.setting("MEZAME_LETTER_STAFF_PROFILE", "")}))
        if progress:
            progress(min(start + chunk, len(rows)))
    documents.append(render("campaigns/delivery/letters/labels.html", {
        "sheets": _label_sheets(rows, layout), "layout": layout}))
    pages = [page for document in documents for page in document.pages]
    return documents[0].copy(pages).write_pdf()
