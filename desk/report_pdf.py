"""The weekly station report as an A4 PDF in Thai (Sarabun, as the patrol QR sheet)."""

from django.utils import translation
from django.utils.translation import gettext as _

from patrol.qrsheet import thai_pdf

PAGE_W, MARGIN = 210.0, 15.0


def render(*, figures: dict, rows: list[tuple[str, str, str]]) -> bytes:
    """Return the PDF of the report: a title, then each section's rows as a two-column table."""
    with translation.override("th"):
        pdf = thai_pdf()
        pdf.set_auto_page_break(True, margin=MARGIN)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        title = _("Weekly station report")
        pdf.set_title(f"{title} {figures['station']['name']} {figures['week_start']}")
        pdf.set_creator("Smart Safety Zone")
        pdf.add_page()
        width = PAGE_W - 2 * MARGIN
        pdf.set_font("Sarabun", size=16)
        pdf.multi_cell(width, 8, f"{title} · {figures['station']['name']}", align="C")
        pdf.set_font("Sarabun", size=12)
        pdf.multi_cell(width, 6, figures["period_th"], align="C")
        pdf.set_font("Sarabun", size=9)
        pdf.multi_cell(
            width, 5, _("Generated %(date)s") % {"date": figures["generated_th"]}, align="C"
        )
        section = None
        for name, item, value in rows:
            if name != section:
                section = name
                pdf.ln(3)
                pdf.set_font("Sarabun", size=13)
                pdf.multi_cell(width, 7, name)
                pdf.set_font("Sarabun", size=10)
            y = pdf.get_y()
            pdf.multi_cell(width * 0.7, 5.5, item, border="B")
            after_item = pdf.get_y()
            pdf.set_xy(MARGIN + width * 0.7, y)
            pdf.multi_cell(width * 0.3, 5.5, value, border="B", align="R")
            pdf.set_y(max(after_item, pdf.get_y()))
        pdf.ln(4)
        pdf.set_font("Sarabun", size=8)
        pdf.multi_cell(
            width,
            4,
            _(
                "Response times in minutes from receipt. Median and 90th percentile by linear "
                "interpolation between the closest ranks."
            ),
        )
        return bytes(pdf.output())
