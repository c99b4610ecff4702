"""The weekly station report as an A4 PDF in Thai (Sarabun, as the patrol QR sheet)."""

from django.utils import translation
from django.utils.translation import gettext as _
from fpdf import FPDF
from fpdf.enums import XPos, YPos

from patrol.qrsheet import thai_pdf

PAGE_W, MARGIN = 210.0, 15.0
WIDTH = PAGE_W - 2 * MARGIN
LABEL_W = WIDTH * 0.62  # the rest is the value, right-aligned
ROW_LINE = 5.5


def _block(pdf: FPDF, height: float, text: str, *, size: float, align: str = "L") -> None:
    """Write TEXT across the page's width and leave the cursor at the next line's left margin."""
    pdf.set_font("Sarabun", size=size)
    pdf.set_x(MARGIN)
    pdf.multi_cell(WIDTH, height, text, align=align, new_x=XPos.LMARGIN, new_y=YPos.NEXT)


def _fits(pdf: FPDF, height: float) -> bool:
    return pdf.get_y() + height <= pdf.page_break_trigger


def _row(pdf: FPDF, item: str, value: str) -> None:
    """Write one table row: the label left and the value right, both from the row's top line,
    a rule under the taller of the two; a row is never split across pages."""
    lines = max(
        len(pdf.multi_cell(LABEL_W, ROW_LINE, item, dry_run=True, output="LINES")),
        len(pdf.multi_cell(WIDTH - LABEL_W, ROW_LINE, value, dry_run=True, output="LINES")),
    )
    if not _fits(pdf, lines * ROW_LINE):
        pdf.add_page()
    top = pdf.get_y()
    pdf.set_xy(MARGIN, top)
    pdf.multi_cell(LABEL_W, ROW_LINE, item, new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    pdf.set_xy(MARGIN + LABEL_W, top)
    pdf.multi_cell(WIDTH - LABEL_W, ROW_LINE, value, align="R", new_x=XPos.LMARGIN, new_y=YPos.NEXT)
    bottom = top + lines * ROW_LINE
    pdf.line(MARGIN, bottom, MARGIN + WIDTH, bottom)
    pdf.set_xy(MARGIN, bottom)


def render(
    *, figures: dict, rows: list[tuple[str, str, str]], title: str = "", note: str = ""
) -> bytes:
    """Return the PDF of the report: a title, then each section's rows as a two-column table.

    TITLE and NOTE (the footnote) default to the weekly station report's; the commanders'
    comparison (desk.comparison) gives its own."""
    with translation.override("th"):
        pdf = thai_pdf()
        pdf.set_auto_page_break(True, margin=MARGIN)
        pdf.set_margins(MARGIN, MARGIN, MARGIN)
        pdf.set_draw_color(170, 170, 170)
        pdf.set_line_width(0.2)
        title = title or _("Weekly station report")
        pdf.set_title(f"{title} {figures['station']['name']} {figures['period_th']}")
        pdf.set_creator("Smart Safety Zone")
        pdf.add_page()
        _block(pdf, 8, f"{title} · {figures['station']['name']}", size=16, align="C")
        _block(pdf, 6, figures["period_th"], size=12, align="C")
        _block(
            pdf, 5, _("Generated %(date)s") % {"date": figures["generated_th"]}, size=9, align="C"
        )
        section = None
        for name, item, value in rows:
            if name != section:
                section = name
                if not _fits(pdf, 3 + 7 + 2 * ROW_LINE):  # a heading stays with its first row
                    pdf.add_page()
                pdf.ln(3)
                _block(pdf, 7, name, size=13)
                pdf.set_font("Sarabun", size=10)
            _row(pdf, item, value)
        pdf.ln(4)
        note = note or _(
            "Response times in minutes from receipt. Median and 90th percentile by linear "
            "interpolation between the closest ranks."
        )
        _block(pdf, 4, note, size=8)
        return bytes(pdf.output())
