"""The printable A4 sheet of a station's patrol point QR codes (PDF).

Names are set in Sarabun (patrol/fonts/, SIL Open Font License 1.1), which has Thai glyphs, so
the sheet renders the same on any machine without system fonts; uharfbuzz shapes the Thai.
"""

import logging
import unicodedata
from collections.abc import Callable, Iterable
from io import BytesIO
from pathlib import Path

import qrcode
from django.utils.translation import gettext as _
from fpdf import FPDF
from qrcode.constants import ERROR_CORRECT_M

from patrol.models import PatrolPoint

# fpdf2 subsets the font with fontTools, which logs every step at INFO: keep that out of logs.
logging.getLogger("fontTools").setLevel(logging.WARNING)

FONT_PATH = Path(__file__).resolve().parent / "fonts" / "Sarabun-Regular.ttf"
PAGE_W, PAGE_H, MARGIN = 210.0, 297.0, 12.0
COLS, ROWS = 3, 4
HEADER_H = 12.0
QR_SIZE = 42.0
NAME_LINE, NAME_LINES, NAME_SIZES = 5.0, 2, (11, 10, 9, 8)
ID_H = 6.0


def thai_pdf() -> FPDF:
    """Return an empty A4 portrait PDF with Sarabun as "Sarabun" and Thai shaped by HarfBuzz:
    tone marks and vowels above or below a consonant sit where the font puts them, not on top
    of each other."""
    pdf = FPDF(orientation="portrait", unit="mm", format="A4")
    pdf.add_font("Sarabun", "", str(FONT_PATH))
    pdf.set_text_shaping(True)
    return pdf


def qr_png(data: str) -> bytes:
    """Return a PNG of the QR code of DATA."""
    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, box_size=8, border=4)
    code.add_data(data)
    code.make(fit=True)
    out = BytesIO()
    code.make_image(fill_color="black", back_color="white").save(out, format="PNG")
    return out.getvalue()


def render_sheet(
    *,
    title: str,
    points: Iterable[PatrolPoint],
    url_for: Callable[[PatrolPoint], str],
    footer: str = "",
) -> bytes:
    """Return the PDF of the points' codes, COLS x ROWS per A4 page, name and short id under
    each, FOOTER at the foot of each page; URL_FOR gives the check-in URL a point's code holds."""
    pdf = thai_pdf()
    pdf.set_auto_page_break(False)
    pdf.set_margins(MARGIN, MARGIN, MARGIN)
    pdf.set_title(title)
    pdf.set_creator("Smart Safety Zone")
    cell_w = (PAGE_W - 2 * MARGIN) / COLS
    cell_h = (PAGE_H - 2 * MARGIN - HEADER_H) / ROWS
    per_page = COLS * ROWS
    points = list(points)
    if not points:
        pdf.add_page()
        _page_text(pdf, title, footer)
        pdf.set_font("Sarabun", size=12)
        pdf.set_xy(MARGIN, MARGIN + HEADER_H + 10)
        pdf.cell(text=_("This station has no active patrol points."))
    for index, point in enumerate(points):
        if index % per_page == 0:
            pdf.add_page()
            _page_text(pdf, title, footer)
        slot = index % per_page
        x = MARGIN + (slot % COLS) * cell_w
        y = MARGIN + HEADER_H + (slot // COLS) * cell_h
        pdf.set_draw_color(200, 200, 200)
        pdf.rect(x + 1, y + 1, cell_w - 2, cell_h - 2)
        pdf.image(
            BytesIO(qr_png(url_for(point))),
            x=x + (cell_w - QR_SIZE) / 2,
            y=y + 3,
            w=QR_SIZE,
            h=QR_SIZE,
        )
        pdf.set_xy(x + 3, y + 3 + QR_SIZE + 1)
        name, size = _fit(pdf, point.name, cell_w - 6)
        pdf.set_font("Sarabun", size=size)
        pdf.multi_cell(cell_w - 6, NAME_LINE, name, align="C")
        pdf.set_xy(x + 3, y + cell_h - 2 - ID_H)  # the short id at the cell's foot, always
        pdf.set_font("Sarabun", size=13)
        pdf.cell(cell_w - 6, ID_H, point.short_id, align="C")
    return bytes(pdf.output())


def _fit(pdf: FPDF, name: str, width: float) -> tuple[str, float]:
    """Return NAME and a font size at which it takes NAME_LINES lines of WIDTH at most: a
    smaller size for a long name, and the longest name that fits with "…" at the smallest."""

    def lines(text: str, size: float) -> int:
        pdf.set_font("Sarabun", size=size)
        return len(pdf.multi_cell(width, NAME_LINE, text, dry_run=True, output="LINES"))

    for size in NAME_SIZES:
        if lines(name, size) <= NAME_LINES:
            return name, size
    size, cut = NAME_SIZES[-1], len(name)
    while cut > 1 and lines(f"{name[:cut].rstrip()}…", size) > NAME_LINES:
        cut -= 1
        while cut > 1 and unicodedata.category(name[cut]) == "Mn":
            cut -= 1  # never between a Thai letter and its vowel or tone mark
    return f"{name[:cut].rstrip()}…", size


def _page_text(pdf: FPDF, title: str, footer: str) -> None:
    """Write the title and the instruction at the top of the page, FOOTER at its foot."""
    pdf.set_font("Sarabun", size=14)
    pdf.set_xy(MARGIN, MARGIN)
    pdf.cell(PAGE_W - 2 * MARGIN, 7, title, align="C")
    pdf.set_font("Sarabun", size=9)
    pdf.set_xy(MARGIN, MARGIN + 6)
    pdf.cell(
        PAGE_W - 2 * MARGIN,
        5,
        _("Patrol check-in: scan the code with the phone camera at the point."),
        align="C",
    )
    if footer:
        pdf.set_font("Sarabun", size=8)
        pdf.set_xy(MARGIN, PAGE_H - MARGIN + 2)
        pdf.cell(PAGE_W - 2 * MARGIN, 4, footer, align="C")
