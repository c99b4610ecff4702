"""The PDFs' Thai is shaped (uharfbuzz): a tone mark over a tall consonant or an upper vowel
takes the font's moved form instead of the plain one drawn on top of it."""

from io import BytesIO

from fontTools.ttLib import TTFont
from pypdf import PdfReader

from patrol.qrsheet import thai_pdf


def embedded_glyphs(pdf_bytes: bytes) -> tuple[set[str], set[str]]:
    """Return (every glyph of the embedded Sarabun subset, the glyphs characters map to)."""
    page = PdfReader(BytesIO(pdf_bytes)).pages[0]
    [font] = [f.get_object() for f in page["/Resources"]["/Font"].values()]
    descriptor = font["/DescendantFonts"][0].get_object()["/FontDescriptor"].get_object()
    subset = TTFont(BytesIO(descriptor["/FontFile2"].get_object().get_data()))
    return set(subset.getGlyphOrder()), set(subset.getBestCmap().values())


def render(text: str, *, shaped: bool) -> bytes:
    pdf = thai_pdf()
    if not shaped:
        pdf.set_text_shaping(False)
    pdf.add_page()
    pdf.set_font("Sarabun", size=14)
    pdf.multi_cell(150, 8, text)
    return bytes(pdf.output())


def test_tone_marks_take_their_moved_forms():
    text = "ปู่ที่ฝั่งน้ำ ป่าไม้ ฟ้า"
    glyphs, of_characters = embedded_glyphs(render(text, shaped=True))
    moved = glyphs - of_characters - {".notdef"}
    plain_glyphs, _characters = embedded_glyphs(render(text, shaped=False))
    assert len(moved - plain_glyphs) >= 3  # forms no character maps to, used only when shaped
    assert "ป่าไม้" in PdfReader(BytesIO(render(text, shaped=True))).pages[0].extract_text()
