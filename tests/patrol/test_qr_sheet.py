"""The printable A4 sheet: parsed back, one readable code per active point, each its URL."""

from io import BytesIO

import cv2
import numpy as np
import pytest
from PIL import Image
from pypdf import PdfReader

from patrol import services
from tests.patrol.conftest import checkin_path, make_point

pytestmark = pytest.mark.django_db

SHEET = "/patrol/points/sheet.pdf"


def decode(image) -> str:
    """Decode the one QR code of a PIL image with OpenCV.

    OpenCV's classic detector misses about one code in a hundred at full size; like a phone
    camera, try again at another scale and with the ArUco-based detector before giving up.
    """
    pixels = np.array(image.convert("L"))
    attempts = [
        (cv2.QRCodeDetector(), pixels),
        (
            cv2.QRCodeDetector(),
            cv2.resize(pixels, None, fx=0.5, fy=0.5, interpolation=cv2.INTER_AREA),
        ),
        (cv2.QRCodeDetectorAruco(), pixels),
    ]
    for detector, candidate in attempts:
        text, corners, _ = detector.detectAndDecode(candidate)
        if text:
            return text
    raise AssertionError("no readable QR code in an image of the sheet")


def sheet_codes(pdf: bytes) -> tuple[int, list[str], str]:
    reader = PdfReader(BytesIO(pdf))
    codes = [decode(image.image) for page in reader.pages for image in page.images]
    text = "".join(page.extract_text() for page in reader.pages)
    return len(reader.pages), codes, text


@pytest.fixture
def points(station):
    made = [
        make_point(station, f"ตู้แดง ร้านทอง ล็อก {i + 1}", 16.543 + i * 0.0004, 104.7251)
        for i in range(13)
    ]
    retired = made.pop()
    retired.active = False
    services.point_save(actor="test", point=retired)
    return made


def test_the_sheet_has_one_code_per_active_point_each_decoding_to_its_url(
    supervisor_client, points, other_point
):
    response = supervisor_client.get(SHEET)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    pages, codes, text = sheet_codes(response.content)
    assert pages == 1  # 12 active points fill one A4 page (3 x 4)
    assert sorted(codes) == sorted(f"http://testserver{checkin_path(p)}" for p in points)
    for point in points:
        assert point.short_id in text


def test_a_thirteenth_point_starts_a_second_page(supervisor_client, points, station):
    extra = make_point(station, "ตู้แดง ซอยริมโขง", 16.5400, 104.7258, kind="lane")
    pages, codes, _ = sheet_codes(supervisor_client.get(SHEET).content)
    assert pages == 2 and len(codes) == 13
    assert f"http://testserver{checkin_path(extra)}" in codes


def test_the_names_are_set_in_a_font_with_thai_glyphs(supervisor_client, points):
    reader = PdfReader(BytesIO(supervisor_client.get(SHEET).content))
    fonts = reader.pages[0]["/Resources"]["/Font"]
    names = [str(font.get_object()["/BaseFont"]) for font in fonts.values()]
    assert any("Sarabun" in name for name in names)
    assert "ตู้แดง" in reader.pages[0].extract_text()


def test_a_renewed_code_on_the_new_sheet_differs_from_the_old(
    supervisor_client, supervisor, points
):
    _, before, _ = sheet_codes(supervisor_client.get(SHEET).content)
    services.point_rotate_token(actor=supervisor, point=points[0])
    _, after, _ = sheet_codes(supervisor_client.get(SHEET).content)
    assert len(set(before) - set(after)) == 1


def test_officers_cannot_print_and_the_single_code_is_a_png(client, officer, supervisor, points):
    from PIL import Image

    client.force_login(officer)
    assert client.get(SHEET).status_code == 403
    client.force_login(supervisor)
    png = client.get(f"/patrol/points/{points[0].pk}/qr.png")
    assert decode(Image.open(BytesIO(png.content))).endswith(checkin_path(points[0]))


def test_the_codes_hold_site_url_even_when_the_sheet_is_printed_from_127_0_0_1(
    supervisor_client, points, settings
):
    settings.SITE_URL = "https://safetyzone.example.org"
    response = supervisor_client.get(SHEET, HTTP_HOST="127.0.0.1:8000")
    _pages, codes, text = sheet_codes(response.content)
    assert sorted(codes) == sorted(
        f"https://safetyzone.example.org{checkin_path(p)}" for p in points
    )
    assert "https://safetyzone.example.org/" in text  # the foot says where the codes lead
    single = supervisor_client.get(f"/patrol/points/{points[0].pk}/qr.png", HTTP_HOST="127.0.0.1")
    assert decode(Image.open(BytesIO(single.content))) == (
        f"https://safetyzone.example.org{checkin_path(points[0])}"
    )


def test_a_long_name_stays_inside_its_cell_and_the_code_still_reads(supervisor_client, station):
    import pdfplumber

    long_name = "ตู้แดงหน้าร้านทองเยาวราช ตลาดอินโดจีน ทางเข้าฝั่งแม่น้ำโขง ใกล้ท่าเรือข้ามฟาก"
    made = [
        make_point(station, long_name + " ล็อก " + str(i) * 40 * i, 16.543, 104.7251)
        for i in range(3)
    ]
    pdf = supervisor_client.get(SHEET).content
    _pages, codes, text = sheet_codes(pdf)
    assert sorted(codes) == sorted(f"http://testserver{checkin_path(p)}" for p in made)
    with pdfplumber.open(BytesIO(pdf)) as document:
        page = document.pages[0]
        cells = [r for r in page.rects if r["width"] > 100]
        assert len(cells) == 3
        for cell in cells:
            inside = [
                c
                for c in page.chars
                if cell["x0"] <= (c["x0"] + c["x1"]) / 2 <= cell["x1"]
                and cell["top"] <= (c["top"] + c["bottom"]) / 2 <= cell["bottom"] + 30
            ]
            assert inside, "a cell with no text"
            for char in inside:  # nothing spills past the frame: below, left or right
                assert char["bottom"] <= cell["bottom"] and char["x0"] >= cell["x0"], char["text"]
                assert char["x1"] <= cell["x1"], char["text"]
    for point in made:
        assert point.short_id in text
